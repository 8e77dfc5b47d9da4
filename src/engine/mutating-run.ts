/**
 * A mutating run: the frame every command that may write to GitHub runs in.
 *
 *   lock (one mutating run per store) → run record (FIRST: before anything is read,
 *   so `rollback --last` means the last run, even one killed while it was still
 *   reading) → the command's body (read, plan, confirm, execute) → run finished
 *   (succeeded / partial / failed / interrupted) → lock released.
 *
 * Change sets are created through {@link MutatingRun.createChangeSet}, which binds them
 * to this run, its actor, and the GitHub it talks to (`apiHost`), so a rollback can
 * refuse a change set written to another server.
 */
import { InterruptedError, errorText } from '../core/errors.js';
import type { ChangeSetKind, ChangeSetRecord, FinishedRunStatus, LockHandle, RunKind, RunRecord, Store } from '../store/types.js';

export interface MutatingRunDeps {
  store: Store;
  /** The authenticated login (the audit actor of the lock, the run and every change). */
  viewer: () => Promise<string>;
  /** How the command line reads (flags only, never secrets): the lock holder's description and the run's `command`. */
  command: string;
  /** The GitHub this run writes to: its API URL, or `sandbox`. */
  apiHost: string;
  toolVersion: string;
}

export interface MutatingRun {
  run: RunRecord;
  lock: LockHandle;
  actor: string;
  /** A change set of this run (status `planned`), bound to its org and API host. */
  createChangeSet(input: {
    kind: ChangeSetKind;
    org: string | null;
    parentChangeSetId?: number | null;
    details?: unknown;
  }): ChangeSetRecord;
}

export interface MutatingRunOutcome<T> {
  value: T;
  status: FinishedRunStatus;
  summary?: unknown;
}

/** Run kinds whose change sets `rollback --last` may undo (a rollback is undone by id only). */
export const UNDOABLE_RUN_KINDS: readonly RunKind[] = ['apply', 'classify', 'bypass', 'drift'];

/**
 * Take the lock, record the run, run `body`, finish the run. A thrown error finishes
 * the run as `interrupted` (an interrupt) or `failed`, with the error as its summary,
 * and is rethrown.
 */
export async function withMutatingRun<T>(
  deps: MutatingRunDeps,
  meta: { kind: RunKind; org: string | null; args: Record<string, unknown> },
  body: (run: MutatingRun) => Promise<MutatingRunOutcome<T>>,
): Promise<T> {
  const actor = await deps.viewer();
  // One mutating run per store: a second one stops here (exit 5, naming the holder).
  const lock = deps.store.lock.acquire({ command: deps.command, actor });
  try {
    const run = deps.store.runs.start({
      kind: meta.kind,
      org: meta.org,
      args: { ...meta.args, command: deps.command },
      actor,
      apiUrl: deps.apiHost,
      toolVersion: deps.toolVersion,
    });
    const ctx: MutatingRun = {
      run,
      lock,
      actor,
      createChangeSet: (input) =>
        deps.store.changeSets.create({
          runId: run.id,
          kind: input.kind,
          org: input.org,
          actor,
          apiHost: deps.apiHost,
          ...(input.parentChangeSetId !== undefined ? { parentChangeSetId: input.parentChangeSetId } : {}),
          ...(input.details !== undefined ? { details: input.details } : {}),
        }),
    };
    let status: FinishedRunStatus = 'failed';
    let summary: unknown = null;
    try {
      const outcome = await body(ctx);
      status = outcome.status;
      summary = outcome.summary ?? null;
      return outcome.value;
    } catch (err) {
      if (err instanceof InterruptedError) status = 'interrupted';
      summary = { error: errorText(err) };
      throw err;
    } finally {
      deps.store.runs.finish(run.id, status, summary);
    }
  } finally {
    lock.release();
  }
}
