import { describe, expect, it } from 'vitest';
import {
  desiredMergeSettings,
  desiredProtection,
  meetsProfile,
  mergeProfiles,
  listMergeSettingsDeviations,
  listProfileDeviations,
} from '../../../src/core/desired-protection.js';
import type { ProtectionProfile } from '../../../src/core/policy.js';
import {
  baseRuleProtection,
  normalizeProtection,
  protectionEquals,
  type ActorLists,
  type BranchProtection,
} from '../../../src/core/protection.js';
import { prng, protection, reviews } from './helpers.js';

const CONTEXTS = ['qms/dor-validation', 'qms/security-scan-critical', 'qms/code-quality-gate', 'ci/build', 'ci/lint'];

function generators(seed: number) {
  const rnd = prng(seed);
  const bool = (p = 0.5) => rnd() < p;
  const int = (n: number) => Math.floor(rnd() * n);
  const subset = (xs: readonly string[]) => xs.filter(() => bool(0.4));
  const actors = (): ActorLists | null =>
    bool(0.7) ? null : { users: subset(['ann', 'bob', 'cy']), teams: subset(['core', 'sec']), apps: subset(['bot']) };
  const protectionOf = (): BranchProtection => ({
    requiredReviews: bool(0.3)
      ? null
      : {
          requiredApprovingReviewCount: int(7),
          requireCodeOwnerReviews: bool(),
          dismissStaleReviews: bool(),
          requireLastPushApproval: bool(),
          dismissalRestrictions: actors(),
          bypassAllowances: actors(),
        },
    requiredStatusChecks: bool(0.3)
      ? null
      : { strict: bool(), checks: subset(CONTEXTS).map((context) => ({ context, appId: bool(0.6) ? null : 1000 + int(3) })) },
    enforceAdmins: bool(),
    requireLinearHistory: bool(),
    allowForcePushes: bool(),
    allowDeletions: bool(),
    blockCreations: bool(0.2),
    requireConversationResolution: bool(),
    requireSignedCommits: bool(0.2),
    lockBranch: bool(0.1),
    allowForkSyncing: bool(0.1),
    restrictions: actors(),
  });
  const optBool = () => (bool(0.5) ? undefined : bool(0.7));
  const profileOf = (): ProtectionProfile => {
    const p: ProtectionProfile = {};
    if (bool(0.7)) {
      p.requiredReviews = { requiredApprovingReviewCount: int(4) };
      const co = optBool();
      const st = optBool();
      const lp = optBool();
      if (co !== undefined) p.requiredReviews.requireCodeOwnerReviews = co;
      if (st !== undefined) p.requiredReviews.dismissStaleReviews = st;
      if (lp !== undefined) p.requiredReviews.requireLastPushApproval = lp;
    }
    if (bool(0.7)) {
      p.requiredStatusChecks = { contexts: subset(CONTEXTS) };
      const strict = optBool();
      if (strict !== undefined) p.requiredStatusChecks.strict = strict;
    }
    for (const k of ['enforceAdmins', 'requireLinearHistory', 'requireConversationResolution', 'requireSignedCommits'] as const) {
      const v = optBool();
      if (v !== undefined) p[k] = v;
    }
    for (const k of ['allowForcePushes', 'allowDeletions'] as const) {
      const v = optBool();
      if (v !== undefined) p[k] = !v;
    }
    return p;
  };
  return { protectionOf, profileOf, bool };
}

const checkKeys = (p: BranchProtection) => new Set((p.requiredStatusChecks?.checks ?? []).map((c) => `${c.context}@${c.appId}`));

describe('desiredProtection (property-style, seeded)', () => {
  const N = 600;

  it('is idempotent, meets the floor, and never loosens anything', () => {
    const { protectionOf, profileOf, bool } = generators(7);
    for (let i = 0; i < N; i++) {
      const x = bool(0.15) ? null : protectionOf();
      const p = profileOf();
      const d = desiredProtection(x, p);
      expect(desiredProtection(d, p)).toEqual(d);
      expect(listProfileDeviations(d, p)).toEqual([]);

      const before = normalizeProtection(x ?? baseRuleProtection());
      // Tighten only: every stricter existing setting survives.
      expect(d.requiredReviews === null).toBe(before.requiredReviews === null && p.requiredReviews === undefined);
      if (before.requiredReviews) {
        const r = d.requiredReviews!;
        expect(r.requiredApprovingReviewCount).toBeGreaterThanOrEqual(before.requiredReviews.requiredApprovingReviewCount);
        if (before.requiredReviews.requireCodeOwnerReviews) expect(r.requireCodeOwnerReviews).toBe(true);
        if (before.requiredReviews.dismissStaleReviews) expect(r.dismissStaleReviews).toBe(true);
        if (before.requiredReviews.requireLastPushApproval) expect(r.requireLastPushApproval).toBe(true);
        expect(r.dismissalRestrictions).toEqual(before.requiredReviews.dismissalRestrictions);
        expect(r.bypassAllowances).toEqual(before.requiredReviews.bypassAllowances);
      }
      for (const k of checkKeys(before)) expect(checkKeys(d).has(k)).toBe(true);
      if (before.requiredStatusChecks?.strict) expect(d.requiredStatusChecks?.strict).toBe(true);
      for (const k of ['enforceAdmins', 'requireLinearHistory', 'requireConversationResolution', 'requireSignedCommits'] as const) {
        if (before[k]) expect(d[k]).toBe(true);
        if (p[k] !== true) expect(d[k]).toBe(before[k]); // untouched when the floor does not ask
      }
      for (const k of ['allowForcePushes', 'allowDeletions'] as const) {
        if (!before[k]) expect(d[k]).toBe(false);
        if (p[k] !== false) expect(d[k]).toBe(before[k]);
      }
      expect(d.restrictions).toEqual(before.restrictions);
      expect(d.lockBranch).toBe(before.lockBranch);
      expect(d.blockCreations).toBe(before.blockCreations);
      expect(d.allowForkSyncing).toBe(before.allowForkSyncing);
      // Newly required contexts accept any source (PAT-posted qms/* statuses).
      for (const c of d.requiredStatusChecks?.checks ?? []) {
        if (!(before.requiredStatusChecks?.checks ?? []).some((b) => b.context === c.context)) expect(c.appId).toBeNull();
      }
    }
  });

  it('returns an already-compliant protection unchanged', () => {
    const { protectionOf, profileOf } = generators(11);
    let compliant = 0;
    for (let i = 0; i < N; i++) {
      const x = protectionOf();
      const p = profileOf();
      if (!meetsProfile(x, p)) continue;
      compliant++;
      expect(protectionEquals(desiredProtection(x, p), x)).toBe(true);
    }
    expect(compliant).toBeGreaterThan(10);
  });

  it('merged floors demand exactly what both floors demand', () => {
    const { protectionOf, profileOf } = generators(13);
    for (let i = 0; i < N; i++) {
      const a = profileOf();
      const b = profileOf();
      const x = protectionOf();
      expect(meetsProfile(x, mergeProfiles(a, b))).toBe(meetsProfile(x, a) && meetsProfile(x, b));
    }
  });
});

