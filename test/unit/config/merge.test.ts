import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { mergePatch } from '../../../src/config/merge-patch.js';
import { validatePolicyText } from '../../../src/config/load-policy.js';

describe('mergePatch (RFC 7396)', () => {
  // The test cases of RFC 7396 Appendix A.
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, result] of cases) {
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      const before = JSON.stringify(target);
      expect(mergePatch(target, patch)).toEqual(result);
      expect(JSON.stringify(target)).toBe(before); // inputs untouched
    });
  }

  it('never writes to the prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    const merged = mergePatch({}, patch) as Record<string, unknown>;
    expect(merged).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('policy file merged onto the defaults', () => {
  const load = (text: string) => {
    const r = validatePolicyText(text, 'qms.config.yml');
    expect(r.errors).toEqual([]);
    return r.policy!;
  };

  it('"version: 1" alone is exactly the defaults', () => {
    expect(load('version: 1\n')).toEqual(defaultPolicy());
  });

  it('a mapping merges key by key: other keys of the tier stay', () => {
    const p = load('version: 1\ntiers:\n  standard:\n    description: Team repositories\n    checks: [qms/dor-validation]\n');
    const d = defaultPolicy();
    expect(p.tiers['standard']).toEqual({ ...d.tiers['standard']!, description: 'Team repositories', checks: ['qms/dor-validation'] });
    expect(p.tiers['mission_critical']).toEqual(d.tiers['mission_critical']);
  });

  it('a list replaces the default list as a whole', () => {
    const p = load(
      'version: 1\ntiers:\n  mission_critical:\n    branches:\n      - pattern: main\n        protection: {allow_force_pushes: false}\n',
    );
    expect(p.tiers['mission_critical']!.branches).toEqual([{ pattern: 'main', protection: { allowForcePushes: false } }]);
    expect(p.tiers['mission_critical']!.rank).toBe(40);
  });

  it('a nested mapping merges too (one weight changed, others kept)', () => {
    const p = load('version: 1\nreview_assignment:\n  weights: {expertise_match: 0.3, availability: 0.3}\n');
    expect(p.reviewAssignment.weights).toEqual({ expertiseMatch: 0.3, workloadBalance: 0.3, availability: 0.3, contextPreservation: 0.1 });
    expect(p.reviewAssignment.expertise).toEqual(defaultPolicy().reviewAssignment.expertise);
  });

  it('null removes an entry; references to it must go too', () => {
    const p = load('version: 1\ntiers:\n  experimental: null\nclassification: []\npilot_repositories: [qms-testing-sandbox]\n');
    expect(Object.keys(p.tiers)).toEqual(['mission_critical', 'business_critical', 'standard']);
    expect(p.classification).toEqual([]);
    expect(p.pilots).toEqual([{ name: 'qms-testing-sandbox' }]);
    const r = validatePolicyText('version: 1\ntiers:\n  experimental: null\n', 'qms.config.yml');
    expect(r.policy).toBeUndefined();
    expect(r.errors.map((e) => e.pointer)).toEqual(['/classification/4/tier', '/pilot_repositories/0/tier']);
    expect(r.errors[0]!.message).toBe(
      'tier "experimental" is removed by this file (tiers.experimental: null) but is still used here; replace this reference too (this comes from the built-in defaults)',
    );
  });

  it('null on something that is not built in is a warning, not an error', () => {
    const r = validatePolicyText('version: 1\nroles:\n  auditor: null\n', 'qms.config.yml');
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => [w.line, w.column, w.message])).toContainEqual([
      3,
      3,
      'null removes a built-in role, but there is no built-in role "auditor"; nothing to remove',
    ]);
  });

  it('a new tier must be complete; a new role gets empty lists', () => {
    const r = validatePolicyText('version: 1\ntiers:\n  gold:\n    rank: 50\n', 'qms.config.yml');
    expect(r.errors.map((e) => [e.line, e.column, e.message])).toEqual([
      [3, 3, 'tier "gold" is not built in, so it needs description, rank, branches; missing: description, branches'],
    ]);
    const p = load('version: 1\nroles:\n  auditor: {users: [dana]}\n');
    expect(p.roles['auditor']).toEqual({ users: ['dana'], teams: [] });
  });

  it('a new bypass level must be complete', () => {
    const r = validatePolicyText('version: 1\nbypass_levels:\n  night_shift:\n    roles: [devops-lead]\n', 'qms.config.yml');
    expect(r.errors.map((e) => e.message)).toEqual([
      'bypass level "night_shift" is not built in, so it needs roles, incident_severities, signatures_required, documentation_level, max_duration_hours; missing: incident_severities, signatures_required, documentation_level, max_duration_hours',
    ]);
  });

  it('durations and percentages are parsed', () => {
    const p = load(
      'version: 1\nglobal_policies:\n  compliance_requirements: {audit_retention_period: "18_months"}\n  performance_standards: {max_check_duration: "2_hours", max_review_assignment_time: "1_minute", availability_target: "99.95%"}\n',
    );
    expect(p.global.compliance.auditRetentionDays).toBe(548);
    expect(p.global.compliance.regulatoryFrameworks).toEqual(['SOX', 'PCI-DSS', 'GDPR']);
    expect(p.global.performanceStandards).toEqual({
      maxCheckDurationMinutes: 120,
      maxReviewAssignmentSeconds: 60,
      availabilityTarget: 99.95,
    });
  });
});

