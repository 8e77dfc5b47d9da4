/**
 * GraphQL objects over the simulator state. Each builder returns a plain
 * object whose properties are GitHub's field names: values, or functions
 * `(args, exec, info)` that graphql-js's default resolver calls. `__typename`
 * lets graphql-js resolve unions and interfaces. A field the simulator does
 * not model is absent, and the executor answers it with a clear error rather
 * than a silent null.
 *
 * Visibility follows GitHub: repositories the viewer cannot read do not
 * exist; classic branch protection rules are returned to repository admins
 * only — other viewers get an empty list, not an error (GITHUB-API.md §3).
 */
import { codeownersErrors } from '../codeowners.js';
import type { GraphQLResolveInfo } from 'graphql';
import type { SimActorIds, SimApp, SimOrg, SimProtectionRule, SimRepo, SimRuleset, SimState, SimTeam, SimUser } from '../model.js';
import {
  findApp,
  findOrg,
  findRepo,
  findRepoById,
  findTeamById,
  findUser,
  findUserById,
  isOrgMember,
  isOrgOwner,
  permissionOf,
  reposOf,
} from '../access.js';
import { blobSha } from '../render/contents.js';
import { protectionAvailable, rulesetsForRepo } from '../rules-engine.js';
import { isWildcardPattern, matchesBranchPattern } from '../branch-patterns.js';
import type { GraphqlContext } from './context.js';
import { emptyConnection, paginate, type ConnectionArgs } from './connection.js';
import { notFoundError } from './errors.js';
import type { OperationAnalysis } from './cost.js';

/** The viewer's primary GraphQL budget before this request (the REST server's pool view). */
export interface GraphqlRateBudget {
  limit: number;
  used: number;
  remaining: number;
  /** Epoch seconds when the window renews. */
  reset: number;
}

/** Per-request state handed to every resolver as graphql-js's contextValue. */
export interface Exec {
  ctx: GraphqlContext;
  state: SimState;
  viewer: SimUser;
  analysis: OperationAnalysis;
  budget: GraphqlRateBudget;
  /** Web origin for `url` fields (the API base without GitHub Enterprise's /api/v3). */
  web: string;
  /** node id → object, built on first use. */
  nodes?: Map<string, () => unknown>;
}

type Args = Record<string, unknown>;
type Resolver = (args: Args, exec: Exec, info: GraphQLResolveInfo) => unknown;

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
/** Opaque node ids for objects the model does not store ids for. */
const syntheticId = (prefix: string, key: string): string => `${prefix}_${b64(`sandbox:${key}`)}`;

const upper = (s: string): string => s.toUpperCase();

function connectionArgs(args: Args): ConnectionArgs {
  return args as ConnectionArgs;
}

// ---------------------------------------------------------------- accounts

export function buildUserNode(exec: Exec, user: SimUser) {
  return {
    __typename: 'User',
    id: user.nodeId,
    databaseId: user.id,
    login: user.login,
    name: user.name,
    url: `${exec.web}/${user.login}`,
    resourcePath: `/${user.login}`,
    isViewer: user.id === exec.viewer.id,
  };
}

export function buildTeamNode(exec: Exec, org: SimOrg, team: SimTeam) {
  return {
    __typename: 'Team',
    id: team.nodeId,
    databaseId: team.id,
    slug: team.slug,
    name: team.name,
    combinedSlug: `${org.login}/${team.slug}`,
    organization: () => buildOrganizationNode(exec, org),
    url: `${exec.web}/orgs/${org.login}/teams/${team.slug}`,
    resourcePath: `/orgs/${org.login}/teams/${team.slug}`,
  };
}

export function buildAppNode(exec: Exec, app: SimApp) {
  return {
    __typename: 'App',
    id: app.nodeId,
    databaseId: app.id,
    slug: app.slug,
    name: app.name,
    url: `${exec.web}/apps/${app.slug}`,
  };
}

/** The owner of a repository: an organization, a user, or (outside the fixture) a bare user. */
function buildOwnerNode(exec: Exec, login: string) {
  const org = findOrg(exec.state, login);
  if (org) return buildOrganizationNode(exec, org);
  const user = findUser(exec.state, login);
  if (user) return buildUserNode(exec, user);
  return {
    __typename: 'User',
    id: syntheticId('U', login),
    databaseId: null,
    login,
    name: null,
    url: `${exec.web}/${login}`,
    resourcePath: `/${login}`,
  };
}

// ----------------------------------------------------------- organizations

