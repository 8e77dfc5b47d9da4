/**
 * Commit statuses as targets of the change engine, against the simulator over HTTP: a
 * status is written with its before-state committed first and verified by reading the
 * combined status back; its inverse posts the status it superseded. A status where there
 * was none cannot be undone (GitHub keeps every status): the rollback says so.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitStatusKey, type PlannedChange, type StoredChange } from '../../../src/core/changes.js';
import type { RepoInfo } from '../../../src/core/github-types.js';
import { buildInversePlan } from '../../../src/core/rollback-plan.js';
import { executePlan } from '../../../src/engine/executor.js';
import type { GitHubGateway } from '../../../src/github/gateway.js';
import { createLogger } from '../../../src/output/logger.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { gatewayAs, tempStore } from '../services/helpers.js';

const logger = createLogger({ level: 'quiet', write: () => undefined });
let sb: TestSandbox;
let temp: ReturnType<typeof tempStore>;
let gateway: GitHubGateway;
let sha: string;

beforeEach(async () => {
  sb = await startTestSandbox();
  temp = tempStore();
  gateway = gatewayAs(sb, 'ada');
  sha = (await gateway.getPullRequest({ owner: 'acme', name: 'core-payment-system' }, 41)).headSha;
});
afterEach(async () => {
  try {
    sb.assertContract();
  } finally {
    await sb.close();
    temp.dispose();
  }
});

async function execute(changes: PlannedChange[]) {
  const run = temp.store.runs.start({ kind: 'bypass', org: 'acme', actor: 'ada' });
  const set = temp.store.changeSets.create({ runId: run.id, kind: 'bypass', org: 'acme', actor: 'ada', apiHost: sb.url });
  const lock = temp.store.lock.acquire({ command: 'test', actor: 'ada', heartbeatMs: 0 });
  try {
    const repo = async (full: string): Promise<RepoInfo> => gateway.getRepo({ owner: full.split('/')[0]!, name: full.split('/')[1]! });
    return await executePlan({ gateway, store: temp.store, lock, logger, repo }, changes, set, { isolateRepos: false });
  } finally {
    lock.release();
  }
}

function stored(changeSetId: number): StoredChange[] {
  return [...temp.store.changeSets.iterateChanges(changeSetId)].map((c) => ({
    id: c.id,
    changeSetId: c.changeSetId,
    seq: c.seq,
    repo: c.repo,
    targetKind: c.targetKind,
    targetKey: c.targetKey,
    targetNodeId: c.targetNodeId,
    status: c.status,
    beforeState: c.beforeState,
    beforeModel: c.beforeModel,
    intendedModel: c.intendedModel,
    afterModel: c.afterModel,
  }));
}

const latest = async (context: string) =>
  (await gateway.readCommitStatus({ owner: 'acme', name: 'core-payment-system' }, sha, context)).status;

describe('commit_status targets', () => {
  it('supersedes a status (before-state is the status GitHub returned), and its inverse puts the old one back', async () => {
    const key = commitStatusKey(sha, 'qms/security-scan-critical');
    expect((await latest('qms/security-scan-critical'))?.state).toBe('failure');
    const applied = await execute([
      {
        id: 1,
        kind: 'commit_status',
        repo: 'acme/core-payment-system',
        key,
        intent: {
          mode: 'status',
          status: { state: 'success', description: 'Bypassed: 1 critical finding — approved by quinn, cora (INC-42)', targetUrl: null },
        },
      },
    ]);
    expect(applied.results.map((r) => r.status)).toEqual(['verified']);
    expect(await latest('qms/security-scan-critical')).toMatchObject({
      state: 'success',
      description: expect.stringMatching(/^Bypassed:/),
    });
    const [change] = stored(applied.changeSetId);
    expect(change!.beforeModel).toEqual({ state: 'failure', description: '1 critical finding', targetUrl: null });
    expect((change!.beforeState as { context: string }).context).toBe('qms/security-scan-critical');

    // The same status again: nothing to write.
    const again = await execute([
      {
        id: 1,
        kind: 'commit_status',
        repo: 'acme/core-payment-system',
        key,
        intent: { mode: 'status', status: change!.intendedModel as never },
      },
    ]);
    expect(again.results.map((r) => r.status)).toEqual(['unchanged']);

    const undone = await execute(buildInversePlan(stored(applied.changeSetId), { force: false }));
    expect(undone.results.map((r) => r.status)).toEqual(['verified']);
    expect(await latest('qms/security-scan-critical')).toMatchObject({ state: 'failure', description: '1 critical finding' });
  });

  it('a status where there was none cannot be undone: the rollback says so instead of pretending', async () => {
    const key = commitStatusKey(sha, 'qms/dod-validation');
    expect(await latest('qms/dod-validation')).toBeNull();
    const applied = await execute([
      {
        id: 1,
        kind: 'commit_status',
        repo: 'acme/core-payment-system',
        key,
        intent: { mode: 'status', status: { state: 'success', description: 'ok', targetUrl: null } },
      },
    ]);
    expect(applied.results.map((r) => r.status)).toEqual(['verified']);
    const undone = await execute(buildInversePlan(stored(applied.changeSetId), { force: false }));
    expect(undone.results.map((r) => [r.status, r.reason])).toEqual([
      ['unsupported', expect.stringMatching(/cannot remove a commit status/)],
    ]);
    expect(undone.status).toBe('partial');
  });
});
