import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { validatePolicyText } from '../../../src/config/load-policy.js';
import { policyToDocument, documentToPolicy } from '../../../src/config/policy-document.js';
import { parseRepoConfig } from '../../../src/config/repo-config.js';
import { validateWithSchema } from '../../../src/config/schema-validation.js';
import { renderRepoConfigTemplate, renderStarterPolicy } from '../../../src/config/starter-files.js';
import { parseYamlConfig } from '../../../src/config/yaml-source.js';

describe('starter files', () => {
  it('the starter qms.config.yml loads to exactly the built-in defaults', () => {
    const result = validatePolicyText(renderStarterPolicy(), 'qms.config.yml');
    expect(result.errors).toEqual([]);
    expect(result.policy).toEqual(defaultPolicy());
  });

  it('is valid against the schema on its own and is complete (no section left to the defaults)', () => {
    const text = renderStarterPolicy();
    const parsed = parseYamlConfig(text, 'qms.config.yml');
    expect(validateWithSchema('policy', parsed.value, parsed.source)).toEqual([]);
    expect(Object.keys(parsed.value as object)).toEqual(Object.keys(policyToDocument(defaultPolicy())));
    // The document alone (without merging onto the defaults) maps to the defaults.
    expect(documentToPolicy(parse(text))).toEqual(defaultPolicy());
  });

  it('is commented: every top-level section has a comment above it', () => {
    const lines = renderStarterPolicy().split('\n');
    for (const section of [
      'version',
      'default_tier',
      'tiers',
      'classification',
      'pilot_repositories',
      'roles',
      'bypass_levels',
      'review_assignment',
      'global_policies',
    ]) {
      const at = lines.findIndex((l) => l.startsWith(`${section}:`));
      expect(at, section).toBeGreaterThan(0);
      expect(lines[at - 1], section).toMatch(/^# /);
    }
    expect(lines[0]).toMatch(/^# qms policy file/);
  });

  it('renders a changed policy faithfully too (round trip)', () => {
    const policy = defaultPolicy();
    policy.tiers['standard']!.branches[0]!.protection.requiredReviews!.requiredApprovingReviewCount = 3;
    policy.roles['cto'] = { users: ['carol'], teams: ['execs'] };
    policy.global.compliance.auditRetentionDays = 3650;
    const result = validatePolicyText(renderStarterPolicy(policy), 'qms.config.yml');
    expect(result.errors).toEqual([]);
    expect(result.policy).toEqual(policy);
  });

  it('the repo config template is valid and tightens nothing below mission_critical', () => {
    const r = parseRepoConfig(renderRepoConfigTemplate(), '.qms/branch-protection.yml');
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config?.repository).toEqual({ name: 'core-payment-system', tier: 'mission_critical' });
    expect(r.config?.reviewRequirements?.requiredReviewers).toBe(2);
  });
});
