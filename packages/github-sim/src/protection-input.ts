/**
 * Reads a PUT …/branches/{b}/protection body into a classic rule, with
 * GitHub's replace semantics (docs/github-api.md): the four
 * top-level keys are required (null disables); omitted optional booleans
 * become false; a reviews object without a count means 1; status checks come
 * as exactly one of `checks` and `contexts` (docs/github-api.md); contexts-only
 * and `app_id: -1` mean "any source" (app null); arrays replace. Required
 * signatures are not part of the body: an existing rule keeps its setting
 * (UNCONFIRMED whether PUT resets it on GitHub).
 */
import type { SimActorIds, SimOrg, SimProtectionRule, SimRepo, SimState } from './model.js';
import { atLeast, findApp, findTeam, findUser, ownerOrg, permissionOf } from './access.js';
import { invalidRequest, validationFailed } from './http.js';
import { recordedRequestProblems } from './openapi/request-validator.js';
import { rubyInspect } from './routes/common.js';

export type ProtectionSettings = Omit<SimProtectionRule, 'id' | 'nodeId' | 'pattern' | 'createdAt'>;

const PROTECTION_PUT = 'PUT /repos/{owner}/{repo}/branches/{branch}/protection';
const REQUIRED_KEYS = ['required_status_checks', 'enforce_admins', 'required_pull_request_reviews', 'restrictions'] as const;

/** GitHub: "Only 100 users and teams can be specified." ([FIX] comment in GITHUB-API.md §1). */
const MAX_USERS_AND_TEAMS = 100;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requireKey(obj: Record<string, unknown>, key: string): unknown {
  if (!(key in obj)) throw invalidRequest(`"${key}" wasn't supplied.`);
  return obj[key];
}

function bool(obj: Record<string, unknown>, key: string, path: string, nullable = false): boolean {
  const v = obj[key];
  if (v === undefined || (nullable && v === null)) return false;
  if (typeof v !== 'boolean')
    throw invalidRequest(`For 'properties/${path}', ${rubyInspect(v)} is not a boolean${nullable ? ' or null' : ''}.`);
  return v;
}

function strings(v: unknown, path: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw invalidRequest(`For 'properties/${path}', ${rubyInspect(v)} is not an array of strings.`);
  }
  return v as string[];
}

function readStatusChecks(v: unknown): ProtectionSettings['requiredStatusChecks'] {
  if (v === null) return null;
  if (!isObject(v)) throw invalidRequest(`For 'properties/required_status_checks', ${rubyInspect(v)} is not an object or null.`);
  const strictValue = requireKey(v, 'strict');
  if (typeof strictValue !== 'boolean') throw invalidRequest(`For 'properties/strict', ${rubyInspect(strictValue)} is not a boolean.`);
  if (v['checks'] !== undefined) {
    if (!Array.isArray(v['checks'])) throw invalidRequest(`For 'properties/checks', ${rubyInspect(v['checks'])} is not an array.`);
    const checks = v['checks'].map((c: unknown) => {
      if (!isObject(c) || typeof c['context'] !== 'string')
        throw invalidRequest(`For 'items', ${rubyInspect(c)} is not an object with a "context" string.`);
      const appId = c['app_id'];
      if (appId !== undefined && (typeof appId !== 'number' || !Number.isInteger(appId))) {
        throw invalidRequest(`For 'properties/app_id', ${rubyInspect(appId)} is not an integer.`);
      }
      // -1: any app; omitted: "the app that most recently set the status" — the sandbox cannot know, so any.
      return { context: c['context'], appId: appId === undefined || appId === -1 ? null : appId };
    });
    return { strict: strictValue, checks };
  }
  const contexts = strings(v['contexts'], 'contexts');
  return { strict: strictValue, checks: contexts.map((context) => ({ context, appId: null })) };
}

/**
 * Resolves logins/slugs to ids; unknown or unauthorised actors are a 422
 * (wording UNCONFIRMED; GitHub documents the 422, not its text).
 */
function resolveActors(
  state: SimState,
  repo: SimRepo,
  org: SimOrg | undefined,
  v: Record<string, unknown>,
  path: string,
  errors: string[],
): SimActorIds {
  const users = strings(v['users'], `${path}/users`);
  const teams = strings(v['teams'], `${path}/teams`);
  const apps = strings(v['apps'], `${path}/apps`);
  if (users.length + teams.length > MAX_USERS_AND_TEAMS) errors.push('Only 100 users and teams can be specified.');
  const ids: SimActorIds = { users: [], teams: [], apps: [] };
  for (const login of users) {
    const user = findUser(state, login);
    if (!user || !atLeast(permissionOf(state, user, repo), 'write')) {
      errors.push(`${login} is not a collaborator with push access on ${repo.owner}/${repo.name}`);
    } else if (!ids.users.includes(user.id)) ids.users.push(user.id);
  }
  for (const slug of teams) {
    const team = org ? findTeam(org, slug) : undefined;
    if (!team) errors.push(`Team ${slug} not found in ${repo.owner}`);
    else if (!atLeast(repo.teams[team.slug], 'write')) errors.push(`Team ${slug} does not have push access to ${repo.owner}/${repo.name}`);
    else if (!ids.teams.includes(team.id)) ids.teams.push(team.id);
  }
  for (const slug of apps) {
    const app = findApp(state, slug);
    if (!app) errors.push(`App ${slug} not found`);
    else if (!ids.apps.includes(app.id)) ids.apps.push(app.id);
  }
  return ids;
}

/** UNCONFIRMED wording for actor lists on a user-owned repository. */
const ORG_ONLY = 'Only organization repositories can have users and team restrictions';
/** UNCONFIRMED wording: push restrictions need GitHub Team or Enterprise. */
const FREE_PLAN_RESTRICTIONS = 'Upgrade to GitHub Team to restrict who can push to matching branches.';

