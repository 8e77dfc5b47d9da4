import { describe, expect, it } from 'vitest';
import { classifyRepo } from '../../../src/core/classify.js';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { desiredProtection } from '../../../src/core/desired-protection.js';
import {
  assessRepo,
  meetsFailOn,
  resolveTierPolicy,
  SEVERITY_TABLE,
  severityFor,
  summarizeByTier,
  type AssessOptions,
  type Finding,
} from '../../../src/core/gap-analysis.js';
import { createLiveState, toParsedRepoConfig, type ParsedRepoConfig, type RepoLiveState } from '../../../src/core/live-state.js';
import type { ProtectionProfile, QmsPolicy, TierPolicy } from '../../../src/core/policy.js';
import type { RepoInfo } from '../../../src/core/github-types.js';
import {
  checksRule,
  classicRule,
  graphqlState,
  orgRuleset,
  prRule,
  protection,
  repoInfo,
  reviews,
  ruleset,
  smallPolicy,
  tier,
} from './helpers.js';

const policy = defaultPolicy();
const mc = policy.tiers['mission_critical']!;
const mcFloor = mc.branches[0]!.protection;

function assess(live: RepoLiveState, tierName: string, p: QmsPolicy = policy, extra: Partial<AssessOptions> = {}) {
  const withTier = { ...live, customProperties: { ...(live.customProperties ?? {}), qms_tier: tierName } };
  const classification = classifyRepo(withTier, p);
  return assessRepo(withTier, classification, p.tiers[tierName] ?? null, { tiers: p.tiers, ...extra });
}

const bySetting = (findings: Finding[]) =>
  Object.fromEntries(findings.map((f) => [`${f.branch}|${f.setting}|${String(f.expected)}`, f.severity]));

/** A mission-critical repo whose pattern targets are satisfied, so tests can focus on one thing. */
function mcRules(extra: ReturnType<typeof classicRule>[] = []) {
  const good = desiredProtection(null, mcFloor);
  return [classicRule('release/*', good), classicRule('hotfix/*', good), ...extra];
}

