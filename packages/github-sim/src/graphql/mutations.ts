/**
 * createBranchProtectionRule / updateBranchProtectionRule /
 * deleteBranchProtectionRule over the same `SimProtectionRule` objects REST
 * reads and writes, so a rule created here is what REST GET
 * …/branches/{b}/protection shows (GITHUB-API.md §3).
 *
 * GraphQL updates are partial (only the given input fields change), unlike
 * the REST PUT that replaces the whole rule. Actor lists take node ids.
 * Checks in order: the id resolves for the viewer (else NOT_FOUND), viewer is
 * admin (FORBIDDEN), repository not archived, plan allows protection.
 */
import type { SimActorIds, SimOrg, SimProtectionRule, SimRepo } from '../model.js';
import { atLeast, ownerOrg, permissionOf } from '../access.js';
import { protectionAvailable } from '../rules-engine.js';
import { buildRuleNode, findActorByNodeId, nodeNotFoundMessage, type Exec } from './objects.js';
import { forbiddenError, notFoundError, unprocessableError } from './errors.js';

/** Same texts as the REST routes (src/routes/common.ts). */
const ARCHIVED_MESSAGE = 'Repository was archived so is read-only.';
const UPGRADE_MESSAGE = 'Upgrade to GitHub Pro or make this repository public to enable this feature.';
/** The 0–6 bound GitHub documents for the review count (REST enforces the same). */
const MAX_REVIEW_COUNT = 6;

interface RuleInput {
  clientMutationId?: string | null;
  pattern?: string | null;
  allowsDeletions?: boolean | null;
  allowsForcePushes?: boolean | null;
  blocksCreations?: boolean | null;
  bypassForcePushActorIds?: string[] | null;
  bypassPullRequestActorIds?: string[] | null;
  dismissesStaleReviews?: boolean | null;
  isAdminEnforced?: boolean | null;
  lockAllowsFetchAndMerge?: boolean | null;
  lockBranch?: boolean | null;
  pushActorIds?: string[] | null;
  requireLastPushApproval?: boolean | null;
  requiredApprovingReviewCount?: number | null;
  requiredDeploymentEnvironments?: string[] | null;
  requiredStatusCheckContexts?: string[] | null;
  requiredStatusChecks?: { context: string; appId?: string | null }[] | null;
  requiresApprovingReviews?: boolean | null;
  requiresCodeOwnerReviews?: boolean | null;
  requiresCommitSignatures?: boolean | null;
  requiresConversationResolution?: boolean | null;
  requiresDeployments?: boolean | null;
  requiresLinearHistory?: boolean | null;
  requiresStatusChecks?: boolean | null;
  requiresStrictStatusChecks?: boolean | null;
  restrictsPushes?: boolean | null;
  restrictsReviewDismissals?: boolean | null;
  reviewDismissalActorIds?: string[] | null;
}

type Settings = Omit<SimProtectionRule, 'id' | 'nodeId' | 'pattern' | 'createdAt'>;

const given = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;

function mutationName(op: 'create' | 'update' | 'delete'): string {
  return { create: 'CreateBranchProtectionRule', update: 'UpdateBranchProtectionRule', delete: 'DeleteBranchProtectionRule' }[op];
}

/** The repository behind a node id, for an admin, writable and on a plan with protection. */
function writableRepo(exec: Exec, repo: SimRepo | undefined, id: string, op: 'create' | 'update' | 'delete'): SimRepo {
  const permission = repo ? permissionOf(exec.state, exec.viewer, repo) : null;
  if (!repo || permission === null) throw notFoundError(nodeNotFoundMessage(id));
  if (!atLeast(permission, 'admin')) {
    // graphql-ruby's authorization failure text on GitHub.
    throw forbiddenError(`${exec.viewer.login} does not have the correct permissions to execute \`${mutationName(op)}\``);
  }
  // UNCONFIRMED: GitHub's GraphQL error type for these two refusals (REST answers 403 with these texts).
  if (repo.archived) throw forbiddenError(ARCHIVED_MESSAGE);
  if (!protectionAvailable(exec.state, repo)) throw forbiddenError(UPGRADE_MESSAGE);
  return repo;
}

function findRule(exec: Exec, id: string): { repo: SimRepo; rule: SimProtectionRule } | undefined {
  for (const repo of exec.state.repos) {
    const rule = repo.protectionRules.find((r) => r.nodeId === id);
    if (rule) return { repo, rule };
  }
  return undefined;
}

/**
 * Node ids → actor ids with the REST route's checks: users need push access,
 * teams write access, apps must exist; organization repositories only.
 * (Wording UNCONFIRMED; it matches the REST simulator's 422 texts.)
 */
