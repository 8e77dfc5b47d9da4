/**
 * How the store opens in the situations a user meets (issue 11 items 5-7):
 * - --db naming a directory: refused (exit 2) before anything touches it;
 * - a store this user can read but not write (a 0444 copy, a 0555 directory, a copy of a
 *   live store with its -wal): read-only opens read it, leaving nothing beside it;
 *   mutating opens and schema upgrades are refused (exit 2) with the reason;
 * - a store another SQLite client holds in a write transaction: every place that waits
 *   for the write lock (opening with a migration, the qms lock, runs, intents, audit)
 *   ends with the same StoreBusyError (exit 5) after the busy timeout.
 *
 * The read-only cases run the store code in a child process as a user who really lacks
 * write permission (see test/helpers/unprivileged.ts: as root, uid 65534 owning the
 * files; otherwise the current user): chmod means nothing to root.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, LockHeldError } from '../../../src/core/errors.js';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  openStore,
  StoreBusyError,
  StoreUnavailableError,
  type SqliteStore,
} from '../../../src/store/index.js';
import { findUnprivileged, type Unprivileged } from '../../helpers/unprivileged.js';
import { buildForChildren, fileMode, makeTempDir, removeDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  // A test may have left directories without write permission.
  for (const d of walkDirs(dir)) fs.chmodSync(d, 0o755);
  removeDir(dir);
});

function walkDirs(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  const out = [root];
  for (const e of fs.readdirSync(root, { withFileTypes: true })) if (e.isDirectory()) out.push(...walkDirs(path.join(root, e.name)));
  return out;
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A store with two runs and their audit events, closed (so only the .db file is left). */
function makeStore(file: string, migrations = MIGRATIONS): void {
  const store = openStore(file, {}, { migrations });
  store.runs.start({ kind: 'assess', org: 'acme', actor: 'octo' });
  store.runs.start({ kind: 'apply', org: 'acme', actor: 'octo' });
  store.close();
}

describe('--db naming something that is not a database file', () => {
  for (const readonly of [false, true]) {
    it(`a directory is refused with exit 2 and left exactly as it was (${readonly ? 'read-only' : 'writable'} open)`, () => {
      const target = path.join(dir, 'state');
      fs.mkdirSync(target);
      fs.writeFileSync(path.join(target, 'notes.txt'), 'keep');
      fs.chmodSync(target, 0o755);
      const err = caught(() => openStore(target, { readonly }));
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as StoreUnavailableError).exitCode).toBe(ExitCode.Usage);
      expect(err.message).toBe(`${target} is a directory, not a qms database file`);
      expect((err as StoreUnavailableError).hint).toBe(`point --db / QMS_DB at a file, e.g. ${path.join(target, 'qms.db')}`);
      expect(fileMode(target)).toBe(0o755);
      expect(fs.readdirSync(target)).toEqual(['notes.txt']);
    });
  }

  it('a path through a regular file is refused with exit 2', () => {
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, 'x');
    const err = caught(() => openStore(path.join(file, 'qms.db')));
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err.message).toBe(`${path.join(file, 'qms.db')} cannot be a qms database: a part of its path is not a directory`);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });
});

interface Opened {
  ok: boolean;
  readonly?: boolean;
  schemaVersion?: number;
  storeId?: string;
  runs?: number[];
  audit?: { ok: boolean; count: number; head: { seq: number; hash: string } | null };
  integrity?: string[];
  run?: number;
  name?: string;
  exitCode?: number | null;
  message?: string;
  hint?: string | null;
  warnings: string[];
}

const found = findUnprivileged();

const skipped = 'reason' in found ? ` (skipped: ${found.reason})` : '';