interface RepositoriesArgs extends ConnectionArgs {
  isArchived?: boolean | null;
  isFork?: boolean | null;
  isLocked?: boolean | null;
  privacy?: 'PUBLIC' | 'PRIVATE' | null;
  visibility?: 'PUBLIC' | 'PRIVATE' | 'INTERNAL' | null;
  orderBy?: { field: 'CREATED_AT' | 'NAME' | 'PUSHED_AT' | 'STARGAZERS' | 'UPDATED_AT'; direction: 'ASC' | 'DESC' } | null;
}

function orderRepos(repos: SimRepo[], orderBy: RepositoriesArgs['orderBy']): SimRepo[] {
  // Without orderBy the simulator keeps creation order (UNCONFIRMED: GitHub documents no default).
  if (!orderBy) return repos;
  const key = (r: SimRepo): string | number => {
    switch (orderBy.field) {
      case 'NAME':
        return r.name.toLowerCase();
      case 'CREATED_AT':
        return r.createdAt;
      case 'UPDATED_AT':
        return r.updatedAt;
      case 'PUSHED_AT':
        return r.pushedAt ?? '';
      case 'STARGAZERS':
        return 0;
    }
  };
  const sign = orderBy.direction === 'DESC' ? -1 : 1;
  return [...repos].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -sign : ka > kb ? sign : a.id - b.id;
  });
}

function listRepositories(exec: Exec, owner: string, args: RepositoriesArgs): SimRepo[] {
  const visible = reposOf(exec.state, owner).filter((r) => {
    if (permissionOf(exec.state, exec.viewer, r) === null) return false;
    if (args.isArchived != null && r.archived !== args.isArchived) return false;
    if (args.isFork != null && r.fork !== args.isFork) return false;
    if (args.isLocked === true) return false;
    // `privacy: PRIVATE` includes internal repositories, as `isPrivate` does ("private or internal").
    if (args.privacy === 'PUBLIC' && r.visibility !== 'public') return false;
    if (args.privacy === 'PRIVATE' && r.visibility === 'public') return false;
    if (args.visibility != null && upper(r.visibility) !== args.visibility) return false;
    return true;
  });
  // ownerAffiliations/affiliations are accepted and not applied: every listed repository is owned by the organization.
  return orderRepos(visible, args.orderBy);
}

export function buildOrganizationNode(exec: Exec, org: SimOrg) {
  const member = isOrgMember(org, exec.viewer);
  return {
    __typename: 'Organization',
    id: org.nodeId,
    databaseId: org.id,
    login: org.login,
    name: org.name,
    url: `${exec.web}/${org.login}`,
    resourcePath: `/${org.login}`,
    viewerIsAMember: member,
    viewerCanAdminister: isOrgOwner(org, exec.viewer),
    repositories: ((args, _e, info) =>
      paginate(listRepositories(exec, org.login, args as RepositoriesArgs), connectionArgs(args), info, (r) =>
        buildRepositoryNode(exec, r),
      )) as Resolver,
    repository: ((args) => resolveRepository(exec, org.login, String(args['name']))) as Resolver,
    rulesets: ((args, _e, info) => {
      // Organization rulesets need a paid plan; listed at the org level to its owners only, as
      // REST's GET /orgs/{org}/rulesets (UNCONFIRMED for GraphQL: others get an empty list).
      if (!isOrgOwner(org, exec.viewer) || org.plan === 'free') return emptyConnection(connectionArgs(args), info);
      const targets = args['targets'] as string[] | null | undefined;
      const list = org.rulesets.filter((rs) => !targets || targets.includes(upper(rs.target)));
      return paginate(list, connectionArgs(args), info, (rs) => buildRulesetNode(exec, rs, isOrgOwner(org, exec.viewer)));
    }) as Resolver,
  };
}

// ------------------------------------------------------------ repositories

/** `repository(owner, name)`: null plus NOT_FOUND when missing or invisible, as GitHub answers. */
export function resolveRepository(exec: Exec, owner: string, name: string) {
  const repo = findRepo(exec.state, owner, name);
  if (!repo || permissionOf(exec.state, exec.viewer, repo) === null) {
    throw notFoundError(`Could not resolve to a Repository with the name '${owner}/${name}'.`);
  }
  return buildRepositoryNode(exec, repo);
}

function buildCommitNode(repo: SimRepo, sha: string) {
  return {
    __typename: 'Commit',
    id: syntheticId('C', `${repo.id}:${sha}`),
    oid: sha,
    abbreviatedOid: sha.slice(0, 7),
  };
}

