/**
 * The store's public contract. Services depend on these interfaces, never on
 * better-sqlite3, so a test may hand them an in-memory fake.
 *
 * Conventions:
 * - Timestamps are ISO 8601 strings in UTC (`2026-11-25T12:01:05.123Z`).
 * - JSON-valued fields are plain JS values on the way in and out; the store
 *   (de)serialises them in one place (json-columns.ts). `null` in a JSON field
 *   means "nothing" (SQL NULL); JSON's own `null` is not distinguishable from it.
 * - Every method that changes state the audit trail cares about appends its audit
 *   event in the same SQLite transaction as the change.
 * - Repositories are `owner/name`. No method accepts or stores credentials.
 */

// ---------------------------------------------------------------------------
// runs, findings, repo results

/** Open-ended on purpose: a new command must not need a schema migration. */
export type RunKind =
  'assess' | 'classify' | 'plan' | 'apply' | 'rollback' | 'drift' | 'bypass' | 'checks' | 'assign' | 'report' | 'audit' | (string & {});

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'partial' | 'interrupted';
export type FinishedRunStatus = Exclude<RunStatus, 'running'>;

export interface StartRunInput {
  kind: RunKind;
  org?: string | null;
  /** The command's options as data (no tokens: callers pass parsed options, never auth). */
  args?: unknown;
  /** Authenticated GitHub login, when known. */
  actor?: string | null;
  /** API base URL; stored without userinfo, query or fragment. */
  apiUrl?: string | null;
  /** qms version that ran it (for the audit trail). */
  toolVersion?: string | null;
  /** Defaults to this process. Recorded so a crashed run can be recognised and marked interrupted. */
  pid?: number;
  host?: string;
}

export interface RunRecord {
  id: number;
  kind: RunKind;
  org: string | null;
  args: unknown;
  actor: string | null;
  apiHost: string | null;
  toolVersion: string | null;
  pid: number | null;
  host: string | null;
  startedAt: string;
  finishedAt: string | null;
  status: RunStatus;
  summary: unknown;
}

export interface RunFilter {
  kind?: RunKind;
  /** Any of these kinds (with `kind`, both must hold). */
  kinds?: readonly RunKind[];
  org?: string;
  status?: RunStatus | RunStatus[];
  /** Newest first; default 50. */
  limit?: number;
  /** Only runs with id < beforeId (paging). */
  beforeId?: number;
}

export interface FindingInput {
  repo: string;
  /** Branch name or pattern (`main`, `release/*`); null for repo-level settings. */
  branch: string | null;
  /** Setting name, e.g. `requiredReviews.requiredApprovingReviewCount`. */
  setting: string;
  expected: unknown;
  actual: unknown;
  severity: string;
  tier: string | null;
  /** e.g. `gap`, `ok`, `unknown`, `waived`: the assess service owns the vocabulary. */
  status: string;
  message?: string | null;
}

export interface FindingRecord extends FindingInput {
  id: number;
  runId: number;
  message: string | null;
}

export interface FindingFilter {
  repo?: string;
  branch?: string;
  status?: string | string[];
  severity?: string | string[];
}

export type RepoResultStatus = 'ok' | 'failed' | 'skipped' | 'unknown';

export interface RepoResultInput {
  repo: string;
  status: RepoResultStatus;
  reason?: string | null;
  tier?: string | null;
  /** Derived protection level (none / basic / … / mission-grade). */
  level?: string | null;
  details?: unknown;
}

export interface RepoResultRecord {
  runId: number;
  repo: string;
  status: RepoResultStatus;
  reason: string | null;
  tier: string | null;
  level: string | null;
  details: unknown;
  recordedAt: string;
}

