/**
 * GitHub's JSON for users, organizations, teams and apps. Exported for reuse
 * by any REST route; GraphQL reuses the model data, not these shapes.
 */
import type { SimApp, SimOrg, SimPermission, SimState, SimTeam, SimUser } from '../model.js';
import { findOrg, findUser, permissionFlags, teamPermissionName } from '../access.js';
import type { Urls } from './urls.js';

/** Users and orgs carry no creation date in the model; GitHub requires one. */
const ACCOUNT_CREATED_AT = '2020-01-01T00:00:00Z';

function accountUrls(login: string, id: number, urls: Urls) {
  const u = urls.user(login);
  return {
    login,
    id,
    avatar_url: urls.avatar(id),
    // Empty string rather than null: restriction-policy user objects declare it a non-null string.
    gravatar_id: '',
    url: u,
    html_url: urls.userHtml(login),
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
  };
}

/** `simple-user` */
export function renderSimpleUser(user: SimUser, urls: Urls) {
  const { login, id, ...rest } = accountUrls(user.login, user.id, urls);
  return { login, id, node_id: user.nodeId, ...rest, type: user.type, user_view_type: 'public', site_admin: false };
}

/** An organization in `simple-user` form (repository `owner`, app `owner`). */
export function renderOrgAsUser(org: SimOrg, urls: Urls) {
  const { login, id, ...rest } = accountUrls(org.login, org.id, urls);
  return { login, id, node_id: org.nodeId, ...rest, type: 'Organization', user_view_type: 'public', site_admin: false };
}

/** The owner of a repository (org or user) in `simple-user` form. */
export function renderOwner(state: SimState, login: string, urls: Urls) {
  const org = findOrg(state, login);
  if (org) return renderOrgAsUser(org, urls);
  const user = findUser(state, login);
  if (user) return renderSimpleUser(user, urls);
  // A fork's upstream owner may be outside the fixture: render a placeholder account.
  const { login: l, id, ...rest } = accountUrls(login, 0, urls);
  return { login: l, id, node_id: '', ...rest, type: 'User', user_view_type: 'public', site_admin: false };
}

/** `private-user` (GET /user). */
export function renderPrivateUser(state: SimState, user: SimUser, urls: Urls) {
  const publicRepos = state.repos.filter((r) => r.owner === user.login && r.visibility === 'public').length;
  const privateRepos = state.repos.filter((r) => r.owner === user.login && r.visibility !== 'public').length;
  return {
    ...renderSimpleUser(user, urls),
    name: user.name,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: user.persona,
    twitter_username: null,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: ACCOUNT_CREATED_AT,
    updated_at: ACCOUNT_CREATED_AT,
    private_gists: 0,
    total_private_repos: privateRepos,
    owned_private_repos: privateRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 },
  };
}

/** `public-user` (GET /users/{username} for anyone but the viewer). */
export function renderPublicUser(state: SimState, user: SimUser, urls: Urls) {
  const {
    private_gists: _pg,
    total_private_repos: _tp,
    owned_private_repos: _op,
    disk_usage: _du,
    collaborators: _c,
    two_factor_authentication: _tfa,
    plan: _plan,
    ...rest
  } = renderPrivateUser(state, user, urls);
  const publicRepos = state.repos.filter((r) => r.owner === user.login && r.visibility === 'public').length;
  return { ...rest, public_repos: publicRepos };
}

/** `organization-simple` */
export function renderOrgSimple(org: SimOrg, urls: Urls) {
  const u = urls.org(org.login);
  return {
    login: org.login,
    id: org.id,
    node_id: org.nodeId,
    url: u,
    repos_url: `${u}/repos`,
    events_url: `${u}/events`,
    hooks_url: `${u}/hooks`,
    issues_url: `${u}/issues`,
    members_url: `${u}/members{/member}`,
    public_members_url: `${u}/public_members{/member}`,
    avatar_url: urls.avatar(org.id),
    description: null as string | null,
  };
}

