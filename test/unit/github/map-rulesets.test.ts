/**
 * Ruleset mapping from GitHub's OpenAPI examples and the rule shapes of
 * GITHUB-API.md §2.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { mapAppliedRule, mapRule, mapRuleset } from '../../../src/github/map/rulesets.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('rulesets', () => {
  test('the OpenAPI repository ruleset example (unknown rule types kept as other)', () => {
    const json = fixture('oas-repository-ruleset.json');
    expect(mapRuleset(json)).toEqual({
      id: 42,
      name: 'super cool ruleset',
      target: 'branch',
      enforcement: 'active',
      source: { type: 'Repository', name: 'monalisa/my-repo' },
      refName: { include: ['refs/heads/main', 'refs/heads/master'], exclude: ['refs/heads/dev*'] },
      rules: [{ type: 'other', name: 'commit_author_email_pattern' }],
      bypassActors: [{ actorId: 234, actorType: 'Team', bypassMode: 'always' }],
      raw: json,
    });
  });

  test('the OpenAPI organization ruleset example: repository_name condition', () => {
    const r = mapRuleset(fixture('oas-org-ruleset.json'));
    expect(r.source).toEqual({ type: 'Organization', name: 'my-org' });
    expect(r.repositoryName).toEqual({
      include: ['important_repository', 'another_important_repository'],
      exclude: ['unimportant_repository'],
      protected: true,
    });
    expect(r.repositoryIds).toBeUndefined();
    expect(r.repositoryProperty).toBeUndefined();
  });

  test('tier targeting by custom property; bypass actors absent → null (unknown, not none)', () => {
    const r = mapRuleset({
      id: 7,
      name: 'tier 1',
      target: 'branch',
      source_type: 'Organization',
      source: 'acme',
      enforcement: 'evaluate',
      conditions: {
        ref_name: { include: ['~DEFAULT_BRANCH', 'refs/heads/release/**/*'], exclude: [] },
        repository_property: { include: [{ name: 'tier', property_values: ['1'], source: 'custom' }], exclude: [] },
      },
      rules: [],
    });
    expect(r.repositoryProperty).toEqual({ include: [{ name: 'tier', propertyValues: ['1'], source: 'custom' }], exclude: [] });
    expect(r.bypassActors).toBeNull();
    expect(r.enforcement).toBe('evaluate');
  });

  test('every rule type qms reads', () => {
    expect(
      mapRule(
        {
          type: 'pull_request',
          parameters: {
            required_approving_review_count: 2,
            dismiss_stale_reviews_on_push: true,
            require_code_owner_review: true,
            require_last_push_approval: false,
            required_review_thread_resolution: true,
            allowed_merge_methods: ['squash'],
          },
        },
        'rules[0]',
      ),
    ).toEqual({
      type: 'pull_request',
      requiredApprovingReviewCount: 2,
      dismissStaleReviewsOnPush: true,
      requireCodeOwnerReview: true,
      requireLastPushApproval: false,
      requiredReviewThreadResolution: true,
    });
    expect(
      mapRule(
        {
          type: 'required_status_checks',
          parameters: {
            strict_required_status_checks_policy: true,
            required_status_checks: [{ context: 'qms/dor-validation' }, { context: 'ci', integration_id: 15368 }],
          },
        },
        'rules[1]',
      ),
    ).toEqual({
      type: 'required_status_checks',
      strict: true,
      checks: [
        { context: 'qms/dor-validation', integrationId: null },
        { context: 'ci', integrationId: 15368 },
      ],
    });
    for (const type of ['required_linear_history', 'non_fast_forward', 'deletion', 'required_signatures', 'creation', 'update']) {
      expect(mapRule({ type }, 'r')).toEqual({ type });
    }
    expect(() => mapRule({ type: 'pull_request' }, 'rules[3]')).toThrowError(/^rules\[3\]\.parameters is not an object/);
  });

  test('the OpenAPI rules-for-a-branch example carries where each rule comes from', () => {
    const items = fixture('oas-repository-rule-items.json') as unknown[];
    expect(items.map(mapAppliedRule)).toEqual([
      { type: 'other', name: 'commit_message_pattern', source: { type: 'Repository', name: 'monalisa/my-repo', rulesetId: 42 } },
      { type: 'other', name: 'commit_author_email_pattern', source: { type: 'Organization', name: 'my-org', rulesetId: 73 } },
    ]);
  });
});