describe('assessRepo: findings and severities', () => {
  it('reports every gap of an unprotected mission-critical default branch with table severities', () => {
    const a = assess(graphqlState(repoInfo(), { classicRules: mcRules() }), 'mission_critical');
    expect(a.status).toBe('assessed');
    expect(a.level).toBe('none');
    expect(a.compliant).toBe(false);
    const s = bySetting(a.findings);
    expect(s['main|requiredReviews|true']).toBe('critical');
    expect(s['main|allowForcePushes|false']).toBe('critical');
    // Nothing binds anyone, so administrators get around nothing the others are held to:
    // the gaps are every writer's (and the plan sets enforce admins with the rest).
    expect(s['main|enforceAdmins|true']).toBeUndefined();
    expect(s['main|requiredReviews.requireCodeOwnerReviews|true']).toBe('high');
    expect(s['main|requiredStatusChecks.contexts|qms/dor-validation']).toBe('high');
    expect(s['main|requireLinearHistory|true']).toBe('medium');
    expect(s['main|requiredStatusChecks.strict|true']).toBe('medium');
    expect(s['main|requireConversationResolution|true']).toBe('low');
    // Every finding: readable one-liner, tier, target, source.
    for (const f of a.findings.filter((x) => x.branch === 'main')) {
      expect(f).toMatchObject({ repo: 'acme/svc', tier: 'mission_critical', target: '~DEFAULT_BRANCH', source: 'no rule applies' });
      expect(f.message).toMatch(/^main: /);
      expect(f.message).not.toContain('\n');
    }
    // Sorted most severe first.
    expect(a.findings[0]!.severity).toBe('critical');
  });

  it('reports a partial protection precisely and names the rule that supplies the actual value', () => {
    const weak = protection({
      requiredReviews: reviews(1, { requireCodeOwnerReviews: true, dismissStaleReviews: true, requireLastPushApproval: true }),
    });
    const strong = desiredProtection(weak, mcFloor);
    const partial = { ...strong, requiredReviews: weak.requiredReviews, enforceAdmins: false };
    const merge = { ...mc.merge } as RepoInfo['merge'];
    const a = assess(graphqlState(repoInfo({ merge }), { classicRules: mcRules([classicRule('main', partial)]) }), 'mission_critical');
    expect(a.findings.map((f) => [f.setting, f.expected, f.actual, f.severity])).toEqual([
      ['enforceAdmins', true, false, 'high'],
      ['requiredReviews.requiredApprovingReviewCount', 2, 1, 'high'],
    ]);
    expect(a.findings[1]!.source).toBe("classic rule 'main'");
    // Administrators get around the whole classic rule: what they are not held to is named.
    expect(a.findings[0]!.source).toBe("classic rule 'main'");
    expect(a.findings[0]!.message).toMatch(
      /^main: administrators can bypass the pull request requirement, .* \(classic rule 'main': enforce admins is off\)$/,
    );
    expect(a.findings[1]!.message).toBe('main: 1 approving review(s) required, the tier requires at least 2');
    // One approval, stale dismissal and the standard checks: the standard floor is met.
    expect(a.level).toBe('standard');
  });

  it('lets the tier cap severity: experimental gaps are at most medium', () => {
    const p = defaultPolicy();
    p.tiers['experimental']!.branches[0]!.protection = { ...mcFloor };
    const a = assess(graphqlState(repoInfo()), 'experimental', p);
    expect(a.findings.length).toBeGreaterThan(5);
    expect(new Set(a.findings.map((f) => f.severity))).toEqual(new Set(['medium', 'low']));
    expect(severityFor('requiredReviews', 'business_critical', policy.tiers)).toBe('high');
    expect(severityFor('requiredReviews', 'mission_critical', policy.tiers)).toBe('critical');
  });

  it('caps custom tiers by rank: strictest critical, loosest medium, between high', () => {
    const tiers: Record<string, TierPolicy> = { top: tier('top', 3, {}), mid: tier('mid', 2, {}), low: tier('low', 1, {}) };
    expect(severityFor('allowForcePushes', 'top', tiers)).toBe('critical');
    expect(severityFor('allowForcePushes', 'mid', tiers)).toBe('high');
    expect(severityFor('allowForcePushes', 'low', tiers)).toBe('medium');
    expect(severityFor('requireConversationResolution', 'low', tiers)).toBe('low');
  });

  it('has a severity row for every setting a deviation can name', () => {
    for (const key of Object.keys(SEVERITY_TABLE))
      expect(['critical', 'high', 'medium', 'low']).toContain(SEVERITY_TABLE[key as keyof typeof SEVERITY_TABLE].severity);
  });

  it('finds a fully compliant repo compliant, at its grade', () => {
    const live = graphqlState(repoInfo({ merge: { ...mc.merge } as RepoInfo['merge'] }), {
      classicRules: mcRules([classicRule('main', desiredProtection(null, mcFloor))]),
    });
    const a = assess(live, 'mission_critical');
    expect(a.findings).toEqual([]);
    expect(a).toMatchObject({ status: 'assessed', compliant: true, level: 'mission-grade' });
    expect(a.reason).toBe('Meets the mission_critical tier.');
  });

  it('accepts protection that comes only from rulesets (repo + org by property)', () => {
    const repo = repoInfo({ customProperties: { tier: '1' } });
    const org = orgRuleset({
      refName: { include: ['~DEFAULT_BRANCH', 'refs/heads/release/**/*', 'refs/heads/hotfix/**/*'], exclude: [] },
      repositoryProperty: { include: [{ name: 'tier', propertyValues: ['1'], source: 'custom' }], exclude: [] },
      rules: [
        prRule(2, {
          requireCodeOwnerReview: true,
          dismissStaleReviewsOnPush: true,
          requireLastPushApproval: true,
          requiredReviewThreadResolution: true,
        }),
        checksRule([...mcFloor.requiredStatusChecks!.contexts], true),
        { type: 'non_fast_forward' },
        { type: 'deletion' },
      ],
    });
    const local = ruleset({ refName: { include: ['~ALL'], exclude: [] }, rules: [{ type: 'required_linear_history' }] });
    const live = graphqlState(repo, { rulesets: [org, local], merge: null } as Partial<RepoLiveState>);
    const a = assess({ ...live, repo: { ...repo, merge: { ...mc.merge } as RepoInfo['merge'] } }, 'mission_critical');
    expect(a.findings).toEqual([]);
    expect(a.status).toBe('assessed');
    expect(a.patterns.map((p) => [p.target, p.futureCovered])).toEqual([
      ['release/*', true],
      ['hotfix/*', true],
    ]);
  });
});

