/**
 * Organizations, their repository listing and memberships, and the viewer.
 */
import type { SimRepo, SimState } from '../model.js';
import { findApp, findUser, isOrgMember, isOrgOwner, permissionOf, reposOf } from '../access.js';
import { indexOf } from '../state-index.js';
import { ApiError, notFound, pagedResult, type RouteDef, type RequestContext } from '../http.js';
import {
  renderApp,
  renderOrgAsUser,
  renderOrgFull,
  renderOrgSimple,
  renderPrivateUser,
  renderPublicUser,
  renderSimpleUser,
} from '../render/actors.js';
import { renderMinimalRepo } from '../render/repos.js';
import { requireOrg } from './common.js';

type SortKey = 'created' | 'updated' | 'pushed' | 'full_name';

/** Repos of an org in the requested order, memoised until the next state change (10k-repo orgs). */
function sortedRepos(state: SimState, owner: string, sort: SortKey, direction: 'asc' | 'desc'): readonly SimRepo[] {
  const index = indexOf(state);
  const key = `org-repos:${owner.toLowerCase()}:${sort}:${direction}`;
  const memo = index.memo.get(key) as readonly SimRepo[] | undefined;
  if (memo) return memo;
  const field = (r: SimRepo): string =>
    sort === 'full_name'
      ? `${r.owner}/${r.name}`.toLowerCase()
      : sort === 'updated'
        ? r.updatedAt
        : sort === 'pushed'
          ? (r.pushedAt ?? '')
          : r.createdAt;
  const sorted = [...reposOf(state, owner)].sort((a, b) => {
    const fa = field(a);
    const fb = field(b);
    const c = fa < fb ? -1 : fa > fb ? 1 : a.id - b.id;
    return direction === 'asc' ? c : -c;
  });
  index.memo.set(key, sorted);
  return sorted;
}

/**
 * GET /orgs/{org}/installations: "The authenticated user must be an organization
 * owner". Non-members get 404 (GitHub hides organizations' settings); members who
 * are not owners 403 (UNCONFIRMED wording).
 */
function listInstallations(ctx: RequestContext) {
  const org = requireOrg(ctx);
  if (!isOrgMember(org, ctx.viewer)) throw notFound();
  if (!isOrgOwner(org, ctx.viewer)) throw new ApiError(403, 'You must be an organization owner to list app installations.');
  const state = ctx.sim.state;
  const installations = (org.installations ?? []).flatMap((inst) => {
    const app = findApp(state, inst.appId);
    if (!app) return [];
    return [
      {
        id: inst.id,
        account: renderOrgAsUser(org, ctx.urls),
        repository_selection: inst.repositorySelection,
        access_tokens_url: `${ctx.urls.api}/app/installations/${inst.id}/access_tokens`,
        repositories_url: `${ctx.urls.api}/installation/repositories`,
        html_url: `${ctx.urls.web}/organizations/${org.login}/settings/installations/${inst.id}`,
        app_id: app.id,
        app_slug: app.slug,
        target_id: org.id,
        target_type: 'Organization',
        permissions: { statuses: 'write', checks: 'write', metadata: 'read' },
        events: ['check_run', 'pull_request'],
        created_at: inst.createdAt,
        updated_at: inst.createdAt,
        single_file_name: null,
        suspended_by: null,
        suspended_at: null,
      },
    ];
  });
  const all = pagedResult(ctx, installations, (i) => i);
  return { ...all, body: { total_count: installations.length, installations: all.body } };
}

function listOrgRepos(ctx: RequestContext) {
  const org = requireOrg(ctx);
  const state = ctx.sim.state;
  const type = ctx.query.get('type') ?? 'all';
  if (!['all', 'public', 'private', 'forks', 'sources', 'member'].includes(type)) {
    throw new ApiError(422, 'Validation Failed', {
      errors: [
        { resource: 'Search', field: 'type', code: 'invalid', message: `type must be one of all, public, private, forks, sources, member` },
      ],
    });
  }
  const sortParam = ctx.query.get('sort') ?? 'created';
  const sort: SortKey = (['created', 'updated', 'pushed', 'full_name'] as const).find((s) => s === sortParam) ?? 'created';
  const dirParam = ctx.query.get('direction');
  const direction = dirParam === 'asc' || dirParam === 'desc' ? dirParam : sort === 'full_name' ? 'asc' : 'desc';
  const visible: { repo: SimRepo; permission: ReturnType<typeof permissionOf> }[] = [];
  for (const repo of sortedRepos(state, org.login, sort, direction)) {
    const permission = permissionOf(state, ctx.viewer, repo);
    if (permission === null) continue;
    if (type === 'public' && repo.visibility !== 'public') continue;
    if (type === 'private' && repo.visibility === 'public') continue;
    if (type === 'forks' && !repo.fork) continue;
    if (type === 'sources' && repo.fork) continue;
    visible.push({ repo, permission });
  }
  // Anonymous callers get no `permissions` object, as on GitHub.
  return pagedResult(ctx, visible, ({ repo, permission }) => renderMinimalRepo(state, repo, ctx.urls, ctx.viewer ? permission : null));
}

