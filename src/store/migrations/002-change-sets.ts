/**
 * Migration 2: change sets and changes, the undo log of apply/rollback/bypass.
 *
 * A change row is inserted (status `pending`, with the before-snapshot) and committed
 * before the write to GitHub; triggers make the before side immutable afterwards, so
 * "undo exactly" cannot be defeated by a later bug. Neither table allows DELETE: the
 * history of what qms changed is audit evidence.
 */
import type { Migration } from '../migrate.js';

export const migration002: Migration = {
  version: 2,
  name: 'change-sets',
  sql: `
CREATE TABLE change_sets (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id               INTEGER NOT NULL REFERENCES runs (id),
  kind                 TEXT NOT NULL,
  parent_change_set_id INTEGER REFERENCES change_sets (id),
  org                  TEXT,
  actor                TEXT NOT NULL,
  status               TEXT NOT NULL DEFAULT 'planned'
                       CHECK (status IN ('planned', 'in_progress', 'completed', 'partial', 'failed', 'interrupted')),
  details              TEXT,
  summary              TEXT,
  created_at           TEXT NOT NULL,
  started_at           TEXT,
  finished_at          TEXT
) STRICT;
CREATE INDEX change_sets_kind_org ON change_sets (kind, org, id);
CREATE INDEX change_sets_run ON change_sets (run_id);
CREATE INDEX change_sets_parent ON change_sets (parent_change_set_id) WHERE parent_change_set_id IS NOT NULL;

CREATE TABLE changes (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  change_set_id         INTEGER NOT NULL REFERENCES change_sets (id),
  seq                   INTEGER NOT NULL,
  repo                  TEXT NOT NULL,
  target_kind           TEXT NOT NULL CHECK (target_kind IN
                          ('classic_protection', 'protection_rule', 'required_signatures',
                           'merge_settings', 'ruleset', 'custom_property')),
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

CREATE TRIGGER change_sets_no_delete BEFORE DELETE ON change_sets
BEGIN
  SELECT RAISE(ABORT, 'change_sets: rows are never deleted (audit evidence)');
END;

-- qms snapshots show ID: the before side of a change, with who took it.
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
