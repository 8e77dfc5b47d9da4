/**
 * The batched reader against the simulator over HTTP: the domain objects it
 * builds (against the REST reader's), what it sends, connections longer than a
 * page, named repositories, classification-only reads, budgets, checkpoints and
 * resumption, conditional property pages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { NotFoundError } from '../../../src/core/errors.js';
import type { RepoLiveState } from '../../../src/core/live-state.js';
import { generateOrg, startSandbox, type Sandbox, type SimState } from '@qms/github-sim';
import { BudgetExceededError, checkReadBudget, estimateOrgRead, prepareOrgRead } from '../../../src/services/budget.js';
import { FileConditionalCache, findResumableRun, observeRunStart, StoreReadCheckpoint } from '../../../src/services/checkpoint.js';
import { evaluateLiveState, evaluateOrg } from '../../../src/services/evaluate.js';
import { createLiveStateReader, GraphqlLiveStateReader } from '../../../src/services/readers/graphql-reader.js';
import { openStore } from '../../../src/store/index.js';
import { startTestSandbox, useContractSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { collect, gatewayAs } from '../services/helpers.js';
import { comparable } from './equivalence.js';

const policy = defaultPolicy();
const strip = <T extends { raw: unknown }>(list: readonly T[] | null) =>
  list === null ? null : list.map(({ raw: _raw, ...rest }) => rest);

/** The simulator, contract-checked when the file ends. */
const sb = useContractSandbox();

describe('domain objects: what the batched reader builds is what the REST reader builds', () => {
  let rest: Map<string, RepoLiveState>;
  let graphql: Map<string, RepoLiveState>;
  let sent: { route: string | null; status: number }[];
  beforeAll(async () => {
    const gateway = gatewayAs(sb, 'ada');
    rest = new Map((await collect(createLiveStateReader(gateway, { kind: 'rest', policy }).readOrg('acme'))).map((s) => [s.repo.name, s]));
    const from = sb.exchanges.length;
    graphql = new Map(
      (await collect(createLiveStateReader(gateway, { kind: 'graphql', policy }).readOrg('acme'))).map((s) => [s.repo.name, s]),
    );
    sent = sb.exchanges.slice(from).map((e) => ({ route: e.route, status: e.status }));
  });

  it('rulesets (repository and organization, with conditions and rules) are equal', () => {
    for (const [name, r] of rest) {
      const g = graphql.get(name)!;
      // GraphQL has no id for an organization-admin bypass actor (REST reports 1): the one field GitHub leaves out.
      const orgAdminIdsCleared = strip(r.rulesets)?.map((rs) => ({
        ...rs,
        bypassActors: rs.bypassActors?.map((a) => (a.actorType === 'OrganizationAdmin' ? { ...a, actorId: null } : a)) ?? null,
      }));
      expect(strip(g.rulesets), name).toEqual(orgAdminIdsCleared ?? null);
    }
    expect(graphql.get('payment-gateway')!.rulesets!.map((rs) => rs.name)).toEqual(['PCI baseline', 'Linear history trial']);
  });

  it('classic rules are equal wherever REST read them (same fields, same mapper)', () => {
    let compared = 0;
    for (const [name, r] of rest) {
      if (r.classicRules === null) continue;
      compared++;
      expect(strip(graphql.get(name)!.classicRules), name).toEqual(strip(r.classicRules));
    }
    expect(compared).toBeGreaterThan(10);
  });

  it('listing, custom properties, config file and branches are equal; merge settings come with the listing', () => {
    for (const [name, r] of rest) {
      const g = graphql.get(name)!;
      expect({ ...g.repo, merge: null }, name).toEqual({ ...r.repo, merge: null });
      if (r.repo.merge !== null) expect(g.repo.merge, name).toEqual(r.repo.merge);
      expect(g.customProperties, name).toEqual(r.customProperties);
      expect(g.repoConfigFile, name).toEqual(r.repoConfigFile);
      expect(g.branches, name).toEqual(r.branches);
      expect(g.access, name).toEqual(r.access);
      expect(g.classicByBranch).toBeNull();
      expect(g.rulesByBranch).toBeNull();
    }
  });

  it('takes a handful of requests for the whole org: size, a page, properties, details, one plan probe', () => {
    expect(sent.every((e) => e.status === 200)).toBe(true);
    const graphqlQueries = sent.filter((e) => e.route === '/graphql').length;
    expect(graphqlQueries).toBe(4); // org size, one page of 30, rule details, ruleset details
    expect(sent.filter((e) => e.route === '/orgs/{org}/properties/values')).toHaveLength(1);
    expect(sent.filter((e) => e.route === '/repos/{owner}/{repo}/rulesets')).toHaveLength(1); // Enterprise plan: available
    expect(sent).toHaveLength(6);
  });
});

