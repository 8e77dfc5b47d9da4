/** Pull requests: lists, files, commits, reviews and review requests (GITHUB-API.md §6). */
import type { SimPull, SimRepo } from '../model.js';
import { findTeam, findUser, ownerOrg } from '../access.js';
import { ApiError, bodyObject, forbidden, notFound, pagedResult, type RequestContext, type RouteDef } from '../http.js';
import {
  canReview,
  renderPull,
  renderPullCommit,
  renderPullFile,
  renderPullSimple,
  renderRequestedReviewers,
  renderReview,
} from '../render/pulls.js';
import { assertWritable, requireRepo, stringList } from './common.js';
import { mergeBlocker, type MergeMethod } from '../merge-rules.js';
import { fakeSha } from '../render/commits.js';

const P = '/repos/{owner}/{repo}/pulls/{pull_number}';

function requirePull(ctx: RequestContext): { repo: SimRepo; pull: SimPull } {
  const { repo } = requireRepo(ctx);
  const n = Number(ctx.params['pull_number']);
  const pull = repo.pulls.find((p) => p.number === n);
  if (!pull) throw notFound();
  return { repo, pull };
}

function listPulls(ctx: RequestContext) {
  const { repo } = requireRepo(ctx);
  const state = ctx.query.get('state') ?? 'open';
  const head = ctx.query.get('head');
  const base = ctx.query.get('base');
  const sort = ctx.query.get('sort') ?? 'created';
  const direction = ctx.query.get('direction') ?? (sort === 'created' ? 'desc' : 'asc');
  const pulls = repo.pulls
    .filter((p) => state === 'all' || p.state === state)
    .filter((p) => !base || p.base === base)
    .filter((p) => !head || `${repo.owner}:${p.head}` === head || p.head === head)
    .sort((a, b) => {
      const key = (p: SimPull) => (sort === 'updated' ? p.updatedAt : p.createdAt);
      const c = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number;
      return direction === 'asc' ? c : -c;
    });
  return pagedResult(ctx, pulls, (p) => renderPullSimple(ctx.sim.state, repo, p, ctx.urls));
}

/** UNCONFIRMED: GitHub answers 403 without documenting the text. */
const PUSH_ACCESS = 'Must have push access to repository.';
const NOT_COLLABORATOR = (repo: SimRepo) =>
  `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${repo.owner}/${repo.name} repository.`;

function readReviewers(ctx: RequestContext, requireReviewers: boolean) {
  const body = bodyObject(ctx);
  if (requireReviewers && body['reviewers'] === undefined) throw new ApiError(422, `Invalid request.\n\n"reviewers" wasn't supplied.`);
  const reviewers = body['reviewers'] === undefined ? [] : stringList(body['reviewers'], 'reviewers');
  const teams = body['team_reviewers'] === undefined ? [] : stringList(body['team_reviewers'], 'team_reviewers');
  return { reviewers, teams };
}

function requestReviewers(ctx: RequestContext) {
  const { repo, pull } = requirePull(ctx);
  const { permission } = requireRepo(ctx);
  if (permission === 'read') throw forbidden(PUSH_ACCESS);
  assertWritable(repo);
  const { reviewers, teams } = readReviewers(ctx, false);
  const state = ctx.sim.state;
  const org = ownerOrg(state, repo);
  const userIds: number[] = [];
  for (const login of reviewers) {
    const user = findUser(state, login);
    if (user && user.id === pull.userId) throw new ApiError(422, 'Review cannot be requested from pull request author.');
    if (!user || !canReview(state, repo, user)) throw new ApiError(422, NOT_COLLABORATOR(repo));
    userIds.push(user.id);
  }
  const teamIds: number[] = [];
  for (const slug of teams) {
    const team = org ? findTeam(org, slug) : undefined;
    if (!team || repo.teams[team.slug] === undefined) throw new ApiError(422, NOT_COLLABORATOR(repo));
    teamIds.push(team.id);
  }
  for (const id of userIds) if (!pull.requestedReviewerIds.includes(id)) pull.requestedReviewerIds.push(id);
  for (const id of teamIds) if (!pull.requestedTeamIds.includes(id)) pull.requestedTeamIds.push(id);
  pull.updatedAt = ctx.sim.timestamp();
  ctx.sim.markDirty();
  return { status: 201, body: renderPullSimple(state, repo, pull, ctx.urls) };
}

function removeReviewers(ctx: RequestContext) {
  const { repo, pull } = requirePull(ctx);
  const { permission } = requireRepo(ctx);
  if (permission === 'read') throw forbidden(PUSH_ACCESS);
  assertWritable(repo);
  const { reviewers, teams } = readReviewers(ctx, true);
  const state = ctx.sim.state;
  const org = ownerOrg(state, repo);
  const userIds = new Set(reviewers.flatMap((l) => findUser(state, l)?.id ?? []));
  const teamIds = new Set(teams.flatMap((s) => (org ? (findTeam(org, s)?.id ?? []) : [])));
  pull.requestedReviewerIds = pull.requestedReviewerIds.filter((id) => !userIds.has(id));
  pull.requestedTeamIds = pull.requestedTeamIds.filter((id) => !teamIds.has(id));
  pull.updatedAt = ctx.sim.timestamp();
  ctx.sim.markDirty();
  return { status: 200, body: renderPullSimple(state, repo, pull, ctx.urls) };
}

