/**
 * Shared by the reliability suite (issue 6): simulators that record every
 * exchange with its arrival time, a tally of the faults they injected, the built
 * binary run with fast local settings, and checks on what a run left in the store.
 *
 * Every e2e file here runs its scenarios concurrently inside the file: vitest runs
 * one file at a time on a 2-core CI machine, and most of a scenario is waiting
 * (retry backoff, retry-after, held requests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { loadFixture, type Exchange, type Sandbox, type StartSandboxOptions, type SimState } from '@qms/github-sim';
import { openStore } from '../../src/store/index.js';
import { BIN, ROOT, runQms, type QmsRun, type TempDirs } from '../helpers/e2e.js';
import { startCheckedSandbox } from '../helpers/sandbox.js';
import { isWrite } from '../e2e/apply-helpers.js';

export { isWrite };

/**
 * Local simulator, so: no write pacing, and a short per-attempt timeout so that a
 * "slower than the client timeout" answer costs seconds, not the default 30 s.
 */
export const FAST = ['--write-interval', '0', '--request-timeout', '2'];

export interface TimedExchange extends Exchange {
  /** performance.now() when the simulator answered (or dropped the connection). */
  at: number;
}

export interface RelSandbox {
  sandbox: Sandbox;
  url: string;
  exchanges: TimedExchange[];
  close(): Promise<void>;
}

/** A contract-checked simulator (fault-shaped exchanges are exempt) that keeps every exchange. */
export async function startRelSandbox(
  options: Omit<StartSandboxOptions, 'onExchange'> & { onExchange?: (e: TimedExchange) => void } = {},
): Promise<RelSandbox> {
  const exchanges: TimedExchange[] = [];
  const { onExchange, ...rest } = options;
  const sandbox = await startCheckedSandbox({
    ...rest,
    onExchange: (e) => {
      const t = { ...e, at: performance.now() };
      exchanges.push(t);
      onExchange?.(t);
    },
  });
  return { sandbox, url: sandbox.url, exchanges, close: () => sandbox.close() };
}

/** A fresh copy of the demo organisation, to edit before a simulator serves it. */
export function fixtureCopy(): SimState {
  return structuredClone(loadFixture());
}

/** `status 502`, `secondary-limit 429`, `reset-after`… for the closing summary. */
export function faultLabel(e: Exchange): string | null {
  if (!e.fault) return null;
  if (e.fault === 'status' || e.fault === 'secondary-limit') return `${e.fault} ${e.status}`;
  return e.fault;
}

/** Faults injected, counted per kind, across every simulator of a test file. */
export class FaultTally {
  private readonly counts = new Map<string, number>();

  add(exchanges: readonly Exchange[]): void {
    for (const e of exchanges) {
      const label = faultLabel(e);
      if (label) this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    }
  }

