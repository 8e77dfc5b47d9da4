/**
 * Checkpoints of long runs: which repos a run has finished, so `--resume` skips them.
 * Not audited (progress bookkeeping, not a state change of GitHub or of the trail).
 */
import { fromJsonColumn, inList, toJsonColumn, WhereBuilder } from './json-columns.js';
import { PAGE_SIZE, type StoreContext } from './store-context.js';
import type { CheckpointRecord, CheckpointsRepo } from './types.js';

interface CheckpointRow {
  run_id: number;
  repo: string;
  status: string;
  data: string | null;
  updated_at: string;
}

function rowToCheckpoint(r: CheckpointRow): CheckpointRecord {
  return { runId: r.run_id, repo: r.repo, status: r.status, data: fromJsonColumn(r.data), updatedAt: r.updated_at };
}

export class SqliteCheckpointsRepo implements CheckpointsRepo {
  constructor(private readonly ctx: StoreContext) {}

  save(runId: number, repo: string, status: string, data?: unknown): void {
    // Paging is keyed on repo > '': an empty key would be skipped. Use '*' for run-wide progress.
    if (!repo) throw new TypeError('a checkpoint needs a repo (or "*" for run-wide progress)');
    const text = toJsonColumn(data);
    this.ctx.write(() => {
      this.ctx
        .stmt(
          `INSERT INTO checkpoints (run_id, repo, status, data, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (run_id, repo) DO UPDATE SET status = excluded.status, data = excluded.data, updated_at = excluded.updated_at`,
        )
        .run(runId, repo, status, text, this.ctx.nowIso());
    });
  }

  get(runId: number, repo: string): CheckpointRecord | null {
    const row = this.ctx.stmt('SELECT * FROM checkpoints WHERE run_id = ? AND repo = ?').get(runId, repo) as CheckpointRow | undefined;
    return row ? rowToCheckpoint(row) : null;
  }

  *iterate(runId: number, filter: { status?: string | string[] } = {}): Generator<CheckpointRecord> {
    const w = new WhereBuilder().add('run_id = ?', runId);
    w.addIn('status', inList(filter.status));
    const stmt = this.ctx.stmt(`SELECT * FROM checkpoints ${w.toString()} AND repo > ? ORDER BY repo LIMIT ${PAGE_SIZE}`);
    let after = '';
    for (;;) {
      const rows = stmt.all(...w.params, after) as CheckpointRow[];
      for (const r of rows) yield rowToCheckpoint(r);
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1]!.repo;
    }
  }

  count(runId: number): Record<string, number> {
    const rows = this.ctx.stmt('SELECT status, COUNT(*) AS n FROM checkpoints WHERE run_id = ? GROUP BY status').all(runId) as {
      status: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  clear(runId: number): number {
    return this.ctx.write(() => this.ctx.stmt('DELETE FROM checkpoints WHERE run_id = ?').run(runId).changes);
  }
}
