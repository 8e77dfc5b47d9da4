/**
 * `qms audit export` and `qms audit verify` on a real store: formats, filters,
 * spreadsheet safety, whole-or-nothing files, and tamper detection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store/index.js';
import { BUILD_HINT, isBuilt, makeTempDirs, runQms, type TempDirs } from '../helpers/e2e.js';

let dirs: TempDirs;
const qms = (args: string[]) => runQms(['--db', dirs.db, ...args], { env: dirs.env });

beforeAll(() => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  dirs = makeTempDirs('qms-audit-e2e-');
  const store = openStore(dirs.db);
  try {
    store.audit.append({ actor: 'ada', action: 'change.intent', target: 'acme/api:main', details: { n: 1 } });
    store.audit.append({ actor: 'rita', action: 'change.result', target: '=HYPERLINK("http://evil")', details: { note: '@SUM(A1)' } });
    store.audit.append({
      actor: 'ada',
      action: 'run.started',
      target: 'run:9',
      details: { token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' },
    });
  } finally {
    store.close();
  }
});
afterAll(() => dirs.cleanup());

describe('qms audit export', () => {
  it('json: one document with the chain head and every event', async () => {
    const run = await qms(['audit', 'export']);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.kind).toBe('qms-audit-export');
    expect(doc.count).toBe(3);
    expect(doc.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3]);
    expect(doc.chain_head).toEqual({ seq: 3, hash: doc.events[2].hash });
    expect(doc.events[1].prev_hash).toBe(doc.events[0].hash);
    // The store scrubs credentials before they are stored, so exports cannot leak them.
    expect(run.stdout).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(run.stderr).toMatch(/exported 3 audit events/);
  });

  it('ndjson with filters by actor and action prefix', async () => {
    const run = await qms(['--format', 'ndjson', 'audit', 'export', '--actor', 'ada', '--action', 'change.']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ seq: 1, actor: 'ada', action: 'change.intent', target: 'acme/api:main' });
  });

  it('csv cells cannot run as spreadsheet formulas', async () => {
    const run = await qms(['--format', 'csv', 'audit', 'export']);
    expect(run.code, run.stderr).toBe(0);
    const rows = run.stdout.trim().split('\r\n');
    expect(rows[0]).toBe('seq,ts,actor,action,target,run_id,change_set_id,details,prev_hash,hash');
    expect(rows).toHaveLength(4);
    expect(rows[2]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(rows.slice(1).every((r) => !/,[=+@]/.test(r))).toBe(true);
  });

  it('--output writes the whole file with mode 0600, and refuses to overwrite without --force', async () => {
    const out = path.join(dirs.root, 'export.ndjson');
    const first = await qms(['--format', 'ndjson', 'audit', 'export', '--output', out]);
    expect(first.code, first.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const again = await qms(['--format', 'ndjson', 'audit', 'export', '--output', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; pass --force/);
    expect((await qms(['--format', 'ndjson', 'audit', 'export', '--output', out, '--force'])).code).toBe(0);
    expect(readdirSync(dirs.root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('bad filters are usage errors (exit 2) naming the flag', async () => {
    for (const [args, pattern] of [
      [['--since', 'yesterday'], /--since must be a date/],
      [['--run', 'x'], /--run must be a positive whole number/],
      [['--since', '2026-02-01', '--until', '2026-01-01'], /--since must be before --until/],
    ] as const) {
      const run = await qms(['audit', 'export', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')[0]).toMatch(pattern);
    }
    expect((await qms(['--format', 'markdown', 'audit', 'export'])).code).toBe(2);
  });
});

describe('qms audit verify', () => {
  it('ok on an intact chain, with a head that can be published and checked later', async () => {
    const run = await qms(['audit', 'verify']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ok: 3 audit events verified/);
    const head = /head (\d+:[0-9a-f]{64})/.exec(run.stdout)![1]!;
    const checked = await qms(['--json', 'audit', 'verify', '--expect-head', head]);
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ ok: true, count: 3 });
    expect((await qms(['audit', 'verify', '--expect-head', 'nonsense'])).code).toBe(2);
  });

  it('exit 1 naming the first altered event when someone edits the trail behind qms’s back', async () => {
    const copy = path.join(dirs.root, 'tampered.db');
    writeFileSync(copy, readFileSync(dirs.db));
    expect(existsSync(`${dirs.db}-wal`) ? statSync(`${dirs.db}-wal`).size : 0).toBe(0);
    const db = new Database(copy);
    db.exec('DROP TRIGGER audit_events_no_update');
    db.prepare("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2").run();
    db.close();
    const run = await runQms(['--db', copy, 'audit', 'verify'], { env: dirs.env });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^BROKEN at event 2/);
  });
});
