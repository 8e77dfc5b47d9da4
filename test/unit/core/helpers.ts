/** In-memory builders for core tests: repositories, rules, rulesets, small policies. */
import type { ProtectionRule, RepoInfo, Ruleset, RulesetRule } from '../../../src/core/github-types.js';
import { createLiveState, type RepoLiveState } from '../../../src/core/live-state.js';
import type { ProtectionProfile, QmsPolicy, TierPolicy } from '../../../src/core/policy.js';
import { baseRuleProtection, type BranchProtection } from '../../../src/core/protection.js';

export function repoInfo(overrides: Partial<RepoInfo> = {}): RepoInfo {
  const name = overrides.name ?? 'svc';
  const owner = overrides.owner ?? 'acme';
  return {
    owner,
    name,
    id: 1001,
    nodeId: 'R_1001',
    ownerType: 'Organization',
    fullName: `${owner}/${name}`,
    visibility: 'private',
    archived: false,
    disabled: false,
    fork: false,
    empty: false,
    defaultBranch: 'main',
    topics: [],
    language: 'TypeScript',
    customProperties: {},
    viewerPermission: 'admin',
    merge: { allowSquashMerge: true, allowMergeCommit: true, allowRebaseMerge: true },
    ...overrides,
  };
}

/** An admin-visible state read by the GraphQL reader: rules with patterns, rulesets with conditions. */
export function graphqlState(repo: RepoInfo, fields: Partial<RepoLiveState> = {}): RepoLiveState {
  return createLiveState(repo, {
    reader: 'graphql',
    access: 'admin',
    branches: [repo.defaultBranch],
    classicRules: [],
    rulesets: [],
    customProperties: repo.customProperties,
    repoConfigFile: { kind: 'absent' },
    ...fields,
  });
}

export function protection(overrides: Partial<BranchProtection> = {}): BranchProtection {
  return { ...baseRuleProtection(), ...overrides };
}

export function reviews(
  count: number,
  extra: Partial<NonNullable<BranchProtection['requiredReviews']>> = {},
): BranchProtection['requiredReviews'] {
  return {
    requiredApprovingReviewCount: count,
    requireCodeOwnerReviews: false,
    dismissStaleReviews: false,
    requireLastPushApproval: false,
    dismissalRestrictions: null,
    bypassAllowances: null,
    ...extra,
  };
}

let ruleSeq = 0;
export function classicRule(pattern: string, p: BranchProtection, matchingBranches?: string[]): ProtectionRule {
  ruleSeq += 1;
  const rule: ProtectionRule = { id: `BPR_${ruleSeq}`, pattern, protection: p, raw: { pattern } };
  if (matchingBranches) rule.matchingBranches = matchingBranches;
  return rule;
}

export function prRule(count: number, extra: Partial<Extract<RulesetRule, { type: 'pull_request' }>> = {}): RulesetRule {
  return {
    type: 'pull_request',
    requiredApprovingReviewCount: count,
    dismissStaleReviewsOnPush: false,
    requireCodeOwnerReview: false,
    requireLastPushApproval: false,
    requiredReviewThreadResolution: false,
    ...extra,
  };
}

export function checksRule(contexts: string[], strict = false, integrationId: number | null = null): RulesetRule {
  return { type: 'required_status_checks', strict, checks: contexts.map((context) => ({ context, integrationId })) };
}

let rulesetSeq = 100;
export function ruleset(overrides: Partial<Ruleset> & { rules: RulesetRule[] }): Ruleset {
  rulesetSeq += 1;
  return {
    id: rulesetSeq,
    name: `ruleset-${rulesetSeq}`,
    target: 'branch',
    enforcement: 'active',
    source: { type: 'Repository', name: 'acme/svc' },
    refName: { include: ['~DEFAULT_BRANCH'], exclude: [] },
    bypassActors: [],
    raw: {},
    ...overrides,
  };
}

export function orgRuleset(overrides: Partial<Ruleset> & { rules: RulesetRule[] }): Ruleset {
  return ruleset({ source: { type: 'Organization', name: 'acme' }, ...overrides });
}

export function tier(name: string, rank: number, profile: ProtectionProfile, extra: Partial<TierPolicy> = {}): TierPolicy {
  return {
    name,
    description: name,
    rank,
    branches: [{ pattern: '~DEFAULT_BRANCH', protection: profile }],
    merge: {},
    checks: [],
    bypassLevels: [],
    ...extra,
  };
}

/** A small two-tier policy: `gold` (2 reviews, checks, admins, no force pushes) and `bronze`. */
export function smallPolicy(overrides: Partial<QmsPolicy> = {}): QmsPolicy {
  return {
    version: 1,
    defaultTier: 'bronze',
    tiers: {
      gold: tier('gold', 20, {
        requiredReviews: { requiredApprovingReviewCount: 2, requireCodeOwnerReviews: true },
        requiredStatusChecks: { contexts: ['qms/dor-validation'], strict: true },
        enforceAdmins: true,
        requireLinearHistory: true,
        allowForcePushes: false,
        allowDeletions: false,
      }),
      bronze: tier('bronze', 10, { allowForcePushes: false }),
    },
    classification: [],
    pilotRepositories: [],
    roles: {},
    bypassLevels: {},
    reviewAssignment: {
      weights: { expertiseMatch: 0.4, workloadBalance: 0.3, availability: 0.2, contextPreservation: 0.1 },
      expertise: {},
      maxConcurrentReviews: 5,
    },
    global: {
      compliance: { auditRetentionDays: 1, regulatoryFrameworks: [], requiredDocumentation: [] },
      securityBaselines: { mandatoryChecks: [], vulnerabilityThresholds: { critical: 0, high: 0, medium: 0, low: 0 } },
      performanceStandards: { maxCheckDurationMinutes: 1, maxReviewAssignmentSeconds: 1, availabilityTarget: 99 },
    },
    ...overrides,
  };
}

export { seededRandom as prng } from '../../../src/core/prng.js';
