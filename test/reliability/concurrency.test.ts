/**
 * Concurrency on one store (issue 6 §3): one mutating run at a time — apply vs
 * rollback, rollback vs apply, rollback vs rollback: the second exits 5 naming the
 * holder, before writing anything; a lock left by a SIGKILLed run is recovered by
 * the next apply or rollback on this host, on the record (audit `lock.recovered`);
 * and readers (assess, plan, history, snapshots, audit export, audit verify) never
 * wait for a writer: they finish while an apply is held mid-write.
 *
 * A run is "held" by the simulator answering one of its writes slowly; the test waits
 * until that write has arrived (the run then certainly holds the lock). Every test has
 * its own simulator and store, so they run concurrently.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, BUILD_HINT, ROOT, isBuilt, makeTempDirs, type QmsRun, type TempDirs } from '../helpers/e2e.js';
import { captureLive } from '../e2e/apply-helpers.js';
import { describeRun, expectSoundStore, FAST, FaultTally, isWrite, qmsOn, sqlRows, startRelSandbox, type RelSandbox } from './helpers.js';

const PROTECTION = '/repos/{owner}/{repo}/branches/{branch}/protection';
const tally = new FaultTally();
const sandboxes: RelSandbox[] = [];
const dirsList: TempDirs[] = [];

beforeAll(() => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
});
afterAll(async () => {
  for (const sb of sandboxes) {
    tally.add(sb.exchanges);
    await sb.close();
  }
  for (const d of dirsList) d.cleanup();
  console.log(`[reliability] concurrency: faults injected — ${tally.toString()}`);
});

async function setup() {
  const sb = await startRelSandbox();
  sandboxes.push(sb);
  const dirs = makeTempDirs('qms-rel-conc-');
  dirsList.push(dirs);
  return { sb, dirs, qms: qmsOn(sb, dirs) };
}

interface Background {
  child: ChildProcess;
  done: Promise<QmsRun>;
}

/** Start qms in the background (for runs that must be held, killed, or outlive others). */
function background(sb: { url: string }, dirs: TempDirs, args: string[], login = 'ada'): Background {
  const started = Date.now();
  // A long per-attempt timeout: the held write must stay held, not be abandoned and retried.
  const child = spawn(process.execPath, [BIN, '--api-url', sb.url, '--db', dirs.db, ...FAST, '--request-timeout', '60', ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...dirs.env, NO_COLOR: '1', GITHUB_TOKEN: `qms_sandbox_${login}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<QmsRun>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, timedOut: false, ms: Date.now() - started })),
  );
  return { child, done };
}

/** Resolves once the simulator has received `count` requests on `METHOD route`. */
async function arrived(sb: RelSandbox, key: string, count = 1, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((sb.sandbox.stats.byRoute[key] ?? 0) < count) {
    if (Date.now() > deadline) throw new Error(`${key} never arrived`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const HOLDER = /^qms: another qms \(pid (\d+) on [^,]+, `(qms [^`]+)`, since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\) holds the lock on .*qms\.db/m;

describe.concurrent('one mutating run per store', () => {
  it('apply while a rollback holds the lock, rollback while an apply holds it, rollback vs rollback: exit 5 naming the holder, no write; the holder completes', async () => {
    const cases = [
      { holder: 'rollback', second: 'apply' },
      { holder: 'apply', second: 'rollback' },
      { holder: 'rollback', second: 'rollback' },
    ] as const;
    await Promise.all(
      cases.map(async ({ holder, second }) => {
        const { sb, dirs, qms } = await setup();
        const original = await captureLive(sb, 'acme', ['research-notebooks']);
        const APPLY = ['apply', '--org', 'acme', '--repo', 'research-notebooks', '--yes'];
        const ROLLBACK = ['rollback', '--last', '--yes'];
        // A rollback needs an apply to undo (the loser's never gets that far: the lock comes first).
        if (holder === 'rollback') expect((await qms(APPLY)).code).toBe(0);
        // The holder's write is held (and so its lock) until the second run has finished.
        const method = holder === 'apply' ? 'PUT' : 'DELETE';
        sb.sandbox.faults.add({ kind: 'slow', method, route: PROTECTION, delayMs: 50_000 });
        const before = sb.sandbox.stats.byRoute[`${method} ${PROTECTION}`] ?? 0;
        const held = background(sb, dirs, holder === 'apply' ? APPLY : ROLLBACK);
        await arrived(sb, `${method} ${PROTECTION}`, before + 1);
        const writesBefore = sb.exchanges.filter(isWrite).length + 1; // the held one answers later
        const loser = await qms(second === 'apply' ? APPLY : ROLLBACK);
        sb.sandbox.faults.releaseHeld();
        const winner = await held.done;
        const label = `${holder} holds, ${second} tries\n${describeRun(loser)}`;
        expect(loser.code, label).toBe(5);
        const m = HOLDER.exec(loser.stderr);
        expect(m, label).not.toBeNull();
        expect(Number(m![1])).toBe(held.child.pid);
        expect(m![2]).toBe(holder === 'apply' ? 'qms apply --org acme --repo research-notebooks' : 'qms rollback --last');
        expect(loser.stdout).toBe('');
        expect(winner.code, describeRun(winner)).toBe(0);
        // The loser wrote nothing: the only write since is the holder's.
        expect(sb.exchanges.filter(isWrite).length).toBe(writesBefore);
        expectSoundStore(dirs.db, label);
        if (holder === 'apply') expect((await qms(ROLLBACK)).code).toBe(0);
        expect(await captureLive(sb, 'acme', ['research-notebooks'])).toEqual(original);
      }),
    );
  });
});

describe.concurrent('a lock left by a dead process', () => {
  it('a SIGKILLed apply’s lock is recovered by the next apply (audited, its run and change set marked interrupted), and both applies roll back exactly', async () => {
    const { sb, dirs, qms } = await setup();
    const repos = ['identity-service', 'research-notebooks'];
    const original = await captureLive(sb, 'acme', repos);
    const APPLY = ['apply', '--org', 'acme', ...repos.flatMap((r) => ['--repo', r]), '--yes'];
    // Hold the second write; kill the apply while it waits.
    sb.sandbox.faults.add({ kind: 'slow', route: '/graphql', bodyIncludes: 'createBranchProtectionRule', delayMs: 3000 });
    const killed = background(sb, dirs, APPLY);
    await arrived(sb, 'PUT ' + PROTECTION);
    await new Promise((r) => setTimeout(r, 300));
    killed.child.kill('SIGKILL');
    await killed.done;
    expect(sqlRows(dirs.db, 'SELECT pid FROM lock')).toEqual([{ pid: killed.child.pid }]);

    const next = await qms(APPLY);
    expect(next.code, describeRun(next)).toBe(0);
    const recovered = sqlRows<{ actor: string; details: string }>(dirs.db, `SELECT actor, details FROM audit_events WHERE action = 'lock.recovered'`);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.actor).toBe('ada');
    expect(JSON.parse(recovered[0]!.details)).toMatchObject({ previous: { pid: killed.child.pid }, reason: expect.stringMatching(/no longer running/) });
    const sets = sqlRows<{ id: number; status: string }>(dirs.db, `SELECT id, status FROM change_sets ORDER BY id`);
    expect(sets.map((s) => s.status)).toEqual(['interrupted', 'completed']);
    expect(sqlRows(dirs.db, `SELECT status FROM runs WHERE kind = 'apply' ORDER BY id`)).toEqual([{ status: 'interrupted' }, { status: 'succeeded' }]);

    // The second apply found what the first had written already in place; the first
    // apply is undone by id.
    expect((await qms(['rollback', '--last', '--yes'])).code).toBe(0);
    const first = await qms(['rollback', String(sets[0]!.id), '--yes']);
    expect(first.code, describeRun(first)).toBe(0);
    expect(await captureLive(sb, 'acme', repos)).toEqual(original);
    expectSoundStore(dirs.db);
  });

  it('… and by a rollback: `rollback --last` straight after the kill recovers the lock, waits for the write the dead run still had in flight, and restores everything', async () => {
    const { sb, dirs, qms } = await setup();
    const repos = ['payments-ledger'];
    const original = await captureLive(sb, 'acme', repos);
    // Held 7 s: long enough that the rollback (spawned after the kill, slow to start on a
    // busy CI machine) reads the live state before it lands, short of the 12 s window.
    sb.sandbox.faults.add({ kind: 'slow', route: '/graphql', bodyIncludes: 'createBranchProtectionRule', delayMs: 7000 });
    const killed = background(sb, dirs, ['apply', '--org', 'acme', '--repo', 'payments-ledger', '--yes']);
    await arrived(sb, 'PUT ' + PROTECTION);
    await new Promise((r) => setTimeout(r, 300));
    killed.child.kill('SIGKILL');
    await killed.done;
    const rollback = await qms(['rollback', '--last', '--yes']);
    expect(rollback.code, describeRun(rollback)).toBe(0);
    expect(sqlRows(dirs.db, `SELECT action FROM audit_events WHERE action LIKE 'lock.%' ORDER BY seq`).map((r: any) => r.action)).toEqual([
      'lock.acquired',
      'lock.recovered',
      'lock.acquired',
      'lock.released',
    ]);
    // The held create lands ~7 s after the kill (GitHub finishing a request whose client
    // died): the rollback waited for it (GitHub's 10 s window) and undid it too.
    expect(rollback.stderr).toMatch(/may still be in flight at GitHub: waiting \d+s/);
    expect(await captureLive(sb, 'acme', repos)).toEqual(original);
    expectSoundStore(dirs.db);
  });
});

describe.concurrent('readers never wait for a writer', () => {
  it('assess, plan, history, snapshots show, audit export and audit verify finish (exit 0) while an apply is held mid-write', async () => {
    const { sb, dirs, qms } = await setup();
    // The writer's PUT is held until every reader has finished (released below).
    const HOLD = 50_000;
    // A finished apply first, so there is history to read.
    expect((await qms(['apply', '--org', 'acme', '--repo', 'research-notebooks', '--yes'])).code).toBe(0);
    sb.sandbox.faults.add({ kind: 'slow', method: 'PUT', route: PROTECTION, delayMs: HOLD });
    const held = background(sb, dirs, ['apply', '--org', 'acme', '--repo', 'poc-ml-ranking', '--yes']);
    await arrived(sb, 'PUT ' + PROTECTION, 2);
    let heldExited = false;
    void held.done.then(() => (heldExited = true));
    const readers: Record<string, string[]> = {
      assess: ['--json', 'assess', '--org', 'acme', '--repo', 'poc-ml-ranking', '--repo', 'research-notebooks', '--fail-on', 'none'],
      plan: ['plan', '--org', 'acme', '--repo', 'hackathon-2025'],
      history: ['--json', 'history'],
      snapshots: ['snapshots', 'show', '1'],
      'audit export': ['audit', 'export', '--format', 'ndjson'],
      'audit verify': ['audit', 'verify'],
    };
    const runs = await Promise.all(
      Object.entries(readers).map(async ([name, args]) => {
        const run = await qms(args, { timeoutMs: 40_000 });
        return { name, run };
      }),
    );
    // Every reader finished while the writer still held its write (and the lock).
    expect(heldExited).toBe(false);
    for (const { name, run } of runs) expect(run.code, `${name}: ${describeRun(run)}`).toBe(0);
    // What they read is the store as committed: the held apply's intent is visible.
    expect(runs.find((r) => r.name === 'audit export')!.run.stdout).toMatch(/"change\.intent".*poc-ml-ranking/);
    sb.sandbox.faults.releaseHeld();
    const final = await held.done;
    expect(final.code, describeRun(final)).toBe(0);
    expectSoundStore(dirs.db);
  }, 60_000);
});