function readReviews(
  state: SimState,
  repo: SimRepo,
  org: SimOrg | undefined,
  v: unknown,
  errors: string[],
): ProtectionSettings['requiredReviews'] {
  if (v === null) return null;
  if (!isObject(v)) throw invalidRequest(`For 'properties/required_pull_request_reviews', ${rubyInspect(v)} is not an object or null.`);
  const rawCount = v['required_approving_review_count'];
  let count = 1;
  if (rawCount !== undefined) {
    if (typeof rawCount !== 'number' || !Number.isInteger(rawCount)) {
      throw invalidRequest(`For 'properties/required_approving_review_count', ${rubyInspect(rawCount)} is not an integer.`);
    }
    // The 0–6 bound is prose in the docs, not in the spec; GitHub's own validator enforces it.
    if (rawCount < 0 || rawCount > 6) {
      const bound = rawCount > 6 ? `${rawCount} must be less than or equal to 6.` : `${rawCount} must be greater than or equal to 0.`;
      throw invalidRequest(
        `No subschema in "anyOf" matched.\n${bound}\nNot all subschemas of "allOf" matched.\nFor 'anyOf/1', ${rubyInspect(v)} is not a null.`,
      );
    }
    count = rawCount;
  }
  // `emptyIsNone`: lists naming nobody mean the same as no object at all.
  const actorList = (key: string, emptyIsNone: boolean): SimActorIds | null => {
    const raw = v[key];
    if (raw === undefined || raw === null) return null;
    if (!isObject(raw)) throw invalidRequest(`For 'properties/${key}', ${rubyInspect(raw)} is not an object.`);
    // `dismissal_restrictions: {}` disables the restriction.
    if (Object.keys(raw).length === 0) return null;
    const named = ['users', 'teams', 'apps'].some((k) => strings(raw[k], `${key}/${k}`).length > 0);
    if (emptyIsNone && !named) return null;
    if (!org) {
      errors.push(ORG_ONLY);
      return null;
    }
    return resolveActors(state, repo, org, raw, key, errors);
  };
  return {
    count,
    dismissStale: bool(v, 'dismiss_stale_reviews', 'dismiss_stale_reviews'),
    codeOwners: bool(v, 'require_code_owner_reviews', 'require_code_owner_reviews'),
    lastPushApproval: bool(v, 'require_last_push_approval', 'require_last_push_approval'),
    dismissalRestrictions: actorList('dismissal_restrictions', false),
    // Bypass allowances naming nobody are no allowances: GET leaves the key out whichever way a PUT
    // said "none" (absent, `{}`, empty lists) — docs/github-api.md, "Pull request bypass allowances".
    bypassAllowances: actorList('bypass_pull_request_allowances', true),
  };
}

function readRestrictions(state: SimState, repo: SimRepo, org: SimOrg | undefined, v: unknown, errors: string[]): SimActorIds | null {
  if (v === null) return null;
  if (!isObject(v)) throw invalidRequest(`For 'properties/restrictions', ${rubyInspect(v)} is not an object or null.`);
  requireKey(v, 'users');
  requireKey(v, 'teams');
  // Push restrictions exist for organization repositories only, on Team/Enterprise (GITHUB-API.md §1 "Plans").
  if (!org) {
    errors.push(ORG_ONLY);
    return null;
  }
  if (org.plan === 'free') {
    errors.push(FREE_PLAN_RESTRICTIONS);
    return null;
  }
  return resolveActors(state, repo, org, v, 'restrictions', errors);
}

/** Parses and validates a PUT body; throws ApiError(422) like GitHub. */
export function readProtectionPut(
  state: SimState,
  repo: SimRepo,
  body: unknown,
  existing: SimProtectionRule | undefined,
): ProtectionSettings {
  if (!isObject(body)) throw invalidRequest(`${rubyInspect(body)} is not an object.`);
  for (const key of REQUIRED_KEYS) requireKey(body, key);
  // Exactly one of `contexts` and `checks` (the request validator says so first when it is on).
  const alternatives = recordedRequestProblems(PROTECTION_PUT, body);
  if (alternatives.length > 0) throw invalidRequest(alternatives.join('\n'));
  const org = ownerOrg(state, repo);
  const errors: string[] = [];
  const enforce = body['enforce_admins'];
  if (enforce !== null && typeof enforce !== 'boolean') {
    throw invalidRequest(`For 'properties/enforce_admins', ${rubyInspect(enforce)} is not a boolean or null.`);
  }
  const settings: ProtectionSettings = {
    requiredStatusChecks: readStatusChecks(body['required_status_checks']),
    enforceAdmins: enforce === true,
    requiredReviews: readReviews(state, repo, org, body['required_pull_request_reviews'], errors),
    restrictions: readRestrictions(state, repo, org, body['restrictions'], errors),
    requiredSignatures: existing?.requiredSignatures ?? false,
    linearHistory: bool(body, 'required_linear_history', 'required_linear_history'),
    allowForcePushes: bool(body, 'allow_force_pushes', 'allow_force_pushes', true),
    allowDeletions: bool(body, 'allow_deletions', 'allow_deletions'),
    blockCreations: bool(body, 'block_creations', 'block_creations'),
    conversationResolution: bool(body, 'required_conversation_resolution', 'required_conversation_resolution'),
    lockBranch: bool(body, 'lock_branch', 'lock_branch'),
    allowForkSyncing: bool(body, 'allow_fork_syncing', 'allow_fork_syncing'),
  };
  if (errors.length > 0) throw validationFailed([...new Set(errors)]);
  return settings;
}
