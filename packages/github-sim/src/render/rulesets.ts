/**
 * Ruleset JSON (`repository-ruleset`, list summaries, `repository-rule-detailed`).
 * Rulesets are stored in REST shape, so rendering adds links and viewer-specific
 * fields only.
 */
import type { SimRepo, SimRuleset, SimState, SimUser } from '../model.js';
import { atLeast, findOrg, findRepo, findTeamById, isOrgOwner, permissionOf, teamSlugsOf } from '../access.js';
import type { Urls } from './urls.js';

function links(ruleset: SimRuleset, urls: Urls) {
  if (ruleset.source_type === 'Organization') {
    return {
      self: { href: `${urls.org(ruleset.source)}/rulesets/${ruleset.id}` },
      html: { href: `${urls.web}/organizations/${ruleset.source}/settings/rules/${ruleset.id}` },
    };
  }
  const [owner = '', name = ''] = ruleset.source.split('/');
  return {
    self: { href: `${urls.repo(owner, name)}/rulesets/${ruleset.id}` },
    html: { href: `${urls.repoHtml(owner, name)}/rules/${ruleset.id}` },
  };
}

/** Built-in repository role ids GitHub uses for `RepositoryRole` bypass actors. */
const REPOSITORY_ROLE_IDS: Record<number, 'maintain' | 'write' | 'admin'> = { 2: 'maintain', 4: 'write', 5: 'admin' };

/** Can the viewer edit (and so see the bypass list of) this ruleset? */
export function canEditRuleset(state: SimState, viewer: SimUser | null, ruleset: SimRuleset): boolean {
  if (!viewer) return false;
  if (ruleset.source_type === 'Organization') {
    const org = findOrg(state, ruleset.source);
    return org !== undefined && isOrgOwner(org, viewer);
  }
  const [owner = '', name = ''] = ruleset.source.split('/');
  const repo = findRepo(state, owner, name);
  return repo !== undefined && permissionOf(state, viewer, repo) === 'admin';
}

/** `current_user_can_bypass` for the viewer, evaluated against `repo` (the repository in context). */
export function viewerBypass(
  state: SimState,
  viewer: SimUser | null,
  ruleset: SimRuleset,
  repo: SimRepo | null,
): 'always' | 'pull_requests_only' | 'never' | 'exempt' {
  if (!viewer) return 'never';
  const orgLogin = ruleset.source_type === 'Organization' ? ruleset.source : (repo?.owner ?? '');
  const org = findOrg(state, orgLogin);
  const perm = repo ? permissionOf(state, viewer, repo) : null;
  for (const actor of ruleset.bypass_actors) {
    let matches = false;
    if (actor.actor_type === 'User') matches = actor.actor_id === viewer.id;
    else if (actor.actor_type === 'OrganizationAdmin') matches = org !== undefined && isOrgOwner(org, viewer);
    else if (actor.actor_type === 'Team' && actor.actor_id !== null && org) {
      const team = findTeamById(state, actor.actor_id);
      matches = team !== undefined && teamSlugsOf(state, org, viewer.login).has(team.team.slug);
    } else if (actor.actor_type === 'RepositoryRole' && actor.actor_id !== null) {
      const role = REPOSITORY_ROLE_IDS[actor.actor_id];
      matches = role !== undefined && atLeast(perm, role);
    }
    if (matches) {
      if (actor.bypass_mode === 'pull_request') return 'pull_requests_only';
      if (actor.bypass_mode === 'exempt') return 'exempt';
      return 'always';
    }
  }
  return 'never';
}

/** Full ruleset (GET/POST/PUT responses). */
export function renderRuleset(state: SimState, ruleset: SimRuleset, urls: Urls, viewer: SimUser | null, repo: SimRepo | null) {
  const out: Record<string, unknown> = {
    id: ruleset.id,
    name: ruleset.name,
    target: ruleset.target,
    source_type: ruleset.source_type,
    source: ruleset.source,
    enforcement: ruleset.enforcement,
  };
  // "bypass_actors … only returned if the user … has write access to the ruleset" (GITHUB-API.md §2).
  if (canEditRuleset(state, viewer, ruleset)) out['bypass_actors'] = ruleset.bypass_actors.map((a) => ({ ...a }));
  out['current_user_can_bypass'] = viewerBypass(state, viewer, ruleset, repo);
  out['node_id'] = ruleset.node_id;
  out['_links'] = links(ruleset, urls);
  if (ruleset.conditions) out['conditions'] = structuredClone(ruleset.conditions);
  out['rules'] = structuredClone(ruleset.rules);
  out['created_at'] = ruleset.created_at;
  out['updated_at'] = ruleset.updated_at;
  return out;
}

/** List item: GitHub's lists carry summaries without conditions/rules (GITHUB-API.md §2). */
export function renderRulesetSummary(ruleset: SimRuleset, urls: Urls) {
  return {
    id: ruleset.id,
    name: ruleset.name,
    target: ruleset.target,
    source_type: ruleset.source_type,
    source: ruleset.source,
    enforcement: ruleset.enforcement,
    node_id: ruleset.node_id,
    _links: links(ruleset, urls),
    created_at: ruleset.created_at,
    updated_at: ruleset.updated_at,
  };
}

/** `repository-rule-detailed` */
export function renderDetailedRule(rule: SimRuleset['rules'][number], ruleset: SimRuleset) {
  return {
    ...structuredClone(rule),
    ruleset_source_type: ruleset.source_type,
    ruleset_source: ruleset.source,
    ruleset_id: ruleset.id,
  };
}
