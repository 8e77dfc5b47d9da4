/**
 * The store opens honestly in every situation (issue 11 items 5-7), through the built
 * binary:
 * - `--db` naming a directory: every command exits 2 naming it; the directory is untouched;
 * - a store the user can read but not write: reporting commands work and print what the
 *   owner sees; commands that record something exit 2 with the reason; nothing changes;
 * - a store another SQLite client holds in a write transaction: commands that record
 *   something exit 5 naming the database after the busy timeout (3 s); reports still work;
 *   once the other client lets go, apply completes.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUSY_TIMEOUT_MS } from '../../src/store/index.js';
import { BUILD_HINT, isBuilt, linesOf, makeTempDirs, runQms, type TempDirs } from '../helpers/e2e.js';
import { useContractSandbox } from '../helpers/sandbox.js';
import { findUnprivileged, type Unprivileged } from '../helpers/unprivileged.js';
import { LineChild } from '../integration/store/child-process.js';
import { ADA, qmsRunner, writesOf } from './apply-helpers.js';

const sb = useContractSandbox();

beforeAll(() => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
});

const REPOS = ['--repo', 'poc-ml-ranking', '--repo', 'research-notebooks'];

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function eventsOf(exportJson: string): unknown[] {
  return (JSON.parse(exportJson) as { events: unknown[] }).events;
}

describe('--db naming a directory', () => {
  let dirs: TempDirs;
  beforeAll(() => {
    dirs = makeTempDirs('qms-store-dir-e2e-');
  });
  afterAll(() => dirs?.cleanup());

  const commands = [
    ['history'],
    ['audit', 'verify'],
    ['audit', 'export'],
    ['snapshots', 'show', '1'],
    ['apply', '--org', 'acme', ...REPOS, '--yes'],
  ];
  for (const command of commands) {
    it(`qms ${command.slice(0, 2).join(' ')} exits 2 naming it, and leaves it as it was`, async () => {
      const target = path.join(dirs.root, 'state-dir');
      fs.mkdirSync(target, { recursive: true });
      fs.writeFileSync(path.join(target, 'notes.txt'), 'keep');
      fs.chmodSync(target, 0o755);
      const run = await runQms(['--api-url', sb.url, '--db', target, ...command], { env: { ...dirs.env, GITHUB_TOKEN: ADA } });
      expect(run.code, run.stderr).toBe(2);
      expect(linesOf(run.stderr)).toEqual([
        `qms: ${target} is a directory, not a qms database file`,
        `hint: point --db / QMS_DB at a file, e.g. ${path.join(target, 'qms.db')}`,
      ]);
      expect(run.stdout).toBe('');
      expect(fs.statSync(target).mode & 0o777).toBe(0o755);
      expect(fs.readdirSync(target)).toEqual(['notes.txt']);
    });
  }
});

const found = findUnprivileged();

const skipped = 'reason' in found ? ` (skipped: ${found.reason})` : '';

describe.skipIf('reason' in found)(`a store this user can read but not write${skipped}`, () => {
  const user = (found as { user: Unprivileged }).user;
  let dirs: TempDirs;
  let storeDir: string;
  let db: string;
  let tmp: string;
  const owner: Record<string, string> = {};
  beforeAll(async () => {
    dirs = makeTempDirs('qms-store-ro-e2e-');
    storeDir = path.join(dirs.root, 'store');
    db = path.join(storeDir, 'qms.db');
    tmp = path.join(dirs.root, 'tmp');
    fs.mkdirSync(tmp);
    const qms = qmsRunner(sb, { ...dirs, db });
    const apply = await qms(['apply', '--org', 'acme', ...REPOS, '--yes']);
    expect(apply.code, apply.stderr).toBe(0);
    for (const [key, args] of Object.entries(READS)) {
      const run = await qms(args);
      expect(run.code, `${key}: ${run.stderr}`).toBe(0);
      owner[key] = run.stdout;
    }
  });
  afterAll(() => {
    if (storeDir && fs.existsSync(storeDir)) fs.chmodSync(storeDir, 0o755);
    dirs?.cleanup();
  });

  const READS: Record<string, string[]> = {
    history: ['history'],
    verify: ['audit', 'verify'],
    export: ['audit', 'export'],
    snapshot: ['snapshots', 'show', '1'],
    dryRun: ['rollback', '--last', '--dry-run'],
  };

  function asUser(args: string[]) {
    return runQms(['--api-url', sb.url, '--db', db, ...args], {
      env: { ...dirs.env, NO_COLOR: '1', GITHUB_TOKEN: ADA, TMPDIR: tmp },
      user: user.spawn,
      timeoutMs: 120_000,
    });
  }

  it('reporting commands print what the owner sees; recording ones exit 2 naming the file; nothing changes', async () => {
    user.handOver(dirs.root);
    for (const f of fs.readdirSync(storeDir)) fs.chmodSync(path.join(storeDir, f), 0o444);
    fs.chmodSync(storeDir, 0o555);
    const listing = fs.readdirSync(storeDir).sort();
    const digest = sha256(db);

    for (const [key, args] of Object.entries(READS)) {
      const run = await asUser(args);
      expect(run.code, `${key}: ${run.stderr}`).toBe(0);
      if (key === 'export') expect(eventsOf(run.stdout)).toEqual(eventsOf(owner[key]!));
      else expect(run.stdout, key).toBe(owner[key]);
      // The first report takes the others' read bits off the user's own file (never adding write).
      if (key === 'history') expect(run.stderr).toContain(`warning: ${db} was mode 0444 (readable by others); changed it to 0400\n`);
    }
    expect(fs.statSync(db).mode & 0o777).toBe(0o400);

    const reason = `${db} is not writable by this user (mode 0400, owner uid ${user.uid}, running as uid ${user.uid}; EACCES)`;
    for (const args of [
      ['apply', '--org', 'acme', ...REPOS, '--yes'],
      ['assess', '--org', 'acme', ...REPOS],
    ]) {
      const run = await asUser(args);
      expect(run.code, run.stderr).toBe(2);
      expect(linesOf(run.stderr)[0]).toBe(`qms: cannot write the qms database ${db}: ${reason}`);
      expect(linesOf(run.stderr)[1]).toMatch(/^hint: history, audit verify, audit export and snapshots show can read it as it is/);
    }

    expect(sha256(db)).toBe(digest);
    expect(fs.readdirSync(storeDir).sort()).toEqual(listing);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

/**
 * Another SQLite client: a plain better-sqlite3 connection in its own process, in a write
 * transaction until the test says `release`.
 */
