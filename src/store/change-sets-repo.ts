/**
 * Change sets and changes: the undo log. The protocol for every write to GitHub:
 *
 *   recordIntent()  -> COMMIT (before-snapshot durable, status pending)
 *   write to GitHub
 *   recordResult({status: 'written' | 'failed'}), read back, recordResult({status: 'verified' | 'failed'})
 *
 * A process killed between intent and result leaves `pending`: "maybe written". The
 * rollback service reads live state for those and restores when it differs.
 */
import { digestJson } from './canonical-json.js';
import { StoreStateError } from './errors.js';
import { assertPositiveInt, fromJsonColumn, inList, sanitizeApiUrl, toJsonColumn, WhereBuilder } from './json-columns.js';
import { PAGE_SIZE, type StoreContext } from './store-context.js';
import {
  CHANGE_TARGET_KINDS,
  type AuditLog,
  type ChangeOperation,
  type ChangeRecord,
  type ChangeSetFilter,
  type ChangeSetRecord,
  type ChangeSetsRepo,
  type ChangeSetStatus,
  type ChangeStatus,
  type ChangeTargetKind,
  type CreateChangeSetInput,
  type FinishedChangeSetStatus,
  type RecordIntentInput,
  type RecordResultInput,
  type SnapshotRecord,
} from './types.js';

