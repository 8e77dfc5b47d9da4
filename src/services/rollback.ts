/**
 * `qms rollback`: the inverse plan of a change set (src/core/rollback-plan.ts), run by
 * the same executor as every other write (src/engine/executor.ts).
 *
 * The rollback is itself a change set (kind `rollback`, parent = the set it undoes),
 * written with the same protocol as apply (intent committed → write → read back →
 * verify), so it is audited and can be rolled back in turn. Each change is decided
 * against the target's live state, read fresh right before its write, newest change
 * first:
 * - already back at its before-state → marked `restored` without a write;
 * - what qms left there (or maybe half-written by a killed run) → restored;
 * - changed by someone else since → `skipped_drift`, reported, not overwritten
 *   (unless --force).
 * DECISION — exit code: a drift-skipped change is a partial result (the rollback did
 * not restore everything asked), so it exits 4 like a failed restore; 0 only when
 * every change is back at its before-state.
 *
 * `--last` means the last run that could change GitHub (apply, classify
 * --write-properties, …; not a rollback — a rollback is undone by id). The run is
 * recorded before it reads anything, so a run killed while still reading is the last
 * run: it made no change, and `rollback --last` refuses rather than undoing the run
 * before it. A change set belongs to the GitHub it was written to: rollback refuses
 * one recorded against another API host.
 */
import { ExitCode, UsageError } from '../core/errors.js';
import type { RepoInfo } from '../core/github-types.js';
import { restoreNeedsLive, type LiveTarget, type StoredChange } from '../core/changes.js';
import {
  buildInversePlan,
  buildRollbackPlan,
  orderForRollback,
  summarizeRollbackPlan,
  targetModelsEqual,
  type RollbackDecisionKind,
  type RollbackPlan,
  type UnreadableTarget,
} from '../core/rollback-plan.js';
import type { SettingChange } from '../core/plan.js';
import { executePlan, isInterrupt, type ChangeResult } from '../engine/executor.js';
import { UNDOABLE_RUN_KINDS, withMutatingRun, type MutatingRunDeps } from '../engine/mutating-run.js';
import { readTarget } from '../engine/targets.js';
import type { GitHubGateway } from '../github/gateway.js';
import type { Logger } from '../output/logger.js';
import { canonicalJson } from '../store/canonical-json.js';
import type { ChangeRecord, ChangeSetRecord, FinishedChangeSetStatus, RunRecord, Store } from '../store/types.js';

/**
 * How long after a run ended one of its writes may still land on GitHub: a process
 * killed with a request in flight does not take the request back, and GitHub ends a
 * request it has not answered within 10 s (docs/github-api.md, "Timeouts"); 2 s of
 * margin for the network. `qms rollback --settle-time` overrides it (a GitHub
 * Enterprise Server with other limits, a simulator).
 */
export const STRAY_WRITE_WINDOW_MS = 12_000;

export interface RollbackDeps extends MutatingRunDeps {
  /** Override of {@link STRAY_WRITE_WINDOW_MS}. */
  strayWriteWindowMs?: number;
  gateway: GitHubGateway;
  logger: Logger;
  signal?: AbortSignal;
  /** Says which change set (and run) is about to be undone, before the preview is read. */
  announce?: (target: RollbackTarget) => void;
  showPlan: (plan: RollbackPreview) => void | Promise<void>;
  confirm: (plan: RollbackPreview) => Promise<boolean>;
  onStep?: (result: RollbackStepResult, index: number, total: number) => void;
}

export interface RollbackRequest {
  /** A change set id; or `last`. */
  changeSetId?: number;
  last?: boolean;
  /** With --last: only runs of this org. */
  org?: string;
  repos?: string[];
  force: boolean;
  yes: boolean;
  dryRun: boolean;
}

/** The change set a rollback undoes, and the run that wrote it. */
export interface RollbackTarget {
  changeSet: ChangeSetRecord;
  run: RunRecord | null;
  /** How the run's command line read, when it was recorded. */
  command: string | null;
}

export interface RollbackPreview {
  changeSet: ChangeSetRecord;
  plan: RollbackPlan;
  counts: Record<RollbackDecisionKind, number>;
  force: boolean;
}

