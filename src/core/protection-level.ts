/**
 * A repository's current protection level (seed §2.1.2 "Current Protection Level"):
 * the highest tier whose floor its default branch fully meets, named by grade.
 *
 * Data-driven: tiers are ranked by `TierPolicy.rank` (higher = stricter) and the
 * built-in tiers have grade names; a custom tier's level is its own name. So a policy
 * that adds a tier between `standard` and `business_critical` gets a level for it
 * without code changes.
 */
import { matchesBranchPattern } from './branch-patterns.js';
import { toleranceFor } from './bypass-tolerance.js';
import { mergeProfiles, listProfileDeviations, type ProfileDeviation } from './desired-protection.js';
import { actorViews, describeSource, type ActorView, type EffectiveProtection } from './effective-protection.js';
import type { BranchTarget, ProtectionProfile, RoleBinding, TierPolicy } from './policy.js';

/** `none`…`mission-grade`, a custom tier's name, or `unknown` / `not_applicable`. */
export type ProtectionLevel =
  'none' | 'basic' | 'standard' | 'business-grade' | 'mission-grade' | 'unknown' | 'not_applicable' | (string & {});

/** Grade names of the seed's tiers (seed §2.1.1). Other tiers are named after themselves. */
export const BUILTIN_LEVEL_NAMES: Readonly<Record<string, ProtectionLevel>> = {
  experimental: 'basic',
  standard: 'standard',
  business_critical: 'business-grade',
  mission_critical: 'mission-grade',
};

export function levelNameForTier(tier: string): ProtectionLevel {
  return BUILTIN_LEVEL_NAMES[tier] ?? tier;
}

export interface ProtectionLevelResult {
  level: ProtectionLevel;
  /** The tier whose floor is met, when the level is a tier's grade. */
  tier: string | null;
  /** The branch the level was derived from (the default branch). */
  branch: string;
  reason: string;
}

/** Does a target pattern (`~DEFAULT_BRANCH`, a name, or a glob) select this branch? */
export function targetMatchesBranch(pattern: string, branch: string, defaultBranch: string): boolean {
  if (pattern === '~DEFAULT_BRANCH') return branch === defaultBranch;
  return matchesBranchPattern(pattern, branch);
}

/**
 * The floor a set of targets demands of one branch: every matching target's profile
 * combined (strictest). null when no target selects the branch.
 */
export function resolveFloorForBranch(targets: readonly BranchTarget[], branch: string, defaultBranch: string): ProtectionProfile | null {
  let floor: ProtectionProfile | null = null;
  for (const t of targets) {
    if (!targetMatchesBranch(t.pattern, branch, defaultBranch)) continue;
    floor = floor === null ? t.protection : mergeProfiles(floor, t.protection);
  }
  return floor;
}

/** Settings that do not apply to an actor who cannot push at all (docs/effective-protection.md, locked branches). */
const MOOT_WHEN_LOCKED = new Set<string>([
  'requiredReviews',
  'requiredReviews.requiredApprovingReviewCount',
  'requiredReviews.requireCodeOwnerReviews',
  'requiredReviews.dismissStaleReviews',
  'requiredReviews.requireLastPushApproval',
  'requiredStatusChecks.contexts',
  'requiredStatusChecks.strict',
  'requireLinearHistory',
  'requireConversationResolution',
  'requireSignedCommits',
  'allowForcePushes',
]);

/**
 * Where one actor falls short of a floor: `enforceAdmins` is judged through the
 * administrators' own view (never as a flag), and an actor who cannot push at all
 * (a lock; a ruleset restricting updates) has no push or merge requirement to meet —
 * a classic lock also prevents deletion, a ruleset's update restriction does not.
 */
export function actorDeviations(
  view: ActorView,
  floor: ProtectionProfile,
  bound: 'protection' | 'surely' = 'protection',
): ProfileDeviation[] {
  const { enforceAdmins: _admins, ...rest } = floor;
  const devs = listProfileDeviations(view[bound], rest);
  const lock = view.lockedBy;
  if (!lock) return devs;
  return devs.filter((d) => !(MOOT_WHEN_LOCKED.has(d.setting) || (lock.kind === 'lock' && d.setting === 'allowDeletions')));
}

