/**
 * `qms rollback`: restore the before-states a change set recorded.
 *
 * The rollback is itself a change set (kind `rollback`, parent = the set it undoes),
 * written with the same protocol as apply (intent committed → write → read back →
 * verify), so it is audited and can be rolled back in turn. Each change is decided
 * by src/core/rollback-plan.ts against the target's live state, read fresh right
 * before its write, newest change first:
 * - already back at its before-state → marked `restored` without a write;
 * - what qms left there (or maybe half-written by a killed run) → restored;
 * - changed by someone else since → `skipped_drift`, reported, not overwritten
 *   (unless --force).
 * DECISION — exit code: a drift-skipped change is a partial result (the rollback did
 * not restore everything asked), so it exits 4 like a failed restore; 0 only when
 * every change is back at its before-state.
 *
 * `--last`: the newest change set of kind `apply` (in `--org` when given). A
 * rollback of a rollback is asked for by id. Works on a change set that was
 * interrupted or killed half-way (its `pending` changes are "maybe written").
 */
import { canonicalJson } from '../store/canonical-json.js';
import { ExitCode, InterruptedError, UsageError } from '../core/errors.js';
import type { RepoInfo } from '../core/github-types.js';
import {
  buildRollbackPlan,
  decideRollback,
  orderForRollback,
  summarizeRollbackPlan,
  targetModelsEqual,
  type LiveTarget,
  type RollbackDecisionKind,
  type RollbackPlan,
  type StoredChange,
} from '../core/rollback-plan.js';
import type { SettingChange } from '../core/plan.js';
import type { GitHubGateway } from '../github/gateway.js';
import type { Logger } from '../output/logger.js';
import type { ChangeRecord, ChangeSetRecord, FinishedChangeSetStatus, LockHandle, Store } from '../store/types.js';
import { appliedDespiteError, describeChanges, describeMismatch, errorText, isInterrupt, readTarget, spentRateLimit, writeTarget, type FreshTarget, type MutatingRunDeps } from './apply.js';
import { normalizeRepoNames } from './plan.js';

/**
 * How long after a run ended one of its writes may still land on GitHub: a process
 * killed with a request in flight does not take the request back, and GitHub ends a
 * request it has not answered within 10 s (GraphQL: GITHUB-API.md §3; REST: docs
 * "Troubleshooting the REST API", Timeouts — UNCONFIRMED for GHES); 2 s of margin
 * for the network.
 */
export const STRAY_WRITE_WINDOW_MS = 12_000;

export interface RollbackDeps extends MutatingRunDeps {
  /** Override of {@link STRAY_WRITE_WINDOW_MS} (a simulator answers within its own latency). */
  strayWriteWindowMs?: number;
  gateway: GitHubGateway;
  store: Store;
  logger: Logger;
  signal?: AbortSignal;
  showPlan: (plan: RollbackPreview) => void | Promise<void>;
  confirm: (plan: RollbackPreview) => Promise<boolean>;
  onStep?: (result: RollbackStepResult, index: number, total: number) => void;
}

export interface RollbackRequest {
  /** A change set id; or `last`. */
  changeSetId?: number;
  last?: boolean;
  /** With --last: only change sets of this org. */
  org?: string;
  repos?: string[];
  force: boolean;
  yes: boolean;
  dryRun: boolean;
}

export interface RollbackPreview {
  changeSet: ChangeSetRecord;
  plan: RollbackPlan;
  counts: Record<RollbackDecisionKind, number>;
  force: boolean;
}

export type RollbackStepStatus = 'restored' | 'already_restored' | 'skipped_drift' | 'failed' | 'nothing_to_undo' | 'unsupported' | 'not_attempted' | 'pending';

export interface RollbackStepResult {
  changeId: number;
  repo: string;
  targetKind: string;
  targetKey: string;
  status: RollbackStepStatus;
  /** The rollback's own change (null when nothing was recorded). */
  rollbackChangeId: number | null;
  reason: string;
  changes: SettingChange[];
  drift: SettingChange[] | null;
  /** Classic and rule targets: does the read-back JSON equal the stored before-state exactly? null: not compared. */
  exactJson: boolean | null;
}

