/**
 * The SQLite store: runs, findings, change sets (the undo log), snapshots, the
 * hash-chained audit log, checkpoints and the mutating-run lock. See README.md.
 */
export { openStore, SqliteStore, type OpenStoreInternals } from './open-store.js';
export { canonicalJson, digestJson, sha256Hex, NotJsonError } from './canonical-json.js';
export { SchemaTooNewError, StoreBusyError, StoreNotWritableError, StoreStateError, StoreUnavailableError } from './errors.js';
export { DEFAULT_BUSY_TIMEOUT_MS } from './open-store.js';
export { describeChangeTarget } from './change-sets-repo.js';
export { describeLockHolder, formatLockTime } from './lock-manager.js';
export { computeAuditHash } from './audit-log.js';
export { AUDIT_GENESIS_HASH } from './migrations/003-audit-log.js';
export { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations/index.js';
export { isProcessAlive } from './process-info.js';
export * from './types.js';
