import { describe, expect, it } from 'vitest';
import {
  describeSource,
  effectivePatternCoverage,
  effectiveProtection,
  rulesetTargetsRepo,
} from '../../../src/core/effective-protection.js';
import { createLiveState } from '../../../src/core/live-state.js';
import { emptyProtection } from '../../../src/core/protection.js';
import { checksRule, classicRule, graphqlState, orgRuleset, prRule, protection, repoInfo, reviews, ruleset } from './helpers.js';

describe('effectiveProtection: classic only', () => {
  it('uses the classic rule that applies (exact name beats wildcard)', () => {
    const repo = repoInfo();
    const live = graphqlState(repo, {
      classicRules: [
        classicRule('*', protection({ requiredReviews: reviews(1) })),
        classicRule('main', protection({ requiredReviews: reviews(2), enforceAdmins: true })),
      ],
    });
    const e = effectiveProtection(live, 'main');
    expect(e.state).toBe('known');
    expect(e.protectedByAnything).toBe(true);
    expect(e.protection.requiredReviews?.requiredApprovingReviewCount).toBe(2);
    expect(e.protection.enforceAdmins).toBe(true);
    expect(e.sources.enforceAdmins?.map(describeSource)).toEqual(["classic rule 'main'"]);
  });

  it('reports a branch no rule matches as known and unprotected (only with admin access)', () => {
    const e = effectiveProtection(graphqlState(repoInfo(), { classicRules: [classicRule('release/*', protection())] }), 'main');
    expect(e).toMatchObject({ state: 'known', protectedByAnything: false, protection: emptyProtection() });
  });

  it('reads the REST per-branch answer when the reader supplies one', () => {
    const live = createLiveState(repoInfo(), {
      access: 'admin',
      classicByBranch: { main: { kind: 'protected', protection: protection({ requireLinearHistory: true }), raw: {} } },
      rulesByBranch: { main: [] },
    });
    const e = effectiveProtection(live, 'main');
    expect(e.state).toBe('known');
    expect(e.protection.requireLinearHistory).toBe(true);
    // GitHub's per-branch answer does not say which rule applies (an exact or a wildcard one).
    expect(e.sources.requireLinearHistory).toEqual([{ kind: 'classic', pattern: null, ruleId: null, branch: 'main' }]);
    expect(describeSource(e.sources.requireLinearHistory![0]!)).toBe("classic rule covering 'main'");
  });
});

