/**
 * Classic branch protection: GitHub's GET JSON → the qms model, and the model
 * → a PUT body built from scratch (docs/github-api.md).
 *
 * GET and PUT differ: GET wraps booleans as `{enabled}`, names actors with
 * full user/team/app objects and leaves out switched-off sections; PUT wants
 * plain booleans, login/slug lists, and all four top-level keys (`null`
 * disables). Nothing from a GET is ever copied into a PUT.
 */
import type { ActorLists, BranchProtection, RequiredReviews, RequiredStatusChecks, StatusCheck } from '../../core/protection.js';
import { childPath, obj, objects, optBool, optNum, optObj, ResponseShapeError, str, type Json } from './check.js';

/** The owner kind decides what a PUT may carry: user/team lists exist only on organization repositories. */
export type OwnerType = 'Organization' | 'User';

/** Users by login, teams by slug, apps by slug. */
export function mapActorObjects(o: Json, path: string): ActorLists {
  return {
    users: objects(o, 'users', path).map((u, i) => str(u, 'login', childPath(childPath(path, 'users'), i))),
    teams: objects(o, 'teams', path).map((t, i) => str(t, 'slug', childPath(childPath(path, 'teams'), i))),
    apps: objects(o, 'apps', path).map((a, i) => str(a, 'slug', childPath(childPath(path, 'apps'), i))),
  };
}

function isEmptyActors(a: ActorLists): boolean {
  return a.users.length === 0 && a.teams.length === 0 && a.apps.length === 0;
}

/** `{enabled: boolean}` → boolean; an absent section is off (a rule blocks force pushes and deletions by default). */
function enabled(o: Json, key: string): boolean {
  const section = optObj(o, key, '');
  if (section === undefined) return false;
  return optBool(section, 'enabled', key) ?? false;
}

function mapStatusChecks(o: Json): RequiredStatusChecks {
  const path = 'required_status_checks';
  let checks: StatusCheck[];
  if (Array.isArray(o['checks'])) {
    checks = objects(o, 'checks', path).map((c, i) => {
      const p = childPath(childPath(path, 'checks'), i);
      const appId = optNum(c, 'app_id', p);
      // null = no app pinned; -1 is how a PUT says "any app" — both mean any source.
      return { context: str(c, 'context', p), appId: appId === undefined || appId === -1 ? null : appId };
    });
  } else {
    // Older answers carry only `contexts` (no app information).
    const contexts: unknown = o['contexts'] ?? [];
    if (!Array.isArray(contexts) || contexts.some((c) => typeof c !== 'string')) {
      throw new ResponseShapeError(`${path}.contexts`, 'a list of strings');
    }
    checks = (contexts as string[]).map((context) => ({ context, appId: null }));
  }
  return { strict: optBool(o, 'strict', path) ?? false, checks };
}

function mapReviews(o: Json): RequiredReviews {
  const path = 'required_pull_request_reviews';
  const dismissal = optObj(o, 'dismissal_restrictions', path);
  const bypass = optObj(o, 'bypass_pull_request_allowances', path);
  const bypassActors = bypass ? mapActorObjects(bypass, `${path}.bypass_pull_request_allowances`) : null;
  return {
    // UNCONFIRMED: the count is optional in the schema; GitHub stores 1 when a PUT leaves it out ([FIX]).
    requiredApprovingReviewCount: optNum(o, 'required_approving_review_count', path) ?? 1,
    requireCodeOwnerReviews: optBool(o, 'require_code_owner_reviews', path) ?? false,
    dismissStaleReviews: optBool(o, 'dismiss_stale_reviews', path) ?? false,
    requireLastPushApproval: optBool(o, 'require_last_push_approval', path) ?? false,
    // Present (even with empty lists) = dismissal is restricted to these (and admins).
    // UNCONFIRMED whether GitHub ever returns the object with empty lists for "not restricted".
    dismissalRestrictions: dismissal ? mapActorObjects(dismissal, `${path}.dismissal_restrictions`) : null,
    // Empty allowance lists and no allowances mean the same: nobody bypasses.
    bypassAllowances: bypassActors && !isEmptyActors(bypassActors) ? bypassActors : null,
  };
}

/** Does this GET/PUT answer say whether signed commits are required? (Else ask …/required_signatures.) */
export function hasSignatureSection(json: unknown): boolean {
  const o = obj(json, '');
  const section = o['required_signatures'];
  return typeof section === 'object' && section !== null && typeof (section as Json)['enabled'] === 'boolean';
}

/**
 * GET (or PUT answer) JSON → model. `requireSignedCommits` comes from the
 * `required_signatures` section when present, else from `signatures`.
 */
