/**
 * Ctrl-C (SIGINT) and SIGTERM end every wait at once (issue 11 item 8): retry backoff when
 * GitHub is unreachable or answers 5xx, a secondary limit's retry-after on a write, a
 * primary limit's reset, the write pacer (--write-interval), the budget's
 * --wait-for-rate-limit. After the signal no request starts — above all no write — and
 * the run exits 130 with the store consistent: `rollback --last` restores what the run
 * wrote before it.
 *
 * No timing thresholds: every wait is long (9 s of backoff up to 10 minutes of pacing),
 * so a wait the signal did not end makes the run send more, exit otherwise, or the test
 * time out. "The wait began" is the line qms prints when it starts waiting, never a
 * fixed sleep. Every scenario has its own simulator and store, and they run concurrently.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_HINT, isBuilt, makeTempDirs, type TempDirs } from '../helpers/e2e.js';
import { captureLive } from '../e2e/apply-helpers.js';
import { estimateOrgRead } from '../../src/services/budget.js';
import {
  describeRun,
  expectEveryWriteRecorded,
  expectSoundStore,
  FaultTally,
  fixtureCopy,
  isWrite,
  killBackgroundRuns,
  qmsOn,
  startQms,
  startRelSandbox,
  type BackgroundRun,
  type RelSandbox,
} from './helpers.js';

const PROTECTION = '/repos/{owner}/{repo}/branches/{branch}/protection';
// payments-ledger: classic rule created (PUT), release/* and hotfix/* rules created
// (GraphQL), merge settings patched; research-notebooks: classic rule created (PUT).
// Five writes; the second PUT is the last of them.
const REPOS = ['payments-ledger', 'research-notebooks'];
const APPLY = ['apply', '--org', 'acme', ...REPOS.flatMap((r) => ['--repo', r]), '--yes'];
// The simulator answers at once: a rollback need not wait for writes of a killed run
// that might still be in flight at GitHub (see `rollback --help`).
const NO_INFLIGHT_WAIT = ['--settle-time', '0'];

const tally = new FaultTally();
const sandboxes: RelSandbox[] = [];
const dirsList: TempDirs[] = [];

beforeAll(() => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
});
afterAll(async () => {
  killBackgroundRuns();
  for (const sb of sandboxes) {
    tally.add(sb.exchanges);
    await sb.close();
  }
  for (const d of dirsList) d.cleanup();
  console.log(`[reliability] signals: faults injected — ${tally.toString()}`);
});

async function scenario(options: Parameters<typeof startRelSandbox>[0] = {}) {
  const sb = await startRelSandbox(options);
  sandboxes.push(sb);
  const dirs = makeTempDirs('qms-rel-signals-');
  dirsList.push(dirs);
  return { sb, dirs, qms: qmsOn(sb, dirs) };
}

/** A port nothing listens on: GitHub unreachable (connection refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Send `signal` once qms prints the line that says its wait began; returns what the
 * simulator had received at that moment (nothing may follow it).
 */
async function signalDuringWait(run: BackgroundRun, waitLine: RegExp, signal: NodeJS.Signals, sb?: RelSandbox): Promise<number> {
  await run.stderrLine(waitLine);
  const total = sb?.sandbox.stats.total ?? 0;
  run.child.kill(signal);
  return total;
}

/** After the signal: exit 130 and the interrupt named, no GitHub error, no wait begun after it. */
function expectInterrupted(run: Awaited<BackgroundRun['done']>, signal: NodeJS.Signals): void {
  expect(run.code, describeRun(run)).toBe(130);
  expect(run.stderr).toContain(`${signal} received`);
  expect(run.stderr).not.toMatch(/could not reach GitHub|internal error/);
  const after = run.stderr.slice(run.stderr.indexOf(`${signal} received`));
  expect(after, describeRun(run)).not.toMatch(/retrying in|waiting \d+ ?s/);
}

