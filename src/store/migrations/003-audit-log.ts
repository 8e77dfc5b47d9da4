/**
 * Migration 3: the append-only, hash-chained audit log.
 *
 * hash = sha256(prev_hash || canonical JSON of the event without hash). Triggers refuse
 * UPDATE always, DELETE unless `audit.prune` has opened a grant inside its own
 * transaction, and any INSERT that does not extend the chain (wrong seq or prev_hash),
 * so even a buggy writer cannot fork or rewrite it. No foreign keys to runs or change
 * sets: the trail must outlive anything it describes.
 */
import type { Migration } from '../migrate.js';

/** prev_hash of the first event ever. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

export const migration003: Migration = {
  version: 3,
  name: 'audit-log',
  sql: `
CREATE TABLE audit_events (
  seq           INTEGER PRIMARY KEY,
  ts            TEXT NOT NULL,
  actor         TEXT NOT NULL,
  action        TEXT NOT NULL,
  target        TEXT NOT NULL,
  run_id        INTEGER,
  change_set_id INTEGER,
  details       TEXT NOT NULL,
  prev_hash     TEXT NOT NULL,
  hash          TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_ts ON audit_events (ts);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_target ON audit_events (target, seq);
CREATE INDEX audit_events_change_set ON audit_events (change_set_id) WHERE change_set_id IS NOT NULL;

-- Where the chain starts after a prune: the last pruned event's seq and hash.
CREATE TABLE audit_anchor (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  seq       INTEGER NOT NULL,
  hash      TEXT NOT NULL,
  pruned_at TEXT NOT NULL
) STRICT;

-- Exists only inside audit.prune's transaction: events with seq <= max_seq may be deleted.
CREATE TABLE audit_prune_grant (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  max_seq INTEGER NOT NULL
) STRICT;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN NOT EXISTS (SELECT 1 FROM audit_prune_grant WHERE OLD.seq <= max_seq)
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only (only audit prune outside retention may delete)');
END;

CREATE TRIGGER audit_events_extend_chain BEFORE INSERT ON audit_events
WHEN NEW.seq IS NOT COALESCE((SELECT MAX(seq) FROM audit_events), (SELECT seq FROM audit_anchor WHERE id = 1), 0) + 1
  OR NEW.prev_hash IS NOT COALESCE(
       (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1),
       (SELECT hash FROM audit_anchor WHERE id = 1),
       '${AUDIT_GENESIS_HASH}')
BEGIN
  SELECT RAISE(ABORT, 'audit_events: an event must extend the chain (seq and prev_hash of the last event)');
END;
`,
};
