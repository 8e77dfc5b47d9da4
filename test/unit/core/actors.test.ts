/**
 * Who a rule binds (docs/effective-protection.md): effective protection per class
 * of actor, the tolerance a tier grants, code owners that bind nothing, checks no
 * one can post, locks, strict without checks, and the level under all of it.
 * Built in memory, one scenario per item of issue 18.
 */
import { describe, expect, it } from 'vitest';
import { classifyRepo } from '../../../src/core/classify.js';
import { codeOwnersUsability, ownerLines } from '../../../src/core/code-owners.js';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { desiredProtection, mergeProfiles } from '../../../src/core/desired-protection.js';
import { actorViews, describeActor, effectiveProtection } from '../../../src/core/effective-protection.js';
import { toleranceFor } from '../../../src/core/bypass-tolerance.js';
import { assessRepo } from '../../../src/core/gap-analysis.js';
import type { RulesetBypassActor, RulesetRule } from '../../../src/core/github-types.js';
import type { RepoLiveState } from '../../../src/core/live-state.js';
import type { BypassTolerance, QmsPolicy } from '../../../src/core/policy.js';
import { checksRule, classicRule, graphqlState, prRule, protection, repoInfo, reviews, ruleset } from './helpers.js';

const policy = defaultPolicy();
const mc = policy.tiers['mission_critical']!;
const floor = mc.branches[0]!.protection;
/** Every mission_critical rule, as a ruleset. */
const EVERY_RULE: RulesetRule[] = [
  prRule(2, {
    requireCodeOwnerReview: true,
    dismissStaleReviewsOnPush: true,
    requireLastPushApproval: true,
    requiredReviewThreadResolution: true,
  }),
  checksRule(
    ['qms/dor-validation', 'qms/security-scan-critical', 'qms/code-quality-gate', 'qms/compliance-audit', 'qms/dod-validation'],
    true,
  ),
  { type: 'required_linear_history' },
  { type: 'non_fast_forward' },
  { type: 'deletion' },
];
const ALL_TARGETS = { include: ['~DEFAULT_BRANCH', 'refs/heads/release/**/*', 'refs/heads/hotfix/**/*'], exclude: [] };
const CODEOWNERS = { kind: 'found' as const, path: '.github/CODEOWNERS', text: '* @acme/payments\n', errors: [] };
const mcMerge = { ...mc.merge } as NonNullable<ReturnType<typeof repoInfo>['merge']>;

function live(bypassActors: RulesetBypassActor[] | null, extra: Partial<RepoLiveState> = {}): RepoLiveState {
  return graphqlState(repoInfo({ merge: mcMerge }), {
    rulesets: [ruleset({ name: 'pci', refName: ALL_TARGETS, rules: EVERY_RULE, bypassActors })],
    codeOwners: CODEOWNERS,
    ...extra,
  });
}

function assess(state: RepoLiveState, p: QmsPolicy = policy) {
  const withTier = { ...state, customProperties: { ...(state.customProperties ?? {}), qms_tier: 'mission_critical' } };
  return assessRepo(withTier, classifyRepo(withTier, p), p.tiers['mission_critical']!, { tiers: p.tiers, roles: p.roles });
}