function buildRefNode(exec: Exec, repo: SimRepo, prefix: string, name: string, sha: string) {
  return {
    __typename: 'Ref',
    id: syntheticId('REF', `${repo.id}:${prefix}${name}`),
    name,
    prefix,
    target: buildCommitNode(repo, sha),
    repository: () => buildRepositoryNode(exec, repo),
  };
}

/** Branch refs as `refs/heads/<name>` → sha, sorted by name. */
function branchRefs(repo: SimRepo): [string, string][] {
  return Object.entries(repo.branches)
    .map(([name, sha]): [string, string] => [`refs/heads/${name}`, sha])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function resolveRev(repo: SimRepo, rev: string): { branch: string | null; sha: string } | null {
  if (Object.keys(repo.branches).length === 0) return null;
  const name = rev === '' || rev === 'HEAD' ? repo.defaultBranch : rev.startsWith('refs/heads/') ? rev.slice('refs/heads/'.length) : rev;
  const sha = repo.branches[name];
  if (sha !== undefined) return { branch: name, sha };
  const match = Object.entries(repo.branches).find(([, s]) => s === rev);
  return match ? { branch: match[0], sha: match[1] } : null;
}

function buildBlobNode(repo: SimRepo, path: string, text: string) {
  const oid = blobSha(text);
  const isBinary = text.includes('\u0000');
  return {
    __typename: 'Blob',
    id: syntheticId('B', `${repo.id}:${oid}`),
    oid,
    abbreviatedOid: oid.slice(0, 7),
    byteSize: Buffer.byteLength(text, 'utf8'),
    isBinary,
    isTruncated: false,
    text: isBinary ? null : text,
    path,
  };
}

/** Trees are not stored: a stable made-up oid per directory. */
const treeOid = (repo: SimRepo, dir: string): string => blobSha(`tree:${repo.id}:${dir}`);

/**
 * A directory of the (single, default-branch) tree. The model stores one tree,
 * so every branch reads the same files, as the REST contents route does.
 */
function buildTreeNode(repo: SimRepo, dir: string): Record<string, unknown> {
  const prefix = dir === '' ? '' : `${dir}/`;
  const names = new Map<string, 'blob' | 'tree'>();
  for (const path of Object.keys(repo.files)) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf('/');
    names.set(slash === -1 ? rest : rest.slice(0, slash), slash === -1 ? 'blob' : 'tree');
  }
  const oid = treeOid(repo, dir);
  return {
    __typename: 'Tree',
    id: syntheticId('T', `${repo.id}:${dir}`),
    oid,
    abbreviatedOid: oid.slice(0, 7),
    entries: [...names.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, type]) => {
        const path = `${prefix}${name}`;
        const blob = type === 'blob' ? buildBlobNode(repo, path, repo.files[path] ?? '') : null;
        return {
          __typename: 'TreeEntry',
          name,
          path,
          type,
          mode: type === 'blob' ? 33188 : 16384,
          oid: blob ? blob.oid : treeOid(repo, path),
          object: () => blob ?? buildTreeNode(repo, path),
        };
      }),
  };
}

/** `object(expression: "rev:path")` / `object(oid:)`. */
function resolveObject(repo: SimRepo, args: Args) {
  const expression = args['expression'];
  if (typeof expression === 'string') {
    const colon = expression.indexOf(':');
    const rev = resolveRev(repo, colon === -1 ? expression : expression.slice(0, colon));
    if (!rev) return null;
    if (colon === -1) return buildCommitNode(repo, rev.sha);
    const path = expression.slice(colon + 1).replace(/^\/+|\/+$/g, '');
    const file = repo.files[path];
    if (file !== undefined) return buildBlobNode(repo, path, file);
    if (path === '' || Object.keys(repo.files).some((p) => p.startsWith(`${path}/`))) return buildTreeNode(repo, path);
    return null;
  }
  const oid = args['oid'];
  if (typeof oid === 'string') {
    if (Object.values(repo.branches).includes(oid)) return buildCommitNode(repo, oid);
    const path = Object.keys(repo.files).find((p) => blobSha(repo.files[p] ?? '') === oid);
    return path === undefined ? null : buildBlobNode(repo, path, repo.files[path] ?? '');
  }
  return null;
}

