/**
 * Crash test: `qms apply --yes` is killed with SIGKILL at many different points,
 * and after each kill `qms rollback --last --yes` must restore 100% of touched
 * targets — every branch's GET …/protection JSON, every classic rule node, the
 * merge settings — exactly as they were before the apply.
 *
 * Kill points, for a run that makes W writes (counted in a baseline run):
 *   after-write N    — right after the simulator sent the Nth write response
 *                      (the child has not processed it: GitHub changed, the store
 *                      still says `pending`), N = 1..W;
 *   after-intent N   — as soon as the Nth intent is committed to SQLite, before its
 *                      write leaves the process (writes are paced ≥ 1 s apart, so the
 *                      window is real; the test checks the write had not arrived),
 *                      N = 1..W;
 *   in-flight N      — the Nth write is held by the simulator (injected latency) and
 *                      the child is killed while it waits; the simulator still
 *                      applies it afterwards (GitHub finishing a request whose
 *                      client died).
 * Each iteration gets its own simulator from a saved copy of the state and its own
 * store; iterations run a few at a time (they mostly wait on the write pacing).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture, startSandbox, type Exchange, type Sandbox, type SimState } from '@qms/github-sim';
import { openStore } from '../../src/store/index.js';
import { BIN, BUILD_HINT, ROOT, isBuilt, makeTempDirs, type TempDirs } from '../helpers/e2e.js';
import { ADA, captureLive, isWrite, qmsRunner } from './apply-helpers.js';

// identity-service (mission_critical, main partly protected): classic rule updated
// (rollback PUTs it back), release/* and hotfix/* rules created, merge settings changed;
// payments-ledger (mission_critical, unprotected): the same, with the classic rule
// created (rollback DELETEs it); research-notebooks (experimental, unprotected): classic
// rule created. REST writes and GraphQL mutations.
const REPOS = ['identity-service', 'payments-ledger', 'research-notebooks'];
const APPLY = [
  'apply',
  '--org',
  'acme',
  '--repo',
  'identity-service',
  '--repo',
  'payments-ledger',
  '--repo',
  'research-notebooks',
  '--yes',
];
const PARALLEL = 5;

let saved: SimState;
let totalWrites = 0;
const tried: string[] = [];
const dirsToClean: TempDirs[] = [];

async function sandboxFromSaved(onExchange?: (e: Exchange) => void): Promise<Sandbox> {
  return startSandbox({ state: structuredClone(saved), ...(onExchange ? { onExchange } : {}) });
}

function spawnApply(
  sb: Sandbox,
  dirs: TempDirs,
): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, '--api-url', sb.url, '--db', dirs.db, ...APPLY], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...dirs.env, NO_COLOR: '1', GITHUB_TOKEN: ADA },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, done };
}

/** Count of changes committed to the store (0 while the file does not exist yet). */
function committedIntents(dbPath: string): number {
  if (!existsSync(dbPath)) return 0;
  let db: Database.Database | undefined;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'changes'`).get();
    return hasTable ? Number((db.prepare('SELECT COUNT(*) AS n FROM changes').get() as { n: number }).n) : 0;
  } catch {
    return 0; // mid-creation; try again
  } finally {
    db?.close();
  }
}

/** What the killed apply left in the store, e.g. `2 verified, 1 pending`. */
function describeApplyState(dbPath: string): string {
  if (!existsSync(dbPath)) return 'no store';
  const store = openStore(dbPath, { readonly: true });
  try {
    const set = store.changeSets.latest({ kind: 'apply' });
    if (!set) return 'no change set';
    const counts = Object.entries(store.changeSets.countChanges(set.id)).filter(([, n]) => n > 0);
    return counts.length > 0 ? counts.map(([k, n]) => `${n} ${k}`).join(', ') : 'no change';
  } finally {
    store.close();
  }
}

interface KillPoint {
  name: string;
  /** Arrange the kill once the child runs; `note` describes where it landed. */
  arm(sb: Sandbox, dirs: TempDirs, child: ChildProcess): { stop(): void; note(): string };
  /** Called for every exchange of this iteration's simulator (synchronously, right after the response is sent). */
  onExchange?(e: Exchange, child: ChildProcess): void;
}

function afterWrite(n: number): KillPoint {
  let seen = 0;
  let killed = false;
  return {
    name: `after-write ${n}`,
    arm: () => ({ stop() {}, note: () => (killed ? `killed after write response ${n}` : `not killed (${seen} writes)`) }),
    onExchange: (e, child) => {
      // Only the apply's writes count: the rollback that follows writes too.
      if (killed || !isWrite(e) || e.status === 0) return;
      seen += 1;
      if (seen === n) {
        killed = child.kill('SIGKILL');
      }
    },
  };
}

/** Right after the read-back that follows the Nth write (the store then says `written`). */
function afterReadBack(n: number): KillPoint {
  let writes = 0;
  let killed = false;
  return {
    name: `after-readback ${n}`,
    arm: () => ({ stop() {}, note: () => (killed ? `killed after the read-back of write ${n}` : 'not killed') }),
    onExchange: (e, child) => {
      if (killed || e.status === 0) return;
      if (isWrite(e)) {
        writes += 1;
        return;
      }
      const readBack = e.method === 'GET' || (e.route === '/graphql' && !isWrite(e));
      if (writes === n && readBack) killed = child.kill('SIGKILL');
    },
  };
}

function afterIntent(n: number): KillPoint {
  return {
    name: `after-intent ${n}`,
    arm: (sb, dirs, child) => {
      let writesAtKill = -1;
      const timer = setInterval(() => {
        if (committedIntents(dirs.db) >= n) {
          writesAtKill = sb.stats.restWrite + sb.stats.graphqlMutations;
          child.kill('SIGKILL');
          clearInterval(timer);
        }
      }, 3);
      return {
        stop: () => clearInterval(timer),
        note: () =>
          `killed with ${writesAtKill} write requests received (${writesAtKill === n - 1 ? 'before' : 'after'} the ${n}th write left)`,
      };
    },
  };
}

function inFlight(route: string, method: string, skip: number): KillPoint {
  return {
    name: `in-flight ${method} ${route}${skip > 0 ? ` #${skip + 1}` : ''}`,
    arm: (sb, _dirs, child) => {
      sb.faults.add({ kind: 'slow', method, route, delayMs: 1500, skip, times: 1 });
      const key = `${method} ${route}`;
      const timer = setInterval(() => {
        if ((sb.stats.byRoute[key] ?? 0) >= skip + 1) {
          child.kill('SIGKILL');
          clearInterval(timer);
        }
      }, 3);
      return { stop: () => clearInterval(timer), note: () => 'killed while the simulator held the write' };
    },
  };
}

interface IterationResult {
  name: string;
  note: string;
  killedBy: NodeJS.Signals | null;
  rollbackCode: number;
  rollbackStderr: string;
  equal: boolean;
  diff: string[];
  integrity: string[];
  auditOk: boolean;
  leftPending: number;
}

async function runIteration(point: KillPoint): Promise<IterationResult> {
  const dirs = makeTempDirs('qms-crash-e2e-');
  dirsToClean.push(dirs);
  let childRef: ChildProcess | null = null;
  const sb = await sandboxFromSaved(point.onExchange ? (e) => childRef && point.onExchange!(e, childRef) : undefined);
  try {
    // Captured from this iteration's simulator: URLs in GitHub's JSON carry its port.
    const original = await captureLive(sb, 'acme', REPOS);
    const { child, done } = spawnApply(sb, dirs);
    childRef = child;
    const armed = point.arm(sb, dirs, child);
    const exit = await done;
    armed.stop();
    const leftByKill = describeApplyState(dirs.db);
    // Let a held (in-flight) write finish on the simulator, as GitHub would.
    await new Promise((r) => setTimeout(r, point.name.startsWith('in-flight') ? 1700 : 50));
    const rollback = await qmsRunner(sb, dirs)(['rollback', '--last', '--yes']);
    // Exact JSON: every touched branch answers as GitHub first did.
    const now = await captureLive(sb, 'acme', REPOS);
    const before = original;
    const diff = Object.keys(before).filter((k) => JSON.stringify(now[k]) !== JSON.stringify(before[k]));
    const store = openStore(dirs.db, { readonly: true });
    let integrity: string[] = [];
    let auditOk = false;
    let leftPending = 0;
    try {
      integrity = store.integrityCheck();
      auditOk = store.audit.verify().ok;
      const apply = store.changeSets.latest({ kind: 'apply' });
      if (apply) {
        const counts = store.changeSets.countChanges(apply.id);
        leftPending = counts.pending + counts.written + counts.verified + counts.failed;
      }
    } finally {
      store.close();
    }
    return {
      name: point.name,
      note: `${armed.note()}; store after the kill: ${leftByKill}`,
      killedBy: exit.signal,
      rollbackCode: rollback.code,
      rollbackStderr: rollback.stderr,
      equal: diff.length === 0,
      diff,
      integrity,
      auditOk,
      leftPending,
    };
  } finally {
    await sb.close();
  }
}

async function runPool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  saved = loadFixture();
  // Baseline: how many writes a full apply makes.
  const sb = await sandboxFromSaved();
  const dirs = makeTempDirs('qms-crash-e2e-');
  dirsToClean.push(dirs);
  try {
    const run = await qmsRunner(sb, dirs)(APPLY);
    expect(run.code, run.stderr).toBe(0);
    totalWrites = sb.stats.restWrite + sb.stats.graphqlMutations;
  } finally {
    await sb.close();
  }
}, 120_000);

afterAll(() => {
  for (const d of dirsToClean) d.cleanup();
  // The number of kill points is part of the closing report.
  console.log(`crash test: ${tried.length} kill points tried: ${tried.join('; ')}`);
});

describe('SIGKILL during apply, then rollback --last', () => {
  it('restores 100% of touched targets after every kill point', async () => {
    expect(totalWrites).toBeGreaterThanOrEqual(5);
    const points: KillPoint[] = [];
    for (let n = 1; n <= totalWrites; n++) points.push(afterWrite(n));
    for (let n = 1; n <= totalWrites; n++) points.push(afterIntent(n));
    for (const n of new Set([1, Math.ceil(totalWrites / 2), totalWrites])) points.push(afterReadBack(n));
    points.push(inFlight('/repos/{owner}/{repo}/branches/{branch}/protection', 'PUT', 0));
    points.push(inFlight('/repos/{owner}/{repo}/branches/{branch}/protection', 'PUT', 1));
    points.push(inFlight('/repos/{owner}/{repo}/branches/{branch}/protection', 'PUT', 2));
    points.push(inFlight('/repos/{owner}/{repo}', 'PATCH', 0));
    const results = await runPool(points, PARALLEL, runIteration);
    for (const r of results) tried.push(`${r.name} (${r.note})`);
    for (const r of results) {
      const label = `${r.name}: ${r.note}\n${r.rollbackStderr}`;
      expect(r.killedBy, label).toBe('SIGKILL');
      expect(r.rollbackCode, label).toBe(0);
      expect(r.diff, label).toEqual([]);
      expect(r.integrity, label).toEqual(['ok']);
      expect(r.auditOk, label).toBe(true);
      // Every change of the killed apply is accounted for: restored (or never written).
      expect(r.leftPending, label).toBe(0);
    }
    // The intent kill points really hit the window between commit and write.
    const before = results.filter((r) => r.name.startsWith('after-intent') && /before the/.test(r.note)).length;
    expect(before).toBeGreaterThanOrEqual(Math.ceil(totalWrites / 2));
  }, 300_000);
});
