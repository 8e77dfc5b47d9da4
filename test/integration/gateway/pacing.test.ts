/**
 * Write pacing (GITHUB-API.md §5): mutative requests — REST writes and GraphQL
 * mutations — are spaced by the write interval; reads, GraphQL queries included,
 * are not (plugin-throttling alone would space every /graphql request by 1 s,
 * which would make a batched read of a 10,000-repo org take minutes).
 * Arrival times are taken on the simulator's side.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Exchange, Sandbox } from '../../../src/sandbox/index.js';
import { isMutativeRequest } from '../../../src/github/octokit-client.js';
import { emptyProtection } from '../../../src/core/protection.js';
import { gatewayFor, withSandbox } from './helpers.js';

const INTERVAL = 400;

describe('write pacing', () => {
  let sandbox: Sandbox;
  const arrivals: { route: string | null; method: string; at: number }[] = [];

  beforeAll(async () => {
    sandbox = await withSandbox({
      onExchange: (e: Exchange) => arrivals.push({ route: e.route, method: e.method, at: performance.now() }),
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    arrivals.length = 0;
  });

  test('GraphQL queries and REST reads run side by side, unpaced', async () => {
    const { gateway } = gatewayFor(sandbox, 'ada', { throttle: { writeIntervalMs: INTERVAL } });
    const repos = ['core-payment-system', 'infra-terraform', 'web-storefront', 'search-service', 'payments-ledger'];
    const started = performance.now();
    await Promise.all(repos.map((name) => gateway.listProtectionRules({ owner: 'acme', name })));
    await Promise.all(repos.map((name) => gateway.getRepo({ owner: 'acme', name })));
    const elapsed = performance.now() - started;
    expect(arrivals.filter((a) => a.route === '/graphql').length).toBeGreaterThanOrEqual(repos.length);
    // Paced like writes, ten requests would need at least 9 intervals.
    expect(elapsed).toBeLessThan(4 * INTERVAL);
  });

  test('REST writes and GraphQL mutations are spaced by the write interval', async () => {
    const { gateway } = gatewayFor(sandbox, 'ada', { throttle: { writeIntervalMs: INTERVAL } });
    const repo = { owner: 'acme', name: 'internal-tools' };
    const info = await gateway.getRepo(repo);
    const merge = info.merge!;
    await gateway.updateMergeSettings(repo, { ...merge, allowRebaseMerge: !merge.allowRebaseMerge });
    await gateway.updateMergeSettings(repo, merge);
    const rule = await gateway.createProtectionRule(info.nodeId, 'pacing/*', { ...emptyProtection(), allowForcePushes: false });
    await gateway.deleteProtectionRule(rule.id);
    const writes = arrivals.filter((a) => a.method === 'PATCH' || a.route === '/graphql');
    const mutationTimes = writes.map((a) => a.at);
    // PATCH, PATCH, then the GraphQL mutations (node-id lookups in between are queries).
    const patchTimes = arrivals.filter((a) => a.method === 'PATCH').map((a) => a.at);
    expect(patchTimes).toHaveLength(2);
    expect(patchTimes[1]! - patchTimes[0]!).toBeGreaterThanOrEqual(INTERVAL - 50);
    expect(mutationTimes.length).toBeGreaterThanOrEqual(4);
    expect(mutationTimes[mutationTimes.length - 1]! - patchTimes[0]!).toBeGreaterThanOrEqual(3 * (INTERVAL - 50));
  });

  test.each([
    [{ method: 'GET', url: '/repos/a/b' }, false],
    [{ method: 'PUT', url: '/repos/a/b/branches/main/protection' }, true],
    [{ method: 'DELETE', url: 'https://ghe.example.com/api/v3/repos/a/b/branches/main/protection' }, true],
    [{ method: 'POST', url: '/graphql', query: 'query { viewer { login } }' }, false],
    [{ method: 'POST', url: '/graphql', query: '{ viewer { login } }' }, false],
    [{ method: 'POST', url: '/graphql', query: '# create it\nmutation($i: CreateBranchProtectionRuleInput!) { x: createBranchProtectionRule(input: $i) { clientMutationId } }' }, true],
    [{ method: 'POST', url: 'https://ghe.example.com/api/graphql', query: '  mutation M { a }' }, true],
  ])('isMutativeRequest(%j) is %s', (options, expected) => {
    expect(isMutativeRequest(options)).toBe(expected);
  });
});
