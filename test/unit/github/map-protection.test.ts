/**
 * Classic protection mapping: GitHub's GET/PUT-answer JSON → model (fixtures
 * are GitHub's own OpenAPI examples plus recorded answers, docs/github-api.md),
 * and model → PUT body, checked against the PUT request schema of the OpenAPI
 * description itself as GitHub's validator applies it (where recorded answers
 * show the two differ: correctRequestSchema/recordedRequestProblems).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { buildProtectionPutBody, hasSignatureSection, mapProtectionResponse } from '../../../src/github/map/protection.js';
import { ResponseShapeError } from '../../../src/github/map/check.js';
import { baseRuleProtection, emptyProtection, type BranchProtection } from '../../../src/core/protection.js';
import { correctRequestSchema, recordedRequestProblems } from '@qms/github-sim/contract';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('GET JSON → model', () => {
  test('the OpenAPI GET example: objects become logins/slugs, {enabled} becomes booleans', () => {
    const p = mapProtectionResponse(fixture('oas-branch-protection-get.json'));
    expect(p).toEqual({
      requiredReviews: {
        requiredApprovingReviewCount: 2,
        requireCodeOwnerReviews: true,
        dismissStaleReviews: true,
        requireLastPushApproval: true,
        dismissalRestrictions: { users: ['octocat'], teams: ['justice-league'], apps: ['octoapp'] },
        bypassAllowances: null,
      },
      // The example predates `checks`/`strict`: contexts only, no app → any source, strict off.
      requiredStatusChecks: { strict: false, checks: [{ context: 'continuous-integration/travis-ci', appId: null }] },
      enforceAdmins: true,
      requireLinearHistory: true,
      allowForcePushes: true,
      allowDeletions: true,
      blockCreations: false, // absent in the example
      requireConversationResolution: true,
      requireSignedCommits: false, // absent in the example and no fallback given
      lockBranch: true,
      allowForkSyncing: true,
      restrictions: { users: ['octocat'], teams: ['justice-league'], apps: ['octoapp'] },
    } satisfies BranchProtection);
  });

  test('the OpenAPI PUT answer: checks with app_id null, required_signatures read, empty lists kept as restrictions', () => {
    const json = fixture('oas-branch-protection-put-response.json');
    expect(hasSignatureSection(json)).toBe(true);
    const p = mapProtectionResponse(json, true);
    expect(p.requireSignedCommits).toBe(false); // the section wins over the fallback
    expect(p.requiredStatusChecks).toEqual({ strict: true, checks: [{ context: 'continuous-integration/travis-ci', appId: null }] });
    expect(p.restrictions).toEqual({ users: [], teams: [], apps: [] });
    expect(p.requiredReviews?.dismissalRestrictions).toEqual({ users: [], teams: [], apps: [] });
    expect(p.blockCreations).toBe(true);
  });

  test('switched-off sections are absent → null/false; the signatures fallback is used when the section is missing', () => {
    // The shape GitHub answers to a minimal PUT ([FIX]): review/check/restriction keys absent.
    const minimal = {
      url: 'https://api.github.com/repos/o/r/branches/main/protection',
      enforce_admins: { url: 'https://api.github.com/repos/o/r/branches/main/protection/enforce_admins', enabled: false },
      required_linear_history: { enabled: false },
      allow_force_pushes: { enabled: false },
      allow_deletions: { enabled: false },
    };
    expect(hasSignatureSection(minimal)).toBe(false);
    expect(mapProtectionResponse(minimal)).toEqual(baseRuleProtection());
    expect(mapProtectionResponse(minimal, true).requireSignedCommits).toBe(true);
  });

  test('app ids: a number pins the app; null and -1 mean any source; checks win over contexts', () => {
    const p = mapProtectionResponse({
      required_status_checks: {
        strict: true,
        contexts: ['ci/build', 'qms/dor-validation', 'deploy'],
        checks: [
          { context: 'ci/build', app_id: 15368 },
          { context: 'qms/dor-validation', app_id: null },
          { context: 'deploy', app_id: -1 },
        ],
      },
    });
    expect(p.requiredStatusChecks).toEqual({
      strict: true,
      checks: [
        { context: 'ci/build', appId: 15368 },
        { context: 'qms/dor-validation', appId: null },
        { context: 'deploy', appId: null },
      ],
    });
  });

  test('bypass allowances: names kept; all-empty lists mean nobody (null); a missing count reads as 1', () => {
    const withBypass = mapProtectionResponse({
      required_pull_request_reviews: {
        dismiss_stale_reviews: false,
        require_code_owner_reviews: false,
        bypass_pull_request_allowances: { users: [{ login: 'cyrus', id: 1 }], teams: [], apps: [{ slug: 'deployer', id: 9 }] },
      },
    });
    expect(withBypass.requiredReviews).toEqual({
      requiredApprovingReviewCount: 1,
      requireCodeOwnerReviews: false,
      dismissStaleReviews: false,
      requireLastPushApproval: false,
      dismissalRestrictions: null,
      bypassAllowances: { users: ['cyrus'], teams: [], apps: ['deployer'] },
    });
    const empty = mapProtectionResponse({
      required_pull_request_reviews: {
        dismiss_stale_reviews: false,
        require_code_owner_reviews: false,
        required_approving_review_count: 0,
        bypass_pull_request_allowances: { users: [], teams: [] },
      },
    });
    expect(empty.requiredReviews?.bypassAllowances).toBeNull();
    expect(empty.requiredReviews?.requiredApprovingReviewCount).toBe(0);
  });

  test.each([
    [{ enforce_admins: { enabled: 'yes' } }, 'enforce_admins.enabled'],
    [{ restrictions: { users: [{ id: 1 }], teams: [] } }, 'restrictions.users[0].login'],
    [{ restrictions: { users: 'octocat', teams: [] } }, 'restrictions.users'],
    [{ required_status_checks: { strict: true, checks: [{ app_id: 1 }] } }, 'required_status_checks.checks[0].context'],
    [{ required_status_checks: { strict: true, contexts: [1] } }, 'required_status_checks.contexts'],
    [
      { required_pull_request_reviews: { required_approving_review_count: '2' } },
      'required_pull_request_reviews.required_approving_review_count',
    ],
    ['Not JSON', 'the response'],
  ])('a response without the fields we rely on fails with the field named: %j', (json, path) => {
    expect(() => mapProtectionResponse(json)).toThrowError(ResponseShapeError);
    try {
      mapProtectionResponse(json);
    } catch (err) {
      expect((err as Error).message.startsWith(path)).toBe(true);
    }
  });
});

describe('model → PUT body', () => {
  const require = createRequire(import.meta.url);
  // The request schema from GitHub's OpenAPI description (not from the simulator).
  const spec = require('@octokit/openapi/generated/api.github.com.json') as {
    paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: object }> } }>>;
  };
  const key = 'PUT /repos/{owner}/{repo}/branches/{branch}/protection';
  const schema = spec.paths['/repos/{owner}/{repo}/branches/{branch}/protection']!['put']!.requestBody.content['application/json']!.schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: under NodeNext its default export is the module object.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
  addFormats(ajv);
  const described = ajv.compile(schema);
  const corrected = ajv.compile(correctRequestSchema(key, schema) as object);
  /** '' when GitHub's validator takes the body; else why not. */
  const refusal = (body: unknown): string =>
    [...(corrected(body) ? [] : [ajv.errorsText(corrected.errors)]), ...recordedRequestProblems(key, body)].join(' ');

  const rich: BranchProtection = {
    requiredReviews: {
      requiredApprovingReviewCount: 2,
      requireCodeOwnerReviews: true,
      dismissStaleReviews: true,
      requireLastPushApproval: true,
      dismissalRestrictions: { users: ['tess'], teams: ['qms'], apps: ['bot'] },
      bypassAllowances: { users: ['cyrus'], teams: [], apps: [] },
    },
    requiredStatusChecks: {
      strict: true,
      checks: [
        { context: 'qms/dor-validation', appId: null },
        { context: 'ci', appId: 15368 },
      ],
    },
    enforceAdmins: true,
    requireLinearHistory: true,
    allowForcePushes: false,
    allowDeletions: false,
    blockCreations: true,
    requireConversationResolution: true,
    requireSignedCommits: true,
    lockBranch: true,
    allowForkSyncing: true,
    restrictions: { users: ['lee'], teams: ['payments'], apps: ['qms-checks'] },
  };

  test('a rich organization rule: every key explicit, lists of names, -1 for any source, no GET shapes', () => {
    const { body, dropped } = buildProtectionPutBody(rich, 'Organization');
    expect(dropped).toEqual([]);
    expect(body).toEqual({
      required_status_checks: {
        strict: true,
        checks: [
          { context: 'qms/dor-validation', app_id: -1 },
          { context: 'ci', app_id: 15368 },
        ],
      },
      enforce_admins: true,
      required_pull_request_reviews: {
        dismiss_stale_reviews: true,
        require_code_owner_reviews: true,
        required_approving_review_count: 2,
        require_last_push_approval: true,
        dismissal_restrictions: { users: ['tess'], teams: ['qms'], apps: ['bot'] },
        bypass_pull_request_allowances: { users: ['cyrus'], teams: [], apps: [] },
      },
      restrictions: { users: ['lee'], teams: ['payments'], apps: ['qms-checks'] },
      required_linear_history: true,
      allow_force_pushes: false,
      allow_deletions: false,
      block_creations: true,
      required_conversation_resolution: true,
      lock_branch: true,
      allow_fork_syncing: true,
    });
    expect(JSON.stringify(body)).not.toMatch(/"enabled"|"url"|"login"|"slug"|required_signatures/);
    expect(refusal(body)).toBe('');
  });

  test('everything off: the four required keys are present and null/false, optional booleans explicit', () => {
    const { body } = buildProtectionPutBody(emptyProtection(), 'Organization');
    expect(body).toEqual({
      required_status_checks: null,
      enforce_admins: false,
      required_pull_request_reviews: null,
      restrictions: null,
      required_linear_history: false,
      allow_force_pushes: true,
      allow_deletions: true,
      block_creations: false,
      required_conversation_resolution: false,
      lock_branch: false,
      allow_fork_syncing: false,
    });
    expect(refusal(body)).toBe('');
  });

  test('unrestricted dismissal is `{}` (documented); no bypass leaves the key out, as GitHub’s answers do', () => {
    const p: BranchProtection = {
      ...baseRuleProtection(),
      requiredReviews: { ...rich.requiredReviews!, dismissalRestrictions: null, bypassAllowances: null },
    };
    const { body } = buildProtectionPutBody(p, 'Organization');
    const reviews = body['required_pull_request_reviews'] as Record<string, unknown>;
    expect(reviews['dismissal_restrictions']).toEqual({});
    expect('bypass_pull_request_allowances' in reviews).toBe(false);
    expect(refusal(body)).toBe('');
  });

  test('a user-owned repository: no dismissal key, no restrictions, no team bypass — and says what it left out', () => {
    const { body, dropped } = buildProtectionPutBody(
      { ...rich, requiredReviews: { ...rich.requiredReviews!, bypassAllowances: { users: ['cyrus'], teams: ['t'], apps: [] } } },
      'User',
    );
    const reviews = body['required_pull_request_reviews'] as Record<string, unknown>;
    expect('dismissal_restrictions' in reviews).toBe(false);
    expect(reviews['bypass_pull_request_allowances']).toEqual({ users: ['cyrus'], apps: [] });
    expect(body['restrictions']).toBeNull();
    expect(dropped).toEqual(['dismissal restrictions', 'team bypass allowances', 'push restrictions']);
    expect(refusal(body)).toBe('');
  });

  test.each([true, false])('status checks required with none named: checks alone, empty (strict %s)', (strict) => {
    const { body } = buildProtectionPutBody({ ...baseRuleProtection(), requiredStatusChecks: { strict, checks: [] } }, 'Organization');
    // GitHub answered 200 to `{strict: true, checks: []}` (PyGithub's recording, 2024-12).
    expect(body['required_status_checks']).toEqual({ strict, checks: [] });
    expect(refusal(body)).toBe('');
  });

  test('never both lists: GitHub refuses `contexts` next to `checks`, though its description requires `contexts`', () => {
    const { body } = buildProtectionPutBody(rich, 'Organization');
    expect(Object.keys(body['required_status_checks'] as object)).toEqual(['strict', 'checks']);
    // The description alone would refuse qms's body and accept the one GitHub refuses.
    expect(described(body)).toBe(false);
    const both = { ...body, required_status_checks: { strict: true, contexts: [], checks: [{ context: 'ci', app_id: -1 }] } };
    expect(described(both)).toBe(true);
    expect(refusal(both)).toMatch(/More than one subschema in "oneOf" matched/);
  });

  test('the schema check is not vacuous: a GET-shaped body is rejected', () => {
    const getShaped = fixture('oas-branch-protection-get.json');
    expect(refusal(getShaped)).not.toBe('');
  });
});
