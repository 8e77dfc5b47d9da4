/**
 * (d) Pattern rules through GraphQL over HTTP: create with actors (node ids
 * resolved from logins/slugs), list with matching branches, update that
 * leaves nothing of the old rule behind, delete.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox } from '@qms/github-sim';
import { ValidationFailedError } from '../../../src/core/errors.js';
import { baseRuleProtection, normalizeProtection, type BranchProtection } from '../../../src/core/protection.js';
import { gatewayFor, withSandbox, type GatewayHarness } from './helpers.js';

// mobile-app: branches main, release/1.0, release/2.0, hotfix/login-loop; team web has write.
const ref = { owner: 'acme', name: 'mobile-app' };

const rich: BranchProtection = {
  requiredReviews: {
    requiredApprovingReviewCount: 2,
    requireCodeOwnerReviews: true,
    dismissStaleReviews: true,
    requireLastPushApproval: true,
    dismissalRestrictions: { users: ['max'], teams: ['web'], apps: [] },
    bypassAllowances: { users: ['tess'], teams: ['web'], apps: [] },
  },
  requiredStatusChecks: {
    strict: true,
    checks: [
      { context: 'qms/dor-validation', appId: null },
      { context: 'ci/build', appId: 15368 },
    ],
  },
  enforceAdmins: true,
  requireLinearHistory: true,
  allowForcePushes: false,
  allowDeletions: false,
  blockCreations: true,
  requireConversationResolution: true,
  requireSignedCommits: true,
  lockBranch: true,
  allowForkSyncing: true,
  restrictions: { users: ['sam'], teams: ['web'], apps: [] },
};

/** Apps are resolved through REST GET /apps/{app_slug}. */
const withApps: BranchProtection = {
  ...rich,
  requiredReviews: {
    ...rich.requiredReviews!,
    dismissalRestrictions: { users: ['max'], teams: [], apps: ['qms-checks'] },
    bypassAllowances: { users: [], teams: [], apps: ['github-actions'] },
  },
  restrictions: { users: [], teams: ['web'], apps: ['qms-checks', 'github-actions'] },
};

describe('branch protection rules via GraphQL over HTTP', () => {
  let sandbox: Sandbox;
  let h: GatewayHarness;
  let repoNodeId: string;

  beforeAll(async () => {
    sandbox = await withSandbox();
    h = gatewayFor(sandbox, 'ada');
    repoNodeId = (await h.gateway.getRepo(ref)).nodeId;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  test('create → list → update → list → delete round-trips every field', async () => {
    const before = await h.gateway.listProtectionRules(ref);
    expect(before.some((r) => r.pattern === 'release/**/*')).toBe(false);

    const created = await h.gateway.createProtectionRule(repoNodeId, 'release/**/*', rich);
    expect(created.pattern).toBe('release/**/*');
    expect(normalizeProtection(created.protection)).toEqual(normalizeProtection(rich));
    expect([...(created.matchingBranches ?? [])].sort()).toEqual(['release/1.0', 'release/2.0']);

    const listed = (await h.gateway.listProtectionRules(ref)).find((r) => r.id === created.id);
    expect(listed && normalizeProtection(listed.protection)).toEqual(normalizeProtection(rich));
    expect(listed?.pattern).toBe('release/**/*');

    // Everything off: no actor, check or flag of the rich rule may survive.
    const plain = baseRuleProtection();
    const updated = await h.gateway.updateProtectionRule(created.id, 'release/*', plain);
    expect(updated.id).toBe(created.id);
    expect(updated.pattern).toBe('release/*');
    expect(normalizeProtection(updated.protection)).toEqual(normalizeProtection(plain));
    const relisted = (await h.gateway.listProtectionRules(ref)).find((r) => r.id === created.id);
    expect(relisted && normalizeProtection(relisted.protection)).toEqual(normalizeProtection(plain));

    // And back to rich with the same id: update sets every field.
    const again = await h.gateway.updateProtectionRule(created.id, 'release/*', rich);
    expect(normalizeProtection(again.protection)).toEqual(normalizeProtection(rich));

    await h.gateway.deleteProtectionRule(created.id);
    const after = await h.gateway.listProtectionRules(ref);
    expect(after.some((r) => r.id === created.id)).toBe(false);
    expect(after.map((r) => r.pattern)).toEqual(before.map((r) => r.pattern));
  });

  test('apps in allowances and push restrictions round-trip too', async ({ skip }) => {
    // Apps are named by slug and resolved with GitHub's GET /apps/{app_slug}; until the
    // simulator serves that route this case cannot run (it is reported as skipped, not passed).
    const probe = await fetch(`${sandbox.url}/apps/qms-checks`, { headers: { authorization: 'token qms_sandbox_ada' } });
    if (probe.status === 404) skip('the simulator does not serve GET /apps/{app_slug} yet');
    const created = await h.gateway.createProtectionRule(repoNodeId, 'hotfix/*', withApps);
    expect(normalizeProtection(created.protection)).toEqual(normalizeProtection(withApps));
    const listed = (await h.gateway.listProtectionRules(ref)).find((r) => r.id === created.id);
    expect(listed && normalizeProtection(listed.protection)).toEqual(normalizeProtection(withApps));
    await h.gateway.deleteProtectionRule(created.id);
  });

  test('a rule read through GraphQL matches the REST read of the same exact-name rule', async () => {
    const rules = await h.gateway.listProtectionRules(ref);
    const main = rules.find((r) => r.pattern === 'main');
    expect(main).toBeDefined();
    const rest = await h.gateway.getBranchProtection(ref, 'main');
    expect(rest.kind).toBe('protected');
    if (rest.kind !== 'protected' || !main) return;
    expect(normalizeProtection(main.protection)).toEqual(normalizeProtection(rest.protection));
    expect(main.matchingBranches).toEqual(['main']);
  });

  test('an unknown user or team is reported before any mutation is sent', async () => {
    sandbox.stats.reset();
    const bad = { ...rich, restrictions: { users: ['no-such-user'], teams: ['no-such-team'], apps: [] } };
    const err = await h.gateway.createProtectionRule(repoNodeId, 'hotfix/*', bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationFailedError);
    expect((err as Error).message).toMatch(/user "no-such-user".*team "no-such-team" in acme/);
    expect(sandbox.stats.snapshot().graphqlMutations).toBe(0);
  });
});