describe('assessRepo: statuses that are not gaps', () => {
  it('reports a non-admin token as unknown with no findings, never as unprotected', () => {
    const a = assess(
      graphqlState(repoInfo({ viewerPermission: 'read', merge: null }), { access: 'read-only', classicRules: [] }),
      'mission_critical',
    );
    expect(a.status).toBe('unknown');
    expect(a.findings).toEqual([]);
    expect(a.level).toBe('unknown');
    expect(a.compliant).toBe(false);
    expect(a.reason).toMatch(/could not be fully seen/);
  });

  it('reports a private repository on the free plan as not applicable', () => {
    const live = createLiveState(repoInfo(), {
      access: 'plan-unavailable',
      accessReason: 'Upgrade to GitHub Pro or make this repository public to enable this feature.',
    });
    const a = assess(live, 'standard');
    expect(a).toMatchObject({ status: 'not_applicable', findings: [], level: 'not_applicable' });
    expect(a.reason).toMatch(/Upgrade to GitHub Pro/);
  });

  it('skips archived repositories, and says empty repositories have nothing to protect', () => {
    const archived = assess(graphqlState(repoInfo({ archived: true })), 'standard');
    expect(archived).toMatchObject({ status: 'skipped', tier: null, findings: [] });
    const empty = assess(graphqlState(repoInfo({ empty: true }), { branches: [] }), 'standard');
    expect(empty).toMatchObject({ status: 'not_applicable', tier: 'standard', findings: [] });
    expect(empty.reason).toMatch(/empty/);
  });

  it('reports a failed read as error', () => {
    const a = assess(graphqlState(repoInfo(), { readError: 'GraphQL timeout' }), 'standard');
    expect(a).toMatchObject({ status: 'error', findings: [] });
    expect(a.reason).toMatch(/GraphQL timeout/);
  });
});