  get(label: string): number {
    return this.counts.get(label) ?? 0;
  }

  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  toString(): string {
    return [...this.counts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
  }
}

export interface RunOptions {
  /** Sandbox login (token qms_sandbox_<login>) or a raw token; default ada. */
  login?: string;
  token?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Leave out the FAST flags. */
  plain?: boolean;
}

/** `qms --api-url <sb> --db <dirs.db> [FAST] ...args` as a cron job would run it. */
export function qmsOn(sb: { url: string }, dirs: TempDirs) {
  return (args: readonly string[], options: RunOptions = {}): Promise<QmsRun> =>
    runQms(['--api-url', sb.url, '--db', dirs.db, ...(options.plain ? [] : FAST), ...args], {
      env: { ...dirs.env, NO_COLOR: '1', GITHUB_TOKEN: options.token ?? `qms_sandbox_${options.login ?? 'ada'}`, ...(options.env ?? {}) },
      timeoutMs: options.timeoutMs ?? 120_000,
    });
}

/** A qms run in the background: to be held, signalled or killed while the test watches it. */
export interface BackgroundRun {
  child: ChildProcess;
  done: Promise<QmsRun>;
  /** What it printed on stderr so far. */
  stderr(): string;
  /**
   * Resolves with the first stderr line matching `pattern`, as soon as it is printed (an
   * event, not a delay); rejects when the run ends without printing one.
   */
  stderrLine(pattern: RegExp): Promise<string>;
}

const backgroundChildren = new Set<ChildProcess>();

/** SIGKILL background runs still alive (a failed test must not leave a qms waiting ten minutes). */
export function killBackgroundRuns(): void {
  for (const child of backgroundChildren) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  backgroundChildren.clear();
}

/**
 * `qms --api-url <url> --db <dirs.db> [FAST] ...args` in the background, with the same
 * minimal environment as {@link qmsOn}. Global flags in `args` override FAST (the last wins).
 */
export function startQms(
  sb: { url: string },
  dirs: TempDirs,
  args: readonly string[],
  options: Omit<RunOptions, 'timeoutMs'> = {},
): BackgroundRun {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, '--api-url', sb.url, '--db', dirs.db, ...(options.plain ? [] : FAST), ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      ...dirs.env,
      NO_COLOR: '1',
      GITHUB_TOKEN: options.token ?? `qms_sandbox_${options.login ?? 'ada'}`,
      ...(options.env ?? {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  backgroundChildren.add(child);
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const check of [...watchers]) check();
  });
  const done = new Promise<QmsRun>((resolve) =>
    child.on('close', (code) => {
      for (const check of [...watchers]) check();
      resolve({ code: code ?? -1, stdout, stderr, timedOut: false, ms: Date.now() - started });
    }),
  );
  let closed = false;
  void done.then(() => (closed = true));
  const stderrLine = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const ended = closed || child.exitCode !== null || child.signalCode !== null;
        const lines = stderr.split('\n');
        if (!ended) lines.pop(); // only whole lines: the last one may still be arriving
        const line = lines.find((l) => pattern.test(l));
        if (line !== undefined) {
          watchers.delete(check);
          resolve(line);
        } else if (ended) {
          watchers.delete(check);
          reject(new Error(`qms ended without printing ${pattern}; stderr:\n${stderr.slice(0, 4000)}`));
        }
      };
      watchers.add(check);
      check();
    });
  return { child, done, stderr: () => stderr, stderrLine };
}

export function describeRun(run: QmsRun): string {
  return `exit ${run.code} after ${run.ms} ms${run.timedOut ? ' (TIMED OUT)' : ''}\n--- stdout ---\n${run.stdout.slice(0, 3000)}\n--- stderr ---\n${run.stderr.slice(0, 4000)}`;
}

/** A write GitHub carried out: answered 2xx, or its answer was lost after the handler ran. */
export function acceptedWrites(exchanges: readonly Exchange[]): Exchange[] {
  return exchanges.filter((e) => isWrite(e) && ((e.status >= 200 && e.status < 300 && !isGraphqlError(e)) || e.fault === 'reset-after'));
}

function isGraphqlError(e: Exchange): boolean {
  if (e.route !== '/graphql') return false;
  const body = e.responseBody as { errors?: unknown[] } | string | null;
  return typeof body === 'object' && body !== null && Array.isArray(body.errors) && body.errors.length > 0;
}

/** Every `{id, pattern}` object (a classic rule node) anywhere in the exchanges' bodies. */
export function ruleIdsToPatterns(exchanges: readonly Exchange[], extra: unknown[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o['id'] === 'string' && typeof o['pattern'] === 'string') out.set(o['id'], o['pattern']);
      Object.values(o).forEach(walk);
    }
  };
  for (const e of exchanges) walk(e.responseBody);
  extra.forEach(walk);
  return out;
}

/** The qms target a write touched: `repo kind key` (repo unknown for a rule mutation by id: `*`). */
export function targetOfWrite(e: Exchange, rules: ReadonlyMap<string, string>): string {
  if (e.route === '/graphql') {
    const vars = ((e.requestBody as { variables?: { input?: Record<string, unknown> } }).variables?.input ?? {}) as Record<string, unknown>;
    const pattern =
      typeof vars['pattern'] === 'string' ? vars['pattern'] : (rules.get(String(vars['branchProtectionRuleId'] ?? '')) ?? '?');
    return `* protection_rule ${pattern}`;
  }
  const path = decodeURIComponent(e.path.split('?')[0]!);
  const m = /^\/repos\/([^/]+)\/([^/]+)(?:\/branches\/(.+?)\/protection(?:\/required_signatures)?)?$/.exec(path);
  if (!m) return `? ${e.method} ${path}`;
  return m[3] === undefined ? `${m[1]}/${m[2]} merge_settings ` : `${m[1]}/${m[2]} classic_protection ${m[3]}`;
}

