/**
 * Migration 5: a change set belongs to one GitHub. `change_sets.api_host` records the API
 * the set was written through (`https://ghe.example.com/api/v3`, `https://api.github.com`,
 * or `sandbox` for the built-in simulator), so rollback can refuse to "restore" a change
 * set against another server. Older sets take their run's API URL.
 *
 * `changes.target_kind` gains `commit_status` and `check_run` (bypass activation and quality
 * gates write through the change engine too). SQLite cannot alter a CHECK constraint, so the
 * table is rebuilt (SQLite's 12-step procedure): the immutability and no-delete triggers and
 * the `snapshots` view are dropped with it and created again, unchanged.
 */
import type { Migration } from '../migrate.js';

export const migration005: Migration = {
  version: 5,
  name: 'change-set-host',
  disableForeignKeys: true,
  sql: `
ALTER TABLE change_sets ADD COLUMN api_host TEXT;
UPDATE change_sets SET api_host = (SELECT r.api_host FROM runs r WHERE r.id = change_sets.run_id);

DROP VIEW snapshots;
DROP TRIGGER changes_before_side_immutable;
DROP TRIGGER changes_no_delete;

CREATE TABLE changes_new (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  change_set_id         INTEGER NOT NULL REFERENCES change_sets (id),
  seq                   INTEGER NOT NULL,
  repo                  TEXT NOT NULL,
  target_kind           TEXT NOT NULL CHECK (target_kind IN
                          ('classic_protection', 'protection_rule', 'required_signatures',
                           'merge_settings', 'ruleset', 'custom_property', 'commit_status', 'check_run')),
  target_key            TEXT NOT NULL,
  target_node_id        TEXT,
  operation             TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
  before_state          TEXT,
  before_model          TEXT,
  intended_model        TEXT,
  after_state           TEXT,
  after_model           TEXT,
  status                TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'written', 'verified', 'failed', 'skipped_drift', 'restored')),
  error                 TEXT,
  undoes_change_id      INTEGER REFERENCES changes (id),
  restored_by_change_id INTEGER REFERENCES changes (id),
  created_at            TEXT NOT NULL,
  updated_at            TEXT NOT NULL,
  UNIQUE (change_set_id, seq)
) STRICT;
INSERT INTO changes_new SELECT * FROM changes;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
CREATE INDEX changes_target ON changes (repo, target_kind, target_key, id);
CREATE INDEX changes_undoes ON changes (undoes_change_id) WHERE undoes_change_id IS NOT NULL;

CREATE TRIGGER changes_before_side_immutable
BEFORE UPDATE OF change_set_id, seq, repo, target_kind, target_key, target_node_id, operation,
                 before_state, before_model, intended_model, undoes_change_id, created_at ON changes
BEGIN
  SELECT RAISE(ABORT, 'changes: the before-snapshot and intent of a change are immutable');
END;

CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes
BEGIN
  SELECT RAISE(ABORT, 'changes: rows are never deleted (audit evidence)');
END;

CREATE VIEW snapshots AS
SELECT c.id              AS id,
       c.change_set_id   AS change_set_id,
       cs.kind           AS change_set_kind,
       cs.actor          AS actor,
       c.repo            AS repo,
       c.target_kind     AS target_kind,
       c.target_key      AS target_key,
       c.target_node_id  AS target_node_id,
       c.created_at      AS taken_at,
       c.before_state    AS state,
       c.before_model    AS model,
       c.status          AS change_status
FROM changes c JOIN change_sets cs ON cs.id = c.change_set_id;
`,
};