describe('assessRepo: repo config and merge settings', () => {
  it('turns an invalid repo config into a high finding with the located error, whatever the tier', () => {
    const p = {
      file: '.qms/branch-protection.yml',
      line: 4,
      column: 3,
      pointer: '/review_requirements/required_reviewers',
      message: 'must be an integer from 0 to 6',
    };
    const a = assess(graphqlState(repoInfo(), { classicRules: [classicRule('main', protection())] }), 'experimental', policy, {
      repoConfig: { status: 'invalid', path: '.qms/branch-protection.yml', problems: [p] },
    });
    const f = a.findings.find((x) => x.setting === 'repoConfig')!;
    expect(f.severity).toBe('high');
    expect(f.message).toBe(
      'repo config is invalid: .qms/branch-protection.yml:4:3: review_requirements.required_reviewers: must be an integer from 0 to 6',
    );
    expect(meetsFailOn(a.findings, 'high')).toBe(true);
  });

  it('turns a repo config looser than its tier into findings (never applied), and applies its tightenings', () => {
    const repoConfig: ParsedRepoConfig = {
      status: 'valid',
      path: '.qms/branch-protection.yml',
      config: { repository: { tier: 'mission_critical' }, reviewRequirements: { requiredReviewers: 1 } },
      warnings: [{ file: '.qms/branch-protection.yml', line: 9, column: 5, message: 'has no effect' }],
    };
    const live = graphqlState(repoInfo({ merge: { ...mc.merge } as RepoInfo['merge'] }), {
      classicRules: mcRules([classicRule('main', desiredProtection(null, mcFloor))]),
    });
    const tierPolicy = resolveTierPolicy(policy.tiers, 'mission_critical', repoConfig, 'main');
    // The looser count is not applied: the floor stays at 2.
    expect(tierPolicy!.branches[0]!.protection.requiredReviews?.requiredApprovingReviewCount).toBe(2);
    const a = assessRepo(live, classifyRepo(live, policy, repoConfig), tierPolicy, { tiers: policy.tiers, repoConfig });
    expect(a.findings.map((f) => [f.setting, f.expected, f.actual, f.severity, f.branch])).toEqual([
      ['repoConfig.review_requirements.required_reviewers', 2, 1, 'medium', null],
    ]);
    expect(a.findings[0]!.message).toMatch(/^repo config required_reviewers is 1 .*\(not applied\)$/);
    expect(a.notes.join()).toMatch(/Repo config warning: .*:9:5: has no effect/);

    // A stricter repo config raises the floor the live protection is judged against.
    const strict: ParsedRepoConfig = {
      ...repoConfig,
      config: { repository: { tier: 'mission_critical' }, reviewRequirements: { requiredReviewers: 3 } },
    };
    const tightened = resolveTierPolicy(policy.tiers, 'mission_critical', strict, 'main');
    const b = assessRepo(live, classifyRepo(live, policy, strict), tightened, { tiers: policy.tiers, repoConfig: strict });
    expect(b.findings.map((f) => [f.branch, f.setting, f.expected, f.actual])).toContainEqual([
      'main',
      'requiredReviews.requiredApprovingReviewCount',
      3,
      2,
    ]);
  });

  it("a repo config asking for a lower tier than a policy rule: a high finding, the rule's tier is the floor", () => {
    const repoConfig: ParsedRepoConfig = {
      status: 'valid',
      path: '.qms/branch-protection.yml',
      config: { repository: { tier: 'experimental' }, reviewRequirements: { requiredReviewers: 1 } },
    };
    const live = graphqlState(repoInfo({ name: 'payments-ledger', merge: { ...mc.merge } as RepoInfo['merge'] }), {
      classicRules: mcRules([classicRule('main', desiredProtection(null, mcFloor))]),
    });
    const classification = classifyRepo(live, policy, repoConfig);
    expect(classification.tier).toBe('mission_critical');
    const tierPolicy = resolveTierPolicy(policy.tiers, classification.tier, repoConfig, 'main');
    expect(tierPolicy!.name).toBe('mission_critical');
    const a = assessRepo(live, classification, tierPolicy, { tiers: policy.tiers, repoConfig });
    expect(a.status).toBe('assessed');
    const lowered = a.findings.find((f) => f.setting === 'repoConfig.repository.tier');
    expect(lowered).toMatchObject({ expected: 'mission_critical', actual: 'experimental', severity: 'high', tier: 'mission_critical' });
    expect(lowered!.branch).toBeNull();
    expect(lowered!.message).toBe(
      'repo config .qms/branch-protection.yml asks for tier experimental, below mission_critical from policy rule 1: ' +
        'financial/payment systems (seed §2.1.1) (not applied)',
    );
    // Its looser settings are judged against the tier that applies, and the protection meets it.
    const settings = a.findings.map((f) => f.setting).sort();
    expect(settings).toEqual(['repoConfig.repository.tier', 'repoConfig.review_requirements.required_reviewers']);
    expect(meetsFailOn(a.findings, 'high')).toBe(true);
  });

  it('a tier topic below the qms_tier property is a finding too (tierTopic); one above it is not', () => {
    const withTopic = (topic: string) =>
      graphqlState(repoInfo({ name: 'svc', topics: [topic], customProperties: { qms_tier: 'standard' } }), { classicRules: [] });
    const low = withTopic('qms-tier-experimental');
    const c = classifyRepo(low, policy);
    const a = assessRepo(low, c, policy.tiers[c.tier!]!, { tiers: policy.tiers });
    expect(a.findings.find((f) => f.setting === 'tierTopic')).toMatchObject({
      expected: 'standard',
      actual: 'experimental',
      severity: 'high',
      source: 'qms-tier-experimental',
    });
    const high = withTopic('qms-tier-mission-critical');
    const h = classifyRepo(high, policy);
    expect(h.tier).toBe('mission_critical');
    const b = assessRepo(high, h, policy.tiers['mission_critical']!, { tiers: policy.tiers });
    expect(b.findings.some((f) => f.setting === 'tierTopic')).toBe(false);
  });

  it('maps parseRepoConfig results into the parsed repo config', () => {
    const file = { kind: 'found' as const, path: '.qms/branch-protection.yml', text: 'x' };
    const err = { file: file.path, line: 1, column: 1, message: 'bad' };
    expect(toParsedRepoConfig(file, () => ({ config: undefined, warnings: [], errors: [err] }))).toEqual({
      status: 'invalid',
      path: file.path,
      problems: [err],
    });
    expect(toParsedRepoConfig(file, () => ({ config: { repository: { tier: 'standard' } }, warnings: [], errors: [] }))).toEqual({
      status: 'valid',
      path: file.path,
      config: { repository: { tier: 'standard' } },
    });
    expect(
      toParsedRepoConfig({ kind: 'absent' }, () => {
        throw new Error('not called');
      }),
    ).toEqual({ status: 'absent' });
    expect(
      toParsedRepoConfig({ kind: 'unreadable', reason: '403' }, () => {
        throw new Error('not called');
      }),
    ).toEqual({ status: 'unreadable', reason: '403' });
  });

  it('compares merge settings the tier names, and notes when they are not visible', () => {
    const live = graphqlState(repoInfo({ merge: { allowSquashMerge: true, allowMergeCommit: true, allowRebaseMerge: true } }), {
      classicRules: mcRules([classicRule('main', desiredProtection(null, mcFloor))]),
    });
    const a = assess(live, 'mission_critical');
    expect(a.findings.map((f) => [f.setting, f.expected, f.actual, f.severity])).toEqual([['merge.allowSquashMerge', false, true, 'low']]);
    const hidden = assess({ ...live, repo: { ...live.repo, merge: null } }, 'mission_critical');
    expect(hidden.findings).toEqual([]);
    expect(hidden.notes.join()).toMatch(/Merge settings are not visible/);
  });
});

