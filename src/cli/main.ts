/**
 * The `qms` program. Command modules register their flags cheaply and
 * lazy-import their service when run, so `qms --help` stays fast.
 */
import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { ExitCode, InterruptedError } from '../core/errors.js';
import { GLOBAL_OPTIONS, resolveGlobalOptions } from './global-options.js';
import { handleError } from './handle-error.js';
import { Runtime, type RuntimeIo } from './runtime.js';
import { createLogger } from '../output/logger.js';
import { COMMANDS } from './commands/index.js';

const require = createRequire(import.meta.url);

function readVersion(): string {
  try {
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** What a command's action receives: its own parsed options and the shared runtime. */
export type CommandAction<O> = (options: O, runtime: Runtime, args: string[]) => Promise<number | void>;

export interface ProgramContext {
  io: RuntimeIo;
  /** Runs an action with a runtime, owns errors and exit codes; set by main(). */
  run<O>(command: Command, action: CommandAction<O>, args?: string[]): Promise<void>;
}

const EXAMPLES = `
Examples:
  $ qms --sandbox sandbox status                 the built-in demo org, no token needed
  $ qms --sandbox assess --org acme              gap analysis of every repo against its tier
  $ qms assess --org acme --json > gaps.json     machine-readable, for cron
  $ qms plan --org acme --tier mission_critical  the exact writes an apply would make
  $ qms apply --org acme --tier mission_critical --yes
  $ qms rollback --last                          restore what was there before

Exit codes:
  0 done and compliant         1 findings at or above --fail-on
  2 usage or config error      3 GitHub auth/API error before any change
  4 partial failure            5 another mutating run holds the lock
  130 interrupted (state consistent, roll-back-able)

Auth: GITHUB_TOKEN or GH_TOKEN, else \`gh auth token\`, or a GitHub App
(--app-id, --private-key, --installation-id). Tokens are never stored or logged.`;

export function buildProgram(ctx: ProgramContext): Command {
  const program = new Command('qms')
    .description('Quality Management System over GitHub branch protection: classify, assess, plan, apply, roll back, audit.')
    .version(readVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .addHelpText('after', EXAMPLES);
  // Before any subcommand exists, so every subcommand inherits them.
  program.exitOverride();
  program.configureOutput({
    writeOut: (s) => ctx.io.stdout.write(s),
    writeErr: (s) => ctx.io.stderr.write(s),
    outputError: (s, write) => write(s.startsWith('error:') ? `qms: ${s}` : s),
  });
  for (const spec of GLOBAL_OPTIONS) {
    const opt = new Option(spec.flags, spec.description);
    if (spec.env) opt.env(spec.env);
    program.addOption(opt);
  }
  for (const register of COMMANDS) register(program, ctx);
  return program;
}

/**
 * `qms history | head` closes the pipe early: the rest of the output has no
 * reader, which is not an error. Without a listener Node would crash on EPIPE.
 */
function ignoreClosedPipe(stream: NodeJS.WritableStream): void {
  if (stream.listenerCount('error') > 0) return;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    throw err;
  });
}

/** Entry point: returns the exit code (bin/qms.js sets process.exitCode). */
export async function main(argv: string[], io?: Partial<RuntimeIo>): Promise<number> {
  const fullIo: RuntimeIo = {
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    stdinIsTTY: io?.stdinIsTTY ?? process.stdin.isTTY === true,
    env: io?.env ?? process.env,
    cwd: io?.cwd ?? process.cwd(),
  };
  let exitCode: number = ExitCode.Ok;
  ignoreClosedPipe(fullIo.stdout);
  ignoreClosedPipe(fullIo.stderr);
  const fallbackLogger = createLogger({ level: 'normal', write: (l) => fullIo.stderr.write(l) });

  const ctx: ProgramContext = {
    io: fullIo,
    run: async <O>(command: Command, action: CommandAction<O>, args: string[] = []) => {
      let runtime: Runtime | undefined;
      const onSignal = (signal: NodeJS.Signals) => {
        if (!runtime || runtime.signal.aborted) {
          // Second signal: the user insists. Exit now; SQLite WAL keeps what was committed.
          process.exit(ExitCode.Interrupted);
        }
        runtime.logger.warn(`${signal} received: finishing the current step, then stopping (again to force)`);
        runtime.abort.abort(new InterruptedError(`interrupted by ${signal}`));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const globals = resolveGlobalOptions(command.optsWithGlobals(), fullIo.env);
        runtime = new Runtime(globals, fullIo);
        const code = await action(command.opts() as O, runtime, args);
        // An explicit code wins (a server stopped by Ctrl-C exits 0); a command that
        // just returned after an interrupt reports 130.
        exitCode = typeof code === 'number' ? code : runtime.signal.aborted ? ExitCode.Interrupted : ExitCode.Ok;
      } catch (err) {
        exitCode = handleError(err, runtime?.logger ?? fallbackLogger);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (runtime) {
          try {
            await runtime.close();
          } catch (err) {
            const code = handleError(err, runtime.logger);
            if (exitCode === ExitCode.Ok) exitCode = code;
          }
        }
      }
    },
  };

  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return ExitCode.Ok;
      }
      if (err.code === 'commander.executeSubCommandAsync') return ExitCode.Ok;
      return ExitCode.Usage;
    }
    return handleError(err, fallbackLogger);
  }
  return exitCode;
}