/** What else a level depends on: whether code owners can bind anything, and the policy's roles (tolerances name them). */
export interface LevelContext {
  /** False: the branch's CODEOWNERS has no usable owner, so code owner review binds nothing. */
  codeOwnersUsable?: boolean;
  roles?: Readonly<Record<string, RoleBinding>>;
}

/** Does every actor the tier does not excuse meet `floor` (in the given bound)? */
function meetsFloor(
  effective: EffectiveProtection,
  tier: TierPolicy,
  floor: ProtectionProfile,
  bound: 'protection' | 'surely',
  ctx: LevelContext,
): boolean {
  // Code owner review with no usable owner binds nothing (unless nobody can push anyway).
  if (floor.requiredReviews?.requireCodeOwnerReviews === true && ctx.codeOwnersUsable === false && !effective.actors[0]?.lockedBy)
    return false;
  const views = actorViews(effective, toleranceFor(floor, tier.toleratedBypass, ctx.roles));
  return views.every((v) => actorDeviations(v, floor, bound).length === 0);
}

function highestLevel(
  effective: EffectiveProtection,
  tiers: Readonly<Record<string, TierPolicy>>,
  defaultBranch: string,
  bound: 'protection' | 'surely',
  ctx: LevelContext,
): string | null {
  const ranked = Object.entries(tiers).sort(([an, a], [bn, b]) => b.rank - a.rank || (an < bn ? -1 : 1));
  for (const [name, tier] of ranked) {
    const floor = resolveFloorForBranch(tier.branches, effective.branch, defaultBranch);
    if (floor === null) continue; // the tier says nothing about this branch: no evidence either way
    if (meetsFloor(effective, tier, floor, bound, ctx)) return name;
  }
  return null;
}

/**
 * The protection level of a repository from its default branch's effective
 * protection. `unknown` when the protection cannot be seen, `not_applicable` when
 * the plan has no branch protection, `none` when nothing protects the branch or it
 * meets no tier's floor. Every actor the tier does not excuse must meet the floor
 * (a ruleset every writer may bypass protects nobody). When a bypass list is hidden
 * from the token the level is the lower bound: `at least standard`.
 */
export function deriveProtectionLevel(
  effective: EffectiveProtection,
  tiers: Readonly<Record<string, TierPolicy>>,
  defaultBranch: string,
  ctx: LevelContext = {},
): ProtectionLevelResult {
  const branch = effective.branch;
  if (effective.state === 'unknown') {
    return { level: 'unknown', tier: null, branch, reason: `Protection of ${branch} cannot be seen: ${effective.reason ?? 'unknown'}.` };
  }
  if (effective.state === 'not_applicable') {
    return {
      level: 'not_applicable',
      tier: null,
      branch,
      reason: `Branch protection does not apply: ${effective.reason ?? 'not available'}.`,
    };
  }
  if (!effective.protectedByAnything) {
    return { level: 'none', tier: null, branch, reason: `No classic rule or ruleset protects ${branch}.` };
  }
  const upper = highestLevel(effective, tiers, defaultBranch, 'protection', ctx);
  const lower = effective.hiddenBypass.length > 0 ? highestLevel(effective, tiers, defaultBranch, 'surely', ctx) : upper;
  if (upper !== lower) {
    const hidden = effective.hiddenBypass.map(describeSource).join(', ');
    if (lower === null) {
      return {
        level: 'unknown',
        tier: null,
        branch,
        reason: `${branch} meets the ${upper} floor only if nobody may bypass ${hidden}, whose bypass list this token cannot see.`,
      };
    }
    return {
      level: `at least ${levelNameForTier(lower)}`,
      tier: lower,
      branch,
      reason: `${branch} meets the ${lower} floor; it meets ${upper ?? 'no higher'} only if nobody may bypass ${hidden}, whose bypass list this token cannot see.`,
    };
  }
  if (upper !== null) return { level: levelNameForTier(upper), tier: upper, branch, reason: `${branch} meets the ${upper} floor.` };
  return { level: 'none', tier: null, branch, reason: `${branch} is protected, but below every tier's floor.` };
}