export interface RollbackResult {
  preview: RollbackPreview;
  changeSetId: number | null;
  status: FinishedChangeSetStatus | null;
  interrupted: boolean;
  results: RollbackStepResult[];
  counts: Record<RollbackStepStatus, number>;
  declined: boolean;
  exitCode: number;
}

function emptyCounts(): Record<RollbackStepStatus, number> {
  return { restored: 0, already_restored: 0, skipped_drift: 0, failed: 0, nothing_to_undo: 0, unsupported: 0, not_attempted: 0, pending: 0 };
}

/** The change set a request names. UsageError when there is none. */
export function selectChangeSet(store: Store, request: Pick<RollbackRequest, 'changeSetId' | 'last' | 'org'>): ChangeSetRecord {
  if (request.changeSetId !== undefined && request.last) throw new UsageError('give a change set id or --last, not both');
  if (request.changeSetId !== undefined) {
    const set = store.changeSets.get(request.changeSetId);
    if (!set) throw new UsageError(`no change set ${request.changeSetId} in ${store.path}`, { hint: 'qms history lists the change sets' });
    return set;
  }
  if (!request.last) throw new UsageError('which change set? give its id or --last', { hint: 'qms history lists the change sets' });
  const set = store.changeSets.latest({ kind: 'apply', ...(request.org ? { org: request.org } : {}) });
  if (!set) throw new UsageError(`no apply change set${request.org ? ` for ${request.org}` : ''} in ${store.path}: nothing to roll back`);
  return set;
}

function toStored(c: ChangeRecord): StoredChange {
  return {
    id: c.id,
    changeSetId: c.changeSetId,
    seq: c.seq,
    repo: c.repo,
    targetKind: c.targetKind,
    targetKey: c.targetKey,
    targetNodeId: c.targetNodeId,
    status: c.status,
    beforeState: c.beforeState,
    beforeModel: c.beforeModel,
    intendedModel: c.intendedModel,
    afterModel: c.afterModel,
  };
}

function needsLive(c: StoredChange): boolean {
  return c.status !== 'restored' && c.status !== 'skipped_drift' && ['classic_protection', 'protection_rule', 'merge_settings'].includes(c.targetKind);
}

function splitRepo(full: string): { owner: string; name: string } {
  const i = full.indexOf('/');
  return { owner: full.slice(0, i), name: full.slice(i + 1) };
}

class RepoCache {
  private readonly infos = new Map<string, Promise<RepoInfo>>();
  constructor(private readonly gateway: GitHubGateway) {}
  get(full: string): Promise<RepoInfo> {
    let p = this.infos.get(full);
    if (!p) {
      p = this.gateway.getRepo(splitRepo(full));
      this.infos.set(full, p);
    }
    return p;
  }
}

/** The live state a rollback decision needs (classic: also the pattern of the rule that applied before). */
async function readLiveFor(gateway: GitHubGateway, repo: RepoInfo, change: StoredChange): Promise<{ live: LiveTarget; fresh: FreshTarget }> {
  const fresh = await readTarget(gateway, repo, change.targetKind, change.targetKey);
  const live: LiveTarget = { exists: fresh.exists, model: fresh.model, raw: fresh.raw, nodeId: fresh.nodeId };
  if (change.targetKind === 'classic_protection') {
    let rules = fresh.rules;
    if (rules === null && change.targetNodeId !== null) rules = await gateway.listProtectionRules(repo);
    live.beforeRulePattern = change.targetNodeId === null ? null : (rules?.find((r) => r.id === change.targetNodeId)?.pattern ?? null);
  }
  return { live, fresh };
}

/**
 * Exact JSON equality, except for the origin of URLs (`url` fields embed the API
 * host, which is not protection state: the simulator's port, a GHES host alias).
 */