describe('effective protection per class of actor', () => {
  it('a bypass-free ruleset binds everyone, administrators included: compliant, mission-grade', () => {
    const a = assess(live([]));
    expect(a.findings).toEqual([]);
    expect(a).toMatchObject({ compliant: true, level: 'mission-grade' });
    expect(effectiveProtection(live([]), 'main').protection.enforceAdmins).toBe(true);
  });

  it('item 1: the write role (RepositoryRole 4) in `always` mode takes the ruleset away from every writer', () => {
    const state = live([{ actorId: 4, actorType: 'RepositoryRole', bypassMode: 'always' }]);
    const e = effectiveProtection(state, 'main');
    expect(e.protection.requiredReviews).toBeNull();
    expect(e.actors.map((v) => describeActor(v.actor))).toEqual([
      'every writer',
      'maintainers',
      'repository admins',
      'organization admins',
    ]);
    const a = assess(state);
    expect(a).toMatchObject({ compliant: false, level: 'none' });
    expect(a.findings.find((f) => f.branch === 'main' && f.setting === 'requiredReviews')?.source).toMatch(
      /\(every writer can bypass it\)$/,
    );
  });

  it('item 1: `pull_request` mode merges pull requests without the rules, but still needs one and cannot force-push', () => {
    const v = actorViews(
      effectiveProtection(live([{ actorId: 77, actorType: 'Team', bypassMode: 'pull_request', name: 'payments' }]), 'main'),
    );
    const team = v.find((x) => x.actor.kind === 'team')!;
    expect(team.protection.requiredReviews).toMatchObject({ requiredApprovingReviewCount: 0, requireCodeOwnerReviews: false });
    expect(team.protection.requiredStatusChecks).toBeNull();
    expect(team.protection.allowForcePushes).toBe(false);
    expect(team.protection.allowDeletions).toBe(false);
    const f = assess(live([{ actorId: 77, actorType: 'Team', bypassMode: 'pull_request', name: 'payments' }])).findings.find(
      (x) => x.branch === 'main' && x.setting === 'bypass',
    );
    expect(f).toMatchObject({ actual: 'team payments', severity: 'high' });
    expect(f?.message).toMatch(
      /^main: team payments can bypass required approvals, .* \(repo ruleset 'pci' \(#\d+\): team payments, pull_request\)$/,
    );
  });

  it('item 1: `exempt` and `always` skip everything; the severity is the worst requirement skipped', () => {
    for (const mode of ['always', 'exempt']) {
      const f = assess(live([{ actorId: null, actorType: 'DeployKey', bypassMode: mode }])).findings.find(
        (x) => x.branch === 'main' && x.setting === 'bypass',
      );
      expect(f).toMatchObject({ actual: 'deploy keys', severity: 'critical' });
      expect(f?.message).toMatch(/can bypass the pull request requirement, .*the deletion block/);
    }
  });

  it('item 2: a classic pull request bypass allowance lets its users and teams push without a pull request, checks still bind', () => {
    const classic = desiredProtection(null, floor);
    const withAllowance = {
      ...classic,
      requiredReviews: { ...classic.requiredReviews!, bypassAllowances: { users: ['cyrus'], teams: ['payments'], apps: [] } },
    };
    const state = graphqlState(repoInfo({ merge: mcMerge }), {
      classicRules: [classicRule('main', withAllowance), classicRule('release/*', classic), classicRule('hotfix/*', classic)],
      codeOwners: CODEOWNERS,
    });
    const cyrus = effectiveProtection(state, 'main').actors.find((v) => v.actor.kind === 'user')!;
    expect(cyrus.protection.requiredReviews).toBeNull();
    expect(cyrus.protection.requiredStatusChecks?.checks).toHaveLength(5);
    const a = assess(state);
    expect(
      a.findings
        .filter((f) => f.setting === 'bypass')
        .map((f) => f.actual)
        .sort(),
    ).toEqual(['team payments', 'user cyrus']);
    expect(a.level).toBe('basic');
  });

  it('item 6: enforce admins off on the classic rule is no gap when a bypass-free ruleset binds admins to all of it', () => {
    const classic = { ...desiredProtection(null, floor), enforceAdmins: false };
    const state = live([], { classicRules: [classicRule('main', classic)] });
    expect(effectiveProtection(state, 'main').protection.enforceAdmins).toBe(true);
    expect(assess(state)).toMatchObject({ compliant: true, level: 'mission-grade' });
    // Without the ruleset, administrators get around the whole classic rule.
    const alone = graphqlState(repoInfo({ merge: mcMerge }), { classicRules: [classicRule('main', classic)], codeOwners: CODEOWNERS });
    const f = assess(alone).findings.find((x) => x.branch === 'main' && x.setting === 'enforceAdmins');
    expect(f?.message).toMatch(
      /^main: administrators can bypass the pull request requirement, .*\(classic rule 'main': enforce admins is off\)$/,
    );
  });
});

describe('what a tier tolerates', () => {
  const orgAdminsPr: RulesetBypassActor = { actorId: null, actorType: 'OrganizationAdmin', bypassMode: 'pull_request' };

  it('by default nothing beyond the floor: org admins in pull_request mode are a gap on mission_critical', () => {
    const a = assess(live([orgAdminsPr]));
    expect(a.findings.map((f) => `${f.branch} ${f.setting}`)).toContain('main enforceAdmins');
    expect(a.level).toBe('business-grade'); // business_critical does not ask for enforce admins
  });

  it('a tier that lists a bypass (here: org admins, pull_request) accepts it, and only in that mode', () => {
    const tolerant = defaultPolicy();
    tolerant.tiers['mission_critical']!.toleratedBypass = [{ actor: { kind: 'orgAdmin' }, mode: 'pull_request' }];
    expect(assess(live([orgAdminsPr]), tolerant)).toMatchObject({ compliant: true, level: 'mission-grade' });
    const always = assess(live([{ ...orgAdminsPr, bypassMode: 'always' }]), tolerant);
    expect(always.findings.some((f) => f.setting === 'enforceAdmins')).toBe(true);
  });

  it("names actors by slug, login, id, role or a policy role's holders", () => {
    const roles = { cto: { users: ['cyrus'], teams: [] } };
    const entries: [BypassTolerance['actor'], Parameters<ReturnType<typeof toleranceFor>>[1]['entry']][] = [
      [
        { kind: 'team', team: 'payments' },
        { kind: 'team', id: 7, slug: 'payments' },
      ],
      [
        { kind: 'team', team: 7 },
        { kind: 'team', id: 7, slug: null },
      ],
      [
        { kind: 'user', user: 'Cyrus' },
        { kind: 'user', id: null, login: 'cyrus' },
      ],
      [
        { kind: 'app', app: 880001 },
        { kind: 'app', id: 880001, slug: null },
      ],
      [
        { kind: 'role', role: 'write' },
        { kind: 'role', role: 'write' },
      ],
      [
        { kind: 'role', role: 4 },
        { kind: 'role', role: 'write' },
      ],
      [{ kind: 'deployKey' }, { kind: 'deployKeys' }],
      [
        { kind: 'qmsRole', role: 'cto' },
        { kind: 'user', id: null, login: 'cyrus' },
      ],
    ];
    for (const [actor, entry] of entries) {
      const tolerate = toleranceFor({}, [{ actor, mode: 'always' }], roles);
      const bypass = { source: { kind: 'classic' as const, pattern: 'main', ruleId: null }, how: 'always' as const, via: '', entry };
      expect(tolerate({ kind: 'everyone' }, bypass), JSON.stringify(actor)).toBe(true);
      expect(toleranceFor({}, [], roles)({ kind: 'everyone' }, bypass)).toBe(false);
    }
  });
});

describe('item 3: code owner review needs usable owners', () => {
  it("reads owner lines and GitHub's errors", () => {
    expect(ownerLines('# comment\n*  @a\n/docs/ \n/src/ @b @c # inline\n')).toEqual([2, 4]);
    expect(codeOwnersUsability({ kind: 'absent' })).toMatchObject({ status: 'absent' });
    expect(
      codeOwnersUsability({
        kind: 'found',
        path: 'CODEOWNERS',
        text: '* @ghost\n',
        errors: [{ line: 1, kind: 'Unknown owner', message: 'x' }],
      }),
    ).toMatchObject({ status: 'invalid' });
    expect(
      codeOwnersUsability({
        kind: 'found',
        path: 'CODEOWNERS',
        text: '* @ok\n/x @ghost\n',
        errors: [{ line: 2, kind: 'Unknown owner', message: 'x' }],
      }),
    ).toMatchObject({ status: 'usable' });
    expect(codeOwnersUsability({ kind: 'found', path: 'CODEOWNERS', text: '# nothing\n', errors: [] })).toMatchObject({
      status: 'invalid',
    });
    expect(codeOwnersUsability(null)).toMatchObject({ status: 'unknown' });
  });

  it('is a finding of its own and costs the level; unknown is a note, not a gap', () => {
    const a = assess(live([], { codeOwners: { kind: 'absent' } }));
    expect(a.findings.map((f) => f.setting)).toContain('codeOwners');
    expect(a.level).toBe('standard');
    const unread = assess(live([], { codeOwners: { kind: 'unknown', reason: 'CODEOWNERS could not be read: 403' } }));
    expect(unread.findings).toEqual([]);
    expect(
      unread.notes.some((n) => /Whether CODEOWNERS names usable owners is unknown \(CODEOWNERS could not be read: 403\)/.test(n)),
    ).toBe(true);
  });
});

describe('item 4: required checks no one can post', () => {
  const pinned = (context: string, appId: number, installations: RepoLiveState['appInstallations']) =>
    assess(
      graphqlState(repoInfo({ merge: mcMerge }), {
        rulesets: [ruleset({ refName: ALL_TARGETS, rules: [...EVERY_RULE, checksRule([context], false, appId)], bypassActors: [] })],
        codeOwners: CODEOWNERS,
        appInstallations: installations,
      }),
    );

  it('an app that is not installed; qms/* pinned to any app', () => {
    const missing = pinned('ci/lint', 990001, { kind: 'known', apps: [{ appId: 880001, slug: 'qms-checks', allRepositories: true }] });
    expect(missing.findings.filter((f) => f.branch === 'main').map((f) => `${f.setting} ${f.expected} ${f.actual}`)).toEqual([
      'requiredStatusChecks.unsatisfiable ci/lint app 990001',
    ]);
    const installed = pinned('ci/lint', 880001, { kind: 'known', apps: [{ appId: 880001, slug: 'qms-checks', allRepositories: true }] });
    expect(installed.findings).toEqual([]);
    const qms = pinned('qms/extra', 880001, { kind: 'known', apps: [{ appId: 880001, slug: 'qms-checks', allRepositories: true }] });
    expect(qms.findings.find((f) => f.branch === 'main')?.message).toMatch(/qms posts qms\/\* statuses with a token/);
  });

  it('degrades to a note when the installations cannot be read', () => {
    const hidden = pinned('ci/lint', 990001, {
      kind: 'unknown',
      reason: 'the app installations of acme are visible to its owners only (403)',
    });
    expect(hidden.findings).toEqual([]);
    expect(hidden.notes).toContain(
      'main: whether app 990001 can post required check ci/lint was not checked: the app installations of acme are visible to its owners only (403).',
    );
  });
});

describe('items 5, 7 and 9', () => {
  it('5: strict with no required check does not count as up to date', () => {
    const e = effectiveProtection(graphqlState(repoInfo(), { rulesets: [ruleset({ rules: [checksRule([], true)] })] }), 'main');
    expect(e.protection.requiredStatusChecks).toEqual({ strict: false, checks: [] });
    expect(e.strictWithoutChecks).toHaveLength(1);
    expect(e.sources['requiredStatusChecks.strict']).toBeUndefined();
  });

  it('7: a lock binding everyone leaves no push finding; one a bypass actor escapes still reports that actor', () => {
    const locked = protection({ lockBranch: true, enforceAdmins: true });
    const state = graphqlState(repoInfo({ merge: mcMerge }), {
      classicRules: [classicRule('main', locked), classicRule('release/*', locked), classicRule('hotfix/*', locked)],
      codeOwners: CODEOWNERS,
    });
    const a = assess(state);
    expect(a).toMatchObject({ compliant: true, level: 'mission-grade' });
    expect(a.notes.some((n) => n.startsWith("main: nobody without a bypass can push (classic rule 'main' locks the branch)"))).toBe(true);
    // Admins escape a lock that does not enforce admins: a gap on mission_critical.
    const open = graphqlState(repoInfo({ merge: mcMerge }), {
      classicRules: [classicRule('main', protection({ lockBranch: true }))],
      codeOwners: CODEOWNERS,
    });
    expect(assess(open).findings.some((f) => f.branch === 'main' && f.setting === 'enforceAdmins')).toBe(true);
  });

  it('9: a hidden bypass list gives "at least" the level of what surely binds', () => {
    const classic = classicRule(
      'main',
      protection({
        requiredReviews: reviews(1, { dismissStaleReviews: true }),
        requiredStatusChecks: {
          strict: false,
          checks: ['qms/dor-validation', 'qms/security-scan-critical', 'qms/code-quality-gate'].map((context) => ({
            context,
            appId: null,
          })),
        },
      }),
    );
    const a = assess(live(null, { classicRules: [classic] }));
    expect(a.level).toBe('at least standard');
    expect(a.status).toBe('unknown');
    expect(a.levelReason).toMatch(/meets the standard floor; it meets mission_critical only if nobody may bypass repo ruleset 'pci'/);
  });
});

describe('the plan follows the model', () => {
  it('desiredProtection removes pull request bypass allowances the floor does not tolerate (a tightening)', () => {
    const current = protection({
      requiredReviews: reviews(2, { bypassAllowances: { users: ['cyrus', 'lee'], teams: ['payments'], apps: [] } }),
    });
    const kept = { ...floor, requiredReviews: { ...floor.requiredReviews!, bypassAllowances: { users: ['LEE'], teams: [], apps: [] } } };
    expect(desiredProtection(current, kept).requiredReviews?.bypassAllowances).toEqual({ users: ['lee'], teams: [], apps: [] });
    const none = { ...floor, requiredReviews: { ...floor.requiredReviews!, bypassAllowances: { users: [], teams: [], apps: [] } } };
    expect(desiredProtection(current, none).requiredReviews?.bypassAllowances).toBeNull();
    // Without the planner's list, allowances stay (tighten-only, as before).
    expect(desiredProtection(current, floor).requiredReviews?.bypassAllowances).toEqual({
      users: ['cyrus', 'lee'],
      teams: ['payments'],
      apps: [],
    });
    expect(mergeProfiles(kept, none).requiredReviews?.bypassAllowances).toEqual({ users: [], teams: [], apps: [] });
  });
});
