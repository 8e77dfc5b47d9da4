import { describe, expect, it } from 'vitest';
import { desiredProtection } from '../../../src/core/desired-protection.js';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { baseRuleProtection, type BranchProtection, type MergeSettings } from '../../../src/core/protection.js';
import {
  buildRollbackPlan,
  decideRollback,
  isMaybeWritten,
  orderForRollback,
  summarizeRollbackPlan,
  type LiveTarget,
  type StoredChange,
} from '../../../src/core/rollback-plan.js';
import { protection, reviews } from '../core/helpers.js';

const floor = defaultPolicy().tiers['standard']!.branches[0]!.protection;
const weak = protection({ requiredReviews: reviews(1) });
const strong = desiredProtection(weak, floor);

function change(overrides: Partial<StoredChange> = {}): StoredChange {
  return {
    id: 1,
    changeSetId: 10,
    seq: 1,
    repo: 'acme/svc',
    targetKind: 'classic_protection',
    targetKey: 'main',
    targetNodeId: 'BPR_main',
    status: 'verified',
    beforeState: { url: 'x' },
    beforeModel: weak,
    intendedModel: strong,
    afterModel: strong,
    ...overrides,
  };
}

const live = (model: BranchProtection | MergeSettings | null, extra: Partial<LiveTarget> = {}): LiveTarget => ({
  exists: model !== null,
  model,
  raw: model === null ? null : {},
  nodeId: model === null ? null : 'BPR_main',
  beforeRulePattern: 'main',
  ...extra,
});

describe('decideRollback', () => {
  it('restores by PUT when live is what qms applied', () => {
    const d = decideRollback(change(), live(strong));
    expect(d.decision).toBe('restore');
    expect(d.write).toEqual({ kind: 'put_classic', model: weak });
    expect(d.changes.length).toBeGreaterThan(0);
  });

  it('deletes the classic rule when nothing protected the branch before', () => {
    const d = decideRollback(change({ beforeState: null, beforeModel: null, targetNodeId: null }), live(strong));
    expect(d.write).toEqual({ kind: 'delete_classic' });
  });

  it('deletes the exact-name rule when the before-state came from a wildcard rule', () => {
    const d = decideRollback(change({ targetNodeId: 'BPR_wild' }), live(strong, { beforeRulePattern: 'ma*' }));
    expect(d.write).toEqual({ kind: 'delete_classic' });
    // the wildcard rule gone since: never delete protection on a guess, PUT the before-state back
    const gone = decideRollback(change({ targetNodeId: 'BPR_wild' }), live(strong, { beforeRulePattern: null }));
    expect(gone.write).toEqual({ kind: 'put_classic', model: weak });
  });

  it('does nothing when live already equals the before-state', () => {
    expect(decideRollback(change(), live(weak)).decision).toBe('already_restored');
    expect(decideRollback(change({ status: 'pending', beforeModel: null, beforeState: null }), live(null)).decision).toBe(
      'already_restored',
    );
  });

  it('skips drift unless forced, and says what differs', () => {
    const someoneElses = { ...strong, lockBranch: true };
    const d = decideRollback(change(), live(someoneElses));
    expect(d.decision).toBe('skip_drift');
    expect(d.write).toBeUndefined();
    expect(d.drift).toEqual([{ op: '~', setting: 'lockBranch', before: false, after: true }]);
    const forced = decideRollback(change(), live(someoneElses), { force: true });
    expect(forced.decision).toBe('restore');
    expect(forced.write).toEqual({ kind: 'put_classic', model: weak });
  });

  it('treats pending and failed-without-read-back changes as maybe written: restore when live differs', () => {
    const halfWritten = { ...strong, requireSignedCommits: !strong.requireSignedCommits };
    expect(isMaybeWritten({ status: 'pending', afterModel: null })).toBe(true);
    expect(isMaybeWritten({ status: 'failed', afterModel: null })).toBe(true);
    expect(isMaybeWritten({ status: 'failed', afterModel: strong })).toBe(false);
    expect(decideRollback(change({ status: 'pending', afterModel: null }), live(halfWritten)).decision).toBe('restore');
    expect(decideRollback(change({ status: 'failed', afterModel: null }), live(halfWritten)).decision).toBe('restore');
    expect(decideRollback(change({ status: 'failed', afterModel: strong }), live(halfWritten)).decision).toBe('skip_drift');
  });

  it('undoes pattern rules: delete the rule qms created, update one it changed, re-create only when forced', () => {
    const created = change({
      targetKind: 'protection_rule',
      targetKey: 'release/*',
      targetNodeId: null,
      beforeState: null,
      beforeModel: null,
    });
    expect(decideRollback(created, live(strong, { nodeId: 'BPR_new' })).write).toEqual({ kind: 'delete_rule', ruleId: 'BPR_new' });
    const updated = change({ targetKind: 'protection_rule', targetKey: 'release/*', targetNodeId: 'BPR_rel' });
    expect(decideRollback(updated, live(strong, { nodeId: 'BPR_rel' })).write).toEqual({
      kind: 'update_rule',
      ruleId: 'BPR_rel',
      model: weak,
    });
    expect(decideRollback(updated, live(null)).decision).toBe('skip_drift');
    expect(decideRollback(updated, live(null), { force: true }).write).toEqual({ kind: 'create_rule', model: weak });
  });

  it('patches merge settings back', () => {
    const before: MergeSettings = { allowSquashMerge: true, allowMergeCommit: true, allowRebaseMerge: false };
    const after: MergeSettings = { allowSquashMerge: false, allowMergeCommit: true, allowRebaseMerge: true };
    const c = change({
      targetKind: 'merge_settings',
      targetKey: '',
      targetNodeId: null,
      beforeModel: before,
      intendedModel: after,
      afterModel: after,
    });
    const d = decideRollback(c, live(after));
    expect(d.write).toEqual({ kind: 'patch_merge', model: before });
    expect(d.changes).toEqual([
      { op: '~', setting: 'allowRebaseMerge', before: true, after: false },
      { op: '~', setting: 'allowSquashMerge', before: false, after: true },
    ]);
  });

  it('has nothing to undo for restored or drift-skipped changes, and refuses unknown kinds', () => {
    expect(decideRollback(change({ status: 'restored' }), live(strong)).decision).toBe('nothing_to_undo');
    expect(decideRollback(change({ status: 'skipped_drift' }), live(strong)).decision).toBe('nothing_to_undo');
    expect(decideRollback(change({ targetKind: 'ruleset' }), live(strong)).decision).toBe('unsupported');
  });
});

