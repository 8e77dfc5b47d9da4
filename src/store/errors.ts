/**
 * Errors the store raises that end a command. They extend QmsError so
 * src/cli/handle-error.ts prints them and picks the exit code.
 */
import { ExitCode, QmsError } from '../core/errors.js';

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
 * A caller asked for something the store's invariants forbid (an illegal status
 * transition, a write on a read-only store, pruning inside retention). Exit 2 when
 * it reaches the CLI, although most are bugs in a service.
 */
export class StoreStateError extends QmsError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}
