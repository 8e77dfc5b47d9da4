/**
 * The GraphQL executor over an in-memory state (no HTTP): pagination,
 * visibility, mutations shared with the REST model, GitHub's limits and cost.
 */
import { describe, expect, it } from 'vitest';
import { executeGraphql } from '../../src/graphql/index.js';
import { buildState, contextFor } from './sim-state.js';
import { ORG_AUDIT_QUERY } from '../contract/graphql-documents.js';

type Json = any;

async function run(login: string, query: string, variables: Record<string, unknown> = {}, state = buildState(), over = {}) {
  const ctx = contextFor(state, login, over);
  const result = await executeGraphql({ query, variables }, ctx);
  return { ...result, body: result.body as Json, ctx, state };
}

describe('viewer and rateLimit', () => {
  it('answers viewer and the rate limit with the computed cost', async () => {
    const r = await run(
      'ada',
      '{ viewer { login databaseId id } rateLimit { cost limit remaining used nodeCount resetAt } }',
      {},
      buildState(),
      {
        rateLimit: { limit: 5000, used: 10, remaining: 4990, reset: 1_700_000_000 },
      },
    );
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.viewer).toEqual({ login: 'ada', databaseId: 1, id: r.state.users[0]!.nodeId });
    expect(r.body.data.rateLimit).toEqual({
      cost: 1,
      limit: 5000,
      remaining: 4989,
      used: 11,
      nodeCount: 0,
      resetAt: '2023-11-14T22:13:20Z',
    });
    expect(r.cost).toBe(1);
    expect(r.mutation).toBe(false);
  });
});

describe('organization repositories', () => {
  it('pages 100 at a time with cursors, filters archived repositories and counts the rest', async () => {
    const state = buildState(150);
    const page1 = await run('ada', ORG_AUDIT_QUERY, { org: 'acme', after: null }, state);
    expect(page1.body.errors).toBeUndefined();
    const repos1 = page1.body.data.organization.repositories;
    expect(repos1.nodes).toHaveLength(100);
    expect(repos1.pageInfo.hasNextPage).toBe(true);
    expect(repos1.nodes.map((n: Json) => n.name)).not.toContain('old');
    const page2 = await run('ada', ORG_AUDIT_QUERY, { org: 'acme', after: repos1.pageInfo.endCursor }, state);
    const repos2 = page2.body.data.organization.repositories;
    // acme has api, web, secret + 150 generated unarchived repositories = 153.
    expect(repos2.nodes).toHaveLength(53);
    expect(repos2.pageInfo.hasNextPage).toBe(false);
    const names = [...repos1.nodes, ...repos2.nodes].map((n: Json) => n.name);
    expect(new Set(names).size).toBe(153);
    expect(names.slice(0, 3)).toEqual(['api', 'web', 'secret']);
  });

  it('returns rules with REST-model values for admins', async () => {
    const r = await run('ada', ORG_AUDIT_QUERY, { org: 'acme', after: null });
    const api = r.body.data.organization.repositories.nodes.find((n: Json) => n.name === 'api');
    expect(api.viewerPermission).toBe('ADMIN');
    expect(api.defaultBranchRef).toEqual({ name: 'main' });
    expect(api.branchProtectionRules.nodes).toHaveLength(2);
    const main = api.branchProtectionRules.nodes[0];
    expect(main).toMatchObject({
      pattern: 'main',
      isAdminEnforced: true,
      requiresApprovingReviews: true,
      requiredApprovingReviewCount: 2,
      requiresCodeOwnerReviews: true,
      requiresStatusChecks: true,
      requiresStrictStatusChecks: true,
      requiredStatusCheckContexts: ['ci/build', 'qms/dor-validation'],
      requiredStatusChecks: [
        { context: 'ci/build', app: { databaseId: 900 } },
        { context: 'qms/dor-validation', app: null },
      ],
      requiresLinearHistory: true,
      allowsForcePushes: false,
      allowsDeletions: false,
      requiresCommitSignatures: false,
      lockBranch: false,
    });
    expect(api.branchProtectionRules.nodes[1]).toMatchObject({
      pattern: 'release/*',
      requiresApprovingReviews: false,
      requiresStatusChecks: false,
    });
  });

  it('gives non-admin viewers an empty rule list without an error', async () => {
    const r = await run('bob', ORG_AUDIT_QUERY, { org: 'acme', after: null });
    expect(r.body.errors).toBeUndefined();
    const api = r.body.data.organization.repositories.nodes.find((n: Json) => n.name === 'api');
    expect(api.viewerPermission).toBe('WRITE');
    expect(api.branchProtectionRules.nodes).toEqual([]);
  });

  it('lists only the repositories the viewer can see', async () => {
    const r = await run('eve', '{ organization(login: "acme") { repositories(first: 10) { totalCount nodes { name } } } }');
    expect(r.body.data.organization.repositories.nodes.map((n: Json) => n.name)).toEqual(['api', 'old']);
    expect(r.body.data.organization.repositories.totalCount).toBe(2);
  });

  it('applies privacy and orderBy', async () => {
    const r = await run(
      'ada',
      '{ organization(login: "acme") { repositories(first: 10, privacy: PRIVATE, orderBy: {field: NAME, direction: DESC}) { nodes { name isPrivate visibility } } } }',
    );
    expect(r.body.data.organization.repositories.nodes).toEqual([
      { name: 'web', isPrivate: true, visibility: 'PRIVATE' },
      { name: 'secret', isPrivate: true, visibility: 'PRIVATE' },
    ]);
  });

  it('pages backwards with last/before', async () => {
    const state = buildState(10);
    const all = await run(
      'ada',
      '{ organization(login: "acme") { repositories(first: 100) { edges { cursor node { name } } } } }',
      {},
      state,
    );
    const edges = all.body.data.organization.repositories.edges;
    const before = edges[5].cursor;
    const r = await run(
      'ada',
      `{ organization(login: "acme") { repositories(last: 2, before: "${before}") { nodes { name } pageInfo { hasPreviousPage hasNextPage } } } }`,
      {},
      state,
    );
    expect(r.body.data.organization.repositories.nodes.map((n: Json) => n.name)).toEqual([edges[3].node.name, edges[4].node.name]);
    expect(r.body.data.organization.repositories.pageInfo).toEqual({ hasPreviousPage: true, hasNextPage: true });
  });

  it('answers an unknown organization with null and NOT_FOUND', async () => {
    const r = await run('ada', '{ organization(login: "nope") { id } }');
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ organization: null });
    expect(r.body.errors).toEqual([
      {
        type: 'NOT_FOUND',
        path: ['organization'],
        locations: [{ line: 1, column: 3 }],
        message: "Could not resolve to an Organization with the login of 'nope'.",
      },
    ]);
  });
});

