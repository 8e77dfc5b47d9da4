import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openStore, SchemaTooNewError, StoreUnavailableError } from '../../../src/store/index.js';
import { makeTempDir, removeDir, repoRoot } from './helpers.js';

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = makeTempDir();
  dbPath = path.join(dir, 'qms.db');
});
afterEach(() => removeDir(dir));

function versions(file: string): { version: number; name: string }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT version, name FROM schema_version ORDER BY version').all() as { version: number; name: string }[];
  } finally {
    db.close();
  }
}

describe('migrations', () => {
  it('registers every migration file in order (migrations are .ts so tsc ships them)', () => {
    const files = fs
      .readdirSync(path.join(repoRoot, 'src/store/migrations'))
      .filter((f) => /^\d{3}-.+\.ts$/.test(f))
      .sort();
    expect(files.length).toBe(MIGRATIONS.length);
    files.forEach((f, i) => {
      expect(Number(f.slice(0, 3))).toBe(i + 1);
      expect(f).toBe(`${String(MIGRATIONS[i]!.version).padStart(3, '0')}-${MIGRATIONS[i]!.name}.ts`);
    });
  });

  it('creates a fresh store at the latest version, one schema_version row per migration', () => {
    const store = openStore(dbPath);
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.storeId).toMatch(/^[0-9a-f-]{36}$/);
    const id = store.storeId;
    store.close();
    expect(openStore(dbPath, { readonly: true }).storeId).toBe(id);
    expect(versions(dbPath)).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    // Opening again applies nothing twice.
    openStore(dbPath).close();
    expect(versions(dbPath)).toHaveLength(MIGRATIONS.length);
  });

  it('upgrades a version-1 database and keeps its data', () => {
    // Build the database an older qms (which knew only migration 1) would have left.
    const old = openStore(dbPath, {}, { migrations: MIGRATIONS.slice(0, 1) });
    expect(old.schemaVersion).toBe(1);
    old.connection
      .prepare(`INSERT INTO runs (kind, org, args, actor, started_at, finished_at, status, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        'assess',
        'acme',
        '{"tier":"standard"}',
        'octo',
        '2025-01-01T00:00:00.000Z',
        '2025-01-01T00:01:00.000Z',
        'succeeded',
        '{"gaps":3}',
      );
    old.close();
    expect(versions(dbPath).map((v) => v.version)).toEqual([1]);

    const store = openStore(dbPath);
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const run = store.runs.get(1);
    expect(run).toMatchObject({ kind: 'assess', org: 'acme', args: { tier: 'standard' }, status: 'succeeded', summary: { gaps: 3 } });
    // Tables of later migrations work on the upgraded file.
    const set = store.changeSets.create({ runId: 1, kind: 'apply', org: 'acme', actor: 'octo' });
    expect(set.status).toBe('planned');
    const lock = store.lock.acquire({ command: 'qms apply', heartbeatMs: 0 });
    lock.release();
    expect(store.audit.verify()).toMatchObject({ ok: true });
    store.close();
    expect(versions(dbPath).map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('a read-only open upgrades an old database first, then reads', () => {
    openStore(dbPath, {}, { migrations: MIGRATIONS.slice(0, 2) }).close();
    const reader = openStore(dbPath, { readonly: true });
    expect(reader.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(reader.audit.count()).toBe(0);
    reader.close();
  });

  it('refuses a database newer than the code, with exit code 2, writable or read-only', () => {
    openStore(dbPath).close();
    const db = new Database(dbPath);
    db.prepare(`INSERT INTO schema_version (version, name, applied_at) VALUES (7, 'future', '2030-01-01T00:00:00.000Z')`).run();
    db.close();
    for (const readonly of [false, true]) {
      let caught: unknown;
      try {
        openStore(dbPath, { readonly });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SchemaTooNewError);
      expect((caught as SchemaTooNewError).exitCode).toBe(ExitCode.Usage);
      expect((caught as Error).message).toBe(`database schema 7 is newer than this qms (knows ${LATEST_SCHEMA_VERSION}); upgrade qms`);
    }
  });

  it('rolls back a failing migration completely and leaves the previous version', () => {
    openStore(dbPath).close();
    const broken = [
      ...MIGRATIONS,
      {
        version: LATEST_SCHEMA_VERSION + 1,
        name: 'broken',
        sql: 'CREATE TABLE half_done (a INTEGER); INSERT INTO no_such_table VALUES (1);',
      },
    ];
    expect(() => openStore(dbPath, {}, { migrations: broken })).toThrow(/no_such_table/);
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    db.close();
    expect(versions(dbPath).at(-1)!.version).toBe(LATEST_SCHEMA_VERSION);
    // The store still opens with the real code.
    openStore(dbPath).close();
  });

  it('runs a TypeScript data step in the same transaction as its SQL', () => {
    openStore(dbPath).close();
    const withData = [
      ...MIGRATIONS,
      {
        version: LATEST_SCHEMA_VERSION + 1,
        name: 'data-step',
        sql: `CREATE TABLE extra (v TEXT)`,
        up: (db: Database.Database) => {
          db.prepare(`INSERT INTO extra (v) VALUES ('filled')`).run();
        },
      },
    ];
    const store = openStore(dbPath, {}, { migrations: withData });
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION + 1);
    expect(store.connection.prepare('SELECT v FROM extra').pluck().get()).toBe('filled');
    store.close();
  });

  it('refuses files that are not qms stores', () => {
    const garbage = path.join(dir, 'garbage.db');
    fs.writeFileSync(garbage, 'this is not sqlite at all, just text '.repeat(200), { mode: 0o600 });
    expect(() => openStore(garbage)).toThrow(StoreUnavailableError);
    expect(() => openStore(garbage)).toThrow(/not a usable SQLite database/);

    const foreign = path.join(dir, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE customers (id INTEGER)');
    db.close();
    expect(() => openStore(foreign)).toThrow(/not a qms store/);
    expect(() => openStore(foreign, { readonly: true })).toThrow(/not a qms store/);

    expect(() => openStore(path.join(dir, 'missing.db'), { readonly: true })).toThrow(/no qms database at/);
    expect(fs.existsSync(path.join(dir, 'missing.db'))).toBe(false);
  });
});
