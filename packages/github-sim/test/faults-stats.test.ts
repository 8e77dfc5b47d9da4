import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Exchange, Sandbox } from '../src/index.js';
import { startTestSandbox, token, type Api } from './helpers.js';

let sandbox: Sandbox;
let api: Api;
const exchanges: Exchange[] = [];
const PROTECTION = '/repos/{owner}/{repo}/branches/{branch}/protection';

beforeAll(async () => {
  ({ sandbox, api } = await startTestSandbox({ onExchange: (e) => exchanges.push(e) }));
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.faults.clear();
  sandbox.stats.reset();
  sandbox.configure({ latencyMs: 0 });
});

describe('fault injection', () => {
  it('status: answers the given status for matching requests, `times` times, after `skip`', async () => {
    sandbox.faults.add({ route: PROTECTION, method: 'GET', kind: 'status', status: 502, times: 2, skip: 1 });
    const url = '/repos/acme/core-payment-system/branches/main/protection';
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(url)).status);
    expect(statuses).toEqual([200, 502, 502, 200]);
    // Other routes are untouched.
    sandbox.faults.add({ route: PROTECTION, kind: 'status', status: 500 });
    expect((await api('/repos/acme/core-payment-system')).status).toBe(200);
    expect(sandbox.faults.list()).toHaveLength(1);
  });

  it('pathIncludes: a fault can hit one repository while the rest of the org answers', async () => {
    sandbox.faults.add({ kind: 'status', status: 500, times: 0, pathIncludes: '/repos/acme/sales-reporting/' });
    expect((await api('/repos/acme/sales-reporting/branches/main')).status).toBe(500);
    expect((await api('/repos/acme/sales-reporting/branches/main')).status).toBe(500);
    expect((await api('/repos/acme/internal-tools/branches/main')).status).toBe(200);
    // Matched on the decoded path, so an encoded branch name can be targeted too.
    sandbox.faults.clear();
    sandbox.faults.add({ kind: 'status', status: 502, pathIncludes: 'branches/feature/ünïcødé' });
    expect((await api(`/repos/acme/hackathon-2025/branches/${encodeURIComponent('feature/ünïcødé')}`)).status).toBe(502);
  });

  it('status: 503 with retry-after, and the fault does not perform the write', async () => {
    sandbox.faults.add({ route: PROTECTION, method: 'DELETE', kind: 'status', status: 503, retryAfter: 7 });
    const res = await api('/repos/acme/platform-docs/branches/main/protection', { method: 'DELETE' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.body.message).toBe('Service Unavailable');
    expect((await api('/repos/acme/platform-docs/branches/main/protection')).status).toBe(200);
  });

  it('secondary-limit: 403 (or 429) with retry-after and GitHub’s message', async () => {
    sandbox.faults.add({ route: '*', kind: 'secondary-limit', retryAfter: 2 });
    sandbox.faults.add({ route: '*', kind: 'secondary-limit', status: 429, retryAfter: 3 });
    const a = await api('/user');
    const b = await api('/user');
    expect([a.status, b.status]).toEqual([403, 429]);
    expect(a.headers.get('retry-after')).toBe('2');
    expect(b.headers.get('retry-after')).toBe('3');
    expect(a.body.message).toMatch(/secondary rate limit/);
    expect((await api('/user')).status).toBe(200);
  });

  it('primary-limit: 403 with remaining 0 and a reset in the future', async () => {
    sandbox.faults.add({ kind: 'primary-limit', retryAfter: 30 });
    const res = await api('/user');
    expect(res.status).toBe(403);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 28);
    expect(res.body.message).toMatch(/^API rate limit exceeded for user ID \d+\./);
  });

  it('reset: destroys the connection', async () => {
    sandbox.faults.add({ route: '/repos/{owner}/{repo}', kind: 'reset' });
    await expect(
      fetch(`${sandbox.url}/repos/acme/core-payment-system`, { headers: { authorization: `token ${token('ada')}` } }),
    ).rejects.toThrow();
    expect((await api('/repos/acme/core-payment-system')).status).toBe(200);
    expect(exchanges.some((e) => e.fault === 'reset' && e.status === 0)).toBe(true);
  });

  it('slow: waits delayMs before answering', async () => {
    sandbox.faults.add({ kind: 'slow', delayMs: 250 });
    const t = Date.now();
    const res = await api('/user');
    expect(res.status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(240);
  });

  it('truncated: sends half of the JSON body', async () => {
    sandbox.faults.add({ kind: 'truncated' });
    const res = await api('/repos/acme/core-payment-system');
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.text)).toThrow();
    const full = await api('/repos/acme/core-payment-system');
    expect(res.text.length).toBe(Math.floor(full.text.length / 2));
    expect(full.text.startsWith(res.text)).toBe(true);
  });

  it('latencyMs delays every response', async () => {
    sandbox.configure({ latencyMs: 150 });
    const t = Date.now();
    await api('/user');
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });

  it('rejects an invalid rule', () => {
    expect(() => sandbox.faults.add({ kind: 'explode' as never })).toThrow(/kind must be one of/);
  });
});

