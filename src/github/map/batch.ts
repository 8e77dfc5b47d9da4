/**
 * GraphQL JSON of the batched org read (src/github/batch-read.ts) → qms types.
 *
 * The batch asks for repositories with only the node ids of their classic rules
 * and rulesets; the details come from `node(id:)` follow-ups, mapped here with
 * the same rules as REST (map/repos.ts, map/rulesets.ts) so both readers give
 * the same domain objects. Where GraphQL says less than REST, the mapping says
 * "not known" (null), never "none":
 * - merge settings are taken only for viewers with push access (REST returns
 *   them to those callers only);
 * - a ruleset's bypass list only when the viewer may edit the ruleset (REST
 *   omits `bypass_actors` otherwise; an empty GraphQL list is then no evidence);
 * - `BypassActor` is `App | Team`: organization admins, roles and deploy keys come
 *   as flags, users only as a null actor (UNCONFIRMED how GitHub shows those).
 */
import { CODEOWNERS_PATHS } from '../../core/code-owners.js';
import { REPO_CONFIG_PATH, type RepoConfigFile } from '../../core/live-state.js';
import { mapCodeOwnersErrors } from './code-owners.js';
import type {
  CodeOwnersRead,
  RepoInfo,
  RepoPermission,
  Ruleset,
  RulesetEnforcement,
  RulesetRule,
  RulesetSourceType,
  RulesetTarget,
  Visibility,
} from '../../core/github-types.js';
import { arr, bool, childPath, num, obj, optBool, optNum, optObj, optStr, ResponseShapeError, str, type Json } from './check.js';
import { mapRule, mapRulesetConditions, strings } from './rulesets.js';

/** `.qms/branch-protection.yml`, read from the default branch (HEAD) in the same query. */
export const REPO_CONFIG_EXPRESSION = `HEAD:${REPO_CONFIG_PATH}`;

/**
 * Per repository: listing fields, the first page of branch names, the node ids of
 * classic rules and rulesets, the repo config, and the CODEOWNERS file GitHub uses
 * with its errors (three blobs and `codeowners`: objects, not connections, so they
 * cost no point). Nested connections under rules and
 * rulesets would be charged per repository × page size whether or not the rules
 * exist (GitHub's cost: Σ connection requests / 100); fetched by id they cost one
 * request per rule that does exist. Four connections per repository: 4 points
 * per page of 100 repositories.
 */
export const BATCH_REPO_FRAGMENT = `
fragment QmsBatchRepo on Repository {
  id databaseId name nameWithOwner owner { __typename login }
  isArchived isDisabled isFork isEmpty visibility viewerPermission
  defaultBranchRef { name }
  primaryLanguage { name }
  squashMergeAllowed mergeCommitAllowed rebaseMergeAllowed
  repositoryTopics(first: 20) { totalCount nodes { topic { name } } }
  refs(refPrefix: "refs/heads/", first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { name } }
  branchProtectionRules(first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
  rulesets(first: 100, includeParents: true) { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
  qmsConfig: object(expression: "${REPO_CONFIG_EXPRESSION}") { __typename ... on Blob { text isBinary isTruncated byteSize } }
  qmsCodeowners1: object(expression: "HEAD:${CODEOWNERS_PATHS[0]}") { __typename ... on Blob { text isTruncated } }
  qmsCodeowners2: object(expression: "HEAD:${CODEOWNERS_PATHS[1]}") { __typename ... on Blob { text isTruncated } }
  qmsCodeowners3: object(expression: "HEAD:${CODEOWNERS_PATHS[2]}") { __typename ... on Blob { text isTruncated } }
  codeowners { errors { line kind message } }
}`;

/**
 * The same repository without branches, rules and rulesets, for runs that only
 * classify (listing, topics, config file): one connection, 1 point per page.
 */
export const LISTING_REPO_FRAGMENT = `
fragment QmsBatchRepo on Repository {
  id databaseId name nameWithOwner owner { __typename login }
  isArchived isDisabled isFork isEmpty visibility viewerPermission
  defaultBranchRef { name }
  primaryLanguage { name }
  squashMergeAllowed mergeCommitAllowed rebaseMergeAllowed
  repositoryTopics(first: 20) { totalCount nodes { topic { name } } }
  qmsConfig: object(expression: "${REPO_CONFIG_EXPRESSION}") { __typename ... on Blob { text isBinary isTruncated byteSize } }
}`;

