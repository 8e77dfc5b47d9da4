/**
 * Contract: every route the simulator serves, driven over real HTTP with
 * valid bodies, answers what GitHub's OpenAPI description (and GraphQL
 * schema) allows; and bodies GitHub's request schema refuses are refused
 * with 422 as GitHub does (GITHUB-API.md §1 pitfalls 1–2, §7).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubRoutes } from '../../src/routes/index.js';
import { startTestSandbox, type TestSandbox } from '../../src/contract/test-sandbox.js';
import { specHasRoute } from '../../src/contract/check.js';
import { ORG_AUDIT_QUERY } from './graphql-documents.js';

const REPO = '/repos/acme/core-payment-system';
/** Unprotected, so rules written here start from nothing. */
const LEDGER = '/repos/acme/payments-ledger';
const B = `${LEDGER}/branches/main/protection`;

/** A complete, valid classic protection PUT body (GITHUB-API.md §1 "PUT expects"). */
const VALID_PUT = {
  required_status_checks: { strict: true, checks: [{ context: 'qms/dor-validation', app_id: -1 }] },
  enforce_admins: true,
  required_pull_request_reviews: {
    dismissal_restrictions: { users: ['tess'], teams: ['payments'] },
    dismiss_stale_reviews: true,
    require_code_owner_reviews: true,
    required_approving_review_count: 2,
    require_last_push_approval: true,
  },
  restrictions: { users: ['tess'], teams: ['payments'], apps: [] },
  required_linear_history: true,
  allow_force_pushes: false,
  allow_deletions: false,
  block_creations: false,
  required_conversation_resolution: true,
  lock_branch: false,
  allow_fork_syncing: false,
};

const BRANCH_RULESET = {
  name: 'contract test ruleset',
  target: 'branch',
  enforcement: 'active',
  bypass_actors: [{ actor_id: 5, actor_type: 'RepositoryRole', bypass_mode: 'always' }],
  conditions: { ref_name: { include: ['~DEFAULT_BRANCH'], exclude: [] } },
  rules: [
    { type: 'deletion' },
    {
      type: 'pull_request',
      parameters: {
        required_approving_review_count: 1,
        dismiss_stale_reviews_on_push: true,
        require_code_owner_review: false,
        require_last_push_approval: false,
        required_review_thread_resolution: false,
      },
    },
  ],
};

const ORG_RULESET = {
  ...BRANCH_RULESET,
  name: 'contract test org ruleset',
  conditions: {
    ref_name: { include: ['~DEFAULT_BRANCH', 'refs/heads/release/**/*'], exclude: [] },
    repository_property: { include: [{ name: 'qms_tier', property_values: ['mission_critical'], source: 'custom' }], exclude: [] },
  },
};

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  try {
    t.assertContract();
  } finally {
    await t.close();
  }
});

