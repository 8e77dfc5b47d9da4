/**
 * Batched reads for org-wide runs (issue 5): what the per-repository REST reader
 * learns in ~8 requests per repository, here in pages of 100 repositories.
 *
 *   1. `measureOrg`: the repository count (one cheap query; budgeting).
 *   2. `readRepositoryPage`: 100 repositories per GraphQL query, each with its
 *      listing, the first 100 branch names, the node ids of its classic rules and
 *      rulesets, and the repo config file (4 points per page, see map/batch.ts).
 *   3. `readProtectionRules` / `readRulesets`: the details of those ids, many per
 *      query (`node(id:)` aliases), with exactly the field list and mapper the
 *      per-repository reader uses (map/protection-rule.ts), so both readers build
 *      the same ProtectionRule objects. Organization rulesets appear under every
 *      repository they target; the caller asks for each id once.
 *   4. `listRemaining`: follow-up pages for the rare repository with more than
 *      100 branches, rules or rulesets.
 *   5. `readOrgPropertyPage`: custom property values, 100 repositories per REST
 *      page (GraphQL has none), optionally conditional (ETag → 304).
 *
 * Counts its requests and the GraphQL points GitHub reports (`rateLimit.cost`),
 * so a run can be budgeted and capped. Only read queries: none of this is paced.
 */
import { AuthError, GitHubError, NotFoundError, PermissionError, PlanUnavailableError, RateLimitError } from '../core/errors.js';
import type {
  AppInstallationsRead,
  CustomPropertyValue,
  ProtectionRule,
  RepoFile,
  RepoRef,
  Ruleset,
  RulesetSourceType,
} from '../core/github-types.js';
import { listOrgInstallations } from './code-owners.js';
import type { GitHubClient } from './octokit-client.js';
import * as restRepos from './repos.js';
import { arr, obj, optNum, optObj, str, type Json } from './map/check.js';
import {
  BATCH_REPO_FRAGMENT,
  LISTING_REPO_FRAGMENT,
  listRepositoryIdTargets,
  mapBatchRepoNode,
  mapConnectionPage,
  mapRulesetNode,
  pickId,
  pickName,
  BYPASS_ACTOR_FRAGMENT,
  RULESET_FRAGMENT,
  RULESET_RULE_FRAGMENT,
  type BatchRepoNode,
} from './map/batch.js';
import { mapPropertyValueList } from './map/repos.js';
import { mapRuleset } from './map/rulesets.js';
import {
  ACTOR_FRAGMENT,
  connectionNodes,
  mapPageInfo,
  mapProtectionRuleNode,
  RULE_CONNECTIONS,
  RULE_FIELDS,
  type RuleConnection,
} from './map/protection-rule.js';

export type { BatchRepoNode, BatchConfigFile, ConnectionPage } from './map/batch.js';

const ROUTE = 'POST /graphql';

export const ORG_SIZE_QUERY = `
query QmsOrgSize($org: String!) {
  organization(login: $org) { viewerCanAdminister repositories { totalCount } }
  rateLimit { cost limit remaining resetAt }
}`;

/** Name order, as the LiveStateReader contract wants it (GitHub's collation: UNCONFIRMED to equal qms's). */
export const ORG_PAGE_QUERY = `
query QmsOrgRepositoryPage($org: String!, $first: Int!, $after: String) {
  organization(login: $org) {
    repositories(first: $first, after: $after, orderBy: { field: NAME, direction: ASC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...QmsBatchRepo }
    }
  }
  rateLimit { cost remaining resetAt }
}
${BATCH_REPO_FRAGMENT}`;

/** The same page for classification only (LISTING_REPO_FRAGMENT: 1 point instead of 4). */
export const ORG_LISTING_PAGE_QUERY = `
query QmsOrgRepositoryListingPage($org: String!, $first: Int!, $after: String) {
  organization(login: $org) {
    repositories(first: $first, after: $after, orderBy: { field: NAME, direction: ASC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...QmsBatchRepo }
    }
  }
  rateLimit { cost remaining resetAt }
}
${LISTING_REPO_FRAGMENT}`;

const MORE_BRANCHES_QUERY = `
query QmsMoreBranches($id: ID!, $after: String) {
  node(id: $id) { ... on Repository { refs(refPrefix: "refs/heads/", first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { name } } } }
  rateLimit { cost remaining resetAt }
}`;