describe('buildRollbackPlan', () => {
  it('undoes newest first and counts decisions', () => {
    const changes = [
      change({ id: 1, seq: 1 }),
      change({ id: 2, seq: 2, targetKind: 'protection_rule', targetKey: 'release/*', beforeModel: null, beforeState: null }),
      change({ id: 3, seq: 3, targetKind: 'merge_settings', targetKey: '', status: 'restored' }),
    ];
    expect(orderForRollback(changes).map((c) => c.seq)).toEqual([3, 2, 1]);
    const lives = new Map<number, LiveTarget>([
      [1, live(weak)],
      [2, live(baseRuleProtection(), { nodeId: 'BPR_x' })],
    ]);
    const p = buildRollbackPlan(10, changes, lives);
    expect(p.steps.map((s) => [s.changeId, s.decision])).toEqual([
      [3, 'nothing_to_undo'],
      [2, 'skip_drift'],
      [1, 'already_restored'],
    ]);
    expect(summarizeRollbackPlan(p)).toEqual({
      restore: 0,
      already_restored: 1,
      skip_drift: 1,
      nothing_to_undo: 1,
      unsupported: 0,
      unknown: 0,
    });
  });

  it('a target it could not read is unknown, never already restored (even when nothing existed before)', () => {
    const created = change({ beforeModel: null, beforeState: null });
    const p = buildRollbackPlan(10, [created], new Map([[created.id, { unreadable: 'connection refused' }]]));
    expect(p.steps.map((s) => [s.decision, s.reason])).toEqual([['unknown', 'the live state cannot be read: connection refused']]);
    expect(summarizeRollbackPlan(p).unknown).toBe(1);
  });

  it('needs a live state for every change it may write', () => {
    expect(() => buildRollbackPlan(10, [change()], new Map())).toThrow(/no live state/);
  });
});
