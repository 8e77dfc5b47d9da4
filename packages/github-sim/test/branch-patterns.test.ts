/**
 * Which rule targets which branch, per GitHub's docs ("About protected branches",
 * "Creating rulesets for a repository"): classic rule precedence, ruleset
 * ref_name conditions, and the fnmatch constructs GitHub lists as unsupported.
 */
import { describe, expect, it } from 'vitest';
import { isWildcardPattern, matchesBranchPattern, refConditionMatches, selectApplicableRule } from '../src/branch-patterns.js';

const rules = (...patterns: string[]) => patterns.map((pattern, age) => ({ pattern, age }));

describe('classic rules', () => {
  it('a rule naming the branch beats every wildcard rule, however old', () => {
    const list = rules('release/*', '*', 'release/1.0');
    expect(selectApplicableRule(list, 'release/1.0')?.pattern).toBe('release/1.0');
  });

  it('among wildcard rules the oldest matching one wins', () => {
    // The fixture's web-storefront case: release/* (older) and release/2* (newer).
    expect(selectApplicableRule(rules('release/*', 'release/2*'), 'release/2.0')?.pattern).toBe('release/*');
    expect(selectApplicableRule(rules('release/2*', 'release/*'), 'release/2.0')?.pattern).toBe('release/2*');
    expect(selectApplicableRule(rules('release/*', 'release/2*'), 'release/2.0/patch')).toBeUndefined();
    expect(selectApplicableRule(rules('main', 'hotfix/*'), 'develop')).toBeUndefined();
  });

  it('`*`, `?`, `[` and `]` make a pattern a wildcard rule (the docs name *, ? and ])', () => {
    for (const p of ['*', 'release/*', 'v?', 'v[0-9]', 'a]b']) expect(isWildcardPattern(p), p).toBe(true);
    for (const p of ['main', 'release/1.0', 'feature/ünïcødé']) expect(isWildcardPattern(p), p).toBe(false);
    // So `a]b` ranks by age, below no exact rule: the older `*` wins for branch a]b.
    expect(selectApplicableRule(rules('*', 'a]b'), 'a]b')?.pattern).toBe('*');
  });

  it('GitHub’s unsupported fnmatch syntax: `\\` quotes nothing, `[^…]` complements nothing (UNCONFIRMED reading)', () => {
    expect(matchesBranchPattern('\\main', 'main')).toBe(false);
    expect(matchesBranchPattern('[^m]*', 'dev')).toBe(false);
    expect(matchesBranchPattern('[^m]*', 'main')).toBe(true);
    // `!` still complements, as in Ruby.
    expect(matchesBranchPattern('[!m]*', 'dev')).toBe(true);
    // No FNM_EXTGLOB: braces are literal.
    expect(matchesBranchPattern('{main,dev}', 'main')).toBe(false);
  });
});

describe('ruleset ref_name conditions', () => {
  const targets = (include: string[], exclude: string[], branch: string, defaultBranch = 'main') =>
    refConditionMatches({ include, exclude }, branch, defaultBranch);

  it('~ALL is every branch, ~DEFAULT_BRANCH the default one', () => {
    expect(targets(['~ALL'], [], 'feature/a/b')).toBe(true);
    expect(targets(['~DEFAULT_BRANCH'], [], 'main')).toBe(true);
    expect(targets(['~DEFAULT_BRANCH'], [], 'master', 'master')).toBe(true);
    expect(targets(['~DEFAULT_BRANCH'], [], 'main', 'master')).toBe(false);
  });

  it('patterns are full refs under refs/heads/, matched with FNM_PATHNAME', () => {
    expect(targets(['refs/heads/main'], [], 'main')).toBe(true);
    expect(targets(['refs/heads/release/*'], [], 'release/1.0')).toBe(true);
    expect(targets(['refs/heads/release/*'], [], 'release/1.0/hotfix')).toBe(false);
    expect(targets(['refs/heads/release/**/*'], [], 'release/3.1')).toBe(true);
    expect(targets(['refs/heads/release/**/*'], [], 'release/3/1')).toBe(true);
    expect(targets(['refs/heads/*'], [], 'feature/x')).toBe(false);
    expect(targets(['refs/heads/**/*'], [], 'feature/x')).toBe(true);
    // A bare name is no ref: it targets nothing (UNCONFIRMED what GitHub stores for it).
    expect(targets(['main'], [], 'main')).toBe(false);
  });

  it('an exclude match wins over any include; no include, no target', () => {
    expect(targets(['~ALL'], ['refs/heads/release/*'], 'release/1.0')).toBe(false);
    expect(targets(['~ALL'], ['refs/heads/release/*'], 'main')).toBe(true);
    expect(targets(['~DEFAULT_BRANCH'], ['~DEFAULT_BRANCH'], 'main')).toBe(false);
    expect(targets(['refs/heads/main'], ['~ALL'], 'main')).toBe(false);
    expect(targets([], [], 'main')).toBe(false);
  });
});