describe.skipIf('reason' in found)(`a store this user can read but not write${skipped}`, () => {
  const user = (found as { user: Unprivileged }).user;
  let build: ReturnType<typeof buildForChildren>;
  let openerJs: string;
  beforeAll(() => {
    build = buildForChildren();
    openerJs = build.js('test/integration/store/children/store-opener.ts');
  });
  afterAll(() => build.cleanup());

  let copyDir: string;
  let db: string;
  let tmp: string;
  beforeEach(() => {
    copyDir = path.join(dir, 'evidence');
    fs.mkdirSync(copyDir);
    db = path.join(copyDir, 'qms.db');
    // The child's temporary directory: a private copy must be gone when it exits.
    tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
  });

  /** Hand everything to the child's user, then take write permission away. */
  function protect(options: { dirWritable?: boolean } = {}): void {
    user.handOver(dir);
    fs.chmodSync(dir, 0o755);
    for (const f of fs.readdirSync(copyDir)) fs.chmodSync(path.join(copyDir, f), 0o444);
    fs.chmodSync(copyDir, options.dirWritable ? 0o755 : 0o555);
  }

  function open(action: 'read' | 'write'): Opened {
    const child = spawnSync(process.execPath, [openerJs, db, action], {
      ...user.spawn,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TMPDIR: tmp },
      timeout: 60_000,
    });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as Opened;
    } catch {
      throw new Error(`store-opener printed no JSON (status ${child.status}): ${child.stdout}\n${child.stderr}`);
    }
  }

  /**
   * What the owner sees, read before the store is protected. Through a writable open: the
   * last writable connection to close removes -wal/-shm, so none are left to pollute the
   * "nothing created beside it" checks (a read-only connection leaves them).
   */
  function ownerView(file = db) {
    const s = openStore(file);
    try {
      return { runs: s.runs.list().map((r) => r.id), audit: s.audit.verify(), storeId: s.storeId };
    } finally {
      s.close();
    }
  }

  it('reads a 0444 store in a 0555 directory: same runs and audit head, nothing created or changed beside it, no copy left', () => {
    makeStore(db);
    const expected = ownerView();
    const digest = sha256(db);
    protect();

    const seen = open('read');
    expect(seen, seen.message).toMatchObject({ ok: true, readonly: true, schemaVersion: LATEST_SCHEMA_VERSION, storeId: expected.storeId });
    expect(seen.runs).toEqual(expected.runs);
    expect(seen.audit).toEqual(expected.audit);
    expect(seen.integrity).toEqual(['ok']);
    expect(fs.readdirSync(copyDir)).toEqual(['qms.db']);
    expect(sha256(db)).toBe(digest);
    expect(fs.readdirSync(tmp)).toEqual([]);
    // Its owner's file, readable by others: group/other bits come off, write is never added.
    expect(fileMode(db)).toBe(0o400);
    expect(seen.warnings).toEqual([`${db} was mode 0444 (readable by others); changed it to 0400`]);
  });

  it('reads a copy taken while a writer had the store open (db + -wal, no -shm): commits only in the WAL are seen', () => {
    const live = path.join(dir, 'live.db');
    const writer = openStore(live);
    let expected: ReturnType<typeof ownerView>;
    try {
      for (let i = 0; i < 3; i++) writer.runs.start({ kind: 'assess', org: 'acme', actor: 'octo' });
      expect(fs.statSync(`${live}-wal`).size).toBeGreaterThan(0);
      fs.copyFileSync(live, db);
      fs.copyFileSync(`${live}-wal`, `${db}-wal`);
      expected = ownerView(live);
    } finally {
      writer.close();
    }
    // The WAL matters: the database file alone lacks those runs (a reader that ignored it would too).
    const dbOnly = path.join(dir, 'db-only.db');
    fs.copyFileSync(db, dbOnly);
    expect(ownerView(dbOnly).runs).not.toEqual(expected.runs);
    const digests = [sha256(db), sha256(`${db}-wal`)];
    protect();

    const seen = open('read');
    expect(seen, seen.message).toMatchObject({ ok: true, runs: expected.runs, audit: expected.audit });
    expect(expected.runs).toHaveLength(3);
    expect(fs.readdirSync(copyDir).sort()).toEqual(['qms.db', 'qms.db-wal']);
    expect([sha256(db), sha256(`${db}-wal`)]).toEqual(digests);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('reads a copied set of db, -wal and -shm (all 0444, 0555 directory) in place', () => {
    const live = path.join(dir, 'live.db');
    const writer = openStore(live);
    let expected: ReturnType<typeof ownerView>;
    try {
      for (let i = 0; i < 2; i++) writer.runs.start({ kind: 'assess', org: 'acme', actor: 'octo' });
      for (const s of ['', '-wal', '-shm']) fs.copyFileSync(live + s, db + s);
      expected = ownerView(live);
    } finally {
      writer.close();
    }
    protect();
    const seen = open('read');
    expect(seen, seen.message).toMatchObject({ ok: true, runs: expected.runs, audit: expected.audit });
    expect(fs.readdirSync(copyDir).sort()).toEqual(['qms.db', 'qms.db-shm', 'qms.db-wal']);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('reads a 0444 store in a writable directory without creating -wal/-shm next to it, and never makes it writable', () => {
    makeStore(db);
    const expected = ownerView();
    protect({ dirWritable: true });
    const seen = open('read');
    expect(seen, seen.message).toMatchObject({ ok: true, runs: expected.runs, audit: expected.audit });
    expect(fs.readdirSync(copyDir)).toEqual(['qms.db']);
    expect(fileMode(db) & 0o222).toBe(0);
  });

  it('a mutating open of a file without write permission is refused with exit 2, naming the file, its mode and the user', () => {
    makeStore(db);
    const digest = sha256(db);
    protect({ dirWritable: true });
    const seen = open('write');
    expect(seen).toMatchObject({ ok: false, name: 'StoreNotWritableError', exitCode: ExitCode.Usage });
    expect(seen.message).toBe(
      `cannot write the qms database ${db}: ${db} is not writable by this user ` +
        `(mode 0444, owner uid ${user.uid}, running as uid ${user.uid}; EACCES)`,
    );
    expect(seen.hint).toMatch(/^history, audit verify, audit export and snapshots show can read it as it is/);
    expect(sha256(db)).toBe(digest);
    expect(fs.readdirSync(copyDir)).toEqual(['qms.db']);
  });

  it('a mutating open in a directory without write permission is refused with exit 2, naming the directory', () => {
    makeStore(db);
    user.handOver(dir);
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(db, 0o600);
    fs.chmodSync(copyDir, 0o555);
    const seen = open('write');
    expect(seen).toMatchObject({ ok: false, name: 'StoreNotWritableError', exitCode: ExitCode.Usage });
    expect(seen.message).toBe(
      `cannot write the qms database ${db}: its directory ${copyDir} is not writable by this user ` +
        `(mode 0555, owner uid ${user.uid}, running as uid ${user.uid}; EACCES), and SQLite keeps qms.db-wal and -shm there`,
    );
    // The same store reads fine.
    expect(open('read')).toMatchObject({ ok: true });
  });

  it('a mutating open next to a -shm this user cannot write (left by a reader) is refused with exit 2, naming the -shm', () => {
    makeStore(db);
    // A read-only connection in a writable directory leaves its -wal and -shm behind.
    const reader = new Database(db, { readonly: true });
    reader.prepare('SELECT COUNT(*) FROM runs').get();
    reader.close();
    expect(fs.existsSync(`${db}-shm`)).toBe(true);
    user.handOver(dir);
    fs.chmodSync(`${db}-shm`, 0o444);
    const seen = open('write');
    expect(seen).toMatchObject({ ok: false, name: 'StoreNotWritableError', exitCode: ExitCode.Usage });
    expect(seen.message).toBe(
      `cannot write the qms database ${db}: ${db}-shm is not writable by this user ` +
        `(mode 0444, owner uid ${user.uid}, running as uid ${user.uid}; EACCES)`,
    );
  });

  it('a schema behind the code cannot be upgraded read-only: exit 2 saying so, the file untouched', () => {
    const older = LATEST_SCHEMA_VERSION - 1;
    makeStore(db, MIGRATIONS.slice(0, older));
    const digest = sha256(db);
    protect();
    const seen = open('read');
    expect(seen).toMatchObject({ ok: false, name: 'StoreNotWritableError', exitCode: ExitCode.Usage });
    expect(seen.message).toBe(
      `${db} has schema ${older} and this qms reads schema ${LATEST_SCHEMA_VERSION}: upgrading it needs write access, ` +
        `but ${db} is not writable by this user (mode 0444, owner uid ${user.uid}, running as uid ${user.uid}; EACCES)`,
    );
    expect(sha256(db)).toBe(digest);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

describe('a store another SQLite client holds in a write transaction', () => {
  const BUSY_MS = 100;
  let db: string;
  let other: Database.Database | undefined;
  const stores: SqliteStore[] = [];
  beforeEach(() => {
    db = path.join(dir, 'qms.db');
  });
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    if (other?.inTransaction) other.exec('ROLLBACK');
    other?.close();
    other = undefined;
  });

  function track(s: SqliteStore): SqliteStore {
    stores.push(s);
    return s;
  }

  /** Another client (a plain better-sqlite3 connection, as an sqlite3 shell would be) takes the write lock. */
  function holdWriteLock(): void {
    other = new Database(db);
    other.exec('BEGIN IMMEDIATE');
  }

  function expectBusy(err: Error): void {
    expect(err).toBeInstanceOf(StoreBusyError);
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as StoreBusyError).exitCode).toBe(ExitCode.Locked);
    expect(err.message).toBe(`${db} is locked: another SQLite client holds its write lock (waited 0.1 s)`);
  }

  it('the qms lock, a run, an intent and an audit event all end in StoreBusyError (exit 5); reads go on; all work once it lets go', () => {
    const store = track(openStore(db, { busyTimeoutMs: BUSY_MS }));
    const run = store.runs.start({ kind: 'apply', org: 'acme', actor: 'octo' });
    const set = store.changeSets.create({ runId: run.id, kind: 'apply', org: 'acme', actor: 'octo' });
    store.changeSets.start(set.id);
    const intent = {
      changeSetId: set.id,
      repo: 'acme/api',
      targetKind: 'classic_protection' as const,
      targetKey: 'main',
      beforeState: null,
      beforeModel: null,
      intendedModel: { enforceAdmins: true },
    };
    const auditBefore = store.audit.count();

    holdWriteLock();
    expectBusy(caught(() => store.lock.acquire({ command: 'qms apply', heartbeatMs: 0 })));
    expectBusy(caught(() => store.runs.start({ kind: 'apply', org: 'acme', actor: 'octo' })));
    expectBusy(caught(() => store.changeSets.recordIntent(intent)));
    expectBusy(caught(() => store.audit.append({ actor: 'octo', action: 'x.y', target: 'z' })));
    expectBusy(caught(() => store.transaction(() => store.runs.start({ kind: 'assess' }))));
    // Readers do not need the write lock.
    const reader = track(openStore(db, { readonly: true, busyTimeoutMs: BUSY_MS }));
    expect(reader.runs.list().map((r) => r.id)).toEqual([run.id]);
    expect(reader.audit.verify()).toMatchObject({ ok: true, count: auditBefore });

    other!.exec('ROLLBACK');
    const handle = store.lock.acquire({ command: 'qms apply', heartbeatMs: 0 });
    expect(store.changeSets.recordIntent(intent).status).toBe('pending');
    handle.release();
    expect(store.audit.verify()).toMatchObject({ ok: true });
  });

  it('opening a store that needs a migration ends in StoreBusyError, writable or read-only; the schema is unchanged', () => {
    const older = LATEST_SCHEMA_VERSION - 1;
    makeStore(db, MIGRATIONS.slice(0, older));
    holdWriteLock();
    expectBusy(caught(() => openStore(db, { busyTimeoutMs: BUSY_MS })));
    expectBusy(caught(() => openStore(db, { readonly: true, busyTimeoutMs: BUSY_MS })));
    other!.exec('ROLLBACK');
    expect(other!.prepare('SELECT MAX(version) AS v FROM schema_version').get()).toEqual({ v: older });
    expect(track(openStore(db, { busyTimeoutMs: BUSY_MS })).schemaVersion).toBe(LATEST_SCHEMA_VERSION);
  });

  it('a client holding an exclusive lock (locking_mode=EXCLUSIVE) keeps even readers out: StoreBusyError on open, not a crash', () => {
    makeStore(db);
    other = new Database(db);
    other.pragma('locking_mode = EXCLUSIVE');
    other.exec('BEGIN EXCLUSIVE');
    other.exec(`INSERT INTO meta (key, value) VALUES ('held', 'yes')`);
    expectBusy(caught(() => openStore(db, { readonly: true, busyTimeoutMs: BUSY_MS })));
    expectBusy(caught(() => openStore(db, { busyTimeoutMs: BUSY_MS })));
  });
});
