/**
 * GraphQL BranchProtectionRule ↔ the qms model (GITHUB-API.md §3). GraphQL
 * names actors as nodes (User.login, Team.slug, App.slug) and takes node ids
 * in mutations; the model names logins and slugs, so writes resolve ids first.
 */
import type { ActorLists, BranchProtection } from '../../core/protection.js';
import type { ProtectionRule } from '../../core/github-types.js';
import { arr, bool, childPath, obj, optNum, optObj, ResponseShapeError, str, type Json } from './check.js';

/** The rule fields every query and mutation selects (connections are paged separately when long). */
export const RULE_FIELDS = `
  id pattern
  isAdminEnforced
  requiresApprovingReviews requiredApprovingReviewCount requiresCodeOwnerReviews dismissesStaleReviews requireLastPushApproval
  restrictsReviewDismissals
  reviewDismissalAllowances(first: 100) { pageInfo { hasNextPage endCursor } nodes { actor { ...QmsActor } } }
  bypassPullRequestAllowances(first: 100) { pageInfo { hasNextPage endCursor } nodes { actor { ...QmsActor } } }
  requiresStatusChecks requiresStrictStatusChecks requiredStatusChecks { context app { databaseId } }
  requiresLinearHistory allowsForcePushes allowsDeletions blocksCreations requiresConversationResolution
  requiresCommitSignatures lockBranch lockAllowsFetchAndMerge
  restrictsPushes
  pushAllowances(first: 100) { pageInfo { hasNextPage endCursor } nodes { actor { ...QmsActor } } }
  matchingRefs(first: 100) { pageInfo { hasNextPage endCursor } nodes { name } }
`;

export const ACTOR_FRAGMENT = `
fragment QmsActor on BranchActorAllowanceActor {
  __typename
  ... on User { login }
  ... on Team { slug }
  ... on App { slug }
}`;

/** The connections a rule has; long ones are fetched page by page. */
export const RULE_CONNECTIONS = ['reviewDismissalAllowances', 'bypassPullRequestAllowances', 'pushAllowances', 'matchingRefs'] as const;
export type RuleConnection = (typeof RULE_CONNECTIONS)[number];

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export function mapPageInfo(conn: Json, path: string): PageInfo {
  const p = obj(conn['pageInfo'], `${path}.pageInfo`);
  const cursor = p['endCursor'];
  return { hasNextPage: bool(p, 'hasNextPage', `${path}.pageInfo`), endCursor: typeof cursor === 'string' ? cursor : null };
}

export function connectionNodes(conn: Json, path: string): Json[] {
  return arr(conn['nodes'] ?? [], `${path}.nodes`)
    .filter((n) => n !== null)
    .map((n, i) => obj(n, childPath(`${path}.nodes`, i)));
}

/** Allowance nodes `{actor}` → actor lists. A null actor (deleted user/team) is skipped. */
export function mapAllowanceNodes(nodes: Json[], path: string): ActorLists {
  const out: ActorLists = { users: [], teams: [], apps: [] };
  nodes.forEach((node, i) => {
    const p = childPath(path, i);
    const actor = optObj(node, 'actor', p);
    if (!actor) return;
    const kind = str(actor, '__typename', `${p}.actor`);
    if (kind === 'User') out.users.push(str(actor, 'login', `${p}.actor`));
    else if (kind === 'Team') out.teams.push(str(actor, 'slug', `${p}.actor`));
    else if (kind === 'App') out.apps.push(str(actor, 'slug', `${p}.actor`));
    else throw new ResponseShapeError(`${p}.actor.__typename`, 'User, Team or App');
  });
  return out;
}

const isEmpty = (a: ActorLists) => a.users.length === 0 && a.teams.length === 0 && a.apps.length === 0;

/**
 * A rule node (with its connections' nodes, already complete) → ProtectionRule.
 * `all` carries the full node lists when some connection needed more pages.
 */
