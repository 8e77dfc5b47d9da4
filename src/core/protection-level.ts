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
import { mergeProfiles, meetsProfile } from './desired-protection.js';
import type { EffectiveProtection } from './effective-protection.js';
import type { BranchTarget, ProtectionProfile, TierPolicy } from './policy.js';

/** `none`…`mission-grade`, a custom tier's name, or `unknown` / `not_applicable`. */
export type ProtectionLevel =
  | 'none'
  | 'basic'
  | 'standard'
  | 'business-grade'
  | 'mission-grade'
  | 'unknown'
  | 'not_applicable'
  | (string & {});

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

/**
 * The protection level of a repository from its default branch's effective
 * protection. `unknown` when the protection cannot be seen, `not_applicable` when
 * the plan has no branch protection, `none` when nothing protects the branch or it
 * meets no tier's floor.
 */
export function deriveProtectionLevel(
  effective: EffectiveProtection,
  tiers: Readonly<Record<string, TierPolicy>>,
  defaultBranch: string,
): ProtectionLevelResult {
  const branch = effective.branch;
  if (effective.state === 'unknown') {
    return { level: 'unknown', tier: null, branch, reason: `Protection of ${branch} cannot be seen: ${effective.reason ?? 'unknown'}.` };
  }
  if (effective.state === 'not_applicable') {
    return { level: 'not_applicable', tier: null, branch, reason: `Branch protection does not apply: ${effective.reason ?? 'not available'}.` };
  }
  if (!effective.protectedByAnything) {
    return { level: 'none', tier: null, branch, reason: `No classic rule or ruleset protects ${branch}.` };
  }
  const ranked = Object.entries(tiers).sort(([an, a], [bn, b]) => b.rank - a.rank || (an < bn ? -1 : 1));
  for (const [name, tier] of ranked) {
    const floor = resolveFloorForBranch(tier.branches, branch, defaultBranch);
    if (floor === null) continue; // the tier says nothing about this branch: no evidence either way
    if (meetsProfile(effective.protection, floor)) {
      return { level: levelNameForTier(name), tier: name, branch, reason: `${branch} meets the ${name} floor.` };
    }
  }
  return { level: 'none', tier: null, branch, reason: `${branch} is protected, but below every tier's floor.` };
}
