/**
 * `qms assess --resume` after the run was killed half-way (issue 5): the built
 * binary reads a generated 3,000-repository org through the batched reader,
 * checkpointing every 1,000 repositories in SQLite. It is killed (SIGKILL, and
 * in a second case SIGINT) as soon as the first window is committed; the resumed
 * run must report exactly the findings of an uninterrupted run and send fewer
 * requests than it, because it does not read the checkpointed repositories again.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrg, startSandbox, type Sandbox } from '@qms/github-sim';
import { BIN, BUILD_HINT, ROOT, isBuilt, makeTempDirs, runQms, type TempDirs } from '../helpers/e2e.js';

const ORG = 'killco';
const TOKEN = 'qms_sandbox_ada';
let sb: Sandbox;
const dirs: TempDirs[] = [];
let baseline: { doc: AssessDoc; requests: number };

interface AssessDoc {
  findings: unknown[];
  repos: { repo: string }[];
  summary: unknown;
}

function tempDirs(): TempDirs {
  const d = makeTempDirs('qms-scale-resume-');
  dirs.push(d);
  return d;
}

const assessArgs = (d: TempDirs, ...extra: string[]) => [
  '--api-url',
  sb.url,
  '--db',
  d.db,
  '--json',
  'assess',
  '--org',
  ORG,
  '--fail-on',
  'none',
  ...extra,
];

async function assess(d: TempDirs, ...extra: string[]) {
  sb.stats.reset();
  const run = await runQms(assessArgs(d, ...extra), { env: { ...d.env, GITHUB_TOKEN: TOKEN }, timeoutMs: 120_000 });
  return { run, requests: sb.stats.snapshot().total };
}

/** Run assess and stop it with `signal` once the first window of repositories is checkpointed. */
async function assessUntilFirstCheckpoint(
  d: TempDirs,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; checkpointed: number }> {
  const child = spawn(process.execPath, [BIN, ...assessArgs(d)], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...d.env, NO_COLOR: '1', GITHUB_TOKEN: TOKEN },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, sig) => resolve({ code, signal: sig })),
  );
  let checkpointed = 0;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (existsSync(d.db)) {
      try {
        const db = new Database(d.db, { readonly: true, fileMustExist: true });
        try {
          checkpointed = (db.prepare(`SELECT COUNT(*) AS n FROM checkpoints WHERE status = 'read'`).get() as { n: number }).n;
        } finally {
          db.close();
        }
      } catch {
        // the schema is being created
      }
    }
    if (checkpointed > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill(signal);
  const end = await closed;
  return { ...end, stderr, checkpointed };
}

function parse(stdout: string): AssessDoc {
  return JSON.parse(stdout) as AssessDoc;
}

beforeAll(async () => {
  if (!isBuilt()) throw new Error(BUILD_HINT);
  // Latency gives the kill a window between checkpoints; the limits are not what is tested.
  sb = await startSandbox({
    state: generateOrg({ login: ORG, repos: 3000, seed: 9 }),
    latencyMs: 15,
    rateLimit: { core: 1e6, graphql: 1e6 },
  });
  const { run, requests } = await assess(tempDirs());
  expect(run.code, run.stderr).toBe(0);
  baseline = { doc: parse(run.stdout), requests };
}, 120_000);

afterAll(async () => {
  await sb?.close();
  for (const d of dirs) d.cleanup();
});

describe.each(['SIGKILL', 'SIGINT'] as const)('assess stopped by %s after its first checkpoint, then --resume', (signal) => {
  let stopped: Awaited<ReturnType<typeof assessUntilFirstCheckpoint>>;
  let resumed: Awaited<ReturnType<typeof assess>>;
  let d: TempDirs;

  beforeAll(async () => {
    d = tempDirs();
    stopped = await assessUntilFirstCheckpoint(d, signal);
    resumed = await assess(d, '--resume');
  }, 180_000);

  it('was stopped half-way, with a window of repositories committed', () => {
    if (signal === 'SIGKILL') expect(stopped.signal).toBe('SIGKILL');
    else expect(stopped.code).toBe(130);
    expect(stopped.checkpointed).toBeGreaterThanOrEqual(1000);
    expect(stopped.checkpointed).toBeLessThan(3000);
  });

  it('the resumed run reports exactly the findings of an uninterrupted run', () => {
    expect(resumed.run.code, resumed.run.stderr).toBe(0);
    expect(resumed.run.stderr).toMatch(/--resume: continuing run 1 \((interrupted|failed), \d+ repositories already read\)/);
    const doc = parse(resumed.run.stdout);
    expect(doc.repos).toHaveLength(3000);
    expect(doc.findings.length).toBeGreaterThan(1000);
    expect(doc.findings).toEqual(baseline.doc.findings);
    expect(doc.repos).toEqual(baseline.doc.repos);
    expect(doc.summary).toEqual(baseline.doc.summary);
  });

  it('with fewer requests than the uninterrupted run, and no checkpoint left behind', () => {
    console.info(
      `${signal}: stopped after ${stopped.checkpointed} repositories were checkpointed; resumed run ${resumed.requests} requests, uninterrupted run ${baseline.requests}`,
    );
    expect(resumed.requests).toBeLessThan(baseline.requests);
    const db = new Database(d.db, { readonly: true });
    try {
      expect((db.prepare('SELECT COUNT(*) AS n FROM checkpoints').get() as { n: number }).n).toBe(0);
      const runs = db.prepare(`SELECT id, status FROM runs WHERE kind = 'assess' ORDER BY id`).all() as { id: number; status: string }[];
      expect(runs.map((r) => r.status)).toEqual(['interrupted', 'succeeded']);
    } finally {
      db.close();
    }
  });
});
