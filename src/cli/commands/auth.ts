/**
 * `qms auth status [--org O]`: which identity qms acts as, where the credential came
 * from, and how much rate limit is left — the first thing to check in cron. With
 * --org, whether the token administers the org's repositories (classic branch
 * protection is visible to repository admins only): a warning when it does not.
 */
import type { Command } from 'commander';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';

export function registerAuth(program: Command, ctx: ProgramContext): void {
  const auth = program.command('auth').description('check the GitHub credentials qms would use');
  auth
    .command('status')
    .description('show the authenticated identity, API URL and remaining rate limit (exit 3 if the credentials are rejected)')
    .option(
      '--org <org>',
      'also check that the token administers the repositories of this organization ' +
        '(1 request for an owner, else 1 + 1 per 100 repositories)',
    )
    .addHelpText(
      'after',
      '\nWith --org, a warning on stderr when the token does not administer every repository:\n' +
        'classic branch protection is visible to repository admins only, so assess would\n' +
        'report those repositories unknown and exit 4. The exit code stays 0.',
    )
    .action(async (_opts: { org?: string }, cmd: Command) => {
      await ctx.run(cmd, async (flags: { org?: string }, runtime: Runtime) => {
        const org = flags.org === undefined ? undefined : (await import('../../services/assess.js')).parseOrgOption(flags.org);
        const gateway = await runtime.gateway();
        const viewer = await runtime.viewer();
        const limits = await gateway.getRateLimit();
        const admin = org === undefined ? null : await (await import('../../services/auth-status.js')).checkOrgAdministration(gateway, org);
        const result = {
          login: viewer.login,
          type: viewer.type,
          apiUrl: runtime.apiUrl,
          sandbox: runtime.options.sandbox,
          rateLimit: limits,
          ...(admin ? { org: admin } : {}),
        };
        if (admin?.warning) runtime.logger.warn(admin.warning);
        if (runtime.options.json) {
          runtime.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const reset = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
        runtime.io.stdout.write(
          [
            `signed in to ${runtime.apiUrl} as ${viewer.login} (${viewer.type})${runtime.options.sandbox ? ' — sandbox' : ''}`,
            `REST rate limit    ${limits.core.remaining}/${limits.core.limit}, resets ${reset(limits.core.resetAt)}`,
            `GraphQL rate limit ${limits.graphql.remaining}/${limits.graphql.limit}, resets ${reset(limits.graphql.resetAt)}`,
            ...(admin === null
              ? ['repository admin rights not checked: add --org ORG (classic branch protection needs admin)']
              : [
                  admin.owner
                    ? `organization ${admin.org}: owner, administers all ${admin.repositories} repositories`
                    : `organization ${admin.org}: administers ${admin.administered} of ${admin.repositories} repositories`,
                ]),
          ].join('\n') + '\n',
        );
      });
    });
}
