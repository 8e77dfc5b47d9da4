import { describe, expect, it } from 'vitest';
import { describeSource, effectivePatternCoverage, patternCovers, patternsMayIntersect } from '../../../src/core/effective-protection.js';
import { matchesBranchPattern } from '../../../src/core/branch-patterns.js';
import { classicRule, graphqlState, orgRuleset, prRule, protection, prng, repoInfo, reviews, ruleset } from './helpers.js';

describe('patternCovers (conservative fnmatch containment)', () => {
  it.each([
    ['release/*', 'release/*', true],
    ['release/*', 'release/1.0', true],
    ['release/*', 'release/2.0/patch', false], // `*` does not cross `/`
    ['release/**/*', 'release/*', true],
    ['release/**/*', 'release/2.0/patch', true],
    ['release/**/*', 'release/**/*', true],
    ['release/**', 'release/2.0/patch', false], // a trailing `**` is a `*` in Ruby's fnmatch
    ['*', 'release/*', false],
    ['**/*', 'release/*', true],
    ['rel*/*', 'release/*', true],
    ['release/v*', 'release/*', false],
    ['release/*', 'release/v*', true],
    ['hotfix/*', 'release/*', false],
    ['refs/heads/release/*', 'refs/heads/release/*', true],
    ['refs/heads/*', 'refs/heads/release/*', false],
  ])('%s covers %s: %s', (cover, target, expected) => {
    expect(patternCovers(cover, target)).toBe(expected);
  });

  it('never claims coverage that a concrete branch disproves (seeded samples)', () => {
    const rnd = prng(20240601);
    const words = ['release', 'hotfix', '1.0', '2.0', 'patch', 'x'];
    const pats = ['*', '**', 'v*', 'rel*', 'release', 'hotfix', '1.0'];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    // A branch name the target pattern matches: each wildcard segment filled at random.
    const instantiate = (pattern: string): string =>
      pattern
        .split('/')
        .flatMap((seg, i, all) => {
          if (seg === '**' && i < all.length - 1) return Array.from({ length: Math.floor(rnd() * 3) }, () => pick(words));
          return [seg.replace(/\*+/g, () => pick(['', ...words]))];
        })
        .join('/');
    let checked = 0;
    for (let i = 0; i < 3000 && checked < 300; i++) {
      const cover = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(pats)).join('/');
      const target = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(pats)).join('/');
      // picomatch lets a trailing `**` cross `/` where GitHub's fnmatch does not
      // (branch-patterns.ts); such samples would test picomatch, not coverage.
      if (cover.endsWith('**') || target.endsWith('**')) continue;
      if (!patternCovers(cover, target)) continue;
      for (let j = 0; j < 10; j++) {
        const name = instantiate(target);
        if (name.split('/').some((seg) => seg === '') || !matchesBranchPattern(target, name)) continue;
        checked++;
        expect(matchesBranchPattern(cover, name), `${cover} should match ${name} (target ${target})`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('finds disjoint patterns disjoint and overlapping ones possibly intersecting', () => {
    expect(patternsMayIntersect('refs/heads/main', 'refs/heads/release/*')).toBe(false);
    expect(patternsMayIntersect('refs/heads/release/1.0', 'refs/heads/release/*')).toBe(true);
    expect(patternsMayIntersect('refs/heads/release/old-*', 'refs/heads/release/*')).toBe(true);
    expect(patternsMayIntersect('refs/heads/hotfix/*', 'refs/heads/release/*')).toBe(false);
  });
});

describe('effectivePatternCoverage', () => {
  const branches = ['main', 'release/1.0', 'release/2.0', 'release/2.0/patch', 'feature/x'];

  it('lists matching existing branches with their effective protection (release/* skips release/2.0/patch)', () => {
    const rule = classicRule('release/*', protection({ requiredReviews: reviews(2) }));
    const c = effectivePatternCoverage(graphqlState(repoInfo(), { branches, classicRules: [rule] }), 'release/*');
    expect(c.existingBranches.map((b) => b.name)).toEqual(['release/1.0', 'release/2.0']);
    expect(c.existingBranches.every((b) => b.effective.protection.requiredReviews?.requiredApprovingReviewCount === 2)).toBe(true);
    expect(c.branchListComplete).toBe(true);
    expect(c.futureCovered).toBe(true);
    expect(c.coveringRules.map(describeSource)).toEqual(["classic rule 'release/*'"]);
    expect(c.futureProtection?.requiredReviews?.requiredApprovingReviewCount).toBe(2);
  });

  it('says future branches are not covered when rules only name existing branches', () => {
    const live = graphqlState(repoInfo(), {
      branches,
      classicRules: [classicRule('release/1.0', protection()), classicRule('release/2.0', protection())],
    });
    const c = effectivePatternCoverage(live, 'release/*');
    expect(c.futureCovered).toBe(false);
    expect(c.existingBranches.map((b) => b.effective.protectedByAnything)).toEqual([true, true]);
    expect(c.futureProtection).toBeNull();
  });

  it('accepts a ruleset include that covers the pattern, unless an exclude may cut into it', () => {
    const covering = ruleset({ refName: { include: ['refs/heads/release/**/*'], exclude: [] }, rules: [prRule(1)] });
    expect(effectivePatternCoverage(graphqlState(repoInfo(), { branches, rulesets: [covering] }), 'release/*').futureCovered).toBe(true);

    const unrelatedExclude = ruleset({ refName: { include: ['~ALL'], exclude: ['refs/heads/main'] }, rules: [prRule(1)] });
    expect(effectivePatternCoverage(graphqlState(repoInfo(), { branches, rulesets: [unrelatedExclude] }), 'release/*').futureCovered).toBe(
      true,
    );

    const cutting = ruleset({ refName: { include: ['~ALL'], exclude: ['refs/heads/release/old-*'] }, rules: [prRule(1)] });
    expect(effectivePatternCoverage(graphqlState(repoInfo(), { branches, rulesets: [cutting] }), 'release/*').futureCovered).toBe(false);

    const evaluate = ruleset({ enforcement: 'evaluate', refName: { include: ['~ALL'], exclude: [] }, rules: [prRule(1)] });
    expect(effectivePatternCoverage(graphqlState(repoInfo(), { branches, rulesets: [evaluate] }), 'release/*').futureCovered).toBe(false);

    const defaultOnly = ruleset({ rules: [prRule(1)] });
    expect(effectivePatternCoverage(graphqlState(repoInfo(), { branches, rulesets: [defaultOnly] }), 'release/*').futureCovered).toBe(
      false,
    );
  });

  it('counts an org ruleset only when it targets the repository', () => {
    const rs = orgRuleset({
      refName: { include: ['refs/heads/release/*'], exclude: [] },
      repositoryName: { include: ['pay-*'], exclude: [], protected: false },
      rules: [prRule(2)],
    });
    expect(effectivePatternCoverage(graphqlState(repoInfo({ name: 'pay-api' }), { rulesets: [rs] }), 'release/*').futureCovered).toBe(true);
    expect(effectivePatternCoverage(graphqlState(repoInfo({ name: 'web' }), { rulesets: [rs] }), 'release/*').futureCovered).toBe(false);
  });

  it('cannot tell (null, never false) when rules are not visible', () => {
    const readOnly = effectivePatternCoverage(graphqlState(repoInfo(), { access: 'read-only', branches }), 'release/*');
    expect(readOnly.futureCovered).toBeNull();
    expect(readOnly.reason).toMatch(/admin/);
    const restOnly = effectivePatternCoverage(graphqlState(repoInfo(), { classicRules: null, branches }), 'release/*');
    expect(restOnly.futureCovered).toBeNull();
    const plan = effectivePatternCoverage(graphqlState(repoInfo(), { access: 'plan-unavailable' }), 'release/*');
    expect(plan.futureCovered).toBeNull();
  });

  it('infers existing branches from rule matches when branches were not listed', () => {
    const rule = classicRule('release/*', protection(), ['release/3.0']);
    const c = effectivePatternCoverage(graphqlState(repoInfo(), { branches: null, classicRules: [rule] }), 'release/*');
    expect(c.existingBranches.map((b) => b.name)).toEqual(['release/3.0']);
    expect(c.branchListComplete).toBe(false);
  });
});
