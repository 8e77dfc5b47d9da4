/**
 * (a) Classic protection round-trips through the simulator over HTTP:
 * model → PUT → GET → model is lossless for every field of GITHUB-API.md §1,
 * and a GET of a rich existing rule → model → PUT elsewhere → GET is too.
 * All PUTs go to the same branch in sequence, so each one also proves that a
 * PUT replaces the whole rule (nothing of the previous case survives).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Exchange, Sandbox } from '@qms/github-sim';
import { baseRuleProtection, emptyProtection, normalizeProtection, type BranchProtection } from '../../../src/core/protection.js';
import { gatewayFor, withSandbox, type GatewayHarness } from './helpers.js';

// payment-gateway has no classic rule (only the org ruleset), so nothing but our PUTs shapes the answers.
// Teams payments (maintain) and security (write) give the named users push access, as GitHub requires.
const repo = { owner: 'acme', name: 'payment-gateway', ownerType: 'Organization' as const };
// A slash in the branch name also proves the %2F encoding of {branch}.
const branch = 'release/3.1';

const everythingOn: BranchProtection = {
  requiredReviews: {
    requiredApprovingReviewCount: 3,
    requireCodeOwnerReviews: true,
    dismissStaleReviews: true,
    requireLastPushApproval: true,
    dismissalRestrictions: { users: ['tess', 'sue'], teams: ['security'], apps: ['qms-checks'] },
    bypassAllowances: { users: ['sam'], teams: ['payments'], apps: ['github-actions'] },
  },
  requiredStatusChecks: {
    strict: true,
    checks: [
      { context: 'qms/dor-validation', appId: null },
      { context: 'ci/build', appId: 15368 },
      { context: 'qms/pinned', appId: 880001 },
    ],
  },
  enforceAdmins: true,
  requireLinearHistory: true,
  allowForcePushes: true,
  allowDeletions: true,
  blockCreations: true,
  requireConversationResolution: true,
  requireSignedCommits: true,
  lockBranch: true,
  allowForkSyncing: true,
  restrictions: { users: ['dan'], teams: ['security', 'payments'], apps: ['qms-checks'] },
};

const cases: [string, BranchProtection][] = [
  ['every field on', everythingOn],
  [
    'the same reviews without dismissal/bypass lists, checks and push restrictions (nothing lingers)',
    {
      ...everythingOn,
      requiredReviews: { ...everythingOn.requiredReviews!, dismissalRestrictions: null, bypassAllowances: null },
      requiredStatusChecks: { strict: false, checks: [{ context: 'ci/build', appId: 15368 }] },
      restrictions: null,
      requireSignedCommits: false,
    },
  ],
  ['a fresh rule (everything off, pushes blocked)', baseRuleProtection()],
  ['everything off, force pushes and deletions allowed', emptyProtection()],
  [
    'PR with 0 approvals, no dismissal/bypass lists; checks required but none named',
    {
      ...baseRuleProtection(),
      requiredReviews: {
        requiredApprovingReviewCount: 0,
        requireCodeOwnerReviews: false,
        dismissStaleReviews: false,
        requireLastPushApproval: false,
        dismissalRestrictions: null,
        bypassAllowances: null,
      },
      requiredStatusChecks: { strict: false, checks: [] },
    },
  ],
  [
    // The shape ossf/allstar PR #220 could not write back: GitHub refuses it sent with both lists.
    'branches must be up to date, no check named',
    { ...baseRuleProtection(), requiredStatusChecks: { strict: true, checks: [] } },
  ],
  [
    'dismissal and push restricted to nobody (empty lists), signatures only',
    {
      ...baseRuleProtection(),
      requiredReviews: {
        requiredApprovingReviewCount: 1,
        requireCodeOwnerReviews: true,
        dismissStaleReviews: false,
        requireLastPushApproval: false,
        dismissalRestrictions: { users: [], teams: [], apps: [] },
        bypassAllowances: null,
      },
      requireSignedCommits: true,
      restrictions: { users: [], teams: [], apps: [] },
    },
  ],
  [
    'any-source and app-pinned checks of the same name set, lock without fork syncing',
    {
      ...baseRuleProtection(),
      requiredStatusChecks: {
        strict: true,
        checks: [
          { context: 'qms/dod-validation', appId: null },
          { context: 'deploy', appId: 15368 },
        ],
      },
      lockBranch: true,
      allowForkSyncing: false,
      enforceAdmins: true,
    },
  ],
];

describe('classic protection round-trip over HTTP', () => {
  let sandbox: Sandbox;
  let h: GatewayHarness;
  const exchanges: Exchange[] = [];

  beforeAll(async () => {
    sandbox = await withSandbox({ onExchange: (e) => exchanges.push(e) });
    h = gatewayFor(sandbox, 'ada');
  });
  afterAll(async () => {
    await sandbox.close();
  });

  test.each(cases)('%s: PUT → GET returns the same model', async (_name, desired) => {
    const written = await h.gateway.putBranchProtection(repo, branch, desired);
    expect(normalizeProtection(written.protection)).toEqual(normalizeProtection(desired));
    const read = await h.gateway.getBranchProtection(repo, branch);
    expect(read.kind).toBe('protected');
    if (read.kind !== 'protected') return;
    expect(normalizeProtection(read.protection)).toEqual(normalizeProtection(desired));
  });

  test('the signatures endpoint is called only when signatures must change', async () => {
    await h.gateway.putBranchProtection(repo, branch, everythingOn);
    sandbox.stats.reset();
    await h.gateway.putBranchProtection(repo, branch, everythingOn);
    const routes = sandbox.stats.snapshot().byRoute;
    const sigCalls = Object.entries(routes).filter(([k]) => /required_signatures/.test(k) && !k.startsWith('GET'));
    expect(sigCalls).toEqual([]);
    await h.gateway.putBranchProtection(repo, branch, { ...everythingOn, requireSignedCommits: false });
    expect(sandbox.stats.snapshot().byRoute['DELETE /repos/{owner}/{repo}/branches/{branch}/protection/required_signatures']).toBe(1);
    const read = await h.gateway.getBranchProtection(repo, branch);
    expect(read.kind === 'protected' && read.protection.requireSignedCommits).toBe(false);
  });

  test('GET of a rich rule → model → PUT on another branch → GET is lossless', async () => {
    await h.gateway.putBranchProtection(repo, branch, everythingOn);
    const source = await h.gateway.getBranchProtection(repo, branch);
    expect(source.kind).toBe('protected');
    if (source.kind !== 'protected') return;
    expect(await h.gateway.getBranchProtection(repo, 'main')).toEqual({ kind: 'unprotected' });
    await h.gateway.putBranchProtection(repo, 'main', source.protection);
    const copy = await h.gateway.getBranchProtection(repo, 'main');
    expect(copy.kind).toBe('protected');
    if (copy.kind !== 'protected') return;
    expect(normalizeProtection(copy.protection)).toEqual(normalizeProtection(source.protection));
  });

  test('a user-owned repository gets no dismissal or push restrictions, with a warning', async () => {
    const userRepo = { owner: 'ada', name: 'qms-notes', ownerType: 'User' as const };
    const desired: BranchProtection = {
      ...everythingOn,
      requiredReviews: { ...everythingOn.requiredReviews!, bypassAllowances: null },
    };
    const written = await h.gateway.putBranchProtection(userRepo, 'main', desired);
    const expected = {
      ...desired,
      requiredReviews: { ...desired.requiredReviews!, dismissalRestrictions: null },
      restrictions: null,
    };
    expect(normalizeProtection(written.protection)).toEqual(normalizeProtection(expected));
    const read = await h.gateway.getBranchProtection(userRepo, 'main');
    expect(read.kind === 'protected' && normalizeProtection(read.protection)).toEqual(normalizeProtection(expected));
    expect(h.lines.join('')).toMatch(/ada\/qms-notes@main: dismissal restrictions, push restrictions not sent/);
  });

  test('no bypass allowances: the PUT leaves the key out, and the JSON GitHub answers has none either', async () => {
    const desired: BranchProtection = { ...everythingOn, requiredReviews: { ...everythingOn.requiredReviews!, bypassAllowances: null } };
    await h.gateway.putBranchProtection(repo, branch, everythingOn);
    exchanges.length = 0;
    const written = await h.gateway.putBranchProtection(repo, branch, desired);
    const put = exchanges.find((e) => e.method === 'PUT' && e.route === '/repos/{owner}/{repo}/branches/{branch}/protection');
    const sentReviews = (put?.requestBody as { required_pull_request_reviews: Record<string, unknown> }).required_pull_request_reviews;
    expect(Object.keys(sentReviews)).not.toContain('bypass_pull_request_allowances');
    expect(sentReviews['dismissal_restrictions']).toEqual(desired.requiredReviews!.dismissalRestrictions);
    const read = await h.gateway.getBranchProtection(repo, branch);
    for (const raw of [written.raw, read.kind === 'protected' ? read.raw : null]) {
      const reviews = (raw as { required_pull_request_reviews: object }).required_pull_request_reviews;
      expect(Object.keys(reviews)).not.toContain('bypass_pull_request_allowances');
    }
    expect(read.kind === 'protected' && read.protection.requiredReviews?.bypassAllowances).toBeNull();
  });

  test('DELETE on a branch covered only by a wildcard rule resolves and leaves the wildcard rule governing it', async () => {
    const storefront = { owner: 'acme', name: 'web-storefront' };
    const before = await h.gateway.getBranchProtection(storefront, 'release/1.0');
    const rules = await h.gateway.listProtectionRules(storefront);
    expect(before.kind).toBe('protected');
    await expect(h.gateway.deleteBranchProtection(storefront, 'release/1.0')).resolves.toBeUndefined();
    expect(await h.gateway.getBranchProtection(storefront, 'release/1.0')).toEqual(before);
    expect(await h.gateway.listProtectionRules(storefront)).toEqual(rules);
  });

  test('DELETE removes the rule; a second DELETE is fine', async () => {
    await h.gateway.deleteBranchProtection(repo, branch);
    expect(await h.gateway.getBranchProtection(repo, branch)).toEqual({ kind: 'unprotected' });
    await expect(h.gateway.deleteBranchProtection(repo, branch)).resolves.toBeUndefined();
  });
});