describe('desiredProtection examples', () => {
  const floor: ProtectionProfile = {
    requiredReviews: { requiredApprovingReviewCount: 2, requireCodeOwnerReviews: true },
    requiredStatusChecks: { contexts: ['qms/dor-validation', 'ci/build'], strict: true },
    enforceAdmins: true,
    allowForcePushes: false,
  };

  it('creates a rule from nothing: GitHub’s new-rule defaults plus the floor', () => {
    const d = desiredProtection(null, floor);
    expect(d.requiredReviews).toMatchObject({ requiredApprovingReviewCount: 2, requireCodeOwnerReviews: true, dismissStaleReviews: false });
    expect(d.requiredStatusChecks).toEqual({
      strict: true,
      checks: [
        { context: 'ci/build', appId: null },
        { context: 'qms/dor-validation', appId: null },
      ],
    });
    expect(d).toMatchObject({ enforceAdmins: true, allowForcePushes: false, allowDeletions: false });
  });

  it('keeps extra checks, their app pins, higher counts and restrictions', () => {
    const x = protection({
      requiredReviews: reviews(4, { dismissalRestrictions: { users: ['ann'], teams: [], apps: [] } }),
      requiredStatusChecks: {
        strict: false,
        checks: [
          { context: 'ci/build', appId: 15368 },
          { context: 'e2e', appId: null },
        ],
      },
      restrictions: { users: [], teams: ['release-managers'], apps: [] },
      allowDeletions: true,
    });
    const d = desiredProtection(x, floor);
    expect(d.requiredReviews?.requiredApprovingReviewCount).toBe(4);
    expect(d.requiredReviews?.dismissalRestrictions).toEqual({ users: ['ann'], teams: [], apps: [] });
    expect(d.requiredStatusChecks?.checks).toEqual([
      { context: 'ci/build', appId: 15368 },
      { context: 'e2e', appId: null },
      { context: 'qms/dor-validation', appId: null },
    ]);
    expect(d.restrictions).toEqual({ users: [], teams: ['release-managers'], apps: [] });
    expect(d.allowDeletions).toBe(true); // the floor does not ask, so it is not touched
  });
});

describe('listProfileDeviations', () => {
  it('reports a missing PR requirement once, plus each required review option, and each missing check', () => {
    const d = listProfileDeviations(protection(), {
      requiredReviews: { requiredApprovingReviewCount: 2, requireCodeOwnerReviews: true, dismissStaleReviews: false },
      requiredStatusChecks: { contexts: ['b', 'a'] },
    });
    expect(d).toEqual([
      { setting: 'requiredReviews', expected: true, actual: false },
      { setting: 'requiredReviews.requireCodeOwnerReviews', expected: true, actual: false },
      { setting: 'requiredStatusChecks.contexts', expected: 'a', actual: null },
      { setting: 'requiredStatusChecks.contexts', expected: 'b', actual: null },
    ]);
  });

  it('treats false in a floor as "not required", never as "must be off"', () => {
    const x = protection({ enforceAdmins: true, requireSignedCommits: true, allowForcePushes: true });
    expect(listProfileDeviations(x, { enforceAdmins: false, requireSignedCommits: false, allowForcePushes: true })).toEqual([]);
  });
});

describe('desiredMergeSettings', () => {
  const current = { allowSquashMerge: true, allowMergeCommit: true, allowRebaseMerge: false };

  it('sets exactly the keys the tier names', () => {
    expect(desiredMergeSettings(current, { allowSquashMerge: false, allowRebaseMerge: true })).toEqual({
      allowSquashMerge: false,
      allowMergeCommit: true,
      allowRebaseMerge: true,
    });
    expect(desiredMergeSettings(current, {})).toEqual(current);
    expect(listMergeSettingsDeviations(current, { allowSquashMerge: false, allowMergeCommit: true })).toEqual([
      { setting: 'allowSquashMerge', expected: false, actual: true },
    ]);
  });

  it('is idempotent and never disables every merge method', () => {
    const want = { allowSquashMerge: false, allowMergeCommit: true };
    const once = desiredMergeSettings(current, want);
    expect(desiredMergeSettings(once, want)).toEqual(once);
    expect(desiredMergeSettings(current, { allowSquashMerge: false, allowMergeCommit: false })).toEqual(current);
  });
});
