/**
 * Open (and create, and upgrade) the SQLite store. See README.md "Opening".
 *
 * Writable opens: the path must be a regular file this user can write (or not exist
 * yet); parent directories created 0700, the file created 0600 before SQLite touches
 * it, WAL + synchronous=FULL (a committed transaction survives kill -9 and power loss),
 * foreign keys on, a short busy timeout so write transactions of concurrent processes
 * queue instead of failing, then pending migrations.
 *
 * Read-only opens (history, audit verify/export, snapshots show, dry runs): never write
 * data and never wait for a writer (WAL readers read the last committed snapshot).
 * - A store this user can write: read in place. A store behind the code is upgraded
 *   first, and a crashed writer's WAL recovered, through a short-lived writable connection.
 * - A store this user cannot write (an auditor's copy, a 0444 file, a directory without
 *   write permission): nothing is created or changed beside it. If its -wal and -shm
 *   exist (a writer may be running) it is read in place; otherwise, or if that fails,
 *   qms reads a private copy of the database and its -wal in a 0700 temporary directory,
 *   removed on close. A schema behind the code cannot be upgraded read-only: exit 2.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteAuditLog } from './audit-log.js';
import { SqliteChangeSetsRepo } from './change-sets-repo.js';
import { SqliteCheckpointsRepo } from './checkpoints-repo.js';
import {
  describeWriteProblem,
  NOT_WRITABLE_HINT,
  SchemaTooNewError,
  StoreNotWritableError,
  StoreUnavailableError,
  toStoreError,
} from './errors.js';
import { createDbFileIfMissing, DB_FILE_MODE, ensureParentDirs, tightenFileMode, tightenSidecarModes } from './file-mode.js';
import { SqliteLockManager } from './lock-manager.js';
import { applyMigrations, hasForeignTables, readSchemaVersion, type Migration } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { isProcessAlive } from './process-info.js';
import { SqliteRunsRepo } from './runs-repo.js';
import { StoreContext } from './store-context.js';
import type { AuditLog, ChangeSetsRepo, CheckpointsRepo, LockManager, OpenStoreOptions, RunsRepo, Store } from './types.js';

/**
 * How long any statement waits for another connection's write lock before the store
 * reports it held (StoreBusyError, exit 5). qms's own write transactions last
 * milliseconds (one fsync each), so 3 s only runs out when something else holds the
 * database: an sqlite3 shell, a backup tool, a migration of a large store.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 3_000;
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
  /** Removes the private copy a read-only open of an unwritable store reads (see openPrivateCopy). */
  private readonly cleanup: (() => void) | undefined;

  constructor(ctx: StoreContext, schemaVersion: number, cleanup?: () => void) {
    this.cleanup = cleanup;
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
    try {
      if (!this.readonly) {
        this.lockManager.releaseAll();
        try {
          // Statistics only: never wait for another connection's lock on the way out.
          this.ctx.db.pragma('busy_timeout = 0');
          this.ctx.db.pragma('optimize');
        } catch {
          // Best effort.
        }
      }
      this.ctx.db.close();
    } finally {
      this.cleanup?.();
    }
  }
}

/** Options for tests that need to build old databases: which migrations count as "the code". */
export interface OpenStoreInternals {
  migrations?: readonly Migration[];
}

interface OpenContext {
  migrations: readonly Migration[];
  now: () => Date;
  warn: (message: string) => void;
  busyTimeoutMs: number;
}

interface Opened {
  db: Database.Database;
  version: number;
  /** Removes a private read-only copy once the connection is closed. */
  cleanup?: () => void;
}

export function openStore(dbPath: string, options: OpenStoreOptions = {}, internals: OpenStoreInternals = {}): SqliteStore {
  const resolved = path.resolve(dbPath);
  const now = options.now ?? (() => new Date());
  const oc: OpenContext = {
    migrations: internals.migrations ?? MIGRATIONS,
    now,
    warn: options.warn ?? (() => undefined),
    busyTimeoutMs: Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)),
  };

  let opened: Opened;
  if (options.readonly) {
    opened = openReadonly(resolved, oc);
  } else {
    const db = openWritable(resolved, oc);
    opened = { db, version: readSchemaVersion(db) };
  }

  const ctx = new StoreContext(opened.db, {
    now,
    readonly: options.readonly === true,
    host: options.host ?? os.hostname(),
    isProcessAlive: options.isProcessAlive ?? isProcessAlive,
    clockSkewToleranceMs: options.clockSkewToleranceMs ?? DEFAULT_CLOCK_SKEW_TOLERANCE_MS,
    dbPath: resolved,
    busyTimeoutMs: oc.busyTimeoutMs,
    ...(options.redact ? { redact: options.redact } : {}),
  });
  return new SqliteStore(ctx, opened.version, opened.cleanup);
}

