/**
 * `qms history [--org O] [--limit N] [--json]`: the applies and rollbacks this
 * store recorded — when, who, what, status, counts. Read-only (never blocks a
 * running apply).
 */
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../core/errors.js';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';

interface HistoryFlags {
  org?: string;
  limit?: string;
  all?: boolean;
}

export function registerHistory(program: Command, ctx: ProgramContext): void {
  program
    .command('history')
    .description('what qms changed: applies and rollbacks with their change sets (when, who, what, status, counts)')
    .option('--org <org>', 'only this organization')
    .option('--limit <n>', 'newest runs to show', '20')
    .option('--all', 'every kind of run (assess, classify…), not only those that change GitHub')
    .action(async (_opts: HistoryFlags, cmd: Command) => {
      await ctx.run<HistoryFlags>(cmd, runHistoryCommand);
    });
}

async function runHistoryCommand(flags: HistoryFlags, runtime: Runtime): Promise<number> {
  const limit = Number(flags.limit ?? '20');
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new UsageError(`--limit must be a whole number from 1 to 10000; got ${JSON.stringify(flags.limit)}`);
  const assess = await import('../../services/assess.js');
  const org = flags.org === undefined ? undefined : assess.parseOrgOption(flags.org);
  const [{ listHistory }, view] = await Promise.all([import('../../services/history.js'), import('../../output/history-view.js')]);
  const store = await runtime.store({ readonly: true });
  const kinds = flags.all
    ? ['apply', 'rollback', 'bypass', 'assess', 'classify', 'plan', 'drift', 'checks', 'assign', 'report', 'audit']
    : undefined;
  const entries = listHistory(store, { limit, ...(org ? { org } : {}), ...(kinds ? { kinds } : {}) });
  if (runtime.options.json) {
    const { toJson } = await import('../../output/formats.js');
    runtime.io.stdout.write(toJson(view.historyToDocument(entries)));
  } else {
    runtime.io.stdout.write(view.renderHistory(entries));
  }
  return ExitCode.Ok;
}
