/**
 * SIGKILL at random instants (issue 6 §2). test/e2e/crash.test.ts kills `apply` at
 * chosen protocol points (after the Nth write, after the Nth intent, in flight);
 * this file kills at instants drawn from a seeded PRNG — anywhere in a run: start-up,
 * reads, between an intent's commit and its write, while a write or a read-back is in
 * flight, between two SQLite statements — of `apply` AND of `rollback`.
 *
 * After each kill:
 *   - the store opens cleanly (integrity_check ok) and the audit chain verifies;
 *   - every write the simulator carried out has a change row (no snapshot missing);
 *   - `qms rollback --last` (after a killed rollback: again) completes with exit 0,
 *     and every touched branch, rule node and merge setting answers exactly as before
 *     the apply (captureLive);
 *   - nothing is left planned/in progress, the lock is free.
 *
 * Reproduce or go deeper: QMS_CRASH_SEED=<n> QMS_CRASH_ITERATIONS=<apply>,<rollback>.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture, startSandbox, type Exchange, type Sandbox, type SimState } from '@qms/github-sim';
import { BIN, BUILD_HINT, ROOT, isBuilt, makeTempDirs, type TempDirs } from '../helpers/e2e.js';
import { ADA, captureLive } from '../e2e/apply-helpers.js';
import { acceptedWrites, expectEveryWriteRecorded, isWrite, qmsOn, runPool, seededRandom, storeFacts, withoutOrigin } from './helpers.js';

const REPOS = ['identity-service', 'payments-ledger', 'research-notebooks'];
const APPLY = ['apply', '--org', 'acme', ...REPOS.flatMap((r) => ['--repo', r]), '--yes'];
const ROLLBACK = ['rollback', '--last', '--yes'];
/** Writes paced 120 ms apart and 10 ms of latency: the write phase is wide enough to land in. */
const PACED = ['--write-interval', '120'];
const LATENCY_MS = 10;
const PARALLEL = 4;
/**
 * The rollback runs straight after the kill, while a write the dead process sent may
 * still be on its way (the simulator carries it out, as GitHub would): the rollback must
 * wait for it. The simulator answers within LATENCY_MS, not GitHub's 10 s.
 */
const SETTLE = ['--settle-time', '1.5'];

const SEED = Number(process.env['QMS_CRASH_SEED'] ?? 0x5eed6);
const [APPLY_ITERATIONS, ROLLBACK_ITERATIONS] = (process.env['QMS_CRASH_ITERATIONS'] ?? '20,16').split(',').map(Number) as [number, number];

let saved: SimState;
/** The simulator state and a copy of the store right after a complete apply. */
let appliedState: SimState;
let template: TempDirs;
/** The pre-apply live state, origin-free (compared across simulators). */
let originalLive: unknown;
const timing = { apply: { first: 0, last: 0, end: 0, writes: 0 }, rollback: { first: 0, last: 0, end: 0, writes: 0 } };
const dirsToClean: TempDirs[] = [];
const report: string[] = [];

function spawnQms(sb: Sandbox, dirs: TempDirs, args: string[]) {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, '--api-url', sb.url, '--db', dirs.db, ...PACED, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...dirs.env, NO_COLOR: '1', GITHUB_TOKEN: ADA },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr, ms: performance.now() - started }));
  });
  return { child, started, done };
}

/** Time (ms after spawn) of the first and last write the simulator answered, and of the exit. */
async function measure(sb: Sandbox & { log: (Exchange & { at: number })[] }, dirs: TempDirs, args: string[]) {
  sb.log.length = 0;
  const { started, done } = spawnQms(sb, dirs, args);
  const exit = await done;
  expect(exit.code, exit.stderr).toBe(0);
  const writes = sb.log.filter((e) => isWrite(e));
  expect(writes.length).toBeGreaterThanOrEqual(5);
  return { first: writes[0]!.at - started, last: writes[writes.length - 1]!.at - started, end: exit.ms, writes: writes.length };
}

