/**
 * Contract for POST /graphql: the documents below validate against
 * GitHub's schema (@octokit/graphql-schema), the simulator answers them with
 * data shaped as the schema says (checked by the harness on every
 * exchange), mutations change what REST shows, and the cost is the docs'
 * algorithm ("Rate limits and query limits for the GraphQL API").
 */
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubSchema, loadGithubSchema } from '../../src/graphql/schema.js';
import { checkGithubQuery } from '../../src/graphql/validation.js';
import { analyzeOperation } from '../../src/graphql/cost.js';
import { startTestSandbox, type TestSandbox } from '../../src/contract/test-sandbox.js';
import {
  BUILT_IN_DOCUMENTS,
  CREATE_RULE_MUTATION,
  DELETE_RULE_MUTATION,
  ORG_AUDIT_QUERY,
  ORGANIZATION_QUERY,
  REPOSITORY_QUERY,
  UPDATE_RULE_MUTATION,
} from './graphql-documents.js';

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

function costOf(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
  if (!operation || operation.kind !== 'OperationDefinition') throw new Error('no operation');
  return analyzeOperation(githubSchema(), document, operation, variables);
}

describe('documents qms sends', () => {
  const documents = { ...BUILT_IN_DOCUMENTS };

  it('builds GitHub’s schema once per process', () => {
    const first = loadGithubSchema();
    expect(loadGithubSchema()).toBe(first);
    expect(first.buildMs).toBeGreaterThan(0);
    console.info(`GitHub GraphQL schema built in ${Math.round(first.buildMs)} ms from ${first.path}`);
  });

  it.each(Object.entries(documents))('%s validates against GitHub’s schema', (_name, query) => {
    expect(checkGithubQuery(githubSchema(), query).errors).toEqual([]);
  });
});

describe('answers over HTTP', () => {
  it('answers the §3 audit query page by page with schema-shaped data', async () => {
    const res = await t.graphql(ORG_AUDIT_QUERY, { org: 'acme', after: null });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const repos = res.body.data.organization.repositories;
    expect(repos.nodes.length).toBeGreaterThan(0);
    const core = repos.nodes.find((n: any) => n.name === 'core-payment-system');
    expect(core.branchProtectionRules.nodes.map((r: any) => r.pattern)).toEqual(['main', 'release/*', 'hotfix/*']);
    expect(t.violations()).toEqual([]);
  });

  it('answers the wide repository and organization reads', async () => {
    const repo = await t.graphql(REPOSITORY_QUERY, { owner: 'acme', name: 'core-payment-system' });
    expect(repo.body.errors).toBeUndefined();
    expect(repo.body.data.repository.config.text).toContain('core-payment-system');
    const org = await t.graphql(ORGANIZATION_QUERY, { org: 'acme', after: null });
    expect(org.body.errors).toBeUndefined();
    expect(org.body.data.organization.login).toBe('acme');
    expect(t.violations()).toEqual([]);
  });

  it('gives a non-admin an empty rule list, without an error', async () => {
    const res = await t.graphql(ORG_AUDIT_QUERY, { org: 'acme', after: null }, 'rita');
    expect(res.body.errors).toBeUndefined();
    const core = res.body.data.organization.repositories.nodes.find((n: any) => n.name === 'core-payment-system');
    expect(core.viewerPermission).toBe('READ');
    expect(core.branchProtectionRules.nodes).toEqual([]);
  });

  it('answers an unknown field with GitHub’s error and HTTP 200', async () => {
    const res = await t.graphql('query { viewer { login nope } }', {}, undefined, { expectInvalid: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      errors: [
        {
          path: ['query', 'viewer', 'nope'],
          extensions: { code: 'undefinedField', typeName: 'User', fieldName: 'nope' },
          locations: [{ line: 1, column: 24 }],
          message: "Field 'nope' doesn't exist on type 'User'",
        },
      ],
    });
  });
});