describe('assessRepo: pattern targets', () => {
  const goodMain = () => classicRule('main', desiredProtection(null, mcFloor));
  const merge = { ...mc.merge } as RepoInfo['merge'];

  it('reports release/* and hotfix/* as uncovered for future branches when no rule covers them', () => {
    const live = graphqlState(repoInfo({ merge }), { classicRules: [goodMain()], branches: ['main'] });
    const a = assess(live, 'mission_critical');
    expect(a.findings.map((f) => [f.branch, f.setting, f.severity])).toEqual([
      ['hotfix/*', 'coverage', 'high'],
      ['release/*', 'coverage', 'high'],
    ]);
  });

  it('assesses each existing release branch and the future-branch coverage', () => {
    const weakRelease = classicRule('release/*', protection({ requiredReviews: reviews(1) }));
    const live = graphqlState(repoInfo({ merge }), {
      classicRules: [goodMain(), weakRelease, classicRule('hotfix/*', desiredProtection(null, mcFloor))],
      branches: ['main', 'release/1.0', 'release/2.0', 'release/2.0/patch'],
    });
    const a = assess(live, 'mission_critical');
    const branches = new Set(a.findings.map((f) => f.branch));
    expect(branches).toEqual(new Set(['release/1.0', 'release/2.0']));
    expect(a.findings.some((f) => f.setting === 'coverage')).toBe(false);
    expect(a.patterns.find((p) => p.target === 'release/*')).toMatchObject({
      existingBranches: ['release/1.0', 'release/2.0'],
      futureCovered: true,
      coveringRules: ["classic rule 'release/*'"],
    });
    expect(a.branches.filter((b) => b.target === 'release/*').map((b) => b.branch)).toEqual(['release/1.0', 'release/2.0']);
  });

  it('judges what a new branch would get when none exists yet', () => {
    const live = graphqlState(repoInfo({ merge }), {
      classicRules: [goodMain(), classicRule('release/*', protection()), classicRule('hotfix/*', desiredProtection(null, mcFloor))],
      branches: ['main'],
    });
    const a = assess(live, 'mission_critical');
    expect(a.findings.length).toBeGreaterThan(3);
    expect(a.findings.every((f) => f.branch === 'release/*' && f.message.startsWith('release/* (new branches): '))).toBe(true);
  });

  it('is unknown, not uncovered, when pattern rules cannot be seen', () => {
    const live = createLiveState(repoInfo({ merge }), {
      access: 'admin',
      branches: ['main'],
      classicByBranch: { main: { kind: 'protected', protection: desiredProtection(null, mcFloor), raw: {} } },
      rulesByBranch: { main: [] },
    });
    const a = assess(live, 'mission_critical');
    expect(a.status).toBe('unknown');
    expect(a.findings).toEqual([]);
    expect(a.level).toBe('mission-grade');
  });

  it('reports a named target branch that does not exist as absent', () => {
    const p = smallPolicy();
    p.tiers['gold']!.branches.push({ pattern: 'develop', protection: { allowForcePushes: false } });
    const a = assess(
      graphqlState(repoInfo(), { classicRules: [classicRule('main', desiredProtection(null, p.tiers['gold']!.branches[0]!.protection))] }),
      'gold',
      p,
    );
    expect(a.branches).toContainEqual({ target: 'develop', branch: 'develop', state: 'absent', reason: 'no such branch' });
    expect(a.status).toBe('assessed');
  });
});

