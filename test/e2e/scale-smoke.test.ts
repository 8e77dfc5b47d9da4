/**
 * The benchmark harness (bench/run.js) on a small organization with no latency,
 * so it cannot rot between benchmark runs: every scenario runs, the results file
 * has the shape bench/README.md is generated from, and the numbers hang
 * together. `npm run bench` itself (1,000 and 10,000 repositories) is not part
 * of `npm test`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_HINT, isBuilt } from '../helpers/e2e.js';

interface Requests {
  total: number;
  restGet: number;
  writes: number;
  graphqlQueries: number;
  graphqlPoints: number;
}
interface Scenario {
  requests: Requests;
  wallMs: number;
  peakRssMb: number | null;
}
interface Results {
  rssMethod: string;
  sizes: {
    repos: number;
    scenarios: {
      assess: Scenario & { repos: number; findings: number };
      baseline: Scenario & { repos: number };
      apply1: Scenario;
      apply2: Scenario;
      rollback: Scenario;
    };
  }[];
  pacing: Scenario & { secondaryLimited: number };
  audit: { events: number; exported: number; peakRssMb: number | null };
  help: { runs: number; medianMs: number };
  targets: { target: string; pass: boolean }[];
}

let dir: string;
let results: Results;
let table: string;

beforeAll(async () => {
  if (!isBuilt()) throw new Error(BUILD_HINT);
  dir = mkdtempSync(path.join(tmpdir(), 'qms-bench-smoke-'));
  const { runBench } = await import('../../bench/run.js');
  await runBench([
    '--repos',
    '200',
    '--latency',
    '0',
    '--apply-repos',
    '2',
    '--pacing-repos',
    '3',
    '--audit-events',
    '3000',
    '--help-runs',
    '2',
    '--out',
    path.join(dir, 'latest.json'),
    '--readme',
    path.join(dir, 'README.md'),
    '--quiet',
  ]);
  results = JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')) as Results;
  table = readFileSync(path.join(dir, 'README.md'), 'utf8');
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bench/run.js on 200 repositories', () => {
  it('assess reads the whole org in a handful of batched requests, far fewer than the baseline', () => {
    const { assess, baseline } = results.sizes[0]!.scenarios;
    expect(assess.repos).toBe(200);
    expect(baseline.repos).toBe(200);
    expect(assess.findings).toBeGreaterThan(0);
    expect(baseline.requests.total).toBe(202); // 2 listing pages + 200 protection GETs
    expect(assess.requests.total).toBeLessThan(20);
    expect(assess.requests.graphqlPoints).toBeGreaterThan(0);
    if (results.rssMethod !== 'none') expect(assess.peakRssMb).toBeGreaterThan(20);
  });

  it('apply writes, the second apply writes nothing, rollback undoes the first', () => {
    const { apply1, apply2, rollback } = results.sizes[0]!.scenarios;
    expect(apply1.requests.writes).toBeGreaterThan(0);
    expect(apply2.requests.writes).toBe(0);
    expect(rollback.requests.writes).toBe(apply1.requests.writes);
  });

  it('pacing, audit export and --help are measured', () => {
    expect(results.pacing.requests.writes).toBeGreaterThan(0);
    expect(results.pacing.secondaryLimited).toBe(0);
    expect(results.audit.exported).toBe(results.audit.events);
    expect(results.audit.events).toBeGreaterThanOrEqual(3000);
    expect(results.help.runs).toBe(2);
    expect(results.help.medianMs).toBeGreaterThan(0);
  });

  it('writes the markdown table with every scenario and the targets that apply', () => {
    for (const row of [
      '| assess | 200 |',
      '| baseline (seed script) | 200 |',
      '| apply (second) | 200 |',
      '| rollback --last | 200 |',
      '| audit export |',
      '| --help |',
    ]) {
      expect(table).toContain(row);
    }
    expect(table).toContain('node bench/run.js --repos 200');
    expect(results.targets.map((t) => t.target)).toEqual(
      expect.arrayContaining(['second apply (200): 0 writes', 'apply at the default pace: 0 secondary-limit answers']),
    );
  });
});
