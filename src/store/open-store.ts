/**
 * Open (and create, and upgrade) the SQLite store.
 *
 * Writable opens: parent directories created 0700, the file created 0600 before
 * SQLite touches it, WAL + synchronous=FULL (a committed transaction survives kill -9
 * and power loss), foreign keys on, a busy timeout so short write transactions of
 * concurrent processes queue instead of failing, then pending migrations.
 *
 * Read-only opens (report, history, export): never write data and never wait for a
 * writer (WAL readers read the last committed snapshot). A store behind the code is
 * upgraded first through a short-lived writable connection, when the file allows it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { QmsError } from '../core/errors.js';
import { SqliteAuditLog } from './audit-log.js';
import { SqliteChangeSetsRepo } from './change-sets-repo.js';
import { SqliteCheckpointsRepo } from './checkpoints-repo.js';
import { SchemaTooNewError, StoreUnavailableError } from './errors.js';
import { createDbFileIfMissing, ensureParentDirs, tightenFileMode, tightenSidecarModes } from './file-mode.js';
import { SqliteLockManager } from './lock-manager.js';
import { applyMigrations, hasForeignTables, readSchemaVersion, type Migration } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { isProcessAlive } from './process-info.js';
import { SqliteRunsRepo } from './runs-repo.js';
import { StoreContext } from './store-context.js';
import type { AuditLog, ChangeSetsRepo, CheckpointsRepo, LockManager, OpenStoreOptions, RunsRepo, Store } from './types.js';

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
const DEFAULT_CLOCK_SKEW_TOLERANCE_MS = 120_000;

export class SqliteStore implements Store {
  readonly path: string;
  readonly readonly: boolean;
  readonly schemaVersion: number;
  readonly storeId: string;
  readonly runs: RunsRepo;
  readonly changeSets: ChangeSetsRepo;
  readonly audit: AuditLog;
  readonly lock: LockManager;
  readonly checkpoints: CheckpointsRepo;
  private readonly ctx: StoreContext;
  private readonly lockManager: SqliteLockManager;
  private closed = false;

  constructor(ctx: StoreContext, schemaVersion: number) {
    this.ctx = ctx;
    this.path = ctx.options.dbPath;
    this.readonly = ctx.options.readonly;
    this.schemaVersion = schemaVersion;
    this.storeId = String(ctx.db.prepare(`SELECT value FROM meta WHERE key = 'store_id'`).pluck().get() ?? '');
    this.audit = new SqliteAuditLog(ctx);
    this.runs = new SqliteRunsRepo(ctx, this.audit);
    this.changeSets = new SqliteChangeSetsRepo(ctx, this.audit);
    this.lockManager = new SqliteLockManager(ctx, this.audit, this.runs);
    this.lock = this.lockManager;
    this.checkpoints = new SqliteCheckpointsRepo(ctx);
  }

  /** The raw connection, for tests and diagnostics only: services use the repositories. */
  get connection(): Database.Database {
    return this.ctx.db;
  }

  transaction<T>(fn: () => T): T {
    return this.ctx.write(fn);
  }

  integrityCheck(): string[] {
    const rows = this.ctx.db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.readonly) {
      this.lockManager.releaseAll();
      try {
        this.ctx.db.pragma('optimize');
      } catch {
        // Best effort: statistics only.
      }
    }
    this.ctx.db.close();
  }
}

/** Options for tests that need to build old databases: which migrations count as "the code". */
export interface OpenStoreInternals {
  migrations?: readonly Migration[];
}

export function openStore(dbPath: string, options: OpenStoreOptions = {}, internals: OpenStoreInternals = {}): SqliteStore {
  const resolved = path.resolve(dbPath);
  const migrations = internals.migrations ?? MIGRATIONS;
  const now = options.now ?? (() => new Date());
  const warn = options.warn ?? (() => undefined);
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;

  let db: Database.Database;
  let version: number;
  if (options.readonly) {
    if (!fs.existsSync(resolved)) {
      throw new StoreUnavailableError(resolved, `no qms database at ${resolved}`, {
        hint: 'commands that record something (assess, apply) create it; check --db / QMS_DB',
      });
    }
    const modeWarning = tightenFileMode(resolved);
    if (modeWarning) warn(modeWarning);
    try {
      version = peekSchemaVersion(resolved, migrations, busyTimeoutMs);
    } catch (err) {
      if (!needsRecovery(err)) throw err;
      // A writer was killed mid-transaction: its hot journal (or WAL index) must be
      // recovered, which a read-only connection cannot do. Any writable open does it
      // (as the next mutating run would); then read-only as asked.
      openWritable(resolved, migrations, now, busyTimeoutMs, warn).close();
      version = peekSchemaVersion(resolved, migrations, busyTimeoutMs);
    }
    if (version < latestOf(migrations)) {
      // Upgrade through a writable connection, then read-only as asked.
      openWritable(resolved, migrations, now, busyTimeoutMs, warn).close();
    }
    db = openConnection(resolved, true, busyTimeoutMs);
    try {
      version = readSchemaVersion(db);
    } catch (err) {
      db.close();
      throw wrapOpenError(resolved, err);
    }
  } else {
    db = openWritable(resolved, migrations, now, busyTimeoutMs, warn);
    version = readSchemaVersion(db);
  }

  const ctx = new StoreContext(db, {
    now,
    readonly: options.readonly === true,
    host: options.host ?? os.hostname(),
    isProcessAlive: options.isProcessAlive ?? isProcessAlive,
    clockSkewToleranceMs: options.clockSkewToleranceMs ?? DEFAULT_CLOCK_SKEW_TOLERANCE_MS,
    dbPath: resolved,
    ...(options.redact ? { redact: options.redact } : {}),
  });
  return new SqliteStore(ctx, version);
}

