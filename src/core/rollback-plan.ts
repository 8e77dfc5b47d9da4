/**
 * The inverse plan: from the changes a change set recorded (the undo log) and the
 * live state of each target now, what a rollback does per change. Pure: the
 * rollback service reads live state, asks this module, and writes.
 *
 * Rules (DESIGN.md safety rules):
 * - newest change first, so a target changed twice ends at its oldest before-state;
 * - live already equal to the before-state → nothing to write (`already_restored`);
 * - live equal to what qms left there (the intent, or the read-back after the
 *   write) → restore the before-state;
 * - a `pending` change (intent committed, the process died before the result) and a
 *   `failed` one without a read-back are "maybe written", possibly half-written
 *   (a PUT without its signatures call): restore whenever live differs from before;
 * - anything else means someone changed the target after qms: `skip_drift`, unless
 *   `force`.
 * How a before-state is restored:
 * - classic protection: PUT the before-model back; DELETE the branch's exact-name
 *   rule when there was no protection before (before-state null), or when the
 *   protection before came from a wildcard rule (the change's `targetNodeId` is the
 *   rule that applied; its live pattern is not the branch name): the PUT created an
 *   exact-name rule, and deleting it gives the branch back to the wildcard;
 * - pattern rule: update the rule back to the before-model, delete the rule qms
 *   created, or (forced, the rule was deleted since) create it again;
 * - merge settings: PATCH them back.
 */
import { diffMergeSettings, diffProtection, type SettingChange } from './plan.js';
import { mergeSettingsEqual, protectionEquals, type BranchProtection, type MergeSettings } from './protection.js';

export type RollbackTargetKind = 'classic_protection' | 'protection_rule' | 'merge_settings';
const SUPPORTED: readonly string[] = ['classic_protection', 'protection_rule', 'merge_settings'];

/** The part of a stored change (src/store ChangeRecord) the rollback reads. */
export interface StoredChange {
  id: number;
  changeSetId: number;
  seq: number;
  repo: string;
  targetKind: string;
  targetKey: string;
  targetNodeId: string | null;
  status: 'pending' | 'written' | 'verified' | 'failed' | 'skipped_drift' | 'restored';
  beforeState: unknown;
  beforeModel: unknown;
  intendedModel: unknown;
  afterModel: unknown;
}

/** A target as read right now. */
export interface LiveTarget {
  /** false: no classic rule for the branch / no rule with the pattern. Merge settings always exist. */
  exists: boolean;
  model: BranchProtection | MergeSettings | null;
  /** The exact JSON GitHub returned (null when nothing exists). */
  raw: unknown;
  /** Classic: node id of the rule that applies to the branch; pattern: the rule's node id. */
  nodeId: string | null;
  /**
   * Classic only: the live pattern of the rule named by the change's `targetNodeId`
   * (null when that rule no longer exists or the change names none).
   */
  beforeRulePattern?: string | null;
}

export type RollbackDecisionKind = 'restore' | 'already_restored' | 'skip_drift' | 'nothing_to_undo' | 'unsupported';

/** The write that restores a before-state. */
export type RestoreWrite =
  | { kind: 'put_classic'; model: BranchProtection }
  | { kind: 'delete_classic' }
  | { kind: 'update_rule'; ruleId: string; model: BranchProtection }
  | { kind: 'create_rule'; model: BranchProtection }
  | { kind: 'delete_rule'; ruleId: string }
  | { kind: 'patch_merge'; model: MergeSettings };

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

function isProtectionKind(kind: string): boolean {
  return kind === 'classic_protection' || kind === 'protection_rule';
}