async function loggingSandbox(state: SimState) {
  const log: (Exchange & { at: number })[] = [];
  const sb = (await startSandbox({
    state,
    latencyMs: LATENCY_MS,
    onExchange: (e) => log.push({ ...e, at: performance.now() }),
  })) as Sandbox & { log: typeof log };
  sb.log = log;
  return sb;
}

function copyStore(from: TempDirs, to: TempDirs): void {
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(from.db + suffix)) copyFileSync(from.db + suffix, to.db + suffix);
}

/**
 * The copied store's change sets were written to the template's simulator; the iteration
 * serves the same GitHub state from another port. Say so, as moving to a new API URL would.
 */
function rehost(dirs: TempDirs, url: string): void {
  const db = new Database(dirs.db);
  try {
    db.prepare('UPDATE change_sets SET api_host = ?').run(url);
  } finally {
    db.close();
  }
}

/**
 * A kill instant. Start-up and reads take a variable time on a loaded machine, so
 * three in four instants are drawn inside the write phase — measured from the moment
 * this run's first write reached the simulator, over the span a whole run's writes
 * take — and one in four anywhere from the spawn to the end of a run.
 */
interface Instant {
  anchor: 'spawn' | 'first-write';
  ms: number;
}
function drawInstant(rand: () => number, t: { first: number; last: number; end: number }): Instant {
  if (rand() < 0.25) return { anchor: 'spawn', ms: rand() * (t.end + 200) };
  return { anchor: 'first-write', ms: rand() * (t.last - t.first + 250) };
}

/** Kill `child` at the instant; returns how many writes GitHub had carried out by then. */
function armKill(
  sb: { log: Exchange[] },
  child: import('node:child_process').ChildProcess,
  at: Instant,
): { writesAtKill: () => number; stop: () => void } {
  let writes = -1;
  let timer: NodeJS.Timeout | undefined;
  const kill = () => {
    writes = acceptedWrites(sb.log).length;
    child.kill('SIGKILL');
  };
  let poll: NodeJS.Timeout | undefined;
  if (at.anchor === 'spawn') timer = setTimeout(kill, at.ms);
  else {
    poll = setInterval(() => {
      if (sb.log.some((e) => isWrite(e))) {
        clearInterval(poll);
        timer = setTimeout(kill, at.ms);
      }
    }, 2);
  }
  return {
    writesAtKill: () => writes,
    stop: () => {
      clearInterval(poll);
      clearTimeout(timer);
    },
  };
}

interface Outcome {
  label: string;
  killed: boolean;
  writesBeforeKill: number;
  totalWrites: number;
  problems: string[];
}

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  saved = loadFixture();
  template = makeTempDirs('qms-rel-crash-');
  dirsToClean.push(template);
  const sb = await loggingSandbox(structuredClone(saved));
  try {
    originalLive = withoutOrigin(await captureLive(sb, 'acme', REPOS));
    timing.apply = await measure(sb, template, APPLY);
    appliedState = structuredClone(sb.state);
    // A rollback's timing, on a throwaway copy of the applied store.
    const scratch = makeTempDirs('qms-rel-crash-');
    dirsToClean.push(scratch);
    copyStore(template, scratch);
    timing.rollback = await measure(sb, scratch, ROLLBACK);
    expect(withoutOrigin(await captureLive(sb, 'acme', REPOS))).toEqual(originalLive);
  } finally {
    await sb.close();
  }
}, 120_000);

afterAll(() => {
  for (const d of dirsToClean) d.cleanup();
  console.log(`[reliability] crash-random (seed ${SEED}): ${report.join(' | ')}`);
});