export function buildRepositoryNode(exec: Exec, repo: SimRepo) {
  const state = exec.state;
  const permission = permissionOf(state, exec.viewer, repo);
  const admin = permission === 'admin';
  const self = {
    __typename: 'Repository',
    id: repo.nodeId,
    databaseId: repo.id,
    name: repo.name,
    nameWithOwner: `${repo.owner}/${repo.name}`,
    description: repo.description,
    url: `${exec.web}/${repo.owner}/${repo.name}`,
    resourcePath: `/${repo.owner}/${repo.name}`,
    createdAt: repo.createdAt,
    updatedAt: repo.updatedAt,
    pushedAt: repo.pushedAt,
    owner: () => buildOwnerNode(exec, repo.owner),
    isArchived: repo.archived,
    isDisabled: repo.disabled,
    isFork: repo.fork,
    isEmpty: Object.keys(repo.branches).length === 0,
    isPrivate: repo.visibility !== 'public',
    isLocked: false,
    isTemplate: false,
    visibility: upper(repo.visibility),
    viewerPermission: permission === null ? null : upper(permission),
    viewerCanAdminister: admin,
    squashMergeAllowed: repo.allowSquashMerge,
    mergeCommitAllowed: repo.allowMergeCommit,
    rebaseMergeAllowed: repo.allowRebaseMerge,
    deleteBranchOnMerge: repo.deleteBranchOnMerge,
    primaryLanguage: repo.language
      ? { __typename: 'Language', id: syntheticId('L', repo.language), name: repo.language, color: null }
      : null,
    defaultBranchRef: () => {
      const sha = repo.branches[repo.defaultBranch];
      return sha === undefined ? null : buildRefNode(exec, repo, 'refs/heads/', repo.defaultBranch, sha);
    },
    repositoryTopics: ((args, _e, info) =>
      paginate(repo.topics, connectionArgs(args), info, (name) => ({
        __typename: 'RepositoryTopic',
        id: syntheticId('RT', `${repo.id}:${name}`),
        topic: { __typename: 'Topic', id: syntheticId('T', name), name },
        url: `${exec.web}/topics/${name}`,
        resourcePath: `/topics/${name}`,
      }))) as Resolver,
    refs: ((args, _e, info) => {
      const prefix = String(args['refPrefix'] ?? '');
      const query = typeof args['query'] === 'string' ? args['query'] : '';
      let list = branchRefs(repo)
        .filter(([full]) => full.startsWith(prefix) && full.length > prefix.length)
        .map(([full, sha]): [string, string] => [full.slice(prefix.length), sha])
        .filter(([name]) => name.includes(query));
      if (args['direction'] === 'DESC' || (args['orderBy'] as { direction?: string } | undefined)?.direction === 'DESC')
        list = list.reverse();
      return paginate(list, connectionArgs(args), info, ([name, sha]) => buildRefNode(exec, repo, prefix, name, sha));
    }) as Resolver,
    ref: ((args) => {
      const q = String(args['qualifiedName'] ?? '');
      const name = q.startsWith('refs/heads/') ? q.slice('refs/heads/'.length) : q;
      const sha = repo.branches[name];
      return sha === undefined ? null : buildRefNode(exec, repo, 'refs/heads/', name, sha);
    }) as Resolver,
    // The CODEOWNERS file's errors (the sandbox keeps one tree, whatever `refName`); null without a file (UNCONFIRMED).
    codeowners: () => {
      const errors = codeownersErrors(state, repo);
      return errors === null
        ? null
        : {
            __typename: 'RepositoryCodeowners',
            errors: errors.map((e) => ({
              __typename: 'RepositoryCodeownersError',
              column: e.column,
              kind: e.kind,
              line: e.line,
              message: e.message,
              path: e.path,
              source: e.source,
              suggestion: e.suggestion,
            })),
          };
    },
    object: ((args) => resolveObject(repo, args)) as Resolver,
    branchProtectionRules: ((args, _e, info) => {
      // Non-admins get an empty list, not an error (GITHUB-API.md §3, [3P]); so do Free-plan
      // private repositories, where REST answers 403 (UNCONFIRMED for GraphQL reads).
      if (!admin || !protectionAvailable(state, repo)) return emptyConnection(connectionArgs(args), info);
      return paginate(repo.protectionRules, connectionArgs(args), info, (rule) => buildRuleNode(exec, repo, rule));
    }) as Resolver,
    rulesets: ((args, _e, info) => {
      if (!protectionAvailable(state, repo)) return emptyConnection(connectionArgs(args), info);
      const includeParents = args['includeParents'] !== false;
      const targets = args['targets'] as string[] | null | undefined;
      const list = rulesetsForRepo(state, repo, includeParents).filter((rs) => !targets || targets.includes(upper(rs.target)));
      return paginate(list, connectionArgs(args), info, (rs) => buildRulesetNode(exec, rs, canEditRuleset(exec, rs, repo)));
    }) as Resolver,
  };
  return self;
}

