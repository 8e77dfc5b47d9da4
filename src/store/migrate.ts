/**
 * Versioned migrations: each applied in its own BEGIN IMMEDIATE transaction together
 * with its `schema_version` row, so a crash mid-migration leaves the previous version
 * intact, and two processes opening a fresh store at once apply each migration once.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3… contiguous; the file is `NNN-name.ts`. */
  version: number;
  name: string;
  /** DDL/DML run with db.exec inside the migration's transaction. */
  sql?: string;
  /** Data transformation in TypeScript, in the same transaction (after sql). */
  up?: (db: Database.Database) => void;
  /**
   * Table rebuilds (SQLite's 12-step ALTER) need foreign keys off, which SQLite only
   * allows outside a transaction; the runner then runs foreign_key_check before commit.
   */
  disableForeignKeys?: boolean;
}

export const SCHEMA_VERSION_DDL = `
CREATE TABLE IF NOT EXISTS schema_version (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT;`;

/** Highest applied version; 0 for a database without the table (fresh). */
export function readSchemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/** Tables other than SQLite's own: used to refuse a foreign database that is not a qms store. */
export function hasForeignTables(db: Database.Database): boolean {
  const row = db
    .prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version'")
    .get() as { n: number };
  return row.n > 0 && readSchemaVersion(db) === 0;
}

export function assertMigrationsWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name}: version ${m.version} at position ${i + 1} (must be contiguous from 1)`);
  });
}

/**
 * Apply every migration newer than the database. Returns the versions applied.
 * The caller has already refused databases newer than `migrations`.
 */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[], now: () => Date): number[] {
  assertMigrationsWellFormed(migrations);
  db.exec(SCHEMA_VERSION_DDL);
  const applied: number[] = [];
  const current = () => readSchemaVersion(db);
  for (const m of migrations) {
    if (m.version <= current()) continue;
    if (m.disableForeignKeys) db.pragma('foreign_keys = OFF');
    try {
      const applyOne = db.transaction(() => {
        // Re-check inside the write lock: another process may have just applied it.
        if (m.version <= current()) return false;
        if (m.sql) db.exec(m.sql);
        m.up?.(db);
        if (m.disableForeignKeys) {
          const problems = db.pragma('foreign_key_check') as unknown[];
          if (problems.length > 0) throw new Error(`migration ${m.version}-${m.name} broke ${problems.length} foreign key(s)`);
        }
        db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now().toISOString());
        return true;
      });
      if (applyOne.immediate()) applied.push(m.version);
    } finally {
      if (m.disableForeignKeys) db.pragma('foreign_keys = ON');
    }
  }
  return applied;
}