describe('readers: REST-shaped and GraphQL-shaped states give the same findings', () => {
  it('agrees on classic + ruleset protection of the default branch', () => {
    const floor: ProtectionProfile = policy.tiers['standard']!.branches[0]!.protection;
    const classic = protection({ requiredReviews: reviews(1), requireLinearHistory: true });
    const rs = ruleset({ id: 9, name: 'checks', rules: [checksRule(['qms/dor-validation'], false)], bypassActors: null });
    const repo = repoInfo();
    const gql = graphqlState(repo, { classicRules: [classicRule('main', classic)], rulesets: [rs] });
    const rest = createLiveState(repo, {
      reader: 'rest',
      access: 'admin',
      branches: ['main'],
      classicByBranch: { main: { kind: 'protected', protection: classic, raw: {} } },
      rulesByBranch: { main: [{ ...rs.rules[0]!, source: { type: 'Repository', name: 'acme/svc', rulesetId: 9 } }] },
      rulesets: null,
      customProperties: {},
    });
    const strip = (fs: Finding[]) => fs.map(({ source: _s, ...rest }) => rest);
    const a = assess(gql, 'standard');
    const b = assess(rest, 'standard');
    expect(floor.requiredStatusChecks).toBeDefined();
    expect(strip(b.findings)).toEqual(strip(a.findings));
    expect(a.findings.length).toBeGreaterThan(0);
    expect([a.status, a.level]).toEqual([b.status, b.level]);
  });
});

