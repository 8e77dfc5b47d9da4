/**
 * Checkpoints of long org reads in SQLite (`store.checkpoints`), so
 * `qms assess --resume` continues an interrupted run without reading again what
 * it had read.
 *
 * Per window of repositories the batched reader completes, one transaction
 * stores each repository's read record (the state as GitHub answered it, before
 * the policy shaped it) and, under the run-wide key `*`, the GraphQL cursor after
 * them plus the facts read at the start (org size, custom property values, the
 * plan probe). A kill -9 at any instant loses at most the window in flight.
 *
 * A resumed run is a new run: it copies the records of the run it resumes into
 * its own checkpoints (so it can be resumed in turn), hands them to the reader,
 * which re-evaluates them under the current policy and reads on from the cursor.
 * Because records are kept unshaped, the policy and `--tier` may differ between
 * the two runs; `--repo` reads are never checkpointed (they are short).
 * A completed read clears its checkpoints.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import type { ConditionalCache } from '../github/batch-read.js';
import type { RunRecord, Store } from '../store/types.js';
import type { ReadCheckpoint, ReadFacts, ReadRecord } from './readers/graphql-reader.js';

/** The run-wide checkpoint key (the store reserves `*` for run-wide progress). */
export const PROGRESS_KEY = '*';
const RECORD_STATUS = 'read';
const PROGRESS_VERSION = 1;

interface Progress {
  version: number;
  org: string;
  facts: ReadFacts;
  cursor: string | null;
  done: boolean;
  windows: number;
  /** The run this one continued, if any. */
  resumedFrom?: number | null;
}

/**
 * The store, and the id of the run a service starts through it. The assess
 * service starts its run itself; the reader, which checkpoints under that run,
 * learns the id here (without a change to the service's contract).
 */
export function observeRunStart(store: Store): { store: Store; runId: () => number | null } {
  let runId: number | null = null;
  const bind = (target: object, prop: string | symbol) => {
    const value: unknown = Reflect.get(target, prop, target);
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  };
  const runs = new Proxy(store.runs, {
    get(target, prop) {
      if (prop === 'start') {
        return (input: Parameters<Store['runs']['start']>[0]) => {
          const run = target.start(input);
          runId = run.id;
          return run;
        };
      }
      return bind(target, prop);
    },
  });
  const observed = new Proxy(store, {
    get(target, prop) {
      return prop === 'runs' ? runs : bind(target, prop);
    },
  });
  return { store: observed, runId: () => runId };
}

/** ReadCheckpoint over `store.checkpoints`, under the run `runId()` names. */
export class StoreReadCheckpoint implements ReadCheckpoint {
  private progress: Progress | null = null;

  constructor(
    private readonly store: Store,
    private readonly runId: () => number | null,
    /** The run to continue (from {@link findResumableRun}); null for a fresh read. */
    private readonly resumeFrom: number | null = null,
  ) {}

  restore(org: string): { facts: ReadFacts; cursor: string | null; done: boolean; records: ReadRecord[] } | null {
    if (this.resumeFrom === null) return null;
    const head = this.store.checkpoints.get(this.resumeFrom, PROGRESS_KEY);
    const progress = head?.data as Progress | undefined;
    if (!progress || progress.version !== PROGRESS_VERSION || progress.org.toLowerCase() !== org.toLowerCase()) return null;
    const records: ReadRecord[] = [];
    for (const c of this.store.checkpoints.iterate(this.resumeFrom, { status: RECORD_STATUS })) records.push(c.data as ReadRecord);
    records.sort((a, b) => a.seq - b.seq);
    const carried: Progress = { ...progress, resumedFrom: this.resumeFrom };
    this.progress = carried;
    const id = this.runId();
    if (id !== null) {
      // This run carries the progress on, so an interruption of it can be resumed too.
      this.store.transaction(() => {
        for (const r of records) this.store.checkpoints.save(id, r.state.repo.fullName, RECORD_STATUS, r);
        this.store.checkpoints.save(id, PROGRESS_KEY, 'progress', carried);
      });
    }
    return { facts: progress.facts, cursor: progress.cursor, done: progress.done, records };
  }

  saveFacts(facts: ReadFacts): void {
    this.progress = { ...(this.progress ?? { version: PROGRESS_VERSION, org: facts.org, cursor: null, done: false, windows: 0 }), facts };
    const id = this.runId();
    if (id !== null) this.store.checkpoints.save(id, PROGRESS_KEY, 'progress', this.progress);
  }