describe('one repository failing', () => {
  it('gets a read error, the others are read (as with the REST reader)', async () => {
    const own = await startTestSandbox();
    try {
      // Every per-repository property read of sales-reporting answers 500, retries included.
      own.sandbox.faults.add({
        route: '/repos/{owner}/{repo}/properties/values',
        pathIncludes: '/repos/acme/sales-reporting/',
        kind: 'status',
        status: 500,
        times: 0,
      });
      const gateway = gatewayAs(own, 'ada');
      const names = ['internal-tools', 'crm-sync', 'sales-reporting'];
      const read = (kind: 'rest' | 'graphql') =>
        collect(evaluateOrg({ reader: createLiveStateReader(gateway, { kind, policy }), policy }, { org: 'acme', repos: names }));
      const rest = await read('rest');
      const graphql = await read('graphql');
      for (const result of [rest, graphql]) {
        expect(result.map((e) => [e.live.repo.name, e.assessment.status])).toEqual([
          ['crm-sync', 'assessed'],
          ['internal-tools', 'assessed'],
          ['sales-reporting', 'error'],
        ]);
      }
      expect(graphql.find((e) => e.live.repo.name === 'sales-reporting')!.live.readError).toMatch(/reading custom properties: .*500/);
      expect(graphql.filter((e) => e.live.repo.name !== 'sales-reporting').map((e) => comparable(e, 'graphql'))).toEqual(
        rest.filter((e) => e.live.repo.name !== 'sales-reporting').map((e) => comparable(e, 'rest')),
      );
    } finally {
      own.assertContract();
      await own.close();
    }
  });
});

describe('named repositories and single reads', () => {
  it('--repo reads only those, in name order, like REST; an unknown name is NotFoundError', async () => {
    const gateway = gatewayAs(sb, 'ada');
    const names = ['web-storefront', 'core-payment-system', 'payment-gateway'];
    const read = (kind: 'rest' | 'graphql') =>
      collect(evaluateOrg({ reader: createLiveStateReader(gateway, { kind, policy }), policy }, { org: 'acme', repos: names }));
    const rest = await read('rest');
    const from = sb.exchanges.length;
    const graphql = await read('graphql');
    expect(graphql.map((e) => comparable(e, 'graphql'))).toEqual(rest.map((e) => comparable(e, 'rest')));
    expect(graphql.map((e) => e.live.repo.name)).toEqual(['core-payment-system', 'payment-gateway', 'web-storefront']);
    // One query for the three, the owner check for org ruleset bypass lists, details, per-repo properties, the plan probe.
    expect(sb.exchanges.length - from).toBeLessThanOrEqual(9);

    const reader = new GraphqlLiveStateReader(gateway, {});
    await expect(collect(reader.readOrg('acme', { repos: ['no-such-repo'] }))).rejects.toThrow(NotFoundError);
    await expect(collect(reader.readOrg('acme', { repos: ['no-such-repo'] }))).rejects.toThrow(
      /acme\/no-such-repo does not exist or this token cannot see it/,
    );
  });

  it('readRepo gives the evaluation readOrg gives', async () => {
    const reader = createLiveStateReader(gatewayAs(sb, 'ada'), { policy });
    const one = await reader.readRepo({ owner: 'acme', name: 'risk-engine' });
    const all = await collect(reader.readOrg('acme'));
    const same = all.find((s) => s.repo.name === 'risk-engine')!;
    expect(comparable(evaluateLiveState(one, policy), 'graphql')).toEqual(comparable(evaluateLiveState(same, policy), 'graphql'));
  });

  it('includeArchived: false leaves archived and disabled repositories out', async () => {
    const reader = createLiveStateReader(gatewayAs(sb, 'ada'), { policy });
    const names = (await collect(reader.readOrg('acme', { includeArchived: false }))).map((s) => s.repo.name);
    expect(names).toHaveLength(28);
    expect(names).not.toContain('legacy-billing');
  });
});

