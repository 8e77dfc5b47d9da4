import { afterEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index.js';
import { startTestSandbox, type Api } from './helpers.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: Parameters<typeof startTestSandbox>[0] = {}): Promise<Api> {
  const started = await startTestSandbox(options);
  sandbox = started.sandbox;
  return started.api;
}

describe('primary rate limit', () => {
  it('counts every request per token and reports it in the headers', async () => {
    const api = await start();
    const a = await api('/repos/acme/core-payment-system');
    const b = await api('/repos/acme/no-such-repo');
    expect(a.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(Number(a.headers.get('x-ratelimit-used'))).toBe(1);
    expect(Number(b.headers.get('x-ratelimit-used'))).toBe(2); // errors are charged too
    expect(Number(b.headers.get('x-ratelimit-remaining'))).toBe(4998);
    const reset = Number(a.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(Date.now() / 1000 + 3500);
    // Another token has its own budget.
    expect((await api('/user', { as: 'max' })).headers.get('x-ratelimit-used')).toBe('1');
  });

  it('answers 403 "API rate limit exceeded for user ID N" with remaining 0 once exhausted', async () => {
    const api = await start({ rateLimit: { core: 3 } });
    for (let i = 0; i < 3; i++) expect((await api('/user')).status).toBe(200);
    const res = await api('/user');
    expect(res.status).toBe(403);
    const ada = sandbox!.state.users.find((u) => u.login === 'ada')!;
    expect(res.body.message).toMatch(new RegExp(`^API rate limit exceeded for user ID ${ada.id}\\. If you reach out to GitHub Support`));
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    // GET /rate_limit still works and is not counted.
    const rl = await api('/rate_limit');
    expect(rl.status).toBe(200);
    expect(rl.body.resources.core).toMatchObject({ limit: 3, remaining: 0, used: 3 });
    expect(rl.body.rate.remaining).toBe(0);
  });

  it('does not count GET /rate_limit', async () => {
    const api = await start();
    await api('/rate_limit');
    await api('/rate_limit');
    const rl = await api('/rate_limit');
    expect(rl.body.resources.core.used).toBe(0);
    expect(rl.body.resources.graphql).toMatchObject({ limit: 5000, used: 0 });
  });

  it('gives anonymous callers 60 per hour, keyed by address', async () => {
    const api = await start();
    const res = await api('/repos/acme/documentation-system', { as: null });
    expect(res.headers.get('x-ratelimit-limit')).toBe('60');
    expect(res.headers.get('x-ratelimit-used')).toBe('1');
  });

  it('charges GraphQL against its own pool', async () => {
    const api = await start({ rateLimit: { graphql: 100 } });
    const res = await api('/graphql', { method: 'POST', body: { query: 'query { viewer { login } }' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-resource')).toBe('graphql');
    expect(res.headers.get('x-ratelimit-limit')).toBe('100');
    const cost = sandbox!.stats.graphqlPoints;
    expect(cost).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get('x-ratelimit-used'))).toBe(cost);
    expect((await api('/rate_limit')).body.resources.core.used).toBe(0);
    expect((await api('/graphql', { as: null, method: 'POST', body: { query: '{ viewer { login } }' } })).status).toBe(401);
  });

  it('reports an exhausted GraphQL budget as HTTP 200 with a RATE_LIMITED error', async () => {
    const api = await start({ rateLimit: { graphql: 1 } });
    const ok = await api('/graphql', { method: 'POST', body: { query: 'query { viewer { login } }' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('0');
    const limited = await api('/graphql', { method: 'POST', body: { query: 'query { viewer { login } }' } });
    expect(limited.status).toBe(200);
    expect(limited.body.errors[0].type).toBe('RATE_LIMITED');
    expect(limited.headers.get('x-ratelimit-resource')).toBe('graphql');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    // REST is a separate pool.
    expect((await api('/user')).status).toBe(200);
  });
});

describe('conditional requests', () => {
  it('answers a matching If-None-Match with 304, uncounted', async () => {
    const api = await start();
    const first = await api('/repos/acme/core-payment-system');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"[0-9a-f]{64}"$/);
    const again = await api('/repos/acme/core-payment-system', { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    // No content, so no content type and no length; the validators and rate-limit headers stay.
    expect(again.headers.get('content-type')).toBeNull();
    expect(again.headers.get('content-length')).toBeNull();
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('x-ratelimit-used')).toBe('1');
    expect(sandbox!.stats.notModified).toBe(1);
    // A change to the resource changes the ETag.
    await api('/repos/acme/core-payment-system', { method: 'PATCH', body: { allow_rebase_merge: true } });
    const changed = await api('/repos/acme/core-payment-system', { headers: { 'if-none-match': etag! } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });
});

describe('secondary rate limits', () => {
  it('are off by default', async () => {
    const api = await start();
    const results = await Promise.all(
      Array.from({ length: 90 }, () => api('/repos/acme/internal-tools/properties/values', { method: 'PATCH', body: { properties: [] } })),
    );
    expect(results.every((r) => r.status === 204)).toBe(true);
  });

  it('limit content-creating requests to 80 a minute, with retry-after', async () => {
    const api = await start({ secondaryLimits: true });
    const write = () => api('/repos/acme/internal-tools/properties/values', { method: 'PATCH', body: { properties: [] } });
    for (let i = 0; i < 80; i++) expect((await write()).status).toBe(204);
    const limited = await write();
    expect(limited.status).toBe(403);
    expect(limited.body.message).toMatch(/^You have exceeded a secondary rate limit\. Please wait a few minutes before you try again\./);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-remaining')).not.toBe('0');
    // Reads are not content creation.
    expect((await api('/repos/acme/internal-tools')).status).toBe(200);
  });

  it('limit one endpoint to 900 points a minute (GET = 1 point)', async () => {
    const api = await start({ secondaryLimits: true });
    const batch = async (n: number) => Promise.all(Array.from({ length: n }, () => api('/repos/acme/internal-tools')));
    for (let i = 0; i < 9; i++) expect((await batch(100)).every((r) => r.status === 200)).toBe(true);
    const over = await api('/repos/acme/internal-tools');
    expect(over.status).toBe(403);
    expect(over.body.message).toContain('secondary rate limit');
    // A different endpoint has its own budget.
    expect((await api('/repos/acme/internal-tools/branches')).status).toBe(200);
  });

  it('limit concurrency to 100 requests, and can answer 429 instead of 403', async () => {
    const api = await start({ secondaryLimits: true, secondaryLimitStatus: 429, latencyMs: 300 });
    const results = await Promise.all(Array.from({ length: 105 }, (_, i) => api(`/repos/acme/internal-tools${i % 2 ? '' : '/branches'}`)));
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.headers.get('retry-after')).not.toBeNull();
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(100);
  });
});
