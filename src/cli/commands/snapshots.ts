/**
 * `qms snapshots show ID [--json]`: one recorded change — its target, the
 * before-state exactly as GitHub returned it, the intent, the read-back after
 * the write, its status, and the audit events with their digests.
 */
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../core/errors.js';
import type { ProgramContext } from '../main.js';
import type { Runtime } from '../runtime.js';

export function registerSnapshots(program: Command, ctx: ProgramContext): void {
  const snapshots = program.command('snapshots').description('the before-states qms recorded (one per change)');
  snapshots
    .command('show')
    .description('one change: target, before JSON exactly as GitHub returned it, intended, after, status, audit digests')
    .argument('<id>', 'snapshot id (= change id; see qms history --json or the apply output)')
    .action(async (id: string, _opts: Record<string, never>, cmd: Command) => {
      await ctx.run<Record<string, never>>(cmd, (_flags, runtime) => runShow(runtime, id), [id]);
    });
}

async function runShow(runtime: Runtime, raw: string): Promise<number> {
  if (!/^\d{1,15}$/.test(raw.trim()) || Number(raw) < 1)
    throw new UsageError(`snapshot id must be a positive whole number; got ${JSON.stringify(raw.slice(0, 40))}`);
  const [{ showSnapshot }, view] = await Promise.all([import('../../services/history.js'), import('../../output/history-view.js')]);
  const store = await runtime.store({ readonly: true });
  const snapshot = showSnapshot(store, Number(raw));
  runtime.io.stdout.write(runtime.options.json ? view.snapshotToDocument(snapshot) : view.renderSnapshot(snapshot));
  return ExitCode.Ok;
}
