/**
 * The change engine's executor with a small in-memory fake of the gateway and a real
 * SQLite store: the protocol every write follows (intent committed before the write,
 * read-back verification), bulk property writes, lost answers, interrupts, and the
 * inverse plan run through the same executor.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideChange, type PlannedChange, type StoredChange } from '../../../src/core/changes.js';
import { GitHubError } from '../../../src/core/errors.js';
import type { CustomPropertyValue, RepoInfo } from '../../../src/core/github-types.js';
import { buildInversePlan } from '../../../src/core/rollback-plan.js';
import { executePlan } from '../../../src/engine/executor.js';
import type { GitHubGateway } from '../../../src/github/gateway.js';
import { createLogger } from '../../../src/output/logger.js';
import { openStore, type SqliteStore } from '../../../src/store/index.js';

const logger = createLogger({ level: 'quiet', write: () => undefined });

/** Custom property values of one organization, as GitHub keeps them. */
class FakeProperties {
  values = new Map<string, CustomPropertyValue>();
  patches: { repos: string[]; value: CustomPropertyValue; pendingAtWrite: number }[] = [];
  /** The next PATCH is applied but its answer is lost (a connection reset). */
  loseNextAnswer = false;
  /** Called at each PATCH (to observe the store, or to interrupt). */
  onPatch: () => void = () => undefined;

  constructor(private readonly store: () => SqliteStore) {}

  gateway(): GitHubGateway {
    const g: Partial<GitHubGateway> = {
      readCustomProperty: async (repo, name) => {
        const v = this.values.get(`${repo.owner}/${repo.name}:${name}`) ?? null;
        return { value: v, raw: v === null ? null : { property_name: name, value: v } };
      },
      ensureCustomPropertyValues: async (org, names, values) => {
        const [[name, value]] = Object.entries(values) as [[string, CustomPropertyValue]];
        const pending = this.store().connection.prepare(`SELECT COUNT(*) FROM changes WHERE status = 'pending'`).pluck().get() as number;
        this.patches.push({ repos: [...names], value, pendingAtWrite: pending });
        this.onPatch();
        for (const n of names) {
          if (value === null) this.values.delete(`${org}/${n}:${name}`);
          else this.values.set(`${org}/${n}:${name}`, value);
        }
        if (this.loseNextAnswer) {
          this.loseNextAnswer = false;
          throw new GitHubError('socket hang up', { status: 0 });
        }
        return { outcome: 'updated' };
      },
    };
    return g as GitHubGateway;
  }
}

let dir: string;
let store: SqliteStore;
let gh: FakeProperties;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qms-executor-'));
  store = openStore(path.join(dir, 'qms.db'));
  gh = new FakeProperties(() => store);
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const repo = async (full: string): Promise<RepoInfo> => {
  const [owner, name] = full.split('/') as [string, string];
  return { owner, name, fullName: full, ownerType: 'Organization' } as RepoInfo;
};

function setPlan(names: string[], value: string): PlannedChange[] {
  return names.map((n, i) => ({ id: i + 1, kind: 'custom_property', repo: `acme/${n}`, key: 'qms_tier', intent: { mode: 'set', value } }));
}

async function run(changes: PlannedChange[], options: { signal?: AbortSignal } = {}) {
  const r = store.runs.start({ kind: 'classify', org: 'acme', actor: 'ada' });
  const set = store.changeSets.create({ runId: r.id, kind: 'properties', org: 'acme', actor: 'ada', apiHost: 'sandbox' });
  const lock = store.lock.acquire({ command: 'test', actor: 'ada', heartbeatMs: 0 });
  try {
    return await executePlan({ gateway: gh.gateway(), store, lock, logger, repo, ...options }, changes, set, { isolateRepos: false });
  } finally {
    lock.release();
  }
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `repo-${String(i).padStart(2, '0')}`);

