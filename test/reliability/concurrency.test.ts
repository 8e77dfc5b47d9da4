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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_HINT, isBuilt, makeTempDirs, type TempDirs } from '../helpers/e2e.js';
import { captureLive } from '../e2e/apply-helpers.js';
import {
  describeRun,
  expectSoundStore,
  FaultTally,
  isWrite,
  killBackgroundRuns,
  qmsOn,
  sqlRows,
  startQms,
  startRelSandbox,
  type BackgroundRun,
  type RelSandbox,
} from './helpers.js';

const PROTECTION = '/repos/{owner}/{repo}/branches/{branch}/protection';
const tally = new FaultTally();
const sandboxes: RelSandbox[] = [];
const dirsList: TempDirs[] = [];

beforeAll(() => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
});
afterAll(async () => {
  killBackgroundRuns();
  for (const sb of sandboxes) {
    sb.sandbox.faults.releaseHeld();
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

/** Start qms in the background (for runs that must be held, killed, or outlive others). */
function background(sb: { url: string }, dirs: TempDirs, args: string[], login = 'ada'): BackgroundRun {
  // A per-attempt timeout beyond the hold: the held write must stay held, not be abandoned and retried.
  return startQms(sb, dirs, ['--request-timeout', String(HOLD_MS / 1000 + 60), ...args], { login });
}

/**
 * Resolves once the simulator holds the request a 'slow' fault rule matched (the rule is
 * used up the moment it strikes, and the request is held from then on).
 */
async function untilHeld(sb: RelSandbox, ruleId: number): Promise<void> {
  while (sb.sandbox.faults.list().some((r) => r.id === ruleId)) await new Promise((r) => setTimeout(r, 10));
}

/** Resolves once the simulator has answered a request whose body contains `text` (a held one, once released). */
async function untilAnswered(sb: RelSandbox, text: string): Promise<void> {
  while (!sb.exchanges.some((e) => JSON.stringify(e.requestBody ?? null).includes(text))) await new Promise((r) => setTimeout(r, 10));
}

/** Resolves once the simulator has received `count` requests on `METHOD route`. */
async function arrived(sb: RelSandbox, key: string, count = 1, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((sb.sandbox.stats.byRoute[key] ?? 0) < count) {
    if (Date.now() > deadline) throw new Error(`${key} never arrived`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * How long "GitHub" holds a request unless the test releases it first (it always does,
 * on an event): far longer than any run, so a held request never lands by itself.
 */
const HOLD_MS = 600_000;
/** A loaded 2-core CI machine runs these multi-process scenarios several times slower than an idle one. */
const SCENARIO_TIMEOUT_MS = 180_000;

const HOLDER =
  /^qms: another qms \(pid (\d+) on [^,]+, `(qms [^`]+)`, since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\) holds the lock on .*qms\.db/m;

describe.concurrent('one mutating run per store', { timeout: SCENARIO_TIMEOUT_MS }, () => {
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
        sb.sandbox.faults.add({ kind: 'slow', method, route: PROTECTION, delayMs: HOLD_MS });
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

describe.concurrent('a lock left by a dead process', { timeout: SCENARIO_TIMEOUT_MS }, () => {
  it('a SIGKILLed apply’s lock is recovered by the next apply (audited, its run and change set marked interrupted), and both applies roll back exactly', async () => {
    const { sb, dirs, qms } = await setup();
    const repos = ['identity-service', 'research-notebooks'];
    const original = await captureLive(sb, 'acme', repos);
    const APPLY = ['apply', '--org', 'acme', ...repos.flatMap((r) => ['--repo', r]), '--yes'];
    // Hold the second write (the first rule creation); kill the apply while GitHub holds it.
    const rule = sb.sandbox.faults.add({ kind: 'slow', route: '/graphql', bodyIncludes: 'createBranchProtectionRule', delayMs: HOLD_MS });
    const killed = background(sb, dirs, APPLY);
    await untilHeld(sb, rule);
    killed.child.kill('SIGKILL');
    await killed.done;
    expect(sqlRows(dirs.db, 'SELECT pid FROM lock')).toEqual([{ pid: killed.child.pid }]);
    // GitHub finishes the request of the dead client before the next apply starts.
    sb.sandbox.faults.releaseHeld();
    await untilAnswered(sb, 'createBranchProtectionRule');

    const next = await qms(APPLY);
    expect(next.code, describeRun(next)).toBe(0);
    const recovered = sqlRows<{ actor: string; details: string }>(
      dirs.db,
      `SELECT actor, details FROM audit_events WHERE action = 'lock.recovered'`,
    );
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.actor).toBe('ada');
    expect(JSON.parse(recovered[0]!.details)).toMatchObject({
      previous: { pid: killed.child.pid },
      reason: expect.stringMatching(/no longer running/),
    });
    const sets = sqlRows<{ id: number; status: string }>(dirs.db, `SELECT id, status FROM change_sets ORDER BY id`);
    expect(sets.map((s) => s.status)).toEqual(['interrupted', 'completed']);
    expect(sqlRows(dirs.db, `SELECT status FROM runs WHERE kind = 'apply' ORDER BY id`)).toEqual([
      { status: 'interrupted' },
      { status: 'succeeded' },
    ]);

    // The second apply found what the first had written already in place; the first
    // apply is undone by id.
    expect((await qms(['rollback', '--last', '--yes'])).code).toBe(0);
    const first = await qms(['rollback', String(sets[0]!.id), '--yes']);
    expect(first.code, describeRun(first)).toBe(0);
    expect(await captureLive(sb, 'acme', repos)).toEqual(original);
    expectSoundStore(dirs.db);
  });

  it('… and by a rollback: `rollback --last` straight after the kill recovers the lock, waits for the write the dead run still had in flight, and restores everything', async () => {
    const { sb, dirs } = await setup();
    const repos = ['payments-ledger'];
    const original = await captureLive(sb, 'acme', repos);
    // The create is held until the rollback has read the live state (without it) and says it
    // waits for writes still in flight; only then does "GitHub" finish it.
    const rule = sb.sandbox.faults.add({ kind: 'slow', route: '/graphql', bodyIncludes: 'createBranchProtectionRule', delayMs: HOLD_MS });
    const killed = background(sb, dirs, ['apply', '--org', 'acme', '--repo', 'payments-ledger', '--yes']);
    await untilHeld(sb, rule);
    killed.child.kill('SIGKILL');
    await killed.done;
    const rolling = background(sb, dirs, ['rollback', '--last', '--yes']);
    await rolling.stderrLine(/may still be in flight at GitHub: waiting \d+s/).finally(() => sb.sandbox.faults.releaseHeld());
    const rollback = await rolling.done;
    expect(rollback.code, describeRun(rollback)).toBe(0);
    expect(sqlRows(dirs.db, `SELECT action FROM audit_events WHERE action LIKE 'lock.%' ORDER BY seq`).map((r: any) => r.action)).toEqual([
      'lock.acquired',
      'lock.recovered',
      'lock.acquired',
      'lock.released',
    ]);
    // The held create landed while the rollback waited (GitHub finishing a request whose
    // client died, within its 10 s window): the rollback undid it too.
    const bodies = sb.exchanges.map((e) => JSON.stringify(e.requestBody ?? null));
    const created = bodies.findIndex((b) => b.includes('createBranchProtectionRule'));
    expect(created).toBeGreaterThanOrEqual(0);
    expect(bodies.findIndex((b) => b.includes('deleteBranchProtectionRule'))).toBeGreaterThan(created);
    expect(await captureLive(sb, 'acme', repos)).toEqual(original);
    expectSoundStore(dirs.db);
  });
});

describe.concurrent('readers never wait for a writer', () => {
  it(
    'assess, plan, history, snapshots show, audit export and audit verify finish (exit 0) while an apply is held mid-write',
    async () => {
      const { sb, dirs, qms } = await setup();
      // The writer's PUT is held until every reader has finished (released below).
      // A finished apply first, so there is history to read.
      expect((await qms(['apply', '--org', 'acme', '--repo', 'research-notebooks', '--yes'])).code).toBe(0);
      sb.sandbox.faults.add({ kind: 'slow', method: 'PUT', route: PROTECTION, delayMs: HOLD_MS });
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
    },
    SCENARIO_TIMEOUT_MS,
  );
});