describe('request stats', () => {
  it('counts by route, REST reads and writes, GraphQL and 304s', async () => {
    await api('/repos/acme/core-payment-system');
    await api('/repos/acme/web-storefront');
    const etag = (await api('/user')).headers.get('etag')!;
    await api('/user', { headers: { 'if-none-match': etag } });
    await api('/repos/acme/platform-docs/branches/main/protection/enforce_admins', { method: 'POST' });
    await api('/graphql', { method: 'POST', body: { query: '{ viewer { login } }' } });
    await api('/nope');
    const s = sandbox.stats.snapshot();
    expect(s.total).toBe(7);
    expect(s.byRoute['GET /repos/{owner}/{repo}']).toBe(2);
    expect(s.byRoute['GET /user']).toBe(2);
    expect(s.byRoute['GET <unmatched>']).toBe(1);
    expect(s.restGet).toBe(5);
    expect(s.restWrite).toBe(1);
    expect(s.graphqlQueries + s.graphqlMutations).toBe(1);
    expect(s.graphqlPoints).toBeGreaterThanOrEqual(1);
    expect(s.notModified).toBe(1);
    sandbox.stats.reset();
    expect(sandbox.stats.snapshot().total).toBe(0);
  });
});

describe('control API', () => {
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}/_sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (res.status === 204 ? null : await res.json()) as any };
  };

  it('exposes stats, faults, config and reset over HTTP (outside GitHub’s routes)', async () => {
    await api('/user');
    expect((await control('GET', 'stats')).body.total).toBe(1);
    expect((await control('POST', 'stats/reset')).body.total).toBe(0);

    expect((await control('POST', 'faults', { route: '/user', kind: 'status', status: 500 })).status).toBe(201);
    expect((await control('GET', 'faults')).body).toHaveLength(1);
    expect((await api('/user')).status).toBe(500);
    expect((await control('POST', 'faults', { kind: 'nonsense' })).status).toBe(422);
    await control('POST', 'faults', { kind: 'status' });
    expect((await control('DELETE', 'faults')).status).toBe(204);
    expect((await api('/user')).status).toBe(200);

    const cfg = await control('PUT', 'config', { latencyMs: 5, secondaryLimits: true, secondaryLimitStatus: 429 });
    expect(cfg.body).toMatchObject({ latencyMs: 5, secondaryLimits: true, secondaryLimitStatus: 429 });
    expect((await control('PUT', 'config', { latencyMs: -1 })).status).toBe(422);
    sandbox.configure({ secondaryLimits: false, secondaryLimitStatus: 403 });

    const users = await control('GET', 'users');
    expect(users.body.find((u: { login: string }) => u.login === 'rita')).toMatchObject({ token: 'qms_sandbox_rita', roles: [] });

    await api('/repos/acme/platform-docs/branches/main/protection', { method: 'DELETE' });
    expect((await api('/repos/acme/platform-docs/branches/main/protection')).status).toBe(404);
    expect((await control('POST', 'reset')).status).toBe(200);
    expect((await api('/repos/acme/platform-docs/branches/main/protection')).status).toBe(200);
    // Control traffic is not GitHub traffic.
    expect(exchanges.some((e) => e.path.startsWith('/_sandbox'))).toBe(false);
  });
});
