/**
 * Repository and organization rulesets, and the rules that apply to a
 * branch (docs/github-api.md, "Who may read rulesets"). A repository's
 * rulesets, its organization's included, are readable with read access to the
 * repository; `bypass_actors` only by those who may edit the ruleset. The
 * organization-level list and reads need an organization owner; writes need
 * repository admin / org owner. Both answer 404 otherwise (the spec documents
 * no 403 for them).
 */
import type { SimRepo, SimRuleset } from '../model.js';
import { findOrg, isOrgOwner } from '../access.js';
import {
  ApiError,
  bodyObject,
  forbidden,
  notFound,
  pagedResult,
  queryFlag,
  validationFailed,
  type RequestContext,
  type RouteDef,
} from '../http.js';
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

/** The plan of the organization that owns a ruleset (a user-owned repository: Free). */
function ownerPlan(ctx: RequestContext, rs: SimRuleset): string {
  const login = rs.source_type === 'Organization' ? rs.source : rs.source.split('/')[0]!;
  return findOrg(ctx.sim.state, login)?.plan ?? 'free';
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
    // "Evaluate" is an Enterprise feature (docs/github-api.md "Who a rule binds"): other
    // plans refuse it. UNCONFIRMED wording of the 422.
    if (body['enforcement'] === 'evaluate' && ownerPlan(ctx, target) !== 'enterprise') {
      throw validationFailed([
        { resource: 'Ruleset', field: 'enforcement', code: 'invalid', message: 'Evaluate mode is only available with GitHub Enterprise' },
      ]);
    }
    target.enforcement = body['enforcement'] as SimRuleset['enforcement'];
  }
  if (body['target'] !== undefined) {
    const targets = org ? ['branch', 'tag', 'push', 'repository'] : ['branch', 'tag', 'push'];
    if (typeof body['target'] !== 'string' || !targets.includes(body['target']))
      throw invalid('target', body['target'], `a member of ${rubyInspect(targets)}`);
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
      if (typeof mode !== 'string' || !BYPASS_MODES.includes(mode))
        throw invalid('bypass_mode', mode, `a member of ${rubyInspect(BYPASS_MODES)}`);
      const id = a['actor_id'];
      if (id !== undefined && id !== null && (typeof id !== 'number' || !Number.isInteger(id)))
        throw invalid('actor_id', id, 'an integer or null');
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
      throw validationFailed([
        {
          resource: 'Ruleset',
          field: 'conditions',
          code: 'invalid',
          message: 'Conditions must target repositories by exactly one of repository_name, repository_id or repository_property',
        },
      ]);
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

function targetsFilter(ctx: RequestContext): (r: SimRuleset) => boolean {
  const raw = ctx.query.get('targets');
  if (!raw) return () => true;
  const wanted = new Set(raw.split(',').map((s) => s.trim()));
  return (r) => wanted.has(r.target);
}

/** Where rulesets live — a repository or an organization — and how each differs; the CRUD is shared. */
interface RulesetScope {
  /** Route prefix: '/repos/{owner}/{repo}' or '/orgs/{org}'. */
  prefix: string;
  /** Docs path of the list, create, get, update and delete operations. */
  docs: { list: string; create: string; get: string; update: string; delete: string };
  sourceType: SimRuleset['source_type'];
  /** As in the "Maximum number of rulesets" message. */
  noun: 'repository' | 'organization';
  /** Checks access (404/403 as GitHub answers) and returns the holder of the rulesets. */
  open(ctx: RequestContext, write: boolean): RulesetHolder;
  /** What a GET lists or finds: a repository's own and, unless asked not to, its org's. */
  visible(ctx: RequestContext, holder: RulesetHolder, includeParents: boolean): readonly SimRuleset[];
}

interface RulesetHolder {
  rulesets: SimRuleset[];
  sourceName: string;
  /** The repository rendered rulesets are seen from (null: the organization). */
  repo: SimRepo | null;
}

const repoScope: RulesetScope = {
  prefix: '/repos/{owner}/{repo}',
  docs: {
    list: '/rest/repos/rules#get-all-repository-rulesets',
    create: '/rest/repos/rules#create-a-repository-ruleset',
    get: '/rest/repos/rules#get-a-repository-ruleset',
    update: '/rest/repos/rules#update-a-repository-ruleset',
    delete: '/rest/repos/rules#delete-a-repository-ruleset',
  },
  sourceType: 'Repository',
  noun: 'repository',
  open(ctx, write) {
    const { repo } = requireRepo(ctx, write ? { min: 'admin' } : {});
    if (write) assertWritable(repo);
    assertProtectionPlan(ctx, repo);
    return { rulesets: repo.rulesets, sourceName: `${repo.owner}/${repo.name}`, repo };
  },
  visible: (ctx, holder, includeParents) => rulesetsForRepo(ctx.sim.state, holder.repo!, includeParents),
};

const orgScope: RulesetScope = {
  prefix: '/orgs/{org}',
  docs: {
    list: '/rest/orgs/rules#get-all-organization-repository-rulesets',
    create: '/rest/orgs/rules#create-an-organization-repository-ruleset',
    get: '/rest/orgs/rules#get-an-organization-repository-ruleset',
    update: '/rest/orgs/rules#update-an-organization-repository-ruleset',
    delete: '/rest/orgs/rules#delete-an-organization-repository-ruleset',
  },
  sourceType: 'Organization',
  noun: 'organization',
  open(ctx) {
    const org = requireOrg(ctx);
    // Reading org rulesets at the org level needs org administration too (members read them
    // through the repositories they can read).
    if (!isOrgOwner(org, ctx.viewer)) throw notFound();
    if (org.plan === 'free') throw forbidden(ORG_RULESETS_UPGRADE_MESSAGE);
    return { rulesets: org.rulesets, sourceName: org.login, repo: null };
  },
  visible: (_ctx, holder) => holder.rulesets,
};

function findRuleset(ctx: RequestContext, rulesets: readonly SimRuleset[]): SimRuleset {
  const id = Number(ctx.params['ruleset_id']);
  const rs = rulesets.find((r) => r.id === id);
  if (!rs) throw notFound();
  return rs;
}

/** List, create, get, update (validated on a draft: a rejected body changes nothing) and delete. */
function rulesetCrudRoutes(scope: RulesetScope): RouteDef[] {
  const includeParents = (ctx: RequestContext) => queryFlag(ctx.query, 'includes_parents') ?? true;
  const render = (ctx: RequestContext, holder: RulesetHolder, rs: SimRuleset) =>
    renderRuleset(ctx.sim.state, rs, ctx.urls, ctx.viewer, holder.repo);
  return [
    {
      method: 'GET',
      template: `${scope.prefix}/rulesets`,
      docs: scope.docs.list,
      handler: (ctx) => {
        const holder = scope.open(ctx, false);
        return pagedResult(ctx, scope.visible(ctx, holder, includeParents(ctx)).filter(targetsFilter(ctx)), (r) =>
          renderRulesetSummary(r, ctx.urls),
        );
      },
    },
    {
      method: 'POST',
      template: `${scope.prefix}/rulesets`,
      docs: scope.docs.create,
      handler: (ctx) => {
        const holder = scope.open(ctx, true);
        if (holder.rulesets.length >= MAX_RULESETS)
          throw validationFailed([`Maximum number of rulesets (75) reached for this ${scope.noun}`], 'Ruleset');
        const rs = newRuleset(ctx, scope.sourceType, holder.sourceName);
        applyRulesetBody(ctx, rs, true, holder.rulesets);
        holder.rulesets.push(rs);
        ctx.sim.markDirty();
        return { status: 201, body: render(ctx, holder, rs) };
      },
    },
    {
      method: 'GET',
      template: `${scope.prefix}/rulesets/{ruleset_id}`,
      docs: scope.docs.get,
      handler: (ctx) => {
        const holder = scope.open(ctx, false);
        return { status: 200, body: render(ctx, holder, findRuleset(ctx, scope.visible(ctx, holder, includeParents(ctx)))) };
      },
    },
    {
      method: 'PUT',
      template: `${scope.prefix}/rulesets/{ruleset_id}`,
      docs: scope.docs.update,
      handler: (ctx) => {
        const holder = scope.open(ctx, true);
        const rs = findRuleset(ctx, holder.rulesets);
        const draft = structuredClone(rs);
        applyRulesetBody(ctx, draft, false, holder.rulesets);
        Object.assign(rs, draft);
        ctx.sim.markDirty();
        return { status: 200, body: render(ctx, holder, rs) };
      },
    },
    {
      method: 'DELETE',
      template: `${scope.prefix}/rulesets/{ruleset_id}`,
      docs: scope.docs.delete,
      handler: (ctx) => {
        const holder = scope.open(ctx, true);
        const rs = findRuleset(ctx, holder.rulesets);
        holder.rulesets.splice(holder.rulesets.indexOf(rs), 1);
        ctx.sim.markDirty();
        return { status: 204 };
      },
    },
  ];
}

const rulesForBranchRoute: RouteDef = {
  method: 'GET',
  template: '/repos/{owner}/{repo}/rules/branches/{branch}',
  docs: '/rest/repos/rules#get-rules-for-a-branch',
  handler: (ctx) => {
    const { repo } = requireRepo(ctx);
    // The branch need not exist (GITHUB-API.md §2).
    const rules = activeRulesForBranch(ctx.sim.state, repo, ctx.params['branch'] ?? '');
    return pagedResult(ctx, rules, ({ rule, ruleset }) => renderDetailedRule(rule, ruleset));
  },
};

export const rulesetRoutes: RouteDef[] = [...rulesetCrudRoutes(repoScope), rulesForBranchRoute, ...rulesetCrudRoutes(orgScope)];