export interface RunsRepo {
  /** Insert a run with status `running` (+ audit `run.started`). */
  start(input: StartRunInput): RunRecord;
  /** Set the final status and summary (+ audit `run.finished`). Only from `running`. */
  finish(runId: number, status: FinishedRunStatus, summary?: unknown): RunRecord;
  get(runId: number): RunRecord | null;
  /** Newest first. */
  list(filter?: RunFilter): RunRecord[];
  /** The newest run matching the filter (e.g. last succeeded assess of an org, for drift). */
  latest(filter: Omit<RunFilter, 'limit' | 'beforeId'>): RunRecord | null;
  /**
   * Mark `running` runs whose process is gone (same host, pid dead) as `interrupted`,
   * and their unfinished change sets too. Returns the ids marked.
   */
  markInterrupted(options?: { host?: string; isAlive?: (pid: number) => boolean }): number[];
  /** Insert many findings in one transaction. */
  addFindings(runId: number, findings: readonly FindingInput[]): void;
  /** Findings of a run in id order, read page by page (constant memory; writes between pages are allowed). */
  iterateFindings(runId: number, filter?: FindingFilter): Generator<FindingRecord>;
  countFindings(runId: number, filter?: FindingFilter): number;
  /** Upsert one repo's outcome in a run. */
  setRepoResult(runId: number, result: RepoResultInput): void;
  getRepoResult(runId: number, repo: string): RepoResultRecord | null;
  /** Repo results of a run, by repo name, page by page. */
  iterateRepoResults(runId: number, filter?: { status?: RepoResultStatus | RepoResultStatus[] }): Generator<RepoResultRecord>;
}

// ---------------------------------------------------------------------------
// change sets, changes, snapshots

export type ChangeSetKind = 'apply' | 'rollback' | 'bypass' | (string & {});
export type ChangeSetStatus = 'planned' | 'in_progress' | 'completed' | 'partial' | 'failed' | 'interrupted';
export type FinishedChangeSetStatus = 'completed' | 'partial' | 'failed' | 'interrupted';

export interface CreateChangeSetInput {
  runId: number;
  kind: ChangeSetKind;
  org: string | null;
  /** Authenticated GitHub login: the audit actor of every change in the set. */
  actor: string;
  /**
   * The GitHub the set is written to: the API URL (stored without userinfo, query or
   * fragment), or `sandbox` for the built-in simulator. Rollback refuses another host's set.
   * Every set the change engine creates has one (src/engine/mutating-run.ts).
   */
  apiHost?: string | null;
  /** For a rollback: the change set it undoes. */
  parentChangeSetId?: number | null;
  /** Tier, phase, plan digest…: whatever the service wants to show in history. */
  details?: unknown;
}