describe('property values through the executor', () => {
  it('31 repositories with one value: two PATCHes (30 + 1), every intent committed before its PATCH, every value read back', async () => {
    const result = await run(setPlan(names(31), 'standard'));
    expect(result.status).toBe('completed');
    expect(gh.patches.map((p) => p.repos.length)).toEqual([30, 1]);
    expect(gh.patches.map((p) => p.pendingAtWrite)).toEqual([30, 1]);
    expect(result.counts.verified).toBe(31);
    const changes = [...store.changeSets.iterateChanges(result.changeSetId)];
    expect(changes.every((c) => c.status === 'verified' && c.beforeState === null && c.operation === 'create')).toBe(true);
  });

  it('a value already in place is unchanged: no write, no record', async () => {
    gh.values.set('acme/repo-00:qms_tier', 'standard');
    const result = await run(setPlan(names(2), 'standard'));
    expect(result.results.map((r) => r.status)).toEqual(['unchanged', 'verified']);
    expect(gh.patches.map((p) => p.repos)).toEqual([['repo-01']]);
    expect([...store.changeSets.iterateChanges(result.changeSetId)]).toHaveLength(1);
  });

  it('a lost answer is decided by the read-back: the values are there, so verified', async () => {
    gh.loseNextAnswer = true;
    const result = await run(setPlan(names(3), 'mission_critical'));
    expect(result.counts.verified).toBe(3);
    expect(result.status).toBe('completed');
  });

  it('an interrupt during the PATCH leaves its changes pending ("maybe written") and stops', async () => {
    const abort = new AbortController();
    gh.onPatch = () => abort.abort();
    const plan = [...setPlan(names(2), 'standard'), ...setPlan(['other'], 'experimental').map((c) => ({ ...c, id: 3 }))];
    // The abort lands while the batch's request is in flight: the next group is not started.
    const result = await run(plan, { signal: abort.signal });
    expect(result.interrupted).toBe(true);
    expect(result.status).toBe('interrupted');
    expect(result.results.map((r) => r.status)).toEqual(['verified', 'verified', 'not_attempted']);
    expect(gh.patches).toHaveLength(1);
  });

  it('the inverse plan restores the values through the same executor (unset where nothing was set)', async () => {
    gh.values.set('acme/repo-01:qms_tier', 'experimental');
    const applied = await run(setPlan(names(3), 'business_critical'));
    expect(applied.counts.verified).toBe(3);
    const stored: StoredChange[] = [...store.changeSets.iterateChanges(applied.changeSetId)].map((c) => ({
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
    gh.patches = [];
    const undone = await run(buildInversePlan(stored, { force: false }));
    expect(undone.status).toBe('completed');
    expect([...gh.values.entries()]).toEqual([['acme/repo-01:qms_tier', 'experimental']]);
    // Two values to restore (null twice, "experimental" once): one PATCH per value.
    expect(gh.patches.map((p) => [p.value, p.repos.length])).toEqual([
      [null, 2],
      ['experimental', 1],
    ]);
    expect([...store.changeSets.iterateChanges(applied.changeSetId)].every((c) => c.status === 'restored')).toBe(true);
  });
});

describe('decideChange', () => {
  const target = (value: CustomPropertyValue) =>
    value === null
      ? { exists: false, model: null, raw: null, nodeId: null }
      : { exists: true, model: value, raw: { property_name: 'qms_tier', value }, nodeId: null };
  const change: PlannedChange = {
    id: 1,
    kind: 'custom_property',
    repo: 'acme/x',
    key: 'qms_tier',
    intent: { mode: 'set', value: 'standard' },
  };

  it('set: write when the value differs, with a readable diff; unchanged when it is there', () => {
    const d = decideChange(change, target('experimental'));
    expect(d).toMatchObject({ action: 'write', intended: 'standard', op: { kind: 'set_property', name: 'qms_tier', value: 'standard' } });
    expect(d.action === 'write' && d.changes).toEqual([{ op: '~', setting: 'qms_tier', before: 'experimental', after: 'standard' }]);
    expect(decideChange(change, target('standard')).action).toBe('unchanged');
    expect(decideChange({ ...change, intent: { mode: 'set', value: null } }, target(null)).action).toBe('unchanged');
  });
});