function sameJson(a: unknown, b: unknown): boolean {
  const origin = /"https?:\/\/[^/"]+/g;
  try {
    return canonicalJson(a ?? null).replace(origin, '"') === canonicalJson(b ?? null).replace(origin, '"');
  } catch {
    return false;
  }
}

export async function runRollback(deps: RollbackDeps, request: RollbackRequest): Promise<RollbackResult> {
  const { store, gateway, signal } = deps;
  // The authenticated login is the actor of every audit event, the lock's included.
  const actor = request.dryRun ? null : await deps.viewer();
  // A dry run writes nothing (neither GitHub nor the store), so it takes no lock.
  const lock = actor === null ? null : store.lock.acquire({ command: deps.command, actor });
  try {
    const target = selectChangeSet(store, request);
    if (target.status === 'in_progress' || target.status === 'planned') {
      throw new UsageError(`change set ${target.id} is ${target.status}: another run may still be writing it`, {
        hint: 'a run that died is marked interrupted when the lock is next taken; wait for the running one to finish',
      });
    }
    const org = target.org ?? '';
    const repoFilter = request.repos && request.repos.length > 0 ? normalizeRepoNames(org, request.repos)!.map((n) => `${org}/${n}`.toLowerCase()) : null;
    const changes: StoredChange[] = [];
    for (const c of store.changeSets.iterateChanges(target.id)) {
      if (repoFilter && !repoFilter.includes(c.repo.toLowerCase())) continue;
      changes.push(toStored(c));
    }
    const repos = new RepoCache(gateway);
    const readLives = async (): Promise<Map<number, LiveTarget>> => {
      const lives = new Map<number, LiveTarget>();
      for (const c of orderForRollback(changes)) {
        if (!needsLive(c)) continue;
        if (signal?.aborted) throw new InterruptedError('interrupted while reading live state');
        try {
          lives.set(c.id, (await readLiveFor(gateway, await repos.get(c.repo), c)).live);
        } catch (err) {
          if (isInterrupt(err, signal)) throw err;
          // Unreadable now: decided again (and reported) at execution time.
          deps.logger.warn(`${c.repo} ${c.targetKey || 'merge settings'}: cannot read the live state: ${errorText(err)}`);
          lives.set(c.id, { exists: false, model: null, raw: null, nodeId: null, beforeRulePattern: null });
        }
      }
      return lives;
    };
    const lives = await readLives();
    const strays = strayWrites(deps, target, changes, lives);
    const plan = buildRollbackPlan(target.id, changes, lives, { force: request.force });
    const preview: RollbackPreview = { changeSet: target, plan, counts: summarizeRollbackPlan(plan), force: request.force };
    await deps.showPlan(preview);
    const none = (exitCode: number, declined = false): RollbackResult => ({
      preview,
      changeSetId: null,
      status: null,
      interrupted: false,
      results: [],
      counts: emptyCounts(),
      declined,
      exitCode,
    });
    if (request.dryRun) return none(preview.counts.skip_drift > 0 ? ExitCode.Partial : ExitCode.Ok);
    const actionable = plan.steps.filter((s) => s.decision === 'restore' || s.decision === 'already_restored' || s.decision === 'skip_drift');
    if (actionable.length === 0) return none(preview.counts.unsupported > 0 ? ExitCode.Partial : ExitCode.Ok);
    const writes = plan.steps.some((s) => s.decision === 'restore');
    if (writes && !request.yes && !(await deps.confirm(preview))) return none(ExitCode.Ok, true);

    if (actor === null) throw new Error('internal: a rollback that writes has an actor');
    const run = store.runs.start({
      kind: 'rollback',
      org: target.org,
      args: { changeSetId: target.id, repos: request.repos ?? [], force: request.force },
      actor,
      apiUrl: deps.apiUrl,
      toolVersion: deps.toolVersion,
    });
    let runStatus: 'succeeded' | 'partial' | 'failed' | 'interrupted' = 'failed';
    let summary: unknown = null;
    try {
      const set = store.changeSets.create({
        runId: run.id,
        kind: 'rollback',
        org: target.org,
        actor,
        parentChangeSetId: target.id,
        details: { undoes: target.id, undoesKind: target.kind, repos: request.repos ?? [], force: request.force },
      });
      store.changeSets.start(set.id);
      const results: RollbackStepResult[] = [];
      let interrupted = false;
      /** Set when GitHub's rate limit is spent: the changes after it are not attempted. */
      const stop: { stopped: string | null } = { stopped: null };
      try {
        const ordered = orderForRollback(changes);
        const step = async (change: StoredChange): Promise<void> => {
          if (signal?.aborted) interrupted = true;
          const result = interrupted
            ? notAttempted(change)
            : stop.stopped !== null
              ? { ...notAttempted(change), reason: `not attempted: ${stop.stopped}` }
              : await restoreOne({ ...deps, lock: lock!, actor, setId: set.id, repos, force: request.force, stop }, change).catch((err: unknown) => {
                if (!isInterrupt(err, signal)) throw err;
                interrupted = true;
                const rollbackChangeId = (err as { changeId?: number }).changeId ?? null;
                return { ...notAttempted(change), status: rollbackChangeId === null ? ('not_attempted' as const) : ('pending' as const), rollbackChangeId };
              });
          if (stop.stopped !== null && result.status === 'failed') {
            deps.logger.warn(`${stop.stopped}: stopping; the remaining changes are not attempted (run the rollback again after the reset)`);
          }
          results.push(result);
          deps.onStep?.(result, results.length - 1, ordered.length);
        };
        // A write that may still be in flight is decided last, once GitHub must have
        // finished it (one change per target in a set, so the order does not matter).
        for (const change of ordered) if (!strays.ids.has(change.id)) await step(change);
        const deferred = ordered.filter((c) => strays.ids.has(c.id));
        if (deferred.length > 0 && !interrupted) await waitForStrayWrites(deps, target, deferred.length, strays.settleAt);
        for (const change of deferred) await step(change);
      } catch (err) {
        store.changeSets.finish(set.id, 'interrupted', { error: errorText(err) });
        throw err;
      }
      const counts = emptyCounts();
      for (const r of results) counts[r.status] += 1;
      const bad = counts.failed + counts.skipped_drift + counts.unsupported + counts.not_attempted + counts.pending;
      const good = counts.restored + counts.already_restored;
      const status: FinishedChangeSetStatus = interrupted ? 'interrupted' : bad === 0 ? 'completed' : good === 0 && counts.failed > 0 ? 'failed' : 'partial';
      store.changeSets.finish(set.id, status, { counts, undoes: target.id });
      runStatus = interrupted ? 'interrupted' : status === 'completed' ? 'succeeded' : status === 'failed' ? 'failed' : 'partial';
      summary = { changeSetId: set.id, undoes: target.id, status, counts };
      const exitCode = interrupted ? ExitCode.Interrupted : bad > 0 ? ExitCode.Partial : ExitCode.Ok;
      return { preview, changeSetId: set.id, status, interrupted, results, counts, declined: false, exitCode };
    } catch (err) {
      if (err instanceof InterruptedError) runStatus = 'interrupted';
      summary = { error: errorText(err) };
      throw err;
    } finally {
      store.runs.finish(run.id, runStatus, summary);
    }
  } finally {
    lock?.release();
  }
}

