/**
 * A repository's `.qms/branch-protection.yml` against its tier's floor.
 *
 * The rule (DESIGN.md "Repo config"): a repo config may tighten its tier's
 * profile, never loosen it. A looser setting is not a config error; it is a
 * finding that `qms assess` reports, and it is never applied. So:
 * - `compareRepoConfigToTier` lists the settings looser than the tier;
 * - `effectiveTierProfile` is the tier with the repo config's tightenings
 *   applied and its loosenings ignored: what plan/apply enforce for that repo.
 * Pure functions, no I/O.
 */
import type { BranchTarget, ProtectionProfile, RepoConfig, TierPolicy } from './policy.js';

/** Seed §4.1 `bypass_controls` keys and the seed §2.5.1 levels they switch. */
export const BYPASS_CONTROL_LEVELS = {
  level1Enabled: 'level_1_lead',
  level2Enabled: 'level_2_architect',
  level3Enabled: 'level_3_qms_coordinator',
  emergencyEnabled: 'emergency_commander',
} as const;

/** The same keys as written in the file. */
export const BYPASS_CONTROL_KEYS: Record<keyof typeof BYPASS_CONTROL_LEVELS, string> = {
  level1Enabled: 'level_1_enabled',
  level2Enabled: 'level_2_enabled',
  level3Enabled: 'level_3_enabled',
  emergencyEnabled: 'emergency_enabled',
};

const DEFAULT_BRANCH = '~DEFAULT_BRANCH';

