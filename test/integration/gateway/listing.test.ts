/**
 * (e) Listing through Link-header pagination, and the other reads and writes
 * of the gateway, against the simulator over HTTP.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateOrg, loadFixture, type Sandbox } from '@qms/github-sim';
import { collect, gatewayFor, withSandbox, type GatewayHarness } from './helpers.js';

describe('listing and paging over HTTP', () => {
  let sandbox: Sandbox;
  let h: GatewayHarness;

  beforeAll(async () => {
    // The fixture plus a generated org of 250 repositories: three pages of 100.
    const state = generateOrg({ login: 'bigcorp', repos: 250, into: loadFixture() });
    sandbox = await withSandbox({ state });
    h = gatewayFor(sandbox, 'ada');
  });
  afterAll(async () => {
    await sandbox.close();
  });

  test('listOrgRepos follows Link headers: 250 repositories in 3 requests of 100', async () => {
    sandbox.stats.reset();
    const repos = await collect(h.gateway.listOrgRepos('bigcorp'));
    expect(repos).toHaveLength(250);
    expect(new Set(repos.map((r) => r.fullName)).size).toBe(250);
    expect(sandbox.stats.snapshot().byRoute['GET /orgs/{org}/repos']).toBe(3);
    expect(repos.every((r) => r.owner === 'bigcorp' && r.ownerType === 'Organization')).toBe(true);
    expect(repos.some((r) => r.empty)).toBe(true);
  });

  test('the acme listing carries the fixture’s edge cases', async () => {
    const repos = await collect(h.gateway.listOrgRepos('acme'));
    const byName = new Map(repos.map((r) => [r.name, r]));
    expect(byName.get('legacy-billing')?.archived).toBe(true);
    expect(byName.get('old-frontend')?.disabled).toBe(true);
    expect(byName.get('forked-lib')?.fork).toBe(true);
    expect(byName.get('new-service')?.empty).toBe(true);
    expect(byName.get('documentation-system')?.visibility).toBe('public');
    expect(byName.get('core-payment-system')?.customProperties).toMatchObject({ compliance_scope: 'pci' });
    expect(byName.get('core-payment-system')?.viewerPermission).toBe('admin');
    const rita = gatewayFor(sandbox, 'rita');
    const asRita = await collect(rita.gateway.listOrgRepos('acme'));
    expect(asRita.find((r) => r.name === 'core-payment-system')?.viewerPermission).toBe('read');
  });

  test('a stopped iteration sends no further page requests', async () => {
    sandbox.stats.reset();
    for await (const repo of h.gateway.listOrgRepos('bigcorp')) {
      expect(repo.owner).toBe('bigcorp');
      break;
    }
    expect(sandbox.stats.snapshot().byRoute['GET /orgs/{org}/repos']).toBe(1);
  });

  test('viewer, rate limit, repo with merge settings, branches', async () => {
    expect(await h.gateway.getViewer()).toEqual({ login: 'ada', id: expect.any(Number), type: 'User' });
    const rate = await h.gateway.getRateLimit();
    expect(rate.core.limit).toBe(5000);
    expect(rate.core.resetAt).toBeGreaterThan(Date.now());
    const repo = await h.gateway.getRepo({ owner: 'acme', name: 'core-payment-system' });
    expect(repo.merge).toEqual({ allowSquashMerge: false, allowMergeCommit: true, allowRebaseMerge: true });
    const branches = await collect(h.gateway.listBranches({ owner: 'acme', name: 'core-payment-system' }));
    expect(branches.map((b) => b.name)).toEqual(expect.arrayContaining(['hotfix/card-fix', 'main', 'release/1.0', 'release/2.0']));
    expect(branches.find((b) => b.name === 'main')).toMatchObject({ protected: true, sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const unicode = await h.gateway.getBranch({ owner: 'acme', name: 'hackathon-2025' }, 'feature/ünïcødé');
    expect(unicode?.name).toBe('feature/ünïcødé');
  });

  test('merge settings are written and read back', async () => {
    const ref = { owner: 'acme', name: 'core-payment-system' };
    const written = await h.gateway.ensureMergeSettings(ref, { allowSquashMerge: true, allowMergeCommit: false, allowRebaseMerge: true });
    const now = written.settings;
    expect(now).toEqual({ allowSquashMerge: true, allowMergeCommit: false, allowRebaseMerge: true });
    expect(written.outcome).toBe('updated');
    expect((await h.gateway.getRepo(ref)).merge).toEqual(now);
    // Idempotent: the same settings again is no write at all.
    expect((await h.gateway.ensureMergeSettings(ref, now)).outcome).toBe('unchanged');
  });

  test('rulesets: repository (with parents), organization, and rules for a branch', async () => {
    const ruleset = await h.gateway.listRepoRulesets({ owner: 'acme', name: 'risk-engine' }, { includeParents: false });
    expect(ruleset.length).toBeGreaterThan(0);
    expect(ruleset.every((r) => r.source.type === 'Repository')).toBe(true);
    const main = ruleset.find((r) => r.name === 'Main is mission critical');
    expect(main?.refName).toEqual({ include: ['~DEFAULT_BRANCH'], exclude: [] });
    expect(main?.rules.map((r) => r.type)).toContain('pull_request');

    const withParents = await h.gateway.listRepoRulesets({ owner: 'acme', name: 'payment-gateway' });
    expect(withParents.some((r) => r.source.type === 'Organization' && r.name === 'PCI baseline')).toBe(true);

    const org = await h.gateway.listOrgRulesets('acme');
    const pci = org.find((r) => r.name === 'PCI baseline');
    expect(pci?.repositoryProperty?.include[0]).toMatchObject({ name: 'compliance_scope', propertyValues: ['pci'] });
    expect(pci?.bypassActors?.length).toBeGreaterThan(0);

    const applied = await h.gateway.getRulesForBranch({ owner: 'acme', name: 'payment-gateway' }, 'main');
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.every((r) => r.source.rulesetId === pci?.id)).toBe(true);
  });

  test('files: a nested path, a missing one, a directory', async () => {
    const ref = { owner: 'acme', name: 'core-payment-system' };
    const codeowners = await h.gateway.getFile(ref, '.github/CODEOWNERS');
    expect(codeowners?.text).toMatch(/@acme\/payments/);
    expect(codeowners?.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await h.gateway.getFile(ref, '.github/NOPE')).toBeNull();
    expect(await h.gateway.getFile(ref, '.github')).toBeNull();
  });

  test('custom properties: read, list, write in batches of 30', async () => {
    expect(await h.gateway.getCustomProperties({ owner: 'acme', name: 'core-payment-system' })).toMatchObject({ compliance_scope: 'pci' });
    const names = (await collect(h.gateway.listOrgRepos('bigcorp'))).map((r) => r.name).slice(0, 65);
    sandbox.stats.reset();
    await h.gateway.setCustomProperties('bigcorp', names, { qms_tier: 'standard' });
    expect(sandbox.stats.snapshot().byRoute['PATCH /orgs/{org}/properties/values']).toBe(3);
    const values = await collect(h.gateway.listOrgCustomPropertyValues('bigcorp'));
    const set = values.filter((v) => names.includes(v.repo));
    expect(set).toHaveLength(65);
    expect(set.every((v) => v.properties['qms_tier'] === 'standard')).toBe(true);
  });

  test('pull requests, reviews, commits, files, statuses and reviewer requests', async () => {
    const ref = { owner: 'acme', name: 'core-payment-system' };
    const pr = await h.gateway.getPullRequest(ref, 41);
    expect(pr).toMatchObject({
      number: 41,
      author: 'sam',
      state: 'open',
      baseRef: 'main',
      headRef: 'feature/3ds-challenge',
      merged: false,
    });
    expect(pr.labels).toEqual(expect.arrayContaining(['security', 'payments']));
    expect(pr.requestedTeams).toContain('security');
    expect((await h.gateway.listPullRequestFiles(ref, 41)).map((f) => f.filename)).toContain('src/payments/3ds.ts');
    expect((await h.gateway.listPullRequestCommits(ref, 41)).every((c) => c.verified)).toBe(true);
    const reviews = await h.gateway.listPullRequestReviews(ref, 41);
    expect(reviews.map((r) => `${r.user}:${r.state}`)).toEqual(['tess:APPROVED', 'sue:CHANGES_REQUESTED']);

    const status = await h.gateway.createCommitStatus(ref, pr.headSha, {
      context: 'qms/dor-validation',
      state: 'success',
      description: 'ok',
    });
    expect(status).toMatchObject({ context: 'qms/dor-validation', state: 'success', description: 'ok', creator: 'ada' });
    const statuses = await h.gateway.listCommitStatuses(ref, pr.headSha);
    expect(statuses.some((s) => s.context === 'qms/dor-validation' && s.state === 'success' && s.description === 'ok')).toBe(true);

    await h.gateway.requestReviewers(ref, 41, { users: ['dan'], teams: [] });
    expect((await h.gateway.getPullRequest(ref, 41)).requestedReviewers).toContain('dan');
  });

  test('a GitHub Enterprise Server URL (/api/v3): REST under the prefix, GraphQL at /api/graphql', async () => {
    const ghes = gatewayFor(sandbox, 'ada', { apiUrl: `${sandbox.url}/api/v3/` });
    const ref = { owner: 'acme', name: 'core-payment-system' };
    expect((await ghes.gateway.getRepo(ref)).fullName).toBe('acme/core-payment-system');
    expect((await ghes.gateway.listProtectionRules(ref)).map((r) => r.pattern)).toContain('main');
    expect(ghes.lines.join('')).toMatch(/POST \/api\/graphql 200/);
  });

  test('teams and members', async () => {
    const teams = await h.gateway.listTeams('acme');
    expect(teams.map((t) => t.slug)).toEqual(expect.arrayContaining(['payments', 'security', 'qms-coordinators']));
    expect((await h.gateway.listTeamMembers('acme', 'payments')).sort()).toEqual(['dan', 'max', 'sam', 'tess']);
  });
});