const HOLDER = `
const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
const db = new Database(process.argv[1]);
db.exec('BEGIN IMMEDIATE');
console.log('held');
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'release') { db.exec('ROLLBACK'); db.close(); console.log('released'); process.exit(0); }
});`;

describe('a store another SQLite client holds in a write transaction', () => {
  let dirs: TempDirs;
  let holder: LineChild | undefined;
  beforeAll(() => {
    dirs = makeTempDirs('qms-store-busy-e2e-');
  });
  afterAll(async () => {
    if (holder && holder.proc.exitCode === null) {
      holder.proc.kill('SIGKILL');
      await holder.exited;
    }
    dirs?.cleanup();
  });

  const wait = `${DEFAULT_BUSY_TIMEOUT_MS / 1000} s`;
  it(`apply and assess exit 5 naming the database after ${wait}; reports still work; apply completes once it lets go`, async () => {
    const qms = qmsRunner(sb, dirs);
    // Repositories the read-only test above leaves alone, so this apply has something to write.
    const OTHER_REPOS = ['--repo', 'internal-tools', '--repo', 'design-system'];
    // A store with history in it, so the reports below have something to show.
    const first = await qms(['assess', '--org', 'acme', ...OTHER_REPOS]);
    expect([0, 1], first.stderr).toContain(first.code);

    holder = new LineChild('-e', [HOLDER, dirs.db]);
    await holder.next((l) => l === 'held');

    const writes = writesOf(sb.sandbox.stats);
    const locked = `qms: ${dirs.db} is locked: another SQLite client holds its write lock (waited ${DEFAULT_BUSY_TIMEOUT_MS / 1000} s)`;
    for (const args of [
      ['apply', '--org', 'acme', ...OTHER_REPOS, '--yes'],
      ['assess', '--org', 'acme', ...OTHER_REPOS],
    ]) {
      const run = await qms(args);
      expect(run.code, run.stderr).toBe(5);
      expect(linesOf(run.stderr)[0]).toBe(locked);
      expect(linesOf(run.stderr)[1]).toMatch(/^hint: another program \(an sqlite3 shell, a backup tool, a qms upgrading the schema\)/);
      // It waited for the other client (the busy timeout) before giving up.
      expect(run.ms).toBeGreaterThanOrEqual(DEFAULT_BUSY_TIMEOUT_MS);
    }
    expect(writesOf(sb.sandbox.stats)).toBe(writes);

    for (const args of [['history'], ['audit', 'verify']]) {
      const run = await qms(args);
      expect(run.code, run.stderr).toBe(0);
    }

    holder.send('release');
    await holder.next((l) => l === 'released');
    await holder.exited;
    const apply = await qms(['apply', '--org', 'acme', ...OTHER_REPOS, '--yes']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/[1-9]\d* verified, 0 already as wanted, 0 failed/);
    expect(writesOf(sb.sandbox.stats)).toBeGreaterThan(writes);
    const verify = await qms(['audit', 'verify']);
    expect(verify.code, verify.stderr).toBe(0);
    // Tidy: restore what the apply changed, for the other tests sharing this sandbox.
    const rollback = await qms(['rollback', '--last', '--yes']);
    expect(rollback.code, rollback.stderr).toBe(0);
  });
});
