/**
 * The change engine's vocabulary, pure: what a plan asks for, per target, and how
 * the decision is taken against the target as it is on GitHub right before the write.
 *
 * Every write qms makes to GitHub is a {@link PlannedChange}: a target (kind,
 * repository, key) and an intent. Planners produce them (apply's tier plan, the
 * inverse plan of a rollback, classify's property values, and later bypass
 * activation, drift remediation and rulesets); one executor (src/engine/executor.ts)
 * runs them all. The executor reads each target fresh, asks {@link decideChange}
 * what to do, commits the before-state, writes, and verifies the read-back — so
 * planners never write, and the decision taken is always about the live state, not
 * the state the plan was built from (a plan may be minutes old).
 *
 * Intents are data (no closures), so a plan can be shown, stored and, later, saved
 * to a file and applied exactly.
 */
import { desiredMergeSettings, desiredProtection } from './desired-protection.js';
import type { CustomPropertyValue } from './github-types.js';
import type { ProtectionProfile } from './policy.js';
import { diffMergeSettings, diffProtection, type SettingChange } from './plan.js';
import { mergeSettingsEqual, protectionEquals, type BranchProtection, type MergeSettings } from './protection.js';

/** The kinds of target the engine can write today. */
export type WritableTargetKind = 'classic_protection' | 'protection_rule' | 'merge_settings' | 'custom_property' | 'commit_status';
export const WRITABLE_TARGET_KINDS: readonly WritableTargetKind[] = [
  'classic_protection',
  'protection_rule',
  'merge_settings',
  'custom_property',
  'commit_status',
];

/**
 * A commit status as a target: the latest status of one context on one commit. Its key is
 * `<sha>:<context>` ({@link commitStatusKey}). GitHub keeps every status it was sent; the
 * latest per context is what protection and the UI see.
 */
export interface StatusModel {
  state: 'error' | 'failure' | 'pending' | 'success';
  description: string | null;
  targetUrl: string | null;
}

/** The key of a commit status target. */
export function commitStatusKey(sha: string, context: string): string {
  return `${sha}:${context}`;
}

/** The commit and context of a commit status target's key. */
export function parseCommitStatusKey(key: string): { sha: string; context: string } {
  const i = key.indexOf(':');
  return { sha: key.slice(0, i), context: key.slice(i + 1) };
}

export function isWritableTargetKind(kind: string): kind is WritableTargetKind {
  return (WRITABLE_TARGET_KINDS as readonly string[]).includes(kind);
}

/** A change as the store recorded it: what a rollback (the inverse plan) reads. */
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

/** What a planned change wants of its target. */
export type ChangeIntent =
  /** Protection at least as strict as `floor`; everything stricter is kept (tighten only). */
  | { mode: 'tighten'; floor: ProtectionProfile }
  /** The merge settings the tier names, exactly; the others stay. */
  | { mode: 'merge'; merge: Partial<MergeSettings> }
  /** A custom property value (`null` unsets it). */
  | { mode: 'set'; value: CustomPropertyValue }
  /** The latest status of a context on a commit (commit_status targets). */
  | { mode: 'status'; status: StatusModel }
  /** Back to the before-state of a recorded change, unless someone changed the target since (or `force`). */
  | { mode: 'restore'; undo: StoredChange; force: boolean };

export interface PlannedChange {
  /** 1-based position in the plan (results refer to it). */
  id: number;
  kind: WritableTargetKind;
  /** `owner/name`. */
  repo: string;
  /** Branch, pattern, property name; '' for repository-wide targets (merge settings). */
  key: string;
  intent: ChangeIntent;
  /**
   * Not before this instant (epoch ms): rollback waits out a killed run's write that may
   * still be in flight at GitHub before deciding that target.
   */
  notBefore?: number;
}

/** A target as read right now (src/engine/targets.ts). */
export interface LiveTarget {
  /** false: no classic rule for the branch / no rule with the pattern / property unset. Merge settings always exist. */
  exists: boolean;
  model: BranchProtection | MergeSettings | CustomPropertyValue | StatusModel | null;
  /** The exact JSON GitHub returned for this target (null when nothing exists). */
  raw: unknown;
  /** Classic: node id of the rule that applies to the branch; pattern: the rule's node id. */
  nodeId: string | null;
  /**
   * Classic only: the live pattern of the rule named by the restored change's
   * `targetNodeId` (null when that rule no longer exists or the change names none).
   */
  beforeRulePattern?: string | null;
}

/** The write that takes a target from its live state to the intended one. */
export type WriteOp =
  | { kind: 'put_classic'; model: BranchProtection }
  | { kind: 'delete_classic' }
  | { kind: 'update_rule'; ruleId: string; model: BranchProtection }
  | { kind: 'create_rule'; model: BranchProtection }
  | { kind: 'delete_rule'; ruleId: string }
  | { kind: 'patch_merge'; model: MergeSettings }
  | { kind: 'set_property'; name: string; value: CustomPropertyValue }
  | { kind: 'post_status'; sha: string; context: string; status: StatusModel };

