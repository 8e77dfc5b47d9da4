/**
 * (b) Rate limits, 5xx, resets, timeouts and cancellation against the
 * simulator's injected faults, over HTTP. Arrival times are taken from the
 * simulator's side (onExchange), so they measure what GitHub would see.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { Exchange, Sandbox } from '@qms/github-sim';
import { GitHubError, InterruptedError, RateLimitError } from '../../../src/core/errors.js';
import { gatewayFor, sandboxToken, withSandbox } from './helpers.js';

const REPO_ROUTE = '/repos/{owner}/{repo}';
const repo = { owner: 'acme', name: 'core-payment-system' };

describe('retries and rate limits over HTTP', () => {
  let sandbox: Sandbox;
  const arrivals: { route: string | null; at: number; status: number }[] = [];

  beforeAll(async () => {
    sandbox = await withSandbox({
      onExchange: (e: Exchange) => arrivals.push({ route: e.route, at: performance.now(), status: e.status }),
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.faults.clear();
    arrivals.length = 0;
  });

  const timesFor = (route: string) => arrivals.filter((a) => a.route === route);

  test('a 429 secondary limit with retry-after: 2 is retried after ~2 s, not plugin-retry’s 1 s', async () => {
    sandbox.faults.add({ kind: 'secondary-limit', status: 429, retryAfter: 2, route: REPO_ROUTE });
    // Real pacing: 1 s per retry-after second, as in production.
    const h = gatewayFor(sandbox, 'ada', { throttle: { writeIntervalMs: 0, retryAfterBaseValue: 1000 } });
    const info = await h.gateway.getRepo(repo);
    expect(info.fullName).toBe('acme/core-payment-system');
    const seen = timesFor(REPO_ROUTE);
    expect(seen.map((a) => a.status)).toEqual([429, 200]);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(1900);
    expect(h.lines.join('')).toMatch(/secondary rate limit on GET \/repos\/\{owner\}\/\{repo\}: waiting 2s/);
  });

  test('control: octokit.js’s default plugin order retries the same 429 after ~1 s (the trap)', async () => {
    sandbox.faults.add({ kind: 'secondary-limit', status: 429, retryAfter: 2, route: REPO_ROUTE });
    const Naive = Octokit.plugin(retry, throttling);
    let secondaryHandlerCalls = 0;
    const naive = new Naive({
      auth: sandboxToken('ada'),
      baseUrl: sandbox.url,
      log: { debug() {}, info() {}, warn() {}, error() {} },
      throttle: {
        onRateLimit: () => false,
        onSecondaryRateLimit: () => {
          secondaryHandlerCalls++;
          return true;
        },
      },
    });
    await naive.request('GET /repos/{owner}/{repo}', { owner: repo.owner, repo: repo.name });
    const seen = timesFor(REPO_ROUTE);
    expect(seen.map((a) => a.status)).toEqual([429, 200]);
    const gap = seen[1]!.at - seen[0]!.at;
    expect(gap).toBeLessThan(1900);
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(secondaryHandlerCalls).toBe(0);
  });

  test('a 403 secondary limit honours retry-after too', async () => {
    sandbox.faults.add({ kind: 'secondary-limit', status: 403, retryAfter: 3, route: REPO_ROUTE });
    // 50 ms per second of retry-after keeps the test short; the gap still scales with retry-after.
    const h = gatewayFor(sandbox, 'ada', { throttle: { writeIntervalMs: 0, retryAfterBaseValue: 50 } });
    await h.gateway.getRepo(repo);
    const seen = timesFor(REPO_ROUTE);
    expect(seen.map((a) => a.status)).toEqual([403, 200]);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(140);
  });

  test('a 429 that does not go away ends in RateLimitError after exactly the configured retries (no second retry layer)', async () => {
    // With 429 missing from plugin-retry's doNotRetry, the outer retry layer would start
    // the whole throttled sequence again (up to 3 × 3 more attempts).
    sandbox.faults.add({ kind: 'secondary-limit', status: 429, retryAfter: 1, route: REPO_ROUTE, times: 0 });
    const h = gatewayFor(sandbox, 'ada', { throttle: { writeIntervalMs: 0, retryAfterBaseValue: 10, secondaryRetries: 2 } });
    const err = await h.gateway.getRepo(repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).exitCode).toBe(3);
    expect((err as RateLimitError).route).toBe('GET /repos/{owner}/{repo}');
    expect(timesFor(REPO_ROUTE)).toHaveLength(3);
  });

  test('a primary limit that resets soon is waited for; one that resets late fails at once with resetAt', async () => {
    sandbox.faults.add({ kind: 'primary-limit', retryAfter: 1, route: REPO_ROUTE });
    const h = gatewayFor(sandbox, 'ada', { throttle: { writeIntervalMs: 0, retryAfterBaseValue: 20 } });
    await h.gateway.getRepo(repo);
    expect(timesFor(REPO_ROUTE).map((a) => a.status)).toEqual([403, 200]);

    arrivals.length = 0;
    sandbox.faults.add({ kind: 'primary-limit', retryAfter: 3600, route: REPO_ROUTE });
    const started = Date.now();
    const err = await h.gateway.getRepo(repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const resetAt = (err as RateLimitError).resetAt!;
    expect(resetAt).toBeGreaterThan(started + 3500_000);
    expect((err as Error).message).toMatch(/rate limit exhausted .*resets at/);
    expect(timesFor(REPO_ROUTE)).toHaveLength(1);
  });

  test('5xx answers are retried with backoff, then succeed', async () => {
    sandbox.faults.add({ kind: 'status', status: 502, route: REPO_ROUTE, times: 2 });
    const h = gatewayFor(sandbox, 'ada');
    await h.gateway.getRepo(repo);
    expect(timesFor(REPO_ROUTE).map((a) => a.status)).toEqual([502, 502, 200]);
  });

  test('5xx that persists ends in a GitHubError after 1 + retries attempts', async () => {
    sandbox.faults.add({ kind: 'status', status: 503, route: REPO_ROUTE, times: 0 });
    const h = gatewayFor(sandbox, 'ada', { retry: { retries: 2, retryAfterBaseValue: 5 } });
    const err = await h.gateway.getRepo(repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubError);
    expect((err as GitHubError).status).toBe(503);
    expect((err as GitHubError).transient).toBe(true);
    expect(timesFor(REPO_ROUTE)).toHaveLength(3);
  });

  test('a connection reset is retried', async () => {
    sandbox.faults.add({ kind: 'reset', route: REPO_ROUTE });
    const h = gatewayFor(sandbox, 'ada');
    await h.gateway.getRepo(repo);
    expect(timesFor(REPO_ROUTE).map((a) => a.status)).toEqual([0, 200]);
  });

  test('a request slower than the timeout is abandoned and retried; network failures end with status 0', async () => {
    sandbox.faults.add({ kind: 'slow', delayMs: 1500, route: REPO_ROUTE });
    const h = gatewayFor(sandbox, 'ada', { timeoutMs: 300 });
    sandbox.stats.reset();
    await h.gateway.getRepo(repo);
    expect(sandbox.stats.snapshot().byRoute[`GET ${REPO_ROUTE}`]).toBe(2);
    expect(h.lines.join('')).toMatch(/GET \/repos\/\{owner\}\/\{repo\} timeout after 300ms/);

    sandbox.faults.add({ kind: 'slow', delayMs: 1500, route: REPO_ROUTE, times: 3 });
    const quick = gatewayFor(sandbox, 'ada', { timeoutMs: 200, retry: { retries: 1, retryAfterBaseValue: 5 } });
    const err = await quick.gateway.getRepo(repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubError);
    expect((err as GitHubError).status).toBe(0);
    expect((err as GitHubError).transient).toBe(true);
  });

  test('cancelling the run stops a call that is waiting out a retry-after', async () => {
    sandbox.faults.add({ kind: 'secondary-limit', status: 429, retryAfter: 5, route: REPO_ROUTE });
    const abort = new AbortController();
    const h = gatewayFor(sandbox, 'ada', { signal: abort.signal, throttle: { writeIntervalMs: 0, retryAfterBaseValue: 1000 } });
    const pending = h.gateway.getRepo(repo).catch((e: unknown) => e);
    setTimeout(() => abort.abort(), 200);
    const started = performance.now();
    const err = await pending;
    expect(err).toBeInstanceOf(InterruptedError);
    expect(performance.now() - started).toBeLessThan(1000);
    // Once cancelled, nothing more is sent.
    await expect(h.gateway.getRepo(repo)).rejects.toBeInstanceOf(InterruptedError);
  });
});
