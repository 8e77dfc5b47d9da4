/**
 * Classic branch protection rules through GraphQL: every pattern (REST only
 * reaches rules whose pattern is an exact branch name), with paging, and the
 * create/update/delete mutations (GITHUB-API.md §3).
 */
import type { ActorLists, BranchProtection } from '../core/protection.js';
import type { ProtectionRule, RepoRef } from '../core/github-types.js';
import { NotFoundError, PermissionError, ValidationFailedError } from '../core/errors.js';
import type { GitHubClient } from './octokit-client.js';
import { obj, optObj, str, ResponseShapeError, type Json } from './map/check.js';
import {
  ACTOR_FRAGMENT,
  buildRuleInput,
  connectionNodes,
  mapPageInfo,
  mapProtectionRuleNode,
  RULE_CONNECTIONS,
  RULE_FIELDS,
  type ActorNodeIds,
  type RuleConnection,
} from './map/protection-rule.js';

const LIST_RULES = `
query QmsProtectionRules($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    viewerPermission
    branchProtectionRules(first: 50, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { ${RULE_FIELDS} }
    }
  }
}
${ACTOR_FRAGMENT}`;

function connectionPageQuery(connection: RuleConnection): string {
  const selection = connection === 'matchingRefs' ? 'name' : 'actor { ...QmsActor }';
  return `
query QmsRuleConnection($id: ID!, $after: String) {
  node(id: $id) {
    ... on BranchProtectionRule {
      ${connection}(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${selection} } }
    }
  }
}
${connection === 'matchingRefs' ? '' : ACTOR_FRAGMENT}`;
}

const CREATE_RULE = `
mutation QmsCreateRule($input: CreateBranchProtectionRuleInput!) {
  createBranchProtectionRule(input: $input) { branchProtectionRule { ${RULE_FIELDS} } }
}
${ACTOR_FRAGMENT}`;

const UPDATE_RULE = `
mutation QmsUpdateRule($input: UpdateBranchProtectionRuleInput!) {
  updateBranchProtectionRule(input: $input) { branchProtectionRule { ${RULE_FIELDS} } }
}
${ACTOR_FRAGMENT}`;

const DELETE_RULE = `
mutation QmsDeleteRule($input: DeleteBranchProtectionRuleInput!) {
  deleteBranchProtectionRule(input: $input) { clientMutationId }
}`;

/** The owner login of a repository or rule node (teams are looked up in that organization). */
const OWNER_OF_NODE = `
query QmsOwnerOfNode($id: ID!) {
  node(id: $id) {
    __typename
    ... on Repository { owner { login } }
    ... on BranchProtectionRule { repository { owner { login } } }
  }
}`;

/** Fetch the remaining pages of a rule's connections when the first 100 were not all. */
async function completeConnections(client: GitHubClient, node: Json): Promise<Partial<Record<RuleConnection, Json[]>>> {
  const all: Partial<Record<RuleConnection, Json[]>> = {};
  const id = str(node, 'id', 'branchProtectionRule');
  for (const key of RULE_CONNECTIONS) {
    const conn = optObj(node, key, 'branchProtectionRule');
    if (!conn) continue;
    let page = mapPageInfo(conn, key);
    if (!page.hasNextPage) continue;
    const nodes = connectionNodes(conn, key);
    while (page.hasNextPage) {
      const data = await client.graphql<Json>(connectionPageQuery(key), { id, after: page.endCursor });
      const next = obj(optObj(obj(data, ''), 'node', '')?.[key], `node.${key}`);
      nodes.push(...connectionNodes(next, key));
      page = mapPageInfo(next, key);
    }
    all[key] = nodes;
  }
  return all;
}

async function mapRuleNode(client: GitHubClient, node: unknown): Promise<ProtectionRule> {
  const o = client.mapResponse('POST /graphql', () => obj(node, 'branchProtectionRule'));
  const rest = await completeConnections(client, o);
  return client.mapResponse('POST /graphql', () => mapProtectionRuleNode(o, rest));
}

