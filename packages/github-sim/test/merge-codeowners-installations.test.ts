/**
 * The simulator's side of effective protection (docs/effective-protection.md):
 * CODEOWNERS errors, an organization's app installations, `evaluate` only on the
 * Enterprise plan, and PUT …/pulls/{n}/merge enforcing protection for the merging
 * user — bypass actors and modes, pull request bypass allowances, enforce admins,
 * reviews, code owners, pinned checks. Every exchange is checked against GitHub's
 * OpenAPI description when the file ends. Merges change state: each PR is merged once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index.js';
import { startTestSandbox, type Api } from './helpers.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  ({ sandbox, api } = await startTestSandbox());
});
afterAll(() => sandbox.close());

const merge = (repo: string, n: number, as: string, body: Record<string, unknown> = { merge_method: 'rebase' }) =>
  api(`/repos/acme-rules/${repo}/pulls/${n}/merge`, { method: 'PUT', body, as });

describe('GET /repos/{owner}/{repo}/codeowners/errors', () => {
  it('lists the owners GitHub cannot use, line by line, in its words', async () => {
    const web = await api('/repos/acme/web-storefront/codeowners/errors');
    expect(web.status).toBe(200);
    expect(web.body.errors).toEqual([
      expect.objectContaining({ line: 4, column: 18, kind: 'Unknown owner', path: 'CODEOWNERS', source: '/legacy/         @ghost-user' }),
    ]);
    expect(web.body.errors[0].message).toMatch(
      /^Unknown owner on line 4: make sure @ghost-user exists and has write access to the repository/,
    );
    const bad = await api('/repos/acme-rules/bad-codeowners/codeowners/errors');
    expect(bad.body.errors.map((e: { line: number }) => e.line)).toEqual([2, 3]);
    expect(bad.body.errors[1].message).toMatch(
      /make sure the team @acme-rules\/no-such-team exists, is publicly visible, and has write access/,
    );
    // Valid owners: no error (the payments team writes to core-payment-system).
    expect((await api('/repos/acme/core-payment-system/codeowners/errors')).body).toEqual({ errors: [] });
  });

  it('answers 404 without a CODEOWNERS file, and to whoever cannot see the repository', async () => {
    expect((await api('/repos/acme-rules/no-codeowners/codeowners/errors')).status).toBe(404);
    expect((await api('/repos/acme-rules/bad-codeowners/codeowners/errors', { as: 'eve' })).status).toBe(404);
  });
});

describe('GET /orgs/{org}/installations', () => {
  it('lists the installed apps to organization owners', async () => {
    const res = await api('/orgs/acme-rules/installations');
    expect(res.status).toBe(200);
    expect(res.body.total_count).toBe(1);
    expect(res.body.installations[0]).toMatchObject({
      app_id: 880001,
      app_slug: 'qms-checks',
      repository_selection: 'all',
      target_type: 'Organization',
    });
    expect((await api('/orgs/acme/installations')).body).toEqual({ total_count: 0, installations: [] });
  });

  it('refuses members who are not owners (403) and hides the organization from outsiders (404)', async () => {
    expect((await api('/orgs/acme-rules/installations', { as: 'max' })).status).toBe(403);
    expect((await api('/orgs/acme-rules/installations', { as: 'eve' })).status).toBe(404);
  });
});

describe('ruleset enforcement "evaluate" is an Enterprise feature', () => {
  const body = {
    name: 'Try it first',
    enforcement: 'evaluate',
    conditions: { ref_name: { include: ['~DEFAULT_BRANCH'], exclude: [] } },
    rules: [{ type: 'deletion' }],
  };

  it('is refused on the Free plan (422) and accepted on Enterprise', async () => {
    const free = await api('/repos/acme-labs/labs-public-demo/rulesets', { method: 'POST', body });
    expect(free.status).toBe(422);
    expect(free.body.errors[0]).toMatchObject({ field: 'enforcement', code: 'invalid' });
    expect((await api('/repos/acme-labs/labs-public-demo/rulesets')).body).toEqual([]);
    const enterprise = await api('/repos/acme-rules/frozen/rulesets', { method: 'POST', body });
    expect(enterprise.status).toBe(201);
    expect(enterprise.body.enforcement).toBe('evaluate');
  });
});

describe('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', () => {
  it("blocks a writer the ruleset binds: 405 with GitHub's review message", async () => {
    const res = await merge('bypass-actors', 1, 'quinn');
    expect(res.status).toBe(405);
    expect(res.body.message).toBe('At least 2 approving reviews are required by reviewers with write access.');
    expect((await api('/repos/acme-rules/bypass-actors/pulls/1')).body.merged).toBe(false);
  });

  it('lets a bypass team (always) through, and a bypass user in pull_request mode', async () => {
    const byTeam = await merge('bypass-actors', 1, 'tess');
    expect(byTeam.status).toBe(200);
    expect(byTeam.body).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
    expect(byTeam.body.sha).toMatch(/^[0-9a-f]{40}$/);
    const pull = (await api('/repos/acme-rules/bypass-actors/pulls/1')).body;
    expect(pull).toMatchObject({ state: 'closed', merged: true });
    expect((await api('/repos/acme-rules/bypass-actors/branches/main')).body.commit.sha).toBe(byTeam.body.sha);
    // A merged pull request cannot be merged again.
    expect((await merge('bypass-actors', 1, 'tess')).status).toBe(405);
    // cyrus may bypass in pull_request mode: merging a pull request is exactly that.
    expect((await merge('bypass-actors', 2, 'cyrus')).status).toBe(200);
  });

  it('binds administrators through a ruleset even when the classic rule does not enforce admins', async () => {
    const res = await merge('admins-by-ruleset', 1, 'ada');
    expect(res.status).toBe(405);
    expect(res.body.message).toBe('At least 2 approving reviews are required by reviewers with write access.');
  });

  it('lets a pull request bypass allowance skip reviews, but not the required checks', async () => {
    expect((await merge('pr-allowance', 1, 'quinn')).body.message).toBe(
      'At least 2 approving reviews are required by reviewers with write access.',
    );
    const unchecked = await merge('pr-allowance', 2, 'cyrus');
    expect(unchecked.status).toBe(405);
    expect(unchecked.body.message).toBe('Required status check "qms/dor-validation" is expected.');
    const res = await merge('pr-allowance', 1, 'cyrus');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it("does not count a token's status for a check pinned to an app", async () => {
    const res = await merge('pinned-checks', 1, 'tess');
    expect(res.status).toBe(405);
    expect(res.body.message).toBe('Required status check "qms/dor-validation" is expected.');
  });

  it('checks the head sha (409), the merge method (405) and push access (403)', async () => {
    expect((await merge('pinned-checks', 1, 'tess', { merge_method: 'rebase', sha: '0'.repeat(40) })).status).toBe(409);
    const squash = await merge('pinned-checks', 1, 'tess', { merge_method: 'squash' });
    expect(squash.status).toBe(405);
    expect(squash.body.message).toBe('Squash merges are not allowed on this repository.');
    expect((await merge('pinned-checks', 1, 'rita')).status).toBe(403);
  });

  it('enforces code owner review and required checks on the acme fixture', async () => {
    // core-payment-system PR #42: dan's, approved by tess and sam (payments: code owners of
    // every path), every check green, last push by dan: mergeable.
    const ok = await api('/repos/acme/core-payment-system/pulls/42/merge', { method: 'PUT', body: { merge_method: 'rebase' }, as: 'tess' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    // PR #41: sue (security) requested changes.
    const blocked = await api('/repos/acme/core-payment-system/pulls/41/merge', {
      method: 'PUT',
      body: { merge_method: 'rebase' },
      as: 'tess',
    });
    expect(blocked.status).toBe(405);
    expect(blocked.body.message).toBe('Changes have been requested.');
    // Once sue approves, tess (payments) and sue (security) cover every path but the
    // workflow, which only devops owns.
    const pull = sandbox.state.repos
      .find((r) => r.owner === 'acme' && r.name === 'core-payment-system')!
      .pulls.find((p) => p.number === 41)!;
    pull.reviews = pull.reviews.map((r) => (r.state === 'CHANGES_REQUESTED' ? { ...r, state: 'APPROVED' as const } : r));
    const owners = await api('/repos/acme/core-payment-system/pulls/41/merge', {
      method: 'PUT',
      body: { merge_method: 'rebase' },
      as: 'tess',
    });
    expect(owners.status).toBe(405);
    expect(owners.body.message).toBe('Waiting on code owner review from @acme/devops.');
  });
});