/** A small generated org with one repository whose connections are longer than a page. */
function orgWithLongConnections(): SimState {
  const state = generateOrg({ login: 'longco', repos: 12, seed: 3 });
  const repo = state.repos.find((r) => !r.archived && Object.keys(r.branches).length > 0)!;
  const main = repo.protectionRules[0] ?? null;
  for (let i = 0; i < 240; i++) repo.branches[`feature/f-${String(i).padStart(3, '0')}`] = `${(i + 1).toString(16).padStart(40, '0')}`;
  for (let i = 0; i < 104; i++) {
    const id = state.nextId++;
    repo.protectionRules.push({
      ...(main ?? state.repos.flatMap((r) => r.protectionRules)[0]!),
      id,
      nodeId: `BPR_long${id}`,
      pattern: `feature/f-${String(i).padStart(3, '0')}`,
    });
  }
  return state;
}

describe('connections longer than one page', () => {
  let own: Sandbox;
  beforeAll(async () => {
    own = await startSandbox({ state: orgWithLongConnections() });
  });
  afterAll(async () => {
    await own?.close();
  });

  it('reads the rest of the branches and rules, and evaluates like REST', async () => {
    const gateway = gatewayAs({ url: own.url } as TestSandbox, 'ada');
    const read = (kind: 'rest' | 'graphql') =>
      collect(evaluateOrg({ reader: createLiveStateReader(gateway, { kind, policy }), policy }, { org: 'longco' }));
    const rest = await read('rest');
    own.stats.reset();
    const graphql = await read('graphql');
    expect(graphql.map((e) => comparable(e, 'graphql'))).toEqual(rest.map((e) => comparable(e, 'rest')));
    const long = graphql.find((e) => (e.live.branches?.length ?? 0) > 200)!;
    expect(long.live.branches!.length).toBeGreaterThan(240);
    expect(long.live.classicRules!.length).toBeGreaterThan(104);
    // A page of 12, one follow-up each for branches and rule ids, details in one query.
    expect(own.stats.snapshot().graphqlQueries).toBeLessThanOrEqual(7);
  });
});

describe('classification only (no policy targets)', () => {
  it('reads listing pages without branches, rules or rulesets: 1 point per page', async () => {
    const own = await startSandbox({ state: generateOrg({ login: 'classco', repos: 250, seed: 5 }) });
    try {
      const reader = createLiveStateReader(gatewayAs({ url: own.url } as TestSandbox, 'ada'));
      const states = await collect(reader.readOrg('classco'));
      expect(states).toHaveLength(250);
      // As the REST reader records them: empty repositories have no branches, the others were not asked for.
      expect(states.filter((s) => !s.repo.empty).every((s) => s.branches === null && s.rulesets === null && s.classicRules === null)).toBe(
        true,
      );
      const stats = own.stats.snapshot();
      expect(stats.graphqlQueries).toBe(4); // size + 3 pages
      expect(stats.graphqlPoints).toBe(4);
      expect(stats.byRoute['GET /orgs/{org}/properties/values']).toBe(3);
    } finally {
      await own.close();
    }
  });
});

