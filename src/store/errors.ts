/**
 * Errors the store raises that end a command. They extend QmsError so
 * src/cli/handle-error.ts prints them and picks the exit code.
 *
 * {@link toStoreError} is the one mapping from SQLite's result codes to these errors:
 * opening, migrating, every write transaction (the qms lock, run records, intents) and
 * every read transaction go through it, so "database is locked" or "attempt to write a
 * readonly database" never reach the user as an internal error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, LockHeldError, QmsError } from '../core/errors.js';

/** The database was written by a newer qms. Exit 2: the user must upgrade qms, not retry. */
export class SchemaTooNewError extends QmsError {
  readonly dbVersion: number;
  readonly knownVersion: number;

  constructor(path: string, dbVersion: number, knownVersion: number) {
    super(`database schema ${dbVersion} is newer than this qms (knows ${knownVersion}); upgrade qms`, ExitCode.Usage, {
      hint: `${path} was last opened by a newer qms; older versions must not write to it`,
    });
    this.dbVersion = dbVersion;
    this.knownVersion = knownVersion;
  }
}

/** The file cannot be used as a qms store (missing for a read-only open, not SQLite, not ours, no WAL). Exit 2. */
export class StoreUnavailableError extends QmsError {
  readonly path: string;

  constructor(path: string, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, ExitCode.Usage, options);
    this.path = path;
  }
}

/**
 * The store is there and readable, but this process may not write it (file or directory
 * permissions, a read-only file system, an immutable file): mutating commands, and
 * upgrading an old schema, need write access. Exit 2: retrying will not help.
 */
export class StoreNotWritableError extends StoreUnavailableError {}

/**
 * Another SQLite connection (not a qms run: those take the qms lock and are named by
 * LockHeldError) held the database's write lock for longer than the busy timeout.
 * Exit 5, like every "someone else holds the store" refusal.
 */
export class StoreBusyError extends LockHeldError {
  readonly path: string;

  constructor(path: string, waitedMs: number, options?: { cause?: unknown }) {
    // A variable, not a literal: LockHeldError's options type names only the hint, but forwards the cause too.
    const details = {
      hint:
        'another program (an sqlite3 shell, a backup tool, a qms upgrading the schema) has it open in a write transaction; ' +
        'let it finish, then retry',
      cause: options?.cause,
    };
    super(`${path} is locked: another SQLite client holds its write lock (waited ${formatWait(waitedMs)})`, details);
    this.path = path;
  }
}

/**
 * A caller asked for something the store's invariants forbid (an illegal status
 * transition, a write on a read-only store, pruning inside retention). Exit 2 when
 * it reaches the CLI, although most are bugs in a service.
 */
export class StoreStateError extends QmsError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

/** `3 s`, `0.1 s`: the busy timeout as the user reads it. */
function formatWait(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return `${s >= 10 || Number.isInteger(s) ? Math.round(s) : s.toFixed(1)} s`;
}

function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** SQLITE_BUSY and its extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT). */
export function isSqliteBusy(err: unknown): boolean {
  return /^SQLITE_BUSY(_|$)/.test(sqliteCode(err));
}

/**
 * Why this process cannot write the store at `file`, in one phrase, or undefined when
 * it can (as far as access(2) tells: root passes unless the file is immutable or the
 * file system read-only). SQLite needs the file, its `-wal`/`-shm` when they exist, and,
 * to create them, the directory.
 */
export function describeWriteProblem(file: string): string | undefined {
  const denied = (p: string): NodeJS.ErrnoException | undefined => {
    try {
      fs.accessSync(p, fs.constants.W_OK);
      return undefined;
    } catch (err) {
      return err as NodeJS.ErrnoException;
    }
  };
  const fileErr = denied(file);
  if (fileErr) {
    if (fileErr.code === 'ENOENT') return undefined;
    return `${file} is not writable by this user (${describeAccess(file)}; ${fileErr.code ?? 'denied'})`;
  }
  // Sidecars another user left (a reader in a writable directory) make SQLite open read-only too.
  for (const sidecar of [`${file}-wal`, `${file}-shm`]) {
    const err = denied(sidecar);
    if (err && err.code !== 'ENOENT') {
      return `${sidecar} is not writable by this user (${describeAccess(sidecar)}; ${err.code ?? 'denied'})`;
    }
  }
  const dir = path.dirname(file);
  const dirErr = denied(dir);
  if (dirErr) {
    const sidecarsExist = [`${file}-wal`, `${file}-shm`].every((p) => fs.existsSync(p));
    if (!sidecarsExist) {
      const access = `${describeAccess(dir)}; ${dirErr.code ?? 'denied'}`;
      return `its directory ${dir} is not writable by this user (${access}), and SQLite keeps ${path.basename(file)}-wal and -shm there`;
    }
  }
  return undefined;
}

/** `mode 0444, owner uid 1000, running as uid 1001`: what a user needs to fix a permission problem. */
function describeAccess(p: string): string {
  try {
    const st = fs.statSync(p);
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    const me = typeof process.getuid === 'function' ? `, running as uid ${process.getuid()}` : '';
    return `mode ${mode}, owner uid ${st.uid}${me}`;
  } catch (err) {
    return (err as Error).message;
  }
}

export const NOT_WRITABLE_HINT =
  'history, audit verify, audit export and snapshots show can read it as it is; run commands that record something as the ' +
  "store's owner, or point --db / QMS_DB at a store you can write";

/**
 * The one mapping of SQLite failures to what the user is told. QmsErrors and codes this
 * does not know (constraint violations from triggers, bugs) pass through unchanged.
 */
export function toStoreError(file: string, err: unknown, context: { busyTimeoutMs: number }): Error {
  if (err instanceof QmsError) return err;
  const code = sqliteCode(err);
  if (isSqliteBusy(err)) return new StoreBusyError(file, context.busyTimeoutMs, { cause: err });
  if (code.startsWith('SQLITE_READONLY')) {
    const why = describeWriteProblem(file) ?? `SQLite opened it read-only (${code})`;
    return new StoreNotWritableError(file, `cannot write the qms database ${file}: ${why}`, { hint: NOT_WRITABLE_HINT, cause: err });
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new StoreUnavailableError(file, `${file} is not a usable SQLite database (${code})`, {
      hint: 'restore it from a backup, or point --db / QMS_DB at a new file',
      cause: err,
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new StoreUnavailableError(file, `cannot open the qms database at ${file} (${code})`, {
      hint: 'check the file and directory permissions',
      cause: err,
    });
  }
  if (code === 'SQLITE_FULL') {
    return new StoreUnavailableError(file, `the disk holding ${file} is full (${code})`, { cause: err });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new StoreUnavailableError(file, `I/O error on the qms database ${file} (${code})`, {
      hint: 'check the disk and the file system it is on',
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}
