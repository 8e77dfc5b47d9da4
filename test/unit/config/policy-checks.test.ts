import { describe, expect, it } from 'vitest';
import { validatePolicyText } from '../../../src/config/load-policy.js';
import { checkNameGlob } from '../../../src/config/policy-checks.js';

/** The one-line problems of a policy text as `line:col pointer message`. */
function problems(text: string): string[] {
  const r = validatePolicyText(text, 'qms.config.yml');
  if (r.errors.length > 0) expect(r.policy).toBeUndefined();
  return r.errors.map((e) => `${e.line ?? '-'}:${e.column ?? '-'} ${e.pointer} ${e.message}`);
}

describe('semantic checks of the policy', () => {
  it('default_tier must name a tier', () => {
    expect(problems('version: 1\ndefault_tier: experimentl\n')).toEqual([
      '2:15 /default_tier tier "experimentl" does not exist (did you mean "experimental"?); the policy has "mission_critical", "business_critical", "standard" or "experimental"',
    ]);
  });

  it('classification rules and pilots must name tiers', () => {
    expect(
      problems('version: 1\nclassification:\n  - tier: gold\n    match: {names: [x]}\npilot_repositories:\n  - {name: a, tier: silver}\n'),
    ).toEqual([
      '3:11 /classification/0/tier tier "gold" does not exist; the policy has "mission_critical", "business_critical", "standard" or "experimental"',
      '6:21 /pilot_repositories/0/tier tier "silver" does not exist; the policy has "mission_critical", "business_critical", "standard" or "experimental"',
    ]);
  });

  it('tier bypass levels and level roles must exist', () => {
    expect(
      problems(
        'version: 1\ntiers:\n  standard:\n    bypass_levels: [level_1_lead, level_4]\nbypass_levels:\n  level_1_lead:\n    roles: [devops-leed]\n',
      ),
    ).toEqual([
      '4:35 /tiers/standard/bypass_levels/1 bypass level "level_4" does not exist; the policy has "level_1_lead", "level_2_architect", "level_3_qms_coordinator" or "emergency_commander"',
      '7:13 /bypass_levels/level_1_lead/roles/0 role "devops-leed" does not exist (did you mean "devops-lead"?); add it under "roles"',
    ]);
  });

  it('removing a bypass level that a built-in tier uses is caught', () => {
    expect(problems('version: 1\nbypass_levels:\n  emergency_commander: null\n')).toEqual([
      '-:- /tiers/mission_critical/bypass_levels/2 bypass level "emergency_commander" does not exist; the policy has "level_1_lead", "level_2_architect" or "level_3_qms_coordinator" (this comes from the built-in defaults)',
    ]);
  });

  it('expertise areas name existing roles and usable path globs', () => {
    expect(
      problems(
        'version: 1\nreview_assignment:\n  expertise_mapping:\n    frontend_changes:\n      paths: ["src/ui/**", "src/[ui"]\n      primary: [frontend-dev]\n',
      ),
    ).toEqual([
      '5:28 /review_assignment/expertise_mapping/frontend_changes/paths/1 not a usable glob (missing closing: "]"); got "src/[ui"',
      '6:17 /review_assignment/expertise_mapping/frontend_changes/primary/0 role "frontend-dev" does not exist; add it under "roles"',
    ]);
  });

  it('branch patterns are checked with checkBranchPattern and listed once', () => {
    expect(
      problems(
        'version: 1\ntiers:\n  standard:\n    branches:\n      - {pattern: "release/*", protection: {}}\n      - {pattern: "release/*", protection: {}}\n      - {pattern: "refs/heads/main", protection: {}}\n      - {pattern: "", protection: {}}\n',
      ),
    ).toEqual([
      '6:19 /tiers/standard/branches/1/pattern branch pattern "release/*" is already listed as branches[0]; list each pattern once',
      '7:19 /tiers/standard/branches/2/pattern a branch pattern cannot contain "..", end in ".lock" or start with "refs/"; got "refs/heads/main"',
      '8:19 /tiers/standard/branches/3/pattern a branch pattern cannot be empty; got ""',
    ]);
  });

  it('ranks must differ', () => {
    expect(problems('version: 1\ntiers:\n  experimental:\n    rank: 20\n')).toEqual([
      '4:11 /tiers/experimental/rank rank 20 is also the rank of tier "standard"; each tier needs its own rank (higher is stricter)',
    ]);
  });

  it('weights must add up to 1 within 0.001', () => {
    expect(problems('version: 1\nreview_assignment:\n  weights: {expertise_match: 0.4005}\n')).toEqual([]);
    expect(problems('version: 1\nreview_assignment:\n  weights: {expertise_match: 0.402}\n')).toEqual([
      '3:12 /review_assignment/weights the weights must add up to 1; they add up to 1.002 (expertise_match 0.402 + workload_balance 0.3 + availability 0.2 + context_preservation 0.1)',
    ]);
  });

  it('linear history with neither squash nor rebase merging is impossible', () => {
    expect(
      problems('version: 1\ntiers:\n  business_critical:\n    merge: {allow_squash_merge: false, allow_rebase_merge: false}\n'),
    ).toEqual([
      '4:12 /tiers/business_critical/merge branch "~DEFAULT_BRANCH" requires linear history, which blocks merge commits, but squash and rebase merging are both off: no pull request could be merged; allow squash or rebase merging',
    ]);
    // Without linear history, merge commits alone are fine.
    expect(problems('version: 1\ntiers:\n  standard:\n    merge: {allow_squash_merge: false, allow_rebase_merge: false}\n')).toEqual([]);
  });

  it('at least one tier must remain', () => {
    const all =
      'version: 1\ndefault_tier: standard\ntiers: {mission_critical: null, business_critical: null, standard: null, experimental: null}\n';
    expect(problems(all)[0]).toBe('3:8 /tiers the policy needs at least one tier');
  });

  it('warns when a file deals with roles but leaves bypass levels without holders', () => {
    const r = validatePolicyText('version: 1\nroles:\n  cto: {users: [carol]}\n', 'qms.config.yml');
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'no user or team holds a role that can approve bypass levels "level_1_lead", "level_2_architect" or "level_3_qms_coordinator"; nobody can approve them until "roles" names people or teams',
    ]);
    // A file that does not touch roles is not nagged.
    expect(validatePolicyText('version: 1\n', 'qms.config.yml').warnings).toEqual([]);
  });

  it('nothing is half-applied: any error means no policy at all', () => {
    const r = validatePolicyText('version: 1\ndefault_tier: experimental\ntiers:\n  standard: {rank: 10}\n', 'qms.config.yml');
    expect(r.policy).toBeUndefined();
    expect(r.errors).toHaveLength(1);
  });
});

describe('checkNameGlob', () => {
  it('accepts ordinary globs', () => {
    for (const g of ['*payment*', 'auth-*', 'svc-[a-z]*', '**/migrations/**', 'SECURITY.md', 'a?c']) expect(checkNameGlob(g)).toBeNull();
  });
  it('rejects unusable ones with a reason', () => {
    expect(checkNameGlob('payments-[')).toBe('not a usable glob (missing closing: "]")');
    expect(checkNameGlob('*(a|b')).toBe('not a usable glob (missing closing: ")")');
    expect(checkNameGlob('[z-a]')).toBe('this glob can never match anything');
    expect(checkNameGlob('  ')).toBe('a glob cannot be empty');
    expect(checkNameGlob('a\u001bb')).toBe('a glob cannot contain control characters');
  });
});
