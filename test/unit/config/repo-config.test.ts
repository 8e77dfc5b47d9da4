import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { parseRepoConfig } from '../../../src/config/repo-config.js';
import { validatePolicyText } from '../../../src/config/load-policy.js';

const SEED_41 = readFileSync('fixtures/examples/core-payment-system.branch-protection.yml', 'utf8');

describe('parseRepoConfig', () => {
  it('maps seed §4.1 to RepoConfig', () => {
    const r = parseRepoConfig(SEED_41, 'acme/core-payment-system:.qms/branch-protection.yml');
    expect(r.errors).toEqual([]);
    expect(r.config).toEqual({
      repository: { name: 'core-payment-system', tier: 'mission_critical' },
      branchProtection: { targetBranches: ['main', 'release/*', 'hotfix/*'] },
      statusChecks: {
        enabledChecks: [
          'qms/dor-validation',
          'qms/security-scan-critical',
          'qms/code-quality-gate',
          'qms/compliance-audit',
          'qms/dod-validation',
        ],
        bypassControls: { level1Enabled: false, level2Enabled: true, level3Enabled: true, emergencyEnabled: true },
      },
      reviewRequirements: { requiredReviewers: 2, requireCodeOwnerReviews: true, specialtyAssignment: true },
      mergeRestrictions: {
        requireUpToDate: true,
        requireLinearHistory: true,
        allowSquashMerge: false,
        allowMergeCommit: true,
        allowRebaseMerge: false,
      },
      emergencyContacts: { primary: 'payment-team-lead', escalation: ['payment-architect', 'security-lead'], executive: 'cto' },
    });
    // The seed's own merge settings cannot merge a pull request with linear history: a warning.
    expect(r.warnings.map((w) => `${w.file}:${w.line}:${w.column} ${w.message}`)).toEqual([
      "acme/core-payment-system:.qms/branch-protection.yml:31:3 require_linear_history blocks merge commits, and squash and rebase merging are off: no pull request could be merged; qms keeps the tier's merge methods instead",
    ]);
  });

  it('only repository.tier is required', () => {
    const r = parseRepoConfig('repository:\n  tier: experimental\n', 'x.yml');
    expect(r).toEqual({ config: { repository: { tier: 'experimental' } }, warnings: [], errors: [] });
  });

  it('checks the tier against the given policy (default: built-in)', () => {
    const custom = validatePolicyText('version: 1\ntiers:\n  gold:\n    description: g\n    rank: 99\n    branches: []\n', 'p.yml').policy!;
    expect(parseRepoConfig('repository: {tier: gold}\n', 'x.yml', { policy: custom }).errors).toEqual([]);
    const r = parseRepoConfig('repository: {tier: gold}\n', 'x.yml');
    expect(r.config).toBeUndefined();
    expect(r.errors).toEqual([
      {
        file: 'x.yml',
        line: 1,
        column: 20,
        pointer: '/repository/tier',
        message:
          'tier "gold" does not exist in the policy; the policy has "mission_critical", "business_critical", "standard" or "experimental"',
      },
    ]);
  });

  it('a looser setting is not an error here (assess reports it)', () => {
    const r = parseRepoConfig(
      'repository: {tier: mission_critical}\nreview_requirements: {required_reviewers: 0, require_code_owner_reviews: false}\n',
      'x.yml',
    );
    expect(r.errors).toEqual([]);
    expect(r.config?.reviewRequirements).toEqual({ requiredReviewers: 0, requireCodeOwnerReviews: false });
  });

  it('target branches are checked as branch patterns', () => {
    const r = parseRepoConfig(
      'repository: {tier: standard}\nbranch_protection:\n  target_branches: [main, "feature branch", "x..y"]\n',
      'x.yml',
    );
    expect(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      '3:27 a branch pattern cannot contain spaces or any of ~ ^ : \\; got "feature branch"',
      '3:45 a branch pattern cannot contain "..", end in ".lock" or start with "refs/"; got "x..y"',
    ]);
  });

  it('warns about bypass levels the policy lacks and a repository name that does not match', () => {
    const policy = defaultPolicy();
    delete policy.bypassLevels['level_1_lead'];
    const r = parseRepoConfig(
      'repository: {name: payments, tier: standard}\nstatus_checks:\n  bypass_controls: {level_1_enabled: true}\n',
      'x.yml',
      {
        policy,
        repository: 'acme/billing',
      },
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => `${w.line}:${w.column} ${w.message}`)).toEqual([
      '3:38 the policy has no bypass level "level_1_lead", so enabling it has no effect',
      '1:20 names repository "payments" but the file is in "billing"; copied from another repository?',
    ]);
  });

  it('checked on its own (standalone): warns, located at repository.tier, when a name rule puts the repository higher', () => {
    const text = 'repository:\n  name: payments-ledger\n  tier: experimental\n';
    const r = parseRepoConfig(text, 'x.yml', { standalone: true });
    expect(r.errors).toEqual([]);
    expect(r.config?.repository.tier).toBe('experimental');
    expect(r.warnings.map((w) => `${w.line}:${w.column} ${w.pointer} ${w.message}`)).toEqual([
      '3:9 /repository/tier policy rule 1 (financial/payment systems (seed §2.1.1)) puts "payments-ledger" in tier mission_critical: ' +
        'a repository may raise its tier, not lower it, so "experimental" will not apply ' +
        "unless the org's qms_tier property says otherwise " +
        '(assess reports it as a finding)',
    ]);
    // Not standalone (assess has the org's evidence and reports a finding instead), raising, or no name: no warning.
    expect(parseRepoConfig(text, 'x.yml').warnings).toEqual([]);
    const raising = 'repository:\n  name: payments-ledger\n  tier: mission_critical\n';
    expect(parseRepoConfig(raising, 'x.yml', { standalone: true }).warnings).toEqual([]);
    expect(parseRepoConfig('repository:\n  tier: experimental\n', 'x.yml', { standalone: true }).warnings).toEqual([]);
  });

  it('returns (never throws) for any garbage', () => {
    for (const text of ['', '---\n---\n', '[', 'repository: 5', 'repository: {tier: [a]}', '\u0000', 'a: &a [*a]']) {
      const r = parseRepoConfig(text, 'x.yml');
      expect(r.config).toBeUndefined();
      expect(r.errors.length).toBeGreaterThan(0);
      for (const e of r.errors) expect(e.file).toBe('x.yml');
    }
    const r = parseRepoConfig(new Uint8Array([0x72, 0x3a, 0x20, 0xc3, 0x28]), 'x.yml');
    expect(r.errors[0]!.message).toMatch(/not UTF-8/);
  });
});
