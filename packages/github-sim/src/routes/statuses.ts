/** Commit statuses (GITHUB-API.md §4): post needs push access; reads need read access. */
import type { SimRepo, SimStatus } from '../model.js';
import { ApiError, bodyObject, invalidRequest, notFound, paginate, pagedResult, type RequestContext, type RouteDef } from '../http.js';
import { latestPerContext, renderCombinedStatus, renderStatus } from '../render/statuses.js';
import { assertWritable, requireRepo, rubyInspect } from './common.js';

const STATES = ['error', 'failure', 'pending', 'success'];
const MAX_PER_CONTEXT = 1000;

/** Shas the repository knows: branch heads and pull request heads/commits. */
function knownSha(repo: SimRepo, sha: string): boolean {
  if (Object.values(repo.branches).includes(sha)) return true;
  if (repo.statuses[sha]) return true;
  return repo.pulls.some((p) => p.headSha === sha || p.commits.some((c) => c.sha === sha));
}

/** A branch name, `refs/heads/…`, or a sha the repository knows. */
function resolveRef(repo: SimRepo, ref: string): string {
  const name = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
  const head = repo.branches[name];
  if (head !== undefined) return head;
  if (knownSha(repo, ref)) return ref;
  // UNCONFIRMED wording for an unknown ref.
  throw new ApiError(404, `No commit found for SHA: ${ref}`);
}

function createStatus(ctx: RequestContext) {
  const { repo } = requireRepo(ctx, { min: 'write', denied: () => notFound() });
  assertWritable(repo);
  const sha = ctx.params['sha'] ?? '';
  const body = bodyObject(ctx);
  const state = body['state'];
  if (state === undefined) throw invalidRequest(`"state" wasn't supplied.`);
  if (typeof state !== 'string' || !STATES.includes(state)) {
    throw invalidRequest(`For 'properties/state', ${rubyInspect(state)} is not a member of ${rubyInspect(STATES)}.`);
  }
  const context = typeof body['context'] === 'string' && body['context'] !== '' ? body['context'] : 'default';
  if (!knownSha(repo, sha)) {
    throw new ApiError(422, 'Validation Failed', {
      errors: [{ resource: 'Status', field: 'sha', code: 'invalid', message: `No commit found for SHA: ${sha}` }],
    });
  }
  const list = (repo.statuses[sha] ??= []);
  if (list.filter((s) => s.context.toLowerCase() === context.toLowerCase()).length >= MAX_PER_CONTEXT) {
    throw new ApiError(422, 'Validation Failed', {
      errors: [{ resource: 'Status', code: 'custom', message: 'This SHA and context has reached the maximum number of statuses.' }],
    });
  }
  const id = ctx.sim.allocateId();
  const now = ctx.sim.timestamp();
  const status: SimStatus = {
    id,
    nodeId: `SC_${Buffer.from(`sandbox:StatusContext:${id}`).toString('base64url')}`,
    state: state as SimStatus['state'],
    context,
    description: typeof body['description'] === 'string' ? body['description'] : null,
    targetUrl: typeof body['target_url'] === 'string' ? body['target_url'] : null,
    creatorId: ctx.viewer?.id ?? 0,
    createdAt: now,
    updatedAt: now,
  };
  list.push(status);
  ctx.sim.markDirty();
  return {
    status: 201,
    body: renderStatus(ctx.sim.state, repo, sha, status, ctx.urls),
    headers: { location: `${ctx.urls.repo(repo.owner, repo.name)}/statuses/${sha}` },
  };
}

export const statusRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/statuses/{sha}',
    docs: '/rest/commits/statuses#create-a-commit-status',
    handler: createStatus,
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/commits/{ref}/statuses',
    docs: '/rest/commits/statuses#list-commit-statuses-for-a-reference',
    handler: (ctx) => {
      const { repo } = requireRepo(ctx);
      const sha = resolveRef(repo, ctx.params['ref'] ?? '');
      // Newest first, as GitHub lists them.
      const statuses = [...(repo.statuses[sha] ?? [])].reverse();
      return pagedResult(ctx, statuses, (s) => renderStatus(ctx.sim.state, repo, sha, s, ctx.urls));
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/commits/{ref}/status',
    docs: '/rest/commits/statuses#get-the-combined-status-for-a-specific-reference',
    handler: (ctx) => {
      const { repo } = requireRepo(ctx);
      const sha = resolveRef(repo, ctx.params['ref'] ?? '');
      const latest = latestPerContext(repo.statuses[sha] ?? []);
      const { page, headers } = paginate(ctx, latest, 100, 100);
      return { status: 200, body: renderCombinedStatus(ctx.sim.state, repo, sha, page, latest, ctx.urls), headers };
    },
  },
];