const MORE_RULES_QUERY = `
query QmsMoreRuleIds($id: ID!, $after: String) {
  node(id: $id) { ... on Repository { branchProtectionRules(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } } }
  rateLimit { cost remaining resetAt }
}`;

const MORE_RULESETS_QUERY = `
query QmsMoreRulesetIds($id: ID!, $after: String) {
  node(id: $id) { ... on Repository { rulesets(first: 100, after: $after, includeParents: true) { pageInfo { hasNextPage endCursor } nodes { id } } } }
  rateLimit { cost remaining resetAt }
}`;

/**
 * Aliased `node(id:)` lookups per query: a rule costs 4 connection requests, a
 * ruleset 2, so a full query is 16 points and at most 160,000 nodes (limit 500,000).
 */
export const DETAIL_BATCH = 400;
/** Repositories per `repository(owner, name)` aliased query (4 connections each). */
export const NAMED_REPO_BATCH = 50;

export interface OrgSize {
  totalRepositories: number;
  /** Organization owners may see every org ruleset's bypass list. */
  viewerIsOwner: boolean;
}

export interface RepositoryPage {
  /** In GitHub's order; an entry whose fields partly failed carries `error`. */
  entries: { node: BatchRepoNode; error: string | null }[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface PropertyPage {
  items: { repo: string; properties: Record<string, CustomPropertyValue> }[];
  /** True when GitHub answered 304 and the cached body was used. */
  notModified: boolean;
}

/** ETag + body of a GET, kept between runs (what a 304 stands for). */
export interface ConditionalCache {
  get(key: string): { etag: string; body: unknown } | undefined;
  set(key: string, etag: string, body: unknown): void;
  /** Persist what was set (called once the pages are read). */
  flush?(): void;
}

export type BatchKind = 'branches' | 'rules' | 'rulesets';

/** What one ruleset needs besides its JSON: who may see its bypass list. */
export type CanSeeBypass = (source: { type: RulesetSourceType; name: string }) => boolean;

export interface BatchRead {
  /** HTTP requests sent through this object (every GraphQL query and REST page, 304s included). */
  readonly requests: number;
  /** GraphQL points GitHub reported (`rateLimit.cost`) for those queries. */
  readonly points: number;
  /** Conditional REST answers (304, not charged by GitHub). */
  readonly notModified: number;
  measureOrg(org: string): Promise<OrgSize>;
  /**
   * One page of the org's repositories. `listing`: without branches, rules and
   * rulesets (classification needs none of them; 1 point instead of 4).
   */
  readRepositoryPage(org: string, options: { after: string | null; first?: number; listing?: boolean }): Promise<RepositoryPage>;
  /** Named repositories (e.g. `--repo`); null for one that does not exist or is not visible. */
  readRepositories(
    repos: readonly RepoRef[],
    options?: { listing?: boolean },
  ): Promise<({ node: BatchRepoNode; error: string | null } | null)[]>;
  /** Every item after `after` of one repository's branches, rule ids or ruleset ids. */
  listRemaining(kind: BatchKind, repoNodeId: string, after: string | null): Promise<string[]>;
  /** Classic rules by node id (an Error for an id GitHub no longer resolves). */
  readProtectionRules(ids: readonly string[]): Promise<Map<string, ProtectionRule | Error>>;
  /** Rulesets by node id, with repository id targets resolved to database ids. */
  readRulesets(ids: readonly string[], canSeeBypass: CanSeeBypass): Promise<Map<string, Ruleset | Error>>;
  /** One page (1-based) of GET /orgs/{org}/properties/values, 100 repositories. */
  readOrgPropertyPage(org: string, page: number, cache?: ConditionalCache): Promise<PropertyPage>;
  /** GET /repos/{o}/{r}/properties/values: named repositories, or when the org-wide list is not readable. */
  readRepoProperties(repo: RepoRef): Promise<Record<string, CustomPropertyValue>>;
  /** GET …/contents/{path}: a file GraphQL's `text` cannot carry (too large, binary). */
  readFileByRest(repo: RepoRef, path: string): Promise<RepoFile | null>;
  /** GET /orgs/{org}/installations (owners only; `unknown` otherwise): one request per 100 apps. */
  readOrgInstallations(org: string): Promise<AppInstallationsRead>;
  /**
   * Does the plan offer protection for this (private) repository? One GET of its
   * rulesets (the request the REST reader meets the 403 on): GitHub answers 403
   * "Upgrade to GitHub Pro…" when it does not. GraphQL answers such repositories with empty rule lists instead, which
   * would read as "unprotected". The plan is the organization's, so one probe
   * stands for all its private repositories.
   */
  probeProtectionPlan(repo: RepoRef): Promise<{ available: true } | { available: false; reason: string }>;
  /**
   * Called before every request this object sends; may throw to stop the run
   * (a request budget). Null: no limit.
   */
  setRequestGuard(guard: ((requestsSoFar: number) => void) | null): void;
}

interface GqlError {
  type?: string;
  message?: string;
  path?: (string | number)[];
}

/** Turn GraphQL per-field errors into a readable line. */
function describeErrors(errors: readonly GqlError[]): string {
  return errors.map((e) => e.message ?? e.type ?? 'unknown error').join('; ');
}

class OctokitBatchRead implements BatchRead {
  requests = 0;
  points = 0;
  notModified = 0;

  private guard: ((requestsSoFar: number) => void) | null = null;

  constructor(private readonly client: GitHubClient) {}

  setRequestGuard(guard: ((requestsSoFar: number) => void) | null): void {
    this.guard = guard;
  }

  /** Account for one request about to be sent (the guard may refuse it). */
  private count(): void {
    this.guard?.(this.requests);
    this.requests++;
  }

  /**
   * A read query whose per-field errors the caller places (one repository of a
   * page may fail without failing the others). A query without data, or rate
   * limited, throws the typed error.
   */
  private async query(document: string, variables: Record<string, unknown>): Promise<{ data: Json; errors: GqlError[] }> {
    this.count();
    let data: unknown;
    let errors: GqlError[] = [];
    try {
      data = await this.client.octokit.graphql<unknown>(document, variables);
    } catch (err) {
      const e = err as Error & { data?: unknown; errors?: GqlError[] };
      const partial = err instanceof Error && err.name === 'GraphqlResponseError' && e.data !== null && e.data !== undefined;
      if (!partial || (e.errors ?? []).some((x) => x.type === 'RATE_LIMITED')) throw this.client.wrap(err, ROUTE);
      data = e.data;
      errors = e.errors ?? [];
    }
    const o = this.client.mapResponse(ROUTE, () => obj(data, ''));
    const cost = optNum(optObj(o, 'rateLimit', '') ?? {}, 'cost', 'rateLimit');
    if (cost !== undefined) this.points += cost;
    return { data: o, errors };
  }

  async measureOrg(org: string): Promise<OrgSize> {
    const { data, errors } = await this.query(ORG_SIZE_QUERY, { org });
    return this.client.mapResponse(ROUTE, () => {
      const o = optObj(data, 'organization', '');
      if (!o) throw orgNotFound(org, errors);
      return {
        totalRepositories: optNum(obj(o['repositories'], 'organization.repositories'), 'totalCount', 'organization.repositories') ?? 0,
        viewerIsOwner: o['viewerCanAdminister'] === true,
      };
    });
  }

  async readRepositoryPage(org: string, options: { after: string | null; first?: number; listing?: boolean }): Promise<RepositoryPage> {
    const { data, errors } = await this.query(options.listing ? ORG_LISTING_PAGE_QUERY : ORG_PAGE_QUERY, {
      org,
      first: options.first ?? 100,
      after: options.after,
    });
    const o = optObj(data, 'organization', '');
    if (!o) throw orgNotFound(org, errors);
    const conn = this.client.mapResponse(ROUTE, () => obj(o['repositories'], 'organization.repositories'));
    const raw = this.client.mapResponse(ROUTE, () => arr(conn['nodes'], 'organization.repositories.nodes'));
    const byIndex = groupErrors(errors, 3);
    // A repository that failed as a whole has no name to put its error on: fail the page
    // (the caller's retry/resume handles it) rather than silently drop a repository.
    const lost = raw.findIndex((n) => n === null);
    if (lost !== -1) {
      throw new GitHubError(
        `GitHub could not read a repository of ${org} (page item ${lost}): ${describeErrors(byIndex.get(lost) ?? errors)}`,
        {
          status: 200,
          route: ROUTE,
        },
      );
    }
    const entries = raw.map((n, i) => ({
      node: this.client.mapResponse(ROUTE, () => mapBatchRepoNode(n)),
      error: byIndex.has(i) ? describeErrors(byIndex.get(i)!) : null,
    }));
    const page = this.client.mapResponse(ROUTE, () => mapPageInfo(conn, 'organization.repositories'));
    return { entries, hasNextPage: page.hasNextPage, endCursor: page.endCursor };
  }

  async readRepositories(
    repos: readonly RepoRef[],
    options: { listing?: boolean } = {},
  ): Promise<({ node: BatchRepoNode; error: string | null } | null)[]> {
    const out: ({ node: BatchRepoNode; error: string | null } | null)[] = [];
    for (let start = 0; start < repos.length; start += NAMED_REPO_BATCH) {
      const chunk = repos.slice(start, start + NAMED_REPO_BATCH);
      const params = chunk.map((_, i) => `$o${i}: String!, $n${i}: String!`).join(', ');
      const fields = chunk.map((_, i) => `r${i}: repository(owner: $o${i}, name: $n${i}) { ...QmsBatchRepo }`).join('\n  ');
      const variables = Object.fromEntries(
        chunk.flatMap((r, i) => [
          [`o${i}`, r.owner],
          [`n${i}`, r.name],
        ]),
      );
      const fragment = options.listing ? LISTING_REPO_FRAGMENT : BATCH_REPO_FRAGMENT;
      const document = `query QmsNamedRepositories(${params}) {\n  ${fields}\n  rateLimit { cost remaining resetAt }\n}\n${fragment}`;
      const { data, errors } = await this.query(document, variables);
      const byAlias = groupErrorsByAlias(errors);
      chunk.forEach((_, i) => {
        const node = data[`r${i}`];
        const errs = byAlias.get(`r${i}`);
        if (node === null || node === undefined) {
          if (errs && errs.some((e) => e.type !== 'NOT_FOUND')) {
            throw new GitHubError(`GitHub could not read ${chunk[i]!.owner}/${chunk[i]!.name}: ${describeErrors(errs)}`, {
              status: 200,
              route: ROUTE,
            });
          }
          out.push(null);
          return;
        }
        out.push({ node: this.client.mapResponse(ROUTE, () => mapBatchRepoNode(node)), error: errs ? describeErrors(errs) : null });
      });
    }
    return out;
  }

  async listRemaining(kind: BatchKind, repoNodeId: string, after: string | null): Promise<string[]> {
    const document = kind === 'branches' ? MORE_BRANCHES_QUERY : kind === 'rules' ? MORE_RULES_QUERY : MORE_RULESETS_QUERY;
    const field = kind === 'branches' ? 'refs' : kind === 'rules' ? 'branchProtectionRules' : 'rulesets';
    const pick = kind === 'branches' ? pickName : pickId;
    const out: string[] = [];
    let cursor = after;
    for (;;) {
      const { data, errors } = await this.query(document, { id: repoNodeId, after: cursor });
      const node = optObj(data, 'node', '');
      if (!node)
        throw new NotFoundError(`GitHub GraphQL: repository ${repoNodeId} no longer resolves: ${describeErrors(errors)}`, {
          status: 200,
          route: ROUTE,
        });
      const page = this.client.mapResponse(ROUTE, () => mapConnectionPage(node[field], field, pick));
      out.push(...page.items);
      if (!page.hasNextPage || page.endCursor === null) return out;
      cursor = page.endCursor;
    }
  }

  /** Aliased node lookups, `DETAIL_BATCH` per query; returns each alias's JSON or error. */
  private async readNodes(ids: readonly string[], typeName: string, fragments: string): Promise<Map<string, Json | Error>> {
    const out = new Map<string, Json | Error>();
    const spread = typeName === 'BranchProtectionRule' ? 'QmsRule' : 'QmsRuleset';
    for (let start = 0; start < ids.length; start += DETAIL_BATCH) {
      const chunk = ids.slice(start, start + DETAIL_BATCH);
      const params = chunk.map((_, i) => `$i${i}: ID!`).join(', ');
      const fields = chunk.map((_, i) => `n${i}: node(id: $i${i}) { __typename ...${spread} }`).join('\n  ');
      const variables = Object.fromEntries(chunk.map((id, i) => [`i${i}`, id]));
      const document = `query QmsNodeDetails(${params}) {\n  ${fields}\n  rateLimit { cost remaining resetAt }\n}\n${fragments}`;
      const { data, errors } = await this.query(document, variables);
      const byAlias = groupErrorsByAlias(errors);
      chunk.forEach((id, i) => {
        const node = data[`n${i}`];
        const errs = byAlias.get(`n${i}`);
        if (node === null || node === undefined || errs) {
          const text = errs ? describeErrors(errs) : `node ${id} did not resolve`;
          const missing = errs === undefined || errs.every((e) => e.type === 'NOT_FOUND');
          out.set(
            id,
            missing
              ? new NotFoundError(`GitHub GraphQL: ${text}`, { status: 200, route: ROUTE })
              : new GitHubError(`GitHub GraphQL: ${text}`, { status: 200, route: ROUTE }),
          );
          return;
        }
        const o = obj(node, `n${i}`);
        if (o['__typename'] !== typeName) {
          out.set(
            id,
            new GitHubError(`GitHub GraphQL: node ${id} is a ${String(o['__typename'])}, not a ${typeName}`, { status: 200, route: ROUTE }),
          );
          return;
        }
        out.set(id, o);
      });
    }
    return out;
  }

  private async pageThrough(document: string, nodeId: string, field: string, first: string | null = null): Promise<Json[]> {
    const out: Json[] = [];
    let after = first;
    for (;;) {
      const { data, errors } = await this.query(document, { id: nodeId, after });
      const node = optObj(data, 'node', '');
      if (!node)
        throw new NotFoundError(`GitHub GraphQL: ${nodeId} no longer resolves: ${describeErrors(errors)}`, { status: 200, route: ROUTE });
      const conn = this.client.mapResponse(ROUTE, () => obj(node[field], field));
      out.push(...this.client.mapResponse(ROUTE, () => connectionNodes(conn, field)));
      const page = this.client.mapResponse(ROUTE, () => mapPageInfo(conn, field));
      if (!page.hasNextPage) return out;
      after = page.endCursor;
    }
  }

  async readProtectionRules(ids: readonly string[]): Promise<Map<string, ProtectionRule | Error>> {
    const nodes = await this.readNodes(
      ids,
      'BranchProtectionRule',
      `fragment QmsRule on BranchProtectionRule { ${RULE_FIELDS} }\n${ACTOR_FRAGMENT}`,
    );
    const out = new Map<string, ProtectionRule | Error>();
    for (const [id, node] of nodes) {
      if (node instanceof Error) {
        out.set(id, node);
        continue;
      }
      try {
        // Long allowance lists (and > 100 matching branches) are completed page by page,
        // as rules-graphql.ts does for the per-repository reader.
        const rest: Partial<Record<RuleConnection, Json[]>> = {};
        for (const key of RULE_CONNECTIONS) {
          const conn = optObj(node, key, '');
          if (!conn || !mapPageInfo(conn, key).hasNextPage) continue;
          const selection = key === 'matchingRefs' ? 'name' : 'actor { ...QmsActor }';
          const more = await this.pageThrough(
            `
query QmsRuleConnection($id: ID!, $after: String) {
  node(id: $id) { ... on BranchProtectionRule { ${key}(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${selection} } } } }
  rateLimit { cost remaining resetAt }
}
${key === 'matchingRefs' ? '' : ACTOR_FRAGMENT}`,
            id,
            key,
            mapPageInfo(conn, key).endCursor,
          );
          rest[key] = [...connectionNodes(conn, key), ...more];
        }
        out.set(
          id,
          this.client.mapResponse(ROUTE, () => mapProtectionRuleNode(node, rest)),
        );
      } catch (err) {
        out.set(id, nodeError(err));
      }
    }
    return out;
  }

  async readRulesets(ids: readonly string[], canSeeBypass: CanSeeBypass): Promise<Map<string, Ruleset | Error>> {
    const nodes = await this.readNodes(ids, 'RepositoryRuleset', `${RULESET_FRAGMENT}${RULESET_RULE_FRAGMENT}${BYPASS_ACTOR_FRAGMENT}`);
    // Repository id conditions name node ids (the schema types them `ID`); the model,
    // like REST, uses database ids. Numeric entries are taken as they are.
    const wanted = new Set<string>();
    for (const node of nodes.values()) {
      if (node instanceof Error) continue;
      for (const id of this.client.mapResponse(ROUTE, () => listRepositoryIdTargets(node))) if (!/^\d+$/.test(id)) wanted.add(id);
    }
    const databaseIds = await this.resolveRepositoryIds([...wanted]);
    const out = new Map<string, Ruleset | Error>();
    for (const [id, node] of nodes) {
      if (node instanceof Error) {
        out.set(id, node);
        continue;
      }
      try {
        const complete = async (field: 'rules' | 'bypassActors', spread: string): Promise<Json[] | undefined> => {
          const conn = optObj(node, field, '');
          if (!conn || !mapPageInfo(conn, field).hasNextPage) return undefined;
          const more = await this.pageThrough(
            `
query QmsRulesetConnection($id: ID!, $after: String) {
  node(id: $id) { ... on RepositoryRuleset { ${field}(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...${spread} } } } }
  rateLimit { cost remaining resetAt }
}
${field === 'rules' ? RULESET_RULE_FRAGMENT : BYPASS_ACTOR_FRAGMENT}`,
            id,
            field,
            mapPageInfo(conn, field).endCursor,
          );
          return [...connectionNodes(conn, field), ...more];
        };
        const rules = await complete('rules', 'QmsRulesetRule');
        const bypassActors = await complete('bypassActors', 'QmsBypassActor');
        const ruleset = this.client.mapResponse(ROUTE, () =>
          mapRulesetNode(node, {
            ...(rules ? { rules } : {}),
            ...(bypassActors ? { bypassActors } : {}),
            canSeeBypass,
            resolveRepositoryId: (x) => (/^\d+$/.test(x) ? Number(x) : databaseIds.get(x)),
          }),
        );
        out.set(id, await this.withUserBypassIds(ruleset));
      } catch (err) {
        out.set(id, nodeError(err));
      }
    }
    return out;
  }

  /**
   * GraphQL's `BypassActor` is `App | Team`: a user bypass actor arrives without an
   * id. REST names it (`actor_id`), so such a ruleset is read once more over REST
   * (rare: one request per ruleset with a user bypass actor); team slugs stay GraphQL's.
   */
  private async withUserBypassIds(ruleset: Ruleset): Promise<Ruleset> {
    if (!(ruleset.bypassActors ?? []).some((a) => a.actorType === 'User' && a.actorId === null)) return ruleset;
    this.count();
    const [owner = '', repo = ''] = ruleset.source.name.split('/');
    const res =
      ruleset.source.type === 'Organization'
        ? await this.client.request<unknown>('GET /orgs/{org}/rulesets/{ruleset_id}', { org: ruleset.source.name, ruleset_id: ruleset.id })
        : await this.client.request<unknown>('GET /repos/{owner}/{repo}/rulesets/{ruleset_id}', { owner, repo, ruleset_id: ruleset.id });
    const rest = this.client.mapResponse('GET /repos/{owner}/{repo}/rulesets/{ruleset_id}', () => mapRuleset(res.data));
    if (rest.bypassActors === null) return ruleset;
    const slugs = new Map(
      (ruleset.bypassActors ?? []).flatMap((a) => (a.actorType === 'Team' && a.name !== undefined ? [[a.actorId, a.name] as const] : [])),
    );
    return {
      ...ruleset,
      bypassActors: rest.bypassActors.map((a) => {
        const slug = a.actorType === 'Team' ? slugs.get(a.actorId) : undefined;
        return slug === undefined ? a : { ...a, name: slug };
      }),
    };
  }

  private async resolveRepositoryIds(nodeIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let start = 0; start < nodeIds.length; start += 100) {
      const chunk = nodeIds.slice(start, start + 100);
      const { data } = await this.query(
        'query QmsRepositoryIds($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Repository { id databaseId } } rateLimit { cost remaining resetAt } }',
        { ids: chunk },
      );
      const list = Array.isArray(data['nodes']) ? (data['nodes'] as unknown[]) : [];
      for (const n of list) {
        if (!n || typeof n !== 'object') continue;
        const o = n as Json;
        if (o['__typename'] === 'Repository' && typeof o['id'] === 'string' && typeof o['databaseId'] === 'number')
          out.set(o['id'], o['databaseId']);
      }
    }
    return out;
  }

  async readOrgPropertyPage(org: string, page: number, cache?: ConditionalCache): Promise<PropertyPage> {
    const route = 'GET /orgs/{org}/properties/values';
    const key = `${org.toLowerCase()}/properties/values?page=${page}`;
    const cached = cache?.get(key);
    this.count();
    let body: unknown;
    let notModified = false;
    try {
      const res = await this.client.requestUnwrapped<unknown>(route, {
        org,
        per_page: 100,
        page,
        ...(cached ? { headers: { 'if-none-match': cached.etag } } : {}),
      });
      body = res.data;
      const etag = res.headers['etag'];
      if (cache && typeof etag === 'string') cache.set(key, etag, body);
    } catch (err) {
      // Octokit throws a RequestError with status 304 for "Not Modified": the cached body stands.
      if (cached && (err as { status?: number }).status === 304) {
        body = cached.body;
        notModified = true;
        this.notModified++;
      } else {
        throw this.client.wrap(err, route);
      }
    }
    const items = this.client.mapResponse(route, () =>
      arr(body, '').map((item, i) => {
        const o = obj(item, `[${i}]`);
        return { repo: str(o, 'repository_name', `[${i}]`), properties: mapPropertyValueList(o['properties'], `[${i}].properties`) };
      }),
    );
    return { items, notModified };
  }

  readRepoProperties(repo: RepoRef): Promise<Record<string, CustomPropertyValue>> {
    this.count();
    return restRepos.getCustomProperties(this.client, repo);
  }

  readOrgInstallations(org: string): Promise<AppInstallationsRead> {
    this.count();
    return listOrgInstallations(this.client, org);
  }

  readFileByRest(repo: RepoRef, path: string): Promise<RepoFile | null> {
    // Files over 1 MB take a second request (raw media type); counted as one here.
    this.count();
    return restRepos.getFile(this.client, repo, path);
  }

  async probeProtectionPlan(repo: RepoRef): Promise<{ available: true } | { available: false; reason: string }> {
    this.count();
    try {
      await this.client.request('GET /repos/{owner}/{repo}/rulesets', {
        owner: repo.owner,
        repo: repo.name,
        includes_parents: true,
        per_page: 1,
      });
      return { available: true };
    } catch (err) {
      if (err instanceof PlanUnavailableError) return { available: false, reason: err.message };
      throw err;
    }
  }
}

/**
 * An error that concerns one rule or ruleset (GitHub's answer about it) is kept
 * as that node's result; anything else (credentials, a spent rate limit, the
 * caller's request guard, an interrupt) ends the read.
 */
function nodeError(err: unknown): Error {
  if (err instanceof GitHubError && !(err instanceof AuthError) && !(err instanceof RateLimitError)) return err;
  throw err;
}

/** Errors by the list index at `depth` of their path (organization.repositories.nodes[i]…). */
function groupErrors(errors: readonly GqlError[], depth: number): Map<number, GqlError[]> {
  const out = new Map<number, GqlError[]>();
  for (const e of errors) {
    const i = e.path?.[depth];
    if (typeof i !== 'number') continue;
    out.set(i, [...(out.get(i) ?? []), e]);
  }
  return out;
}

function groupErrorsByAlias(errors: readonly GqlError[]): Map<string, GqlError[]> {
  const out = new Map<string, GqlError[]>();
  for (const e of errors) {
    const alias = e.path?.[0];
    if (typeof alias !== 'string') continue;
    out.set(alias, [...(out.get(alias) ?? []), e]);
  }
  return out;
}

function orgNotFound(org: string, errors: readonly GqlError[]): Error {
  if (errors.some((e) => e.type === 'FORBIDDEN')) {
    return new PermissionError(`GitHub GraphQL refused to read organization ${org}: ${describeErrors(errors)}`, {
      status: 200,
      route: ROUTE,
    });
  }
  return new NotFoundError(
    `organization ${org} does not exist or this token cannot see it`,
    { status: 200, route: ROUTE },
    {
      hint: '--org takes an organization login; GitHub answers 404 for organizations a token may not see',
    },
  );
}

export function createBatchRead(client: GitHubClient): BatchRead {
  return new OctokitBatchRead(client);
}