/** One repo config setting that is looser than the tier's floor. */
export interface LooserSetting {
  /** The repo config field as written, e.g. `review_requirements.required_reviewers`. */
  setting: string;
  /** JSON pointer of that field in the repo config, e.g. `/review_requirements/required_reviewers`. */
  pointer: string;
  /** What the tier demands. */
  tierValue: unknown;
  /** What the repo config says. */
  repoValue: unknown;
  /** Tier target branches whose floor is stricter (empty when the setting is not per branch). */
  branches: string[];
  /** One sentence, e.g. `required_reviewers is 1 but tier "mission_critical" requires at least 2 on ~DEFAULT_BRANCH, release/*`. */
  message: string;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** Does the repo config's target list cover this tier target? */
function coversTarget(repoTargets: readonly string[], tierPattern: string, defaultBranch: string | undefined): boolean {
  if (repoTargets.includes(tierPattern)) return true;
  if (tierPattern === DEFAULT_BRANCH) {
    if (defaultBranch !== undefined) return repoTargets.includes(defaultBranch);
    // Without the repository's default branch name we cannot tell which exact name
    // it is; a repo config that lists any exact branch name is taken to mean it.
    return repoTargets.some((t) => !/[*?[]/.test(t) && t !== DEFAULT_BRANCH);
  }
  return false;
}

/**
 * Settings of `repoConfig` looser than `tier`'s floor. Pass the repository's
 * default branch when known, so `main` can be matched to `~DEFAULT_BRANCH`.
 */
export function compareRepoConfigToTier(
  repoConfig: RepoConfig,
  tier: TierPolicy,
  options: { defaultBranch?: string } = {},
): LooserSetting[] {
  const out: LooserSetting[] = [];
  const tierName = JSON.stringify(tier.name);
  const add = (s: Omit<LooserSetting, 'message'>, message: string) => out.push({ ...s, message });
  const patterns = (pred: (b: BranchTarget) => boolean) => tier.branches.filter(pred).map((b) => b.pattern);
  const on = (branches: string[]) => (branches.length > 0 ? ` on ${branches.join(', ')}` : '');

  const rr = repoConfig.reviewRequirements;
  if (rr?.requiredReviewers !== undefined) {
    const count = rr.requiredReviewers;
    const stricter = tier.branches.filter((b) => (b.protection.requiredReviews?.requiredApprovingReviewCount ?? 0) > count);
    if (stricter.length > 0) {
      const floor = Math.max(...stricter.map((b) => b.protection.requiredReviews!.requiredApprovingReviewCount));
      const branches = stricter.map((b) => b.pattern);
      add(
        {
          setting: 'review_requirements.required_reviewers',
          pointer: '/review_requirements/required_reviewers',
          tierValue: floor,
          repoValue: count,
          branches,
        },
        `required_reviewers is ${count} but tier ${tierName} requires at least ${floor}${on(branches)}`,
      );
    }
  }
  if (rr?.requireCodeOwnerReviews === false) {
    const branches = patterns((b) => b.protection.requiredReviews?.requireCodeOwnerReviews === true);
    if (branches.length > 0) {
      add(
        {
          setting: 'review_requirements.require_code_owner_reviews',
          pointer: '/review_requirements/require_code_owner_reviews',
          tierValue: true,
          repoValue: false,
          branches,
        },
        `require_code_owner_reviews is false but tier ${tierName} requires code owner reviews${on(branches)}`,
      );
    }
  }

  const mr = repoConfig.mergeRestrictions;
  if (mr?.requireUpToDate === false) {
    const branches = patterns((b) => b.protection.requiredStatusChecks?.strict === true);
    if (branches.length > 0) {
      add(
        {
          setting: 'merge_restrictions.require_up_to_date',
          pointer: '/merge_restrictions/require_up_to_date',
          tierValue: true,
          repoValue: false,
          branches,
        },
        `require_up_to_date is false but tier ${tierName} requires branches to be up to date before merging${on(branches)}`,
      );
    }
  }
  if (mr?.requireLinearHistory === false) {
    const branches = patterns((b) => b.protection.requireLinearHistory === true);
    if (branches.length > 0) {
      add(
        {
          setting: 'merge_restrictions.require_linear_history',
          pointer: '/merge_restrictions/require_linear_history',
          tierValue: true,
          repoValue: false,
          branches,
        },
        `require_linear_history is false but tier ${tierName} requires linear history${on(branches)}`,
      );
    }
  }
  const methods = [
    ['allowSquashMerge', 'allow_squash_merge', 'squash merging'],
    ['allowMergeCommit', 'allow_merge_commit', 'merge commits'],
    ['allowRebaseMerge', 'allow_rebase_merge', 'rebase merging'],
  ] as const;
  for (const [key, field, words] of methods) {
    if (mr?.[key] === true && tier.merge[key] === false) {
      add(
        {
          setting: `merge_restrictions.${field}`,
          pointer: `/merge_restrictions/${field}`,
          tierValue: false,
          repoValue: true,
          branches: [],
        },
        `${field} is true but tier ${tierName} does not allow ${words}`,
      );
    }
  }

  const enabled = repoConfig.statusChecks?.enabledChecks;
  if (enabled !== undefined) {
    const demanded = union(
      tier.checks,
      tier.branches.flatMap((b) => b.protection.requiredStatusChecks?.contexts ?? []),
    );
    const missing = demanded.filter((c) => !enabled.includes(c));
    if (missing.length > 0) {
      add(
        {
          setting: 'status_checks.enabled_checks',
          pointer: '/status_checks/enabled_checks',
          tierValue: demanded,
          repoValue: [...enabled],
          branches: [],
        },
        `enabled_checks leaves out ${missing.join(', ')}, which tier ${tierName} requires`,
      );
    }
  }

  const controls = repoConfig.statusChecks?.bypassControls;
  if (controls) {
    for (const key of Object.keys(BYPASS_CONTROL_LEVELS) as (keyof typeof BYPASS_CONTROL_LEVELS)[]) {
      const level = BYPASS_CONTROL_LEVELS[key];
      if (controls[key] === true && !tier.bypassLevels.includes(level)) {
        const field = BYPASS_CONTROL_KEYS[key];
        add(
          {
            setting: `status_checks.bypass_controls.${field}`,
            pointer: `/status_checks/bypass_controls/${field}`,
            tierValue: false,
            repoValue: true,
            branches: [],
          },
          `${field} is true but tier ${tierName} does not allow bypass level ${level}`,
        );
      }
    }
  }

  const targets = repoConfig.branchProtection?.targetBranches;
  if (targets !== undefined) {
    const uncovered = tier.branches.map((b) => b.pattern).filter((p) => !coversTarget(targets, p, options.defaultBranch));
    if (uncovered.length > 0) {
      add(
        {
          setting: 'branch_protection.target_branches',
          pointer: '/branch_protection/target_branches',
          tierValue: tier.branches.map((b) => b.pattern),
          repoValue: [...targets],
          branches: uncovered,
        },
        `target_branches leaves out ${uncovered.join(', ')}, which tier ${tierName} protects`,
      );
    }
  }
  return out;
}

/** A tier profile tightened by a repo config's stricter settings. */
function tightenProtection(p: ProtectionProfile, repo: RepoConfig): ProtectionProfile {
  const out: ProtectionProfile = structuredClone(p);
  const rr = repo.reviewRequirements;
  if (rr && (rr.requiredReviewers !== undefined || rr.requireCodeOwnerReviews === true)) {
    const current = out.requiredReviews ?? { requiredApprovingReviewCount: 0 };
    out.requiredReviews = {
      ...current,
      requiredApprovingReviewCount: Math.max(current.requiredApprovingReviewCount, rr.requiredReviewers ?? 0),
      ...(rr.requireCodeOwnerReviews === true ? { requireCodeOwnerReviews: true } : {}),
    };
  }
  const extra = repo.statusChecks?.enabledChecks ?? [];
  const upToDate = repo.mergeRestrictions?.requireUpToDate === true;
  if (extra.length > 0 || upToDate) {
    const current = out.requiredStatusChecks ?? { contexts: [] };
    out.requiredStatusChecks = {
      ...current,
      contexts: union(current.contexts, extra),
      ...(upToDate ? { strict: true } : {}),
    };
  }
  if (repo.mergeRestrictions?.requireLinearHistory === true) out.requireLinearHistory = true;
  return out;
}

/** True when GitHub could still merge a pull request with these methods. */
function mergeUsable(merge: TierPolicy['merge'], linear: boolean): boolean {
  const squash = merge.allowSquashMerge !== false;
  const rebase = merge.allowRebaseMerge !== false;
  const commit = merge.allowMergeCommit !== false;
  return linear ? squash || rebase : squash || rebase || commit;
}

/**
 * The profile plan/apply enforce for one repository: `tier` with the repo
 * config's tightenings (more reviewers, code owners, extra checks, up-to-date
 * branches, linear history, extra target branches, fewer merge methods or
 * bypass levels) and without its loosenings. Extra target branches get the
 * tier's default-branch profile (its first target if it has none), tightened.
 * Merge-method tightenings that would leave no way to merge a pull request are
 * ignored (parseRepoConfig warns about them).
 */
export function effectiveTierProfile(tier: TierPolicy, repoConfig: RepoConfig, options: { defaultBranch?: string } = {}): TierPolicy {
  const branches: BranchTarget[] = tier.branches.map((b) => ({
    pattern: b.pattern,
    protection: tightenProtection(b.protection, repoConfig),
  }));
  const template = tier.branches.find((b) => b.pattern === DEFAULT_BRANCH) ?? tier.branches[0];
  for (const pattern of repoConfig.branchProtection?.targetBranches ?? []) {
    const known =
      branches.some((b) => b.pattern === pattern) ||
      (options.defaultBranch !== undefined && pattern === options.defaultBranch && branches.some((b) => b.pattern === DEFAULT_BRANCH));
    if (known) continue;
    branches.push({ pattern, protection: tightenProtection(template?.protection ?? {}, repoConfig) });
  }

  const merge: TierPolicy['merge'] = { ...tier.merge };
  const mr = repoConfig.mergeRestrictions ?? {};
  const candidate: TierPolicy['merge'] = { ...merge };
  for (const key of ['allowSquashMerge', 'allowMergeCommit', 'allowRebaseMerge'] as const) {
    const wish = mr[key];
    if (wish === undefined) continue;
    if (wish === false)
      candidate[key] = false; // tighter: fewer ways to merge
    else if (merge[key] === undefined) candidate[key] = true; // the tier does not care: the repo decides
    // wish === true where the tier says false: a loosening, ignored.
  }
  const linear = branches.some((b) => b.protection.requireLinearHistory === true);
  const effectiveMerge = mergeUsable(candidate, linear) ? candidate : merge;

  const disabled = new Set<string>();
  const controls = repoConfig.statusChecks?.bypassControls ?? {};
  for (const key of Object.keys(BYPASS_CONTROL_LEVELS) as (keyof typeof BYPASS_CONTROL_LEVELS)[]) {
    if (controls[key] === false) disabled.add(BYPASS_CONTROL_LEVELS[key]);
  }

  return {
    name: tier.name,
    description: tier.description,
    rank: tier.rank,
    branches,
    merge: effectiveMerge,
    checks: union(tier.checks, repoConfig.statusChecks?.enabledChecks ?? []),
    bypassLevels: tier.bypassLevels.filter((l) => !disabled.has(l)),
  };
}
