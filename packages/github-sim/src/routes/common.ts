/**
 * Checks shared by the routes, each answering the way GitHub does:
 * invisible → 404 "Not Found" (never 403), archived → 403 read-only,
 * Free plan private repository → 403 "Upgrade to GitHub Pro…".
 */
import type { SimOrg, SimPermission, SimRepo } from '../model.js';
import { atLeast, findOrg, findRepo, isOrgMember, permissionOf } from '../access.js';
import { ApiError, forbidden, notFound, type RequestContext } from '../http.js';
import { protectionAvailable } from '../rules-engine.js';
import { rubyInspect } from '../openapi/request-validator.js';

export const ARCHIVED_MESSAGE = 'Repository was archived so is read-only.';
export const UPGRADE_MESSAGE = 'Upgrade to GitHub Pro or make this repository public to enable this feature.';
/** UNCONFIRMED wording: org rulesets need GitHub Team or Enterprise (GITHUB-API.md §2). */
export const ORG_RULESETS_UPGRADE_MESSAGE = 'Upgrade to GitHub Team to enable this feature.';
/** UNCONFIRMED wording for writes to a disabled repository. */
export const DISABLED_MESSAGE = 'Repository access blocked';

export interface RepoAccess {
  repo: SimRepo;
  permission: SimPermission;
}

/**
 * The repository from `{owner}/{repo}`, visible to the viewer.
 * `min`: required permission; below it the answer is `denied` (404 by default,
 * as GitHub hides what you cannot administer on protection endpoints).
 */
export function requireRepo(ctx: RequestContext, options: { min?: SimPermission; denied?: () => ApiError } = {}): RepoAccess {
  const repo = findRepo(ctx.sim.state, ctx.params['owner'] ?? '', ctx.params['repo'] ?? '');
  if (!repo) throw notFound();
  const permission = permissionOf(ctx.sim.state, ctx.viewer, repo);
  if (permission === null) throw notFound();
  if (options.min && !atLeast(permission, options.min)) throw (options.denied ?? (() => notFound()))();
  return { repo, permission };
}

/** Every write to an archived (or disabled) repository is refused. */
export function assertWritable(repo: SimRepo): void {
  if (repo.archived) throw forbidden(ARCHIVED_MESSAGE);
  if (repo.disabled) throw forbidden(DISABLED_MESSAGE);
}

/** Protected branches and rulesets: Free-plan private repositories get 403. */
export function assertProtectionPlan(ctx: RequestContext, repo: SimRepo): void {
  if (!protectionAvailable(ctx.sim.state, repo)) throw forbidden(UPGRADE_MESSAGE);
}

/** The org from `{org}`; 404 when it does not exist. */
export function requireOrg(ctx: RequestContext): SimOrg {
  const org = findOrg(ctx.sim.state, ctx.params['org'] ?? '');
  if (!org) throw notFound();
  return org;
}

export function requireOrgMember(ctx: RequestContext, org: SimOrg): void {
  if (!isOrgMember(org, ctx.viewer)) throw notFound();
}

/** The branch head or a 404 "Branch not found" (UNCONFIRMED text, GITHUB-API.md §1). */
export function requireBranch(repo: SimRepo, branch: string): string {
  const sha = repo.branches[branch];
  if (sha === undefined) throw notFound('Branch not found');
  return sha;
}

/** Strict-typed readers for request bodies (a wrong type is a GitHub-style 422). */
export function optionalBoolean(body: Record<string, unknown>, key: string, path = key): boolean | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ApiError(422, `Invalid request.\n\nFor 'properties/${path}', ${rubyInspect(v)} is not a boolean.`);
  return v;
}

export function optionalString(body: Record<string, unknown>, key: string, path = key): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ApiError(422, `Invalid request.\n\nFor 'properties/${path}', ${rubyInspect(v)} is not a string.`);
  return v;
}

export function stringList(value: unknown, path: string): string[] {
  if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) {
    throw new ApiError(422, `Invalid request.\n\nFor 'properties/${path}', ${rubyInspect(value)} is not an array of strings.`);
  }
  return value as string[];
}

/** Values printed the way GitHub's (Ruby) validator prints them in 422 messages. */
export { rubyInspect };