/** A ruleset with everything the model needs (two nested connections: 2 requests per ruleset); spreads the two fragments below. */
export const RULESET_FRAGMENT = `
fragment QmsRuleset on RepositoryRuleset {
  id databaseId name enforcement target
  source { __typename ... on Repository { nameWithOwner } ... on Organization { login } ... on Enterprise { slug } }
  conditions {
    refName { include exclude }
    repositoryName { include exclude protected }
    repositoryId { repositoryIds }
    repositoryProperty { include { name propertyValues source } exclude { name propertyValues source } }
  }
  rules(first: 100) {
    pageInfo { hasNextPage endCursor }
    nodes { ...QmsRulesetRule }
  }
  bypassActors(first: 100) {
    pageInfo { hasNextPage endCursor }
    nodes { ...QmsBypassActor }
  }
}`;

export const RULESET_RULE_FRAGMENT = `
fragment QmsRulesetRule on RepositoryRule {
  type
  parameters {
    __typename
    ... on PullRequestParameters {
      requiredApprovingReviewCount dismissStaleReviewsOnPush requireCodeOwnerReview requireLastPushApproval requiredReviewThreadResolution
    }
    ... on RequiredStatusChecksParameters { strictRequiredStatusChecksPolicy requiredStatusChecks { context integrationId } }
  }
}`;

export const BYPASS_ACTOR_FRAGMENT = `
fragment QmsBypassActor on RepositoryRulesetBypassActor {
  actor { __typename ... on App { databaseId } ... on Team { databaseId slug } }
  bypassMode deployKey enterpriseOwner organizationAdmin repositoryRoleDatabaseId
}`;

/** A page of a connection: the items read so far, and where the rest starts. */
export interface ConnectionPage<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** The repo config file as the batch found it; `fetch-by-rest`: too large or binary for GraphQL's `text`. */
export type BatchConfigFile = RepoConfigFile | { kind: 'fetch-by-rest' };

/** One repository of a batch page, in qms terms. */
export interface BatchRepoNode {
  /** The listing; `customProperties` is `{}` (GraphQL has no custom properties). */
  repo: RepoInfo;
  branches: ConnectionPage<string>;
  ruleIds: ConnectionPage<string>;
  /** Repository and organization rulesets (`includeParents: true`). */
  rulesetIds: ConnectionPage<string>;
  config: BatchConfigFile;
  /** The default branch's CODEOWNERS file and errors (absent from listing pages). */
  codeOwners: CodeOwnersRead | null;
}

const PERMISSIONS: Record<string, RepoPermission> = {
  ADMIN: 'admin',
  MAINTAIN: 'maintain',
  WRITE: 'write',
  TRIAGE: 'triage',
  READ: 'read',
};
const PUSH: readonly RepoPermission[] = ['admin', 'maintain', 'write'];

function nodesOf(conn: Json, path: string): Json[] {
  return arr(conn['nodes'] ?? [], `${path}.nodes`)
    .filter((n) => n !== null)
    .map((n, i) => obj(n, childPath(`${path}.nodes`, i)));
}

/** `{pageInfo, nodes}` → a page of `pick(node)`; an absent connection is an empty, complete page. */
export function mapConnectionPage<T>(value: unknown, path: string, pick: (node: Json, path: string) => T): ConnectionPage<T> {
  if (value === undefined || value === null) return { items: [], hasNextPage: false, endCursor: null };
  const conn = obj(value, path);
  const info = optObj(conn, 'pageInfo', path);
  const cursor = info?.['endCursor'];
  return {
    items: nodesOf(conn, path).map((n, i) => pick(n, childPath(`${path}.nodes`, i))),
    hasNextPage: info ? bool(info, 'hasNextPage', `${path}.pageInfo`) : false,
    endCursor: typeof cursor === 'string' ? cursor : null,
  };
}

export const pickId = (node: Json, path: string): string => str(node, 'id', path);
export const pickName = (node: Json, path: string): string => str(node, 'name', path);

function lowerEnum<T extends string>(value: string, allowed: readonly T[], path: string): T {
  const v = value.toLowerCase();
  if (!(allowed as readonly string[]).includes(v)) throw new ResponseShapeError(path, allowed.join(' or '));
  return v as T;
}

function mapConfig(value: unknown): BatchConfigFile {
  if (value === undefined || value === null) return { kind: 'absent' };
  const o = obj(value, 'qmsConfig');
  // A directory (Tree) at that path is "no file", as REST's contents answer says.
  if (o['__typename'] !== 'Blob') return { kind: 'absent' };
  const text = o['text'];
  if (typeof text !== 'string' || optBool(o, 'isTruncated', 'qmsConfig') === true || optBool(o, 'isBinary', 'qmsConfig') === true) {
    return { kind: 'fetch-by-rest' };
  }
  return { kind: 'found', path: REPO_CONFIG_PATH, text };
}

