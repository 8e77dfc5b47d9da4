/**
 * Which change set a rollback may undo (issue 11, items 2 and 3):
 * - a mutating run is recorded before it reads anything, so an apply SIGKILLed in its
 *   read phase is "the last run": `rollback --last` refuses (it made no change) instead
 *   of undoing the apply before it;
 * - a change set belongs to the GitHub it was written to: another API host (another
 *   server, the sandbox) is refused, and a target that cannot be read is `unknown`,
 *   never "already restored";
 * - the sandbox keeps a store of its own by default.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLive, isWrite } from '../e2e/apply-helpers.js';
import { BIN, BUILD_HINT, isBuilt, makeTempDirs, ROOT, runQms, type TempDirs } from '../helpers/e2e.js';
import { describeRun, FAST, qmsOn, sqlRows, startRelSandbox, withoutOrigin, type RelSandbox } from './helpers.js';

const dirs: TempDirs[] = [];
function tempDirs(): TempDirs {
  const d = makeTempDirs('qms-rel-runfirst-');
  dirs.push(d);
  return d;
}

beforeAll(() => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
});
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

const MISSION = ['apply', '--org', 'acme', '--tier', 'mission_critical', '--yes'];
const BUSINESS = ['apply', '--org', 'acme', '--tier', 'business_critical', '--yes'];

describe('rollback --last after an apply killed in its read phase', () => {
  let sb: RelSandbox;
  beforeAll(async () => {
    sb = await startRelSandbox();
  });
  afterAll(async () => {
    await sb.close();
  });

  it('refuses: the last run made no change (named, with its command), and nothing of the apply before it is undone', async () => {
    const d = tempDirs();
    const qms = qmsOn(sb, d);
    const first = await qms(MISSION);
    expect(first.code, describeRun(first)).toBe(0);
    const applied = withoutOrigin(await captureLive(sb, 'acme', ['payments-ledger', 'identity-service', 'core-banking-api']));

    // The second apply's reads are held by "GitHub" until it is killed: the kill lands in
    // its read phase for certain (the event is the simulator receiving the held request).
    sb.sandbox.faults.add({ kind: 'slow', method: 'POST', route: '/graphql', delayMs: 600_000, times: 0 });
    const reached = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (sb.sandbox.faults.list().some((f) => f.kind === 'slow' && f.hits > 0)) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    const child = spawn(process.execPath, [BIN, '--api-url', sb.url, '--db', d.db, ...FAST, ...BUSINESS], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...d.env, NO_COLOR: '1', GITHUB_TOKEN: 'qms_sandbox_ada' },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    await reached;
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    sb.sandbox.faults.clear();
    sb.sandbox.faults.releaseHeld();

    const writesBefore = sb.exchanges.filter((e) => isWrite(e)).length;
    const rollback = await qms(['rollback', '--last', '--yes']);
    expect(rollback.code, describeRun(rollback)).toBe(2);
    expect(rollback.stderr).toMatch(
      /^qms: the last run made no change, so there is nothing to roll back: run (\d+) \(`qms apply --org acme --tier business_critical`\), started \S+ by ada, interrupted$/m,
    );
    expect(sb.exchanges.filter((e) => isWrite(e)).length).toBe(writesBefore);
    expect(withoutOrigin(await captureLive(sb, 'acme', ['payments-ledger', 'identity-service', 'core-banking-api']))).toEqual(applied);
    // The killed run is on the record.
    const runs = sqlRows<{ kind: string; status: string; args: string }>(
      d.db,
      "SELECT kind, status, args FROM runs WHERE kind = 'apply' ORDER BY id",
    );
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'interrupted']);
    expect(JSON.parse(runs[1]!.args)).toMatchObject({
      tier: 'business_critical',
      command: 'qms apply --org acme --tier business_critical',
    });

    // Named by id, the first apply is undone as before.
    const setId = sqlRows<{ id: number }>(d.db, "SELECT id FROM change_sets WHERE kind = 'apply' ORDER BY id")[0]!.id;
    const byId = await qms(['rollback', String(setId), '--yes']);
    expect(byId.code, describeRun(byId)).toBe(0);
    expect(byId.stderr).toMatch(
      new RegExp(`Rolling back change set ${setId} \\(apply, completed\\) of run \\d+ \`qms apply --org acme --tier mission_critical\``),
    );
  });
});

describe('a change set belongs to one GitHub', () => {
  let a: RelSandbox;
  let b: RelSandbox;
  let d: TempDirs;
  let original: unknown;
  beforeAll(async () => {
    [a, b] = await Promise.all([startRelSandbox(), startRelSandbox()]);
    d = tempDirs();
    original = withoutOrigin(await captureLive(a, 'acme', ['payments-ledger']));
    const applied = await qmsOn(a, d)(['apply', '--org', 'acme', '--repo', 'payments-ledger', '--yes']);
    expect(applied.code, describeRun(applied)).toBe(0);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('records the API host on the run and the change set; history says which GitHub', async () => {
    const sets = sqlRows<{ api_host: string }>(d.db, "SELECT api_host FROM change_sets WHERE kind = 'apply'");
    expect(sets).toEqual([{ api_host: a.url }]);
    const history = await qmsOn(a, d)(['history']);
    expect(history.code, describeRun(history)).toBe(0);
    expect(history.stdout).toContain(`on ${a.url}`);
    const exported = await qmsOn(a, d)(['audit', 'export', '--format', 'ndjson']);
    const created = exported.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { action: string; details: Record<string, unknown> })
      .find((e) => e.action === 'change_set.created');
    expect(created?.details['apiHost']).toBe(a.url);
  });

  it('refuses to roll back against another server or the sandbox (exit 2), reading and writing nothing there', async () => {
    const before = b.exchanges.length;
    const other = await qmsOn(b, d)(['rollback', '--last', '--dry-run']);
    expect(other.code, describeRun(other)).toBe(2);
    expect(other.stderr).toMatch(
      new RegExp(`^qms: change set \\d+ was written to ${a.url.replace(/[.]/g, '\\.')}, not to ${b.url.replace(/[.]/g, '\\.')}`, 'm'),
    );
    expect(b.exchanges.slice(before).filter((e) => e.route !== 'GET /user')).toEqual([]);
    const sandbox = await runQms(['--sandbox', '--db', d.db, 'rollback', '--last', '--dry-run'], { env: { ...d.env, NO_COLOR: '1' } });
    expect(sandbox.code, describeRun(sandbox)).toBe(2);
    expect(sandbox.stderr).toMatch(/was written to http:\/\/127\.0\.0\.1:\d+, not to sandbox/);
  });

  it('a target it cannot read is unknown in a dry run, never "already restored" (exit 4)', async () => {
    // Same host, but the repository cannot be read now (it answers 404 as if gone).
    a.sandbox.faults.add({ kind: 'status', status: 404, pathIncludes: '/repos/acme/payments-ledger', times: 0 });
    try {
      const dry = await qmsOn(a, d)(['rollback', '--last', '--dry-run', '--json']);
      expect(dry.code, describeRun(dry)).toBe(4);
      const doc = JSON.parse(dry.stdout) as { plan: { decision: string; reason: string }[]; planned: Record<string, number> };
      expect(doc.plan.length).toBeGreaterThan(0);
      expect(doc.plan.every((s) => s.decision === 'unknown')).toBe(true);
      expect(doc.planned['already_restored']).toBe(0);
    } finally {
      a.sandbox.faults.clear();
    }
    // Readable again: the real rollback restores it.
    const rollback = await qmsOn(a, d)(['rollback', '--last', '--yes']);
    expect(rollback.code, describeRun(rollback)).toBe(0);
    expect(withoutOrigin(await captureLive(a, 'acme', ['payments-ledger']))).toEqual(original);
  });
});

describe('the sandbox keeps a store of its own', () => {
  it('by default under $XDG_STATE_HOME/qms/sandbox, apart from the real store', async () => {
    const d = tempDirs();
    const env = { ...d.env, NO_COLOR: '1' };
    const apply = await runQms(['--sandbox', 'apply', '--org', 'acme', '--repo', 'payments-ledger', '--yes'], { env });
    expect(apply.code, describeRun(apply)).toBe(0);
    const stateHome = d.stateHome;
    expect(existsSync(path.join(stateHome, 'qms', 'sandbox', 'qms.db'))).toBe(true);
    expect(existsSync(path.join(stateHome, 'qms', 'qms.db'))).toBe(false);
    const sets = sqlRows<{ api_host: string }>(path.join(stateHome, 'qms', 'sandbox', 'qms.db'), 'SELECT api_host FROM change_sets');
    expect(sets).toEqual([{ api_host: 'sandbox' }]);
    // The sandbox's change set is rolled back by the sandbox (a new port each time: one identity).
    const rollback = await runQms(['--sandbox', 'rollback', '--last', '--yes'], { env });
    expect(rollback.code, describeRun(rollback)).toBe(0);
  });
});
