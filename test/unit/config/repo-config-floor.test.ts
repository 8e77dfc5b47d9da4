import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import type { RepoConfig } from '../../../src/core/policy.js';
import { compareRepoConfigToTier, effectiveTierProfile } from '../../../src/core/repo-config-floor.js';

const tiers = defaultPolicy().tiers;
const mc = tiers['mission_critical']!;
const st = tiers['standard']!;
const ex = tiers['experimental']!;

describe('compareRepoConfigToTier', () => {
  it('a config that repeats the tier is not looser', () => {
    const config: RepoConfig = {
      repository: { tier: 'mission_critical' },
      branchProtection: { targetBranches: ['main', 'release/*', 'hotfix/*'] },
      statusChecks: {
        enabledChecks: [...mc.checks],
        bypassControls: { level1Enabled: false, level2Enabled: true, level3Enabled: true, emergencyEnabled: true },
      },
      reviewRequirements: { requiredReviewers: 2, requireCodeOwnerReviews: true },
      mergeRestrictions: {
        requireUpToDate: true,
        requireLinearHistory: true,
        allowSquashMerge: false,
        allowMergeCommit: true,
        allowRebaseMerge: false,
      },
    };
    expect(compareRepoConfigToTier(config, mc, { defaultBranch: 'main' })).toEqual([]);
  });

  it('lists every looser setting with tier and repo values', () => {
    const config: RepoConfig = {
      repository: { tier: 'mission_critical' },
      branchProtection: { targetBranches: ['main'] },
      statusChecks: { enabledChecks: ['qms/dor-validation'], bypassControls: { level1Enabled: true } },
      reviewRequirements: { requiredReviewers: 1, requireCodeOwnerReviews: false },
      mergeRestrictions: { requireUpToDate: false, requireLinearHistory: false, allowSquashMerge: true },
    };
    const looser = compareRepoConfigToTier(config, mc, { defaultBranch: 'main' });
    expect(looser.map((l) => [l.setting, l.tierValue, l.repoValue, l.branches])).toEqual([
      ['review_requirements.required_reviewers', 2, 1, ['~DEFAULT_BRANCH', 'release/*', 'hotfix/*']],
      ['review_requirements.require_code_owner_reviews', true, false, ['~DEFAULT_BRANCH', 'release/*', 'hotfix/*']],
      ['merge_restrictions.require_up_to_date', true, false, ['~DEFAULT_BRANCH', 'release/*', 'hotfix/*']],
      ['merge_restrictions.require_linear_history', true, false, ['~DEFAULT_BRANCH', 'release/*', 'hotfix/*']],
      ['merge_restrictions.allow_squash_merge', false, true, []],
      ['status_checks.enabled_checks', [...mc.checks], ['qms/dor-validation'], []],
      ['status_checks.bypass_controls.level_1_enabled', false, true, []],
      ['branch_protection.target_branches', ['~DEFAULT_BRANCH', 'release/*', 'hotfix/*'], ['main'], ['release/*', 'hotfix/*']],
    ]);
    expect(looser[0]!.message).toBe(
      'required_reviewers is 1 but tier "mission_critical" requires at least 2 on ~DEFAULT_BRANCH, release/*, hotfix/*',
    );
    expect(looser[0]!.pointer).toBe('/review_requirements/required_reviewers');
    expect(looser[5]!.message).toBe(
      'enabled_checks leaves out qms/security-scan-critical, qms/code-quality-gate, qms/compliance-audit, qms/dod-validation, which tier "mission_critical" requires',
    );
  });

  it('matches ~DEFAULT_BRANCH to the real default branch name when known', () => {
    const config: RepoConfig = { repository: { tier: 'standard' }, branchProtection: { targetBranches: ['main'] } };
    expect(compareRepoConfigToTier(config, st, { defaultBranch: 'main' })).toEqual([]);
    expect(compareRepoConfigToTier(config, st, { defaultBranch: 'trunk' }).map((l) => l.branches)).toEqual([['~DEFAULT_BRANCH']]);
    // Unknown default branch: an exact name is taken to be it.
    expect(compareRepoConfigToTier(config, st)).toEqual([]);
    expect(
      compareRepoConfigToTier({ repository: { tier: 'standard' }, branchProtection: { targetBranches: ['release/*'] } }, st),
    ).toHaveLength(1);
  });

  it('only branches whose floor is stricter are named', () => {
    const config: RepoConfig = { repository: { tier: 'standard' }, reviewRequirements: { requiredReviewers: 0 } };
    expect(compareRepoConfigToTier(config, st).map((l) => [l.tierValue, l.branches])).toEqual([[1, ['~DEFAULT_BRANCH']]]);
    expect(compareRepoConfigToTier(config, ex)).toEqual([]);
  });
});