/**
 * A `pending` change whose target still shows its before-state is ambiguous: its write
 * was never sent, or the killed run sent it and GitHub is still processing it — it would
 * land after the rollback, unseen (the change would be closed as restored). Such changes
 * are decided once the set has been over for {@link STRAY_WRITE_WINDOW_MS} (for a killed
 * run: since its death was noticed, when the lock was taken over).
 */
function strayWrites(deps: RollbackDeps, target: ChangeSetRecord, changes: readonly StoredChange[], lives: ReadonlyMap<number, LiveTarget>): { ids: Set<number>; settleAt: number } {
  const settleAt = Date.parse(target.finishedAt ?? '') + (deps.strayWriteWindowMs ?? STRAY_WRITE_WINDOW_MS);
  const ids = new Set<number>();
  if (!Number.isFinite(settleAt) || Date.now() >= settleAt) return { ids, settleAt };
  for (const c of changes) {
    const live = lives.get(c.id);
    if (c.status === 'pending' && live !== undefined && targetModelsEqual(c.targetKind, live.exists ? live.model : null, c.beforeModel ?? null)) ids.add(c.id);
  }
  return { ids, settleAt };
}

/** Sleep until `settleAt` (cancelled by an interrupt), saying why. */
async function waitForStrayWrites(deps: RollbackDeps, target: ChangeSetRecord, count: number, settleAt: number): Promise<void> {
  const wait = settleAt - Date.now();
  if (wait <= 0) return;
  deps.logger.warn(
    `change set ${target.id} ended moments ago with ${count} write${count === 1 ? '' : 's'} that may still be in flight at GitHub: waiting ${Math.ceil(wait / 1000)}s before deciding ${count === 1 ? 'it' : 'them'}`,
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, wait);
    deps.signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new InterruptedError('interrupted while waiting for writes in flight'));
      },
      { once: true },
    );
  });
}