/**
 * What is at `file`: nothing yet, or a regular file. Anything else (a directory given as
 * --db, a device, a socket) is refused before anything touches it (no chmod, no SQLite).
 */
function inspectDatabasePath(file: string): 'missing' | 'file' {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') {
      throw new StoreUnavailableError(file, `${file} cannot be a qms database: a part of its path is not a directory`);
    }
    throw new StoreUnavailableError(file, `cannot reach the qms database at ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (st.isDirectory()) {
    throw new StoreUnavailableError(file, `${file} is a directory, not a qms database file`, {
      hint: `point --db / QMS_DB at a file, e.g. ${path.join(file, 'qms.db')}`,
    });
  }
  if (!st.isFile()) throw new StoreUnavailableError(file, `${file} is not a regular file, so it cannot be a qms database`);
  return 'file';
}

function openReadonly(file: string, oc: OpenContext): Opened {
  if (inspectDatabasePath(file) === 'missing') {
    throw new StoreUnavailableError(file, `no qms database at ${file}`, {
      hint: 'commands that record something (assess, apply) create it; check --db / QMS_DB',
    });
  }
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (err) {
    throw new StoreUnavailableError(file, `cannot read the qms database ${file}: ${(err as Error).message}`, {
      hint: 'ask its owner for read access, or for a copy',
      cause: err,
    });
  }
  const writeProblem = describeWriteProblem(file);
  if (writeProblem === undefined) return openReadonlyAt(file, file, oc, { mayWrite: true });

  // Not ours to write: create nothing beside it. With both sidecars present a writer may
  // be running, and only an in-place reader sees its commits.
  if (fs.existsSync(`${file}-wal`) && fs.existsSync(`${file}-shm`)) {
    try {
      return openReadonlyAt(file, file, oc, { mayWrite: false, writeProblem });
    } catch (err) {
      if (!needsPrivateCopy(err)) throw err;
    }
  }
  return openPrivateCopy(file, oc, writeProblem);
}

/**
 * Read-only at `file` (the store itself, or a private copy of `source`). `mayWrite`:
 * this process may recover a crashed writer's WAL and upgrade the schema first.
 */
function openReadonlyAt(
  source: string,
  file: string,
  oc: OpenContext,
  access: { mayWrite: true } | { mayWrite: false; writeProblem: string; mayRecover?: boolean },
): Opened {
  let version: number;
  try {
    version = peekSchemaVersion(source, file, oc);
  } catch (err) {
    if (!needsRecovery(err)) throw err;
    // A writer was killed mid-transaction: its WAL index must be rebuilt, which a
    // read-only connection cannot always do. Any writable open does it (as the next
    // mutating run would); then read-only as asked.
    if (access.mayWrite) openWritable(file, oc).close();
    else if (access.mayRecover) openConnection(source, file, false, oc.busyTimeoutMs).close();
    else throw err;
    version = peekSchemaVersion(source, file, oc);
  }
  const latest = latestOf(oc.migrations);
  if (version < latest) {
    if (!access.mayWrite) {
      throw new StoreNotWritableError(
        source,
        `${source} has schema ${version} and this qms reads schema ${latest}: upgrading it needs write access, but ${access.writeProblem}`,
        { hint: "run any qms command once as the store's owner, or copy it to a directory you can write and use the copy (--db)" },
      );
    }
    // Upgrade through a writable connection, then read-only as asked.
    openWritable(file, oc).close();
  }
  const db = openConnection(source, file, true, oc.busyTimeoutMs);
  try {
    version = readSchemaVersion(db);
  } catch (err) {
    db.close();
    throw toStoreError(source, err, oc);
  }
  // A qms store now, so its mode is ours to mind (a report is often the first command after a
  // chmod) if it is this user's file; a reader of someone else's store leaves it alone.
  const modeWarning = tightenFileMode(source, { ownerOnly: true });
  if (modeWarning) oc.warn(modeWarning);
  return { db, version };
}

/**
 * Copy the database and its -wal (not the -shm: SQLite rebuilds it) into a fresh 0700
 * directory and read the copy: the only way to read a WAL store whose directory this
 * user cannot write, and one that leaves nothing behind next to someone else's file.
 */
function openPrivateCopy(source: string, oc: OpenContext, writeProblem: string): Opened {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qms-readonly-'));
  const cleanup = () => {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a 0700 directory of this user in $TMPDIR; the command's result stands.
    }
  };
  try {
    const copy = path.join(dir, 'qms.db');
    copyPrivately(source, copy);
    // An empty -wal holds nothing committed (a clean writer left it, or one is idle).
    if (fileSize(`${source}-wal`) > 0) copyPrivately(`${source}-wal`, `${copy}-wal`);
    return { ...openReadonlyAt(source, copy, oc, { mayWrite: false, writeProblem, mayRecover: true }), cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

function copyPrivately(from: string, to: string): void {
  try {
    fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
    fs.chmodSync(to, DB_FILE_MODE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const why =
      code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left in the temporary directory' : code;
    throw new StoreUnavailableError(from, `cannot read ${from} for a read-only copy (${why}, ${code})`, {
      hint: 'ask its owner for read access, or for a copy of the database and its -wal',
      cause: err,
    });
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** In-place read-only failures a private copy gets around: SQLite could not open or set up the WAL index beside the file. */
function needsPrivateCopy(err: unknown): boolean {
  const code = sqliteCodeOf(err);
  return code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_READONLY');
}

/** SQLite's "a read-only connection cannot recover this file" errors (hot journal, WAL index). */
function needsRecovery(err: unknown): boolean {
  const code = sqliteCodeOf(err);
  return code === 'SQLITE_READONLY_ROLLBACK' || code === 'SQLITE_READONLY_RECOVERY' || code === 'SQLITE_READONLY_CANTINIT';
}

/** The SQLite result code of err, or of the SQLite error a store error wraps. */
function sqliteCodeOf(err: unknown): string {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  }
  return '';
}

function latestOf(migrations: readonly Migration[]): number {
  return migrations[migrations.length - 1]?.version ?? 0;
}

/** A connection to `file`; errors name `source` (the store the user named, when `file` is a private copy of it). */
function openConnection(source: string, file: string, readonly: boolean, busyTimeoutMs: number): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: true, timeout: busyTimeoutMs });
  } catch (err) {
    throw toStoreError(source, err, { busyTimeoutMs });
  }
  try {
    // First, so every later statement (including journal_mode) waits instead of failing.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (!readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') {
        throw new StoreUnavailableError(source, `cannot use write-ahead logging for ${source} (journal mode stays ${String(mode)})`, {
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
    throw toStoreError(source, err, { busyTimeoutMs });
  }
  return db;
}

function openWritable(file: string, oc: OpenContext): Database.Database {
  if (inspectDatabasePath(file) === 'file') {
    // Refuse before SQLite opens it read-only behind our back and fails on the first write.
    const problem = describeWriteProblem(file);
    if (problem !== undefined) {
      throw new StoreNotWritableError(file, `cannot write the qms database ${file}: ${problem}`, { hint: NOT_WRITABLE_HINT });
    }
  }
  try {
    ensureParentDirs(file);
    createDbFileIfMissing(file);
  } catch (err) {
    throw new StoreUnavailableError(file, `cannot create the qms database at ${file}: ${(err as Error).message}`, { cause: err });
  }
  const db = openConnection(file, file, false, oc.busyTimeoutMs);
  try {
    const version = readSchemaVersion(db);
    const latest = latestOf(oc.migrations);
    if (version > latest) throw new SchemaTooNewError(file, version, latest);
    if (hasForeignTables(db)) {
      throw new StoreUnavailableError(file, `${file} is an SQLite database but not a qms store`, {
        hint: 'point --db / QMS_DB at a new file; qms will not write into a database it did not create',
      });
    }
    applyMigrations(db, oc.migrations, oc.now);
    // Ours (a qms store, or a new file we created), so its modes are ours to mind.
    const modeWarning = tightenFileMode(file);
    if (modeWarning) oc.warn(modeWarning);
    for (const w of tightenSidecarModes(file)) oc.warn(w);
  } catch (err) {
    db.close();
    throw toStoreError(file, err, oc);
  }
  return db;
}

/** The version of an existing file, refusing one newer than the code or not a qms store. */
function peekSchemaVersion(source: string, file: string, oc: OpenContext): number {
  const db = openConnection(source, file, true, oc.busyTimeoutMs);
  try {
    const version = readSchemaVersion(db);
    const latest = latestOf(oc.migrations);
    if (version > latest) throw new SchemaTooNewError(source, version, latest);
    if (hasForeignTables(db)) throw new StoreUnavailableError(source, `${source} is an SQLite database but not a qms store`);
    return version;
  } catch (err) {
    throw toStoreError(source, err, oc);
  } finally {
    db.close();
  }
}
