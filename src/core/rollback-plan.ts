/**
 * The inverse plan: a rollback is a plan of `restore` intents — one per recorded
 * change, newest first — run by the same executor as every other write
 * (src/engine/executor.ts). The decision per change (src/core/changes.ts
 * `decideRestore`) is taken against the target's live state right before its write;
 * the preview (`buildRollbackPlan`) takes the same decisions against the states read
 * for it, so what `qms rollback --dry-run` shows is what the rollback will do unless
 * GitHub changes in between.
 *
 * How a before-state is restored:
 * - classic protection: PUT the before-model back; DELETE the branch's exact-name
 *   rule when there was no protection before (before-state null), or when the
 *   protection before came from a wildcard rule (the change's `targetNodeId` is the
 *   rule that applied; its live pattern is not the branch name): the PUT created an
 *   exact-name rule, and deleting it gives the branch back to the wildcard;
 * - pattern rule: update the rule back to the before-model, delete the rule qms
 *   created, or (forced, the rule was deleted since) create it again;
 * - merge settings: PATCH them back; custom property values: set them back (or unset).
 */
import {
  decideRestore,
  diffTargetModels,
  isMaybeWritten,
  orderForRollback,
  restoreNeedsLive,
  targetModelsEqual,
  type ChangeDecision,
  type LiveTarget,
  type PlannedChange,
  type StoredChange,
  type WriteOp,
} from './changes.js';
import type { SettingChange } from './plan.js';

export { diffTargetModels, isMaybeWritten, orderForRollback, targetModelsEqual };
export type { LiveTarget, StoredChange };
export type RestoreWrite = WriteOp;

/**
 * `unknown`: the target could not be read for the preview (never "restored": the
 * rollback decides again when it runs, and reports a target it cannot read as failed).
 */
export type RollbackDecisionKind = 'restore' | 'already_restored' | 'skip_drift' | 'nothing_to_undo' | 'unsupported' | 'unknown';

export interface RollbackDecision {
  decision: RollbackDecisionKind;
  reason: string;
  /** Present when decision is `restore`. */
  write?: RestoreWrite;
  /** Live → before-state (what the restore changes; for drift, what differs). */
  changes: SettingChange[];
  /** For drift: what qms left → live (what someone else changed). */
  drift?: SettingChange[];
}

export interface RollbackStep extends RollbackDecision {
  changeId: number;
  repo: string;
  targetKind: string;
  targetKey: string;
}

export interface RollbackPlan {
  changeSetId: number;
  steps: RollbackStep[];
}

/** The engine's decision in the rollback's words. */
export function toRollbackDecision(d: ChangeDecision): RollbackDecision {
  switch (d.action) {
    case 'write':
      return { decision: 'restore', reason: d.reason, write: d.op, changes: d.changes, ...(d.drift ? { drift: d.drift } : {}) };
    case 'unchanged':
    case 'already_restored':
      return { decision: 'already_restored', reason: d.reason, changes: [] };
    case 'skip_drift':
      return { decision: 'skip_drift', reason: d.reason, changes: d.changes, drift: d.drift };
    case 'nothing_to_undo':
    case 'unsupported':
      return { decision: d.action, reason: d.reason, changes: [] };
  }
}

/**
 * What to do with one change, given its target's live state. `force` restores over
 * drift (someone else's later change is overwritten, on the record).
 */
export function decideRollback(change: StoredChange, live: LiveTarget, options: { force?: boolean } = {}): RollbackDecision {
  return toRollbackDecision(decideRestore(change, live, options));
}

/** A live state the preview could not read. */
export interface UnreadableTarget {
  unreadable: string;
}

/**
 * The rollback of a set of changes, newest first, against live states keyed by change
 * id (or why a live state could not be read: that change's decision is `unknown`).
 */
export function buildRollbackPlan(
  changeSetId: number,
  changes: readonly StoredChange[],
  liveByChange: ReadonlyMap<number, LiveTarget | UnreadableTarget>,
  options: { force?: boolean } = {},
): RollbackPlan {
  const steps: RollbackStep[] = [];
  for (const change of orderForRollback(changes)) {
    const base = { changeId: change.id, repo: change.repo, targetKind: change.targetKind, targetKey: change.targetKey };
    if (!restoreNeedsLive(change)) {
      steps.push({ ...base, ...decideRollback(change, { exists: false, model: null, raw: null, nodeId: null }, options) });
      continue;
    }
    const live = liveByChange.get(change.id);
    if (!live) throw new Error(`internal: no live state for change ${change.id}`);
    if ('unreadable' in live) {
      steps.push({ ...base, decision: 'unknown', reason: `the live state cannot be read: ${live.unreadable}`, changes: [] });
      continue;
    }
    steps.push({ ...base, ...decideRollback(change, live, options) });
  }
  return { changeSetId, steps };
}

/** Counts by decision. */
export function summarizeRollbackPlan(plan: RollbackPlan): Record<RollbackDecisionKind, number> {
  const out: Record<RollbackDecisionKind, number> = {
    restore: 0,
    already_restored: 0,
    skip_drift: 0,
    nothing_to_undo: 0,
    unsupported: 0,
    unknown: 0,
  };
  for (const s of plan.steps) out[s.decision] += 1;
  return out;
}

/**
 * Property values that go back to the same value (usually "unset") are written in one
 * request by the executor when they are next to each other: gather each such group at
 * the place of its first member. A change set holds one change per target, so
 * reordering changes of different targets does not change the outcome.
 */
function batchPropertyRestores(ordered: StoredChange[]): StoredChange[] {
  const keyOf = (c: StoredChange) =>
    c.targetKind === 'custom_property' ? JSON.stringify([c.repo.split('/')[0]?.toLowerCase(), c.targetKey, c.beforeModel ?? null]) : null;
  const firstIndex = new Map<string, number>();
  ordered.forEach((c, i) => {
    const k = keyOf(c);
    if (k !== null && !firstIndex.has(k)) firstIndex.set(k, i);
  });
  return ordered
    .map((c, i) => ({ c, rank: firstIndex.get(keyOf(c) ?? '') ?? i, i }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.c);
}

/**
 * The inverse plan of recorded changes, for the executor: a `restore` intent per
 * change, newest first. `deferUntil` holds back changes whose write a killed run may
 * still have in flight (see the rollback service).
 */
export function buildInversePlan(
  changes: readonly StoredChange[],
  options: { force: boolean; deferred?: ReadonlySet<number>; deferUntil?: number },
): PlannedChange[] {
  const ordered = batchPropertyRestores(orderForRollback(changes));
  const now = ordered.filter((c) => !options.deferred?.has(c.id));
  const later = ordered.filter((c) => options.deferred?.has(c.id));
  return [...now, ...later].map((c, i) => ({
    id: i + 1,
    kind: c.targetKind as PlannedChange['kind'],
    repo: c.repo,
    key: c.targetKey,
    intent: { mode: 'restore', undo: c, force: options.force },
    ...(options.deferred?.has(c.id) && options.deferUntil !== undefined ? { notBefore: options.deferUntil } : {}),
  }));
}
