/**
 * Branch name patterns as GitHub evaluates them.
 *
 * Classic protection rules: Ruby `File.fnmatch(pattern, name, File::FNM_PATHNAME)`
 * (docs: "About protected branches"): `*` does not cross `/`, `**` does, `?` is one
 * character, `[...]` a class; no braces, no extglobs, and a leading dot in a path
 * segment is not matched by a wildcard. Rulesets use the same fnmatch on full refs
 * (`refs/heads/release/*`) plus `~DEFAULT_BRANCH` and `~ALL`.
 *
 * picomatch with braces and extglobs off gives these semantics; one known
 * difference: picomatch lets a trailing `**` (e.g. `release/**`) match across `/`
 * where Ruby treats a `**` not followed by `/` as `*`.
 */
import picomatch from 'picomatch';

const cache = new Map<string, (name: string) => boolean>();

function compile(pattern: string): (name: string) => boolean {
  let fn = cache.get(pattern);
  if (!fn) {
    fn = picomatch(pattern, { nobrace: true, noextglob: true, dot: false, nonegate: true, strictSlashes: true });
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, fn);
  }
  return fn;
}

/** True when the pattern contains fnmatch wildcards (so it is a pattern, not a branch name). */
export function isWildcardPattern(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** Does a classic branch protection pattern match this branch name? */
export function matchesBranchPattern(pattern: string, branch: string): boolean {
  if (!isWildcardPattern(pattern)) return pattern === branch;
  return compile(pattern)(branch);
}

/**
 * Which of several classic rules applies to a branch: an exact name beats any
 * wildcard; among wildcards the oldest rule wins (docs: "Managing a branch
 * protection rule"). `rules` must be in creation order.
 */
export function selectApplicableRule<T extends { pattern: string }>(rules: readonly T[], branch: string): T | undefined {
  const exact = rules.find((r) => r.pattern === branch);
  if (exact) return exact;
  return rules.find((r) => isWildcardPattern(r.pattern) && matchesBranchPattern(r.pattern, branch));
}

/**
 * Does a ruleset `ref_name` condition include this branch?
 * Patterns are full refs (`refs/heads/main`, `refs/heads/release/*`) or
 * `~DEFAULT_BRANCH` / `~ALL`; excludes win over includes.
 */
export function refConditionMatches(
  condition: { include: readonly string[]; exclude: readonly string[] },
  branch: string,
  defaultBranch: string,
): boolean {
  const ref = `refs/heads/${branch}`;
  const one = (p: string): boolean => {
    if (p === '~ALL') return true;
    if (p === '~DEFAULT_BRANCH') return branch === defaultBranch;
    return isWildcardPattern(p) ? compile(p)(ref) : p === ref;
  };
  if (condition.exclude.some(one)) return false;
  return condition.include.some(one);
}

/** Is `pattern` a syntactically usable branch pattern? Returns a reason when not. */
export function checkBranchPattern(pattern: string): string | null {
  if (pattern.length === 0) return 'a branch pattern cannot be empty';
  if (pattern.length > 255) return 'a branch pattern cannot be longer than 255 characters';
  if (pattern === '~DEFAULT_BRANCH') return null;
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return 'a branch pattern cannot contain control characters';
  if (/[\s~^:\\]/.test(pattern)) return 'a branch pattern cannot contain spaces or any of ~ ^ : \\';
  if (pattern.startsWith('/') || pattern.endsWith('/') || pattern.includes('//')) {
    return 'a branch pattern cannot start or end with "/" or contain "//"';
  }
  if (pattern.includes('..') || pattern.endsWith('.lock') || pattern.startsWith('refs/')) {
    return 'a branch pattern cannot contain "..", end in ".lock" or start with "refs/"';
  }
  const open = (pattern.match(/\[/g) ?? []).length;
  const close = (pattern.match(/]/g) ?? []).length;
  if (open !== close) return 'a branch pattern has an unclosed "[" character class';
  return null;
}