const METHOD_OFF: Record<MergeMethod, { allowed: (r: SimRepo) => boolean; message: string }> = {
  merge: { allowed: (r) => r.allowMergeCommit, message: 'Merge commits are not allowed on this repository.' },
  squash: { allowed: (r) => r.allowSquashMerge, message: 'Squash merges are not allowed on this repository.' },
  rebase: { allowed: (r) => r.allowRebaseMerge, message: 'Rebase merges are not allowed on this repository.' },
};

/**
 * PUT …/pulls/{n}/merge, enforcing protection for the merging user
 * (merge-rules.ts): 405 when the pull request cannot be merged (closed,
 * draft, a merge method the repository disallows, or an unmet requirement), 409 when
 * `sha` is not the head any more, 200 with the merge commit otherwise.
 */
function mergePull(ctx: RequestContext) {
  const { repo, pull } = requirePull(ctx);
  const { permission } = requireRepo(ctx);
  if (permission === 'read' || permission === 'triage' || !ctx.viewer) throw forbidden(PUSH_ACCESS);
  assertWritable(repo);
  const body = ctx.body === undefined || ctx.body === null ? {} : bodyObject(ctx);
  const method = (body['merge_method'] ?? 'merge') as MergeMethod;
  if (!(method in METHOD_OFF)) {
    throw new ApiError(
      422,
      `Invalid request.\n\nFor 'properties/merge_method', "${String(method)}" is not a member of ["merge", "squash", "rebase"].`,
    );
  }
  if (pull.state !== 'open' || pull.merged) throw new ApiError(405, 'Pull Request is not mergeable');
  if (pull.draft) throw new ApiError(405, 'Pull Request is still a draft'); // UNCONFIRMED wording
  if (typeof body['sha'] === 'string' && body['sha'] !== pull.headSha)
    throw new ApiError(409, 'Head branch was modified. Review and try the merge again.');
  if (!METHOD_OFF[method].allowed(repo)) throw new ApiError(405, METHOD_OFF[method].message);
  const blocker = mergeBlocker(ctx.sim.state, repo, pull, ctx.viewer, method);
  if (blocker !== null) throw new ApiError(405, blocker, {}, {}, 'https://docs.github.com/articles/about-protected-branches');
  const when = ctx.sim.timestamp();
  const sha = fakeSha(`${repo.owner}/${repo.name}#${pull.number}:merge:${when}`);
  repo.branches[pull.base] = sha;
  pull.state = 'closed';
  pull.merged = true;
  pull.updatedAt = when;
  repo.pushedAt = when;
  ctx.sim.markDirty();
  return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
}

export const pullRoutes: RouteDef[] = [
  { method: 'PUT', template: `${P}/merge`, docs: '/rest/pulls/pulls#merge-a-pull-request', handler: mergePull },
  { method: 'GET', template: '/repos/{owner}/{repo}/pulls', docs: '/rest/pulls/pulls#list-pull-requests', handler: listPulls },
  {
    method: 'GET',
    template: P,
    docs: '/rest/pulls/pulls#get-a-pull-request',
    handler: (ctx) => {
      const { repo, pull } = requirePull(ctx);
      return { status: 200, body: renderPull(ctx.sim.state, repo, pull, ctx.urls) };
    },
  },
  {
    method: 'GET',
    template: `${P}/files`,
    docs: '/rest/pulls/pulls#list-pull-requests-files',
    handler: (ctx) => {
      const { repo, pull } = requirePull(ctx);
      // "Responses include a maximum of 3000 files."
      return pagedResult(ctx, pull.files.slice(0, 3000), (f) => renderPullFile(repo, pull, f, ctx.urls));
    },
  },
  {
    method: 'GET',
    template: `${P}/commits`,
    docs: '/rest/pulls/pulls#list-commits-on-a-pull-request',
    handler: (ctx) => {
      const { repo, pull } = requirePull(ctx);
      // "Lists a maximum of 250 commits for a pull request."
      return pagedResult(ctx, pull.commits.slice(0, 250), (c) => renderPullCommit(ctx.sim.state, repo, c, ctx.urls));
    },
  },
  {
    method: 'GET',
    template: `${P}/reviews`,
    docs: '/rest/pulls/reviews#list-reviews-for-a-pull-request',
    handler: (ctx) => {
      const { repo, pull } = requirePull(ctx);
      const reviews = pull.reviews.filter((r) => r.state !== 'PENDING' || r.userId === ctx.viewer?.id);
      return pagedResult(ctx, reviews, (r) => renderReview(ctx.sim.state, repo, pull, r, ctx.urls));
    },
  },
  {
    method: 'GET',
    template: `${P}/requested_reviewers`,
    docs: '/rest/pulls/review-requests#get-all-requested-reviewers-for-a-pull-request',
    handler: (ctx) => {
      const { repo, pull } = requirePull(ctx);
      return { status: 200, body: renderRequestedReviewers(ctx.sim.state, repo, pull, ctx.urls) };
    },
  },
  {
    method: 'POST',
    template: `${P}/requested_reviewers`,
    docs: '/rest/pulls/review-requests#request-reviewers-for-a-pull-request',
    handler: requestReviewers,
  },
  {
    method: 'DELETE',
    template: `${P}/requested_reviewers`,
    docs: '/rest/pulls/review-requests#remove-requested-reviewers-from-a-pull-request',
    handler: removeReviewers,
  },
];