export function mapProtectionRuleNode(json: unknown, all?: Partial<Record<RuleConnection, Json[]>>): ProtectionRule {
  const o = obj(json, 'branchProtectionRule');
  const nodes = (key: RuleConnection): Json[] => {
    const given = all?.[key];
    if (given) return given;
    const conn = optObj(o, key, '');
    return conn ? connectionNodes(conn, key) : [];
  };
  const b = (key: string) => bool(o, key, '');
  const requiredReviews = b('requiresApprovingReviews')
    ? {
        requiredApprovingReviewCount: optNum(o, 'requiredApprovingReviewCount', '') ?? 0,
        requireCodeOwnerReviews: b('requiresCodeOwnerReviews'),
        dismissStaleReviews: b('dismissesStaleReviews'),
        requireLastPushApproval: b('requireLastPushApproval'),
        dismissalRestrictions: b('restrictsReviewDismissals')
          ? mapAllowanceNodes(nodes('reviewDismissalAllowances'), 'reviewDismissalAllowances')
          : null,
        bypassAllowances: (() => {
          const lists = mapAllowanceNodes(nodes('bypassPullRequestAllowances'), 'bypassPullRequestAllowances');
          return isEmpty(lists) ? null : lists;
        })(),
      }
    : null;
  const checksRaw =
    o['requiredStatusChecks'] === null || o['requiredStatusChecks'] === undefined
      ? []
      : arr(o['requiredStatusChecks'], 'requiredStatusChecks');
  const protection: BranchProtection = {
    requiredReviews,
    requiredStatusChecks: b('requiresStatusChecks')
      ? {
          strict: b('requiresStrictStatusChecks'),
          checks: checksRaw.map((c, i) => {
            const p = `requiredStatusChecks[${i}]`;
            const check = obj(c, p);
            const app = optObj(check, 'app', p);
            return { context: str(check, 'context', p), appId: app ? (optNum(app, 'databaseId', `${p}.app`) ?? null) : null };
          }),
        }
      : null,
    enforceAdmins: b('isAdminEnforced'),
    requireLinearHistory: b('requiresLinearHistory'),
    allowForcePushes: b('allowsForcePushes'),
    allowDeletions: b('allowsDeletions'),
    blockCreations: b('blocksCreations'),
    requireConversationResolution: b('requiresConversationResolution'),
    requireSignedCommits: b('requiresCommitSignatures'),
    lockBranch: b('lockBranch'),
    allowForkSyncing: b('lockAllowsFetchAndMerge'),
    restrictions: b('restrictsPushes') ? mapAllowanceNodes(nodes('pushAllowances'), 'pushAllowances') : null,
  };
  return {
    id: str(o, 'id', ''),
    pattern: str(o, 'pattern', ''),
    protection,
    matchingBranches: nodes('matchingRefs').map((r, i) => str(r, 'name', `matchingRefs.nodes[${i}]`)),
    raw: json,
  };
}

/** Node ids of the actors a protection names, resolved by the caller. */
export interface ActorNodeIds {
  users: Map<string, string>;
  teams: Map<string, string>;
  apps: Map<string, string>;
  /** App database id (as pinned in a status check) → App node id. */
  checkApps: Map<number, string>;
}

function ids(lists: ActorLists | null, resolved: ActorNodeIds): string[] {
  if (!lists) return [];
  const pick = (map: Map<string, string>, names: string[]) =>
    names.map((n) => {
      const id = map.get(n);
      if (id === undefined) throw new Error(`internal: actor "${n}" was not resolved to a node id`);
      return id;
    });
  return [...pick(resolved.users, lists.users), ...pick(resolved.teams, lists.teams), ...pick(resolved.apps, lists.apps)];
}

function checkAppNodeId(appId: number, resolved: ActorNodeIds): string {
  const id = resolved.checkApps.get(appId);
  if (id === undefined) throw new Error(`internal: app id ${appId} was not resolved to a node id`);
  return id;
}

/**
 * Model → create/update input with every field the model covers, so an update
 * leaves nothing of the previous rule behind. Deployment requirements are not
 * in the model (REST cannot set them either) and are left as they are.
 */
export function buildRuleInput(pattern: string, p: BranchProtection, resolved: ActorNodeIds): Record<string, unknown> {
  const r = p.requiredReviews;
  const rsc = p.requiredStatusChecks;
  return {
    pattern,
    requiresApprovingReviews: r !== null,
    requiredApprovingReviewCount: r?.requiredApprovingReviewCount ?? 0,
    requiresCodeOwnerReviews: r?.requireCodeOwnerReviews ?? false,
    dismissesStaleReviews: r?.dismissStaleReviews ?? false,
    requireLastPushApproval: r?.requireLastPushApproval ?? false,
    restrictsReviewDismissals: r?.dismissalRestrictions != null,
    reviewDismissalActorIds: ids(r?.dismissalRestrictions ?? null, resolved),
    bypassPullRequestActorIds: ids(r?.bypassAllowances ?? null, resolved),
    // Not in the model; cleared so that a force-push allowance cannot linger unseen.
    bypassForcePushActorIds: [],
    requiresStatusChecks: rsc !== null,
    requiresStrictStatusChecks: rsc?.strict ?? false,
    // "any" = any source (pitfall 8); a pinned app by its node id (the input is typed ID).
    requiredStatusChecks: (rsc?.checks ?? []).map((c) => ({
      context: c.context,
      appId: c.appId === null ? 'any' : checkAppNodeId(c.appId, resolved),
    })),
    isAdminEnforced: p.enforceAdmins,
    requiresLinearHistory: p.requireLinearHistory,
    allowsForcePushes: p.allowForcePushes,
    allowsDeletions: p.allowDeletions,
    blocksCreations: p.blockCreations,
    requiresConversationResolution: p.requireConversationResolution,
    requiresCommitSignatures: p.requireSignedCommits,
    lockBranch: p.lockBranch,
    lockAllowsFetchAndMerge: p.allowForkSyncing,
    restrictsPushes: p.restrictions !== null,
    pushActorIds: ids(p.restrictions, resolved),
  };
}
