/**
 * Write pacing (GITHUB-API.md §5): mutative requests — REST writes and GraphQL
 * mutations — wait for the write interval; reads, GraphQL queries included, do
 * not (plugin-throttling alone would space every /graphql request by 1 s, which
 * would make a batched read of a 10,000-repo org take minutes).
 *
 * No timing thresholds: the interval is set to a minute, so a paced request is
 * visibly held (the simulator has not seen it) and an unpaced one visibly is not.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Exchange, Sandbox } from '@qms/github-sim';
import { isMutativeRequest } from '../../../src/github/octokit-client.js';
import { emptyProtection } from '../../../src/core/protection.js';
import { InterruptedError } from '../../../src/core/errors.js';
import { gatewayFor, withSandbox } from './helpers.js';

const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('write pacing', () => {
  let sandbox: Sandbox;
  const arrivals: { route: string | null; method: string; requestBody: unknown }[] = [];

  beforeAll(async () => {
    sandbox = await withSandbox({
      onExchange: (e: Exchange) => arrivals.push({ route: e.route, method: e.method, requestBody: e.requestBody }),
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    arrivals.length = 0;
  });

  test('GraphQL queries and REST reads are never held by the write interval', async () => {
    const { gateway } = gatewayFor(sandbox, 'ada', { throttle: { writeIntervalMs: MINUTE } });
    const repos = ['core-payment-system', 'infra-terraform', 'web-storefront', 'search-service', 'payments-ledger'];
    // Paced like writes, the second of these would wait a minute and the test would time out.
    await Promise.all(repos.map((name) => gateway.listProtectionRules({ owner: 'acme', name })));
    await Promise.all(repos.map((name) => gateway.getRepo({ owner: 'acme', name })));
    expect(arrivals.filter((a) => a.route === '/graphql').length).toBeGreaterThanOrEqual(repos.length);
  }, 20_000);

  test('a REST write holds the next REST write and the next GraphQL mutation', async () => {
    const controller = new AbortController();
    const { gateway } = gatewayFor(sandbox, 'ada', { throttle: { writeIntervalMs: MINUTE }, signal: controller.signal });
    const repo = { owner: 'acme', name: 'internal-tools' };
    const info = await gateway.getRepo(repo);
    const merge = info.merge!;
    await gateway.updateMergeSettings(repo, merge); // the first write goes at once
    expect(arrivals.filter((a) => a.method === 'PATCH')).toHaveLength(1);

    const secondPatch = gateway.updateMergeSettings(repo, merge);
    const mutation = gateway.createProtectionRule(info.nodeId, 'pacing/*', { ...emptyProtection(), allowForcePushes: false });
    await sleep(1500);
    // Held: neither reached GitHub, though reads in between did (node-id lookups are queries).
    expect(arrivals.filter((a) => a.method === 'PATCH')).toHaveLength(1);
    const mutations = arrivals.filter((a) =>
      isMutativeRequest({ method: a.method, url: a.route ?? '', query: (a.requestBody as { query?: unknown } | null)?.query }),
    );
    expect(mutations).toHaveLength(1);
    controller.abort(new InterruptedError('test over'));
    await expect(secondPatch).rejects.toBeInstanceOf(InterruptedError);
    await expect(mutation).rejects.toBeInstanceOf(InterruptedError);
  }, 20_000);

  test.each([
    [{ method: 'GET', url: '/repos/a/b' }, false],
    [{ method: 'PUT', url: '/repos/a/b/branches/main/protection' }, true],
    [{ method: 'DELETE', url: 'https://ghe.example.com/api/v3/repos/a/b/branches/main/protection' }, true],
    [{ method: 'POST', url: '/graphql', query: 'query { viewer { login } }' }, false],
    [{ method: 'POST', url: '/graphql', query: '{ viewer { login } }' }, false],
    [
      {
        method: 'POST',
        url: '/graphql',
        query:
          '# create it\nmutation($i: CreateBranchProtectionRuleInput!) { x: createBranchProtectionRule(input: $i) { clientMutationId } }',
      },
      true,
    ],
    [{ method: 'POST', url: 'https://ghe.example.com/api/graphql', query: '  mutation M { a }' }, true],
  ])('isMutativeRequest(%j) is %s', (options, expected) => {
    expect(isMutativeRequest(options)).toBe(expected);
  });
});