export interface ChangeSetRecord {
  id: number;
  runId: number;
  kind: ChangeSetKind;
  parentChangeSetId: number | null;
  org: string | null;
  actor: string;
  /** See {@link CreateChangeSetInput.apiHost}; null for sets recorded before qms knew it. */
  apiHost: string | null;
  status: ChangeSetStatus;
  details: unknown;
  summary: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type ChangeTargetKind =
  | 'classic_protection'
  | 'protection_rule'
  | 'required_signatures'
  | 'merge_settings'
  | 'ruleset'
  | 'custom_property'
  | 'commit_status'
  | 'check_run';

export const CHANGE_TARGET_KINDS: readonly ChangeTargetKind[] = [
  'classic_protection',
  'protection_rule',
  'required_signatures',
  'merge_settings',
  'ruleset',
  'custom_property',
  'commit_status',
  'check_run',
];

/**
 * pending      intent committed, write not confirmed: maybe written (a crash lands here)
 * written      GitHub accepted the write
 * verified     read back and equal to the intent
 * failed       the write or the verification failed (may still have changed something)
 * skipped_drift  not written: live state differed from what qms expected (rollback's drift guard)
 * restored     undone by a rollback (or found already equal to its before-state)
 */
export type ChangeStatus = 'pending' | 'written' | 'verified' | 'failed' | 'skipped_drift' | 'restored';

/** create: nothing existed before; delete: nothing is intended; update: otherwise. Derived by the store. */
export type ChangeOperation = 'create' | 'update' | 'delete';

export interface RecordIntentInput {
  changeSetId: number;
  repo: string;
  targetKind: ChangeTargetKind;
  /** Branch name, pattern, ruleset id, property name; '' for repo-wide targets (merge settings). */
  targetKey: string;
  /** GraphQL node id of a protection rule, or a ruleset id, when the target has one. */
  targetNodeId?: string | null;
  /** The exact JSON GitHub returned for the target before the write; null when nothing existed. */
  beforeState: unknown;
  /** The normalized model of the before-state; null when nothing existed. */
  beforeModel: unknown;
  /** What qms is about to write, as a model; null when the write deletes the target. */
  intendedModel: unknown;
  /** For a rollback change: the change it undoes. */
  undoesChangeId?: number | null;
}

export interface RecordResultInput {
  status: Exclude<ChangeStatus, 'pending' | 'restored'>;
  /** Exact JSON GitHub returned after the write (or on read-back); null when the target is gone. */
  afterState?: unknown;
  afterModel?: unknown;
  /** One line; never a token or request body. */
  error?: string | null;
}

export interface ChangeRecord {
  id: number;
  changeSetId: number;
  seq: number;
  repo: string;
  targetKind: ChangeTargetKind;
  targetKey: string;
  targetNodeId: string | null;
  operation: ChangeOperation;
  beforeState: unknown;
  beforeModel: unknown;
  intendedModel: unknown;
  afterState: unknown;
  afterModel: unknown;
  status: ChangeStatus;
  error: string | null;
  undoesChangeId: number | null;
  restoredByChangeId: number | null;
  createdAt: string;
  updatedAt: string;
}

/** The before side of a change: what `qms snapshots show ID` prints. The id is the change id. */
export interface SnapshotRecord {
  id: number;
  changeSetId: number;
  changeSetKind: ChangeSetKind;
  actor: string;
  repo: string;
  targetKind: ChangeTargetKind;
  targetKey: string;
  targetNodeId: string | null;
  takenAt: string;
  /** false when nothing existed before the change (rollback deletes). */
  existed: boolean;
  state: unknown;
  model: unknown;
  changeStatus: ChangeStatus;
}

export interface ChangeSetFilter {
  kind?: ChangeSetKind;
  /** Change sets of this run. */
  runId?: number;
  org?: string;
  status?: ChangeSetStatus | ChangeSetStatus[];
  /** Change sets that touched this repo. */
  repo?: string;
  /** Newest first; default 50. */
  limit?: number;
  beforeId?: number;
}

export interface ChangeSetsRepo {
  /** Status `planned` (+ audit `change_set.created`). */
  create(input: CreateChangeSetInput): ChangeSetRecord;
  /** planned -> in_progress (+ audit `change_set.started`). */
  start(changeSetId: number): ChangeSetRecord;
  /** -> completed/partial/failed/interrupted (+ audit `change_set.finished` with counts by change status). */
  finish(changeSetId: number, status: FinishedChangeSetStatus, summary?: unknown): ChangeSetRecord;
  get(changeSetId: number): ChangeSetRecord | null;
  list(filter?: ChangeSetFilter): ChangeSetRecord[];
  /** For `rollback --last`: the newest change set matching the filter. */
  latest(filter: Omit<ChangeSetFilter, 'limit' | 'beforeId'>): ChangeSetRecord | null;
  /** Rollbacks of a change set (their parent is it), newest first. */
  listRollbacksOf(changeSetId: number): ChangeSetRecord[];

  /**
   * Commit the before-snapshot and the intent BEFORE writing to GitHub: a row with
   * status `pending` (+ audit `change.intent` with before/intended digests). The change
   * set must be `in_progress`.
   */
  recordIntent(input: RecordIntentInput): ChangeRecord;
  /**
   * After the write (and after the read-back): pending -> written|verified|failed|skipped_drift,
   * written -> verified|failed (+ audit `change.<status>` with the after digest). A rollback
   * change (`undoesChangeId`) reaching `verified` marks the change it undoes `restored`, atomically.
   */
  recordResult(changeId: number, result: RecordResultInput): ChangeRecord;
  /**
   * Mark a change restored without a write of its own (live state already equals the
   * before-state, e.g. a `pending` change whose write never reached GitHub).
   */
  markRestored(changeId: number, options: { byChangeId?: number | null; reason: string; actor: string }): ChangeRecord;
  getChange(changeId: number): ChangeRecord | null;
  /** Changes of a set in seq order, page by page (the caller may write between pages). */
  iterateChanges(changeSetId: number, filter?: { status?: ChangeStatus | ChangeStatus[]; repo?: string }): Generator<ChangeRecord>;
  /** Counts by status. */
  countChanges(changeSetId: number): Record<ChangeStatus, number>;