describe('effectiveProtection: rulesets', () => {
  it('applies a repository ruleset on its own', () => {
    const live = graphqlState(repoInfo(), {
      rulesets: [ruleset({ name: 'main-guard', rules: [prRule(2), { type: 'non_fast_forward' }, { type: 'deletion' }] })],
    });
    const e = effectiveProtection(live, 'main');
    expect(e.state).toBe('known');
    expect(e.protection.requiredReviews?.requiredApprovingReviewCount).toBe(2);
    expect(e.protection.allowForcePushes).toBe(false);
    expect(e.protection.allowDeletions).toBe(false);
    expect(e.sources.allowForcePushes?.map(describeSource)).toEqual([expect.stringMatching(/^repo ruleset 'main-guard'/)]);
    // No bypass actors on the only source: admins are bound too.
    expect(e.protection.enforceAdmins).toBe(true);
  });

  it('does not count a bypass list it cannot see as enforcing admins', () => {
    const live = graphqlState(repoInfo(), { rulesets: [ruleset({ rules: [prRule(1)], bypassActors: null })] });
    expect(effectiveProtection(live, 'main').protection.enforceAdmins).toBe(false);
  });

  it('applies an org ruleset that targets the repository by custom property', () => {
    const repo = repoInfo({ customProperties: { tier: '1' } });
    const rs = orgRuleset({
      name: 'tier-1',
      refName: { include: ['~DEFAULT_BRANCH', 'refs/heads/release/**/*'], exclude: [] },
      repositoryProperty: { include: [{ name: 'tier', propertyValues: ['1'], source: 'custom' }], exclude: [] },
      rules: [checksRule(['qms/dor-validation'], true), { type: 'required_signatures' }],
    });
    const on = effectiveProtection(graphqlState(repo, { rulesets: [rs] }), 'main');
    expect(on.protection.requiredStatusChecks).toEqual({ strict: true, checks: [{ context: 'qms/dor-validation', appId: null }] });
    expect(on.protection.requireSignedCommits).toBe(true);
    expect(describeSource(on.sources.requireSignedCommits![0]!)).toMatch(/^org ruleset 'tier-1'/);

    const other = repoInfo({ customProperties: { tier: '2' } });
    const off = effectiveProtection(graphqlState(other, { rulesets: [rs] }), 'main');
    expect(off).toMatchObject({ state: 'known', protectedByAnything: false });
  });

  it('makes the result unknown when a property-targeted org ruleset cannot be decided', () => {
    const rs = orgRuleset({
      repositoryProperty: { include: [{ name: 'tier', propertyValues: ['1'], source: 'custom' }], exclude: [] },
      rules: [prRule(2)],
    });
    const e = effectiveProtection(graphqlState(repoInfo(), { rulesets: [rs], customProperties: null }), 'main');
    expect(e.state).toBe('unknown');
    expect(e.reason).toMatch(/properties that were not read/);
  });

  it('takes the most restrictive value of every setting when classic is weaker than a ruleset', () => {
    const classic = classicRule(
      'main',
      protection({
        requiredReviews: reviews(1, { dismissStaleReviews: true }),
        requiredStatusChecks: { strict: false, checks: [{ context: 'ci/build', appId: 15368 }] },
        allowForcePushes: true,
        allowDeletions: true,
      }),
    );
    const rs = ruleset({
      rules: [
        prRule(3, { requireCodeOwnerReview: true, requiredReviewThreadResolution: true }),
        checksRule(['qms/dor-validation'], true),
        { type: 'non_fast_forward' },
        { type: 'required_linear_history' },
      ],
      bypassActors: [{ actorId: 5, actorType: 'RepositoryRole', bypassMode: 'always' }],
    });
    const e = effectiveProtection(graphqlState(repoInfo(), { classicRules: [classic], rulesets: [rs] }), 'main');
    const r = e.protection.requiredReviews!;
    expect(r.requiredApprovingReviewCount).toBe(3);
    expect(r.dismissStaleReviews).toBe(true); // from classic, kept
    expect(r.requireCodeOwnerReviews).toBe(true); // from the ruleset
    expect(e.protection.requireConversationResolution).toBe(true);
    expect(e.protection.requiredStatusChecks).toEqual({
      strict: true,
      checks: [
        { context: 'ci/build', appId: 15368 },
        { context: 'qms/dor-validation', appId: null },
      ],
    });
    expect(e.protection.allowForcePushes).toBe(false); // the ruleset blocks what classic allows
    expect(e.protection.allowDeletions).toBe(true); // nothing blocks deletions
    expect(e.protection.requireLinearHistory).toBe(true);
    expect(e.protection.enforceAdmins).toBe(false);
    expect(e.sources['requiredReviews.requiredApprovingReviewCount']?.map((s) => s.kind)).toEqual(['classic', 'ruleset']);
  });

  it('combines stacked rulesets: highest count wins, booleans OR', () => {
    const rs1 = ruleset({ rules: [prRule(1, { requireLastPushApproval: true })] });
    const rs2 = orgRuleset({ repositoryName: { include: ['~ALL'], exclude: [], protected: false }, rules: [prRule(2)] });
    const e = effectiveProtection(graphqlState(repoInfo(), { rulesets: [rs1, rs2] }), 'main');
    expect(e.protection.requiredReviews).toMatchObject({ requiredApprovingReviewCount: 2, requireLastPushApproval: true });
  });

  it('ignores evaluate and disabled rulesets, tag rulesets and rulesets for other branches', () => {
    const live = graphqlState(repoInfo(), {
      rulesets: [
        ruleset({ enforcement: 'evaluate', rules: [prRule(2)] }),
        ruleset({ enforcement: 'disabled', rules: [{ type: 'deletion' }] }),
        ruleset({ target: 'tag', rules: [{ type: 'non_fast_forward' }] }),
        ruleset({ refName: { include: ['refs/heads/release/*'], exclude: [] }, rules: [{ type: 'required_signatures' }] }),
      ],
    });
    const e = effectiveProtection(live, 'main');
    expect(e).toMatchObject({ state: 'known', protectedByAnything: false, protection: emptyProtection() });
  });

  it('lets an exclude beat an include (ref names and repository names)', () => {
    const refExcluded = ruleset({ refName: { include: ['~ALL'], exclude: ['refs/heads/main'] }, rules: [{ type: 'deletion' }] });
    expect(effectiveProtection(graphqlState(repoInfo(), { rulesets: [refExcluded] }), 'main').protection.allowDeletions).toBe(true);
    expect(effectiveProtection(graphqlState(repoInfo(), { rulesets: [refExcluded] }), 'dev').protection.allowDeletions).toBe(false);

    const repoExcluded = orgRuleset({
      repositoryName: { include: ['*'], exclude: ['svc'], protected: true },
      rules: [{ type: 'deletion' }],
    });
    expect(effectiveProtection(graphqlState(repoInfo(), { rulesets: [repoExcluded] }), 'main').protectedByAnything).toBe(false);
    expect(effectiveProtection(graphqlState(repoInfo({ name: 'web' }), { rulesets: [repoExcluded] }), 'main').protectedByAnything).toBe(
      true,
    );

    const propExcluded = orgRuleset({
      repositoryProperty: {
        include: [{ name: 'tier', propertyValues: ['1'], source: 'custom' }],
        exclude: [{ name: 'visibility', propertyValues: ['public'], source: 'system' }],
      },
      rules: [{ type: 'deletion' }],
    });
    const pub = repoInfo({ visibility: 'public', customProperties: { tier: '1' } });
    const priv = repoInfo({ visibility: 'private', customProperties: { tier: '1' } });
    expect(rulesetTargetsRepo(propExcluded, pub, pub.customProperties)).toBe(false);
    expect(rulesetTargetsRepo(propExcluded, priv, priv.customProperties)).toBe(true);
  });

  it('targets org rulesets by repository id', () => {
    const rs = orgRuleset({ repositoryIds: [42], rules: [{ type: 'deletion' }] });
    expect(rulesetTargetsRepo(rs, repoInfo({ id: 42 }), {})).toBe(true);
    expect(rulesetTargetsRepo(rs, repoInfo({ id: 43 }), {})).toBe(false);
  });

  it('uses GitHub’s own per-branch answer (rules/branches) and names the ruleset when known', () => {
    const full = ruleset({ id: 7, name: 'guard', rules: [{ type: 'deletion' }] });
    const live = createLiveState(repoInfo(), {
      access: 'admin',
      classicByBranch: { main: { kind: 'unprotected' } },
      rulesets: [full],
      rulesByBranch: { main: [{ type: 'deletion', source: { type: 'Repository', name: 'acme/svc', rulesetId: 7 } }] },
    });
    const e = effectiveProtection(live, 'main');
    expect(e.state).toBe('known');
    expect(e.protection.allowDeletions).toBe(false);
    expect(describeSource(e.sources.allowDeletions![0]!)).toBe("repo ruleset 'guard' (#7)");
  });
});

