/**
 * The provider-neutral protection model: one shape for the desired and the live
 * protection of a branch or branch pattern. Only src/github knows how GitHub's
 * JSON maps to and from it.
 */

/** Who an allowance or restriction names: user logins, team slugs, app slugs. */
export interface ActorLists {
  users: string[];
  teams: string[];
  apps: string[];
}

export interface RequiredReviews {
  /** 0–6 on classic protection (0 = a PR is required, no approvals). */
  requiredApprovingReviewCount: number;
  requireCodeOwnerReviews: boolean;
  dismissStaleReviews: boolean;
  requireLastPushApproval: boolean;
  /** null: anyone with write access may dismiss. Lists (even empty): only these (and admins). */
  dismissalRestrictions: ActorLists | null;
  /** null: nobody may bypass the PR requirement. */
  bypassAllowances: ActorLists | null;
}

export interface StatusCheck {
  context: string;
  /** The app that must post it; null = any source (what a PAT-posted `qms/*` status needs). */
  appId: number | null;
}

export interface RequiredStatusChecks {
  /** Require branches to be up to date before merging. */
  strict: boolean;
  checks: StatusCheck[];
}

/** Protection of one branch (or every branch a pattern matches). */
export interface BranchProtection {
  requiredReviews: RequiredReviews | null;
  requiredStatusChecks: RequiredStatusChecks | null;
  enforceAdmins: boolean;
  requireLinearHistory: boolean;
  allowForcePushes: boolean;
  allowDeletions: boolean;
  blockCreations: boolean;
  requireConversationResolution: boolean;
  requireSignedCommits: boolean;
  lockBranch: boolean;
  allowForkSyncing: boolean;
  /** null: anyone with write access may push. Lists: only these. */
  restrictions: ActorLists | null;
}

/** Repository merge settings (seed §4.1 merge_restrictions). */
export interface MergeSettings {
  allowSquashMerge: boolean;
  allowMergeCommit: boolean;
  allowRebaseMerge: boolean;
}

/** What GitHub does when no rule protects a branch. */
export function emptyProtection(): BranchProtection {
  return {
    requiredReviews: null,
    requiredStatusChecks: null,
    enforceAdmins: false,
    requireLinearHistory: false,
    allowForcePushes: true,
    allowDeletions: true,
    blockCreations: false,
    requireConversationResolution: false,
    requireSignedCommits: false,
    lockBranch: false,
    allowForkSyncing: false,
    restrictions: null,
  };
}

/**
 * The defaults GitHub applies to a freshly created protection rule: force
 * pushes and deletions are blocked as soon as a rule exists.
 */
export function baseRuleProtection(): BranchProtection {
  return { ...emptyProtection(), allowForcePushes: false, allowDeletions: false };
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function normalizeActors(a: ActorLists | null): ActorLists | null {
  if (a === null) return null;
  return { users: sortedUnique(a.users), teams: sortedUnique(a.teams), apps: sortedUnique(a.apps) };
}

/** Canonical form: lists sorted and de-duplicated, so equal protections compare equal. */
export function normalizeProtection(p: BranchProtection): BranchProtection {
  const checks = p.requiredStatusChecks
    ? [...new Map(p.requiredStatusChecks.checks.map((c) => [`${c.context}\u0000${c.appId ?? ''}`, c])).values()].sort((a, b) =>
        a.context < b.context ? -1 : a.context > b.context ? 1 : (a.appId ?? -1) - (b.appId ?? -1),
      )
    : null;
  return {
    requiredReviews: p.requiredReviews
      ? {
          requiredApprovingReviewCount: p.requiredReviews.requiredApprovingReviewCount,
          requireCodeOwnerReviews: p.requiredReviews.requireCodeOwnerReviews,
          dismissStaleReviews: p.requiredReviews.dismissStaleReviews,
          requireLastPushApproval: p.requiredReviews.requireLastPushApproval,
          dismissalRestrictions: normalizeActors(p.requiredReviews.dismissalRestrictions),
          bypassAllowances: normalizeActors(p.requiredReviews.bypassAllowances),
        }
      : null,
    requiredStatusChecks: p.requiredStatusChecks ? { strict: p.requiredStatusChecks.strict, checks: checks ?? [] } : null,
    enforceAdmins: p.enforceAdmins,
    requireLinearHistory: p.requireLinearHistory,
    allowForcePushes: p.allowForcePushes,
    allowDeletions: p.allowDeletions,
    blockCreations: p.blockCreations,
    requireConversationResolution: p.requireConversationResolution,
    requireSignedCommits: p.requireSignedCommits,
    lockBranch: p.lockBranch,
    allowForkSyncing: p.allowForkSyncing,
    restrictions: normalizeActors(p.restrictions),
  };
}

/** Deep equality on the canonical forms. */
export function protectionEquals(a: BranchProtection, b: BranchProtection): boolean {
  return JSON.stringify(normalizeProtection(a)) === JSON.stringify(normalizeProtection(b));
}

export function mergeSettingsEqual(a: MergeSettings, b: MergeSettings): boolean {
  return (
    a.allowSquashMerge === b.allowSquashMerge && a.allowMergeCommit === b.allowMergeCommit && a.allowRebaseMerge === b.allowRebaseMerge
  );
}
