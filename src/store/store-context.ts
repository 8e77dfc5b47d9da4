/**
 * What every repository shares: the connection, a statement cache (each SQL text is
 * prepared once per connection), the clock, and the read/write transaction helpers.
 *
 * Every write goes through {@link StoreContext.write}, so that is where SQLite's "busy"
 * (another connection holds the write lock), "read-only" and I/O failures become the
 * store's errors (errors.ts `toStoreError`): taking the qms lock, starting a run and
 * recording an intent all fail the same way. Single-statement reads outside a
 * transaction cannot meet a writer's lock in WAL mode (readers read the last commit).
 */
import type Database from 'better-sqlite3';
import { StoreStateError, toStoreError } from './errors.js';
import { scrubSecrets, scrubText, type Redact } from './secret-guard.js';

export interface StoreContextOptions {
  now: () => Date;
  readonly: boolean;
  host: string;
  isProcessAlive: (pid: number) => boolean;
  clockSkewToleranceMs: number;
  dbPath: string;
  /** How long SQLite waits for another connection's write lock before SQLITE_BUSY (named in the error). */
  busyTimeoutMs: number;
  /** The CLI's redactor (knows the actual token); patterns are applied in any case. */
  redact?: Redact;
}

export class StoreContext {
  readonly db: Database.Database;
  readonly options: StoreContextOptions;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database, options: StoreContextOptions) {
    this.db = db;
    this.options = options;
  }

  /** A prepared statement for this SQL text, prepared on first use and reused after. */
  stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Free-form input with credentials replaced (see secret-guard.ts). */
  scrub<T>(value: T): T {
    return scrubSecrets(value, this.options.redact);
  }

  scrubText(text: string): string {
    return scrubText(text, this.options.redact);
  }

  nowIso(): string {
    return this.options.now().toISOString();
  }

  /**
   * Run fn in a write transaction. BEGIN IMMEDIATE takes the write lock up front: a
   * deferred transaction that reads and then writes can fail with SQLITE_BUSY
   * immediately (busy_timeout does not apply to the upgrade). Nested calls become
   * savepoints (better-sqlite3).
   */
  write<T>(fn: () => T): T {
    if (this.options.readonly) throw new StoreStateError(`the store ${this.options.dbPath} is open read-only`);
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      throw this.toStoreError(err);
    }
  }

  /** Read in one snapshot (a deferred transaction), so multi-statement reads agree. */
  read<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    try {
      return this.db.transaction(fn).deferred();
    } catch (err) {
      throw this.toStoreError(err);
    }
  }

  /** SQLite's failure as the store reports it (errors.ts); anything else unchanged. */
  toStoreError(err: unknown): Error {
    return toStoreError(this.options.dbPath, err, { busyTimeoutMs: this.options.busyTimeoutMs });
  }
}

/** Page size for keyset-paginated iteration. */
export const PAGE_SIZE = 500;