/** `team-organization` (inside team-full) */
export function renderTeamOrganization(state: SimState, org: SimOrg, urls: Urls) {
  const publicRepos = state.repos.filter((r) => r.owner === org.login && r.visibility === 'public').length;
  return {
    ...renderOrgSimple(org, urls),
    name: org.name,
    html_url: urls.userHtml(org.login),
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    type: 'Organization',
    created_at: ACCOUNT_CREATED_AT,
    updated_at: ACCOUNT_CREATED_AT,
    archived_at: null,
  };
}

/**
 * `organization-full`. Plan and member-only fields are shown to members, as
 * GitHub shows them only to members/owners.
 */
export function renderOrgFull(state: SimState, org: SimOrg, urls: Urls, viewerIsMember: boolean) {
  const repos = state.repos.filter((r) => r.owner === org.login);
  const privateCount = repos.filter((r) => r.visibility !== 'public').length;
  const base = {
    ...renderTeamOrganization(state, org, urls),
    is_verified: false,
    twitter_username: null,
  };
  if (!viewerIsMember) return base;
  return {
    ...base,
    total_private_repos: privateCount,
    owned_private_repos: privateCount,
    private_gists: 0,
    disk_usage: 0,
    collaborators: 0,
    billing_email: null,
    plan: { name: org.plan, space: 976562499, private_repos: 999999, filled_seats: Object.keys(org.members).length, seats: 50 },
    default_repository_permission: org.defaultRepositoryPermission,
    members_can_create_repositories: true,
    two_factor_requirement_enabled: true,
    members_allowed_repository_creation_type: 'all',
    members_can_create_public_repositories: true,
    members_can_create_private_repositories: true,
    members_can_create_internal_repositories: false,
    members_can_create_pages: true,
    members_can_fork_private_repositories: false,
    web_commit_signoff_required: false,
  };
}

/**
 * `team` (and the subset `team-simple`). `permission` is the team's permission
 * on a repository when rendered in a repository context, else `pull`.
 */
export function renderTeam(org: SimOrg, team: SimTeam, urls: Urls, permission: SimPermission = 'read') {
  const u = urls.team(org.id, team.id);
  return {
    id: team.id,
    node_id: team.nodeId,
    name: team.name,
    slug: team.slug,
    description: null as string | null,
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    permission: teamPermissionName(permission),
    permissions: permissionFlags(permission),
    url: u,
    html_url: urls.teamHtml(org.login, team.slug),
    members_url: `${u}/members{/member}`,
    repositories_url: `${u}/repos`,
    type: 'organization',
    organization_id: org.id,
    parent: null,
  };
}

/** `team-full` */
export function renderTeamFull(state: SimState, org: SimOrg, team: SimTeam, urls: Urls) {
  const { permissions: _unused, ...t } = renderTeam(org, team, urls);
  void _unused;
  const reposCount = state.repos.filter((r) => r.owner === org.login && r.teams[team.slug] !== undefined).length;
  return {
    ...t,
    members_count: Object.keys(team.members).length,
    repos_count: reposCount,
    created_at: ACCOUNT_CREATED_AT,
    updated_at: ACCOUNT_CREATED_AT,
    organization: renderTeamOrganization(state, org, urls),
  };
}

/** `integration` (GitHub App). Apps in the fixture are owned by the first organization. */
export function renderApp(state: SimState, app: SimApp, urls: Urls) {
  const ownerOrg = state.orgs[0];
  const owner = ownerOrg ? renderOrgAsUser(ownerOrg, urls) : renderOwner(state, 'sandbox', urls);
  return {
    id: app.id,
    slug: app.slug,
    node_id: app.nodeId,
    client_id: `Iv1.${app.id.toString(16).padStart(16, '0')}`,
    owner,
    name: app.name,
    description: `${app.name} (sandbox app)`,
    external_url: urls.app(app.slug),
    html_url: urls.app(app.slug),
    created_at: ACCOUNT_CREATED_AT,
    updated_at: ACCOUNT_CREATED_AT,
    permissions: { metadata: 'read', contents: 'read', checks: 'write', statuses: 'write' },
    events: ['pull_request', 'push', 'check_run', 'status'],
  };
}