export function mapProtectionResponse(json: unknown, signatures?: boolean): BranchProtection {
  const o = obj(json, '');
  const rsc = optObj(o, 'required_status_checks', '');
  const reviews = optObj(o, 'required_pull_request_reviews', '');
  const restrictions = optObj(o, 'restrictions', '');
  const sig = optObj(o, 'required_signatures', '');
  return {
    requiredReviews: reviews ? mapReviews(reviews) : null,
    requiredStatusChecks: rsc ? mapStatusChecks(rsc) : null,
    enforceAdmins: enabled(o, 'enforce_admins'),
    requireLinearHistory: enabled(o, 'required_linear_history'),
    allowForcePushes: enabled(o, 'allow_force_pushes'),
    allowDeletions: enabled(o, 'allow_deletions'),
    blockCreations: enabled(o, 'block_creations'),
    requireConversationResolution: enabled(o, 'required_conversation_resolution'),
    requireSignedCommits: sig ? (optBool(sig, 'enabled', 'required_signatures') ?? false) : (signatures ?? false),
    lockBranch: enabled(o, 'lock_branch'),
    allowForkSyncing: enabled(o, 'allow_fork_syncing'),
    restrictions: restrictions ? mapActorObjects(restrictions, 'restrictions') : null,
  };
}

/** GET …/required_signatures → enabled. */
export function mapSignaturesResponse(json: unknown): boolean {
  const o = obj(json, '');
  return optBool(o, 'enabled', 'required_signatures') ?? false;
}

const lists = (a: ActorLists) => ({ users: [...a.users], teams: [...a.teams], apps: [...a.apps] });

export interface ProtectionPutBody {
  body: Record<string, unknown>;
  /** Parts of the model a repository of this owner type cannot carry (left out of the body). */
  dropped: string[];
}

/**
 * Model → PUT body, from scratch: the four required keys always present
 * (`null` disables), every optional boolean explicit (PUT replaces the whole
 * rule; omitted ones default to false), actors as login/slug lists.
 * Required signatures are not part of the PUT (own endpoint).
 */
export function buildProtectionPutBody(p: BranchProtection, ownerType: OwnerType): ProtectionPutBody {
  const org = ownerType === 'Organization';
  const dropped: string[] = [];
  let reviews: Record<string, unknown> | null = null;
  if (p.requiredReviews) {
    const r = p.requiredReviews;
    reviews = {
      dismiss_stale_reviews: r.dismissStaleReviews,
      require_code_owner_reviews: r.requireCodeOwnerReviews,
      required_approving_review_count: r.requiredApprovingReviewCount,
      require_last_push_approval: r.requireLastPushApproval,
    };
    if (org) {
      // `{}` switches dismissal restrictions off (documented); lists (even empty) switch them on.
      reviews['dismissal_restrictions'] = r.dismissalRestrictions ? lists(r.dismissalRestrictions) : {};
      // No allowances: the key is left out, as GitHub leaves it out of its answers; GitHub
      // documents no "none" value for it (docs/github-api.md, "Pull request bypass allowances").
      if (r.bypassAllowances) reviews['bypass_pull_request_allowances'] = lists(r.bypassAllowances);
    } else {
      // "Omit this parameter for personal repositories" [OAS]; there are no teams to name either.
      if (r.dismissalRestrictions) dropped.push('dismissal restrictions');
      if (r.bypassAllowances) {
        // UNCONFIRMED which bypass lists a personal repository accepts; users and apps are sent.
        if (r.bypassAllowances.teams.length > 0) dropped.push('team bypass allowances');
        reviews['bypass_pull_request_allowances'] = { users: [...r.bypassAllowances.users], apps: [...r.bypassAllowances.apps] };
      }
    }
  }
  let restrictions: Record<string, unknown> | null = null;
  if (p.restrictions) {
    if (org) restrictions = lists(p.restrictions);
    else dropped.push('push restrictions');
  }
  const body: Record<string, unknown> = {
    // Only `checks`, even when empty: GitHub refuses an object with both `contexts` and
    // `checks`, or with neither, although its description calls `contexts` required
    // (docs/github-api.md, "Required status checks in a protection PUT"). -1 = any
    // source: an omitted app_id would pin the app that most recently posted the status.
    required_status_checks: p.requiredStatusChecks
      ? {
          strict: p.requiredStatusChecks.strict,
          checks: p.requiredStatusChecks.checks.map((c) => ({ context: c.context, app_id: c.appId ?? -1 })),
        }
      : null,
    enforce_admins: p.enforceAdmins,
    required_pull_request_reviews: reviews,
    restrictions,
    required_linear_history: p.requireLinearHistory,
    allow_force_pushes: p.allowForcePushes,
    allow_deletions: p.allowDeletions,
    block_creations: p.blockCreations,
    required_conversation_resolution: p.requireConversationResolution,
    lock_branch: p.lockBranch,
    allow_fork_syncing: p.allowForkSyncing,
  };
  return { body, dropped };
}

/** For messages: a count of what a protection names, without the names. */
export function describeActors(a: ActorLists | null): string {
  return a ? `${a.users.length} users, ${a.teams.length} teams, ${a.apps.length} apps` : 'none';
}
