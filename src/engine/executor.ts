/**
 * The change engine's executor: the one place where qms writes to GitHub. apply,
 * rollback (the inverse plan of a change set), `classify --write-properties`, and
 * later bypass activation/close, drift remediation and rulesets all hand it a plan of
 * {@link PlannedChange}s and a change set; it runs the same protocol for every one
 * (DESIGN.md safety rules):
 *
 *   1. read the target fresh (exact JSON + model) — the plan may be minutes old;
 *   2. decide against that state (pure, src/core/changes.ts): unchanged → no write,
 *      nothing recorded; a restore may find it already restored, or drifted (skipped,
 *      recorded);
 *   3. `recordIntent(before = GitHub's JSON, beforeModel, intended)` — committed (WAL,
 *      synchronous=FULL) before anything is written, audited;
 *   4. `lock.assertHeld()`;
 *   5. write through the gateway's idempotent `ensure*`, `recordResult(written)`;
 *   6. read back and compare with the intent (GitHub can answer 200 without applying):
 *      equal → `verified`, else `failed` with the differing settings.
 *
 * Strictly serial: GitHub's secondary limits want mutations one at a time, and the
 * gateway's pacer keeps them apart (no sleeps here). Custom property values are the
 * exception that GitHub designed for bulk: up to 30 repositories share one PATCH, with
 * every intent committed before it and every value read back after it.
 *
 * Failure isolation: a failed change fails the rest of its repository when
 * `isolateRepos` (apply: a half-protected repository is not made worse), and the run
 * goes on with the next. A spent primary rate limit stops the run (every further
 * request would fail until the reset). An interrupt (SIGINT/SIGTERM) stops before the
 * next change; a write cancelled in flight stays `pending` ("maybe written"), which a
 * rollback resolves by reading live state. A lost answer (connection reset, cut-off
 * body) is decided by the read-back: if the target holds the intent, it is verified.
 */
import {
  decideChange,
  diffTargetModels,
  restoreNeedsLive,
  targetModelsEqual,
  type ChangeDecision,
  type PlannedChange,
  type WriteOp,
} from '../core/changes.js';
import { errorText, InterruptedError, RateLimitError, WriteNotSentError } from '../core/errors.js';
import { sleep } from '../core/wait.js';
import type { RepoInfo } from '../core/github-types.js';
import type { SettingChange } from '../core/plan.js';
import type { EnsureOutcome, GitHubGateway } from '../github/gateway.js';
import type { Logger } from '../output/logger.js';
import type { ChangeRecord, ChangeSetRecord, FinishedChangeSetStatus, LockHandle, Store } from '../store/types.js';
import { batchKeyOf, PROPERTY_BATCH_SIZE, readTarget, writePropertyBatch, writeTarget, type FreshTarget } from './targets.js';

export type ChangeResultStatus =
  | 'verified'
  | 'failed'
  | 'unchanged'
  | 'already_restored'
  | 'skipped_drift'
  | 'nothing_to_undo'
  | 'unsupported'
  | 'not_attempted'
  | 'pending';

export const CHANGE_RESULT_STATUSES: readonly ChangeResultStatus[] = [
  'verified',
  'failed',
  'unchanged',
  'already_restored',
  'skipped_drift',
  'nothing_to_undo',
  'unsupported',
  'not_attempted',
  'pending',
];

export interface ChangeResult {
  change: PlannedChange;
  status: ChangeResultStatus;
  /** This change set's record of the change (null when nothing was recorded). */
  changeId: number | null;
  /** Why this status, in words. */
  reason: string;
  /** What the write changes: live → intended (for a drift skip: live → before-state). */
  changes: SettingChange[];
  /** Restores: what someone else changed since qms (drift), when known. */
  drift: SettingChange[] | null;
  error: string | null;
  /** What the gateway's ensure did. */
  outcome: EnsureOutcome | null;
  /** The target as read before the decision (null when it was not read). */
  before: FreshTarget | null;
  /** The read-back after the write (null when there was none). */
  after: { exists: boolean; model: unknown; raw: unknown } | null;
}

export interface ExecutionResult {
  changeSetId: number;
  status: FinishedChangeSetStatus;
  interrupted: boolean;
  /** Why the run stopped early (a spent rate limit), or null. */
  stopped: string | null;
  results: ChangeResult[];
  counts: Record<ChangeResultStatus, number>;
}