/** Who sees a ruleset's bypass actors: those with write access to the ruleset (REST docs), i.e. its admins. */
function canEditRuleset(exec: Exec, rs: SimRuleset, repo: SimRepo | undefined): boolean {
  if (rs.source_type === 'Organization') {
    const org = findOrg(exec.state, rs.source);
    return org !== undefined && isOrgOwner(org, exec.viewer);
  }
  const target = repo ?? findRepoByFullName(exec.state, rs.source);
  return target !== undefined && permissionOf(exec.state, exec.viewer, target) === 'admin';
}

function findRepoByFullName(state: SimState, fullName: string): SimRepo | undefined {
  const slash = fullName.indexOf('/');
  return slash === -1 ? undefined : findRepo(state, fullName.slice(0, slash), fullName.slice(slash + 1));
}

// ------------------------------------------------- branch protection rules

type AllowanceKind = 'PushAllowance' | 'ReviewDismissalAllowance' | 'BypassPullRequestAllowance' | 'BypassForcePushAllowance';

function actorNodes(exec: Exec, ids: SimActorIds | null): { key: string; node: unknown }[] {
  if (!ids) return [];
  const out: { key: string; node: unknown }[] = [];
  for (const id of ids.users) {
    const u = findUserById(exec.state, id);
    if (u) out.push({ key: `User:${id}`, node: buildUserNode(exec, u) });
  }
  for (const id of ids.teams) {
    const t = findTeamById(exec.state, id);
    if (t) out.push({ key: `Team:${id}`, node: buildTeamNode(exec, t.org, t.team) });
  }
  for (const id of ids.apps) {
    const a = findApp(exec.state, id);
    if (a) out.push({ key: `App:${id}`, node: buildAppNode(exec, a) });
  }
  return out;
}

function allowances(exec: Exec, repo: SimRepo, rule: SimProtectionRule, kind: AllowanceKind, ids: SimActorIds | null): Resolver {
  return (args, _e, info) =>
    paginate(actorNodes(exec, ids), connectionArgs(args), info, ({ key, node }) => ({
      __typename: kind,
      id: syntheticId(kind, `${rule.id}:${key}`),
      actor: node,
      branchProtectionRule: () => buildRuleNode(exec, repo, rule),
    }));
}

function matchesPattern(pattern: string, branch: string): boolean {
  return isWildcardPattern(pattern) ? matchesBranchPattern(pattern, branch) : pattern === branch;
}

export function buildRuleNode(exec: Exec, repo: SimRepo, rule: SimProtectionRule) {
  const reviews = rule.requiredReviews;
  const checks = rule.requiredStatusChecks;
  return {
    __typename: 'BranchProtectionRule',
    id: rule.nodeId,
    databaseId: rule.id,
    pattern: rule.pattern,
    creator: null,
    repository: () => buildRepositoryNode(exec, repo),
    allowsDeletions: rule.allowDeletions,
    allowsForcePushes: rule.allowForcePushes,
    blocksCreations: rule.blockCreations,
    dismissesStaleReviews: reviews?.dismissStale ?? false,
    isAdminEnforced: rule.enforceAdmins,
    // REST's allow_fork_syncing is GraphQL's lockAllowsFetchAndMerge.
    lockAllowsFetchAndMerge: rule.allowForkSyncing,
    lockBranch: rule.lockBranch,
    requireLastPushApproval: reviews?.lastPushApproval ?? false,
    // UNCONFIRMED: what GitHub reports for the count while reviews are not required (the model keeps none).
    requiredApprovingReviewCount: reviews ? reviews.count : 0,
    requiredStatusCheckContexts: checks ? checks.checks.map((c) => c.context) : [],
    requiredStatusChecks: checks
      ? checks.checks.map((c) => {
          const app = c.appId === null ? undefined : findApp(exec.state, c.appId);
          return { __typename: 'RequiredStatusCheckDescription', context: c.context, app: app ? buildAppNode(exec, app) : null };
        })
      : [],
    requiresApprovingReviews: reviews !== null,
    requiresCodeOwnerReviews: reviews?.codeOwners ?? false,
    requiresCommitSignatures: rule.requiredSignatures,
    requiresConversationResolution: rule.conversationResolution,
    requiresDeployments: false,
    requiredDeploymentEnvironments: [],
    requiresLinearHistory: rule.linearHistory,
    requiresStatusChecks: checks !== null,
    requiresStrictStatusChecks: checks?.strict ?? false,
    restrictsPushes: rule.restrictions !== null,
    restrictsReviewDismissals: reviews?.dismissalRestrictions != null,
    pushAllowances: allowances(exec, repo, rule, 'PushAllowance', rule.restrictions),
    reviewDismissalAllowances: allowances(exec, repo, rule, 'ReviewDismissalAllowance', reviews?.dismissalRestrictions ?? null),
    bypassPullRequestAllowances: allowances(exec, repo, rule, 'BypassPullRequestAllowance', reviews?.bypassAllowances ?? null),
    // The model has no force-push bypass list (REST has no such field either): always empty.
    bypassForcePushAllowances: allowances(exec, repo, rule, 'BypassForcePushAllowance', null),
    branchProtectionRuleConflicts: ((args, _e, info) => emptyConnection(connectionArgs(args), info)) as Resolver,
    matchingRefs: ((args, _e, info) => {
      const query = typeof args['query'] === 'string' ? args['query'] : '';
      const list = branchRefs(repo)
        .map(([full, sha]): [string, string] => [full.slice('refs/heads/'.length), sha])
        .filter(([name]) => matchesPattern(rule.pattern, name) && name.includes(query));
      return paginate(list, connectionArgs(args), info, ([name, sha]) => buildRefNode(exec, repo, 'refs/heads/', name, sha));
    }) as Resolver,
  };
}