describe('tolerated_bypass (docs/effective-protection.md "Tolerated bypasses")', () => {
  it('maps each actor key and mode, and writes back what it read', async () => {
    const { policyToDocument } = await import('../../../src/config/policy-document.js');
    const text = [
      'version: 1',
      'roles:',
      '  cto: { users: [cyrus] }',
      'tiers:',
      '  mission_critical:',
      '    tolerated_bypass:',
      '      - { org_admin: true, mode: pull_request }',
      '      - { qms_role: cto }',
      '      - { team: payments, mode: pull_request }',
      '      - { user: 1010 }',
      '      - { app: qms-checks }',
      '      - { role: maintain }',
      '      - { deploy_key: true }',
      '',
    ].join('\n');
    const r = validatePolicyText(text, 'qms.config.yml');
    expect(r.errors).toEqual([]);
    const tolerated = r.policy!.tiers['mission_critical']!.toleratedBypass;
    expect(tolerated).toEqual([
      { actor: { kind: 'orgAdmin' }, mode: 'pull_request' },
      { actor: { kind: 'qmsRole', role: 'cto' }, mode: 'always' },
      { actor: { kind: 'team', team: 'payments' }, mode: 'pull_request' },
      { actor: { kind: 'user', user: 1010 }, mode: 'always' },
      { actor: { kind: 'app', app: 'qms-checks' }, mode: 'always' },
      { actor: { kind: 'role', role: 'maintain' }, mode: 'always' },
      { actor: { kind: 'deployKey' }, mode: 'always' },
    ]);
    // The built-in tiers tolerate nothing beyond their floors (no key at all).
    expect(defaultPolicy().tiers['mission_critical']!.toleratedBypass).toBeUndefined();
    const again = validatePolicyText(JSON.stringify(policyToDocument(r.policy!)), 'round-trip.json');
    expect(again.policy!.tiers['mission_critical']!.toleratedBypass).toEqual(tolerated);
  });

  it('refuses an entry naming no actor or two, and a qms_role the policy lacks', () => {
    const r = validatePolicyText(
      'version: 1\ntiers:\n  standard:\n    tolerated_bypass:\n      - { mode: always }\n      - { team: a, user: b }\n      - { qms_role: ctoo }\n',
      'qms.config.yml',
    );
    expect(r.policy).toBeUndefined();
    expect(r.errors.map((e) => [e.pointer, e.message])).toEqual([
      ['/tiers/standard/tolerated_bypass/0', 'name exactly one actor (org_admin, role, team, user, app, deploy_key or qms_role); got none'],
      [
        '/tiers/standard/tolerated_bypass/1',
        'name exactly one actor (org_admin, role, team, user, app, deploy_key or qms_role); got team, user',
      ],
      ['/tiers/standard/tolerated_bypass/2/qms_role', 'role "ctoo" does not exist (did you mean "cto"?); add it under "roles"'],
    ]);
  });
});