/** A `QmsBatchRepo` node → RepoInfo plus the first pages of its connections. */
export function mapBatchRepoNode(json: unknown): BatchRepoNode {
  const o = obj(json, 'repository');
  const owner = obj(o['owner'], 'owner');
  const ownerLogin = str(owner, 'login', 'owner');
  const name = str(o, 'name', '');
  const permissionText = optStr(o, 'viewerPermission', '');
  const viewerPermission = permissionText === undefined ? null : (PERMISSIONS[permissionText] ?? null);
  const topics = mapConnectionPage(o['repositoryTopics'], 'repositoryTopics', (n, p) =>
    str(obj(n['topic'], `${p}.topic`), 'name', `${p}.topic`),
  );
  const squash = optBool(o, 'squashMergeAllowed', '');
  const mergeCommit = optBool(o, 'mergeCommitAllowed', '');
  const rebase = optBool(o, 'rebaseMergeAllowed', '');
  const canSeeMerge = viewerPermission !== null && PUSH.includes(viewerPermission);
  const defaultRef = optObj(o, 'defaultBranchRef', '');
  const language = optObj(o, 'primaryLanguage', '');
  const repo: RepoInfo = {
    owner: ownerLogin,
    name,
    id: num(o, 'databaseId', ''),
    nodeId: str(o, 'id', ''),
    ownerType: owner['__typename'] === 'Organization' ? 'Organization' : 'User',
    fullName: optStr(o, 'nameWithOwner', '') ?? `${ownerLogin}/${name}`,
    visibility: lowerEnum<Visibility>(str(o, 'visibility', ''), ['public', 'private', 'internal'], 'visibility'),
    archived: bool(o, 'isArchived', ''),
    disabled: optBool(o, 'isDisabled', '') ?? false,
    fork: bool(o, 'isFork', ''),
    empty: bool(o, 'isEmpty', ''),
    // An empty repository has no ref yet. REST still reports the configured default
    // branch; GraphQL does not, so this falls back like map/repos.ts does (UNCONFIRMED).
    defaultBranch: defaultRef ? str(defaultRef, 'name', 'defaultBranchRef') : 'main',
    topics: topics.items,
    language: language ? str(language, 'name', 'primaryLanguage') : null,
    customProperties: {},
    viewerPermission,
    // REST returns merge settings to callers with push access only; GraphQL's
    // booleans are taken on the same terms (UNCONFIRMED whether GitHub hides them).
    merge:
      canSeeMerge && squash !== undefined && mergeCommit !== undefined && rebase !== undefined
        ? { allowSquashMerge: squash, allowMergeCommit: mergeCommit, allowRebaseMerge: rebase }
        : null,
  };
  return {
    repo,
    branches: mapConnectionPage(o['refs'], 'refs', pickName),
    ruleIds: mapConnectionPage(o['branchProtectionRules'], 'branchProtectionRules', pickId),
    rulesetIds: mapConnectionPage(o['rulesets'], 'rulesets', pickId),
    config: mapConfig(o['qmsConfig']),
    codeOwners: mapCodeOwners(o),
  };
}

/** The first CODEOWNERS blob GitHub would use, with `codeowners.errors`; null when the page did not ask. */
function mapCodeOwners(o: Json): CodeOwnersRead | null {
  const keys = ['qmsCodeowners1', 'qmsCodeowners2', 'qmsCodeowners3'] as const;
  if (!keys.some((k) => k in o)) return null;
  for (const [i, key] of keys.entries()) {
    const blob = o[key];
    if (blob === null || blob === undefined) continue;
    const b = obj(blob, key);
    if (b['__typename'] !== 'Blob') continue;
    const text = b['text'];
    if (typeof text !== 'string' || optBool(b, 'isTruncated', key) === true)
      return { kind: 'unknown', reason: `${CODEOWNERS_PATHS[i]} is too large to read through GraphQL` };
    const co = optObj(o, 'codeowners', '');
    return { kind: 'found', path: CODEOWNERS_PATHS[i]!, text, errors: mapCodeOwnersErrors(co?.['errors'], 'codeowners.errors') };
  }
  return { kind: 'absent' };
}

// ----------------------------------------------------------------- rulesets

/** One `RepositoryRule` node → RulesetRule (the REST mapper's, in GraphQL's vocabulary). */
export function mapRulesetRuleNode(json: unknown, path: string): RulesetRule {
  return mapRule(json, path, 'graphql');
}

type BypassActor = NonNullable<Ruleset['bypassActors']>[number];

/**
 * A `RepositoryRulesetBypassActor` → REST's `{actor_id, actor_type, bypass_mode}`.
 * GraphQL has no actor id for organization admins (REST reports 1, UNCONFIRMED) or
 * deploy keys, and no `exempt` bypass mode: a null mode is read as `exempt`.
 */