describe('effectiveProtection: unknown and not applicable are never unprotected', () => {
  it('reports unknown for a non-admin token even though the rule list is empty', () => {
    const live = graphqlState(repoInfo({ viewerPermission: 'write' }), { access: 'read-only', classicRules: [] });
    const e = effectiveProtection(live, 'main');
    expect(e.state).toBe('unknown');
    expect(e.reason).toMatch(/admin/);
  });

  it('keeps what rulesets show as a lower bound when classic protection is not visible', () => {
    const live = graphqlState(repoInfo(), { access: 'read-only', rulesets: [ruleset({ rules: [{ type: 'non_fast_forward' }] })] });
    const e = effectiveProtection(live, 'main');
    expect(e.state).toBe('unknown');
    expect(e.protection.allowForcePushes).toBe(false);
  });

  it('reports not_applicable for a plan without branch protection', () => {
    const live = createLiveState(repoInfo(), {
      access: 'plan-unavailable',
      accessReason: 'Upgrade to GitHub Pro or make this repository public to enable this feature.',
    });
    const e = effectiveProtection(live, 'main');
    expect(e.state).toBe('not_applicable');
    expect(e.reason).toMatch(/Upgrade to GitHub Pro/);
  });

  it('passes through per-branch unknown / not_applicable REST reads', () => {
    const base = { access: 'admin' as const, rulesByBranch: { main: [] } };
    const unknown = createLiveState(repoInfo(), { ...base, classicByBranch: { main: { kind: 'unknown', reason: 'Not Found' } } });
    expect(effectiveProtection(unknown, 'main').state).toBe('unknown');
    const na = createLiveState(repoInfo(), { ...base, classicByBranch: { main: { kind: 'not_applicable', reason: 'plan' } } });
    expect(effectiveProtection(na, 'main').state).toBe('not_applicable');
  });

  it('is unknown when a half was not read at all, or the reader failed', () => {
    expect(effectiveProtection(createLiveState(repoInfo(), { access: 'admin', classicRules: [] }), 'main').reason).toMatch(
      /rulesets were not read/,
    );
    expect(effectiveProtection(createLiveState(repoInfo(), { access: 'admin', rulesets: [] }), 'main').state).toBe('unknown');
    expect(effectiveProtection(graphqlState(repoInfo(), { readError: 'HTTP 502' }), 'main').state).toBe('unknown');
  });

  it('a listed ruleset that could not be read: what was read is a lower bound, the state unknown', () => {
    const read = ruleset({ name: 'main-guard', rules: [prRule(2)] });
    const live = graphqlState(repoInfo(), { rulesets: [read], unreadRulesets: 1 });
    const e = effectiveProtection(live, 'main');
    expect(e.state).toBe('unknown');
    expect(e.reason).toBe('1 ruleset listed for the repository could not be read (rules and bypass list unseen)');
    expect(e.protection.requiredReviews?.requiredApprovingReviewCount).toBe(2);
    expect(effectivePatternCoverage(graphqlState(repoInfo(), { rulesets: [], unreadRulesets: 2 }), 'release/*')).toMatchObject({
      futureCovered: null,
      reason: expect.stringContaining('2 rulesets listed for the repository could not be read'),
    });
    // GET /rules/branches/{b} is GitHub's evaluation of every active rule: nothing of it is missing.
    const rest = createLiveState(repoInfo(), {
      access: 'admin',
      classicByBranch: { main: { kind: 'unprotected' } },
      rulesByBranch: { main: [] },
      unreadRulesets: 1,
    });
    expect(effectiveProtection(rest, 'main').state).toBe('known');
  });
});