describe('budget', () => {
  it('estimates a 10,000-repository org within 300 requests and 1,000 points', () => {
    const e = estimateOrgRead('graphql', 10_000);
    expect(e.requests).toBeLessThanOrEqual(300);
    expect(e.graphqlPoints).toBeLessThanOrEqual(1000);
    expect(estimateOrgRead('rest', 10_000).requests).toBeGreaterThan(30 * e.requests);
  });

  it('refuses before reading when the run needs more GraphQL points than the hourly limit', async () => {
    const own = await startSandbox({ state: generateOrg({ login: 'tightco', repos: 2000, seed: 1 }), rateLimit: { graphql: 40 } });
    try {
      const gateway = gatewayAs({ url: own.url } as TestSandbox, 'ada');
      const err = await checkReadBudget(
        { gateway, batch: gateway.batchRead() },
        { org: 'tightco', reader: 'graphql', waitForRateLimit: true },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BudgetExceededError);
      expect((err as BudgetExceededError).exitCode).toBe(3);
      expect((err as Error).message).toMatch(/more than the token's hourly limit: about 171 GraphQL points, 39 of 40 left/);
      // Only the size query and /rate_limit went out.
      expect(own.stats.snapshot().graphqlQueries).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('refuses when what is left this hour is too little, or waits for the reset with --wait-for-rate-limit', async () => {
    const own = await startSandbox({ state: generateOrg({ login: 'tightco', repos: 2000, seed: 1 }), rateLimit: { graphql: 200 } });
    try {
      const gateway = gatewayAs({ url: own.url } as TestSandbox, 'ada');
      const spend = gateway.batchRead();
      for (let i = 0; i < 8; i++) await spend.readRepositoryPage('tightco', { after: null }); // 32 points
      const refused = await checkReadBudget({ gateway, batch: gateway.batchRead() }, { org: 'tightco', reader: 'graphql' }).catch(
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(BudgetExceededError);
      expect((refused as Error).message).toMatch(
        /not enough rate limit left to read tightco: about 171 GraphQL points, 167 of 200 left until/,
      );
      expect((refused as BudgetExceededError).hint).toMatch(/--wait-for-rate-limit/);

      let slept = 0;
      const waited = await checkReadBudget(
        { gateway, batch: gateway.batchRead(), sleep: async (ms) => void (slept = ms) },
        { org: 'tightco', reader: 'graphql', waitForRateLimit: true },
      ).catch((e: unknown) => e);
      // Waited once, until the reset (an hour away in the simulator), then checked again.
      expect(slept).toBeGreaterThan(3_500_000);
      expect(waited).toBeInstanceOf(BudgetExceededError);
      expect(own.stats.snapshot().graphqlQueries).toBe(10); // 8 spent + two size queries
    } finally {
      await own.close();
    }
  });

  it('--max-requests: refuses when the estimate exceeds it, otherwise caps the batch', async () => {
    const gateway = gatewayAs(sb, 'ada');
    const batch = gateway.batchRead();
    await expect(checkReadBudget({ gateway, batch }, { org: 'acme', reader: 'graphql', maxRequests: 3 })).rejects.toThrow(
      /more than --max-requests 3/,
    );
    const ok = await checkReadBudget({ gateway, batch }, { org: 'acme', reader: 'graphql', maxRequests: 12 });
    expect(ok.estimate.requests).toBeLessThanOrEqual(12);
    await expect(batch.readRepositoryPage('acme', { after: null })).resolves.toBeDefined();
    while (batch.requests < 12) await batch.readRepositoryPage('acme', { after: null });
    await expect(batch.readRepositoryPage('acme', { after: null })).rejects.toThrow(/stopped after 12 requests/);
  });
});

describe('checkpoints and --resume (in process)', () => {
  let own: Sandbox;
  let dir: string;
  beforeAll(async () => {
    own = await startSandbox({ state: generateOrg({ login: 'resumeco', repos: 450, seed: 11 }) });
    dir = mkdtempSync(path.join(tmpdir(), 'qms-resume-'));
  });
  afterAll(async () => {
    await own?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run stopped half-way continues from its cursor: same states, fewer requests', async () => {
    const gateway = gatewayAs({ url: own.url } as TestSandbox, 'ada');
    const full = await collect(createLiveStateReader(gateway, { policy, windowSize: 100 }).readOrg('resumeco'));
    const fullRequests = own.stats.snapshot().total;
    own.stats.reset();

    const store = openStore(path.join(dir, 'qms.db'));
    try {
      // First run: stopped by a request cap after three windows of 100.
      const first = observeRunStart(store);
      const run = first.store.runs.start({ kind: 'assess', org: 'resumeco' });
      const batch = gateway.batchRead();
      batch.setRequestGuard((n) => {
        if (n >= 16) throw new BudgetExceededError('cap');
      });
      const stopped = createLiveStateReader(gateway, {
        policy,
        batch,
        windowSize: 100,
        checkpoint: new StoreReadCheckpoint(store, first.runId),
      });
      const partial: RepoLiveState[] = [];
      await expect(
        (async () => {
          for await (const s of stopped.readOrg('resumeco')) partial.push(s);
        })(),
      ).rejects.toThrow(BudgetExceededError);
      store.runs.finish(run.id, 'failed');
      expect(partial.length).toBeGreaterThanOrEqual(100);
      expect(partial.length).toBeLessThan(450);

      const found = findResumableRun(store, 'resumeco');
      expect(found.run?.id).toBe(run.id);
      own.stats.reset();
      const second = observeRunStart(store);
      const run2 = second.store.runs.start({ kind: 'assess', org: 'resumeco' });
      const resumed = await collect(
        createLiveStateReader(gateway, {
          policy,
          windowSize: 100,
          checkpoint: new StoreReadCheckpoint(store, second.runId, run.id),
        }).readOrg('resumeco'),
      );
      const resumedRequests = own.stats.snapshot().total;
      expect(resumed.map((s) => comparable(evaluateLiveState(s, policy), 'graphql'))).toEqual(
        full.map((s) => comparable(evaluateLiveState(s, policy), 'graphql')),
      );
      expect(resumedRequests).toBeLessThan(fullRequests);
      // A completed read leaves no checkpoint behind.
      expect(store.checkpoints.count(run2.id)).toEqual({});
    } finally {
      store.close();
    }
  });

  it('property pages are conditional on a repeat run: 304s, not charged', async () => {
    const gateway = gatewayAs({ url: own.url } as TestSandbox, 'ada');
    const cache = FileConditionalCache.besideStore(path.join(dir, 'etag.db'), own.url);
    await collect(createLiveStateReader(gateway, { policy, propertyCache: cache }).readOrg('resumeco'));
    own.stats.reset();
    const again = FileConditionalCache.besideStore(path.join(dir, 'etag.db'), own.url);
    const states = await collect(createLiveStateReader(gateway, { policy, propertyCache: again }).readOrg('resumeco'));
    expect(own.stats.snapshot().notModified).toBe(5);
    expect(states.find((s) => Object.keys(s.customProperties ?? {}).length > 0)).toBeDefined();
  });
});

describe('prepareOrgRead', () => {
  it('rejects flag combinations it cannot honour, before any request', async () => {
    const gateway = gatewayAs(sb, 'ada');
    const from = sb.exchanges.length;
    const logger = { info() {}, warn() {}, error() {}, debug() {}, level: 'quiet', addSecret() {}, redact: (t: string) => t } as never;
    await expect(prepareOrgRead({ gateway, logger }, { org: 'acme', repos: [], reader: 'rest', maxRequests: 10 })).rejects.toThrow(
      /needs the batched reader/,
    );
    await expect(prepareOrgRead({ gateway, logger }, { org: 'acme', repos: ['x'], reader: 'graphql', resume: true })).rejects.toThrow(
      /does not combine with --repo/,
    );
    expect(sb.exchanges.length).toBe(from);
  });
});
