/**
 * classifyOrg, planPropertyWrites and applyPropertyWrites against the simulator
 * and a real store: which repositories get `qms_tier`, how writes are recorded,
 * what a failed write leaves behind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { LockHeldError } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/output/logger.js';
import {
  applyPropertyWrites,
  classifyExitCode,
  classifyOrg,
  planPropertyWrites,
  summarizeClassification,
} from '../../../src/services/classify.js';
import { createRestLiveStateReader } from '../../../src/services/readers/index.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { countRoute, gatewayAs, tempStore } from './helpers.js';

const policy = defaultPolicy();
const logger = createLogger({ level: 'quiet', write: () => undefined });
let sb: TestSandbox;
let temp: ReturnType<typeof tempStore>;

beforeEach(async () => {
  sb = await startTestSandbox();
  temp = tempStore();
});
afterEach(async () => {
  try {
    sb.assertContract();
  } finally {
    await sb.close();
    temp.dispose();
  }
});

async function classifyAcme(repos?: string[]) {
  const gateway = gatewayAs(sb, 'ada');
  const reader = createRestLiveStateReader(gateway);
  return { gateway, repos: await classifyOrg({ reader, policy }, { org: 'acme', ...(repos ? { repos } : {}) }) };
}

describe('classifyOrg', () => {
  it('reads no branch protection at all', async () => {
    const from = sb.exchanges.length;
    const { repos } = await classifyAcme();
    expect(repos).toHaveLength(30);
    expect(countRoute(sb, 'GET /repos/{owner}/{repo}/branches/{branch}/protection', from)).toBe(0);
    expect(countRoute(sb, 'POST /graphql', from)).toBe(0);
    expect(countRoute(sb, 'GET /repos/{owner}/{repo}/rulesets', from)).toBe(0);
    expect(summarizeClassification(repos)).toMatchObject({ repos: 30, classified: 28, skipped: 2, errors: 0 });
  });

  it('a repository that cannot be read is an error, not a guess from weaker evidence', async () => {
    // The repo config read fails permanently: classifying by topic or default would be a guess.
    sb.sandbox.faults.add({ route: '/repos/{owner}/{repo}/contents/{path}', kind: 'status', status: 500, times: 0 });
    const { repos } = await classifyAcme(['documentation-system']);
    expect(repos[0]).toMatchObject({ status: 'error' });
    expect(repos[0]!.error).toMatch(/500/);
    expect(planPropertyWrites(repos).changes).toEqual([]);
    expect(classifyExitCode(summarizeClassification(repos), null)).toBe(4);
  });
});

describe('property writes', () => {
  it('plans only weaker evidence whose property differs; writes, records and verifies each repository', async () => {
    const { gateway, repos } = await classifyAcme();
    const plan = planPropertyWrites(repos);
    const names = plan.changes.map((c) => c.name);
    expect(names).not.toContain('mobile-app'); // topic: repository-controlled, never copied into the org's property
    expect(names).toContain('poc-ml-ranking'); // policy rule
    expect(names).toContain('internal-tools'); // default tier
    expect(names).not.toContain('core-banking-api'); // repo config: never copied into the org's property
    expect(names).not.toContain('risk-engine'); // the property decided
    expect(plan.changes.every((c) => c.from === null)).toBe(true);

    const from = sb.exchanges.length;
    const result = await applyPropertyWrites(
      {
        gateway,
        store: temp.store,
        viewer: async () => 'ada',
        apiHost: sb.url,
        toolVersion: 'test',
        command: 'qms classify --write-properties',
        logger,
      },
      'acme',
      plan,
    );
    expect(result.status).toBe('completed');
    expect(result.changes.every((c) => c.status === 'verified')).toBe(true);
    // One PATCH per tier value (each under 30 repositories).
    const values = new Set(plan.changes.map((c) => c.to)).size;
    expect(countRoute(sb, 'PATCH /orgs/{org}/properties/values', from)).toBe(values);
    const changes = [...temp.store.changeSets.iterateChanges(result.changeSetId)];
    expect(changes).toHaveLength(plan.changes.length);
    expect(changes.every((c) => c.targetKind === 'custom_property' && c.status === 'verified' && c.beforeState === null)).toBe(true);
    expect(temp.store.changeSets.get(result.changeSetId)?.status).toBe('completed');
    expect(temp.store.audit.verify().ok).toBe(true);
    expect(temp.store.lock.current()).toBeNull();

    // Idempotent: nothing left to write.
    const after = await classifyAcme();
    expect(planPropertyWrites(after.repos).changes).toEqual([]);
  });

  it('a refused write is recorded as failed (exit 4) and the lock is released', async () => {
    const { gateway, repos } = await classifyAcme(['poc-ml-ranking', 'internal-tools']);
    const plan = planPropertyWrites(repos);
    expect(plan.changes).toHaveLength(2);
    sb.sandbox.faults.add({ method: 'PATCH', route: '/orgs/{org}/properties/values', kind: 'status', status: 422, times: 0 });
    const result = await applyPropertyWrites(
      {
        gateway,
        store: temp.store,
        viewer: async () => 'ada',
        apiHost: sb.url,
        toolVersion: 'test',
        command: 'qms classify --write-properties',
        logger,
      },
      'acme',
      plan,
    );
    expect(result.status).toBe('failed');
    expect(
      result.changes.every((c) => c.status === 'failed' && /GitHub rejected PATCH \/orgs\/acme\/properties\/values/.test(c.error ?? '')),
    ).toBe(true);
    expect(temp.store.changeSets.get(result.changeSetId)?.status).toBe('failed');
    expect(classifyExitCode(summarizeClassification(repos), result)).toBe(4);
    expect(temp.store.lock.current()).toBeNull();
  });

  it('refuses while another mutating run holds the lock (exit 5), writing nothing', async () => {
    const { gateway, repos } = await classifyAcme(['internal-tools']);
    const held = temp.store.lock.acquire({ command: 'qms apply', actor: 'someone', heartbeatMs: 0 });
    try {
      const from = sb.exchanges.length;
      await expect(
        applyPropertyWrites(
          { gateway, store: temp.store, viewer: async () => 'ada', apiHost: sb.url, toolVersion: 'test', command: 'qms classify', logger },
          'acme',
          planPropertyWrites(repos),
        ),
      ).rejects.toBeInstanceOf(LockHeldError);
      expect(countRoute(sb, 'PATCH /orgs/{org}/properties/values', from)).toBe(0);
    } finally {
      held.release();
    }
  });

  it('user-owned repositories and unreadable properties are not written, with the reason', () => {
    const base = {
      owner: 'ada',
      status: 'classified' as const,
      error: null,
      classification: {
        repo: 'ada/notes',
        tier: 'standard',
        status: 'classified' as const,
        evidence: { kind: 'default' as const, detail: 'standard' },
        reason: 'r',
        notes: [],
      },
    };
    const plan = planPropertyWrites([
      { ...base, repo: 'ada/notes', name: 'notes', ownerType: 'User', property: { readable: true, value: undefined } },
      { ...base, repo: 'acme/x', name: 'x', owner: 'acme', ownerType: 'Organization', property: { readable: false, value: undefined } },
      { ...base, repo: 'acme/y', name: 'y', owner: 'acme', ownerType: 'Organization', property: { readable: true, value: 'standard' } },
      { ...base, repo: 'acme/z', name: 'z', owner: 'acme', ownerType: 'Organization', property: { readable: true, value: 'gold' } },
    ]);
    expect(plan.changes).toEqual([
      { repo: 'acme/z', name: 'z', from: 'gold', to: 'standard', evidence: 'default', status: 'planned', error: null },
    ]);
    expect(plan.skipped.map((s) => s.repo)).toEqual(['ada/notes', 'acme/x']);
  });
});