export interface StoreFacts {
  integrity: string[];
  auditOk: boolean;
  auditReason: string | undefined;
  /** change sets: id, kind, status, actor */
  sets: { id: number; kind: string; status: string; actor: string; parent: number | null }[];
  changes: {
    id: number;
    set: number;
    repo: string;
    kind: string;
    key: string;
    status: string;
    beforeState: unknown;
    beforeModel: unknown;
    undoes: number | null;
  }[];
  lockHeld: boolean;
}

/** What a run left in the store, read through qms's own store code (read-only). */
export function storeFacts(dbPath: string): StoreFacts {
  const store = openStore(dbPath, { readonly: true });
  try {
    const verification = store.audit.verify();
    const sets = store.changeSets.list({ limit: 10_000 }).map((s) => ({
      id: s.id,
      kind: s.kind,
      status: s.status,
      actor: s.actor,
      parent: s.parentChangeSetId,
    }));
    const changes: StoreFacts['changes'] = [];
    for (const s of sets) {
      for (const c of store.changeSets.iterateChanges(s.id)) {
        changes.push({
          id: c.id,
          set: c.changeSetId,
          repo: c.repo,
          kind: c.targetKind,
          key: c.targetKey,
          status: c.status,
          beforeState: c.beforeState,
          beforeModel: c.beforeModel,
          undoes: c.undoesChangeId,
        });
      }
    }
    return {
      integrity: store.integrityCheck(),
      auditOk: verification.ok,
      auditReason: verification.reason,
      sets,
      changes,
      lockHeld: store.lock.current() !== null,
    };
  } finally {
    store.close();
  }
}

/**
 * The store is sound after a run: integrity_check ok, the audit chain verifies, no
 * change set left `planned`/`in_progress` (nothing half-recorded), lock released.
 */
export function expectSoundStore(dbPath: string, label = ''): StoreFacts {
  const facts = storeFacts(dbPath);
  expect(facts.integrity, label).toEqual(['ok']);
  expect(facts.auditOk, `${label} ${facts.auditReason ?? ''}`).toBe(true);
  expect(
    facts.sets.filter((s) => s.status === 'planned' || s.status === 'in_progress'),
    label,
  ).toEqual([]);
  expect(facts.lockHeld, label).toBe(false);
  return facts;
}

/**
 * No snapshot missing: every write the simulator carried out has a change row for
 * its target, recorded by qms (the intent is committed before the write is sent,
 * so the row exists whatever happened next).
 */
export function expectEveryWriteRecorded(
  exchanges: readonly Exchange[],
  facts: StoreFacts,
  label = '',
  extraRules: unknown[] = [],
): number {
  const rules = ruleIdsToPatterns(exchanges, extraRules);
  const recorded = new Set<string>();
  for (const c of facts.changes) {
    recorded.add(`${c.repo} ${c.kind} ${c.key}`);
    if (c.kind === 'protection_rule') recorded.add(`* protection_rule ${c.key}`);
  }
  const writes = acceptedWrites(exchanges);
  const missing = writes.map((e) => targetOfWrite(e, rules)).filter((t) => !recorded.has(t));
  expect(missing, `${label}: writes without a change row`).toEqual([]);
  return writes.length;
}

/** Replace the simulator's origin in captured JSON, to compare states of two simulators. */
export function withoutOrigin(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/http:\/\/127\.0\.0\.1:\d+/g, 'http://sim'));
}

/** Bytes of the SQLite store: the main file and, when present, its WAL and shared-memory files. */
export function storeBytes(dbPath: string): Buffer {
  return Buffer.concat(['', '-wal', '-shm', '-journal'].filter((s) => existsSync(dbPath + s)).map((s) => readFileSync(dbPath + s)));
}

/** Rows of a table straight from SQLite (for what the store API does not expose). */
export function sqlRows<T = Record<string, unknown>>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Run async jobs with at most `width` at once; results in input order. */
export async function runPool<T, R>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

export { seededRandom } from '../../src/core/prng.js';
