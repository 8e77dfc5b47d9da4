/**
 * What every repository shares: the connection, a statement cache (each SQL text is
 * prepared once per connection), the clock, and the write-transaction helper.
 */
import type Database from 'better-sqlite3';
import { StoreStateError } from './errors.js';
import { scrubSecrets, scrubText, type Redact } from './secret-guard.js';

export interface StoreContextOptions {
  now: () => Date;
  readonly: boolean;
  host: string;
  isProcessAlive: (pid: number) => boolean;
  clockSkewToleranceMs: number;
  dbPath: string;
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
    return this.db.transaction(fn).immediate();
  }

  /** Read in one snapshot (a deferred transaction), so multi-statement reads agree. */
  read<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn).deferred();
  }
}

/** Page size for keyset-paginated iteration. */
export const PAGE_SIZE = 500;