function listMembers(ctx: RequestContext) {
  const org = requireOrg(ctx);
  // Non-members only see public members; the model has no public membership, so none.
  if (!isOrgMember(org, ctx.viewer)) return { status: 200, body: [] };
  const role = ctx.query.get('role') ?? 'all';
  const logins = Object.entries(org.members)
    .filter(([, r]) => role === 'all' || r === role)
    .map(([login]) => login);
  const users = logins.flatMap((l) => {
    const u = findUser(ctx.sim.state, l);
    return u ? [u] : [];
  });
  users.sort((a, b) => a.id - b.id);
  return pagedResult(ctx, users, (u) => renderSimpleUser(u, ctx.urls));
}

function getMembership(ctx: RequestContext) {
  const org = requireOrg(ctx);
  const username = ctx.params['username'] ?? '';
  const user = findUser(ctx.sim.state, username);
  const self = ctx.viewer !== null && user !== undefined && ctx.viewer.id === user.id;
  if (!isOrgMember(org, ctx.viewer) && !self) throw notFound();
  const role = user ? org.members[user.login] : undefined;
  if (!user || !role) throw notFound();
  return {
    status: 200,
    body: {
      url: `${ctx.urls.org(org.login)}/memberships/${user.login}`,
      state: 'active',
      role,
      direct_membership: true,
      organization_url: ctx.urls.org(org.login),
      organization: renderOrgSimple(org, ctx.urls),
      user: renderSimpleUser(user, ctx.urls),
      permissions: { can_create_repository: true },
    },
  };
}

export const orgRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/user',
    docs: '/rest/users/users#get-the-authenticated-user',
    handler: (ctx) => {
      if (!ctx.viewer) throw new ApiError(401, 'Requires authentication');
      return { status: 200, body: renderPrivateUser(ctx.sim.state, ctx.viewer, ctx.urls) };
    },
  },
  {
    method: 'GET',
    template: '/users/{username}',
    docs: '/rest/users/users#get-a-user',
    handler: (ctx) => {
      const user = findUser(ctx.sim.state, ctx.params['username'] ?? '');
      if (!user) throw notFound();
      // GitHub answers the viewer's own login with the private-user shape.
      const body =
        ctx.viewer?.id === user.id ? renderPrivateUser(ctx.sim.state, user, ctx.urls) : renderPublicUser(ctx.sim.state, user, ctx.urls);
      return { status: 200, body };
    },
  },
  {
    method: 'GET',
    template: '/apps/{app_slug}',
    docs: '/rest/apps/apps#get-an-app',
    handler: (ctx) => {
      const slug = (ctx.params['app_slug'] ?? '').toLowerCase();
      const app = ctx.sim.state.apps.find((a) => a.slug.toLowerCase() === slug);
      if (!app) throw notFound();
      return { status: 200, body: renderApp(ctx.sim.state, app, ctx.urls) };
    },
  },
  {
    method: 'GET',
    template: '/rate_limit',
    docs: '/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user',
    handler: (ctx) => {
      const pools = ctx.rateLimits();
      const view = (p: (typeof pools)['core']) => ({ limit: p.limit, used: p.used, remaining: p.remaining, reset: p.reset });
      return {
        status: 200,
        body: {
          resources: { core: view(pools.core), graphql: view(pools.graphql), search: view(pools.search) },
          rate: view(pools.core),
        },
      };
    },
  },
  {
    method: 'GET',
    template: '/orgs/{org}',
    docs: '/rest/orgs/orgs#get-an-organization',
    handler: (ctx) => {
      const org = requireOrg(ctx);
      return { status: 200, body: renderOrgFull(ctx.sim.state, org, ctx.urls, isOrgMember(org, ctx.viewer)) };
    },
  },
  { method: 'GET', template: '/orgs/{org}/repos', docs: '/rest/repos/repos#list-organization-repositories', handler: listOrgRepos },
  {
    method: 'GET',
    template: '/orgs/{org}/installations',
    docs: '/rest/orgs/orgs#list-app-installations-for-an-organization',
    handler: listInstallations,
  },
  { method: 'GET', template: '/orgs/{org}/members', docs: '/rest/orgs/members#list-organization-members', handler: listMembers },
  {
    method: 'GET',
    template: '/orgs/{org}/memberships/{username}',
    docs: '/rest/orgs/members#get-organization-membership-for-a-user',
    handler: getMembership,
  },
];
