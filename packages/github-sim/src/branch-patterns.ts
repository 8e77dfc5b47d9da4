/**
 * Which branches GitHub's rules target, as GitHub documents it (the package
 * README, "Branch name patterns", has the sources and examples):
 *
 * - Classic branch protection rules: the pattern is matched with Ruby's
 *   `File.fnmatch(pattern, branch, File::FNM_PATHNAME)` (src/fnmatch.ts). When
 *   several rules match a branch, a rule naming the branch exactly wins;
 *   otherwise the rules that contain a special character apply in creation
 *   order, so the oldest matching one wins.
 * - Ruleset `ref_name` conditions: full refs (`refs/heads/main`,
 *   `refs/heads/release/**\/*`) matched with the same fnmatch, plus
 *   `~DEFAULT_BRANCH` and `~ALL`; a branch is targeted when an include entry
 *   matches and no exclude entry does.
 *
 * The simulator's own implementation: qms has another, so a bug in one cannot
 * hide behind the other.
 */
import { fnmatchPathname, type FnmatchOptions } from './fnmatch.js';

/**
 * What GitHub's docs list as unsupported ("Not all expressions from the fnmatch
 * syntax are supported"): `\` is no quoting character, and `[^…]` does not
 * complement a set. How GitHub then reads such a pattern is UNCONFIRMED; here
 * `\` and a leading `^` are ordinary characters.
 */
const GITHUB: FnmatchOptions = { noEscape: true, caretIsLiteral: true };

/**
 * Does the pattern "mention a special character" (the docs name `*`, `?` and
 * `]`; `[` opens the same classes)? Such rules rank below exact names, by age.
 */
export function isWildcardPattern(pattern: string): boolean {
  return /[*?[\]]/.test(pattern);
}

/** Does a classic rule's pattern match this branch name? */
export function matchesBranchPattern(pattern: string, branch: string): boolean {
  return fnmatchPathname(pattern, branch, GITHUB);
}

/**
 * The classic rule that applies to a branch: the rule whose pattern is the
 * branch name itself, else the oldest matching wildcard rule. `rules` are in
 * creation order (as the model stores them).
 */
export function selectApplicableRule<T extends { pattern: string }>(rules: readonly T[], branch: string): T | undefined {
  const exact = rules.find((rule) => !isWildcardPattern(rule.pattern) && rule.pattern === branch);
  return exact ?? rules.find((rule) => isWildcardPattern(rule.pattern) && fnmatchPathname(rule.pattern, branch, GITHUB));
}

/** One `ref_name` entry against a branch (`~ALL`, `~DEFAULT_BRANCH`, or a full-ref pattern). */
function refEntryMatches(entry: string, branch: string, defaultBranch: string): boolean {
  if (entry === '~ALL') return true;
  if (entry === '~DEFAULT_BRANCH') return branch === defaultBranch;
  // Entries are full refs; a bare `main` names no ref and so matches nothing (UNCONFIRMED: the API
  // stores what it is given; the UI always writes refs/heads/…).
  return fnmatchPathname(entry, `refs/heads/${branch}`, GITHUB);
}

/** Does a ruleset's `ref_name` condition target this branch? Any exclude match wins over includes. */
export function refConditionMatches(
  condition: { include: readonly string[]; exclude: readonly string[] },
  branch: string,
  defaultBranch: string,
): boolean {
  if (condition.exclude.some((entry) => refEntryMatches(entry, branch, defaultBranch))) return false;
  return condition.include.some((entry) => refEntryMatches(entry, branch, defaultBranch));
}