  saveWindow(records: readonly ReadRecord[], cursor: string | null, done: boolean): void {
    const id = this.runId();
    if (id === null || this.progress === null) return;
    const progress: Progress = { ...this.progress, cursor, done, windows: this.progress.windows + 1 };
    this.progress = progress;
    this.store.transaction(() => {
      for (const r of records) this.store.checkpoints.save(id, r.state.repo.fullName, RECORD_STATUS, r);
      this.store.checkpoints.save(id, PROGRESS_KEY, 'progress', progress);
    });
  }

  /** The read is complete: this run's progress, and the progress it continued, are spent. */
  finish(): void {
    const id = this.runId();
    this.store.transaction(() => {
      if (id !== null) this.store.checkpoints.clear(id);
      if (this.resumeFrom !== null) this.store.checkpoints.clear(this.resumeFrom);
    });
  }
}

/** What `--resume` found for an org: the run to continue, or why there is none. */
export type ResumeLookup = { run: RunRecord; repos: number } | { run: null; reason: string };

/**
 * The newest assess run of `org` if it ended before reading everything and left
 * a checkpoint. Runs whose process died (kill -9, a crash) are marked interrupted
 * first. A run still going in another process is a usage error: two runs would
 * read the same org twice.
 */
export function findResumableRun(store: Store, org: string, kind = 'assess'): ResumeLookup {
  store.runs.markInterrupted();
  const last = store.runs.list({ kind, limit: 20 }).find((r) => (r.org ?? '').toLowerCase() === org.toLowerCase());
  if (!last) return { run: null, reason: `no earlier ${kind} of ${org} in this store` };
  if (last.status === 'running') {
    throw new UsageError(
      `${kind} run ${last.id} of ${org} is still running (pid ${last.pid ?? '?'} on ${last.host ?? '?'}); wait for it or stop it before --resume`,
    );
  }
  if (last.status === 'succeeded' || last.status === 'partial') {
    return { run: null, reason: `the last ${kind} of ${org} (run ${last.id}) finished` };
  }
  const head = store.checkpoints.get(last.id, PROGRESS_KEY);
  if (!head)
    return {
      run: null,
      reason: `run ${last.id} (${last.status}) left no checkpoint (read with --reader rest or --repo, or stopped before its first page)`,
    };
  const counts = store.checkpoints.count(last.id);
  return { run: last, repos: counts[RECORD_STATUS] ?? 0 };
}

/**
 * ETags and bodies of the custom property pages, in a file beside the store
 * (`<db>.etags.json`, mode 0600): a repeat run within the hour sends them with
 * If-None-Match and GitHub answers 304, which it does not charge. Measured on a
 * 10,000-repository org: 101 pages, 0 of 5,000 core points instead of 101 per run,
 * same request count and wall time (the pages are read beside the GraphQL pages),
 * 1.5 MB of cache. A missing or unreadable file is an empty cache.
 */
export class FileConditionalCache implements ConditionalCache {
  private entries: Record<string, { etag: string; body: unknown }> = {};
  private dirty = false;

  constructor(
    private readonly file: string,
    /** Keys are prefixed with the API hostname, so two GitHub hosts never share entries. */
    private readonly scope: string,
  ) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) this.entries = parsed as typeof this.entries;
    } catch {
      this.entries = {};
    }
  }

  /** The cache file for a store at `dbPath`. */
  static besideStore(dbPath: string, apiUrl: string): FileConditionalCache {
    // The hostname without the port: the in-process sandbox listens on a new port every
    // run, and a stale entry costs nothing (GitHub answers 200 when the ETag does not match).
    let host = apiUrl;
    try {
      host = new URL(apiUrl).hostname;
    } catch {
      // keep the text
    }
    return new FileConditionalCache(`${dbPath}.etags.json`, host);
  }

  get(key: string): { etag: string; body: unknown } | undefined {
    const hit = this.entries[`${this.scope}/${key}`];
    return hit && typeof hit.etag === 'string' ? hit : undefined;
  }

  set(key: string, etag: string, body: unknown): void {
    this.entries[`${this.scope}/${key}`] = { etag, body };
    this.dirty = true;
  }

  flush(): void {
    if (!this.dirty) return;
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.entries), { mode: 0o600 });
    renameSync(tmp, this.file);
    this.dirty = false;
  }
}
