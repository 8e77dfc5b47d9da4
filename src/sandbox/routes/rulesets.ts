/**
 * Repository and organization rulesets, and the rules that apply to a
 * branch (GITHUB-API.md §2). Rulesets are readable with read access (org
 * rulesets: by members); writes need repository admin / org owner and answer
 * 404 otherwise (the spec documents no 403 for them).
 */
import type { SimRepo, SimRuleset } from '../model.js';
import { isOrgMember, isOrgOwner } from '../access.js';
import { ApiError, bodyObject, forbidden, notFound, pagedResult, queryFlag, validationFailed, type RequestContext, type RouteDef } from '../http.js';
import { renderDetailedRule, renderRuleset, renderRulesetSummary } from '../render/rulesets.js';
import { activeRulesForBranch, rulesetsForRepo } from '../rules-engine.js';
import { ORG_RULESETS_UPGRADE_MESSAGE, assertProtectionPlan, assertWritable, requireOrg, requireRepo, rubyInspect } from './common.js';

/** "75 per repo + 75 org-wide" (GITHUB-API.md §2); the error wording is UNCONFIRMED. */
const MAX_RULESETS = 75;
const ENFORCEMENTS = ['disabled', 'active', 'evaluate'];
const ACTOR_TYPES = ['Integration', 'OrganizationAdmin', 'RepositoryRole', 'Team', 'DeployKey', 'User'];
const BYPASS_MODES = ['always', 'pull_request', 'exempt'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(path: string, v: unknown, what: string): ApiError {
  return new ApiError(422, `Invalid request.\n\nFor 'properties/${path}', ${rubyInspect(v)} is not ${what}.`);
}

/** Applies a POST/PUT body onto `target` (PUT: only the keys present change). */
function applyRulesetBody(ctx: RequestContext, target: SimRuleset, creating: boolean, siblings: readonly SimRuleset[]): void {
  const body = bodyObject(ctx);
  const org = target.source_type === 'Organization';
  if (creating) {
    if (!('name' in body)) throw new ApiError(422, 'Invalid request.\n\n"name" wasn\'t supplied.');
    if (!('enforcement' in body)) throw new ApiError(422, 'Invalid request.\n\n"enforcement" wasn\'t supplied.');
  }
  if (body['name'] !== undefined) {
    if (typeof body['name'] !== 'string' || body['name'].trim() === '') throw invalid('name', body['name'], 'a non-empty string');
    const name = body['name'];
    if (siblings.some((s) => s.id !== target.id && s.name.toLowerCase() === name.toLowerCase())) {
      throw validationFailed([{ resource: 'Ruleset', field: 'name', code: 'already_exists', message: 'Name must be unique' }]);
    }
    target.name = name;
  }
  if (body['enforcement'] !== undefined) {
    if (typeof body['enforcement'] !== 'string' || !ENFORCEMENTS.includes(body['enforcement'])) {
      throw invalid('enforcement', body['enforcement'], `a member of ${rubyInspect(ENFORCEMENTS)}`);
    }
    target.enforcement = body['enforcement'] as SimRuleset['enforcement'];
  }
  if (body['target'] !== undefined) {
    const targets = org ? ['branch', 'tag', 'push', 'repository'] : ['branch', 'tag', 'push'];
    if (typeof body['target'] !== 'string' || !targets.includes(body['target'])) throw invalid('target', body['target'], `a member of ${rubyInspect(targets)}`);
    target.target = body['target'] as SimRuleset['target'];
  }
  if (body['bypass_actors'] !== undefined) {
    const actors = body['bypass_actors'];
    if (!Array.isArray(actors)) throw invalid('bypass_actors', actors, 'an array');
    target.bypass_actors = actors.map((a: unknown) => {
      if (!isObject(a) || typeof a['actor_type'] !== 'string' || !ACTOR_TYPES.includes(a['actor_type'])) {
        throw invalid('bypass_actors/items', a, 'a bypass actor');
      }
      const mode = a['bypass_mode'] ?? 'always';
      if (typeof mode !== 'string' || !BYPASS_MODES.includes(mode)) throw invalid('bypass_mode', mode, `a member of ${rubyInspect(BYPASS_MODES)}`);
      const id = a['actor_id'];
      if (id !== undefined && id !== null && (typeof id !== 'number' || !Number.isInteger(id))) throw invalid('actor_id', id, 'an integer or null');
      return { actor_id: (id as number | null | undefined) ?? null, actor_type: a['actor_type'], bypass_mode: mode };
    });
  }
  if (body['conditions'] !== undefined) {
    const c = body['conditions'];
    if (c !== null && !isObject(c)) throw invalid('conditions', c, 'an object');
    target.conditions = c === null ? null : structuredClone(c);
  }
  if (body['rules'] !== undefined) {
    const rules = body['rules'];
    if (!Array.isArray(rules)) throw invalid('rules', rules, 'an array');
    target.rules = rules.map((r: unknown) => {
      if (!isObject(r) || typeof r['type'] !== 'string') throw invalid('rules/items', r, 'a rule');
      if (r['parameters'] !== undefined && !isObject(r['parameters'])) throw invalid('parameters', r['parameters'], 'an object');
      return r['parameters'] === undefined ? { type: r['type'] } : { type: r['type'], parameters: structuredClone(r['parameters']) };
    });
  }
  if (org && target.target !== 'push') {
    const keys = Object.keys(target.conditions ?? {}).filter((k) => k.startsWith('repository_'));
    if (keys.length !== 1) {
      // UNCONFIRMED wording: org conditions need exactly one repository_* target (spec oneOf).
      throw validationFailed([{ resource: 'Ruleset', field: 'conditions', code: 'invalid', message: 'Conditions must target repositories by exactly one of repository_name, repository_id or repository_property' }]);
    }
  }
  target.updated_at = ctx.sim.timestamp();
}

function newRuleset(ctx: RequestContext, source: SimRuleset['source_type'], sourceName: string): SimRuleset {
  const id = ctx.sim.allocateId();
  const now = ctx.sim.timestamp();
  return {
    id,
    node_id: `RRS_${Buffer.from(`sandbox:RepositoryRuleset:${id}`).toString('base64url')}`,
    name: '',
    target: 'branch',
    source_type: source,
    source: sourceName,
    enforcement: 'disabled',
    bypass_actors: [],
    conditions: null,
    rules: [],
    created_at: now,
    updated_at: now,
  };
}

function targetsFilter(ctx: RequestContext): ((r: SimRuleset) => boolean) {
  const raw = ctx.query.get('targets');
  if (!raw) return () => true;
  const wanted = new Set(raw.split(',').map((s) => s.trim()));
  return (r) => wanted.has(r.target);
}

function repoRulesetAccess(ctx: RequestContext, write: boolean): SimRepo {
  const { repo } = requireRepo(ctx, write ? { min: 'admin' } : {});
  if (write) assertWritable(repo);
  assertProtectionPlan(ctx, repo);
  return repo;
}

function findRepoRuleset(ctx: RequestContext, repo: SimRepo, includeParents: boolean): SimRuleset {
  const id = Number(ctx.params['ruleset_id']);
  const rs = rulesetsForRepo(ctx.sim.state, repo, includeParents).find((r) => r.id === id);
  if (!rs) throw notFound();
  return rs;
}

const repoRulesetRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/rulesets',
    docs: '/rest/repos/rules#get-all-repository-rulesets',
    handler: (ctx) => {
      const repo = repoRulesetAccess(ctx, false);
      const includeParents = queryFlag(ctx.query, 'includes_parents') ?? true;
      const list = rulesetsForRepo(ctx.sim.state, repo, includeParents).filter(targetsFilter(ctx));
      return pagedResult(ctx, list, (r) => renderRulesetSummary(r, ctx.urls));
    },
  },
  {
    method: 'POST',
    template: '/repos/{owner}/{repo}/rulesets',
    docs: '/rest/repos/rules#create-a-repository-ruleset',
    handler: (ctx) => {
      const repo = repoRulesetAccess(ctx, true);
      if (repo.rulesets.length >= MAX_RULESETS) throw validationFailed(['Maximum number of rulesets (75) reached for this repository'], 'Ruleset');
      const rs = newRuleset(ctx, 'Repository', `${repo.owner}/${repo.name}`);
      applyRulesetBody(ctx, rs, true, repo.rulesets);
      repo.rulesets.push(rs);
      ctx.sim.markDirty();
      return { status: 201, body: renderRuleset(ctx.sim.state, rs, ctx.urls, ctx.viewer, repo) };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/rulesets/{ruleset_id}',
    docs: '/rest/repos/rules#get-a-repository-ruleset',
    handler: (ctx) => {
      const repo = repoRulesetAccess(ctx, false);
      const rs = findRepoRuleset(ctx, repo, queryFlag(ctx.query, 'includes_parents') ?? true);
      return { status: 200, body: renderRuleset(ctx.sim.state, rs, ctx.urls, ctx.viewer, repo) };
    },
  },
  {
    method: 'PUT',
    template: '/repos/{owner}/{repo}/rulesets/{ruleset_id}',
    docs: '/rest/repos/rules#update-a-repository-ruleset',
    handler: (ctx) => {
      const repo = repoRulesetAccess(ctx, true);
      const rs = findRepoRuleset(ctx, repo, false);
      // Validate on a draft so a rejected body leaves the ruleset untouched.
      const draft = structuredClone(rs);
      applyRulesetBody(ctx, draft, false, repo.rulesets);
      Object.assign(rs, draft);
      ctx.sim.markDirty();
      return { status: 200, body: renderRuleset(ctx.sim.state, rs, ctx.urls, ctx.viewer, repo) };
    },
  },
  {
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/rulesets/{ruleset_id}',
    docs: '/rest/repos/rules#delete-a-repository-ruleset',
    handler: (ctx) => {
      const repo = repoRulesetAccess(ctx, true);
      const rs = findRepoRuleset(ctx, repo, false);
      repo.rulesets = repo.rulesets.filter((r) => r !== rs);
      ctx.sim.markDirty();
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/rules/branches/{branch}',
    docs: '/rest/repos/rules#get-rules-for-a-branch',
    handler: (ctx) => {
      const { repo } = requireRepo(ctx);
      // The branch need not exist (GITHUB-API.md §2).
      const rules = activeRulesForBranch(ctx.sim.state, repo, ctx.params['branch'] ?? '');
      return pagedResult(ctx, rules, ({ rule, ruleset }) => renderDetailedRule(rule, ruleset));
    },
  },
];

function orgRulesetAccess(ctx: RequestContext, write: boolean) {
  const org = requireOrg(ctx);
  if (write ? !isOrgOwner(org, ctx.viewer) : !isOrgMember(org, ctx.viewer)) throw notFound();
  if (org.plan === 'free') throw forbidden(ORG_RULESETS_UPGRADE_MESSAGE);
  return org;
}

function findOrgRuleset(ctx: RequestContext, rulesets: readonly SimRuleset[]): SimRuleset {
  const id = Number(ctx.params['ruleset_id']);
  const rs = rulesets.find((r) => r.id === id);
  if (!rs) throw notFound();
  return rs;
}

const orgRulesetRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/orgs/{org}/rulesets',
    docs: '/rest/orgs/rules#get-all-organization-repository-rulesets',
    handler: (ctx) => {
      const org = orgRulesetAccess(ctx, false);
      return pagedResult(ctx, org.rulesets.filter(targetsFilter(ctx)), (r) => renderRulesetSummary(r, ctx.urls));
    },
  },
  {
    method: 'POST',
    template: '/orgs/{org}/rulesets',
    docs: '/rest/orgs/rules#create-an-organization-repository-ruleset',
    handler: (ctx) => {
      const org = orgRulesetAccess(ctx, true);
      if (org.rulesets.length >= MAX_RULESETS) throw validationFailed(['Maximum number of rulesets (75) reached for this organization'], 'Ruleset');
      const rs = newRuleset(ctx, 'Organization', org.login);
      applyRulesetBody(ctx, rs, true, org.rulesets);
      org.rulesets.push(rs);
      ctx.sim.markDirty();
      return { status: 201, body: renderRuleset(ctx.sim.state, rs, ctx.urls, ctx.viewer, null) };
    },
  },
  {
    method: 'GET',
    template: '/orgs/{org}/rulesets/{ruleset_id}',
    docs: '/rest/orgs/rules#get-an-organization-repository-ruleset',
    handler: (ctx) => {
      const org = orgRulesetAccess(ctx, false);
      const rs = findOrgRuleset(ctx, org.rulesets);
      return { status: 200, body: renderRuleset(ctx.sim.state, rs, ctx.urls, ctx.viewer, null) };
    },
  },
  {
    method: 'PUT',
    template: '/orgs/{org}/rulesets/{ruleset_id}',
    docs: '/rest/orgs/rules#update-an-organization-repository-ruleset',
    handler: (ctx) => {
      const org = orgRulesetAccess(ctx, true);
      const rs = findOrgRuleset(ctx, org.rulesets);
      const draft = structuredClone(rs);
      applyRulesetBody(ctx, draft, false, org.rulesets);
      Object.assign(rs, draft);
      ctx.sim.markDirty();
      return { status: 200, body: renderRuleset(ctx.sim.state, rs, ctx.urls, ctx.viewer, null) };
    },
  },
  {
    method: 'DELETE',
    template: '/orgs/{org}/rulesets/{ruleset_id}',
    docs: '/rest/orgs/rules#delete-an-organization-repository-ruleset',
    handler: (ctx) => {
      const org = orgRulesetAccess(ctx, true);
      const rs = findOrgRuleset(ctx, org.rulesets);
      org.rulesets = org.rulesets.filter((r) => r !== rs);
      ctx.sim.markDirty();
      return { status: 204 };
    },
  },
];

export const rulesetRoutes: RouteDef[] = [...repoRulesetRoutes, ...orgRulesetRoutes];