function resolveActorIds(exec: Exec, repo: SimRepo, org: SimOrg | undefined, ids: string[]): SimActorIds {
  const out: SimActorIds = { users: [], teams: [], apps: [] };
  if (ids.length === 0) return out;
  if (!org) throw unprocessableError('Only organization repositories can have users and team restrictions');
  for (const id of ids) {
    const actor = findActorByNodeId(exec.state, org, id);
    if (!actor) throw notFoundError(nodeNotFoundMessage(id));
    if (actor.kind === 'user') {
      if (!atLeast(permissionOf(exec.state, actor.user, repo), 'write')) {
        throw unprocessableError(`${actor.user.login} is not a collaborator with push access on ${repo.owner}/${repo.name}`);
      }
      if (!out.users.includes(actor.user.id)) out.users.push(actor.user.id);
    } else if (actor.kind === 'team') {
      if (!atLeast(repo.teams[actor.team.slug], 'write')) {
        throw unprocessableError(`Team ${actor.team.slug} does not have push access to ${repo.owner}/${repo.name}`);
      }
      if (!out.teams.includes(actor.team.id)) out.teams.push(actor.team.id);
    } else if (!out.apps.includes(actor.app.id)) {
      out.apps.push(actor.app.id);
    }
  }
  return out;
}

const emptyActors = (): SimActorIds => ({ users: [], teams: [], apps: [] });
const isEmptyActors = (ids: SimActorIds): boolean => ids.users.length + ids.teams.length + ids.apps.length === 0;

function defaultSettings(): Settings {
  return {
    requiredReviews: null,
    requiredStatusChecks: null,
    enforceAdmins: false,
    requiredSignatures: false,
    linearHistory: false,
    allowForcePushes: false,
    allowDeletions: false,
    blockCreations: false,
    conversationResolution: false,
    lockBranch: false,
    allowForkSyncing: false,
    restrictions: null,
  };
}

/** Applies the given input fields to `base` (a copy is changed and returned). */
function applyInput(exec: Exec, repo: SimRepo, base: Settings, input: RuleInput): Settings {
  if (
    input.requiresDeployments === true ||
    (input.requiredDeploymentEnvironments?.length ?? 0) > 0 ||
    (input.bypassForcePushActorIds?.length ?? 0) > 0
  ) {
    // Refused loudly rather than dropped: the model has no deployments or force-push bypass list.
    throw unprocessableError('The sandbox does not model required deployments or force-push bypass allowances.');
  }
  const org = ownerOrg(exec.state, repo);
  const s: Settings = structuredClone(base);

  if (given(input.isAdminEnforced)) s.enforceAdmins = input.isAdminEnforced;
  if (given(input.requiresCommitSignatures)) s.requiredSignatures = input.requiresCommitSignatures;
  if (given(input.requiresLinearHistory)) s.linearHistory = input.requiresLinearHistory;
  if (given(input.allowsForcePushes)) s.allowForcePushes = input.allowsForcePushes;
  if (given(input.allowsDeletions)) s.allowDeletions = input.allowsDeletions;
  if (given(input.blocksCreations)) s.blockCreations = input.blocksCreations;
  if (given(input.requiresConversationResolution)) s.conversationResolution = input.requiresConversationResolution;
  if (given(input.lockBranch)) s.lockBranch = input.lockBranch;
  if (given(input.lockAllowsFetchAndMerge)) s.allowForkSyncing = input.lockAllowsFetchAndMerge;

  // Pull request reviews.
  if (input.requiresApprovingReviews === false) s.requiredReviews = null;
  if (input.requiresApprovingReviews === true && s.requiredReviews === null) {
    // A count-less review requirement comes back as 1 over REST [FIX]; assumed the same here (UNCONFIRMED).
    s.requiredReviews = {
      count: 1,
      dismissStale: false,
      codeOwners: false,
      lastPushApproval: false,
      dismissalRestrictions: null,
      bypassAllowances: null,
    };
  }
  if (given(input.requiredApprovingReviewCount)) {
    const n = input.requiredApprovingReviewCount;
    if (n < 0 || n > MAX_REVIEW_COUNT) {
      throw unprocessableError(`Required approving review count must be between 0 and ${MAX_REVIEW_COUNT}`); // wording UNCONFIRMED
    }
  }
  const reviews = s.requiredReviews;
  if (reviews) {
    if (given(input.requiredApprovingReviewCount)) reviews.count = input.requiredApprovingReviewCount;
    if (given(input.dismissesStaleReviews)) reviews.dismissStale = input.dismissesStaleReviews;
    if (given(input.requiresCodeOwnerReviews)) reviews.codeOwners = input.requiresCodeOwnerReviews;
    if (given(input.requireLastPushApproval)) reviews.lastPushApproval = input.requireLastPushApproval;
    if (input.restrictsReviewDismissals === false) reviews.dismissalRestrictions = null;
    if (input.restrictsReviewDismissals === true && reviews.dismissalRestrictions === null) reviews.dismissalRestrictions = emptyActors();
    if (given(input.reviewDismissalActorIds) && reviews.dismissalRestrictions !== null) {
      reviews.dismissalRestrictions = resolveActorIds(exec, repo, org, input.reviewDismissalActorIds);
    }
    if (given(input.bypassPullRequestActorIds)) {
      const ids = resolveActorIds(exec, repo, org, input.bypassPullRequestActorIds);
      reviews.bypassAllowances = isEmptyActors(ids) ? null : ids;
    }
  }
  // Allowances given while their switch is off are not stored: the model keeps lists only while the
  // restriction is on (UNCONFIRMED: GitHub may keep them for later).

  // Status checks.
  if (input.requiresStatusChecks === false) s.requiredStatusChecks = null;
  if (input.requiresStatusChecks === true && s.requiredStatusChecks === null) s.requiredStatusChecks = { strict: false, checks: [] };
  const checks = s.requiredStatusChecks;
  if (checks) {
    if (given(input.requiresStrictStatusChecks)) checks.strict = input.requiresStrictStatusChecks;
    if (given(input.requiredStatusChecks)) {
      // Like REST, the structured list wins over the legacy contexts when both are given.
      checks.checks = input.requiredStatusChecks.map((c) => ({ context: c.context, appId: resolveCheckApp(exec, c.appId) }));
    } else if (given(input.requiredStatusCheckContexts)) {
      checks.checks = input.requiredStatusCheckContexts.map((context) => ({ context, appId: null }));
    }
  }

  // Push restrictions.
  if (input.restrictsPushes === false) s.restrictions = null;
  if (input.restrictsPushes === true && s.restrictions === null) {
    if (!org) throw unprocessableError('Only organization repositories can have users and team restrictions');
    s.restrictions = emptyActors();
  }
  if (given(input.pushActorIds) && s.restrictions !== null) s.restrictions = resolveActorIds(exec, repo, org, input.pushActorIds);
  return s;
}

