/**
 * GraphQL BranchProtectionRule ↔ model. Nodes are written from GitHub's
 * GraphQL schema (@octokit/graphql-schema) field names.
 */
import { describe, expect, test } from 'vitest';
import { buildRuleInput, mapProtectionRuleNode, type ActorNodeIds } from '../../../src/github/map/protection-rule.js';
import { baseRuleProtection, type BranchProtection } from '../../../src/core/protection.js';

const actor = (typename: string, name: string) => ({
  actor: typename === 'User' ? { __typename: 'User', login: name } : { __typename: typename, slug: name },
});
const conn = (nodes: unknown[]) => ({ pageInfo: { hasNextPage: false, endCursor: null }, nodes });

const node = {
  id: 'BPR_kwDOABC',
  pattern: 'release/**/*',
  isAdminEnforced: true,
  requiresApprovingReviews: true,
  requiredApprovingReviewCount: 2,
  requiresCodeOwnerReviews: true,
  dismissesStaleReviews: false,
  requireLastPushApproval: true,
  restrictsReviewDismissals: true,
  reviewDismissalAllowances: conn([actor('User', 'tess'), actor('Team', 'qms'), actor('App', 'bot')]),
  bypassPullRequestAllowances: conn([actor('User', 'cyrus'), { actor: null }]),
  requiresStatusChecks: true,
  requiresStrictStatusChecks: true,
  requiredStatusChecks: [
    { context: 'qms/dor-validation', app: null },
    { context: 'ci', app: { databaseId: 15368 } },
  ],
  requiresLinearHistory: true,
  allowsForcePushes: false,
  allowsDeletions: false,
  blocksCreations: true,
  requiresConversationResolution: true,
  requiresCommitSignatures: true,
  lockBranch: false,
  lockAllowsFetchAndMerge: false,
  restrictsPushes: true,
  pushAllowances: conn([actor('Team', 'payments')]),
  matchingRefs: conn([{ name: 'release/1.0' }, { name: 'release/2.0' }]),
};

const expected: BranchProtection = {
  requiredReviews: {
    requiredApprovingReviewCount: 2,
    requireCodeOwnerReviews: true,
    dismissStaleReviews: false,
    requireLastPushApproval: true,
    dismissalRestrictions: { users: ['tess'], teams: ['qms'], apps: ['bot'] },
    // A deleted actor (null) is skipped.
    bypassAllowances: { users: ['cyrus'], teams: [], apps: [] },
  },
  requiredStatusChecks: {
    strict: true,
    checks: [
      { context: 'qms/dor-validation', appId: null },
      { context: 'ci', appId: 15368 },
    ],
  },
  enforceAdmins: true,
  requireLinearHistory: true,
  allowForcePushes: false,
  allowDeletions: false,
  blockCreations: true,
  requireConversationResolution: true,
  requireSignedCommits: true,
  lockBranch: false,
  allowForkSyncing: false,
  restrictions: { users: [], teams: ['payments'], apps: [] },
};

describe('GraphQL rule → model', () => {
  test('every field, actors by login/slug, matching branches', () => {
    const rule = mapProtectionRuleNode(node);
    expect(rule.id).toBe('BPR_kwDOABC');
    expect(rule.pattern).toBe('release/**/*');
    expect(rule.protection).toEqual(expected);
    expect(rule.matchingBranches).toEqual(['release/1.0', 'release/2.0']);
    expect(rule.raw).toBe(node);
  });

  test('flags off ignore leftover connections; lists from later pages replace the first page', () => {
    const off = mapProtectionRuleNode({ ...node, restrictsReviewDismissals: false, restrictsPushes: false, requiresStatusChecks: false });
    expect(off.protection.requiredReviews?.dismissalRestrictions).toBeNull();
    expect(off.protection.restrictions).toBeNull();
    expect(off.protection.requiredStatusChecks).toBeNull();
    const paged = mapProtectionRuleNode(node, { matchingRefs: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    expect(paged.matchingBranches).toEqual(['a', 'b', 'c']);
  });

  test('an unexpected actor type fails with its path', () => {
    expect(() => mapProtectionRuleNode({ ...node, pushAllowances: conn([{ actor: { __typename: 'Bot', login: 'x' } }]) })).toThrowError(
      /^pushAllowances\[0\]\.actor\.__typename is not User, Team or App/,
    );
  });
});

describe('model → mutation input', () => {
  const ids: ActorNodeIds = {
    users: new Map([
      ['tess', 'U_tess'],
      ['cyrus', 'U_cyrus'],
    ]),
    teams: new Map([
      ['qms', 'T_qms'],
      ['payments', 'T_payments'],
    ]),
    apps: new Map([['bot', 'A_bot']]),
    checkApps: new Map([[15368, 'A_actions']]),
  };

  test('every model field is set, actors as node ids, "any" for any source', () => {
    expect(buildRuleInput('release/**/*', expected, ids)).toEqual({
      pattern: 'release/**/*',
      requiresApprovingReviews: true,
      requiredApprovingReviewCount: 2,
      requiresCodeOwnerReviews: true,
      dismissesStaleReviews: false,
      requireLastPushApproval: true,
      restrictsReviewDismissals: true,
      reviewDismissalActorIds: ['U_tess', 'T_qms', 'A_bot'],
      bypassPullRequestActorIds: ['U_cyrus'],
      bypassForcePushActorIds: [],
      requiresStatusChecks: true,
      requiresStrictStatusChecks: true,
      requiredStatusChecks: [
        { context: 'qms/dor-validation', appId: 'any' },
        { context: 'ci', appId: 'A_actions' },
      ],
      isAdminEnforced: true,
      requiresLinearHistory: true,
      allowsForcePushes: false,
      allowsDeletions: false,
      blocksCreations: true,
      requiresConversationResolution: true,
      requiresCommitSignatures: true,
      lockBranch: false,
      lockAllowsFetchAndMerge: false,
      restrictsPushes: true,
      pushActorIds: ['T_payments'],
    });
  });

  test('everything off still names every field, so an update leaves nothing behind', () => {
    const input = buildRuleInput('main', baseRuleProtection(), ids);
    expect(input).toMatchObject({
      requiresApprovingReviews: false,
      restrictsReviewDismissals: false,
      reviewDismissalActorIds: [],
      bypassPullRequestActorIds: [],
      requiresStatusChecks: false,
      requiredStatusChecks: [],
      restrictsPushes: false,
      pushActorIds: [],
    });
    expect(Object.values(input).some((v) => v === undefined)).toBe(false);
  });

  test('an actor that was not resolved is an internal error, never silently dropped', () => {
    const input = buildRuleInput('release/**/*', expected, ids);
    expect(input['lockAllowsFetchAndMerge']).toBe(expected.allowForkSyncing);
    expect(() => buildRuleInput('x', { ...expected, restrictions: { users: ['unknown'], teams: [], apps: [] } }, ids)).toThrowError(
      /not resolved/,
    );
  });
});