export interface ExecutorDeps {
  gateway: GitHubGateway;
  store: Store;
  lock: LockHandle;
  logger: Logger;
  /** Interrupt: checked between changes (and cancels waits). */
  signal?: AbortSignal;
  /** A repository's listing (owner type and node id, which some writes need); callers cache it. */
  repo: (fullName: string) => Promise<RepoInfo>;
  /** Progress: after each change. */
  onChange?: (result: ChangeResult, index: number, total: number) => void;
}

export interface ExecuteOptions {
  /** A failed change leaves the rest of its repository's changes not attempted (apply). */
  isolateRepos: boolean;
  /** Extra fields for the change set's summary. */
  summary?: Record<string, unknown>;
}

export function emptyResultCounts(): Record<ChangeResultStatus, number> {
  return Object.fromEntries(CHANGE_RESULT_STATUSES.map((s) => [s, 0])) as Record<ChangeResultStatus, number>;
}

export function countResults(results: readonly ChangeResult[]): Record<ChangeResultStatus, number> {
  const counts = emptyResultCounts();
  for (const r of results) counts[r.status] += 1;
  return counts;
}

/** Statuses that leave a target where the plan wanted it. */
const GOOD: readonly ChangeResultStatus[] = ['verified', 'unchanged', 'already_restored', 'nothing_to_undo'];

/** A set's final status from its results. */
export function finalStatus(counts: Record<ChangeResultStatus, number>, interrupted: boolean): FinishedChangeSetStatus {
  if (interrupted) return 'interrupted';
  const bad = counts.failed + counts.not_attempted + counts.skipped_drift + counts.unsupported + counts.pending;
  if (bad === 0) return 'completed';
  const good = GOOD.reduce((n, s) => n + counts[s], 0);
  return good === 0 && counts.failed > 0 ? 'failed' : 'partial';
}

export function isInterrupt(err: unknown, signal: AbortSignal | undefined): boolean {
  return err instanceof InterruptedError || (signal?.aborted === true && (err as { name?: string })?.name === 'AbortError');
}

/**
 * The hourly rate limit is spent and its reset is too far to wait for (the gateway
 * waits for a near one): every further request fails until then, so a run stops
 * instead of failing target after target — and GitHub may block integrations that
 * keep calling while limited. The reason names the reset.
 */
export function spentRateLimit(err: unknown): string | null {
  if (!(err instanceof RateLimitError) || err.limit !== 'primary') return null;
  const when = err.resetAt !== undefined ? ` until ${new Date(err.resetAt).toISOString()}` : '';
  return `GitHub API rate limit exhausted${when}`;
}

/** `setting: a → b; …`, the first `max` of them and a count of the rest. */
export function describeChanges(changes: readonly SettingChange[], max: number): string {
  const parts = changes
    .slice(0, max)
    .map((c) => `${c.setting}: ${c.before === null ? '(none)' : String(c.before)} → ${c.after === null ? '(none)' : String(c.after)}`);
  return `${parts.join('; ')}${changes.length > max ? `; and ${changes.length - max} more` : ''}`;
}

/** A change decided to be written, with its record once the intent is committed. */
interface PreparedWrite {
  index: number;
  change: PlannedChange;
  repo: RepoInfo;
  fresh: FreshTarget;
  decision: Extract<ChangeDecision, { action: 'write' }>;
  record?: ChangeRecord;
}

/** An interrupt that left a change `pending`, so the result can say which. */
class InterruptedAtChange extends Error {
  constructor(
    cause: unknown,
    readonly changeIds: number[],
  ) {
    super('interrupted', { cause });
  }
}

/**
 * Run `changes` into `changeSet` (created by the caller, status `planned`). Returns a
 * result per change in plan order; the change set is finished with the outcome.
 */