/**
 * `appId`: an App's node id, "any" (any source), or omitted ("whichever app
 * has recently been setting this status" — the sandbox cannot know, so any,
 * as the REST route does).
 */
function resolveCheckApp(exec: Exec, appId: string | null | undefined): number | null {
  if (appId === undefined || appId === null || appId === 'any') return null;
  const app = exec.state.apps.find((a) => a.nodeId === appId);
  if (!app) throw notFoundError(nodeNotFoundMessage(appId));
  return app.id;
}

function assertPatternFree(repo: SimRepo, pattern: string, except?: SimProtectionRule): void {
  if (pattern.trim() === '') throw unprocessableError('Pattern cannot be blank'); // wording UNCONFIRMED
  if (repo.protectionRules.some((r) => r !== except && r.pattern === pattern)) {
    // "Name already protected" is GitHub's text (seen in client code matching on it); the suffix is UNCONFIRMED.
    throw unprocessableError(`Name already protected: ${pattern}`);
  }
}

function commit(exec: Exec, repo: SimRepo): void {
  repo.updatedAt = exec.ctx.timestamp();
  exec.nodes = undefined;
  exec.ctx.markDirty();
}

export function createBranchProtectionRule(exec: Exec, input: RuleInput & { repositoryId: string; pattern: string }) {
  const repo = writableRepo(
    exec,
    exec.state.repos.find((r) => r.nodeId === input.repositoryId),
    input.repositoryId,
    'create',
  );
  assertPatternFree(repo, input.pattern);
  const settings = applyInput(exec, repo, defaultSettings(), input);
  const id = exec.ctx.allocateId();
  const rule: SimProtectionRule = {
    id,
    // Same id scheme as the REST route, so ids look alike whichever API created the rule.
    nodeId: `BPR_${Buffer.from(`sandbox:BranchProtectionRule:${id}`).toString('base64url')}`,
    pattern: input.pattern,
    createdAt: exec.ctx.timestamp(),
    ...settings,
  };
  repo.protectionRules.push(rule);
  commit(exec, repo);
  return { clientMutationId: input.clientMutationId ?? null, branchProtectionRule: buildRuleNode(exec, repo, rule) };
}

export function updateBranchProtectionRule(exec: Exec, input: RuleInput & { branchProtectionRuleId: string }) {
  const found = findRule(exec, input.branchProtectionRuleId);
  const repo = writableRepo(exec, found?.repo, input.branchProtectionRuleId, 'update');
  const rule = found!.rule;
  if (given(input.pattern) && input.pattern !== rule.pattern) assertPatternFree(repo, input.pattern, rule);
  const { id: _id, nodeId: _nodeId, pattern: _pattern, createdAt: _createdAt, ...current } = rule;
  const settings = applyInput(exec, repo, current, input);
  Object.assign(rule, settings);
  if (given(input.pattern)) rule.pattern = input.pattern;
  commit(exec, repo);
  return { clientMutationId: input.clientMutationId ?? null, branchProtectionRule: buildRuleNode(exec, repo, rule) };
}

export function deleteBranchProtectionRule(exec: Exec, input: { branchProtectionRuleId: string; clientMutationId?: string | null }) {
  const found = findRule(exec, input.branchProtectionRuleId);
  const repo = writableRepo(exec, found?.repo, input.branchProtectionRuleId, 'delete');
  repo.protectionRules = repo.protectionRules.filter((r) => r !== found!.rule);
  commit(exec, repo);
  return { clientMutationId: input.clientMutationId ?? null };
}