/** Checks shared by both kinds of iteration, after the final rollback. */
async function finalChecks(sb: Sandbox & { log: Exchange[] }, dirs: TempDirs, label: string, problems: string[]): Promise<void> {
  const live = withoutOrigin(await captureLive(sb, 'acme', REPOS));
  const diff = Object.keys(originalLive as object).filter(
    (k) => JSON.stringify((live as Record<string, unknown>)[k]) !== JSON.stringify((originalLive as Record<string, unknown>)[k]),
  );
  if (diff.length > 0) problems.push(`not restored: ${diff.join(', ')}`);
  const facts = storeFacts(dirs.db);
  if (facts.integrity.join() !== 'ok') problems.push(`integrity_check: ${facts.integrity.join('; ')}`);
  if (!facts.auditOk) problems.push(`audit chain: ${facts.auditReason}`);
  if (facts.lockHeld) problems.push('lock still held');
  const open = facts.sets.filter((s) => s.status === 'planned' || s.status === 'in_progress');
  if (open.length > 0) problems.push(`change sets left open: ${open.map((s) => `${s.id} ${s.status}`).join(', ')}`);
  const applySet = facts.sets.find((s) => s.kind === 'apply');
  const unrestored = facts.changes.filter((c) => c.set === applySet?.id && c.status !== 'restored' && c.status !== 'skipped_drift');
  // A change the kill left `pending` whose write never reached GitHub is closed as restored too.
  if (unrestored.length > 0)
    problems.push(`apply changes not restored: ${unrestored.map((c) => `${c.repo} ${c.key} ${c.status}`).join(', ')}`);
  try {
    expectEveryWriteRecorded(sb.log, facts, label);
  } catch (err) {
    problems.push((err as Error).message.split('\n')[0]!);
  }
}

/**
 * Runs `args` with a kill armed at `killAt`; records an unexpected exit and, when the store
 * exists, whether it opens cleanly right after the kill (integrity_check, audit chain).
 */
async function runKilled(
  sb: Awaited<ReturnType<typeof loggingSandbox>>,
  dirs: TempDirs,
  args: string[],
  killAt: Instant,
  what: string,
  problems: string[],
) {
  const { child, done } = spawnQms(sb, dirs, args);
  const armed = armKill(sb, child, killAt);
  const exit = await done;
  armed.stop();
  const writesBeforeKill = armed.writesAtKill();
  const killed = exit.signal === 'SIGKILL';
  if (!killed && exit.code !== 0) problems.push(`${what} exited ${exit.code}: ${exit.stderr.slice(0, 300)}`);
  const facts = existsSync(dirs.db) ? storeFacts(dirs.db) : null;
  if (facts && facts.integrity.join() !== 'ok') problems.push(`integrity after kill: ${facts.integrity.join('; ')}`);
  if (facts && !facts.auditOk) problems.push(`audit after kill: ${facts.auditReason}`);
  return { killed, writesBeforeKill, facts };
}

async function applyIteration(killAt: Instant, i: number): Promise<Outcome> {
  const label = `apply #${i} kill ${Math.round(killAt.ms)} ms after the ${killAt.anchor}`;
  const dirs = makeTempDirs('qms-rel-crash-');
  dirsToClean.push(dirs);
  const sb = await loggingSandbox(structuredClone(saved));
  const problems: string[] = [];
  try {
    // The store opens cleanly right after the kill (when the kill came after its creation).
    const { killed, writesBeforeKill, facts } = await runKilled(sb, dirs, APPLY, killAt, 'apply', problems);
    const hadSet = facts?.sets.some((s) => s.kind === 'apply') === true;
    if (!hadSet && acceptedWrites(sb.log).length > 0) problems.push('writes reached GitHub but no change set was recorded');
    // Also when the kill came before any change set: the rollback then recovers the
    // dead apply's lock and finds nothing to undo (exit 2).
    const rollback = await qmsOn(sb, dirs)([...ROLLBACK, ...SETTLE]);
    if (rollback.code !== (hadSet ? 0 : 2)) problems.push(`rollback exit ${rollback.code}: ${rollback.stderr.slice(0, 500)}`);
    if (!hadSet && !/nothing to roll back/.test(rollback.stderr))
      problems.push(`rollback without an apply: ${rollback.stderr.slice(0, 300)}`);
    if (existsSync(dirs.db)) await finalChecks(sb, dirs, label, problems);
    else if (JSON.stringify(withoutOrigin(await captureLive(sb, 'acme', REPOS))) !== JSON.stringify(originalLive))
      problems.push('GitHub changed, no store');
    return { label, killed, writesBeforeKill: killed ? writesBeforeKill : -1, totalWrites: acceptedWrites(sb.log).length, problems };
  } catch (err) {
    problems.push(`harness: ${(err as Error).message}`);
    return { label, killed: false, writesBeforeKill: -1, totalWrites: 0, problems };
  } finally {
    await sb.close();
  }
}

