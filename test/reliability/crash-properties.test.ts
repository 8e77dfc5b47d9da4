/**
 * `classify --write-properties` writes through the change engine like apply does, so it
 * survives a SIGKILL the same way (issue 10): the process is killed at seeded random
 * instants — before, between and after its PATCHes of up to 30 repositories — and
 * `rollback --last` then puts 100% of the `qms_tier` values back as they were; the store
 * stays sound (integrity_check, audit chain, no open change set, lock released).
 *
 * QMS_CRASH_SEED / QMS_CRASH_ITERATIONS (one number) go deeper.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../e2e/apply-helpers.js';
import { BIN, BUILD_HINT, isBuilt, makeTempDirs, ROOT, type TempDirs } from '../helpers/e2e.js';
import { fixtureCopy, qmsOn, runPool, seededRandom, startRelSandbox, storeFacts, type RelSandbox } from './helpers.js';

const CLASSIFY = ['classify', '--org', 'acme', '--write-properties', '--yes', '--write-interval', '150'];
const ROLLBACK = ['rollback', '--last', '--yes', '--settle-time', '1.5'];
const SEED = Number(process.env['QMS_CRASH_SEED'] ?? 0x9a7a);
const ITERATIONS = Number(process.env['QMS_CRASH_ITERATIONS']?.split(',')[0] ?? 10);
const PARALLEL = 4;

const dirsToClean: TempDirs[] = [];
let timing = { firstWrite: 0, lastWrite: 0, end: 0, writes: 0 };
const report: string[] = [];

/** Every repository's `qms_tier` value (null when unset), read over the API. */
async function tiers(sb: RelSandbox): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (let page = 1; ; page++) {
    const res = await api(sb, `/orgs/acme/properties/values?per_page=100&page=${page}`);
    const rows = res.body as { repository_name: string; properties: { property_name: string; value: unknown }[] }[];
    for (const r of rows) out[r.repository_name] = r.properties.find((p) => p.property_name === 'qms_tier')?.value ?? null;
    if (rows.length < 100) return out;
  }
}

function spawnClassify(sb: RelSandbox, dirs: TempDirs) {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, '--api-url', sb.url, '--db', dirs.db, ...CLASSIFY], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...dirs.env, NO_COLOR: '1', GITHUB_TOKEN: 'qms_sandbox_ada' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr, ms: performance.now() - started })),
  );
  return { child, started, done };
}

const isPatch = (e: { method: string; route: string | null }): boolean =>
  e.method === 'PATCH' && e.route === '/orgs/{org}/properties/values';

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  // How long a complete run takes, and when its first PATCH arrives.
  const sb = await startRelSandbox({ state: fixtureCopy(), latencyMs: 10 });
  const dirs = makeTempDirs('qms-rel-props-');
  dirsToClean.push(dirs);
  try {
    const { started, done } = spawnClassify(sb, dirs);
    const exit = await done;
    expect(exit.code, exit.stderr).toBe(0);
    const patches = sb.exchanges.filter(isPatch);
    expect(patches.length).toBeGreaterThanOrEqual(3);
    timing = {
      firstWrite: patches[0]!.at - started,
      lastWrite: patches[patches.length - 1]!.at - started,
      end: exit.ms,
      writes: patches.length,
    };
  } finally {
    await sb.close();
  }
}, 120_000);

afterAll(() => {
  for (const d of dirsToClean) d.cleanup();
  console.log(`[reliability] crash-properties (seed ${SEED}): ${report.join(' | ')}`);
});

interface Outcome {
  label: string;
  killed: boolean;
  patchesBeforeKill: number;
  problems: string[];
}

/** A kill instant: after the spawn (anywhere in a run), or after this run's first PATCH reached GitHub. */
interface Instant {
  anchor: 'spawn' | 'first-write';
  ms: number;
}