/** SQLite's "a read-only connection cannot recover this file" errors (hot journal, WAL index). */
function needsRecovery(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_READONLY_ROLLBACK' || code === 'SQLITE_READONLY_RECOVERY' || code === 'SQLITE_READONLY_CANTINIT';
}

function latestOf(migrations: readonly Migration[]): number {
  return migrations[migrations.length - 1]?.version ?? 0;
}

function openConnection(file: string, readonly: boolean, busyTimeoutMs: number): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: true });
  } catch (err) {
    throw wrapOpenError(file, err);
  }
  try {
    // First, so every later statement (including journal_mode) waits instead of failing.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    if (!readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') {
        throw new StoreUnavailableError(file, `cannot use write-ahead logging for ${file} (journal mode stays ${String(mode)})`, {
          hint: 'put the store on a local file system (--db / QMS_DB); network file systems do not support WAL',
        });
      }
      // FULL: in WAL mode the commit is fsynced, so "committed" means "survives power loss".
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    // A table someone else created must not run code of its choosing in our triggers/views.
    db.pragma('trusted_schema = OFF');
  } catch (err) {
    db.close();
    throw wrapOpenError(file, err);
  }
  return db;
}

function openWritable(
  file: string,
  migrations: readonly Migration[],
  now: () => Date,
  busyTimeoutMs: number,
  warn: (message: string) => void,
): Database.Database {
  try {
    ensureParentDirs(file);
    if (!createDbFileIfMissing(file)) {
      const st = fs.statSync(file);
      if (!st.isFile()) throw new StoreUnavailableError(file, `${file} is not a regular file`);
      const modeWarning = tightenFileMode(file);
      if (modeWarning) warn(modeWarning);
    }
  } catch (err) {
    if (err instanceof QmsError) throw err;
    throw new StoreUnavailableError(file, `cannot create the qms database at ${file}: ${(err as Error).message}`, { cause: err });
  }
  const db = openConnection(file, false, busyTimeoutMs);
  try {
    const version = readSchemaVersion(db);
    const latest = latestOf(migrations);
    if (version > latest) throw new SchemaTooNewError(file, version, latest);
    if (hasForeignTables(db)) {
      throw new StoreUnavailableError(file, `${file} is an SQLite database but not a qms store`, {
        hint: 'point --db / QMS_DB at a new file; qms will not write into a database it did not create',
      });
    }
    applyMigrations(db, migrations, now);
    for (const w of tightenSidecarModes(file)) warn(w);
  } catch (err) {
    db.close();
    throw wrapOpenError(file, err);
  }
  return db;
}

/** The version of an existing file, refusing one newer than the code. */
function peekSchemaVersion(file: string, migrations: readonly Migration[], busyTimeoutMs: number): number {
  const db = openConnection(file, true, busyTimeoutMs);
  try {
    const version = readSchemaVersion(db);
    const latest = latestOf(migrations);
    if (version > latest) throw new SchemaTooNewError(file, version, latest);
    if (hasForeignTables(db)) throw new StoreUnavailableError(file, `${file} is an SQLite database but not a qms store`);
    return version;
  } catch (err) {
    throw wrapOpenError(file, err);
  } finally {
    db.close();
  }
}

function wrapOpenError(file: string, err: unknown): Error {
  if (err instanceof QmsError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new StoreUnavailableError(file, `${file} is not a usable SQLite database (${code})`, {
      hint: 'restore it from a backup, or point --db / QMS_DB at a new file',
      cause: err,
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new StoreUnavailableError(file, `cannot open the qms database at ${file} (${code})`, {
      hint: 'check the file and directory permissions',
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}
