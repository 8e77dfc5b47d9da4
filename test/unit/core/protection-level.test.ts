import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { desiredProtection } from '../../../src/core/desired-protection.js';
import { effectiveProtection } from '../../../src/core/effective-protection.js';
import { createLiveState } from '../../../src/core/live-state.js';
import { BUILTIN_LEVEL_NAMES, resolveFloorForBranch, deriveProtectionLevel } from '../../../src/core/protection-level.js';
import type { TierPolicy } from '../../../src/core/policy.js';
import { classicRule, graphqlState, protection, repoInfo, reviews, ruleset, smallPolicy, tier } from './helpers.js';

function levelOf(p: ReturnType<typeof protection> | null, tiers: Record<string, TierPolicy>) {
  const repo = repoInfo();
  const live = graphqlState(repo, { classicRules: p ? [classicRule('main', p)] : [] });
  return deriveProtectionLevel(effectiveProtection(live, 'main'), tiers, 'main');
}

describe('deriveProtectionLevel', () => {
  it('maps each built-in tier’s floor to its grade (seed tiers)', () => {
    const tiers = defaultPolicy().tiers;
    for (const [name, t] of Object.entries(tiers)) {
      const floor = resolveFloorForBranch(t.branches, 'main', 'main');
      expect(floor).not.toBeNull();
      const result = levelOf(desiredProtection(null, floor!), tiers);
      expect(result.level).toBe(BUILTIN_LEVEL_NAMES[name]);
      expect(result.tier).toBe(name);
    }
  });

  it('is none when nothing protects the branch, and when it is below every floor', () => {
    const tiers = smallPolicy().tiers;
    expect(levelOf(null, tiers)).toMatchObject({ level: 'none', reason: expect.stringMatching(/No classic rule or ruleset/) });
    const weak = levelOf(protection({ allowForcePushes: true, requiredReviews: reviews(1) }), tiers);
    expect(weak).toMatchObject({ level: 'none', reason: expect.stringMatching(/below every tier/) });
  });

  it('picks the highest tier met and works for custom tiers by rank', () => {
    const base = smallPolicy().tiers;
    const tiers = {
      ...base,
      silver: tier('silver', 15, { requiredReviews: { requiredApprovingReviewCount: 1 }, allowForcePushes: false }),
    };
    expect(levelOf(protection({ requiredReviews: reviews(1) }), tiers)).toMatchObject({ level: 'silver', tier: 'silver' });
    expect(levelOf(protection(), tiers)).toMatchObject({ level: 'bronze' }); // bronze is not a built-in name: its own name
  });

  it('counts ruleset protection too', () => {
    const tiers = smallPolicy().tiers;
    const live = graphqlState(repoInfo(), { rulesets: [ruleset({ rules: [{ type: 'non_fast_forward' }] })] });
    expect(deriveProtectionLevel(effectiveProtection(live, 'main'), tiers, 'main').level).toBe('bronze');
  });

  it('is unknown when protection cannot be seen and not_applicable on a plan without it', () => {
    const tiers = smallPolicy().tiers;
    const hidden = graphqlState(repoInfo(), { access: 'read-only' });
    expect(deriveProtectionLevel(effectiveProtection(hidden, 'main'), tiers, 'main').level).toBe('unknown');
    const plan = createLiveState(repoInfo(), { access: 'plan-unavailable' });
    expect(deriveProtectionLevel(effectiveProtection(plan, 'main'), tiers, 'main').level).toBe('not_applicable');
  });
});
