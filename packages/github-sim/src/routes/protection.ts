/**
 * Classic branch protection over REST (docs/github-api.md). Rules are stored
 * with patterns: GET shows the rule that applies to the branch (exact name,
 * else the oldest matching wildcard); PUT creates or replaces the rule whose
 * pattern is exactly the branch name; DELETE removes that rule, and leaves a
 * wildcard rule alone.
 *
 * Order of answers: invisible or not admin → 404 "Not Found" (GitHub hides
 * protection from non-admins); archived → 403 on writes; Free-plan private →
 * 403 upgrade; missing branch → 404 "Branch not found"; no rule → 404
 * "Branch not protected".
 */
import type { SimProtectionRule } from '../model.js';
import { notFound, type RequestContext, type RouteDef } from '../http.js';
import { readProtectionPut } from '../protection-input.js';
import { renderProtection } from '../render/protection.js';
import { classicRuleFor, exactRuleFor } from '../rules-engine.js';
import { assertProtectionPlan, assertWritable, requireBranch, requireRepo } from './common.js';

const NOT_PROTECTED = 'Branch not protected';
const B = '/repos/{owner}/{repo}/branches/{branch}/protection';

function target(ctx: RequestContext, write: boolean) {
  const { repo } = requireRepo(ctx, { min: 'admin' });
  if (write) assertWritable(repo);
  assertProtectionPlan(ctx, repo);
  const branch = ctx.params['branch'] ?? '';
  requireBranch(repo, branch);
  return { repo, branch };
}

function applicable(ctx: RequestContext, write: boolean) {
  const { repo, branch } = target(ctx, write);
  const rule = classicRuleFor(repo, branch);
  if (!rule) throw notFound(NOT_PROTECTED);
  return { repo, branch, rule };
}

function putProtection(ctx: RequestContext) {
  const { repo, branch } = target(ctx, true);
  const state = ctx.sim.state;
  const existing = exactRuleFor(repo, branch);
  const settings = readProtectionPut(state, repo, ctx.body, existing);
  let rule: SimProtectionRule;
  if (existing) {
    rule = Object.assign(existing, settings);
  } else {
    const id = ctx.sim.allocateId();
    rule = {
      id,
      nodeId: `BPR_${Buffer.from(`sandbox:BranchProtectionRule:${id}`).toString('base64url')}`,
      pattern: branch,
      createdAt: ctx.sim.timestamp(),
      ...settings,
    };
    repo.protectionRules.push(rule);
  }
  repo.updatedAt = ctx.sim.timestamp();
  ctx.sim.markDirty();
  return { status: 200, body: renderProtection(state, repo, branch, rule, ctx.urls) };
}

/**
 * Removes the rule named exactly like the branch. A branch covered only by a
 * wildcard rule answers without error and keeps its protection: there is no
 * rule of its own to remove (GitHub staff, github.community thread 13969 —
 * docs/github-api.md, "Wildcard rules over REST"; the status is UNCONFIRMED,
 * 204 is the documented success).
 */
function deleteProtection(ctx: RequestContext) {
  const { repo, branch } = target(ctx, true);
  const rule = exactRuleFor(repo, branch);
  if (!rule) {
    if (classicRuleFor(repo, branch)) return { status: 204 };
    throw notFound(NOT_PROTECTED);
  }
  repo.protectionRules = repo.protectionRules.filter((r) => r !== rule);
  repo.updatedAt = ctx.sim.timestamp();
  ctx.sim.markDirty();
  return { status: 204 };
}

/**
 * `{url, enabled}` sub-resources. Writes change the rule that applies to the
 * branch — the same rule GET shows (UNCONFIRMED for wildcard rules).
 */
function toggle(
  field: 'requiredSignatures' | 'enforceAdmins',
  suffix: string,
  docs: Record<'get' | 'post' | 'delete', string>,
): RouteDef[] {
  const render = (ctx: RequestContext, repo: { owner: string; name: string }, branch: string, rule: SimProtectionRule) => ({
    url: `${ctx.urls.protection(repo.owner, repo.name, branch)}/${suffix}`,
    enabled: rule[field],
  });
  const set = (ctx: RequestContext, value: boolean) => {
    const { repo, branch, rule } = applicable(ctx, true);
    rule[field] = value;
    repo.updatedAt = ctx.sim.timestamp();
    ctx.sim.markDirty();
    return { repo, branch, rule };
  };
  return [
    {
      method: 'GET',
      template: `${B}/${suffix}`,
      docs: docs.get,
      handler: (ctx) => {
        const { repo, branch, rule } = applicable(ctx, false);
        return { status: 200, body: render(ctx, repo, branch, rule) };
      },
    },
    {
      method: 'POST',
      template: `${B}/${suffix}`,
      docs: docs.post,
      handler: (ctx) => {
        const { repo, branch, rule } = set(ctx, true);
        return { status: 200, body: render(ctx, repo, branch, rule) };
      },
    },
    {
      method: 'DELETE',
      template: `${B}/${suffix}`,
      docs: docs.delete,
      handler: (ctx) => {
        set(ctx, false);
        return { status: 204 };
      },
    },
  ];
}

export const protectionRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: B,
    docs: '/rest/branches/branch-protection#get-branch-protection',
    handler: (ctx) => {
      const { repo, branch, rule } = applicable(ctx, false);
      return { status: 200, body: renderProtection(ctx.sim.state, repo, branch, rule, ctx.urls) };
    },
  },
  { method: 'PUT', template: B, docs: '/rest/branches/branch-protection#update-branch-protection', handler: putProtection },
  { method: 'DELETE', template: B, docs: '/rest/branches/branch-protection#delete-branch-protection', handler: deleteProtection },
  ...toggle('requiredSignatures', 'required_signatures', {
    get: '/rest/branches/branch-protection#get-commit-signature-protection',
    post: '/rest/branches/branch-protection#create-commit-signature-protection',
    delete: '/rest/branches/branch-protection#delete-commit-signature-protection',
  }),
  ...toggle('enforceAdmins', 'enforce_admins', {
    get: '/rest/branches/branch-protection#get-admin-branch-protection',
    post: '/rest/branches/branch-protection#set-admin-branch-protection',
    delete: '/rest/branches/branch-protection#delete-admin-branch-protection',
  }),
];
