/**
 * Migration 4: the single mutating-run lock. One row at most (id = 1); acquiring it is
 * an INSERT inside BEGIN IMMEDIATE, so two processes cannot both win.
 */
import type { Migration } from '../migrate.js';

export const migration004: Migration = {
  version: 4,
  name: 'lock',
  sql: `
CREATE TABLE lock (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  token        TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  host         TEXT NOT NULL,
  command      TEXT NOT NULL,
  actor        TEXT,
  started_at   TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL
) STRICT;
`,
};