export async function executePlan(
  deps: ExecutorDeps,
  changes: readonly PlannedChange[],
  changeSet: ChangeSetRecord,
  options: ExecuteOptions,
): Promise<ExecutionResult> {
  const { store, signal, logger } = deps;
  const ctx: RunContext = { ...deps, changeSetId: changeSet.id };
  store.changeSets.start(changeSet.id);
  const results: (ChangeResult | undefined)[] = new Array(changes.length);
  const failedRepos = new Map<string, string>();
  const state = { interrupted: false, stopped: null as string | null };
  let reported = 0;

  const settle = (index: number, result: ChangeResult): void => {
    results[index] = result;
    if (result.status === 'failed' && options.isolateRepos) failedRepos.set(result.change.repo, result.error ?? result.reason);
    // Report in plan order, as soon as every earlier change has its result.
    while (reported < changes.length && results[reported] !== undefined) {
      deps.onChange?.(results[reported]!, reported, changes.length);
      reported += 1;
    }
  };
  const base = (change: PlannedChange): Omit<ChangeResult, 'status' | 'reason'> => ({
    change,
    changeId: null,
    changes: [],
    drift: null,
    error: null,
    outcome: null,
    before: null,
    after: null,
  });
  const skipReason = (change: PlannedChange): string | null => {
    if (state.interrupted || signal?.aborted) {
      state.interrupted = true;
      return 'interrupted before this change';
    }
    if (state.stopped !== null) return `not attempted: ${state.stopped}`;
    const failed = failedRepos.get(change.repo);
    return failed === undefined ? null : `an earlier change of ${change.repo} failed: ${failed}`;
  };
  const failRun = (err: unknown): void => {
    state.stopped ??= spentRateLimit(err);
    if (state.stopped !== null) logger.warn(`${state.stopped}: stopping; the remaining changes are not attempted`);
  };

  try {
    for (const group of groupChanges(changes)) {
      const writes: PreparedWrite[] = [];
      for (const index of group) {
        const change = changes[index]!;
        const skip = skipReason(change);
        if (skip !== null) {
          settle(index, { ...base(change), status: 'not_attempted', reason: skip, error: skip });
          continue;
        }
        const prepared = await prepare(ctx, change, index).catch((err: unknown) => {
          if (isInterrupt(err, signal)) {
            state.interrupted = true;
            return { ...base(change), status: 'not_attempted' as const, reason: 'interrupted during this change', error: 'interrupted' };
          }
          throw err;
        });
        if ('status' in prepared) {
          if (prepared.status === 'failed') failRun(prepared.cause);
          const { cause: _cause, ...result } = prepared as ChangeResult & { cause?: unknown };
          settle(index, result);
        } else {
          writes.push(prepared);
        }
      }
      if (writes.length === 0) continue;
      if (signal?.aborted) {
        // Stopped between the read and the intent: nothing is recorded, nothing written.
        state.interrupted = true;
        for (const w of writes)
          settle(w.index, {
            ...base(w.change),
            status: 'not_attempted',
            reason: 'interrupted before this change',
            error: 'interrupted before this change',
            before: w.fresh,
          });
        continue;
      }
      try {
        for (const r of await writeAndVerify(ctx, writes)) {
          if (r.status === 'failed') failRun(r.cause);
          const { cause: _cause, ...result } = r;
          settle(r.index, result);
        }
      } catch (err) {
        if (!(err instanceof InterruptedAtChange)) throw err;
        state.interrupted = true;
        for (const w of writes) {
          const pending = w.record !== undefined && err.changeIds.includes(w.record.id);
          settle(w.index, {
            ...base(w.change),
            status: pending ? 'pending' : 'not_attempted',
            changeId: w.record?.id ?? null,
            changes: w.decision.changes,
            reason: pending
              ? 'interrupted during the write: maybe written (rollback decides from live state)'
              : 'interrupted before this change',
            error: 'interrupted',
            before: w.fresh,
          });
        }
      }
    }
  } catch (err) {
    // Not a change's failure (the store, a lost lock): close the set, on the record, then stop.
    const done = results.filter((r): r is ChangeResult => r !== undefined);
    store.changeSets.finish(changeSet.id, 'interrupted', {
      ...options.summary,
      counts: countResults(done),
      changes: changes.length,
      error: errorText(err),
    });
    throw err;
  }

  const all = results.map(
    (r, i) => r ?? { ...base(changes[i]!), status: 'not_attempted' as const, reason: 'not attempted', error: 'not attempted' },
  );
  const counts = countResults(all);
  const status = finalStatus(counts, state.interrupted);
  store.changeSets.finish(changeSet.id, status, {
    ...options.summary,
    counts,
    changes: changes.length,
    ...(state.stopped ? { stopped: state.stopped } : {}),
  });
  return { changeSetId: changeSet.id, status, interrupted: state.interrupted, stopped: state.stopped, results: all, counts };
}

/**
 * Consecutive changes that may share one write: custom property values of one
 * organization, property and value (up to {@link PROPERTY_BATCH_SIZE}). Every other
 * change is a group of its own.
 */
function groupChanges(changes: readonly PlannedChange[]): number[][] {
  const groups: number[][] = [];
  let key: string | null = null;
  for (const [i, c] of changes.entries()) {
    const k = plannedBatchKey(c);
    const last = groups[groups.length - 1];
    if (k !== null && k === key && last && last.length < PROPERTY_BATCH_SIZE) last.push(i);
    else groups.push([i]);
    key = k;
  }
  return groups;
}