/** Model equality for a target kind; null = absent. */
export function targetModelsEqual(kind: string, a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (isProtectionKind(kind)) return protectionEquals(a as BranchProtection, b as BranchProtection);
  if (kind === 'merge_settings') return mergeSettingsEqual(a as MergeSettings, b as MergeSettings);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Setting diff between two models of a target kind. */
export function diffTargetModels(kind: string, from: unknown, to: unknown): SettingChange[] {
  if (kind === 'merge_settings') return diffMergeSettings((from ?? null) as MergeSettings | null, (to ?? null) as MergeSettings | null);
  return diffProtection((from ?? null) as BranchProtection | null, (to ?? null) as BranchProtection | null);
}

/** Changes in undo order: newest first. */
export function orderForRollback<T extends Pick<StoredChange, 'seq'>>(changes: readonly T[]): T[] {
  return [...changes].sort((a, b) => b.seq - a.seq);
}

/** Was this change maybe (partly) written without qms knowing what GitHub ended up with? */
export function isMaybeWritten(change: Pick<StoredChange, 'status' | 'afterModel'>): boolean {
  return change.status === 'pending' || (change.status === 'failed' && (change.afterModel === null || change.afterModel === undefined));
}

function restoreWrite(change: StoredChange, live: LiveTarget): RestoreWrite {
  const before = (change.beforeModel ?? null) as BranchProtection | MergeSettings | null;
  switch (change.targetKind) {
    case 'classic_protection': {
      if (before === null) return { kind: 'delete_classic' };
      const fromWildcard =
        change.targetNodeId !== null && live.beforeRulePattern !== undefined && live.beforeRulePattern !== null && live.beforeRulePattern !== change.targetKey;
      return fromWildcard ? { kind: 'delete_classic' } : { kind: 'put_classic', model: before as BranchProtection };
    }
    case 'protection_rule': {
      if (before === null) {
        if (!live.exists || live.nodeId === null) throw new Error('internal: no rule to delete');
        return { kind: 'delete_rule', ruleId: live.nodeId };
      }
      if (live.exists && live.nodeId !== null) return { kind: 'update_rule', ruleId: live.nodeId, model: before as BranchProtection };
      return { kind: 'create_rule', model: before as BranchProtection };
    }
    case 'merge_settings':
      return { kind: 'patch_merge', model: before as MergeSettings };
    default:
      throw new Error(`internal: cannot restore ${change.targetKind}`);
  }
}

/**
 * What to do with one change, given its target's live state. `force` restores over
 * drift (someone else's later change is overwritten, on the record).
 */
export function decideRollback(change: StoredChange, live: LiveTarget, options: { force?: boolean } = {}): RollbackDecision {
  const kind = change.targetKind;
  if (!SUPPORTED.includes(kind)) {
    return { decision: 'unsupported', reason: `rollback of ${kind} changes is not supported`, changes: [] };
  }
  if (change.status === 'restored') return { decision: 'nothing_to_undo', reason: 'already restored by an earlier rollback', changes: [] };
  if (change.status === 'skipped_drift') return { decision: 'nothing_to_undo', reason: 'was never written (skipped for drift)', changes: [] };

  const before = change.beforeModel ?? null;
  const liveModel = live.exists ? live.model : null;
  const changes = diffTargetModels(kind, liveModel, before);
  if (targetModelsEqual(kind, liveModel, before)) {
    return {
      decision: 'already_restored',
      reason: change.status === 'pending' ? 'the write never reached GitHub (live equals the before-state)' : 'live state already equals the before-state',
      changes: [],
    };
  }
  const qmsLeft = [change.intendedModel ?? null, change.afterModel ?? null];
  const matchesQms = qmsLeft.some((m, i) => (i === 0 || m !== null) && targetModelsEqual(kind, liveModel, m));
  const done = (reason: string): RollbackDecision => {
    // A rule to delete or update must exist; when it was deleted since, only a forced
    // rollback re-creates it, and `restoreWrite` picks create.
    return { decision: 'restore', reason, write: restoreWrite(change, live), changes };
  };
  if (matchesQms) return done('live state is what qms applied');
  if (isMaybeWritten(change)) return done(`maybe written by an interrupted run (${change.status}); live differs from the before-state`);
  const reference = change.afterModel ?? change.intendedModel ?? null;
  const drift = diffTargetModels(kind, reference, liveModel);
  if (options.force) return { ...done('changed by someone else since qms applied it; restored because of --force'), drift };
  return {
    decision: 'skip_drift',
    reason: 'changed by someone else since qms applied it; not overwritten (use --force to restore anyway)',
    changes,
    drift,
  };
}

/** The rollback of a set of changes, newest first, against live states keyed by change id. */
export function buildRollbackPlan(
  changeSetId: number,
  changes: readonly StoredChange[],
  liveByChange: ReadonlyMap<number, LiveTarget>,
  options: { force?: boolean } = {},
): RollbackPlan {
  const steps: RollbackStep[] = [];
  for (const change of orderForRollback(changes)) {
    const base = { changeId: change.id, repo: change.repo, targetKind: change.targetKind, targetKey: change.targetKey };
    const live = liveByChange.get(change.id);
    if (change.status === 'restored' || change.status === 'skipped_drift' || !SUPPORTED.includes(change.targetKind)) {
      steps.push({ ...base, ...decideRollback(change, live ?? { exists: false, model: null, raw: null, nodeId: null }, options) });
      continue;
    }
    if (!live) throw new Error(`internal: no live state for change ${change.id}`);
    steps.push({ ...base, ...decideRollback(change, live, options) });
  }
  return { changeSetId, steps };
}

/** Counts by decision. */
export function summarizeRollbackPlan(plan: RollbackPlan): Record<RollbackDecisionKind, number> {
  const out: Record<RollbackDecisionKind, number> = { restore: 0, already_restored: 0, skip_drift: 0, nothing_to_undo: 0, unsupported: 0 };
  for (const s of plan.steps) out[s.decision] += 1;
  return out;
}