interface ChangeSetRow {
  id: number;
  run_id: number;
  kind: string;
  parent_change_set_id: number | null;
  org: string | null;
  actor: string;
  api_host: string | null;
  status: ChangeSetStatus;
  details: string | null;
  summary: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface ChangeRow {
  id: number;
  change_set_id: number;
  seq: number;
  repo: string;
  target_kind: ChangeTargetKind;
  target_key: string;
  target_node_id: string | null;
  operation: ChangeOperation;
  before_state: string | null;
  before_model: string | null;
  intended_model: string | null;
  after_state: string | null;
  after_model: string | null;
  status: ChangeStatus;
  error: string | null;
  undoes_change_id: number | null;
  restored_by_change_id: number | null;
  created_at: string;
  updated_at: string;
}

interface SnapshotRow {
  id: number;
  change_set_id: number;
  change_set_kind: string;
  actor: string;
  repo: string;
  target_kind: ChangeTargetKind;
  target_key: string;
  target_node_id: string | null;
  taken_at: string;
  state: string | null;
  model: string | null;
  change_status: ChangeStatus;
}

export const CHANGE_STATUSES: readonly ChangeStatus[] = ['pending', 'written', 'verified', 'failed', 'skipped_drift', 'restored'];
const FINISHED_SET: readonly FinishedChangeSetStatus[] = ['completed', 'partial', 'failed', 'interrupted'];

/** Which statuses a change may move to from each status via recordResult. */
const RESULT_TRANSITIONS: Record<ChangeStatus, readonly ChangeStatus[]> = {
  pending: ['written', 'verified', 'failed', 'skipped_drift'],
  written: ['verified', 'failed'],
  verified: [],
  failed: [],
  skipped_drift: [],
  restored: [],
};
/** A change in one of these may be marked restored (pending/failed: maybe written). */
const RESTORABLE: readonly ChangeStatus[] = ['pending', 'written', 'verified', 'failed'];

function rowToChangeSet(r: ChangeSetRow): ChangeSetRecord {
  return {
    id: r.id,
    runId: r.run_id,
    kind: r.kind,
    parentChangeSetId: r.parent_change_set_id,
    org: r.org,
    actor: r.actor,
    apiHost: r.api_host,
    status: r.status,
    details: fromJsonColumn(r.details),
    summary: fromJsonColumn(r.summary),
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

function rowToChange(r: ChangeRow): ChangeRecord {
  return {
    id: r.id,
    changeSetId: r.change_set_id,
    seq: r.seq,
    repo: r.repo,
    targetKind: r.target_kind,
    targetKey: r.target_key,
    targetNodeId: r.target_node_id,
    operation: r.operation,
    beforeState: fromJsonColumn(r.before_state),
    beforeModel: fromJsonColumn(r.before_model),
    intendedModel: fromJsonColumn(r.intended_model),
    afterState: fromJsonColumn(r.after_state),
    afterModel: fromJsonColumn(r.after_model),
    status: r.status,
    error: r.error,
    undoesChangeId: r.undoes_change_id,
    restoredByChangeId: r.restored_by_change_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function rowToSnapshot(r: SnapshotRow): SnapshotRecord {
  return {
    id: r.id,
    changeSetId: r.change_set_id,
    changeSetKind: r.change_set_kind,
    actor: r.actor,
    repo: r.repo,
    targetKind: r.target_kind,
    targetKey: r.target_key,
    targetNodeId: r.target_node_id,
    takenAt: r.taken_at,
    existed: r.state !== null || r.model !== null,
    state: fromJsonColumn(r.state),
    model: fromJsonColumn(r.model),
    changeStatus: r.change_status,
  };
}

/** `acme/api:classic_protection:main`: the audit target of a change. */
export function describeChangeTarget(c: { repo: string; targetKind: string; targetKey: string }): string {
  return `${c.repo}:${c.targetKind}:${c.targetKey}`;
}

function deriveOperation(beforeModel: unknown, beforeState: unknown, intendedModel: unknown): ChangeOperation {
  const existed = beforeModel !== null && beforeModel !== undefined ? true : beforeState !== null && beforeState !== undefined;
  if (intendedModel === null || intendedModel === undefined) {
    if (!existed) throw new TypeError('a change needs a before-state or an intended state (both are null)');
    return 'delete';
  }
  return existed ? 'update' : 'create';
}

/** Errors are stored as one line, bounded: they end up in tables and exports. */
function oneLineError(error: string | null | undefined): string | null {
  if (error === null || error === undefined) return null;
  const line = error.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > 2000 ? `${line.slice(0, 1999)}…` : line;
}

export class SqliteChangeSetsRepo implements ChangeSetsRepo {
  constructor(
    private readonly ctx: StoreContext,
    private readonly audit: AuditLog,
  ) {}

  // -- change sets -----------------------------------------------------------

  create(input: CreateChangeSetInput): ChangeSetRecord {
    if (!input.actor) throw new TypeError('a change set needs an actor (the authenticated GitHub login)');
    if (!input.kind) throw new TypeError('a change set needs a kind');
    const details = toJsonColumn(this.ctx.scrub(input.details));
    return this.ctx.write(() => {
      if (input.parentChangeSetId !== undefined && input.parentChangeSetId !== null && !this.get(input.parentChangeSetId)) {
        throw new StoreStateError(`no change set ${input.parentChangeSetId} to undo`);
      }
      const info = this.ctx
        .stmt(
          `INSERT INTO change_sets (run_id, kind, parent_change_set_id, org, actor, api_host, status, details, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?)`,
        )
        .run(
          input.runId,
          input.kind,
          input.parentChangeSetId ?? null,
          input.org,
          input.actor,
          sanitizeApiUrl(input.apiHost),
          details,
          this.ctx.nowIso(),
        );
      const set = this.mustGet(Number(info.lastInsertRowid));
      this.audit.append({
        actor: set.actor,
        action: 'change_set.created',
        target: `change_set:${set.id}`,
        runId: set.runId,
        changeSetId: set.id,
        details: { kind: set.kind, org: set.org, apiHost: set.apiHost, parentChangeSetId: set.parentChangeSetId, details: set.details },
      });
      return set;
    });
  }

  start(changeSetId: number): ChangeSetRecord {
    return this.ctx.write(() => {
      const before = this.mustGet(changeSetId);
      // interrupted -> in_progress is a resume (`--resume` continues the same change set).
      if (before.status !== 'planned' && before.status !== 'interrupted') {
        throw new StoreStateError(`change set ${changeSetId} is ${before.status}; only a planned or interrupted change set can start`);
      }
      this.ctx
        .stmt(`UPDATE change_sets SET status = 'in_progress', started_at = COALESCE(started_at, ?), finished_at = NULL WHERE id = ?`)
        .run(this.ctx.nowIso(), changeSetId);
      const set = this.mustGet(changeSetId);
      this.audit.append({
        actor: set.actor,
        action: before.status === 'interrupted' ? 'change_set.resumed' : 'change_set.started',
        target: `change_set:${set.id}`,
        runId: set.runId,
        changeSetId: set.id,
        details: { kind: set.kind, org: set.org },
      });
      return set;
    });
  }

  finish(changeSetId: number, status: FinishedChangeSetStatus, summary?: unknown): ChangeSetRecord {
    if (!FINISHED_SET.includes(status)) throw new TypeError(`not a final change set status: ${status}`);
    const summaryText = toJsonColumn(this.ctx.scrub(summary));
    return this.ctx.write(() => {
      const before = this.mustGet(changeSetId);
      if (before.status !== 'planned' && before.status !== 'in_progress') {
        throw new StoreStateError(`change set ${changeSetId} is already ${before.status}`);
      }
      this.ctx
        .stmt(`UPDATE change_sets SET status = ?, summary = ?, finished_at = ? WHERE id = ?`)
        .run(status, summaryText, this.ctx.nowIso(), changeSetId);
      const set = this.mustGet(changeSetId);
      this.audit.append({
        actor: set.actor,
        action: 'change_set.finished',
        target: `change_set:${set.id}`,
        runId: set.runId,
        changeSetId: set.id,
        details: { kind: set.kind, org: set.org, status, changes: this.countChanges(changeSetId), summary: set.summary },
      });
      return set;
    });
  }

  get(changeSetId: number): ChangeSetRecord | null {
    const row = this.ctx.stmt('SELECT * FROM change_sets WHERE id = ?').get(changeSetId) as ChangeSetRow | undefined;
    return row ? rowToChangeSet(row) : null;
  }

  private mustGet(changeSetId: number): ChangeSetRecord {
    const set = this.get(changeSetId);
    if (!set) throw new StoreStateError(`no change set ${changeSetId}`);
    return set;
  }

  list(filter: ChangeSetFilter = {}): ChangeSetRecord[] {
    const w = new WhereBuilder();
    if (filter.kind !== undefined) w.add('cs.kind = ?', filter.kind);
    if (filter.runId !== undefined) w.add('cs.run_id = ?', filter.runId);
    if (filter.org !== undefined) w.add('cs.org = ?', filter.org);
    w.addIn('cs.status', inList(filter.status));
    if (filter.repo !== undefined) w.add('EXISTS (SELECT 1 FROM changes c WHERE c.change_set_id = cs.id AND c.repo = ?)', filter.repo);
    if (filter.beforeId !== undefined) w.add('cs.id < ?', filter.beforeId);
    const limit = filter.limit ?? 50;
    assertPositiveInt(limit, 'limit');
    const rows = this.ctx
      .stmt(`SELECT cs.* FROM change_sets cs ${w.toString()} ORDER BY cs.id DESC LIMIT ?`)
      .all(...w.params, limit) as ChangeSetRow[];
    return rows.map(rowToChangeSet);
  }

  latest(filter: Omit<ChangeSetFilter, 'limit' | 'beforeId'>): ChangeSetRecord | null {
    return this.list({ ...filter, limit: 1 })[0] ?? null;
  }

  listRollbacksOf(changeSetId: number): ChangeSetRecord[] {
    const rows = this.ctx
      .stmt('SELECT * FROM change_sets WHERE parent_change_set_id = ? ORDER BY id DESC')
      .all(changeSetId) as ChangeSetRow[];
    return rows.map(rowToChangeSet);
  }

  // -- changes ---------------------------------------------------------------

  recordIntent(input: RecordIntentInput): ChangeRecord {
    if (!CHANGE_TARGET_KINDS.includes(input.targetKind)) throw new TypeError(`unknown change target kind: ${String(input.targetKind)}`);
    if (!input.repo || !input.repo.includes('/')) throw new TypeError(`repo must be owner/name, got ${JSON.stringify(input.repo)}`);
    if (typeof input.targetKey !== 'string') throw new TypeError('targetKey must be a string');
    const operation = deriveOperation(input.beforeModel, input.beforeState, input.intendedModel);
    // Serialise before the transaction: a value that is not JSON fails before anything is written.
    const beforeState = toJsonColumn(input.beforeState);
    const beforeModel = toJsonColumn(input.beforeModel);
    const intendedModel = toJsonColumn(input.intendedModel);
    return this.ctx.write(() => {
      const set = this.mustGet(input.changeSetId);
      if (set.status !== 'in_progress') {
        throw new StoreStateError(`change set ${set.id} is ${set.status}; record intents only while it is in progress`);
      }
      if (input.undoesChangeId !== undefined && input.undoesChangeId !== null && !this.getChange(input.undoesChangeId)) {
        throw new StoreStateError(`no change ${input.undoesChangeId} to undo`);
      }
      const seq = (this.ctx.stmt('SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM changes WHERE change_set_id = ?').get(set.id) as { s: number })
        .s;
      const now = this.ctx.nowIso();
      const info = this.ctx
        .stmt(
          `INSERT INTO changes (change_set_id, seq, repo, target_kind, target_key, target_node_id, operation,
             before_state, before_model, intended_model, status, undoes_change_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
        )
        .run(
          set.id,
          seq,
          input.repo,
          input.targetKind,
          input.targetKey,
          input.targetNodeId ?? null,
          operation,
          beforeState,
          beforeModel,
          intendedModel,
          input.undoesChangeId ?? null,
          now,
          now,
        );
      const change = this.mustGetChange(Number(info.lastInsertRowid));
      this.audit.append({
        actor: set.actor,
        action: 'change.intent',
        target: describeChangeTarget(change),
        runId: set.runId,
        changeSetId: set.id,
        details: {
          changeId: change.id,
          seq: change.seq,
          operation,
          targetNodeId: change.targetNodeId,
          beforeDigest: digestJson(input.beforeState),
          beforeModelDigest: digestJson(input.beforeModel),
          intendedDigest: digestJson(input.intendedModel),
          undoesChangeId: change.undoesChangeId,
        },
      });
      return change;
    });
  }

  recordResult(changeId: number, result: RecordResultInput): ChangeRecord {
    const afterState = toJsonColumn(result.afterState);
    const afterModel = toJsonColumn(result.afterModel);
    const error = oneLineError(result.error === null || result.error === undefined ? result.error : this.ctx.scrubText(result.error));
    return this.ctx.write(() => {
      const before = this.mustGetChange(changeId);
      if (!RESULT_TRANSITIONS[before.status].includes(result.status)) {
        throw new StoreStateError(`change ${changeId} is ${before.status}; it cannot become ${result.status}`);
      }
      // A result without after-state (e.g. a failed write) keeps what an earlier step recorded.
      this.ctx
        .stmt(
          `UPDATE changes SET status = ?, after_state = COALESCE(?, after_state), after_model = COALESCE(?, after_model),
             error = ?, updated_at = ? WHERE id = ?`,
        )
        .run(result.status, afterState, afterModel, error, this.ctx.nowIso(), changeId);
      const change = this.mustGetChange(changeId);
      const set = this.mustGet(change.changeSetId);
      this.audit.append({
        actor: set.actor,
        action: `change.${result.status}`,
        target: describeChangeTarget(change),
        runId: set.runId,
        changeSetId: set.id,
        details: {
          changeId,
          seq: change.seq,
          from: before.status,
          afterDigest: digestJson(result.afterState),
          afterModelDigest: digestJson(result.afterModel),
          error,
        },
      });
      if (result.status === 'verified' && change.undoesChangeId !== null) {
        this.restore(change.undoesChangeId, change.id, set.actor, `restored by change ${change.id}`, set.runId, set.id);
      }
      return change;
    });
  }

  markRestored(changeId: number, options: { byChangeId?: number | null; reason: string; actor: string }): ChangeRecord {
    return this.ctx.write(() => {
      const change = this.mustGetChange(changeId);
      if (!RESTORABLE.includes(change.status))
        throw new StoreStateError(`change ${changeId} is ${change.status}; it cannot be marked restored`);
      const set = this.mustGet(change.changeSetId);
      this.restore(changeId, options.byChangeId ?? null, options.actor, options.reason, set.runId, set.id);
      return this.mustGetChange(changeId);
    });
  }

  /** Inside a write transaction. No-op when the change is not in a restorable status (already restored). */
  private restore(changeId: number, byChangeId: number | null, actor: string, reason: string, runId: number, changeSetId: number): void {
    const original = this.mustGetChange(changeId);
    if (!RESTORABLE.includes(original.status)) return;
    this.ctx
      .stmt(`UPDATE changes SET status = 'restored', restored_by_change_id = ?, updated_at = ? WHERE id = ?`)
      .run(byChangeId, this.ctx.nowIso(), changeId);
    this.audit.append({
      actor,
      action: 'change.restored',
      target: describeChangeTarget(original),
      runId,
      changeSetId,
      details: { changeId, originalChangeSetId: original.changeSetId, from: original.status, byChangeId, reason },
    });
  }

  getChange(changeId: number): ChangeRecord | null {
    const row = this.ctx.stmt('SELECT * FROM changes WHERE id = ?').get(changeId) as ChangeRow | undefined;
    return row ? rowToChange(row) : null;
  }

  private mustGetChange(changeId: number): ChangeRecord {
    const change = this.getChange(changeId);
    if (!change) throw new StoreStateError(`no change ${changeId}`);
    return change;
  }

  *iterateChanges(changeSetId: number, filter: { status?: ChangeStatus | ChangeStatus[]; repo?: string } = {}): Generator<ChangeRecord> {
    const w = new WhereBuilder().add('change_set_id = ?', changeSetId);
    w.addIn('status', inList(filter.status));
    if (filter.repo !== undefined) w.add('repo = ?', filter.repo);
    const stmt = this.ctx.stmt(`SELECT * FROM changes ${w.toString()} AND seq > ? ORDER BY seq LIMIT ${PAGE_SIZE}`);
    let after = 0;
    for (;;) {
      const rows = stmt.all(...w.params, after) as ChangeRow[];
      for (const r of rows) yield rowToChange(r);
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  countChanges(changeSetId: number): Record<ChangeStatus, number> {
    const counts = Object.fromEntries(CHANGE_STATUSES.map((s) => [s, 0])) as Record<ChangeStatus, number>;
    const rows = this.ctx.stmt('SELECT status, COUNT(*) AS n FROM changes WHERE change_set_id = ? GROUP BY status').all(changeSetId) as {
      status: ChangeStatus;
      n: number;
    }[];
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  // -- snapshots -------------------------------------------------------------

  getSnapshot(id: number): SnapshotRecord | null {
    const row = this.ctx.stmt('SELECT * FROM snapshots WHERE id = ?').get(id) as SnapshotRow | undefined;
    return row ? rowToSnapshot(row) : null;
  }

  listSnapshots(
    filter: { repo?: string; targetKind?: ChangeTargetKind; targetKey?: string; changeSetId?: number; limit?: number } = {},
  ): SnapshotRecord[] {
    const w = new WhereBuilder();
    if (filter.repo !== undefined) w.add('repo = ?', filter.repo);
    if (filter.targetKind !== undefined) w.add('target_kind = ?', filter.targetKind);
    if (filter.targetKey !== undefined) w.add('target_key = ?', filter.targetKey);
    if (filter.changeSetId !== undefined) w.add('change_set_id = ?', filter.changeSetId);
    const limit = filter.limit ?? 50;
    assertPositiveInt(limit, 'limit');
    const rows = this.ctx.stmt(`SELECT * FROM snapshots ${w.toString()} ORDER BY id DESC LIMIT ?`).all(...w.params, limit) as SnapshotRow[];
    return rows.map(rowToSnapshot);
  }
}
