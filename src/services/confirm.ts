/**
 * Confirmation before writing to GitHub. On a terminal: a yes/no question on
 * stderr (stdout may carry a JSON document), answered on stdin. Without a
 * terminal (cron, CI, a pipe) nobody can answer, so `--yes` is required and its
 * absence is a usage error (exit 2) raised before anything is read or written.
 */
import readline from 'node:readline';
import { UsageError } from '../core/errors.js';

/** Refuse to go on without `--yes` when stdin is not a terminal. */
export function requireConfirmationPossible(options: { yes: boolean; dryRun: boolean; stdinIsTTY: boolean; command: string }): void {
  if (options.yes || options.dryRun || options.stdinIsTTY) return;
  throw new UsageError(`${options.command} changes GitHub and there is no terminal to confirm on: pass --yes`, {
    hint: `review the changes first with --dry-run (or qms plan), then run again with --yes`,
  });
}

/**
 * Ask `question` and wait for an answer: `y`/`yes` (any case) is yes; anything
 * else, an empty line, end of input or `signal` aborting is no.
 */
export function askYesNo(
  question: string,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; signal?: AbortSignal },
): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: io.input, output: io.output, terminal: false });
    let settled = false;
    const finish = (answer: boolean) => {
      if (settled) return;
      settled = true;
      io.signal?.removeEventListener('abort', onAbort);
      rl.close();
      resolve(answer);
    };
    const onAbort = () => finish(false);
    if (io.signal?.aborted) return finish(false);
    io.signal?.addEventListener('abort', onAbort, { once: true });
    rl.on('close', () => finish(false));
    io.output.write(`${question} [y/N] `);
    rl.once('line', (line) => finish(/^\s*y(es)?\s*$/i.test(line)));
  });
}
