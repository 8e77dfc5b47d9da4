/**
 * Ctrl-C reaches the gateway as two signals (issue 11 item 8): `signal` aborts requests in
 * flight (read-only commands); `stopSignal` (mutating commands) lets a request in flight
 * finish but ends every wait at once — retry backoff, a secondary limit's retry-after, a
 * primary limit's reset, the write pacer — and keeps a new write from starting.
 *
 * No timing thresholds: every wait here is minutes or an hour long, so a wait that the
 * signal did not end makes the test time out. "The wait began" is the gateway's own log
 * line, never a fixed sleep.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Exchange, Sandbox } from '@qms/github-sim';
import { InterruptedError } from '../../../src/core/errors.js';
import { emptyProtection } from '../../../src/core/protection.js';
import { gatewayFor, withSandbox, type GatewayHarness } from './helpers.js';

const REPO_ROUTE = '/repos/{owner}/{repo}';
const repo = { owner: 'acme', name: 'internal-tools' };
const HOUR = 3_600_000;

/** Resolves once the gateway has logged a line matching `pattern` (polls its in-memory log). */
async function logged(h: GatewayHarness, pattern: RegExp): Promise<void> {
  while (!h.lines.some((l) => pattern.test(l))) await new Promise((r) => setTimeout(r, 10));
}

describe('the stop signal ends every wait; the abort signal also cancels what is in flight', () => {
  let sandbox: Sandbox;
  const exchanges: Exchange[] = [];
  const sent = (method: string, route = REPO_ROUTE) => exchanges.filter((e) => e.method === method && e.route === route);

  beforeAll(async () => {
    sandbox = await withSandbox({ onExchange: (e) => exchanges.push(e) });
  });
  afterAll(async () => {
    sandbox.faults.releaseHeld();
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.faults.clear();
    exchanges.length = 0;
  });

  test('a write waiting out a secondary limit’s retry-after (2 min) is not sent again after the stop', async () => {
    const stop = new AbortController();
    const h = gatewayFor(sandbox, 'ada', { stopSignal: stop.signal, throttle: { writeIntervalMs: 0, retryAfterBaseValue: 1000 } });
    const { merge } = await h.gateway.getRepo(repo);
    sandbox.faults.add({ kind: 'secondary-limit', status: 403, retryAfter: 120, method: 'PATCH', route: REPO_ROUTE });
    const write = h.gateway.updateMergeSettings(repo, merge!).catch((e: unknown) => e);
    await logged(h, /secondary rate limit on PATCH \/repos\/\{owner\}\/\{repo\}: waiting 120s/);
    stop.abort(new InterruptedError('interrupted by SIGINT'));
    const err = await write;
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).message).toBe('interrupted by SIGINT');
    expect(sent('PATCH').map((e) => e.status)).toEqual([403]);
  });

  test('a read waiting for a primary reset a minute away ends as interrupted', async () => {
    const stop = new AbortController();
    const h = gatewayFor(sandbox, 'ada', { stopSignal: stop.signal, throttle: { writeIntervalMs: 0, retryAfterBaseValue: 1000 } });
    sandbox.faults.add({ kind: 'primary-limit', retryAfter: 55, route: REPO_ROUTE });
    const read = h.gateway.getRepo(repo).catch((e: unknown) => e);
    await logged(h, /rate limit exhausted on GET \/repos\/\{owner\}\/\{repo\}: waiting \d+s for the reset/);
    stop.abort(new InterruptedError('interrupted by SIGTERM'));
    expect(await read).toBeInstanceOf(InterruptedError);
    expect(sent('GET')).toHaveLength(1);
  });

  test('retry backoff after 5xx answers ends at once and surfaces as InterruptedError, not as a GitHub error', async () => {
    const stop = new AbortController();
    // An hour per backoff unit: the first retry would come an hour later.
    const h = gatewayFor(sandbox, 'ada', { stopSignal: stop.signal, retry: { retryAfterBaseValue: HOUR } });
    sandbox.faults.add({ kind: 'status', status: 502, route: REPO_ROUTE, times: 0 });
    const read = h.gateway.getRepo(repo).catch((e: unknown) => e);
    await logged(h, /GET \/repos\/\{owner\}\/\{repo\} failed \(HTTP 502\): retrying in 3600 s \(retry 1\/3\)/);
    stop.abort(new InterruptedError('interrupted by SIGINT'));
    expect(await read).toBeInstanceOf(InterruptedError);
    expect(sent('GET').map((e) => e.status)).toEqual([502]);
  });

  test('a write queued in the pacer (an hour apart) is never sent after the stop', async () => {
    const stop = new AbortController();
    const h = gatewayFor(sandbox, 'ada', { stopSignal: stop.signal, throttle: { writeIntervalMs: HOUR } });
    const { merge } = await h.gateway.getRepo(repo);
    await h.gateway.updateMergeSettings(repo, merge!);
    const second = h.gateway.updateMergeSettings(repo, merge!).catch((e: unknown) => e);
    await logged(h, /PATCH \/repos\/\{owner\}\/\{repo\}: waiting \d+ s before this write/);
    stop.abort(new InterruptedError('interrupted by SIGINT'));
    expect(await second).toBeInstanceOf(InterruptedError);
    expect(sent('PATCH')).toHaveLength(1);
  });

  test('the stop lets a write in flight finish; after it no write starts, but reads do (to verify what was written)', async () => {
    const stop = new AbortController();
    const h = gatewayFor(sandbox, 'ada', { stopSignal: stop.signal });
    const { merge } = await h.gateway.getRepo(repo);
    sandbox.faults.add({ kind: 'slow', method: 'PATCH', route: REPO_ROUTE, delayMs: HOUR });
    const inFlight = h.gateway.updateMergeSettings(repo, merge!);
    while (sandbox.faults.list().length > 0) await new Promise((r) => setTimeout(r, 10)); // the PATCH is held
    stop.abort(new InterruptedError('interrupted by SIGINT'));
    sandbox.faults.releaseHeld();
    await expect(inFlight.then((r) => r.settings)).resolves.toEqual(merge);
    await expect(h.gateway.updateMergeSettings(repo, merge!)).rejects.toBeInstanceOf(InterruptedError);
    await expect(h.gateway.createProtectionRule('R_none', 'x/*', emptyProtection())).rejects.toBeInstanceOf(InterruptedError);
    await expect(h.gateway.getRepo(repo)).resolves.toMatchObject({ fullName: 'acme/internal-tools' });
    expect(sent('PATCH').map((e) => e.status)).toEqual([200]);
    expect(exchanges.filter((e) => e.route === '/graphql' && JSON.stringify(e.requestBody).includes('mutation'))).toEqual([]);
  });

  test('the abort signal cancels a read in flight at once and then refuses every request', async () => {
    const abort = new AbortController();
    const h = gatewayFor(sandbox, 'ada', { signal: abort.signal });
    sandbox.faults.add({ kind: 'slow', method: 'GET', route: REPO_ROUTE, delayMs: HOUR });
    const read = h.gateway.getRepo(repo).catch((e: unknown) => e);
    while (sandbox.faults.list().length > 0) await new Promise((r) => setTimeout(r, 10)); // the GET is held
    abort.abort(new InterruptedError('interrupted by SIGINT'));
    expect(await read).toBeInstanceOf(InterruptedError);
    sandbox.faults.releaseHeld();
    await expect(h.gateway.getRepo(repo)).rejects.toBeInstanceOf(InterruptedError);
  });
});