describe('effectiveTierProfile', () => {
  it('applies tightenings and ignores loosenings', () => {
    const config: RepoConfig = {
      repository: { tier: 'standard' },
      branchProtection: { targetBranches: ['main', 'develop'] },
      statusChecks: { enabledChecks: ['docs/link-check'], bypassControls: { level2Enabled: false, emergencyEnabled: true } },
      reviewRequirements: { requiredReviewers: 3, requireCodeOwnerReviews: true },
      mergeRestrictions: { requireUpToDate: true, requireLinearHistory: true, allowMergeCommit: false },
    };
    const eff = effectiveTierProfile(st, config, { defaultBranch: 'main' });
    expect(eff.branches.map((b) => b.pattern)).toEqual(['~DEFAULT_BRANCH', 'develop']);
    for (const b of eff.branches) {
      expect(b.protection.requiredReviews).toEqual({
        requiredApprovingReviewCount: 3,
        requireCodeOwnerReviews: true,
        dismissStaleReviews: true,
        requireLastPushApproval: false,
      });
      expect(b.protection.requiredStatusChecks).toEqual({
        contexts: ['qms/dor-validation', 'qms/security-scan-critical', 'qms/code-quality-gate', 'docs/link-check'],
        strict: true,
      });
      expect(b.protection.requireLinearHistory).toBe(true);
    }
    expect(eff.merge).toEqual({ allowMergeCommit: false });
    expect(eff.checks).toContain('docs/link-check');
    // level 2 turned off (tighter); emergency turned on but not in the tier (looser): ignored.
    expect(eff.bypassLevels).toEqual(['level_1_lead']);
    // The tier itself is untouched.
    expect(st.branches[0]!.protection.requiredReviews!.requiredApprovingReviewCount).toBe(1);
  });

  it('never lowers the floor', () => {
    const config: RepoConfig = {
      repository: { tier: 'mission_critical' },
      reviewRequirements: { requiredReviewers: 0, requireCodeOwnerReviews: false },
      mergeRestrictions: { requireUpToDate: false, requireLinearHistory: false, allowSquashMerge: true },
      statusChecks: { enabledChecks: [], bypassControls: { level1Enabled: true } },
    };
    const eff = effectiveTierProfile(mc, config);
    expect(eff).toEqual(mc);
  });

  it('keeps the tier merge methods when the repo config would leave none usable', () => {
    // Seed §4.1: squash off, rebase off, linear history on.
    const config: RepoConfig = {
      repository: { tier: 'mission_critical' },
      mergeRestrictions: { requireLinearHistory: true, allowSquashMerge: false, allowMergeCommit: true, allowRebaseMerge: false },
    };
    expect(effectiveTierProfile(mc, config).merge).toEqual(mc.merge);
    // Turning off merge commits alone is a usable tightening.
    expect(
      effectiveTierProfile(mc, { repository: { tier: 'mission_critical' }, mergeRestrictions: { allowMergeCommit: false } }).merge,
    ).toEqual({
      allowSquashMerge: false,
      allowMergeCommit: false,
      allowRebaseMerge: true,
    });
  });

  it('an extra branch gets the tightened default-branch profile', () => {
    const eff = effectiveTierProfile(ex, {
      repository: { tier: 'experimental' },
      branchProtection: { targetBranches: ['gh-pages'] },
      reviewRequirements: { requiredReviewers: 1 },
    });
    expect(eff.branches).toEqual([
      {
        pattern: '~DEFAULT_BRANCH',
        protection: { allowForcePushes: false, allowDeletions: false, requiredReviews: { requiredApprovingReviewCount: 1 } },
      },
      {
        pattern: 'gh-pages',
        protection: { allowForcePushes: false, allowDeletions: false, requiredReviews: { requiredApprovingReviewCount: 1 } },
      },
    ]);
  });

  it('a tightened profile compares as not looser than its tier', () => {
    const config: RepoConfig = {
      repository: { tier: 'standard' },
      reviewRequirements: { requiredReviewers: 2 },
      statusChecks: { enabledChecks: [...st.checks, 'x/y'] },
    };
    expect(compareRepoConfigToTier(config, effectiveTierProfile(st, config))).toEqual([]);
  });
});