// ----------------------------------------------------------------- rulesets

/**
 * Built-in repository roles by id as rulesets name them (UNCONFIRMED beyond
 * GitHub's examples: 5 = admin; 2 = maintain and 4 = write per the Terraform provider docs).
 */
const REPOSITORY_ROLE_NAMES: Record<number, string> = { 2: 'maintain', 4: 'write', 5: 'admin' };

function asStringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function buildConditions(exec: Exec, conditions: Record<string, unknown> | null) {
  const c = conditions ?? {};
  const ref = c['ref_name'] as { include?: unknown; exclude?: unknown } | undefined;
  const byName = c['repository_name'] as { include?: unknown; exclude?: unknown; protected?: unknown } | undefined;
  const byId = c['repository_id'] as { repository_ids?: unknown } | undefined;
  const byProp = c['repository_property'] as { include?: unknown; exclude?: unknown } | undefined;
  const props = (v: unknown) =>
    (Array.isArray(v) ? (v as Record<string, unknown>[]) : []).map((p) => ({
      __typename: 'PropertyTargetDefinition',
      name: String(p['name'] ?? ''),
      propertyValues: asStringList(p['property_values']),
      source: typeof p['source'] === 'string' ? p['source'] : null,
    }));
  return {
    __typename: 'RepositoryRuleConditions',
    refName: ref ? { __typename: 'RefNameConditionTarget', include: asStringList(ref.include), exclude: asStringList(ref.exclude) } : null,
    repositoryName: byName
      ? {
          __typename: 'RepositoryNameConditionTarget',
          include: asStringList(byName.include),
          exclude: asStringList(byName.exclude),
          protected: byName.protected === true,
        }
      : null,
    // REST stores database ids; GraphQL's `[ID!]` lists the repositories' node ids (UNCONFIRMED).
    repositoryId: byId
      ? {
          __typename: 'RepositoryIdConditionTarget',
          repositoryIds: (Array.isArray(byId.repository_ids) ? (byId.repository_ids as unknown[]) : []).map((id) =>
            typeof id === 'number' ? (findRepoById(exec.state, id)?.nodeId ?? String(id)) : String(id),
          ),
        }
      : null,
    repositoryProperty: byProp
      ? { __typename: 'RepositoryPropertyConditionTarget', include: props(byProp.include), exclude: props(byProp.exclude) }
      : null,
  };
}

