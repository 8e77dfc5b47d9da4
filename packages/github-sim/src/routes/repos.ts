/** Repositories, branches and collaborator permissions. */
import { findUser, legacyPermission, permissionFlags, permissionOf } from '../access.js';
import { ApiError, bodyObject, notFound, pagedResult, queryFlag, type RequestContext, type RouteDef } from '../http.js';
import { renderSimpleUser } from '../render/actors.js';
import { renderBranch, renderShortBranch } from '../render/commits.js';
import { renderFullRepo } from '../render/repos.js';
import { isBranchProtected } from '../rules-engine.js';
import { ARCHIVED_MESSAGE, assertWritable, optionalBoolean, optionalString, requireBranch, requireRepo } from './common.js';

const ADMIN_RIGHTS = 'Must have admin rights to Repository.';

function patchRepo(ctx: RequestContext) {
  const { repo } = requireRepo(ctx, { min: 'admin', denied: () => new ApiError(403, ADMIN_RIGHTS) });
  const body = bodyObject(ctx);
  const archived = optionalBoolean(body, 'archived');
  // Unarchiving is the one write an archived repository accepts.
  if (repo.archived && archived !== false) throw new ApiError(403, ARCHIVED_MESSAGE);
  if (!repo.archived) assertWritable(repo);

  const description = body['description'];
  if (description !== undefined && description !== null && typeof description !== 'string') {
    throw new ApiError(422, `Invalid request.\n\nFor 'properties/description', ${JSON.stringify(description)} is not a string or null.`);
  }
  const defaultBranch = optionalString(body, 'default_branch');
  if (defaultBranch !== undefined && repo.branches[defaultBranch] === undefined) {
    throw new ApiError(422, 'Validation Failed', {
      errors: [
        {
          resource: 'Repository',
          code: 'invalid',
          field: 'default_branch',
          message: `Cannot update default branch for this repository: branch ${defaultBranch} not found`,
        },
      ],
    });
  }
  const visibility = optionalString(body, 'visibility');
  if (visibility !== undefined && !['public', 'private', 'internal'].includes(visibility)) {
    throw new ApiError(
      422,
      `Invalid request.\n\nFor 'properties/visibility', ${JSON.stringify(visibility)} is not a member of ["public", "private", "internal"].`,
    );
  }
  const isPrivate = optionalBoolean(body, 'private');
  const squash = optionalBoolean(body, 'allow_squash_merge');
  const mergeCommit = optionalBoolean(body, 'allow_merge_commit');
  const rebase = optionalBoolean(body, 'allow_rebase_merge');
  const deleteOnMerge = optionalBoolean(body, 'delete_branch_on_merge');

  if (squash !== undefined) repo.allowSquashMerge = squash;
  if (mergeCommit !== undefined) repo.allowMergeCommit = mergeCommit;
  if (rebase !== undefined) repo.allowRebaseMerge = rebase;
  if (deleteOnMerge !== undefined) repo.deleteBranchOnMerge = deleteOnMerge;
  if (description !== undefined) repo.description = description as string | null;
  if (defaultBranch !== undefined) repo.defaultBranch = defaultBranch;
  if (visibility !== undefined) repo.visibility = visibility as typeof repo.visibility;
  else if (isPrivate !== undefined) repo.visibility = isPrivate ? 'private' : 'public';
  if (archived !== undefined) repo.archived = archived;
  repo.updatedAt = ctx.sim.timestamp();
  ctx.sim.markDirty();
  return { status: 200, body: renderFullRepo(ctx.sim.state, repo, ctx.urls, permissionOf(ctx.sim.state, ctx.viewer, repo)) };
}

function collaboratorPermission(ctx: RequestContext) {
  const { repo } = requireRepo(ctx);
  const user = findUser(ctx.sim.state, ctx.params['username'] ?? '');
  if (!user) throw notFound();
  const p = permissionOf(ctx.sim.state, user, repo);
  return {
    status: 200,
    body: {
      permission: legacyPermission(p),
      role_name: p ?? 'none',
      user: { ...renderSimpleUser(user, ctx.urls), permissions: permissionFlags(p), role_name: p ?? 'none' },
    },
  };
}

export const repoRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}',
    docs: '/rest/repos/repos#get-a-repository',
    handler: (ctx) => {
      const { repo, permission } = requireRepo(ctx);
      return { status: 200, body: renderFullRepo(ctx.sim.state, repo, ctx.urls, ctx.viewer ? permission : null) };
    },
  },
  { method: 'PATCH', template: '/repos/{owner}/{repo}', docs: '/rest/repos/repos#update-a-repository', handler: patchRepo },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/branches',
    docs: '/rest/branches/branches#list-branches',
    handler: (ctx) => {
      const { repo } = requireRepo(ctx);
      const state = ctx.sim.state;
      const filter = queryFlag(ctx.query, 'protected');
      let names = Object.keys(repo.branches).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (filter !== undefined) names = names.filter((n) => isBranchProtected(state, repo, n) === filter);
      return pagedResult(ctx, names, (n) => renderShortBranch(state, repo, n, repo.branches[n] as string, ctx.urls));
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/branches/{branch}',
    docs: '/rest/branches/branches#get-a-branch',
    handler: (ctx) => {
      const { repo } = requireRepo(ctx);
      const branch = ctx.params['branch'] ?? '';
      const sha = requireBranch(repo, branch);
      return { status: 200, body: renderBranch(ctx.sim.state, repo, branch, sha, ctx.urls) };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/collaborators/{username}/permission',
    docs: '/rest/collaborators/collaborators#get-repository-permissions-for-a-user',
    handler: collaboratorPermission,
  },
];