function notAttempted(change: StoredChange): RollbackStepResult {
  return {
    changeId: change.id,
    repo: change.repo,
    targetKind: change.targetKind,
    targetKey: change.targetKey,
    status: 'not_attempted',
    rollbackChangeId: null,
    reason: 'interrupted before this change',
    changes: [],
    drift: null,
    exactJson: null,
  };
}

interface RestoreContext extends RollbackDeps {
  lock: LockHandle;
  actor: string;
  setId: number;
  repos: RepoCache;
  force: boolean;
  /** Set when GitHub's rate limit is spent: the run stops after this change. */
  stop: { stopped: string | null };
}

async function restoreOne(ctx: RestoreContext, change: StoredChange): Promise<RollbackStepResult> {
  const { store, gateway, signal } = ctx;
  const base = { changeId: change.id, repo: change.repo, targetKind: change.targetKind, targetKey: change.targetKey };
  const result = (status: RollbackStepStatus, reason: string, extra: Partial<RollbackStepResult> = {}): RollbackStepResult => ({
    ...base,
    status,
    reason,
    rollbackChangeId: null,
    changes: [],
    drift: null,
    exactJson: null,
    ...extra,
  });
  if (!needsLive(change)) {
    const d = decideRollback(change, { exists: false, model: null, raw: null, nodeId: null });
    return result(d.decision === 'unsupported' ? 'unsupported' : 'nothing_to_undo', d.reason);
  }

  // Fresh read right before deciding: the preview may be old.
  let repo: RepoInfo;
  let live: LiveTarget;
  try {
    repo = await ctx.repos.get(change.repo);
    live = (await readLiveFor(gateway, repo, change)).live;
  } catch (err) {
    if (isInterrupt(err, signal)) throw err;
    ctx.stop.stopped ??= spentRateLimit(err);
    return result('failed', `cannot read the live state: ${errorText(err)}`);
  }
  /** This set's record of undoing `change`: live as the before-state, the original's before as the intent. */
  const recordUndo = () =>
    store.changeSets.recordIntent({
      changeSetId: ctx.setId,
      repo: change.repo,
      targetKind: change.targetKind as 'classic_protection',
      targetKey: change.targetKey,
      targetNodeId: live.nodeId,
      beforeState: live.exists ? live.raw : null,
      beforeModel: live.exists ? live.model : null,
      intendedModel: change.beforeModel ?? null,
      undoesChangeId: change.id,
    });
  const d = decideRollback(change, live, { force: ctx.force });
  switch (d.decision) {
    case 'nothing_to_undo':
    case 'unsupported':
      return result(d.decision, d.reason);
    case 'already_restored':
      store.changeSets.markRestored(change.id, { reason: d.reason, actor: ctx.actor });
      return result('already_restored', d.reason, { exactJson: change.targetKind === 'merge_settings' ? null : sameJson(live.raw, change.beforeState) });
    case 'skip_drift': {
      const record = recordUndo();
      const what = describeChanges(d.drift ?? [], 6);
      store.changeSets.recordResult(record.id, { status: 'skipped_drift', error: `${d.reason}${what ? ` (${what})` : ''}` });
      return result('skipped_drift', d.reason, { rollbackChangeId: record.id, changes: d.changes, drift: d.drift ?? null });
    }
    case 'restore':
      break;
  }

  const write = d.write!;
  const record = recordUndo();
  ctx.lock.assertHeld();
  let lostAnswer: FreshTarget | null = null;
  try {
    const written = await writeTarget(gateway, repo, change.targetKey, write);
    store.changeSets.recordResult(record.id, { status: 'written', afterState: written.raw, afterModel: written.model });
  } catch (err) {
    if (isInterrupt(err, signal)) {
      (err as { changeId?: number }).changeId = record.id;
      throw err;
    }
    // The answer can be lost after GitHub applied the restore (a reset, a cut-off body,
    // a retried delete meeting its own first attempt): the read-back decides.
    ctx.stop.stopped ??= spentRateLimit(err);
    lostAnswer = ctx.stop.stopped === null ? await appliedDespiteError(gateway, repo, change.targetKind, change.targetKey, change.beforeModel ?? null) : null;
    if (!lostAnswer) {
      store.changeSets.recordResult(record.id, { status: 'failed', error: `restore failed: ${errorText(err)}` });
      return result('failed', `restore failed: ${errorText(err)}`, { rollbackChangeId: record.id, changes: d.changes, drift: d.drift ?? null });
    }
    ctx.logger.warn(`${change.repo} ${change.targetKey || 'merge settings'}: the restore's answer was lost (${errorText(err)}), but the read-back shows it applied`);
  }
  let back: FreshTarget;
  try {
    back = lostAnswer ?? (await readTarget(gateway, repo, change.targetKind, change.targetKey, { withRules: false }));
  } catch (err) {
    if (isInterrupt(err, signal)) {
      (err as { changeId?: number }).changeId = record.id;
      throw err;
    }
    ctx.stop.stopped ??= spentRateLimit(err);
    store.changeSets.recordResult(record.id, { status: 'failed', error: `read-back failed: ${errorText(err)}` });
    return result('failed', `read-back failed: ${errorText(err)}`, { rollbackChangeId: record.id, changes: d.changes });
  }
  const backModel = back.exists ? back.model : null;
  if (targetModelsEqual(change.targetKind, backModel, change.beforeModel ?? null)) {
    // Marks the original change `restored` in the same transaction.
    store.changeSets.recordResult(record.id, { status: 'verified', afterState: back.raw, afterModel: backModel });
    const exactJson = change.targetKind === 'merge_settings' ? null : sameJson(back.raw, change.beforeState);
    if (exactJson === false) ctx.logger.warn(`${change.repo} ${change.targetKey}: restored, but GitHub's JSON differs from the stored before-state in fields outside the protection model`);
    return result('restored', d.reason, { rollbackChangeId: record.id, changes: d.changes, drift: d.drift ?? null, exactJson });
  }
  const mismatch = `GitHub accepted the restore but the read-back differs from the before-state: ${describeMismatch(change.targetKind, change.beforeModel ?? null, backModel)}`;
  store.changeSets.recordResult(record.id, { status: 'failed', afterState: back.raw, afterModel: backModel, error: mismatch });
  return result('failed', mismatch, { rollbackChangeId: record.id, changes: d.changes });
}