/** The batch key a change will have if it is written (its intended value is known from the plan). */
function plannedBatchKey(c: PlannedChange): string | null {
  if (c.kind !== 'custom_property') return null;
  const value = c.intent.mode === 'set' ? c.intent.value : c.intent.mode === 'restore' ? (c.intent.undo.beforeModel ?? null) : undefined;
  if (value === undefined) return null;
  return batchKeyOf(c, { kind: 'set_property', name: c.key, value: value as never });
}

type Settled = ChangeResult & { cause?: unknown };

/** What the internal steps need: the deps and the change set being executed. */
interface RunContext extends ExecutorDeps {
  changeSetId: number;
}

/** Steps 1–2: read fresh and decide. Returns a finished result, or a write to make. */
async function prepare(ctx: RunContext, change: PlannedChange, index: number): Promise<Settled | PreparedWrite> {
  const { gateway, store, signal } = ctx;
  const base = { change, changeId: null, changes: [], drift: null, error: null, outcome: null, before: null, after: null };
  const label = change.kind === 'merge_settings' ? 'merge settings' : change.key;
  if (change.notBefore !== undefined && change.notBefore > Date.now()) {
    ctx.logger.warn(
      `${change.repo} ${label}: a killed run's write may still be in flight at GitHub: waiting ${Math.ceil((change.notBefore - Date.now()) / 1000)}s before deciding it`,
    );
    await sleep(change.notBefore - Date.now(), signal);
  }

  // A restore of a change that needs no live state (already restored, never written,
  // a kind qms cannot restore) is decided without reading anything.
  const needsRead = change.intent.mode !== 'restore' || restoreNeedsLive(change.intent.undo);
  let repo: RepoInfo | null = null;
  let fresh: FreshTarget = { exists: false, model: null, raw: null, nodeId: null };
  if (needsRead) {
    try {
      repo = await ctx.repo(change.repo);
      fresh = await readTarget(gateway, repo, change, { purpose: 'decide' });
    } catch (err) {
      if (isInterrupt(err, signal)) throw err;
      const error = `reading ${label} failed: ${errorText(err)}`;
      return { ...base, status: 'failed', reason: error, error, cause: err };
    }
  }
  const decision = decideChange(change, fresh);

  const withBefore = { ...base, before: needsRead ? fresh : null };
  switch (decision.action) {
    case 'unchanged':
      return { ...withBefore, status: 'unchanged', reason: decision.reason };
    case 'nothing_to_undo':
    case 'unsupported':
      return { ...withBefore, status: decision.action, reason: decision.reason };
    case 'already_restored': {
      if (change.intent.mode !== 'restore') throw new Error('internal: already_restored without a restore intent');
      ctx.lock.assertHeld();
      store.changeSets.markRestored(change.intent.undo.id, { reason: decision.reason, actor: ctx.lock.info.actor ?? 'qms' });
      return { ...withBefore, status: 'already_restored', reason: decision.reason };
    }
    case 'skip_drift': {
      const record = recordIntent(store, ctx.changeSetId, change, fresh, fresh.exists ? fresh.model : null);
      const what = describeChanges(decision.drift, 6);
      store.changeSets.recordResult(record.id, { status: 'skipped_drift', error: `${decision.reason}${what ? ` (${what})` : ''}` });
      return {
        ...withBefore,
        status: 'skipped_drift',
        changeId: record.id,
        reason: decision.reason,
        changes: decision.changes,
        drift: decision.drift,
      };
    }
    case 'write':
      if (repo === null) throw new Error('internal: a write without its repository');
      return { index, change, repo, fresh, decision };
  }
}

function recordIntent(store: Store, changeSetId: number, change: PlannedChange, fresh: FreshTarget, intended: unknown): ChangeRecord {
  return store.changeSets.recordIntent({
    changeSetId,
    repo: change.repo,
    targetKind: change.kind,
    targetKey: change.key,
    targetNodeId: fresh.nodeId,
    beforeState: fresh.exists ? fresh.raw : null,
    beforeModel: fresh.exists ? fresh.model : null,
    intendedModel: intended ?? null,
    ...(change.intent.mode === 'restore' ? { undoesChangeId: change.intent.undo.id } : {}),
  });
}

type WriteResult = ChangeResult & { index: number; cause?: unknown };

