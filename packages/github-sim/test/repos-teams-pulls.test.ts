import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index.js';
import { parseLink, startTestSandbox, type Api } from './helpers.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  ({ sandbox, api } = await startTestSandbox());
});
afterAll(() => sandbox.close());

describe('GET /orgs/{org}/repos', () => {
  it('pages with per_page (default 30, max 100) and a GitHub-style Link header', async () => {
    const total = sandbox.state.repos.filter((r) => r.owner === 'acme').length;
    const first = await api('/orgs/acme/repos?per_page=10');
    expect(first.body).toHaveLength(10);
    const link = parseLink(first.headers.get('link'));
    const last = Math.ceil(total / 10);
    expect(Object.keys(link)).toEqual(['next', 'last']);
    expect(new URL(link['next']!).searchParams.get('page')).toBe('2');
    expect(new URL(link['last']!).searchParams.get('page')).toBe(String(last));

    const middle = await api('/orgs/acme/repos?per_page=10&page=2');
    expect(Object.keys(parseLink(middle.headers.get('link')))).toEqual(['prev', 'next', 'last', 'first']);
    expect(middle.headers.get('link')).toMatch(
      /^<[^>]+page=1>; rel="prev", <[^>]+page=3>; rel="next", <[^>]+>; rel="last", <[^>]+page=1>; rel="first"$/,
    );

    const lastPage = await api(`/orgs/acme/repos?per_page=10&page=${last}`);
    expect(Object.keys(parseLink(lastPage.headers.get('link')))).toEqual(['prev', 'first']);
    expect(lastPage.body.length).toBe(total - 10 * (last - 1));

    // Following the links visits every repository exactly once.
    const seen: string[] = [];
    let url: string | undefined = `/orgs/acme/repos?per_page=7`;
    while (url) {
      const res = await api(url);
      seen.push(...res.body.map((r: { name: string }) => r.name));
      const next = parseLink(res.headers.get('link'))['next'];
      url = next ? next.slice(sandbox.url.length) : undefined;
    }
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);

    expect((await api('/orgs/acme/repos')).body).toHaveLength(Math.min(30, total));
    expect((await api('/orgs/acme/repos?per_page=500')).body).toHaveLength(Math.min(100, total));
  });

  it('filters by type and sorts', async () => {
    const forks = await api('/orgs/acme/repos?type=forks');
    expect(forks.body.map((r: { name: string }) => r.name)).toEqual(['forked-lib']);
    const pub = await api('/orgs/acme/repos?type=public&per_page=100');
    expect(pub.body.every((r: { private: boolean }) => !r.private)).toBe(true);
    const byName = await api('/orgs/acme/repos?sort=full_name&per_page=100');
    const names = byName.body.map((r: { name: string }) => r.name);
    expect(names).toEqual([...names].sort());
    expect((await api('/orgs/no-such-org/repos')).status).toBe(404);
  });

  it('carries archived, disabled, fork, visibility, topics, default_branch, language and the viewer’s permissions', async () => {
    const all = (await api('/orgs/acme/repos?per_page=100', { as: 'max' })).body as Record<string, any>[];
    const by = (n: string) => all.find((r) => r.name === n)!;
    expect(by('legacy-billing').archived).toBe(true);
    expect(by('old-frontend').disabled).toBe(true);
    expect(by('forked-lib').fork).toBe(true);
    expect(by('documentation-system').visibility).toBe('public');
    expect(by('identity-service').topics).toEqual(['auth', 'qms-tier-mission_critical']);
    expect(by('core-payment-system')).toMatchObject({ default_branch: 'main', language: 'TypeScript' });
    expect(by('web-storefront').permissions.admin).toBe(true);
    expect(by('core-payment-system').permissions).toMatchObject({ admin: false, maintain: true });
    expect(by('hackathon-2025').description).toContain('\u001b[31m');
  });
});