/** @deprecated name kept for the rollback planner's callers: a restore is a write like any other. */
export type RestoreWrite = WriteOp;

export type ChangeDecision =
  /** Write `op`; the target should then hold `intended` (null: nothing). */
  | { action: 'write'; intended: unknown; op: WriteOp; reason: string; changes: SettingChange[]; drift?: SettingChange[] }
  /** The target already holds what the intent wants: no write, nothing recorded. */
  | { action: 'unchanged'; reason: string }
  /** Restore only: live already equals the before-state; the original change is marked restored. */
  | { action: 'already_restored'; reason: string; changes: SettingChange[] }
  /** Restore only: someone changed the target after qms; not overwritten. */
  | { action: 'skip_drift'; reason: string; changes: SettingChange[]; drift: SettingChange[] }
  /** Restore only: nothing to do for this change (already restored, never written, …). */
  | { action: 'nothing_to_undo'; reason: string }
  | { action: 'unsupported'; reason: string };

export type ChangeAction = ChangeDecision['action'];

function isProtectionKind(kind: string): boolean {
  return kind === 'classic_protection' || kind === 'protection_rule';
}

/** Model equality for a target kind; null = absent. */
export function targetModelsEqual(kind: string, a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (isProtectionKind(kind)) return protectionEquals(a as BranchProtection, b as BranchProtection);
  if (kind === 'merge_settings') return mergeSettingsEqual(a as MergeSettings, b as MergeSettings);
  if (kind === 'commit_status')
    return JSON.stringify(normalizeStatus(a as StatusModel)) === JSON.stringify(normalizeStatus(b as StatusModel));
  return JSON.stringify(a) === JSON.stringify(b);
}

function normalizeStatus(s: StatusModel): StatusModel {
  return { state: s.state, description: s.description ?? null, targetUrl: s.targetUrl ?? null };
}

