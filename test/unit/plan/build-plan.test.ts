/**
 * buildPlan on in-memory evaluations: the real classification and gap analysis
 * (evaluateLiveState) over hand-built live states, so the planner sees exactly
 * what it sees in production.
 */
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { desiredMergeSettings, desiredProtection, meetsProfile } from '../../../src/core/desired-protection.js';
import { createLiveState, type RepoLiveState } from '../../../src/core/live-state.js';
import {
  buildPlan,
  diffProtection,
  flattenProtection,
  isInScope,
  summarizePlan,
  type Plan,
  type PlanInput,
  type ProtectionPlanStep,
} from '../../../src/core/plan.js';
import type { QmsPolicy } from '../../../src/core/policy.js';
import { emptyProtection, protectionEquals, type BranchProtection } from '../../../src/core/protection.js';
import { evaluateLiveState } from '../../../src/services/evaluate.js';
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
} from '../core/helpers.js';

const policy = defaultPolicy();
const mcFloor = policy.tiers['mission_critical']!.branches[0]!.protection;

/** A live state classified into `tier` through the custom property. */
function state(
  name: string,
  tier: string,
  fields: Partial<RepoLiveState> = {},
  repoOverrides: Parameters<typeof repoInfo>[0] = {},
): RepoLiveState {
  const repo = repoInfo({ name, customProperties: { qms_tier: tier }, ...repoOverrides });
  return graphqlState(repo, { customProperties: { qms_tier: tier }, ...fields });
}

function evaluate(lives: RepoLiveState[], p: QmsPolicy = policy): PlanInput[] {
  return lives.map((l) => evaluateLiveState(l, p));
}

function plan(lives: RepoLiveState[], options: Partial<Parameters<typeof buildPlan>[1]> = {}, p: QmsPolicy = policy): Plan {
  return buildPlan(evaluate(lives, p), { pilotRepositories: p.pilotRepositories, tiers: p.tiers, ...options });
}

/** Apply a plan to in-memory live states the way GitHub would (exact rules, pattern rules, merge). */
function applyInMemory(lives: RepoLiveState[], p: Plan): RepoLiveState[] {
  return lives.map((live) => {
    let next = structuredClone(live);
    for (const step of p.steps.filter((s) => s.repo === live.repo.fullName)) {
      if (step.kind === 'merge_settings') {
        next = { ...next, repo: { ...next.repo, merge: step.after } };
        continue;
      }
      const rules = [...(next.classicRules ?? [])];
      const i = rules.findIndex((r) => r.pattern === step.target);
      if (i >= 0) rules[i] = { ...rules[i]!, protection: step.after };
      else rules.push(classicRule(step.target, step.after));
      next = { ...next, classicRules: rules };
    }
    return next;
  });
}