describe('repository settings', () => {
  it('PATCH changes merge settings (admins only)', async () => {
    expect((await api('/repos/acme/core-payment-system', { as: 'max', method: 'PATCH', body: { allow_squash_merge: true } })).status).toBe(
      403,
    );
    const res = await api('/repos/acme/web-storefront', {
      as: 'max',
      method: 'PATCH',
      body: { allow_squash_merge: false, allow_rebase_merge: false, delete_branch_on_merge: true },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      allow_squash_merge: false,
      allow_merge_commit: true,
      allow_rebase_merge: false,
      delete_branch_on_merge: true,
    });
    expect((await api('/repos/acme/web-storefront')).body.allow_squash_merge).toBe(false);
  });

  it('shows merge settings only to callers with push access', async () => {
    expect((await api('/repos/acme/core-payment-system', { as: 'rita' })).body.allow_squash_merge).toBeUndefined();
    expect((await api('/repos/acme/core-payment-system')).body).toMatchObject({
      allow_squash_merge: false,
      allow_merge_commit: true,
      allow_rebase_merge: true,
    });
  });

  it('unarchives, which is the one write an archived repository accepts', async () => {
    const res = await api('/repos/acme/legacy-billing', { method: 'PATCH', body: { archived: false } });
    expect(res.status).toBe(200);
    expect(res.body.archived).toBe(false);
    const again = await api('/repos/acme/legacy-billing', { method: 'PATCH', body: { archived: true } });
    expect(again.body.archived).toBe(true);
  });

  it('reports a collaborator’s permission', async () => {
    const max = await api('/repos/acme/core-payment-system/collaborators/max/permission', { as: 'rita' });
    expect(max.body).toMatchObject({ permission: 'write', role_name: 'maintain' });
    const eve = await api('/repos/acme/core-payment-system/collaborators/eve/permission');
    expect(eve.body.permission).toBe('none');
    expect((await api('/repos/acme/core-payment-system/collaborators/nobody/permission')).status).toBe(404);
  });
});

describe('org members and teams', () => {
  it('lists members and memberships', async () => {
    const members = await api('/orgs/acme/members?per_page=100', { as: 'rita' });
    expect(members.body.map((u: { login: string }) => u.login)).toContain('quinn');
    expect(members.body.map((u: { login: string }) => u.login)).not.toContain('eve');
    expect((await api('/orgs/acme/members?role=admin')).body.map((u: { login: string }) => u.login)).toEqual(['ada']);
    expect((await api('/orgs/acme/memberships/ada', { as: 'rita' })).body).toMatchObject({ role: 'admin', state: 'active' });
    expect((await api('/orgs/acme/memberships/eve')).status).toBe(404);
    expect((await api('/orgs/acme/memberships/eve', { as: 'eve' })).status).toBe(404);
  });

  it('serves teams, their members and memberships to members', async () => {
    const teams = await api('/orgs/acme/teams', { as: 'rita' });
    expect(teams.body.map((t: { slug: string }) => t.slug)).toEqual(
      expect.arrayContaining(['platform', 'payments', 'security', 'qms-coordinators', 'architects', 'devops', 'docs', 'web']),
    );
    expect((await api('/orgs/acme/teams', { as: 'eve' })).status).toBe(403);
    const payments = await api('/orgs/acme/teams/payments');
    expect(payments.body).toMatchObject({ slug: 'payments', members_count: 4 });
    const maintainers = await api('/orgs/acme/teams/payments/members?role=maintainer');
    expect(maintainers.body.map((u: { login: string }) => u.login)).toEqual(['tess']);
    expect((await api('/orgs/acme/teams/payments/memberships/max')).body).toMatchObject({ role: 'member', state: 'active' });
    expect((await api('/orgs/acme/teams/payments/memberships/rita')).status).toBe(404);
  });
});