  getSnapshot(id: number): SnapshotRecord | null;
  /** Newest first; default 50. */
  listSnapshots(filter?: {
    repo?: string;
    targetKind?: ChangeTargetKind;
    targetKey?: string;
    changeSetId?: number;
    limit?: number;
  }): SnapshotRecord[];
}

// ---------------------------------------------------------------------------
// audit

export interface AuditEventInput {
  /** GitHub login, or `local:<user>` for events before authentication (lock handling). */
  actor: string;
  /** Dotted verb: `change.verified`, `bypass.approved`, `lock.recovered`. */
  action: string;
  /** What it is about: `acme/api:classic_protection:main`, `change_set:42`, `lock`. */
  target: string;
  details?: Record<string, unknown>;
  runId?: number | null;
  changeSetId?: number | null;
}

export interface AuditEvent {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  runId: number | null;
  changeSetId: number | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  fromSeq?: number;
  toSeq?: number;
  /** ts >= since (ISO or Date). */
  since?: string | Date;
  /** ts < until. */
  until?: string | Date;
  actor?: string;
  /** Exact action, or a prefix ending in `.` (`change.`). */
  action?: string;
  /** Exact target, or a prefix ending in `*` (`acme/api:*`). */
  target?: string;
  runId?: number;
  changeSetId?: number;
}

export interface AuditChainHead {
  seq: number;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Events checked. */
  count: number;
  firstBadSeq?: number;
  reason?: string;
  /** The last event's seq and hash: publish it elsewhere to detect truncation later. */
  head: AuditChainHead | null;
}

export interface AuditPruneResult {
  deleted: number;
  /** The last pruned event: the chain now starts from its hash. */
  anchor: AuditChainHead | null;
}

export interface AuditLog {
  /** Append one event (joins the caller's transaction when inside `store.transaction`). */
  append(input: AuditEventInput): AuditEvent;
  /** In seq order, page by page: constant memory, and the caller may write between pages. */
  iterate(filter?: AuditFilter): Generator<AuditEvent>;
  count(filter?: AuditFilter): number;
  head(): AuditChainHead | null;
  /**
   * Walk the whole chain in constant memory: seq contiguous from the prune anchor, each
   * prev_hash equal to the previous hash, each hash recomputed. With `expectHead`, also
   * prove the chain was not truncated after a head published earlier.
   */
  verify(options?: { expectHead?: AuditChainHead }): AuditVerification;
  /**
   * Delete the oldest events with ts < `before`, only if `before` is outside the retention
   * period (now - retentionDays). Deletes a prefix of the chain (stops at the first event
   * not older than `before`), keeps an anchor so the rest still verifies, and appends
   * `audit.pruned`. Throws StoreStateError inside retention.
   */
  prune(options: { before: Date; retentionDays: number; actor: string }): AuditPruneResult;
}

// ---------------------------------------------------------------------------
// lock

export interface LockOwner {
  pid: number;
  host: string;
  /** The command line that holds it, e.g. `qms apply --org acme`. */
  command: string;
  startedAt: string;
  /** Who started it (GitHub login or `local:<user>`). */
  actor: string | null;
}

export interface LockInfo extends LockOwner {
  /** Last sign of life of the holder (refreshed by the handle's heartbeat). */
  heartbeatAt: string;
}

export interface AcquireLockInput {
  command: string;
  /** Defaults: this process, this host, now. */
  pid?: number;
  host?: string;
  startedAt?: Date;
  actor?: string | null;
  /** Refresh heartbeatAt this often (ms, unref'd timer); 0 = never. Default 30 000. */
  heartbeatMs?: number;
}

export interface LockHandle {
  readonly info: LockInfo;
  /** Still ours? False after release() or when someone broke the lock. */
  readonly held: boolean;
  /** Refresh heartbeatAt; false when the lock is no longer ours. */
  heartbeat(): boolean;
  /** Throw LockHeldError if the lock was broken or released: call before each write to GitHub. */
  assertHeld(): void;
  /** Delete the lock if it is still ours (+ audit `lock.released`). Idempotent. */
  release(): void;
}

export interface LockManager {
  /**
   * Take the store's single mutating-run lock inside BEGIN IMMEDIATE, so two racing
   * processes cannot both win. A lock held by a dead process on this host is taken
   * over (+ audit `lock.recovered`, and its runs marked interrupted). Throws
   * LockHeldError (exit 5) naming the holder otherwise.
   */
  acquire(input: AcquireLockInput): LockHandle;
  /** The current holder, if any. */
  current(): LockInfo | null;
  /**
   * Remove someone else's lock (the `--force-unlock` path). Refuses when the holder is
   * on this host and alive, or when its last heartbeat is younger than `olderThanMs`
   * (plus the clock-skew tolerance for other hosts). Appends `lock.broken`.
   */
  breakLock(options: { actor: string; reason: string; olderThanMs: number }): LockInfo | null;
}

// ---------------------------------------------------------------------------
// checkpoints

export interface CheckpointRecord {
  runId: number;
  /** Usually the repository (`owner/name`); `*` or a cursor name for run-wide progress. */
  repo: string;
  status: string;
  data: unknown;
  updatedAt: string;
}

export interface CheckpointsRepo {
  /** Upsert. Cheap enough to call after every repo. */
  save(runId: number, repo: string, status: string, data?: unknown): void;
  get(runId: number, repo: string): CheckpointRecord | null;
  /** In repo order, page by page. */
  iterate(runId: number, filter?: { status?: string | string[] }): Generator<CheckpointRecord>;
  /** Counts by status. */
  count(runId: number): Record<string, number>;
  clear(runId: number): number;
}

// ---------------------------------------------------------------------------
// the store

export interface Store {
  readonly path: string;
  readonly readonly: boolean;
  readonly schemaVersion: number;
  /** Random id created with the store: names it in exports and audit verification reports. */
  readonly storeId: string;
  readonly runs: RunsRepo;
  readonly changeSets: ChangeSetsRepo;
  readonly audit: AuditLog;
  readonly lock: LockManager;
  readonly checkpoints: CheckpointsRepo;
  /**
   * Run fn in one write transaction (BEGIN IMMEDIATE; nested calls become savepoints),
   * so a state change and its audit event commit together. fn must be synchronous.
   */
  transaction<T>(fn: () => T): T;
  /** `PRAGMA integrity_check` rows: `['ok']` when healthy. */
  integrityCheck(): string[];
  close(): void;
}

export interface OpenStoreOptions {
  /**
   * Reporting commands: no writes; works while a writer runs, and on a store this user cannot write (see README "Opening").
   * Applies pending migrations first when this user can write the store; otherwise StoreNotWritableError.
   */
  readonly?: boolean;
  /** Clock (tests inject one). */
  now?: () => Date;
  /** How far another host's clock may be off when judging its lock stale. Default 120 000 ms. */
  clockSkewToleranceMs?: number;
  /** How long to wait for another connection's write lock before StoreBusyError (exit 5). Default 3 000 ms. */
  busyTimeoutMs?: number;
  /** Non-fatal problems (a DB file that was group/world-readable and has been fixed). */
  warn?: (message: string) => void;
  /** Liveness check of a pid on this host (tests may inject one). */
  isProcessAlive?: (pid: number) => boolean;
  /** This host's name (default os.hostname()). */
  host?: string;
  /**
   * Extra redaction for free-form text (pass the CLI's SecretRedactor.redact, which knows
   * the token in use). Token patterns, PEM keys and credential-named keys are always redacted.
   */
  redact?: (text: string) => string;
}