async function rollbackIteration(killAt: Instant, i: number): Promise<Outcome> {
  const label = `rollback #${i} kill ${Math.round(killAt.ms)} ms after the ${killAt.anchor}`;
  const dirs = makeTempDirs('qms-rel-crash-');
  dirsToClean.push(dirs);
  copyStore(template, dirs);
  const sb = await loggingSandbox(structuredClone(appliedState));
  rehost(dirs, sb.url);
  const problems: string[] = [];
  try {
    // The store was copied in, so it exists: runKilled checks it opens cleanly.
    const { killed, writesBeforeKill } = await runKilled(sb, dirs, ROLLBACK, killAt, 'first rollback', problems);
    // Rolling back again completes what the killed rollback started.
    const again = await qmsOn(sb, dirs)([...ROLLBACK, ...SETTLE]);
    if (again.code !== 0) problems.push(`second rollback exit ${again.code}: ${again.stderr.slice(0, 600)}`);
    await finalChecks(sb, dirs, label, problems);
    return { label, killed, writesBeforeKill: killed ? writesBeforeKill : -1, totalWrites: acceptedWrites(sb.log).length, problems };
  } catch (err) {
    problems.push(`harness: ${(err as Error).message}`);
    return { label, killed: false, writesBeforeKill: -1, totalWrites: 0, problems };
  } finally {
    await sb.close();
  }
}

/** Where the kills landed, counted against the writes a complete run makes. */
function summarize(kind: string, outcomes: Outcome[], writes: number): string {
  const killed = outcomes.filter((o) => o.killed);
  const before = killed.filter((o) => o.writesBeforeKill === 0).length;
  const mid = killed.filter((o) => o.writesBeforeKill > 0 && o.writesBeforeKill < writes).length;
  const after = killed.filter((o) => o.writesBeforeKill >= writes).length;
  return `${kind}: ${outcomes.length} iterations, ${killed.length} killed (${before} before any write, ${mid} between writes 1..${writes - 1}, ${after} after the last write), ${outcomes.length - killed.length} finished first`;
}

describe(`SIGKILL at random instants (seed ${SEED})`, () => {
  it(`apply: ${APPLY_ITERATIONS} kills, each followed by rollback --last — store sound, nothing lost, everything restored exactly`, async () => {
    const rand = seededRandom(SEED);
    const instants = Array.from({ length: APPLY_ITERATIONS }, () => drawInstant(rand, timing.apply));
    const outcomes = await runPool(instants, PARALLEL, applyIteration);
    report.push(summarize('apply', outcomes, timing.apply.writes));
    for (const o of outcomes) expect(o.problems, o.label).toEqual([]);
    // The draw really lands inside runs, most of them between writes.
    expect(outcomes.filter((o) => o.killed && o.writesBeforeKill > 0).length).toBeGreaterThanOrEqual(Math.ceil(APPLY_ITERATIONS / 3));
  }, 240_000);

  it(`rollback: ${ROLLBACK_ITERATIONS} kills half-way, each followed by a second rollback that completes — exactly the state before the apply`, async () => {
    const rand = seededRandom(SEED ^ 0x9e3779b9);
    const instants = Array.from({ length: ROLLBACK_ITERATIONS }, () => drawInstant(rand, timing.rollback));
    const outcomes = await runPool(instants, PARALLEL, rollbackIteration);
    report.push(summarize('rollback', outcomes, timing.rollback.writes));
    for (const o of outcomes) expect(o.problems, o.label).toEqual([]);
    expect(outcomes.filter((o) => o.killed && o.writesBeforeKill > 0).length).toBeGreaterThanOrEqual(Math.ceil(ROLLBACK_ITERATIONS / 3));
  }, 240_000);
});