describe('repository fields', () => {
  it('reads refs, files, topics and settings', async () => {
    const r = await run(
      'ada',
      `{ repository(owner: "acme", name: "api") {
          nameWithOwner owner { login __typename } isArchived isEmpty viewerCanAdminister
          repositoryTopics(first: 5) { nodes { topic { name } } } primaryLanguage { name }
          squashMergeAllowed mergeCommitAllowed deleteBranchOnMerge
          refs(refPrefix: "refs/heads/", first: 2, query: "release") { totalCount pageInfo { hasNextPage } nodes { name target { oid } } }
          ref(qualifiedName: "refs/heads/feature/x") { name prefix }
          file: object(expression: "HEAD:.qms/branch-protection.yml") { ... on Blob { text byteSize isBinary oid } }
          missing: object(expression: "main:nope.txt") { id }
          rule: branchProtectionRules(first: 1, after: null) { nodes { pattern matchingRefs(first: 10) { nodes { name } } } }
          wild: branchProtectionRules(first: 1, after: "${Buffer.from('cursor:v2:0').toString('base64')}") { nodes { pattern matchingRefs(first: 10) { nodes { name } } } }
      } }`,
    );
    expect(r.body.errors).toBeUndefined();
    const repo = r.body.data.repository;
    expect(repo).toMatchObject({
      nameWithOwner: 'acme/api',
      owner: { login: 'acme', __typename: 'Organization' },
      isArchived: false,
      isEmpty: false,
      viewerCanAdminister: true,
      repositoryTopics: { nodes: [{ topic: { name: 'tier-1' } }] },
      primaryLanguage: { name: 'TypeScript' },
      squashMergeAllowed: true,
      mergeCommitAllowed: false,
      deleteBranchOnMerge: true,
      ref: { name: 'feature/x', prefix: 'refs/heads/' },
      missing: null,
    });
    expect(repo.refs.totalCount).toBe(3);
    expect(repo.refs.nodes.map((n: Json) => n.name)).toEqual(['release/1.0', 'release/1.0/hotfix']);
    expect(repo.refs.pageInfo.hasNextPage).toBe(true);
    expect(repo.file).toEqual({ text: 'tier: 1\n', byteSize: 8, isBinary: false, oid: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(repo.rule.nodes[0].matchingRefs.nodes).toEqual([{ name: 'main' }]);
    // release/* matches one level only (fnmatch with FNM_PATHNAME).
    expect(repo.wild.nodes[0].matchingRefs.nodes.map((n: Json) => n.name)).toEqual(['release/1.0', 'release/2.0']);
  });

  it('resolves actor allowances to users, teams and apps', async () => {
    const r = await run(
      'ada',
      `{ repository(owner: "acme", name: "api") { branchProtectionRules(first: 1) { nodes { restrictsPushes
          pushAllowances(first: 10) { nodes { actor { __typename ... on User { login databaseId } ... on Team { slug databaseId } ... on App { slug databaseId } } } } } } } }`,
    );
    const rule = r.body.data.repository.branchProtectionRules.nodes[0];
    expect(rule.restrictsPushes).toBe(true);
    expect(rule.pushAllowances.nodes.map((n: Json) => n.actor)).toEqual([
      { __typename: 'User', login: 'ada', databaseId: 1 },
      { __typename: 'Team', slug: 'core', databaseId: 200 },
      { __typename: 'App', slug: 'ci-bot', databaseId: 900 },
    ]);
  });

  it('answers an invisible repository like a missing one', async () => {
    const r = await run('eve', '{ repository(owner: "acme", name: "secret") { id } }');
    expect(r.body.data).toEqual({ repository: null });
    expect(r.body.errors[0]).toMatchObject({
      type: 'NOT_FOUND',
      path: ['repository'],
      message: "Could not resolve to a Repository with the name 'acme/secret'.",
    });
  });

  it('shows organization rulesets that target the repository, with bypass actors for admins only', async () => {
    const query = `{ repository(owner: "acme", name: "api") { rulesets(first: 10, includeParents: true) { nodes {
        databaseId name enforcement target source { __typename ... on Organization { login } }
        conditions { refName { include exclude } repositoryProperty { include { name propertyValues source } } }
        bypassActors(first: 10) { nodes { bypassMode organizationAdmin repositoryRoleDatabaseId actor { __typename ... on Team { slug } } } }
        rules(first: 10) { nodes { type parameters { __typename
          ... on PullRequestParameters { requiredApprovingReviewCount dismissStaleReviewsOnPush requireLastPushApproval }
          ... on RequiredStatusChecksParameters { strictRequiredStatusChecksPolicy requiredStatusChecks { context integrationId } } } } } } } } }`;
    const admin = await run('ada', query);
    expect(admin.body.errors).toBeUndefined();
    const rs = admin.body.data.repository.rulesets.nodes[0];
    expect(rs).toMatchObject({
      databaseId: 300,
      enforcement: 'ACTIVE',
      target: 'BRANCH',
      source: { __typename: 'Organization', login: 'acme' },
      conditions: {
        refName: { include: ['~DEFAULT_BRANCH'], exclude: [] },
        repositoryProperty: { include: [{ name: 'tier', propertyValues: ['1'], source: 'custom' }] },
      },
    });
    expect(rs.rules.nodes).toEqual([
      { type: 'DELETION', parameters: null },
      {
        type: 'PULL_REQUEST',
        parameters: {
          __typename: 'PullRequestParameters',
          requiredApprovingReviewCount: 2,
          dismissStaleReviewsOnPush: true,
          requireLastPushApproval: true,
        },
      },
      {
        type: 'REQUIRED_STATUS_CHECKS',
        parameters: {
          __typename: 'RequiredStatusChecksParameters',
          strictRequiredStatusChecksPolicy: true,
          requiredStatusChecks: [{ context: 'qms/dor-validation', integrationId: null }],
        },
      },
    ]);
    expect(rs.bypassActors.nodes).toEqual([
      { bypassMode: 'PULL_REQUEST', organizationAdmin: false, repositoryRoleDatabaseId: null, actor: { __typename: 'Team', slug: 'core' } },
      { bypassMode: 'ALWAYS', organizationAdmin: false, repositoryRoleDatabaseId: 5, actor: null },
    ]);
    const member = await run('bob', query);
    expect(member.body.data.repository.rulesets.nodes[0].bypassActors.nodes).toEqual([]);
    expect(member.body.data.repository.rulesets.nodes[0].rules.nodes).toHaveLength(3);
  });

  it('resolves node ids of repositories and rules, and hides rules from non-admins', async () => {
    const state = buildState();
    const api = state.repos[0]!;
    const ruleId = api.protectionRules[0]!.nodeId;
    const query = `{ repo: node(id: "${api.nodeId}") { ... on Repository { name } } rule: node(id: "${ruleId}") { ... on BranchProtectionRule { pattern } } }`;
    const admin = await run('ada', query, {}, state);
    expect(admin.body.data).toEqual({ repo: { name: 'api' }, rule: { pattern: 'main' } });
    const member = await run('bob', query, {}, state);
    expect(member.body.data).toEqual({ repo: { name: 'api' }, rule: null });
    expect(member.body.errors[0]).toMatchObject({ type: 'NOT_FOUND', path: ['rule'] });
  });
});

describe('branch protection mutations', () => {
  const CREATE = `mutation($input: CreateBranchProtectionRuleInput!) { createBranchProtectionRule(input: $input) { clientMutationId branchProtectionRule {
      id databaseId pattern requiresApprovingReviews requiredApprovingReviewCount requiresStatusChecks requiredStatusChecks { context app { slug } } isAdminEnforced
      restrictsPushes pushAllowances(first: 10) { nodes { actor { __typename ... on Team { slug } } } } } } }`;

  it('creates, updates and deletes rules in the REST-shaped model', async () => {
    const state = buildState();
    const api = state.repos[0]!;
    const team = state.orgs[0]!.teams[0]!;
    const app = state.apps[0]!;
    const created = await run(
      'ada',
      CREATE,
      {
        input: {
          clientMutationId: 'c1',
          repositoryId: api.nodeId,
          pattern: 'release/**/*',
          requiresApprovingReviews: true,
          requiredApprovingReviewCount: 2,
          requiresStatusChecks: true,
          requiredStatusChecks: [
            { context: 'qms/dor-validation', appId: 'any' },
            { context: 'ci/build', appId: app.nodeId },
          ],
          isAdminEnforced: true,
          restrictsPushes: true,
          pushActorIds: [team.nodeId],
        },
      },
      state,
    );
    expect(created.body.errors).toBeUndefined();
    expect(created.mutation).toBe(true);
    expect(created.ctx.dirty).toBe(1);
    const payload = created.body.data.createBranchProtectionRule;
    expect(payload.clientMutationId).toBe('c1');
    expect(payload.branchProtectionRule).toMatchObject({
      pattern: 'release/**/*',
      requiresApprovingReviews: true,
      requiredApprovingReviewCount: 2,
      requiresStatusChecks: true,
      requiredStatusChecks: [
        { context: 'qms/dor-validation', app: null },
        { context: 'ci/build', app: { slug: 'ci-bot' } },
      ],
      isAdminEnforced: true,
      restrictsPushes: true,
      pushAllowances: { nodes: [{ actor: { __typename: 'Team', slug: 'core' } }] },
    });
    // The same object REST reads.
    const stored = api.protectionRules.find((r) => r.pattern === 'release/**/*')!;
    expect(stored.id).toBe(payload.branchProtectionRule.databaseId);
    expect(stored.nodeId).toBe(payload.branchProtectionRule.id);
    expect(stored.requiredReviews).toEqual({
      count: 2,
      dismissStale: false,
      codeOwners: false,
      lastPushApproval: false,
      dismissalRestrictions: null,
      bypassAllowances: null,
    });
    expect(stored.requiredStatusChecks).toEqual({
      strict: false,
      checks: [
        { context: 'qms/dor-validation', appId: null },
        { context: 'ci/build', appId: 900 },
      ],
    });
    expect(stored.restrictions).toEqual({ users: [], teams: [200], apps: [] });
    expect(stored.enforceAdmins).toBe(true);
    expect(stored.linearHistory).toBe(false);

    // Partial update: only the given fields change.
    const updated = await run(
      'ada',
      `mutation { updateBranchProtectionRule(input: {branchProtectionRuleId: "${stored.nodeId}", requiredApprovingReviewCount: 3, requiresLinearHistory: true}) {
          branchProtectionRule { requiredApprovingReviewCount requiresLinearHistory isAdminEnforced } } }`,
      {},
      state,
    );
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data.updateBranchProtectionRule.branchProtectionRule).toEqual({
      requiredApprovingReviewCount: 3,
      requiresLinearHistory: true,
      isAdminEnforced: true,
    });
    expect(stored.requiredReviews?.count).toBe(3);
    expect(stored.linearHistory).toBe(true);
    expect(stored.requiredStatusChecks?.checks).toHaveLength(2);

    const off = await run(
      'ada',
      `mutation { updateBranchProtectionRule(input: {branchProtectionRuleId: "${stored.nodeId}", requiresStatusChecks: false, restrictsPushes: false}) { clientMutationId } }`,
      {},
      state,
    );
    expect(off.body.errors).toBeUndefined();
    expect(stored.requiredStatusChecks).toBeNull();
    expect(stored.restrictions).toBeNull();

    const deleted = await run(
      'ada',
      `mutation { deleteBranchProtectionRule(input: {branchProtectionRuleId: "${stored.nodeId}", clientMutationId: "d"}) { clientMutationId } }`,
      {},
      state,
    );
    expect(deleted.body).toEqual({ data: { deleteBranchProtectionRule: { clientMutationId: 'd' } } });
    expect(api.protectionRules.map((r) => r.pattern)).toEqual(['main', 'release/*']);
  });

  it('refuses a duplicate pattern', async () => {
    const state = buildState();
    const r = await run('ada', CREATE, { input: { repositoryId: state.repos[0]!.nodeId, pattern: 'main' } }, state);
    expect(r.body.data.createBranchProtectionRule).toBeNull();
    expect(r.body.errors[0]).toMatchObject({
      type: 'UNPROCESSABLE',
      path: ['createBranchProtectionRule'],
      message: 'Name already protected: main',
    });
    expect(r.ctx.dirty).toBe(0);
  });

  it('refuses non-admins, archived repositories and Free-plan private repositories', async () => {
    const state = buildState();
    const byNonAdmin = await run('bob', CREATE, { input: { repositoryId: state.repos[0]!.nodeId, pattern: 'dev' } }, state);
    expect(byNonAdmin.body.errors[0]).toMatchObject({
      type: 'FORBIDDEN',
      message: 'bob does not have the correct permissions to execute `CreateBranchProtectionRule`',
    });
    const archived = state.repos.find((r) => r.name === 'old')!;
    const onArchived = await run('ada', CREATE, { input: { repositoryId: archived.nodeId, pattern: 'dev' } }, state);
    expect(onArchived.body.errors[0]).toMatchObject({ type: 'FORBIDDEN', message: 'Repository was archived so is read-only.' });
    const closed = state.repos.find((r) => r.name === 'closed')!;
    const onFree = await run('ada', CREATE, { input: { repositoryId: closed.nodeId, pattern: 'dev' } }, state);
    expect(onFree.body.errors[0]).toMatchObject({
      message: 'Upgrade to GitHub Pro or make this repository public to enable this feature.',
    });
    const invisible = await run('eve', CREATE, { input: { repositoryId: state.repos[3]!.nodeId, pattern: 'dev' } }, state);
    expect(invisible.body.errors[0]).toMatchObject({ type: 'NOT_FOUND' });
    expect(state.repos.every((r) => r.protectionRules.every((p) => p.pattern !== 'dev'))).toBe(true);
  });
});

describe('limits, errors and cost', () => {
  it('refuses more than 100 records on a connection', async () => {
    const r = await run('ada', '{ organization(login: "acme") { repositories(first: 101) { nodes { name } } } }');
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ organization: null });
    expect(r.body.errors).toEqual([
      {
        type: 'EXCESSIVE_PAGINATION',
        path: ['organization', 'repositories'],
        locations: [{ line: 1, column: 33 }],
        message: 'Requesting 101 records on the `repositories` connection exceeds the `first` limit of 100 records.',
      },
    ]);
  });

  it('requires first or last when nodes are selected, but not for totalCount alone', async () => {
    const missing = await run('ada', '{ organization(login: "acme") { repositories { nodes { name } } } }');
    expect(missing.body.errors[0]).toMatchObject({
      type: 'MISSING_PAGINATION_BOUNDARIES',
      path: ['organization', 'repositories'],
      message: 'You must provide a `first` or `last` value to properly paginate the `repositories` connection.',
    });
    const count = await run('ada', '{ organization(login: "acme") { repositories { totalCount } } }');
    expect(count.body.errors).toBeUndefined();
    expect(count.body.data.organization.repositories.totalCount).toBe(4);
  });

  it('refuses queries over 500,000 possible nodes before running them', async () => {
    const r = await run(
      'ada',
      '{ organization(login: "acme") { repositories(first: 100) { nodes { refs(refPrefix: "refs/heads/", first: 100) { nodes { associatedPullRequests(first: 100) { totalCount } } } } } } }',
    );
    expect(r.body).toEqual({
      errors: [
        {
          type: 'MAX_NODE_LIMIT_EXCEEDED',
          message: 'This query requests up to 1,010,100 possible nodes which exceeds the maximum limit of 500,000.',
        },
      ],
    });
  });

  it('reports unknown fields as GitHub does, with HTTP 200', async () => {
    const r = await run('ada', 'query Q { viewer { login nope } }');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      errors: [
        {
          path: ['query Q', 'viewer', 'nope'],
          extensions: { code: 'undefinedField', typeName: 'User', fieldName: 'nope' },
          locations: [{ line: 1, column: 26 }],
          message: "Field 'nope' doesn't exist on type 'User'",
        },
      ],
    });
  });

  it('reports syntax errors with HTTP 200', async () => {
    const r = await run('ada', '{ viewer { login } } }');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ errors: [{ message: 'Parse error on "}" (RCURLY) at [1, 22]', locations: [{ line: 1, column: 22 }] }] });
  });

  it('reports variables of the wrong type', async () => {
    const r = await run('ada', 'query($org: String!) { organization(login: $org) { id } }', {});
    expect(r.body.errors).toEqual([
      {
        extensions: { value: null, problems: [{ path: [], explanation: 'Expected value to not be null' }] },
        locations: [{ line: 1, column: 7 }],
        message: 'Variable $org of type String! was provided invalid value',
      },
    ]);
  });

  it('costs 1 point per 100 repositories for the audit query (1 + 100 requests)', async () => {
    const r = await run('ada', ORG_AUDIT_QUERY, { org: 'acme', after: null });
    expect(r.cost).toBe(1);
    expect(r.body.data.rateLimit.cost).toBe(1);
  });

  it('costs round(requests / 100) for nested connections', async () => {
    // 1 (repositories) + 100 × 1 (rules) + 100 × 100 (pushAllowances) = 10,101 requests → 101 points.
    const r = await run(
      'ada',
      '{ organization(login: "acme") { repositories(first: 100) { nodes { branchProtectionRules(first: 100) { nodes { pushAllowances(first: 10) { totalCount } } } } } } rateLimit { cost nodeCount } }',
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.cost).toBe(101);
    expect(r.body.data.rateLimit).toEqual({ cost: 101, nodeCount: 100 + 100 * 100 + 100 * 100 * 10 });
  });

  it('refuses with RATE_LIMITED when the remaining points are below the cost', async () => {
    const state = buildState();
    const r = await run(
      'ada',
      '{ organization(login: "acme") { repositories(first: 100) { nodes { branchProtectionRules(first: 100) { nodes { pushAllowances(first: 10) { totalCount } } } } } } }',
      {},
      state,
      { rateLimit: { limit: 5000, used: 4950, remaining: 50, reset: 1_700_000_000 } },
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] });
    expect(r.cost).toBe(0);
  });

  it('names fields the sandbox does not model instead of returning null', async () => {
    const r = await run('ada', '{ repository(owner: "acme", name: "api") { stargazerCount } }');
    expect(r.body.errors[0]).toMatchObject({ type: 'SANDBOX_UNIMPLEMENTED', path: ['repository', 'stargazerCount'] });
  });

  it('answers a body without a query like GitHub', async () => {
    const ctx = contextFor(buildState(), 'ada');
    const r = await executeGraphql({ variables: {} }, ctx);
    expect(r).toEqual({
      status: 200,
      body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] },
      cost: 1,
      mutation: false,
    });
  });
});