/** Calls that must succeed; returns the body. */
async function ok(path: string, init: { method?: string; body?: unknown; as?: string } = {}): Promise<any> {
  const res = await t.api(path, init);
  expect(res.status, `${init.method ?? 'GET'} ${path} → ${res.status} ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

describe('every simulator route', () => {
  it('is in GitHub’s REST description (or is /graphql)', () => {
    const missing = githubRoutes
      .filter((r) => r.template !== '/graphql' && !specHasRoute(r.method, r.template))
      .map((r) => `${r.method} ${r.template}`);
    expect(missing).toEqual([]);
  });

  it('answers valid requests within the contract, and all of them are exercised', async () => {
    // Reads across the organization, its teams and repositories.
    await ok('/rate_limit');
    await ok('/user');
    await ok('/users/rita');
    await ok('/users/ada');
    await ok('/apps/qms-checks');
    await ok('/orgs/acme');
    await ok('/orgs/acme/repos?type=all&per_page=5');
    await ok('/orgs/acme/members?per_page=100');
    await ok('/orgs/acme/memberships/rita');
    await ok('/orgs/acme/teams');
    await ok('/orgs/acme/teams/payments');
    await ok('/orgs/acme/teams/payments/members');
    await ok('/orgs/acme/teams/payments/memberships/tess');
    await ok(REPO);
    await ok('/repos/acme/identity-service', { method: 'PATCH', body: { allow_squash_merge: true, delete_branch_on_merge: true } });
    await ok(`${REPO}/branches`);
    const main = await ok(`${REPO}/branches/main`);
    await ok(`${REPO}/collaborators/tess/permission`);
    await ok(`${REPO}/branches/main/protection`);
    await ok(`${REPO}/rules/branches/main`);

    // Classic protection: create, toggles, remove.
    await ok(B, { method: 'PUT', body: VALID_PUT });
    await ok(`${B}/required_signatures`);
    await ok(`${B}/required_signatures`, { method: 'POST' });
    await ok(`${B}/required_signatures`, { method: 'DELETE' });
    await ok(`${B}/enforce_admins`);
    await ok(`${B}/enforce_admins`, { method: 'DELETE' });
    await ok(`${B}/enforce_admins`, { method: 'POST' });
    await ok(B, { method: 'DELETE' });

    // Repository rulesets.
    await ok(`${LEDGER}/rulesets`);
    const created = await ok(`${LEDGER}/rulesets`, { method: 'POST', body: BRANCH_RULESET });
    await ok(`${LEDGER}/rulesets/${created.id}`);
    await ok(`${LEDGER}/rulesets/${created.id}`, { method: 'PUT', body: { enforcement: 'evaluate' } });
    await ok(`${LEDGER}/rulesets/${created.id}`, { method: 'DELETE' });

    // Organization rulesets.
    await ok('/orgs/acme/rulesets');
    const orgRs = await ok('/orgs/acme/rulesets', { method: 'POST', body: ORG_RULESET });
    await ok(`/orgs/acme/rulesets/${orgRs.id}`);
    await ok(`/orgs/acme/rulesets/${orgRs.id}`, { method: 'PUT', body: { name: 'contract test org ruleset (renamed)' } });
    await ok(`/orgs/acme/rulesets/${orgRs.id}`, { method: 'DELETE' });

    // Contents.
    await ok(`${REPO}/contents/.qms/branch-protection.yml`);
    await ok(`${LEDGER}/contents/docs/contract.md`, {
      method: 'PUT',
      body: { message: 'Add contract note', content: Buffer.from('# contract\n').toString('base64') },
    });

    // Custom properties.
    await ok('/orgs/acme/properties/schema');
    await ok('/orgs/acme/properties/schema/contract_flag', {
      method: 'PUT',
      body: { value_type: 'single_select', allowed_values: ['yes', 'no'], required: false, values_editable_by: 'org_actors' },
    });
    await ok('/orgs/acme/properties/values');
    await ok('/orgs/acme/properties/values', {
      method: 'PATCH',
      body: { repository_names: ['payments-ledger'], properties: [{ property_name: 'contract_flag', value: 'yes' }] },
    });
    await ok(`${LEDGER}/properties/values`);
    await ok(`${LEDGER}/properties/values`, { method: 'PATCH', body: { properties: [{ property_name: 'contract_flag', value: null }] } });

    // Pull requests and reviews.
    await ok(`${REPO}/pulls?state=all`);
    await ok(`${REPO}/pulls/41`);
    await ok(`${REPO}/pulls/41/files`);
    await ok(`${REPO}/pulls/41/commits`);
    await ok(`${REPO}/pulls/41/reviews`);
    await ok(`${REPO}/pulls/41/requested_reviewers`);
    await ok(`${REPO}/pulls/41/requested_reviewers`, { method: 'POST', body: { reviewers: ['dan'], team_reviewers: [] } });
    await ok(`${REPO}/pulls/41/requested_reviewers`, { method: 'DELETE', body: { reviewers: ['dan'] } });

    // Commit statuses.
    const sha = main.commit.sha as string;
    await ok(`${REPO}/statuses/${sha}`, { method: 'POST', body: { state: 'success', context: 'qms/dor-validation', description: 'ok' } });
    await ok(`${REPO}/commits/main/statuses`);
    await ok(`${REPO}/commits/${sha}/status`);

    // CODEOWNERS errors, app installations, and a merge (acme-rules, docs/effective-protection.md).
    await ok('/repos/acme/web-storefront/codeowners/errors');
    await ok('/orgs/acme-rules/installations');
    await ok('/repos/acme-rules/bypass-actors/pulls/1/merge', { method: 'PUT', body: { merge_method: 'rebase' }, as: 'tess' });

    // GraphQL.
    const gql = await ok('/graphql', { method: 'POST', body: { query: ORG_AUDIT_QUERY, variables: { org: 'acme', after: null } } });
    expect(gql.errors).toBeUndefined();

    const served = new Set(githubRoutes.map((r) => `${r.method} ${r.template}`));
    expect([...t.routes].sort()).toEqual([...served].sort());
    expect(t.violations()).toEqual([]);
  });
});

describe('bodies GitHub’s request schema refuses', () => {
  async function expect422(body: unknown, detail: string) {
    const before = await t.api(`${REPO}/branches/main/protection`);
    const res = await t.api(`${REPO}/branches/main/protection`, { method: 'PUT', body });
    expect(res.status).toBe(422);
    expect(res.body.message.startsWith('Invalid request.\n\n')).toBe(true);
    expect(res.body.message).toContain(detail);
    expect(res.body.documentation_url).toMatch(/^https:\/\/docs\.github\.com\//);
    // Nothing changed.
    const after = await t.api(`${REPO}/branches/main/protection`);
    expect(after.body).toEqual(before.body);
  }

  it('refuses a GET response sent back as a PUT body (pitfall 1)', async () => {
    const current = (await t.api(`${REPO}/branches/main/protection`)).body;
    // As a whole: {url, enabled} objects where booleans belong.
    await expect422(current, `For 'properties/enforce_admins', {"url"=>`);
  });

  it('refuses enforce_admins as {enabled: true}', async () => {
    await expect422(
      { ...VALID_PUT, enforce_admins: { enabled: true } },
      `For 'properties/enforce_admins', {"enabled"=>true} is not a boolean or null.`,
    );
  });

  it('refuses user objects in restrictions', async () => {
    await expect422(
      { ...VALID_PUT, restrictions: { users: [{ login: 'tess', id: 1 }], teams: [] } },
      `For 'items', {"login"=>"tess", "id"=>1} is not a string.`,
    );
  });

  it('refuses app_id: null in checks', async () => {
    await expect422(
      { ...VALID_PUT, required_status_checks: { strict: true, checks: [{ context: 'qms/dor-validation', app_id: null }] } },
      `For 'properties/app_id', nil is not an integer.`,
    );
  });

  it('refuses a body without restrictions', async () => {
    const { restrictions: _omitted, ...body } = VALID_PUT;
    await expect422(body, `"restrictions" wasn't supplied.`);
  });

  it('refuses a body without required_status_checks', async () => {
    const { required_status_checks: _omitted, ...body } = VALID_PUT;
    await expect422(body, `"required_status_checks" wasn't supplied.`);
  });

  it('refuses required_status_checks with neither or both of contexts and checks (GitHub, not its description)', async () => {
    await expect422({ ...VALID_PUT, required_status_checks: { strict: true } }, `No subschema in "oneOf" matched.`);
    await expect422(
      { ...VALID_PUT, required_status_checks: { strict: true, contexts: [], checks: [] } },
      `More than one subschema in "oneOf" matched.`,
    );
  });

  it('reports a bad ruleset rule once, not once per rule type', async () => {
    const res = await t.api(`${LEDGER}/rulesets`, {
      method: 'POST',
      body: {
        ...BRANCH_RULESET,
        rules: [{ type: 'pull_request', parameters: { ...BRANCH_RULESET.rules[1]!.parameters, required_approving_review_count: 'two' } }],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(
      `Invalid request.\n\nFor 'items', no subschema in "oneOf" matched.\nFor 'properties/required_approving_review_count', "two" is not an integer.`,
    );
  });
});
