/**
 * `qms sandbox status|reset|serve` — the built-in simulated GitHub organisation.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';

interface ServeFlags {
  port?: string;
  latency?: string;
  secondaryLimits?: boolean;
  state?: string;
  persist?: boolean;
  fresh?: boolean;
}

const SANDBOX_HELP = `
The sandbox is a GitHub simulator on 127.0.0.1 seeded with the demo orgs
"acme" (Team plan, ~30 repositories covering every tier and edge case) and
"acme-labs" (Free plan). Its state lives beside the store
($XDG_STATE_HOME/qms/sandbox-state.json), so successive "qms --sandbox ..."
commands see each other's changes. Tokens map to fixture users
(qms_sandbox_<login>); set QMS_SANDBOX_TOKEN to act as someone else.

Examples:
  $ qms sandbox status                            orgs, users and their tokens
  $ QMS_SANDBOX_TOKEN=qms_sandbox_rita qms --sandbox assess --org acme
  $ qms sandbox serve --port 8787 &               standalone, for curl or gh
  $ curl -H "Authorization: token qms_sandbox_ada" http://127.0.0.1:8787/orgs/acme/repos
  $ qms sandbox reset                             back to the fixture`;

function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`--port must be 0–65535; got "${value}"`);
  return Number(value);
}

function parseMs(flag: string, value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,6}$/.test(value)) throw new UsageError(`${flag} must be a whole number of milliseconds; got "${value}"`);
  return Number(value);
}

export function registerSandbox(program: Command, ctx: ProgramContext): void {
  const sandbox = program
    .command('sandbox')
    .description('the built-in simulated GitHub organisation (training, pilots, tests): status, reset, serve')
    .addHelpText('after', SANDBOX_HELP);

  sandbox
    .command('status')
    .description('read the sandbox orgs through the API and list the users and their tokens')
    .action(async (_opts: object, cmd: Command) => {
      await ctx.run(cmd, async (_flags: object, runtime: Runtime) => {
        runtime.forceSandbox();
        const gateway = await runtime.gateway();
        const { readSandboxStatus } = await import('../../services/sandbox.js');
        const status = await readSandboxStatus({
          gateway,
          sandbox: runtime.sandbox!.summary(),
          stateFile: runtime.sandboxStatePath,
          apiUrl: runtime.apiUrl,
        });
        const { renderSandboxStatus } = await import('../../output/sandbox-view.js');
        runtime.io.stdout.write(renderSandboxStatus(status, runtime.format, runtime.io.stdout.columns ?? 80));
      });
    });

  sandbox
    .command('reset')
    .description('throw away the sandbox state and reseed it from the fixtures')
    .action(async (_opts: object, cmd: Command) => {
      await ctx.run(cmd, async (_flags: object, runtime: Runtime) => {
        const { resetStateFile, summarizeSandbox } = await import('@qms/github-sim');
        const { orgs } = summarizeSandbox(await resetStateFile(runtime.sandboxStatePath));
        const summary = orgs.map((o) => `${o.login}: ${o.repositories} repositories`);
        if (runtime.options.json) {
          runtime.io.stdout.write(`${JSON.stringify({ stateFile: runtime.sandboxStatePath, orgs: summary }, null, 2)}\n`);
        } else {
          runtime.io.stdout.write(`reset ${runtime.sandboxStatePath} (${summary.join(', ')})\n`);
        }
      });
    });

  sandbox
    .command('serve')
    .description('run the simulator standalone on 127.0.0.1 until interrupted (for curl, gh, or qms --api-url)')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option('--latency <ms>', 'delay every response, e.g. 50 to feel like api.github.com')
    .option('--secondary-limits', "emulate GitHub's secondary rate limits (403 with retry-after)")
    .option('--state <file>', 'state file (default: the one beside the store, shared with --sandbox)')
    .option('--fresh', 'start from the fixtures, ignoring the state file')
    .option('--no-persist', 'keep changes in memory only')
    .action(async (_opts: ServeFlags, cmd: Command) => {
      await ctx.run<ServeFlags>(cmd, async (flags: ServeFlags, runtime: Runtime) => {
        const port = parsePort(flags.port);
        const latencyMs = parseMs('--latency', flags.latency);
        const statePath = flags.state ?? runtime.sandboxStatePath;
        const { startSandbox, resetStateFile } = await import('@qms/github-sim');
        if (flags.fresh && flags.persist !== false) await resetStateFile(statePath);
        const server = await startSandbox({
          port,
          latencyMs,
          secondaryLimits: flags.secondaryLimits === true,
          ...(flags.fresh && flags.persist === false ? {} : { statePath }),
          persist: flags.persist !== false,
        });
        const { users } = server.summary();
        const out = runtime.io.stdout;
        if (runtime.options.json) {
          out.write(`${JSON.stringify({ url: server.url, stateFile: flags.persist === false ? null : statePath, users })}\n`);
        } else {
          out.write(`sandbox listening on ${server.url}\n`);
          out.write(`  REST:     ${server.url}/orgs/acme/repos\n`);
          out.write(`  GraphQL:  ${server.url}/graphql\n`);
          out.write(`  control:  ${server.url}/_sandbox/stats, /_sandbox/faults, /_sandbox/reset\n`);
          out.write(`  state:    ${flags.persist === false ? '(in memory)' : statePath}\n`);
          out.write(`  try:      qms --api-url ${server.url} assess --org acme   (GITHUB_TOKEN=${users[0]?.token ?? ''})\n`);
          out.write('stop with Ctrl-C\n');
        }
        await new Promise<void>((resolve) => {
          if (runtime.signal.aborted) resolve();
          runtime.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await server.close();
        return 0;
      });
    });
}
