/**
 * `qms auth status`: which identity qms acts as, where the credential came
 * from, and how much rate limit is left — the first thing to check in cron.
 */
import type { Command } from 'commander';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';

export function registerAuth(program: Command, ctx: ProgramContext): void {
  const auth = program.command('auth').description('check the GitHub credentials qms would use');
  auth
    .command('status')
    .description('show the authenticated identity, API URL and remaining rate limit (exit 3 if the credentials are rejected)')
    .action(async (_opts: object, cmd: Command) => {
      await ctx.run(cmd, async (_flags: object, runtime: Runtime) => {
        const gateway = await runtime.gateway();
        const viewer = await runtime.viewer();
        const limits = await gateway.getRateLimit();
        const result = {
          login: viewer.login,
          type: viewer.type,
          apiUrl: runtime.apiUrl,
          sandbox: runtime.options.sandbox,
          rateLimit: limits,
        };
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
          ].join('\n') + '\n',
        );
      });
    });
}