function propertyText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** Setting diff between two models of a target kind (`key` names a property target's setting). */
export function diffTargetModels(kind: string, from: unknown, to: unknown, key = ''): SettingChange[] {
  if (kind === 'merge_settings') return diffMergeSettings((from ?? null) as MergeSettings | null, (to ?? null) as MergeSettings | null);
  if (kind === 'commit_status') {
    const a = (from ?? null) as StatusModel | null;
    const b = (to ?? null) as StatusModel | null;
    const out: SettingChange[] = [];
    for (const field of ['state', 'description', 'targetUrl'] as const) {
      const x = a?.[field] ?? null;
      const y = b?.[field] ?? null;
      if (x !== y) out.push({ op: x === null ? '+' : y === null ? '-' : '~', setting: field, before: x, after: y });
    }
    return out;
  }
  if (kind === 'custom_property') {
    const a = propertyText(from);
    const b = propertyText(to);
    if (a === b) return [];
    return [{ op: a === null ? '+' : b === null ? '-' : '~', setting: key || 'value', before: a, after: b }];
  }
  return diffProtection((from ?? null) as BranchProtection | null, (to ?? null) as BranchProtection | null);
}

/** Was this change maybe (partly) written without qms knowing what GitHub ended up with? */
export function isMaybeWritten(change: Pick<StoredChange, 'status' | 'afterModel'>): boolean {
  return change.status === 'pending' || (change.status === 'failed' && (change.afterModel === null || change.afterModel === undefined));
}

/** Does restoring this change need its target's live state? (Restored / never-written / unknown kinds do not.) */
export function restoreNeedsLive(change: Pick<StoredChange, 'status' | 'targetKind'>): boolean {
  return change.status !== 'restored' && change.status !== 'skipped_drift' && isWritableTargetKind(change.targetKind);
}

function restoreOp(change: StoredChange, live: LiveTarget): WriteOp {
  const before = change.beforeModel ?? null;
  switch (change.targetKind) {
    case 'classic_protection': {
      if (before === null) return { kind: 'delete_classic' };
      // The PUT created an exact-name rule over a wildcard rule that applied before:
      // deleting the exact rule hands the branch back to the wildcard.
      const fromWildcard =
        change.targetNodeId !== null &&
        live.beforeRulePattern !== undefined &&
        live.beforeRulePattern !== null &&
        live.beforeRulePattern !== change.targetKey;
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
    case 'custom_property':
      return { kind: 'set_property', name: change.targetKey, value: (before ?? null) as CustomPropertyValue };
    case 'commit_status': {
      const { sha, context } = parseCommitStatusKey(change.targetKey);
      return { kind: 'post_status', sha, context, status: before as StatusModel };
    }
    default:
      throw new Error(`internal: cannot restore ${change.targetKind}`);
  }
}

/**
 * What restoring one recorded change does, given its target's live state:
 * - live already equal to the before-state → nothing to write (`already_restored`);
 * - live equal to what qms left there (the intent, or the read-back after the write) → restore;
 * - a `pending` change (intent committed, the process died before the result) and a
 *   `failed` one without a read-back are "maybe written", possibly half-written: restore
 *   whenever live differs from the before-state;
 * - anything else means someone changed the target after qms: `skip_drift`, unless `force`.
 */
export function decideRestore(change: StoredChange, live: LiveTarget, options: { force?: boolean } = {}): ChangeDecision {
  const kind = change.targetKind;
  if (!isWritableTargetKind(kind)) return { action: 'unsupported', reason: `rollback of ${kind} changes is not supported` };
  if (change.status === 'restored') return { action: 'nothing_to_undo', reason: 'already restored by an earlier rollback' };
  if (change.status === 'skipped_drift') return { action: 'nothing_to_undo', reason: 'was never written (skipped for drift)' };
  if (kind === 'commit_status' && (change.beforeModel ?? null) === null) {
    // GitHub keeps every status; there is no "no status" to go back to.
    return { action: 'unsupported', reason: 'GitHub cannot remove a commit status, only supersede it: run the check again' };
  }

  const before = change.beforeModel ?? null;
  const liveModel = live.exists ? live.model : null;
  const changes = diffTargetModels(kind, liveModel, before, change.targetKey);
  if (targetModelsEqual(kind, liveModel, before)) {
    return {
      action: 'already_restored',
      reason:
        change.status === 'pending'
          ? 'the write never reached GitHub (live equals the before-state)'
          : 'live state already equals the before-state',
      changes: [],
    };
  }
  const qmsLeft = [change.intendedModel ?? null, change.afterModel ?? null];
  const matchesQms = qmsLeft.some((m, i) => (i === 0 || m !== null) && targetModelsEqual(kind, liveModel, m));
  const write = (reason: string, drift?: SettingChange[]): ChangeDecision => ({
    action: 'write',
    intended: before,
    op: restoreOp(change, live),
    reason,
    changes,
    ...(drift ? { drift } : {}),
  });
  if (matchesQms) return write('live state is what qms applied');
  if (isMaybeWritten(change)) return write(`maybe written by an interrupted run (${change.status}); live differs from the before-state`);
  const reference = change.afterModel ?? change.intendedModel ?? null;
  const drift = diffTargetModels(kind, reference, liveModel, change.targetKey);
  if (options.force) return write('changed by someone else since qms applied it; restored because of --force', drift);
  return {
    action: 'skip_drift',
    reason: 'changed by someone else since qms applied it; not overwritten (use --force to restore anyway)',
    changes,
    drift,
  };
}

/** The decision for one planned change against its target's live state (pure). */
export function decideChange(change: PlannedChange, live: LiveTarget): ChangeDecision {
  const { intent } = change;
  if (intent.mode === 'restore') return decideRestore(intent.undo, live, { force: intent.force });
  const current = live.exists ? live.model : null;
  let intended: unknown;
  let op: WriteOp;
  switch (intent.mode) {
    case 'tighten': {
      if (change.kind !== 'classic_protection' && change.kind !== 'protection_rule') throw new Error(`internal: tighten on ${change.kind}`);
      const next = desiredProtection(current as BranchProtection | null, intent.floor);
      intended = next;
      op =
        change.kind === 'classic_protection'
          ? { kind: 'put_classic', model: next }
          : live.exists && live.nodeId !== null
            ? { kind: 'update_rule', ruleId: live.nodeId, model: next }
            : { kind: 'create_rule', model: next };
      break;
    }
    case 'merge': {
      if (change.kind !== 'merge_settings' || current === null) throw new Error(`internal: merge settings of ${change.repo} were not read`);
      const next = desiredMergeSettings(current as MergeSettings, intent.merge);
      intended = next;
      op = { kind: 'patch_merge', model: next };
      break;
    }
    case 'set': {
      if (change.kind !== 'custom_property') throw new Error(`internal: set on ${change.kind}`);
      intended = intent.value;
      op = { kind: 'set_property', name: change.key, value: intent.value };
      break;
    }
    case 'status': {
      if (change.kind !== 'commit_status') throw new Error(`internal: status on ${change.kind}`);
      const { sha, context } = parseCommitStatusKey(change.key);
      intended = normalizeStatus(intent.status);
      op = { kind: 'post_status', sha, context, status: normalizeStatus(intent.status) };
      break;
    }
  }
  if (live.exists && targetModelsEqual(change.kind, current, intended)) return { action: 'unchanged', reason: 'already as intended' };
  if (!live.exists && change.kind === 'custom_property' && (intended ?? null) === null)
    return { action: 'unchanged', reason: 'already unset' };
  return {
    action: 'write',
    intended,
    op,
    reason: 'differs from the intent',
    changes: diffTargetModels(change.kind, current, intended, change.key),
  };
}

/** Restore changes in undo order: newest first, so a target changed twice ends at its oldest before-state. */
export function orderForRollback<T extends Pick<StoredChange, 'seq'>>(changes: readonly T[]): T[] {
  return [...changes].sort((a, b) => b.seq - a.seq);
}