export function mapBypassActorNode(json: unknown, path: string): BypassActor {
  const o = obj(json, path);
  const actor = optObj(o, 'actor', path);
  const modeText = optStr(o, 'bypassMode', path);
  const bypassMode = modeText === undefined ? 'exempt' : modeText.toLowerCase();
  const roleId = optNum(o, 'repositoryRoleDatabaseId', path);
  if (actor) {
    const kind = str(actor, '__typename', `${path}.actor`);
    const id = optNum(actor, 'databaseId', `${path}.actor`) ?? null;
    if (kind === 'App') return { actorId: id, actorType: 'Integration', bypassMode };
    if (kind === 'Team') {
      const slug = optStr(actor, 'slug', `${path}.actor`);
      return slug === undefined
        ? { actorId: id, actorType: 'Team', bypassMode }
        : { actorId: id, actorType: 'Team', bypassMode, name: slug };
    }
    throw new ResponseShapeError(`${path}.actor.__typename`, 'App or Team');
  }
  if (optBool(o, 'organizationAdmin', path) === true) return { actorId: null, actorType: 'OrganizationAdmin', bypassMode };
  if (optBool(o, 'enterpriseOwner', path) === true) return { actorId: null, actorType: 'EnterpriseOwner', bypassMode };
  if (optBool(o, 'deployKey', path) === true) return { actorId: null, actorType: 'DeployKey', bypassMode };
  if (roleId !== undefined) return { actorId: roleId, actorType: 'RepositoryRole', bypassMode };
  // BypassActor is App | Team only: a user (or a deleted team or app) arrives as a
  // null actor without flags. UNCONFIRMED; only the list's length matters to qms.
  return { actorId: null, actorType: 'User', bypassMode };
}

/** The raw entries of `conditions.repositoryId.repositoryIds` (node ids, or database ids as text). */
export function listRepositoryIdTargets(json: unknown): string[] {
  const o = obj(json, 'ruleset');
  const conditions = optObj(o, 'conditions', '');
  const byId = conditions ? optObj(conditions, 'repositoryId', 'conditions') : undefined;
  return byId ? strings(byId['repositoryIds'], 'conditions.repositoryId.repositoryIds') : [];
}

export interface RulesetNodeContext {
  /** Complete rule and bypass-actor node lists when the first page was not all. */
  rules?: Json[];
  bypassActors?: Json[];
  /** May this viewer edit (and so see the bypass list of) the ruleset? */
  canSeeBypass: (source: { type: RulesetSourceType; name: string }) => boolean;
  /** `repositoryIds` entry → repository database id; undefined when it names no visible repository. */
  resolveRepositoryId: (id: string) => number | undefined;
}

/** A `QmsRuleset` node → Ruleset (the shape map/rulesets.ts gives for REST). */
export function mapRulesetNode(json: unknown, ctx: RulesetNodeContext): Ruleset {
  const o = obj(json, 'ruleset');
  const source = obj(o['source'], 'source');
  const sourceKind = str(source, '__typename', 'source');
  let sourceRef: Ruleset['source'];
  if (sourceKind === 'Organization') sourceRef = { type: 'Organization', name: str(source, 'login', 'source') };
  else if (sourceKind === 'Repository') sourceRef = { type: 'Repository', name: str(source, 'nameWithOwner', 'source') };
  // The model (like map/rulesets.ts) knows repository and organization rulesets only.
  else throw new ResponseShapeError('source.__typename', 'Repository or Organization');

  const conditions = optObj(o, 'conditions', '');
  const ruleNodes = ctx.rules ?? nodesOf(obj(o['rules'] ?? { nodes: [] }, 'rules'), 'rules');
  const actorNodes = ctx.bypassActors ?? nodesOf(obj(o['bypassActors'] ?? { nodes: [] }, 'bypassActors'), 'bypassActors');
  return {
    id: num(o, 'databaseId', ''),
    name: str(o, 'name', ''),
    target: lowerEnum<RulesetTarget>(optStr(o, 'target', '') ?? 'BRANCH', ['branch', 'tag', 'push', 'repository'], 'target'),
    enforcement: lowerEnum<RulesetEnforcement>(str(o, 'enforcement', ''), ['active', 'disabled', 'evaluate'], 'enforcement'),
    source: sourceRef,
    ...mapRulesetConditions(conditions, 'graphql', (byId, path) =>
      strings(byId['repositoryIds'], `${path}.repositoryIds`)
        .map((id) => ctx.resolveRepositoryId(id))
        .filter((id): id is number => id !== undefined),
    ),
    rules: ruleNodes.map((r, i) => mapRulesetRuleNode(r, `rules.nodes[${i}]`)),
    // REST omits the list for viewers who may not edit the ruleset: unknown, not empty.
    bypassActors: ctx.canSeeBypass(sourceRef) ? actorNodes.map((a, i) => mapBypassActorNode(a, `bypassActors.nodes[${i}]`)) : null,
    raw: json,
  };
}