describe('pull requests', () => {
  const core = '/repos/acme/core-payment-system';

  it('lists and gets pull requests', async () => {
    const open = await api(`${core}/pulls`);
    expect(open.body.map((p: { number: number }) => p.number)).toEqual([42, 41]);
    const all = await api(`${core}/pulls?state=all`);
    expect(all.body).toHaveLength(3);
    const pr = await api(`${core}/pulls/41`);
    expect(pr.body).toMatchObject({ number: 41, state: 'open', commits: 3, changed_files: 4, additions: 249, deletions: 7 });
    expect(pr.body.head.ref).toBe('feature/3ds-challenge');
    expect(pr.body.mergeable_state).toBe('blocked');
    expect((await api(`${core}/pulls/999`)).status).toBe(404);
  });

  it('pages files, commits and reviews', async () => {
    const files = await api(`${core}/pulls/41/files?per_page=2`);
    expect(files.body.map((f: { filename: string }) => f.filename)).toEqual(['src/payments/3ds.ts', 'src/payments/charge.ts']);
    expect(parseLink(files.headers.get('link'))['next']).toContain('page=2');
    const commits = await api(`${core}/pulls/41/commits`);
    expect(commits.body.map((c: { commit: { message: string } }) => c.commit.message)).toEqual([
      'Add 3DS challenge handler',
      'Add 3DS session table',
      'Wire challenge into charge()',
    ]);
    expect(commits.body[1].author.login).toBe('dan');
    const reviews = await api(`${core}/pulls/41/reviews`);
    expect(reviews.body.map((r: { user: { login: string }; state: string }) => `${r.user.login}:${r.state}`)).toEqual([
      'tess:APPROVED',
      'sue:CHANGES_REQUESTED',
    ]);
  });

  it('requests and removes reviewers', async () => {
    const before = await api(`${core}/pulls/41/requested_reviewers`);
    expect(before.body.users.map((u: { login: string }) => u.login)).toEqual(['archie']);
    expect(before.body.teams.map((t: { slug: string }) => t.slug)).toEqual(['security']);

    const added = await api(`${core}/pulls/41/requested_reviewers`, {
      as: 'tess',
      method: 'POST',
      body: { reviewers: ['dan'], team_reviewers: ['architects'] },
    });
    expect(added.status).toBe(201);
    expect(added.body.requested_reviewers.map((u: { login: string }) => u.login)).toEqual(['archie', 'dan']);

    const removed = await api(`${core}/pulls/41/requested_reviewers`, {
      as: 'tess',
      method: 'DELETE',
      body: { reviewers: ['dan'], team_reviewers: ['architects'] },
    });
    expect(removed.status).toBe(200);
    expect(removed.body.requested_reviewers.map((u: { login: string }) => u.login)).toEqual(['archie']);
  });

  it('refuses reviewers who are not collaborators, the author, and callers without push access', async () => {
    const outsider = await api(`${core}/pulls/41/requested_reviewers`, { method: 'POST', body: { reviewers: ['eve'] } });
    expect(outsider.status).toBe(422);
    expect(outsider.body.message).toContain('Reviews may only be requested from collaborators');
    const author = await api(`${core}/pulls/41/requested_reviewers`, { method: 'POST', body: { reviewers: ['sam'] } });
    expect(author.body.message).toBe('Review cannot be requested from pull request author.');
    expect((await api(`${core}/pulls/41/requested_reviewers`, { as: 'rita', method: 'POST', body: { reviewers: ['dan'] } })).status).toBe(
      403,
    );
  });
});

describe('commit statuses', () => {
  const core = '/repos/acme/core-payment-system';

  it('combines the newest status per context', async () => {
    const head = sandbox.state.repos.find((r) => r.name === 'core-payment-system')!.pulls.find((p) => p.number === 41)!.headSha;
    const combined = await api(`${core}/commits/${head}/status`);
    expect(combined.body.state).toBe('failure');
    expect(combined.body.total_count).toBe(4);
    const scan = combined.body.statuses.find((s: { context: string }) => s.context === 'qms/security-scan-critical');
    expect(scan.state).toBe('failure');
    expect((await api(`${core}/commits/main/status`)).body.state).toBe('success');
  });

  it('posts a status (push access) and lists statuses newest first', async () => {
    const head = sandbox.state.repos.find((r) => r.name === 'core-payment-system')!.pulls.find((p) => p.number === 42)!.headSha;
    const posted = await api(`${core}/statuses/${head}`, {
      as: 'sam',
      method: 'POST',
      body: { state: 'failure', context: 'qms/dod-validation', description: 'Missing tests' },
    });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ state: 'failure', context: 'qms/dod-validation', creator: { login: 'sam' } });
    const list = await api(`${core}/commits/${head}/statuses`);
    expect(list.body[0].id).toBe(posted.body.id);
    expect((await api(`${core}/commits/${head}/status`)).body.state).toBe('failure');

    const defaultContext = await api(`${core}/statuses/${head}`, { method: 'POST', body: { state: 'pending' } });
    expect(defaultContext.body.context).toBe('default');
    expect((await api(`${core}/statuses/${head}`, { as: 'rita', method: 'POST', body: { state: 'success' } })).status).toBe(404);
    expect((await api(`${core}/statuses/${'f'.repeat(40)}`, { method: 'POST', body: { state: 'success' } })).status).toBe(422);
    expect((await api(`${core}/statuses/${head}`, { method: 'POST', body: { state: 'great' } })).status).toBe(422);
  });
});