/** Every classic rule of a repository, every pattern, with the branches it matches. */
export async function listProtectionRules(client: GitHubClient, repo: RepoRef): Promise<ProtectionRule[]> {
  const rules: ProtectionRule[] = [];
  let after: string | null = null;
  for (;;) {
    const data: Json = await client.graphql<Json>(LIST_RULES, { owner: repo.owner, name: repo.name, after });
    const { nodes, page, permission } = client.mapResponse('POST /graphql', () => {
      const repository = optObj(obj(data, ''), 'repository', '');
      if (!repository) throw new ResponseShapeError('repository', 'a repository (null: not found or not visible)');
      const conn = obj(repository['branchProtectionRules'], 'repository.branchProtectionRules');
      return {
        nodes: connectionNodes(conn, 'branchProtectionRules'),
        page: mapPageInfo(conn, 'branchProtectionRules'),
        permission: repository['viewerPermission'],
      };
    });
    // Non-admins reportedly get an empty list, not an error (GITHUB-API.md pitfall 9):
    // an empty answer without admin says nothing about protection.
    if (after === null && nodes.length === 0 && permission !== 'ADMIN') {
      throw new PermissionError(
        `cannot read branch protection rules of ${repo.owner}/${repo.name}: the token lacks admin on it (viewer permission ${String(permission ?? 'unknown')})`,
        { status: 200, route: 'POST /graphql' },
        { hint: 'GitHub shows classic protection rules only to repository admins' },
      );
    }
    for (const node of nodes) rules.push(await mapRuleNode(client, node));
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  return rules;
}

/**
 * Resolve the logins/slugs a protection names into node ids: users through
 * one aliased GraphQL query, teams and apps through REST
 * (`GET /orgs/{org}/teams/{team_slug}`, `GET /apps/{app_slug}`; GraphQL has no
 * app lookup by slug). Unknown names fail before any mutation is sent.
 */
async function resolveActorIds(client: GitHubClient, ownerNodeId: string, p: BranchProtection): Promise<ActorNodeIds> {
  const lists: ActorLists[] = [p.requiredReviews?.dismissalRestrictions, p.requiredReviews?.bypassAllowances, p.restrictions].filter(
    (x): x is ActorLists => x !== null && x !== undefined,
  );
  const users = [...new Set(lists.flatMap((l) => l.users))];
  const teams = [...new Set(lists.flatMap((l) => l.teams))];
  const apps = [...new Set(lists.flatMap((l) => l.apps))];
  const resolved: ActorNodeIds = { users: new Map(), teams: new Map(), apps: new Map(), checkApps: new Map() };
  const missing: string[] = [];

  if (users.length > 0) {
    const params = users.map((_, i) => `$u${i}: String!`).join(', ');
    const fields = users.map((_, i) => `u${i}: user(login: $u${i}) { id }`).join(' ');
    const vars = Object.fromEntries(users.map((login, i) => [`u${i}`, login]));
    const { data, errors } = await client.graphqlPartial<Json>(`query QmsResolveUsers(${params}) { ${fields} }`, vars);
    const unexpected = errors.filter((e) => e.type !== 'NOT_FOUND');
    if (unexpected.length > 0) {
      throw new ValidationFailedError(`GitHub GraphQL rejected the user lookup: ${unexpected.map((e) => e.message).join('; ')}`, {
        status: 200,
        route: 'POST /graphql',
      });
    }
    users.forEach((login, i) => {
      const id = (data?.[`u${i}`] as Json | null | undefined)?.['id'];
      if (typeof id === 'string') resolved.users.set(login, id);
      else missing.push(`user "${login}"`);
    });
  }

  if (teams.length > 0) {
    const data = await client.graphql<Json>(OWNER_OF_NODE, { id: ownerNodeId });
    const org = client.mapResponse('POST /graphql', () => {
      const node = obj(obj(data, '')['node'], 'node');
      const repository = node['__typename'] === 'BranchProtectionRule' ? obj(node['repository'], 'node.repository') : node;
      return str(obj(repository['owner'], 'owner'), 'login', 'owner');
    });
    const route = 'GET /orgs/{org}/teams/{team_slug}';
    for (const slug of teams) {
      try {
        const res = await client.request<unknown>(route, { org, team_slug: slug });
        resolved.teams.set(
          slug,
          client.mapResponse(route, () => str(obj(res.data, ''), 'node_id', '')),
        );
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        missing.push(`team "${slug}" in ${org}`);
      }
    }
  }

  const appRoute = 'GET /apps/{app_slug}';
  for (const slug of apps) {
    try {
      const res = await client.request<unknown>(appRoute, { app_slug: slug });
      resolved.apps.set(
        slug,
        client.mapResponse(appRoute, () => str(obj(res.data, ''), 'node_id', '')),
      );
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      missing.push(`app "${slug}"`);
    }
  }

  const appIds = [...new Set((p.requiredStatusChecks?.checks ?? []).map((c) => c.appId).filter((id): id is number => id !== null))];
  if (appIds.length > 0) {
    const found = await resolveCheckApps(client, appIds);
    for (const id of appIds) {
      const nodeId = found.get(id);
      if (nodeId) resolved.checkApps.set(id, nodeId);
      else missing.push(`app id ${id} (for a required status check)`);
    }
  }

  if (missing.length > 0) {
    throw new ValidationFailedError(`GitHub does not know ${missing.join(', ')}`, { status: 404, route: 'POST /graphql' });
  }
  return resolved;
}

/**
 * `RequiredStatusCheckInput.appId` is typed `ID` (a node id), but the model
 * pins checks by the app's database id (what REST uses). GitHub has no lookup
 * of an app by database id, so the two legacy global-id encodings of the id
 * are asked for through `nodes` and only an App whose databaseId matches is
 * accepted. UNCONFIRMED: which encoding GitHub.com resolves today; an app that
 * resolves under neither fails with a clear error instead of a wrong pin.
 */
async function resolveCheckApps(client: GitHubClient, appIds: number[]): Promise<Map<number, string>> {
  const candidates = appIds.flatMap((id) => [
    Buffer.from(`03:App${id}`).toString('base64'),
    Buffer.from(`011:Integration${id}`).toString('base64'),
  ]);
  const { data } = await client.graphqlPartial<Json>(
    'query QmsResolveApps($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on App { id databaseId } } }',
    { ids: candidates },
  );
  const out = new Map<number, string>();
  const nodes = Array.isArray(data?.['nodes']) ? (data['nodes'] as unknown[]) : [];
  for (const node of nodes) {
    if (!node || typeof node !== 'object') continue;
    const n = node as Json;
    if (
      n['__typename'] === 'App' &&
      typeof n['databaseId'] === 'number' &&
      typeof n['id'] === 'string' &&
      appIds.includes(n['databaseId'])
    ) {
      out.set(n['databaseId'], n['id']);
    }
  }
  return out;
}

function ruleFromMutation(data: Json, field: string): unknown {
  const payload = obj(obj(data, '')[field], field);
  return obj(payload['branchProtectionRule'], `${field}.branchProtectionRule`);
}

export async function createProtectionRule(
  client: GitHubClient,
  repoNodeId: string,
  pattern: string,
  protection: BranchProtection,
): Promise<ProtectionRule> {
  const resolved = await resolveActorIds(client, repoNodeId, protection);
  const input = { repositoryId: repoNodeId, ...buildRuleInput(pattern, protection, resolved) };
  const data = await client.graphql<Json>(CREATE_RULE, { input });
  return mapRuleNode(
    client,
    client.mapResponse('POST /graphql', () => ruleFromMutation(data, 'createBranchProtectionRule')),
  );
}

export async function updateProtectionRule(
  client: GitHubClient,
  ruleId: string,
  pattern: string,
  protection: BranchProtection,
): Promise<ProtectionRule> {
  const resolved = await resolveActorIds(client, ruleId, protection);
  const input = { branchProtectionRuleId: ruleId, ...buildRuleInput(pattern, protection, resolved) };
  const data = await client.graphql<Json>(UPDATE_RULE, { input });
  return mapRuleNode(
    client,
    client.mapResponse('POST /graphql', () => ruleFromMutation(data, 'updateBranchProtectionRule')),
  );
}

export async function deleteProtectionRule(client: GitHubClient, ruleId: string): Promise<void> {
  await client.graphql<Json>(DELETE_RULE, { input: { branchProtectionRuleId: ruleId } });
}
