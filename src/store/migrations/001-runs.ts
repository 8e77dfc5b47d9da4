/**
 * Migration 1: runs and what read-only commands (assess, classify, drift) record.
 *
 * Conventions for every migration: timestamps are ISO 8601 UTC TEXT; JSON columns are
 * TEXT holding JSON (NULL = nothing); CHECK constraints only on closed vocabularies
 * (statuses), never on open ones (run kinds), so a new command needs no migration.
 */
import { randomUUID } from 'node:crypto';
import type { Migration } from '../migrate.js';

export const migration001: Migration = {
  version: 1,
  name: 'runs',
  sql: `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE runs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT NOT NULL,
  org          TEXT,
  args         TEXT,
  actor        TEXT,
  api_host     TEXT,
  tool_version TEXT,
  pid          INTEGER,
  host         TEXT,
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  status       TEXT NOT NULL DEFAULT 'running'
               CHECK (status IN ('running', 'succeeded', 'failed', 'partial', 'interrupted')),
  summary      TEXT
) STRICT;
CREATE INDEX runs_kind_org ON runs (kind, org, id);
CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

CREATE TABLE findings (
  id        INTEGER PRIMARY KEY,
  run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  repo      TEXT NOT NULL,
  branch    TEXT,
  setting   TEXT NOT NULL,
  expected  TEXT,
  actual    TEXT,
  severity  TEXT NOT NULL,
  tier      TEXT,
  status    TEXT NOT NULL,
  message   TEXT
) STRICT;
CREATE INDEX findings_run_repo ON findings (run_id, repo, branch);

CREATE TABLE repo_results (
  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  repo        TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'skipped', 'unknown')),
  reason      TEXT,
  tier        TEXT,
  level       TEXT,
  details     TEXT,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (run_id, repo)
) STRICT, WITHOUT ROWID;

CREATE TABLE checkpoints (
  run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  repo       TEXT NOT NULL,
  status     TEXT NOT NULL,
  data       TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (run_id, repo)
) STRICT, WITHOUT ROWID;
`,
  // A stable identity for this store, so an audit export says which store it came from.
  up: (db) => {
    db.prepare(`INSERT INTO meta (key, value) VALUES ('store_id', ?)`).run(randomUUID());
  },
};
