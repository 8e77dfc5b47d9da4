/** Teams and team memberships (read-only: teams come from the fixture). */
import { findTeam, findUser, isOrgMember } from '../access.js';
import { forbidden, notFound, pagedResult, type RequestContext, type RouteDef } from '../http.js';
import { renderSimpleUser, renderTeam, renderTeamFull } from '../render/actors.js';
import { requireOrg } from './common.js';

function requireTeam(ctx: RequestContext) {
  const org = requireOrg(ctx);
  // Teams of an organization are visible to its members only (secret/closed teams alike here).
  if (!isOrgMember(org, ctx.viewer)) throw notFound();
  const team = findTeam(org, ctx.params['team_slug'] ?? '');
  if (!team) throw notFound();
  return { org, team };
}

export const teamRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/orgs/{org}/teams',
    docs: '/rest/teams/teams#list-teams',
    handler: (ctx) => {
      const org = requireOrg(ctx);
      // UNCONFIRMED wording; the spec documents 403 for this endpoint.
      if (!isOrgMember(org, ctx.viewer)) throw forbidden(`You must be a member of ${org.login} to list its teams.`);
      const teams = [...org.teams].sort((a, b) => a.name.localeCompare(b.name));
      return pagedResult(ctx, teams, (t) => renderTeam(org, t, ctx.urls));
    },
  },
  {
    method: 'GET',
    template: '/orgs/{org}/teams/{team_slug}',
    docs: '/rest/teams/teams#get-a-team-by-name',
    handler: (ctx) => {
      const { org, team } = requireTeam(ctx);
      return { status: 200, body: renderTeamFull(ctx.sim.state, org, team, ctx.urls) };
    },
  },
  {
    method: 'GET',
    template: '/orgs/{org}/teams/{team_slug}/members',
    docs: '/rest/teams/members#list-team-members',
    handler: (ctx) => {
      const { team } = requireTeam(ctx);
      const role = ctx.query.get('role') ?? 'all';
      const users = Object.entries(team.members)
        .filter(([, r]) => role === 'all' || r === role)
        .flatMap(([login]) => {
          const u = findUser(ctx.sim.state, login);
          return u ? [u] : [];
        })
        .sort((a, b) => a.id - b.id);
      return pagedResult(ctx, users, (u) => renderSimpleUser(u, ctx.urls));
    },
  },
  {
    method: 'GET',
    template: '/orgs/{org}/teams/{team_slug}/memberships/{username}',
    docs: '/rest/teams/members#get-team-membership-for-a-user',
    handler: (ctx) => {
      const { org, team } = requireTeam(ctx);
      const user = findUser(ctx.sim.state, ctx.params['username'] ?? '');
      const role = user ? team.members[user.login] : undefined;
      if (!user || !role) throw notFound();
      return {
        status: 200,
        body: { url: `${ctx.urls.team(org.id, team.id)}/memberships/${user.login}`, role, state: 'active' },
      };
    },
  },
];