const RULE_TYPES = new Set([
  'AUTHORIZATION',
  'BRANCH_NAME_PATTERN',
  'CODE_SCANNING',
  'COMMITTER_EMAIL_PATTERN',
  'COMMIT_AUTHOR_EMAIL_PATTERN',
  'COMMIT_MESSAGE_PATTERN',
  'CREATION',
  'DELETION',
  'FILE_EXTENSION_RESTRICTION',
  'FILE_PATH_RESTRICTION',
  'LOCK_BRANCH',
  'MAX_FILE_PATH_LENGTH',
  'MAX_FILE_SIZE',
  'MAX_REF_UPDATES',
  'MERGE_QUEUE',
  'MERGE_QUEUE_LOCKED_REF',
  'NON_FAST_FORWARD',
  'PULL_REQUEST',
  'REQUIRED_DEPLOYMENTS',
  'REQUIRED_LINEAR_HISTORY',
  'REQUIRED_REVIEW_THREAD_RESOLUTION',
  'REQUIRED_SIGNATURES',
  'REQUIRED_STATUS_CHECKS',
  'REQUIRED_WORKFLOW_STATUS_CHECKS',
  'SECRET_SCANNING',
  'TAG',
  'TAG_NAME_PATTERN',
  'UPDATE',
  'WORKFLOWS',
  'WORKFLOW_UPDATES',
]);

/** REST rule parameters as GraphQL `RuleParameters` (the kinds qms reads; others are null). */
function buildRuleParameters(type: string, p: Record<string, unknown> | undefined) {
  if (!p) return null;
  switch (type) {
    case 'pull_request':
      return {
        __typename: 'PullRequestParameters',
        allowedMergeMethods: Array.isArray(p['allowed_merge_methods']) ? asStringList(p['allowed_merge_methods']).map(upper) : null,
        dismissStaleReviewsOnPush: p['dismiss_stale_reviews_on_push'] === true,
        requireCodeOwnerReview: p['require_code_owner_review'] === true,
        requireLastPushApproval: p['require_last_push_approval'] === true,
        requiredApprovingReviewCount: typeof p['required_approving_review_count'] === 'number' ? p['required_approving_review_count'] : 0,
        requiredReviewThreadResolution: p['required_review_thread_resolution'] === true,
      };
    case 'required_status_checks':
      return {
        __typename: 'RequiredStatusChecksParameters',
        doNotEnforceOnCreate: p['do_not_enforce_on_create'] === true,
        strictRequiredStatusChecksPolicy: p['strict_required_status_checks_policy'] === true,
        requiredStatusChecks: (Array.isArray(p['required_status_checks'])
          ? (p['required_status_checks'] as Record<string, unknown>[])
          : []
        ).map((c) => ({
          __typename: 'StatusCheckConfiguration',
          context: String(c['context'] ?? ''),
          integrationId: typeof c['integration_id'] === 'number' ? c['integration_id'] : null,
        })),
      };
    case 'update':
      return { __typename: 'UpdateParameters', updateAllowsFetchAndMerge: p['update_allows_fetch_and_merge'] === true };
    default:
      return null;
  }
}

function buildRulesetSource(exec: Exec, rs: SimRuleset) {
  if (rs.source_type === 'Organization') {
    const org = findOrg(exec.state, rs.source);
    return org ? buildOrganizationNode(exec, org) : null;
  }
  const repo = findRepoByFullName(exec.state, rs.source);
  return repo ? buildRepositoryNode(exec, repo) : null;
}

export function buildRulesetNode(exec: Exec, rs: SimRuleset, canSeeBypass: boolean) {
  const node = {
    __typename: 'RepositoryRuleset',
    id: rs.node_id,
    databaseId: rs.id,
    name: rs.name,
    enforcement: upper(rs.enforcement),
    target: upper(rs.target),
    createdAt: rs.created_at,
    updatedAt: rs.updated_at,
    source: () => buildRulesetSource(exec, rs),
    conditions: () => buildConditions(exec, rs.conditions),
    rules: ((args, _e, info) => {
      const wanted = typeof args['type'] === 'string' ? args['type'] : null;
      const list = rs.rules.filter((r) => RULE_TYPES.has(upper(r.type)) && (!wanted || upper(r.type) === wanted));
      return paginate(list, connectionArgs(args), info, (r) => ({
        __typename: 'RepositoryRule',
        id: syntheticId('RR', `${rs.id}:${r.type}`),
        type: upper(r.type),
        parameters: buildRuleParameters(r.type, r.parameters),
        repositoryRuleset: () => node,
      }));
    }) as Resolver,
    bypassActors: ((args, _e, info) => {
      // REST: bypass actors are "only returned if the user … has write access to the ruleset".
      const list = canSeeBypass ? rs.bypass_actors : [];
      return paginate(list, connectionArgs(args), info, (a) => buildBypassActorNode(exec, rs, a, node));
    }) as Resolver,
  };
  return node;
}