export type RollbackStepStatus =
  'restored' | 'already_restored' | 'skipped_drift' | 'failed' | 'nothing_to_undo' | 'unsupported' | 'not_attempted' | 'pending';

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
  return {
    restored: 0,
    already_restored: 0,
    skipped_drift: 0,
    failed: 0,
    nothing_to_undo: 0,
    unsupported: 0,
    not_attempted: 0,
    pending: 0,
  };
}

function commandOf(run: RunRecord | null): string | null {
  const args = run?.args;
  return args !== null && typeof args === 'object' && typeof (args as Record<string, unknown>)['command'] === 'string'
    ? ((args as Record<string, unknown>)['command'] as string)
    : null;
}

function describeRun(run: RunRecord): string {
  const command = commandOf(run);
  return `run ${run.id}${command ? ` (\`${command}\`)` : ` (${run.kind})`}, started ${run.startedAt} by ${run.actor ?? 'unknown'}, ${run.status}`;
}

/**
 * The change set a request names. UsageError when there is none, when the last run
 * made no change, or when the set was written to another GitHub.
 */
export function selectChangeSet(
  store: Store,
  request: Pick<RollbackRequest, 'changeSetId' | 'last' | 'org'>,
  apiHost: string,
): RollbackTarget {
  if (request.changeSetId !== undefined && request.last) throw new UsageError('give a change set id or --last, not both');
  let target: RollbackTarget;
  if (request.changeSetId !== undefined) {
    const set = store.changeSets.get(request.changeSetId);
    if (!set) throw new UsageError(`no change set ${request.changeSetId} in ${store.path}`, { hint: 'qms history lists the change sets' });
    const run = store.runs.get(set.runId);
    target = { changeSet: set, run, command: commandOf(run) };
  } else {
    if (!request.last) throw new UsageError('which change set? give its id or --last', { hint: 'qms history lists the change sets' });
    const run = store.runs.latest({ kinds: UNDOABLE_RUN_KINDS, ...(request.org ? { org: request.org } : {}) });
    if (!run)
      throw new UsageError(`no run that changed GitHub${request.org ? ` for ${request.org}` : ''} in ${store.path}: nothing to roll back`);
    const set = store.changeSets.latest({ runId: run.id });
    if (!set) {
      throw new UsageError(`the last run made no change, so there is nothing to roll back: ${describeRun(run)}`, {
        hint: 'to undo an earlier change set, name it: qms rollback ID (qms history lists them)',
      });
    }
    target = { changeSet: set, run, command: commandOf(run) };
  }
  const setHost = target.changeSet.apiHost;
  if (setHost !== null && setHost !== apiHost) {
    throw new UsageError(
      `change set ${target.changeSet.id} was written to ${setHost}, not to ${apiHost}: rollback restores a change set only on the GitHub it changed`,
      {
        hint: setHost === 'sandbox' ? 'run it with --sandbox' : `run it with --api-url ${setHost}`,
      },
    );
  }
  return target;
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

function splitRepo(full: string): { owner: string; name: string } {
  const i = full.indexOf('/');
  return { owner: full.slice(0, i), name: full.slice(i + 1) };
}

/** Repository listings, fetched once each (writes need the owner type and node id). */
function repoCache(gateway: GitHubGateway): (full: string) => Promise<RepoInfo> {
  const infos = new Map<string, Promise<RepoInfo>>();
  return (full) => {
    let p = infos.get(full);
    if (!p) {
      p = gateway.getRepo(splitRepo(full));
      infos.set(full, p);
    }
    return p;
  };
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

/** Exact-JSON comparison applies to protection targets (merge settings and properties carry other fields). */
function comparesJson(kind: string): boolean {
  return kind === 'classic_protection' || kind === 'protection_rule';
}

interface Prepared {
  set: ChangeSetRecord;
  changes: StoredChange[];
  lives: Map<number, LiveTarget | UnreadableTarget>;
  preview: RollbackPreview;
  repos: (full: string) => Promise<RepoInfo>;
}

/** Select the change set, read every target it touched, and decide (the preview). */
async function prepareRollback(deps: RollbackDeps, request: RollbackRequest): Promise<Prepared> {
  const { store, gateway, signal } = deps;
  const target = selectChangeSet(store, request, deps.apiHost);
  const set = target.changeSet;
  if (set.status === 'in_progress' || set.status === 'planned') {
    throw new UsageError(`change set ${set.id} is ${set.status}: another run may still be writing it`, {
      hint: 'a run that died is marked interrupted when the lock is next taken; wait for the running one to finish',
    });
  }
  deps.announce?.(target);
  const org = set.org ?? '';
  const repoFilter =
    request.repos && request.repos.length > 0 ? request.repos.map((n) => (n.includes('/') ? n : `${org}/${n}`).toLowerCase()) : null;
  const changes: StoredChange[] = [];
  for (const c of store.changeSets.iterateChanges(set.id)) {
    if (repoFilter && !repoFilter.includes(c.repo.toLowerCase())) continue;
    changes.push(toStored(c));
  }
  const repos = repoCache(gateway);
  // The same decisions the executor will take, against states read now.
  const lives = new Map<number, LiveTarget | UnreadableTarget>();
  for (const c of orderForRollback(changes)) {
    if (!restoreNeedsLive(c)) continue;
    try {
      const planned = buildInversePlan([c], { force: request.force })[0]!;
      lives.set(c.id, await readTarget(gateway, await repos(c.repo), planned, { purpose: 'decide' }));
    } catch (err) {
      if (isInterrupt(err, signal)) throw err;
      // Unknown, never "restored": decided again (and reported) when the rollback runs.
      const text = err instanceof Error ? err.message : String(err);
      deps.logger.warn(`${c.repo} ${c.targetKey || 'merge settings'}: cannot read the live state: ${text}`);
      lives.set(c.id, { unreadable: text });
    }
  }
  const plan = buildRollbackPlan(set.id, changes, lives, { force: request.force });
  const preview: RollbackPreview = { changeSet: set, plan, counts: summarizeRollbackPlan(plan), force: request.force };
  await deps.showPlan(preview);
  return { set, changes, lives, preview, repos };
}

function noRollback(preview: RollbackPreview, exitCode: number, declined = false): RollbackResult {
  return { preview, changeSetId: null, status: null, interrupted: false, results: [], counts: emptyCounts(), declined, exitCode };
}

export async function runRollback(deps: RollbackDeps, request: RollbackRequest): Promise<RollbackResult> {
  if (request.dryRun) {
    // Reads only (neither GitHub nor the store is written), so it takes no lock.
    const { preview } = await prepareRollback(deps, request);
    const partial = preview.counts.skip_drift + preview.counts.unknown + preview.counts.unsupported > 0;
    return noRollback(preview, partial ? ExitCode.Partial : ExitCode.Ok);
  }
  // The lock first: taking it marks a killed run's change set interrupted (and when),
  // which decides whether one of its writes may still be in flight.
  return withMutatingRun(
    deps,
    {
      kind: 'rollback',
      org: request.org ?? null,
      args: { changeSetId: request.changeSetId ?? null, last: request.last === true, repos: request.repos ?? [], force: request.force },
    },
    async (run) => {
      const { set, changes, lives, preview, repos } = await prepareRollback(deps, request);
      const actionable = preview.plan.steps.filter(
        (s) => s.decision === 'restore' || s.decision === 'already_restored' || s.decision === 'skip_drift' || s.decision === 'unknown',
      );
      if (actionable.length === 0) {
        return {
          value: noRollback(preview, preview.counts.unsupported > 0 ? ExitCode.Partial : ExitCode.Ok),
          status: 'succeeded',
          summary: { undoes: set.id, nothingToUndo: true },
        };
      }
      const writes = preview.plan.steps.some((s) => s.decision === 'restore' || s.decision === 'unknown');
      if (writes && !request.yes && !(await deps.confirm(preview))) {
        return { value: noRollback(preview, ExitCode.Ok, true), status: 'succeeded', summary: { undoes: set.id, declined: true } };
      }
      const rollbackSet = run.createChangeSet({
        kind: 'rollback',
        org: set.org,
        parentChangeSetId: set.id,
        details: { undoes: set.id, undoesKind: set.kind, repos: request.repos ?? [], force: request.force },
      });
      // A write a killed run may still have in flight is decided last, once GitHub must
      // have finished it (one change per target in a set, so the order does not matter).
      const strays = strayWrites(deps, set, changes, lives);
      const planned = buildInversePlan(changes, { force: request.force, deferred: strays.ids, deferUntil: strays.settleAt });
      const byPlannedId = new Map(planned.map((p) => [p.id, p]));
      const toResult = (r: ChangeResult): RollbackStepResult => {
        const p = byPlannedId.get(r.change.id)!;
        const undo = p.intent.mode === 'restore' ? p.intent.undo : null;
        const status: RollbackStepStatus = r.status === 'verified' ? 'restored' : r.status === 'unchanged' ? 'already_restored' : r.status;
        return {
          changeId: undo?.id ?? 0,
          repo: r.change.repo,
          targetKind: r.change.kind,
          targetKey: r.change.key,
          status,
          rollbackChangeId: r.changeId,
          reason: r.status === 'pending' ? 'interrupted during this change' : r.reason,
          changes: r.changes,
          drift: r.drift,
          exactJson:
            undo === null || !comparesJson(undo.targetKind)
              ? null
              : r.status === 'verified' && r.after
                ? sameJson(r.after.raw, undo.beforeState)
                : r.status === 'already_restored' && r.before
                  ? sameJson(r.before.raw, undo.beforeState)
                  : null,
        };
      };
      const executed = await executePlan(
        {
          gateway: deps.gateway,
          store: deps.store,
          lock: run.lock,
          logger: deps.logger,
          ...(deps.signal ? { signal: deps.signal } : {}),
          repo: repos,
          ...(deps.onStep ? { onChange: (r: ChangeResult, i: number, total: number) => deps.onStep!(toResult(r), i, total) } : {}),
        },
        planned,
        rollbackSet,
        { isolateRepos: false, summary: { undoes: set.id } },
      );
      const results = executed.results.map(toResult);
      for (const r of results) {
        if (r.exactJson === false && r.status === 'restored') {
          deps.logger.warn(
            `${r.repo} ${r.targetKey}: restored, but GitHub's JSON differs from the stored before-state in fields outside the protection model`,
          );
        }
      }
      const counts = emptyCounts();
      for (const r of results) counts[r.status] += 1;
      const bad = counts.failed + counts.skipped_drift + counts.unsupported + counts.not_attempted + counts.pending;
      const exitCode = executed.interrupted ? ExitCode.Interrupted : bad > 0 ? ExitCode.Partial : ExitCode.Ok;
      const status = executed.interrupted
        ? 'interrupted'
        : executed.status === 'completed'
          ? 'succeeded'
          : executed.status === 'failed'
            ? 'failed'
            : 'partial';
      return {
        value: {
          preview,
          changeSetId: executed.changeSetId,
          status: executed.status,
          interrupted: executed.interrupted,
          results,
          counts,
          declined: false,
          exitCode,
        },
        status,
        summary: { changeSetId: executed.changeSetId, undoes: set.id, status: executed.status, counts },
      };
    },
  );
}

/**
 * A `pending` change whose target still shows its before-state is ambiguous: its write
 * was never sent, or the killed run sent it and GitHub is still processing it — it would
 * land after the rollback, unseen (the change would be closed as restored). Such changes
 * are decided once the set has been over for {@link STRAY_WRITE_WINDOW_MS} (for a killed
 * run: since its death was noticed, when the lock was taken over).
 */
function strayWrites(
  deps: RollbackDeps,
  target: ChangeSetRecord,
  changes: readonly StoredChange[],
  lives: ReadonlyMap<number, LiveTarget | UnreadableTarget>,
): { ids: Set<number>; settleAt: number } {
  const settleAt = Date.parse(target.finishedAt ?? '') + (deps.strayWriteWindowMs ?? STRAY_WRITE_WINDOW_MS);
  const ids = new Set<number>();
  if (!Number.isFinite(settleAt) || Date.now() >= settleAt) return { ids, settleAt };
  for (const c of changes) {
    const live = lives.get(c.id);
    if (c.status !== 'pending' || live === undefined || 'unreadable' in live) continue;
    if (targetModelsEqual(c.targetKind, live.exists ? live.model : null, c.beforeModel ?? null)) ids.add(c.id);
  }
  return { ids, settleAt };
}