async function iteration(killAt: Instant, i: number): Promise<Outcome> {
  const label = `classify #${i} killed ${Math.round(killAt.ms)} ms after the ${killAt.anchor}`;
  const sb = await startRelSandbox({ state: fixtureCopy(), latencyMs: 10 });
  const dirs = makeTempDirs('qms-rel-props-');
  dirsToClean.push(dirs);
  const problems: string[] = [];
  try {
    const original = await tiers(sb);
    const { child, done } = spawnClassify(sb, dirs);
    let patchesAtKill = -1;
    const kill = () => {
      patchesAtKill = sb.exchanges.filter((e) => isPatch(e) && e.status === 204).length;
      child.kill('SIGKILL');
    };
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    if (killAt.anchor === 'spawn') timer = setTimeout(kill, killAt.ms);
    else {
      // Start-up takes longer when several runs share the machine: anchor on the event.
      poll = setInterval(() => {
        if (sb.exchanges.some(isPatch)) {
          clearInterval(poll);
          timer = setTimeout(kill, killAt.ms);
        }
      }, 2);
    }
    const exit = await done;
    clearInterval(poll);
    clearTimeout(timer);
    const killed = exit.signal === 'SIGKILL';
    if (!killed && exit.code !== 0) problems.push(`classify exited ${exit.code}: ${exit.stderr.slice(0, 300)}`);
    // Killed before the store existed: there is nothing to undo either.
    const hadSet = existsSync(dirs.db) && storeFacts(dirs.db).sets.some((s) => s.kind === 'properties');
    const rollback = await qmsOn(sb, dirs)(ROLLBACK);
    // No change set: the kill came before the first intent, so there is nothing to undo.
    if (rollback.code !== (hadSet ? 0 : 2)) problems.push(`rollback exit ${rollback.code}: ${rollback.stderr.slice(0, 400)}`);
    const now = await tiers(sb);
    const differ = Object.keys(original).filter((k) => JSON.stringify(original[k]) !== JSON.stringify(now[k]));
    if (differ.length > 0)
      problems.push(`not restored: ${differ.map((k) => `${k} ${String(original[k])} → ${String(now[k])}`).join(', ')}`);
    const facts = storeFacts(dirs.db);
    if (facts.integrity.join() !== 'ok') problems.push(`integrity_check: ${facts.integrity.join('; ')}`);
    if (!facts.auditOk) problems.push(`audit chain: ${facts.auditReason}`);
    if (facts.lockHeld) problems.push('lock still held');
    const open = facts.sets.filter((s) => s.status === 'planned' || s.status === 'in_progress');
    if (open.length > 0) problems.push(`change sets left open: ${open.map((s) => `${s.id} ${s.status}`).join(', ')}`);
    // Every value GitHub took has its before-value on record.
    const recorded = new Set(facts.changes.filter((c) => c.kind === 'custom_property').map((c) => c.repo.split('/')[1]));
    for (const e of sb.exchanges.filter((x) => isPatch(x) && x.status === 204)) {
      const names = (e.requestBody as { repository_names?: string[] } | null)?.repository_names ?? [];
      const missing = names.filter((n) => !recorded.has(n));
      if (missing.length > 0) problems.push(`written without a change row: ${missing.join(', ')}`);
    }
    return { label, killed, patchesBeforeKill: killed ? patchesAtKill : -1, problems };
  } catch (err) {
    problems.push(`harness: ${(err as Error).message}`);
    return { label, killed: false, patchesBeforeKill: -1, problems };
  } finally {
    await sb.close();
  }
}

describe(`classify --write-properties, SIGKILL at random instants (seed ${SEED})`, () => {
  it(`${ITERATIONS} kills, each followed by rollback --last: every qms_tier value back as it was, store sound`, async () => {
    const rand = seededRandom(SEED);
    // Two in three inside the write phase (from this run's first PATCH, over the span a whole
    // run's PATCHes take), one in three anywhere from the spawn to the end of a run.
    const instants = Array.from({ length: ITERATIONS }, (): Instant =>
      rand() < 1 / 3
        ? { anchor: 'spawn', ms: rand() * (timing.end + 100) }
        : { anchor: 'first-write', ms: rand() * (timing.lastWrite - timing.firstWrite + 100) },
    );
    const outcomes = await runPool(instants, PARALLEL, iteration);
    const killed = outcomes.filter((o) => o.killed);
    report.push(
      `${outcomes.length} iterations, ${killed.length} killed (${killed.filter((o) => o.patchesBeforeKill === 0).length} before any PATCH, ` +
        `${killed.filter((o) => o.patchesBeforeKill > 0 && o.patchesBeforeKill < timing.writes).length} between PATCHes, ` +
        `${killed.filter((o) => o.patchesBeforeKill >= timing.writes).length} after the last), ${outcomes.length - killed.length} finished first`,
    );
    for (const o of outcomes) expect(o.problems, `${o.label}: ${o.problems.join(' | ')}`).toEqual([]);
    expect(killed.filter((o) => o.patchesBeforeKill > 0).length).toBeGreaterThanOrEqual(Math.ceil(ITERATIONS / 4));
  }, 300_000);
});