describe('protection mutations over HTTP', () => {
  it('create, update and delete rules that REST then reads', async () => {
    const repo = (await t.api('/repos/acme/payments-ledger')).body;
    const team = (await t.api('/orgs/acme/teams/payments')).body;
    const created = await t.graphql(CREATE_RULE_MUTATION, {
      input: {
        repositoryId: repo.node_id,
        pattern: 'main',
        requiresApprovingReviews: true,
        requiredApprovingReviewCount: 2,
        requiresCodeOwnerReviews: true,
        requiresStatusChecks: true,
        requiresStrictStatusChecks: true,
        requiredStatusChecks: [{ context: 'qms/dor-validation', appId: 'any' }],
        isAdminEnforced: true,
        restrictsPushes: true,
        pushActorIds: [team.node_id],
        clientMutationId: 'contract',
      },
    });
    expect(created.body.errors).toBeUndefined();
    const rule = created.body.data.createBranchProtectionRule.branchProtectionRule;
    expect(created.body.data.createBranchProtectionRule.clientMutationId).toBe('contract');

    const rest = await t.api('/repos/acme/payments-ledger/branches/main/protection');
    expect(rest.status).toBe(200);
    expect(rest.body.required_pull_request_reviews).toMatchObject({ required_approving_review_count: 2, require_code_owner_reviews: true });
    expect(rest.body.required_status_checks).toMatchObject({
      strict: true,
      contexts: ['qms/dor-validation'],
      checks: [{ context: 'qms/dor-validation', app_id: null }],
    });
    expect(rest.body.enforce_admins.enabled).toBe(true);
    expect(rest.body.restrictions.teams.map((x: any) => x.slug)).toEqual(['payments']);

    const updated = await t.graphql(UPDATE_RULE_MUTATION, {
      input: { branchProtectionRuleId: rule.id, requiredApprovingReviewCount: 3, requiresLinearHistory: true },
    });
    expect(updated.body.errors).toBeUndefined();
    const after = (await t.api('/repos/acme/payments-ledger/branches/main/protection')).body;
    expect(after.required_pull_request_reviews.required_approving_review_count).toBe(3);
    expect(after.required_linear_history.enabled).toBe(true);
    expect(after.enforce_admins.enabled).toBe(true);

    const deleted = await t.graphql(DELETE_RULE_MUTATION, { input: { branchProtectionRuleId: rule.id } });
    expect(deleted.body).toEqual({ data: { deleteBranchProtectionRule: { clientMutationId: null } } });
    const gone = await t.api('/repos/acme/payments-ledger/branches/main/protection');
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe('Branch not protected');
  });

  it('refuses a non-admin with FORBIDDEN and changes nothing', async () => {
    const repo = (await t.api('/repos/acme/payments-ledger')).body;
    const res = await t.graphql(CREATE_RULE_MUTATION, { input: { repositoryId: repo.node_id, pattern: 'develop' } }, 'rita');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ createBranchProtectionRule: null });
    expect(res.body.errors[0]).toMatchObject({ type: 'FORBIDDEN', path: ['createBranchProtectionRule'] });
  });
});

describe('cost', () => {
  it('is the docs’ algorithm: Σ requests per connection / 100, rounded, at least 1', () => {
    // The docs' worked example: 1 + 100 + 5,000 = 5,101 requests → 51 points, 305,100 nodes.
    const docs = costOf(`query { viewer { login repositories(first: 100) { edges { node { id
      issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id name } } } } } } } } } } }`);
    expect(docs).toEqual({ requests: 5101, nodeCount: 305_100, cost: 51 });
    // §3: 1 request for 100 repositories + 100 for their rules = 101 → 1 point (2,100 nodes).
    expect(costOf(ORG_AUDIT_QUERY, { org: 'acme' })).toEqual({ requests: 101, nodeCount: 2100, cost: 1 });
  });

  it('reports that cost in rateLimit and charges it to the GraphQL budget', async () => {
    const heavy = `query { organization(login: "acme") { repositories(first: 100) { nodes { branchProtectionRules(first: 100) {
      nodes { pushAllowances(first: 10) { totalCount } } } } } } rateLimit { cost nodeCount used } }`;
    const expected = costOf(heavy);
    expect(expected.cost).toBe(101);
    const first = await t.graphql(ORG_AUDIT_QUERY, { org: 'acme', after: null });
    expect(first.body.data.rateLimit.cost).toBe(1);
    const usedBefore = Number(first.headers.get('x-ratelimit-used'));
    const res = await t.graphql(heavy);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.rateLimit).toMatchObject({ cost: expected.cost, nodeCount: expected.nodeCount });
    expect(Number(res.headers.get('x-ratelimit-used')) - usedBefore).toBe(expected.cost);
    expect(res.headers.get('x-ratelimit-resource')).toBe('graphql');
  });

  it('refuses with RATE_LIMITED (HTTP 200) when the remaining points are below the cost, charging nothing', async () => {
    const small = await startTestSandbox({ rateLimit: { graphql: 50 } });
    try {
      const heavy = `query { organization(login: "acme") { repositories(first: 100) { nodes { branchProtectionRules(first: 100) {
        nodes { pushAllowances(first: 10) { totalCount } } } } } } }`;
      const res = await small.graphql(heavy);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        errors: [{ type: 'RATE_LIMITED', message: expect.stringMatching(/^API rate limit exceeded for user ID \d+\.$/) }],
      });
      const cheap = await small.graphql('query { viewer { login } rateLimit { limit used remaining cost } }');
      expect(cheap.body.data.rateLimit).toEqual({ limit: 50, used: 1, remaining: 49, cost: 1 });
      small.assertContract();
    } finally {
      await small.close();
    }
  });
});