describe('summarizeByTier and meetsFailOn', () => {
  it('counts repos, compliance, gaps by severity and unknowns per tier, strictest tier first', () => {
    const good = graphqlState(repoInfo({ name: 'a', merge: { ...mc.merge } as RepoInfo['merge'] }), {
      classicRules: mcRules([classicRule('main', desiredProtection(null, mcFloor))]),
    });
    const bare = graphqlState(repoInfo({ name: 'b', merge: { ...mc.merge } as RepoInfo['merge'] }), { classicRules: mcRules() });
    const hidden = graphqlState(repoInfo({ name: 'c', merge: null }), { access: 'read-only' });
    const std = graphqlState(repoInfo({ name: 'd' }), { classicRules: [] });
    const archived = graphqlState(repoInfo({ name: 'e', archived: true }));
    const all = [
      assess(good, 'mission_critical'),
      assess(bare, 'mission_critical'),
      assess(hidden, 'mission_critical'),
      assess(std, 'standard'),
      assess(archived, 'standard'),
    ];
    const summary = summarizeByTier(all, policy.tiers);
    expect(summary.map((s) => s.tier)).toEqual(['mission_critical', 'standard', 'unclassified']);
    const m = summary[0]!;
    expect(m).toMatchObject({ repos: 3, assessed: 2, compliant: 1, withGaps: 1, unknown: 1 });
    const bareFindings = all[1]!.findings;
    expect(m.gaps.critical).toBe(bareFindings.filter((f) => f.severity === 'critical').length);
    expect(m.gaps.critical).toBeGreaterThan(0);
    expect(m.levels).toEqual({ 'mission-grade': 1, none: 1, unknown: 1 });
    expect(summary[2]).toMatchObject({ repos: 1, skipped: 1 });
  });

  it('every repository counts once: one that could not be fully seen is unknown, never a gap of an assessed one', () => {
    const invalid: ParsedRepoConfig = {
      status: 'invalid',
      path: '.qms/branch-protection.yml',
      problems: [{ file: '.qms/branch-protection.yml', line: 1, column: 1, message: 'not valid YAML' }],
    };
    const good = graphqlState(repoInfo({ name: 'a', merge: { ...mc.merge } as RepoInfo['merge'] }), {
      classicRules: mcRules([classicRule('main', desiredProtection(null, mcFloor))]),
    });
    const bare = graphqlState(repoInfo({ name: 'b', merge: { ...mc.merge } as RepoInfo['merge'] }), { classicRules: mcRules() });
    // Read-only: classic protection unseen; the invalid repo config is still a finding.
    const hidden = graphqlState(repoInfo({ name: 'c', merge: null }), { access: 'read-only', classicRules: [] });
    const hidden2 = graphqlState(repoInfo({ name: 'd', merge: null }), { access: 'read-only', classicRules: [] });
    const failed = graphqlState(repoInfo({ name: 'e' }), { readError: 'HTTP 500' });
    const all = [
      assess(good, 'mission_critical'),
      assess(bare, 'mission_critical'),
      assess(hidden, 'mission_critical', policy, { repoConfig: invalid }),
      assess(hidden2, 'mission_critical'),
      assess(failed, 'mission_critical'),
    ];
    expect(all.map((a) => a.status)).toEqual(['assessed', 'assessed', 'unknown', 'unknown', 'error']);
    expect(all[2]!.findings.length).toBeGreaterThan(0);
    const [m] = summarizeByTier(all, policy.tiers);
    expect(m).toMatchObject({ repos: 5, assessed: 2, compliant: 1, withGaps: 1, unknown: 2, errors: 1, notApplicable: 0, skipped: 0 });
    expect(m!.compliant + m!.withGaps + m!.unknown + m!.notApplicable + m!.skipped + m!.errors).toBe(m!.repos);
    // Findings by severity cover every repository; the part from repositories not fully seen is said apart.
    expect(m!.gapsNotFullyAssessed).toEqual({ critical: 0, high: 1, medium: 0, low: 0 });
    const total = (r: Record<string, number>) => Object.values(r).reduce((x, y) => x + y, 0);
    expect(total(m!.gaps)).toBe(all.reduce((n, a) => n + a.findings.length, 0));
  });

  it('meetsFailOn compares against the threshold inclusively', () => {
    const fs = [{ severity: 'medium' as const }, { severity: 'low' as const }];
    expect(meetsFailOn(fs, 'medium')).toBe(true);
    expect(meetsFailOn(fs, 'high')).toBe(false);
    expect(meetsFailOn(fs, 'low')).toBe(true);
    expect(meetsFailOn(fs, 'none')).toBe(false);
    expect(meetsFailOn([], 'low')).toBe(false);
  });
});