function buildBypassActorNode(exec: Exec, rs: SimRuleset, a: SimRuleset['bypass_actors'][number], rulesetNode: unknown) {
  let actor: unknown = null;
  if (a.actor_type === 'Integration' && a.actor_id !== null) {
    const app = findApp(exec.state, a.actor_id);
    actor = app ? buildAppNode(exec, app) : null;
  } else if (a.actor_type === 'Team' && a.actor_id !== null) {
    const t = findTeamById(exec.state, a.actor_id);
    actor = t ? buildTeamNode(exec, t.org, t.team) : null;
  }
  // BypassActor is App | Team: users and roles have no actor object.
  const role = a.actor_type === 'RepositoryRole' ? a.actor_id : null;
  return {
    __typename: 'RepositoryRulesetBypassActor',
    id: syntheticId('RRSBA', `${rs.id}:${a.actor_type}:${a.actor_id ?? ''}`),
    actor,
    // `exempt` has no GraphQL enum value.
    bypassMode: a.bypass_mode === 'always' || a.bypass_mode === 'pull_request' ? upper(a.bypass_mode) : null,
    deployKey: a.actor_type === 'DeployKey',
    enterpriseOwner: a.actor_type === 'EnterpriseOwner',
    organizationAdmin: a.actor_type === 'OrganizationAdmin',
    repositoryRoleDatabaseId: role,
    repositoryRoleName: role === null ? null : (REPOSITORY_ROLE_NAMES[role] ?? null),
    repositoryRuleset: () => rulesetNode,
  };
}

// -------------------------------------------------------------------- nodes

/**
 * `node(id)`: every object the model stores an id for. Repositories and
 * rulesets need read access (an organization ruleset: to a repository it
 * applies to, or org ownership — whoever can list it somewhere can read it),
 * protection rules admin access; otherwise the id does not resolve (as GitHub
 * hides what you cannot see).
 */
export function resolveNode(exec: Exec, id: string): unknown {
  if (!exec.nodes) {
    const map = new Map<string, () => unknown>();
    const state = exec.state;
    for (const u of state.users) map.set(u.nodeId, () => buildUserNode(exec, u));
    for (const a of state.apps) map.set(a.nodeId, () => buildAppNode(exec, a));
    for (const o of state.orgs) {
      map.set(o.nodeId, () => buildOrganizationNode(exec, o));
      for (const t of o.teams) map.set(t.nodeId, () => (isOrgMember(o, exec.viewer) ? buildTeamNode(exec, o, t) : null));
      for (const rs of o.rulesets) {
        const login = o.login.toLowerCase();
        const readsATarget = (r: SimRepo) =>
          r.owner.toLowerCase() === login && permissionOf(state, exec.viewer, r) !== null && rulesetsForRepo(state, r).includes(rs);
        const readable = () => isOrgOwner(o, exec.viewer) || state.repos.some(readsATarget);
        map.set(rs.node_id, () => (readable() ? buildRulesetNode(exec, rs, isOrgOwner(o, exec.viewer)) : null));
      }
    }
    for (const r of state.repos) {
      const permission = () => permissionOf(state, exec.viewer, r);
      map.set(r.nodeId, () => (permission() === null ? null : buildRepositoryNode(exec, r)));
      for (const rule of r.protectionRules) map.set(rule.nodeId, () => (permission() === 'admin' ? buildRuleNode(exec, r, rule) : null));
      for (const rs of r.rulesets)
        map.set(rs.node_id, () => (permission() === null ? null : buildRulesetNode(exec, rs, permission() === 'admin')));
    }
    exec.nodes = map;
  }
  const node = exec.nodes.get(id)?.() ?? null;
  if (node === null) throw notFoundError(nodeNotFoundMessage(id));
  return node;
}

export const nodeNotFoundMessage = (id: string): string => `Could not resolve to a node with the global id of '${id}'`;

/** The model objects behind actor node ids (for mutation inputs). */
export function findActorByNodeId(
  state: SimState,
  org: SimOrg | undefined,
  id: string,
): { kind: 'user'; user: SimUser } | { kind: 'team'; team: SimTeam } | { kind: 'app'; app: SimApp } | null {
  const user = state.users.find((u) => u.nodeId === id);
  if (user) return { kind: 'user', user };
  const team = org?.teams.find((t) => t.nodeId === id);
  if (team) return { kind: 'team', team };
  const app = state.apps.find((a) => a.nodeId === id);
  if (app) return { kind: 'app', app };
  return null;
}
