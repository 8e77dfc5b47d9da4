/**
 * One mutating run per store: two applies started together on one SQLite store —
 * one completes, the other exits 5 naming the holder; nothing is corrupted.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { BUILD_HINT, isBuilt, makeTempDirs, type TempDirs } from '../helpers/e2e.js';
import { captureLive, qmsRunner, writesOf } from './apply-helpers.js';

let sb: TestSandbox;
let dirs: TempDirs;

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  sb = await startTestSandbox();
  dirs = makeTempDirs('qms-lock-e2e-');
});
afterAll(async () => {
  try {
    sb?.assertContract();
  } finally {
    await sb?.close();
    dirs?.cleanup();
  }
});

describe('two concurrent applies on one store', () => {
  it('one gets exit 5 naming the holder, the other completes; store and audit chain intact', async () => {
    const repos = ['poc-ml-ranking', 'research-notebooks'];
    const original = await captureLive(sb, 'acme', repos);
    const qms = qmsRunner(sb, dirs);
    const args = ['apply', '--org', 'acme', '--repo', 'poc-ml-ranking', '--repo', 'research-notebooks', '--yes'];
    const w = writesOf(sb.sandbox.stats);
    const runs = await Promise.all([qms(args), qms(args)]);
    const codes = runs.map((r) => r.code).sort((a, b) => a - b);
    expect(codes, runs.map((r) => r.stderr).join('\n---\n')).toEqual([0, 5]);
    const winner = runs.find((r) => r.code === 0)!;
    const loser = runs.find((r) => r.code === 5)!;
    expect(loser.stderr).toMatch(
      /^qms: another qms \(pid \d+ on [^,]+, `qms apply --org acme --repo poc-ml-ranking --repo research-notebooks`, since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\) holds the lock on .*qms\.db/m,
    );
    expect(loser.stdout).toBe('');
    expect(winner.stdout).toContain('2 verified, 0 already as wanted, 0 failed');
    // Only the winner wrote: one PUT per repository.
    expect(writesOf(sb.sandbox.stats) - w).toBe(2);

    const store = openStore(dirs.db, { readonly: true });
    try {
      expect(store.integrityCheck()).toEqual(['ok']);
      const audit = store.audit.verify();
      expect(audit.ok, audit.reason).toBe(true);
      expect(store.lock.current()).toBeNull();
      const sets = store.changeSets.list({});
      expect(sets.map((s) => [s.kind, s.status])).toEqual([['apply', 'completed']]);
      expect(store.changeSets.countChanges(sets[0]!.id).verified).toBe(2);
      // The loser never started a run; the winner's run succeeded.
      expect(store.runs.list({ kind: 'apply' }).map((r) => r.status)).toEqual(['succeeded']);
    } finally {
      store.close();
    }

    // Tidy: the store still works for the next mutating run, which restores everything.
    const rollback = await qms(['rollback', '--last', '--yes']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await captureLive(sb, 'acme', repos)).toEqual(original);
    expect(path.isAbsolute(dirs.db)).toBe(true);
  });
});