/** Steps 3–6 for one write, or for a batch of property writes that share one request. */
async function writeAndVerify(ctx: RunContext, writes: PreparedWrite[]): Promise<WriteResult[]> {
  const { store, gateway, signal, lock, logger } = ctx;
  const setId = ctx.changeSetId;
  // 3: every before-state is durable before anything is written.
  store.transaction(() => {
    for (const w of writes) w.record = recordIntent(store, setId, w.change, w.fresh, w.decision.intended);
  });
  // 4: still ours?
  lock.assertHeld();
  const result = (w: PreparedWrite, status: ChangeResultStatus, extra: Partial<WriteResult> = {}): WriteResult => ({
    index: w.index,
    change: w.change,
    status,
    changeId: w.record!.id,
    reason: w.decision.reason,
    changes: w.decision.changes,
    drift: w.decision.drift ?? null,
    error: null,
    outcome: null,
    before: w.fresh,
    after: null,
    ...extra,
  });

  // 5: the write.
  let outcome: EnsureOutcome | null = null;
  let writeError: unknown = null;
  try {
    if (writes.length === 1) {
      const w = writes[0]!;
      const written = await writeTarget(gateway, w.repo, w.change, w.decision.op, w.fresh);
      outcome = written.outcome;
      store.changeSets.recordResult(w.record!.id, { status: 'written', afterState: written.raw, afterModel: written.model });
    } else {
      const first = writes[0]!;
      const op = first.decision.op as Extract<WriteOp, { kind: 'set_property' }>;
      outcome = await writePropertyBatch(
        gateway,
        first.repo.owner,
        writes.map((w) => w.repo.name),
        op.name,
        op.value,
      );
      store.transaction(() => {
        for (const w of writes) store.changeSets.recordResult(w.record!.id, { status: 'written' });
      });
    }
  } catch (err) {
    if (err instanceof WriteNotSentError) {
      // Stopped before the request left qms: GitHub never saw it, so it is not "maybe written".
      store.transaction(() => {
        for (const w of writes)
          store.changeSets.recordResult(w.record!.id, { status: 'failed', error: 'not sent: interrupted before the write' });
      });
      throw new InterruptedAtChange(err, []);
    }
    // Cancelled in flight: GitHub may or may not have applied it. Leave `pending`.
    if (isInterrupt(err, signal))
      throw new InterruptedAtChange(
        err,
        writes.map((w) => w.record!.id),
      );
    writeError = err;
  }

  // 6: trust the read-back, not the write's answer (and after a failed write, the
  // read-back tells whether GitHub applied it anyway: a reset, a cut-off body, a
  // retried create meeting its own first attempt).
  const out: WriteResult[] = [];
  for (const w of writes) {
    const label = w.change.kind === 'merge_settings' ? 'merge settings' : w.change.key;
    const intended = w.decision.intended ?? null;
    if (writeError !== null && spentRateLimit(writeError) !== null) {
      const error = `write failed: ${errorText(writeError)}`;
      store.changeSets.recordResult(w.record!.id, { status: 'failed', error });
      out.push(result(w, 'failed', { error, reason: error, cause: writeError }));
      continue;
    }
    let back: FreshTarget;
    try {
      back = await readTarget(gateway, w.repo, w.change, { purpose: 'verify' });
    } catch (err) {
      if (isInterrupt(err, signal)) throw new InterruptedAtChange(err, [w.record!.id]);
      const error = writeError !== null ? `write failed: ${errorText(writeError)}` : `read-back failed: ${errorText(err)}`;
      store.changeSets.recordResult(w.record!.id, { status: 'failed', error });
      out.push(result(w, 'failed', { error, reason: error, cause: writeError ?? err }));
      continue;
    }
    const backModel = back.exists ? back.model : null;
    const after = { exists: back.exists, model: backModel, raw: back.raw };
    if (targetModelsEqual(w.change.kind, backModel, intended)) {
      if (writeError !== null)
        logger.warn(
          `${w.change.repo} ${label}: the write's answer was lost (${errorText(writeError)}), but the read-back shows it applied`,
        );
      store.changeSets.recordResult(w.record!.id, { status: 'verified', afterState: back.raw, afterModel: backModel });
      out.push(result(w, 'verified', { outcome, after }));
      continue;
    }
    if (writeError !== null) {
      // Failed without the intent in place: rollback treats it as "maybe written".
      const error = `write failed: ${errorText(writeError)}`;
      store.changeSets.recordResult(w.record!.id, { status: 'failed', error });
      out.push(result(w, 'failed', { error, reason: error, cause: writeError }));
      continue;
    }
    const what = back.exists
      ? describeChanges(diffTargetModels(w.change.kind, intended, backModel, w.change.key), 8)
      : 'the target does not exist';
    const error = `GitHub accepted the write but the read-back differs from the intent: ${what}`;
    store.changeSets.recordResult(w.record!.id, { status: 'failed', afterState: back.raw, afterModel: backModel, error });
    out.push(result(w, 'failed', { error, reason: error, outcome, after }));
  }
  return out;
}
