/**
 * `qms history` and `qms snapshots show`: what qms changed, when, by whom, read
 * from the store (read-only: never blocks a running apply).
 */
import { UsageError } from '../core/errors.js';
import { describeChangeTarget } from '../store/change-sets-repo.js';
import type { ChangeRecord, ChangeSetRecord, ChangeStatus, RunRecord, SnapshotRecord, Store } from '../store/types.js';

export interface HistoryChangeSet {
  id: number;
  kind: string;
  status: string;
  parentChangeSetId: number | null;
  /** Rollbacks of this set (their ids), newest first. */
  rolledBackBy: number[];
  actor: string;
  /** The GitHub the set was written to (API URL, or `sandbox`); null for sets recorded before qms knew it. */
  apiHost: string | null;
  createdAt: string;
  finishedAt: string | null;
  counts: Record<ChangeStatus, number>;
  /** Repositories the set touched. */
  repos: string[];
  details: unknown;
}

export interface HistoryEntry {
  run: {
    id: number;
    kind: string;
    org: string | null;
    actor: string | null;
    /** The GitHub the run talked to (API URL, or `sandbox`). */
    apiHost: string | null;
    status: string;
    startedAt: string;
    finishedAt: string | null;
    args: unknown;
  };
  changeSets: HistoryChangeSet[];
}

export interface HistoryOptions {
  org?: string;
  /** Runs to show, newest first (default 20). */
  limit?: number;
  /** Only runs of these kinds (default: the runs that may change GitHub). */
  kinds?: string[];
}

/** Runs that may change GitHub: apply, rollback, classify --write-properties, bypass, drift --remediate. */
const MUTATING_KINDS = ['apply', 'rollback', 'classify', 'bypass', 'drift'];

function describeSet(store: Store, set: ChangeSetRecord): HistoryChangeSet {
  const repos = new Set<string>();
  for (const c of store.changeSets.iterateChanges(set.id)) repos.add(c.repo);
  return {
    id: set.id,
    kind: set.kind,
    status: set.status,
    parentChangeSetId: set.parentChangeSetId,
    rolledBackBy: store.changeSets.listRollbacksOf(set.id).map((s) => s.id),
    actor: set.actor,
    apiHost: set.apiHost,
    createdAt: set.createdAt,
    finishedAt: set.finishedAt,
    counts: store.changeSets.countChanges(set.id),
    repos: [...repos].sort(),
    details: set.details,
  };
}

function describeRun(run: RunRecord): HistoryEntry['run'] {
  return {
    id: run.id,
    kind: run.kind,
    org: run.org,
    actor: run.actor,
    apiHost: run.apiHost,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    args: run.args,
  };
}

/** Runs (newest first) with the change sets each created. */
export function listHistory(store: Store, options: HistoryOptions = {}): HistoryEntry[] {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new UsageError(`--limit must be a whole number from 1 to 10000; got ${String(options.limit)}`);
  const kinds = options.kinds ?? MUTATING_KINDS;
  const runs: RunRecord[] = [];
  let beforeId: number | undefined;
  // Page through runs until `limit` of the wanted kinds are found (assess runs are frequent).
  for (;;) {
    const page = store.runs.list({
      ...(options.org ? { org: options.org } : {}),
      limit: 200,
      ...(beforeId !== undefined ? { beforeId } : {}),
    });
    for (const r of page) {
      if (kinds.includes(r.kind)) runs.push(r);
      if (runs.length >= limit) break;
    }
    if (runs.length >= limit || page.length < 200) break;
    beforeId = page[page.length - 1]!.id;
  }
  // Change sets of these runs: newest first, paged by id.
  const byRun = new Map<number, ChangeSetRecord[]>();
  const oldestRun = runs.length > 0 ? runs[runs.length - 1]!.id : 0;
  let setBefore: number | undefined;
  for (;;) {
    const sets = store.changeSets.list({
      ...(options.org ? { org: options.org } : {}),
      limit: 200,
      ...(setBefore !== undefined ? { beforeId: setBefore } : {}),
    });
    for (const s of sets) if (s.runId >= oldestRun) byRun.set(s.runId, [...(byRun.get(s.runId) ?? []), s]);
    if (sets.length < 200 || sets[sets.length - 1]!.runId < oldestRun) break;
    setBefore = sets[sets.length - 1]!.id;
  }
  return runs.map((run) => ({ run: describeRun(run), changeSets: (byRun.get(run.id) ?? []).map((s) => describeSet(store, s)) }));
}

export interface AuditDigest {
  seq: number;
  ts: string;
  action: string;
  actor: string;
  digests: Record<string, string | null>;
  hash: string;
}

export interface SnapshotView {
  change: ChangeRecord;
  snapshot: SnapshotRecord | null;
  changeSet: ChangeSetRecord | null;
  /** The change that undid this one, and the one this undoes. */
  restoredBy: number | null;
  undoes: number | null;
  audit: AuditDigest[];
}

/** One change: target, before JSON exactly as GitHub returned it, intent, after, status, audit digests. */
export function showSnapshot(store: Store, id: number): SnapshotView {
  if (!Number.isInteger(id) || id < 1) throw new UsageError(`snapshot id must be a positive whole number; got ${String(id)}`);
  const change = store.changeSets.getChange(id);
  if (!change)
    throw new UsageError(`no snapshot ${id} in ${store.path}`, {
      hint: 'qms history --json lists change sets; a snapshot id is a change id',
    });
  const audit: AuditDigest[] = [];
  const target = describeChangeTarget(change);
  for (const e of store.audit.iterate({ target })) {
    if (e.details['changeId'] !== id) continue;
    const digests: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(e.details)) if (/Digest$/.test(k)) digests[k] = typeof v === 'string' ? v : null;
    audit.push({ seq: e.seq, ts: e.ts, action: e.action, actor: e.actor, digests, hash: e.hash });
  }
  return {
    change,
    snapshot: store.changeSets.getSnapshot(id),
    changeSet: store.changeSets.get(change.changeSetId),
    restoredBy: change.restoredByChangeId,
    undoes: change.undoesChangeId,
    audit,
  };
}
