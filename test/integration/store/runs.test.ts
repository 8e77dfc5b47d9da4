import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, StoreStateError, type FindingInput, type SqliteStore } from '../../../src/store/index.js';
import { fakeClock, makeTempDir, removeDir, type FakeClock } from './helpers.js';

let dir: string;
let clock: FakeClock;
let store: SqliteStore;
beforeEach(() => {
  dir = makeTempDir();
  clock = fakeClock();
  store = openStore(path.join(dir, 'qms.db'), { now: clock.now });
});
afterEach(() => {
  store.close();
  removeDir(dir);
});

describe('runs, findings, repo results, checkpoints', () => {
  it('starts and finishes a run once, in UTC ISO time, audited', () => {
    const run = store.runs.start({
      kind: 'assess',
      org: 'acme',
      actor: 'octo',
      args: { tier: 'standard', repos: ['a'] },
      toolVersion: '0.1.0',
    });
    expect(run).toMatchObject({ status: 'running', startedAt: '2026-01-15T09:00:00.000Z', finishedAt: null, pid: process.pid });
    clock.advance(90_000);
    const done = store.runs.finish(run.id, 'partial', { failed: 2 });
    expect(done).toMatchObject({ status: 'partial', finishedAt: '2026-01-15T09:01:30.000Z', summary: { failed: 2 } });
    expect(() => store.runs.finish(run.id, 'succeeded')).toThrow(StoreStateError);
    expect(() => store.runs.finish(run.id, 'running' as never)).toThrow(/not a final run status/);
    expect([...store.audit.iterate({ runId: run.id })].map((e) => [e.action, e.actor])).toEqual([
      ['run.started', 'octo'],
      ['run.finished', 'octo'],
    ]);
  });

  it('lists runs newest first with filters, and finds the latest', () => {
    const a = store.runs.start({ kind: 'assess', org: 'acme' });
    const b = store.runs.start({ kind: 'assess', org: 'other' });
    const c = store.runs.start({ kind: 'apply', org: 'acme' });
    store.runs.finish(a.id, 'succeeded');
    expect(store.runs.list().map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    expect(store.runs.list({ kind: 'assess' }).map((r) => r.id)).toEqual([b.id, a.id]);
    expect(store.runs.list({ status: ['running'] }).map((r) => r.id)).toEqual([c.id, b.id]);
    expect(store.runs.list({ limit: 1, beforeId: c.id }).map((r) => r.id)).toEqual([b.id]);
    expect(store.runs.latest({ kind: 'assess', org: 'acme', status: 'succeeded' })!.id).toBe(a.id);
    expect(store.runs.latest({ kind: 'drift' })).toBeNull();
  });

  it('stores findings in bulk and reads them back page by page with filters', () => {
    const run = store.runs.start({ kind: 'assess', org: 'acme' });
    const findings: FindingInput[] = [];
    for (let i = 0; i < 1234; i++) {
      findings.push({
        repo: `acme/r${i % 100}`,
        branch: i % 3 === 0 ? 'release/*' : 'main',
        setting: 'requiredReviews.requiredApprovingReviewCount',
        expected: { min: 2 },
        actual: i % 4 === 0 ? null : 1,
        severity: i % 2 ? 'high' : 'low',
        tier: 'standard',
        status: i % 5 === 0 ? 'ok' : 'gap',
      });
    }
    store.runs.addFindings(run.id, findings);
    const back = [...store.runs.iterateFindings(run.id)];
    expect(back).toHaveLength(1234);
    expect(back[4]).toMatchObject({
      repo: 'acme/r4',
      branch: 'main',
      expected: { min: 2 },
      actual: null,
      severity: 'low',
      status: 'gap',
      message: null,
    });
    expect(back[5]!.actual).toBe(1);
    expect(store.runs.countFindings(run.id, { status: 'gap', severity: 'high' })).toBe(
      findings.filter((f) => f.status === 'gap' && f.severity === 'high').length,
    );
    expect([...store.runs.iterateFindings(run.id, { repo: 'acme/r7', branch: 'release/*' })]).toHaveLength(
      findings.filter((f) => f.repo === 'acme/r7' && f.branch === 'release/*').length,
    );
    expect(() => store.runs.addFindings(run.id, [{ ...findings[0]!, expected: Number.NaN }])).toThrow(/not a JSON number/);
  });

  it('upserts one result per repo per run', () => {
    const run = store.runs.start({ kind: 'assess', org: 'acme' });
    store.runs.setRepoResult(run.id, { repo: 'acme/b', status: 'unknown', reason: 'no admin access' });
    store.runs.setRepoResult(run.id, { repo: 'acme/a', status: 'ok', tier: 'standard', level: 'basic' });
    store.runs.setRepoResult(run.id, { repo: 'acme/b', status: 'failed', reason: 'HTTP 502', details: { attempts: 3 } });
    expect(store.runs.getRepoResult(run.id, 'acme/b')).toMatchObject({ status: 'failed', reason: 'HTTP 502', details: { attempts: 3 } });
    expect([...store.runs.iterateRepoResults(run.id)].map((r) => [r.repo, r.status])).toEqual([
      ['acme/a', 'ok'],
      ['acme/b', 'failed'],
    ]);
    expect([...store.runs.iterateRepoResults(run.id, { status: 'ok' })]).toHaveLength(1);
    expect(() => store.runs.setRepoResult(run.id, { repo: 'acme/c', status: 'great' as never })).toThrow(/CHECK constraint/);
  });

  it('checkpoints a long run so a resume can skip finished repos', () => {
    const run = store.runs.start({ kind: 'apply', org: 'acme' });
    // One transaction: this tests paging, not 1,200 fsyncs.
    store.transaction(() => {
      for (let i = 0; i < 1200; i++)
        store.checkpoints.save(run.id, `acme/r${String(i).padStart(4, '0')}`, i < 1000 ? 'done' : 'failed', { i });
    });
    store.checkpoints.save(run.id, 'acme/r0001', 'failed', { retry: true });
    store.checkpoints.save(run.id, '*', 'cursor', { after: 'Y3Vyc29y' });
    expect(store.checkpoints.get(run.id, 'acme/r0001')).toMatchObject({ status: 'failed', data: { retry: true } });
    expect(store.checkpoints.count(run.id)).toEqual({ done: 999, failed: 201, cursor: 1 });
    const done = new Set([...store.checkpoints.iterate(run.id, { status: 'done' })].map((c) => c.repo));
    expect(done.size).toBe(999);
    expect(done.has('acme/r0001')).toBe(false);
    expect([...store.checkpoints.iterate(run.id)]).toHaveLength(1201);
    expect(() => store.checkpoints.save(run.id, '', 'done')).toThrow(/needs a repo/);
    expect(store.checkpoints.clear(run.id)).toBe(1201);
  });
});
