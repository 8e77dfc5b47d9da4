/**
 * Which protection applies to a branch: the classic rule GitHub picks
 * (exact name first, else the oldest matching wildcard) and the rulesets
 * (repository and organization level) whose conditions target it.
 */
import { refConditionMatches, selectApplicableRule, isWildcardPattern, matchesBranchPattern } from './branch-patterns.js';
import type { SimOrg, SimProtectionRule, SimRepo, SimRuleset, SimState } from './model.js';
import { ownerOrg } from './access.js';

/** The classic rule REST shows for this branch (GITHUB-API.md §3 "Patterns"). */
export function classicRuleFor(repo: SimRepo, branch: string): SimProtectionRule | undefined {
  return selectApplicableRule(repo.protectionRules, branch);
}

/** The rule whose pattern is exactly the branch name (what REST PUT/DELETE address). */
export function exactRuleFor(repo: SimRepo, branch: string): SimProtectionRule | undefined {
  return repo.protectionRules.find((r) => r.pattern === branch);
}

/**
 * Protected branches and rulesets are unavailable for private repositories of
 * Free accounts (GITHUB-API.md §1 "Plans"). User accounts are modelled as Free.
 */
export function protectionAvailable(state: SimState, repo: SimRepo): boolean {
  if (repo.visibility === 'public') return true;
  const org = ownerOrg(state, repo);
  return org !== undefined && org.plan !== 'free';
}

function asStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function refCondition(ruleset: SimRuleset): { include: string[]; exclude: string[] } | null {
  const ref = (ruleset.conditions as { ref_name?: { include?: unknown; exclude?: unknown } } | null)?.ref_name;
  if (!ref) return null;
  return { include: asStrings(ref.include), exclude: asStrings(ref.exclude) };
}

function nameMatches(pattern: string, name: string): boolean {
  if (pattern === '~ALL') return true;
  return isWildcardPattern(pattern) ? matchesBranchPattern(pattern, name) : pattern.toLowerCase() === name.toLowerCase();
}

interface PropertySpec {
  name: string;
  property_values: string[];
  source?: string;
}

function propertyMatches(spec: PropertySpec, repo: SimRepo): boolean {
  let value: string | string[] | null | undefined;
  if (spec.source === 'system') {
    // System properties GitHub exposes for targeting (UNCONFIRMED beyond these).
    value = spec.name === 'visibility' ? repo.visibility : spec.name === 'fork' ? String(repo.fork) : undefined;
  } else {
    value = repo.customProperties[spec.name];
  }
  if (value === null || value === undefined) return false;
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => spec.property_values.includes(v));
}

/** Does an organization ruleset's repository condition select this repository? */
export function orgRulesetTargetsRepo(ruleset: SimRuleset, repo: SimRepo): boolean {
  const c = (ruleset.conditions ?? {}) as Record<string, unknown>;
  const byName = c['repository_name'] as { include?: unknown; exclude?: unknown } | undefined;
  if (byName) {
    const include = asStrings(byName.include);
    const exclude = asStrings(byName.exclude);
    if (exclude.some((p) => nameMatches(p, repo.name))) return false;
    return include.some((p) => nameMatches(p, repo.name));
  }
  const byId = c['repository_id'] as { repository_ids?: unknown } | undefined;
  if (byId) {
    return Array.isArray(byId.repository_ids) && byId.repository_ids.includes(repo.id);
  }
  const byProp = c['repository_property'] as { include?: PropertySpec[]; exclude?: PropertySpec[] } | undefined;
  if (byProp) {
    const include = Array.isArray(byProp.include) ? byProp.include : [];
    const exclude = Array.isArray(byProp.exclude) ? byProp.exclude : [];
    if (exclude.some((s) => propertyMatches(s, repo))) return false;
    // "All of these properties must match for the condition to pass."
    return include.every((s) => propertyMatches(s, repo));
  }
  return false;
}

/** Repository rulesets plus the organization rulesets that target the repository. */
export function rulesetsForRepo(state: SimState, repo: SimRepo, includeParents = true): SimRuleset[] {
  const out = [...repo.rulesets];
  if (includeParents) {
    const org: SimOrg | undefined = ownerOrg(state, repo);
    if (org && org.plan !== 'free') {
      for (const rs of org.rulesets) if (orgRulesetTargetsRepo(rs, repo)) out.push(rs);
    }
  }
  return out;
}

/**
 * Does this (branch-target) ruleset apply to the branch? A branch ruleset
 * without a ref_name condition targets no branch (UNCONFIRMED: the UI cannot
 * save one; the API accepts it).
 */
export function rulesetTargetsBranch(ruleset: SimRuleset, repo: SimRepo, branch: string): boolean {
  if (ruleset.target !== 'branch') return false;
  const ref = refCondition(ruleset);
  if (!ref) return false;
  return refConditionMatches(ref, branch, repo.defaultBranch);
}

/** Every active rule that applies to the branch, with its ruleset (GET /rules/branches/{b}). */
export function activeRulesForBranch(
  state: SimState,
  repo: SimRepo,
  branch: string,
): { rule: SimRuleset['rules'][number]; ruleset: SimRuleset }[] {
  if (!protectionAvailable(state, repo)) return [];
  const out: { rule: SimRuleset['rules'][number]; ruleset: SimRuleset }[] = [];
  for (const rs of rulesetsForRepo(state, repo)) {
    if (rs.enforcement !== 'active') continue;
    if (!rulesetTargetsBranch(rs, repo, branch)) continue;
    for (const rule of rs.rules) out.push({ rule, ruleset: rs });
  }
  return out;
}

/** GitHub's `protected` flag: "protected by branch protections or rulesets" (active ones). */
export function isBranchProtected(state: SimState, repo: SimRepo, branch: string): boolean {
  if (!protectionAvailable(state, repo)) return false;
  if (classicRuleFor(repo, branch)) return true;
  return rulesetsForRepo(state, repo).some(
    (rs) => rs.enforcement === 'active' && rs.rules.length > 0 && rulesetTargetsBranch(rs, repo, branch),
  );
}