describe('buildPlan: steps and order', () => {
  it('plans a classic PUT for an unprotected default branch with the full floor, and nothing else for standard', () => {
    const p = plan([state('svc', 'standard')]);
    expect(p.steps).toHaveLength(1);
    const step = p.steps[0] as ProtectionPlanStep;
    expect(step).toMatchObject({
      id: 1,
      repo: 'acme/svc',
      kind: 'classic_protection',
      target: 'main',
      tierTargets: ['~DEFAULT_BRANCH'],
      operation: 'create',
      tier: 'standard',
      before: null,
    });
    expect(meetsProfile(step.after, policy.tiers['standard']!.branches[0]!.protection)).toBe(true);
    expect(step.changes).toContainEqual({ op: '+', setting: 'requiredReviews.requiredApprovingReviewCount', before: null, after: 1 });
    expect(step.changes).toContainEqual({ op: '~', setting: 'allowForcePushes', before: true, after: false });
    expect(step.changes).toContainEqual({
      op: '+',
      setting: 'requiredStatusChecks.checks[qms/dor-validation]',
      before: null,
      after: 'any source',
    });
  });

  it('orders repositories by name, then classic, pattern rules, merge settings', () => {
    const lives = [state('zeta', 'mission_critical', { branches: ['main', 'release/1.0'] }), state('alpha', 'mission_critical')];
    const p = plan(lives);
    expect(p.steps.map((s) => `${s.repo} ${s.kind} ${s.target}`)).toEqual([
      'acme/alpha classic_protection main',
      'acme/alpha protection_rule release/*',
      'acme/alpha protection_rule hotfix/*',
      'acme/alpha merge_settings ',
      'acme/zeta classic_protection main',
      'acme/zeta protection_rule release/*',
      'acme/zeta protection_rule hotfix/*',
      'acme/zeta merge_settings ',
    ]);
    expect(p.steps.map((s) => s.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(summarizePlan(p)).toEqual({
      steps: 8,
      repos: 2,
      byKind: { classic_protection: 2, protection_rule: 4, merge_settings: 2 },
      skipped: 0,
    });
  });

  it('updates the existing pattern rule (by its node id) and creates missing ones', () => {
    const weak = classicRule('release/*', protection({ requiredReviews: reviews(1) }));
    const p = plan([state('svc', 'mission_critical', { classicRules: [weak] })]);
    const release = p.steps.find((s) => s.target === 'release/*') as ProtectionPlanStep;
    const hotfix = p.steps.find((s) => s.target === 'hotfix/*') as ProtectionPlanStep;
    expect(release).toMatchObject({ kind: 'protection_rule', operation: 'update', ruleId: weak.id });
    expect(release.after.requiredReviews?.requiredApprovingReviewCount).toBe(2);
    expect(hotfix).toMatchObject({ kind: 'protection_rule', operation: 'create', ruleId: null, before: null });
  });

  it('is tighten-only: keeps stricter settings of the current rule (more reviewers, pinned checks, restrictions)', () => {
    const strict = protection({
      requiredReviews: reviews(4),
      requiredStatusChecks: { strict: false, checks: [{ context: 'ci/build', appId: 15368 }] },
      restrictions: { users: ['ada'], teams: [], apps: [] },
      blockCreations: true,
    });
    const p = plan([state('svc', 'standard', { classicRules: [classicRule('main', strict)] })]);
    const step = p.steps[0] as ProtectionPlanStep;
    expect(step.operation).toBe('update');
    expect(step.after.requiredReviews?.requiredApprovingReviewCount).toBe(4);
    expect(step.after.requiredStatusChecks?.checks).toContainEqual({ context: 'ci/build', appId: 15368 });
    expect(step.after.restrictions).toEqual({ users: ['ada'], teams: [], apps: [] });
    expect(step.after.blockCreations).toBe(true);
    expect(step.changes.every((c) => c.op !== '-')).toBe(true);
  });

  it('plans merge settings only where they differ from the tier', () => {
    const same = state(
      'same',
      'mission_critical',
      {},
      { merge: { allowSquashMerge: false, allowMergeCommit: true, allowRebaseMerge: true } },
    );
    const differs = state(
      'differs',
      'mission_critical',
      {},
      { merge: { allowSquashMerge: true, allowMergeCommit: true, allowRebaseMerge: false } },
    );
    const p = plan([same, differs]);
    const merges = p.steps.filter((s) => s.kind === 'merge_settings');
    expect(merges.map((s) => s.repo)).toEqual(['acme/differs']);
    expect(merges[0]!.changes).toEqual([
      { op: '~', setting: 'allowRebaseMerge', before: false, after: true },
      { op: '~', setting: 'allowSquashMerge', before: true, after: false },
    ]);
  });
});

describe('buildPlan: idempotence', () => {
  it('a compliant organisation yields zero steps', () => {
    const good = desiredProtection(null, mcFloor);
    const compliant = state(
      'svc',
      'mission_critical',
      {
        classicRules: [classicRule('main', good), classicRule('release/*', good), classicRule('hotfix/*', good)],
      },
      { merge: { allowSquashMerge: false, allowMergeCommit: true, allowRebaseMerge: true } },
    );
    const p = plan([compliant]);
    expect(p.steps).toEqual([]);
    expect(p.skipped).toEqual([]);
  });

  it('planning again after applying the plan yields zero steps (every tier, varied starting states)', () => {
    const lives = [
      state('a', 'mission_critical', { branches: ['main', 'release/1.0', 'hotfix/x'] }),
      state('b', 'business_critical', { classicRules: [classicRule('main', protection({ requiredReviews: reviews(1) }))] }),
      state('c', 'standard', {
        classicRules: [classicRule('main', protection({ requireSignedCommits: true, requiredReviews: reviews(3) }))],
      }),
      state('d', 'experimental'),
      state('e', 'mission_critical', { classicRules: [classicRule('release/*', protection({ allowForcePushes: true }))] }),
    ];
    const first = plan(lives);
    expect(first.steps.length).toBeGreaterThan(5);
    const after = applyInMemory(lives, first);
    const second = plan(after);
    expect(second.steps).toEqual([]);
    // and every branch now meets its floor: assess agrees
    for (const e of evaluate(after)) expect(e.assessment.findings.filter((f) => !f.setting.startsWith('repoConfig'))).toEqual([]);
  });

  it('does not duplicate rulesets into a classic rule when they already meet the floor', () => {
    const coveredByRuleset = state('svc', 'experimental', {
      rulesets: [ruleset({ rules: [{ type: 'non_fast_forward' }, { type: 'deletion' }] })],
    });
    const p = plan([coveredByRuleset]);
    expect(p.steps).toEqual([]);
  });

  it('writes the classic rule (not a ruleset) when rulesets fall short, starting from the classic rule', () => {
    const partial = state('svc', 'standard', { rulesets: [orgRuleset({ rules: [prRule(2), checksRule(['qms/dor-validation'])] })] });
    const p = plan([partial]);
    expect(p.steps).toHaveLength(1);
    const step = p.steps[0] as ProtectionPlanStep;
    expect(step.before).toBeNull();
    // the classic rule gets the full floor (the tier's review count), not the ruleset's 2
    expect(step.after.requiredReviews?.requiredApprovingReviewCount).toBe(1);
  });
});

describe('buildPlan: what is never planned', () => {
  it('skips repositories that are archived, unknown, not applicable, errors, or not admin', () => {
    const archived = state('archived', 'standard', {}, { archived: true });
    const readOnly = state('readonly', 'standard', { access: 'read-only', accessReason: 'read permission' }, { viewerPermission: 'read' });
    const plan403 = state('free', 'standard', { access: 'plan-unavailable', accessReason: 'Upgrade to GitHub Pro' });
    const broken = state('broken', 'standard', { readError: 'HTTP 500' });
    const empty = state('empty', 'standard', { branches: [] }, { empty: true });
    const unknownRules = createLiveState(repoInfo({ name: 'norules', customProperties: { qms_tier: 'standard' } }), {
      access: 'admin',
      branches: ['main'],
      customProperties: { qms_tier: 'standard' },
      classicByBranch: { main: { kind: 'unknown', reason: 'fine-grained token without administration:read' } },
    });
    const p = plan([archived, readOnly, plan403, broken, empty, unknownRules]);
    expect(p.steps).toEqual([]);
    const reasons = Object.fromEntries(p.skipped.map((s) => [s.repo, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      'acme/archived',
      'acme/broken',
      'acme/empty',
      'acme/free',
      'acme/norules',
      'acme/readonly',
    ]);
    expect(reasons['acme/archived']).toMatch(/^skipped:/);
    expect(reasons['acme/readonly']).toMatch(/^protection not fully visible|admin/);
    expect(reasons['acme/free']).toMatch(/^not applicable/);
    expect(reasons['acme/broken']).toMatch(/^could not be read/);
    expect(reasons['acme/norules']).toMatch(/^protection not fully visible/);
    for (const s of p.skipped) expect(s.target).toBeNull();
  });

  it('never plans for a non-admin token even when the assessment looks complete', () => {
    const live = state('svc', 'standard', { access: 'read-only' }, { viewerPermission: 'write' });
    const inputs = evaluate([live]).map((e) => ({ ...e, assessment: { ...e.assessment, status: 'assessed' as const } }));
    const p = buildPlan(inputs, { pilotRepositories: [] });
    expect(p.steps).toEqual([]);
    expect(p.skipped[0]!.reason).toMatch(/not admin/);
  });

  it('skips a named target branch that does not exist, and notes shadowed pattern branches', () => {
    const custom = smallPolicy();
    custom.tiers['gold']!.branches.push({ pattern: 'develop', protection: { allowForcePushes: false } });
    custom.tiers['gold']!.branches.push({ pattern: 'release/*', protection: { requiredReviews: { requiredApprovingReviewCount: 2 } } });
    const shadow = classicRule('release/1.0', protection({ requiredReviews: reviews(1) }));
    const live = state('svc', 'gold', { branches: ['main', 'release/1.0', 'release/2.0'], classicRules: [shadow] });
    const p = plan([live], {}, custom);
    expect(p.skipped).toContainEqual({ repo: 'acme/svc', target: 'develop', reason: expect.stringMatching(/no such branch/) });
    const release = p.steps.find((s) => s.target === 'release/*')!;
    expect(release.operation).toBe('create');
    expect(p.notes.some((n) => n.target === 'release/*' && /release\/1\.0.*exact-name rule/.test(n.message))).toBe(true);
    expect(p.notes.some((n) => /release\/2\.0/.test(n.message))).toBe(false);
  });

  it('notes when the default branch is protected only by a wildcard rule', () => {
    const wildcard = classicRule('ma*', protection({ requiredReviews: reviews(1) }));
    const p = plan([state('svc', 'standard', { classicRules: [wildcard] })]);
    const step = p.steps[0] as ProtectionPlanStep;
    expect(step).toMatchObject({ kind: 'classic_protection', target: 'main', operation: 'create', ruleId: wildcard.id });
    expect(step.before?.requiredReviews?.requiredApprovingReviewCount).toBe(1);
    expect(p.notes[0]!.message).toMatch(/only through the wildcard rule 'ma\*'/);
  });
});

describe('buildPlan: scope, tiers and phases', () => {
  const lives = () => [
    state('mc', 'mission_critical'),
    state('bc', 'business_critical'),
    state('std', 'standard'),
    state('exp', 'experimental'),
    state('documentation-system', 'mission_critical'),
  ];
  const reposOf = (p: Plan) => [...new Set(p.steps.map((s) => s.repo))].sort();

  it('--tier narrows to one tier; --repo to named repositories', () => {
    expect(reposOf(plan(lives(), { tier: 'standard' }))).toEqual(['acme/std']);
    expect(reposOf(plan(lives(), { repos: ['bc', 'acme/exp'] }))).toEqual(['acme/bc', 'acme/exp']);
    expect(plan(lives(), { tier: 'standard' }).outOfScope).toBe(4);
  });

  it('pilot = the policy pilot repositories only, in their own tier', () => {
    const p = plan(lives(), { phase: 'pilot' });
    expect(reposOf(p)).toEqual(['acme/documentation-system']);
    expect(p.steps.every((s) => s.tier === 'mission_critical')).toBe(true);
  });

  it('phases are cumulative by tier rank and always include the pilots', () => {
    expect(reposOf(plan(lives(), { phase: 'standard' }))).toEqual(['acme/documentation-system', 'acme/exp', 'acme/std']);
    expect(reposOf(plan(lives(), { phase: 'business_critical' }))).toEqual([
      'acme/bc',
      'acme/documentation-system',
      'acme/exp',
      'acme/std',
    ]);
    expect(reposOf(plan(lives(), { phase: 'mission_critical' }))).toEqual([
      'acme/bc',
      'acme/documentation-system',
      'acme/exp',
      'acme/mc',
      'acme/std',
    ]);
    expect(reposOf(plan(lives(), { phase: 'business_critical', tier: 'business_critical' }))).toEqual(['acme/bc']);
  });

  it('a phase naming a tier the policy lacks is a usage error', () => {
    const custom = smallPolicy();
    const [e] = evaluate([state('x', 'gold')], custom);
    expect(() => isInScope(e!, { phase: 'standard', pilotRepositories: [], tiers: custom.tiers })).toThrow(/no tier named standard/);
  });
});

describe('diffs', () => {
  it('compares a new rule with GitHub behaviour without a rule', () => {
    const after = protection({ requiredReviews: reviews(2) });
    const changes = diffProtection(null, after);
    expect(changes.map((c) => `${c.op} ${c.setting}`)).toEqual([
      '~ allowDeletions',
      '~ allowForcePushes',
      '+ requiredReviews.dismissStaleReviews',
      '+ requiredReviews.requireCodeOwnerReviews',
      '+ requiredReviews.requireLastPushApproval',
      '+ requiredReviews.requiredApprovingReviewCount',
    ]);
    expect(diffProtection(after, after)).toEqual([]);
    expect(diffProtection(after, null).filter((c) => c.op === '-')).toHaveLength(4);
  });

  it('flattens every setting so equal flattenings mean equal protections', () => {
    const a: BranchProtection = {
      ...emptyProtection(),
      requiredStatusChecks: {
        strict: true,
        checks: [
          { context: 'b', appId: null },
          { context: 'a', appId: 7 },
        ],
      },
    };
    const b: BranchProtection = {
      ...emptyProtection(),
      requiredStatusChecks: {
        strict: true,
        checks: [
          { context: 'a', appId: 7 },
          { context: 'b', appId: null },
        ],
      },
    };
    expect([...flattenProtection(a)]).toEqual([...flattenProtection(b)]);
    expect(protectionEquals(a, b)).toBe(true);
    expect(
      desiredMergeSettings({ allowSquashMerge: true, allowMergeCommit: false, allowRebaseMerge: false }, { allowSquashMerge: false }),
    ).toEqual({
      allowSquashMerge: true,
      allowMergeCommit: false,
      allowRebaseMerge: false,
    });
  });
});

describe('buildPlan: bypasses (docs/effective-protection.md)', () => {
  const good = desiredProtection(null, mcFloor);
  const codeOwners = { kind: 'found' as const, path: '.github/CODEOWNERS', text: '* @acme/payments\n', errors: [] };

  it('removes the pull request bypass allowances the tier does not tolerate, and keeps those it does', () => {
    const withAllowance = {
      ...good,
      requiredReviews: { ...good.requiredReviews!, bypassAllowances: { users: ['cyrus'], teams: ['payments'], apps: [] } },
    };
    const rules = [classicRule('main', withAllowance), classicRule('release/*', good), classicRule('hotfix/*', good)];
    const merge = { allowSquashMerge: false, allowMergeCommit: true, allowRebaseMerge: true };
    const live = state('svc', 'mission_critical', { classicRules: rules, codeOwners }, { merge });
    const step = plan([live]).steps[0] as ProtectionPlanStep;
    expect(step.target).toBe('main');
    expect(step.after.requiredReviews?.bypassAllowances).toBeNull();
    expect(step.changes).toEqual([
      { op: '-', setting: 'requiredReviews.bypassAllowances', before: 'users cyrus; teams payments', after: null },
    ]);
    // The floor carries the decision, so the apply (which recomputes from it) writes the same.
    expect(desiredProtection(withAllowance, step.floor)).toEqual(step.after);

    const tolerant = defaultPolicy();
    tolerant.roles['cto'] = { users: ['cyrus'], teams: [] };
    tolerant.tiers['mission_critical']!.toleratedBypass = [{ actor: { kind: 'qmsRole', role: 'cto' }, mode: 'always' }];
    const kept = plan([live], { roles: tolerant.roles }, tolerant).steps[0] as ProtectionPlanStep;
    expect(kept.after.requiredReviews?.bypassAllowances).toEqual({ users: ['cyrus'], teams: [], apps: [] });
  });

  it('notes what no classic write closes: a CODEOWNERS without owners', () => {
    const live = state('svc', 'mission_critical', {
      rulesets: [
        ruleset({
          refName: { include: ['~DEFAULT_BRANCH', 'refs/heads/release/**/*', 'refs/heads/hotfix/**/*'], exclude: [] },
          rules: [prRule(2, { requireCodeOwnerReview: true })],
        }),
      ],
      codeOwners: { kind: 'absent' },
    });
    const notes = plan([live])
      .notes.filter((n) => n.target === 'main')
      .map((n) => n.message);
    expect(notes.some((m) => /^main: code owner review is required but binds nothing: .*: add a CODEOWNERS file/.test(m))).toBe(true);
  });
});