// Generous for a loaded CI machine: a wait the signal does not end is still caught (it sends
// more, or the pacer's 10 minutes outlast this).
describe.concurrent('a signal ends every wait at once; nothing is sent after it; exit 130', { timeout: 180_000 }, () => {
  it('GitHub unreachable: SIGINT during the retry backoff of apply, SIGTERM during that of assess', async () => {
    const port = await closedPort();
    const unreachable = { url: `http://127.0.0.1:${port}` };
    const cases = [
      { args: APPLY, signal: 'SIGINT' as const },
      { args: ['assess', '--org', 'acme'], signal: 'SIGTERM' as const },
    ];
    await Promise.all(
      cases.map(async ({ args, signal }) => {
        const dirs = makeTempDirs('qms-rel-signals-');
        dirsList.push(dirs);
        const run = startQms(unreachable, dirs, args);
        await signalDuringWait(run, /failed \(.*ECONNREFUSED.*\): retrying in \d+ s \(retry 1\/3\)/, signal);
        const done = await run.done;
        expectInterrupted(done, signal);
        expect(done.stderr).toMatch(new RegExp(`qms: interrupted by ${signal}`));
      }),
    );
  });

  it('a write answered 502: SIGINT during its last backoff (9 s) — that write is not sent again, and rollback --last restores the four before it', async () => {
    const { sb, dirs, qms } = await scenario();
    const original = await captureLive(sb, 'acme', REPOS);
    sb.sandbox.faults.add({ kind: 'status', status: 502, method: 'PUT', route: PROTECTION, skip: 1, times: 0 });
    const run = startQms(sb, dirs, APPLY);
    const sent = await signalDuringWait(run, /PUT \S+ failed \(HTTP 502\): retrying in 9 s \(retry 3\/3\)/, 'SIGINT', sb);
    const done = await run.done;
    expectInterrupted(done, 'SIGINT');
    expect(sb.sandbox.stats.total).toBe(sent);
    expect(sb.exchanges.filter((e) => e.method === 'PUT').map((e) => e.status)).toEqual([200, 502, 502, 502]);
    await expectRestorable(sb, dirs, qms, original, 4);
  });

  it('a write meets a secondary limit (retry-after: 120): SIGINT during the wait — no second attempt, and rollback --last restores what came before', async () => {
    const { sb, dirs, qms } = await scenario();
    const original = await captureLive(sb, 'acme', REPOS);
    // 120 s is the longest retry-after qms waits for (a longer one fails the write at once).
    sb.sandbox.faults.add({ kind: 'secondary-limit', status: 403, retryAfter: 120, method: 'PUT', route: PROTECTION, skip: 1 });
    const run = startQms(sb, dirs, APPLY);
    const sent = await signalDuringWait(run, /secondary rate limit on PUT \S+: waiting 120s/, 'SIGINT', sb);
    const done = await run.done;
    expectInterrupted(done, 'SIGINT');
    expect(sb.sandbox.stats.total).toBe(sent);
    expect(sb.exchanges.filter((e) => e.method === 'PUT').map((e) => e.status)).toEqual([200, 403]);
    await expectRestorable(sb, dirs, qms, original, 4);
  });

  it('the write pacer (--write-interval 600000): SIGTERM while the second write waits its turn — it is never sent', async () => {
    const { sb, dirs, qms } = await scenario();
    const original = await captureLive(sb, 'acme', REPOS);
    // -v: the pacer says when it holds a write (a debug line).
    const run = startQms(sb, dirs, ['-v', '--write-interval', '600000', ...APPLY]);
    const sent = await signalDuringWait(run, /waiting \d+ s before this write \(write interval 600000 ms\)/, 'SIGTERM', sb);
    const done = await run.done;
    expectInterrupted(done, 'SIGTERM');
    expect(sb.sandbox.stats.total).toBe(sent);
    expect(sb.exchanges.filter(isWrite)).toHaveLength(1);
    await expectRestorable(sb, dirs, qms, original, 1, 'failed');
  });

  it('a primary limit during apply’s read phase (reset in 55 s): SIGINT during the wait — nothing is written, exit 130', async () => {
    const { sb, dirs } = await scenario();
    sb.sandbox.faults.add({ kind: 'primary-limit', retryAfter: 55, method: 'GET', route: PROTECTION });
    const run = startQms(sb, dirs, APPLY);
    const sent = await signalDuringWait(run, /rate limit exhausted on GET \S+: waiting \d+s for the reset/, 'SIGINT', sb);
    const done = await run.done;
    expectInterrupted(done, 'SIGINT');
    expect(sb.sandbox.stats.total).toBe(sent);
    expect(sb.exchanges.filter(isWrite)).toEqual([]);
    const facts = expectSoundStore(dirs.db);
    expect(facts.changes).toEqual([]);
  });

  it('assess --wait-for-rate-limit: SIGINT while it waits for the hourly reset ends the run at once', async () => {
    // A GraphQL limit the read fits in, of which too little is left: qms waits for the reset (an hour).
    const acme = fixtureCopy().repos.filter((r) => r.owner === 'acme').length;
    const need = estimateOrgRead('graphql', acme).graphqlPoints;
    const { sb, dirs } = await scenario({ rateLimit: { graphql: need + 2 } });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${sb.url}/graphql`, {
        method: 'POST',
        headers: { authorization: 'bearer qms_sandbox_ada', 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { login } }' }),
      });
      expect(res.status).toBe(200);
    }
    const run = startQms(sb, dirs, ['assess', '--org', 'acme', '--wait-for-rate-limit']);
    const sent = await signalDuringWait(run, /waiting \d+ s for the reset \(--wait-for-rate-limit\)/, 'SIGINT', sb);
    const done = await run.done;
    expectInterrupted(done, 'SIGINT');
    expect(sb.sandbox.stats.total).toBe(sent);
  });
});

/**
 * The interrupted run left a consistent store: its change set `interrupted`, every
 * write GitHub carried out recorded and verified; `rollback --last` restores the live state exactly.
 */
async function expectRestorable(
  sb: RelSandbox,
  dirs: TempDirs,
  qms: ReturnType<typeof qmsOn>,
  original: unknown,
  writes: number,
  stopped: 'pending' | 'failed' = 'pending',
): Promise<void> {
  const facts = expectSoundStore(dirs.db);
  expect(facts.sets.map((s) => `${s.kind} ${s.status}`)).toEqual(['apply interrupted']);
  expect(expectEveryWriteRecorded(sb.exchanges, facts, 'interrupted apply')).toBe(writes);
  // The writes before the signal were verified. The one it stopped has its intent recorded:
  // `pending` ("maybe written") when an attempt had been sent, `failed` ("not sent") when
  // the signal came before it left qms; either way rollback finds it at its before-state.
  expect(facts.changes.map((c) => c.status)).toEqual([...Array<string>(writes).fill('verified'), stopped]);
  sb.sandbox.faults.clear();
  const rollback = await qms(['rollback', '--last', '--yes', ...NO_INFLIGHT_WAIT]);
  expect(rollback.code, describeRun(rollback)).toBe(0);
  expect(await captureLive(sb, 'acme', REPOS)).toEqual(original);
  expectSoundStore(dirs.db);
}
