/**
 * `qms config validate` and `qms init` through the built binary (bin/qms.js ->
 * dist/), as a user or a cron job runs them. Needs `npm run build` first.
 *
 * The bad-input corpus (test/bad-input/configs): every file NAME has a sidecar
 * NAME.expected holding the exact stdout lines `qms config validate NAME` must
 * print (run from that directory); a line written as /.../ is a regular
 * expression. Every corpus file must exit 2. stdout holds only problem lines;
 * stderr only warnings and the summary.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatConfigProblem } from '../../src/core/errors.js';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/qms.js');
const CORPUS = path.join(ROOT, 'test/bad-input/configs');
const EXAMPLES = path.join(ROOT, 'fixtures/examples');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function qms(args: string[], cwd: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], NO_COLOR: '1', CI: '1' };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env, timeout: 30_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const SUMMARY = /^\d+ problems? in \d+ of \d+ files?$/;

function matches(expected: string, actual: string): boolean {
  if (expected.length > 2 && expected.startsWith('/') && expected.endsWith('/')) return new RegExp(expected.slice(1, -1)).test(actual);
  return expected === actual;
}

const corpus = readdirSync(CORPUS)
  .filter((f) => !f.endsWith('.expected') && !f.endsWith('.md'))
  .sort();

let tmp: string;
beforeAll(() => {
  expect(existsSync(path.join(ROOT, 'dist/cli/main.js')), 'run `npm run build` before the e2e tests').toBe(true);
  tmp = mkdtempSync(path.join(tmpdir(), 'qms-config-e2e-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('bad-input corpus: qms config validate FILE', () => {
  it('has at least 20 files, each with an expected-error sidecar', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    for (const f of corpus) expect(existsSync(path.join(CORPUS, `${f}.expected`)), `${f}.expected`).toBe(true);
  });

  describe.concurrent('each file is rejected with its located one-line error', () => {
    for (const file of corpus) {
      it(file, async () => {
        const expected = lines(readFileSync(path.join(CORPUS, `${file}.expected`), 'utf8'));
        expect(expected.length).toBeGreaterThan(0);
        const run = await qms(['config', 'validate', file], CORPUS);
        expect(run.code, run.stderr).toBe(2);
        const out = lines(run.stdout);
        expect(out).toHaveLength(expected.length);
        out.forEach((line, i) => expect(matches(expected[i]!, line), `expected ${expected[i]}\n     got ${line}`).toBe(true));
        // Every problem line names the file first; nothing but warnings and the summary on stderr.
        for (const line of out) expect(line.startsWith(`${file}:`)).toBe(true);
        for (const line of lines(run.stderr)) expect(line.startsWith('warning: ') || SUMMARY.test(line), line).toBe(true);
        expect(lines(run.stderr).some((l) => SUMMARY.test(l))).toBe(true);
      });
    }
  });

  it('--json reports every corpus file with the same problems, one document on stdout', async () => {
    const run = await qms(['--json', 'config', 'validate', ...corpus], CORPUS);
    expect(run.code).toBe(2);
    const doc = JSON.parse(run.stdout) as {
      files: {
        file: string;
        kind: string;
        valid: boolean;
        problems: { file: string; line: number | null; column: number | null; pointer: string | null; message: string }[];
      }[];
    };
    expect(doc.files.map((f) => f.file)).toEqual(corpus);
    for (const f of doc.files) {
      expect(f.valid).toBe(false);
      expect(['policy', 'repo', 'unknown']).toContain(f.kind);
      const expected = lines(readFileSync(path.join(CORPUS, `${f.file}.expected`), 'utf8'));
      // The JSON fields rendered the way the text output does must give the same lines.
      const rendered = f.problems.map((p) =>
        formatConfigProblem({
          file: p.file,
          message: p.message,
          ...(p.line !== null ? { line: p.line } : {}),
          ...(p.column !== null ? { column: p.column } : {}),
          ...(p.pointer !== null ? { pointer: p.pointer } : {}),
        }),
      );
      expect(rendered.length, f.file).toBe(expected.length);
      rendered.forEach((line, i) => expect(matches(expected[i]!, line), `${f.file}: ${line}`).toBe(true));
    }
    // Kinds: by name, and "unknown" for the file that is neither.
    expect(doc.files.find((f) => f.file === 'review-count-9.qms.config.yml')?.kind).toBe('policy');
    expect(doc.files.find((f) => f.file === 'unknown-tier.branch-protection.yml')?.kind).toBe('repo');
    expect(doc.files.find((f) => f.file === 'mystery.yml')?.kind).toBe('unknown');
  });

  it('a file over 1 MB (generated here, not committed) is refused', async () => {
    const big = path.join(tmp, 'huge.qms.config.yml');
    const body = `version: 1\nclassification:\n${'  - {tier: standard, match: {names: ["repo-*"]}}\n'.repeat(25_000)}`;
    writeFileSync(big, body);
    expect(statSync(big).size).toBeGreaterThan(1024 * 1024);
    const run = await qms(['config', 'validate', 'huge.qms.config.yml'], tmp);
    expect(run.code).toBe(2);
    expect(lines(run.stdout)).toEqual([
      `huge.qms.config.yml: the file is ${statSync(big).size} bytes; qms reads config files of at most 1 MB (1048576 bytes)`,
    ]);
  });

  it('--kind forces the kind of a file', async () => {
    const run = await qms(['config', 'validate', '--kind', 'repo', 'mystery.yml'], CORPUS);
    expect(run.code).toBe(2);
    expect(lines(run.stdout)).toEqual([
      'mystery.yml:1:1: missing required key "repository"',
      'mystery.yml:1:1: unknown key "name"',
      'mystery.yml:2:1: unknown key "owner"',
    ]);
    const bad = await qms(['config', 'validate', '--kind', 'yaml', 'mystery.yml'], CORPUS);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('qms: --kind must be "policy" or "repo"; got "yaml"');
  });
});

describe('fixtures/examples', () => {
  const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yml'));

  it('every example validates (exit 0, "ok" per file)', async () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
    const run = await qms(['config', 'validate', ...examples], EXAMPLES);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(lines(run.stdout)).toEqual(examples.map((f) => `ok ${f}`));
  });

  it('the example with an unknown key is rejected', async () => {
    const run = await qms(['config', 'validate', 'invalid/unknown-key.qms.config.yml'], EXAMPLES);
    expect(run.code).toBe(2);
    expect(lines(run.stdout)).toEqual([
      'invalid/unknown-key.qms.config.yml:9:11: tiers.standard.branches[0].protection: unknown key "requierd_reviews" (did you mean "required_reviews"?)',
    ]);
  });

  it('seed §4.1 as written validates with a warning about its merge settings', async () => {
    const run = await qms(['config', 'validate', 'core-payment-system.branch-protection.yml'], EXAMPLES);
    expect(run.code).toBe(0);
    expect(lines(run.stderr)).toEqual([
      "warning: core-payment-system.branch-protection.yml:31:3: merge_restrictions: require_linear_history blocks merge commits, and squash and rebase merging are off: no pull request could be merged; qms keeps the tier's merge methods instead",
      // Its tier is a request the org's evidence could outrank, except the strictest one; the note says which.
      'note: core-payment-system.branch-protection.yml asks for tier mission_critical, ' +
        "the policy's strictest: it applies whatever the org's evidence says",
    ]);
  });
});

describe('qms init', () => {
  it('writes both files, which validate; the policy equals the defaults', async () => {
    const dir = path.join(tmp, 'init-a');
    mkdirSync(dir);
    const run = await qms(['init'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout)).toEqual(['created qms.config.yml', 'created .qms/branch-protection.yml']);
    expect(readdirSync(dir).sort()).toEqual(['.qms', 'qms.config.yml']);
    expect(readdirSync(path.join(dir, '.qms'))).toEqual(['branch-protection.yml']);

    // No arguments: the policy in use (./qms.config.yml) and ./.qms/branch-protection.yml.
    const check = await qms(['--json', 'config', 'validate'], dir);
    expect(check.code).toBe(0);
    const doc = JSON.parse(check.stdout) as { files: { file: string; kind: string; valid: boolean; problems: unknown[] }[] };
    expect(doc.files.map((f) => [f.file, f.kind, f.valid, f.problems.length])).toEqual([
      ['qms.config.yml', 'policy', true, 0],
      ['.qms/branch-protection.yml', 'repo', true, 0],
    ]);
  });

  it('refuses to overwrite without --force (exit 2, files untouched); --force overwrites', async () => {
    const dir = path.join(tmp, 'init-b');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'qms.config.yml'), 'version: 1\n# mine\n');
    const refused = await qms(['init'], dir);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(lines(refused.stderr)).toEqual([
      'qms: qms.config.yml already exists; nothing was written',
      'hint: use --force to overwrite (the old files are replaced, not merged)',
    ]);
    expect(readFileSync(path.join(dir, 'qms.config.yml'), 'utf8')).toBe('version: 1\n# mine\n');
    expect(existsSync(path.join(dir, '.qms'))).toBe(false);

    const forced = await qms(['--json', 'init', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({
      files: [
        { path: 'qms.config.yml', action: 'overwritten' },
        { path: '.qms/branch-protection.yml', action: 'created' },
      ],
    });
    expect(readFileSync(path.join(dir, 'qms.config.yml'), 'utf8')).toMatch(/^# qms policy file/);
    // Atomic writes leave no temporary files behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--dir writes elsewhere; an unwritable target is exit 2 with a message', async () => {
    const run = await qms(['init', '--dir', 'sub/project'], tmp);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual(['created sub/project/qms.config.yml', 'created sub/project/.qms/branch-protection.yml']);
    writeFileSync(path.join(tmp, 'a-file'), 'x');
    const bad = await qms(['init', '--dir', 'a-file/inside'], tmp);
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)[0]).toBe('qms: cannot write a-file/inside/qms.config.yml: ENOTDIR');
  });
});

describe('qms config validate without a policy file', () => {
  it('reports the built-in defaults as ok', async () => {
    const dir = path.join(tmp, 'empty');
    mkdirSync(dir);
    const run = await qms(['config', 'validate'], dir);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual(['ok (built-in defaults)']);
  });

  it('repo configs are checked against the policy given with --config', async () => {
    const dir = path.join(tmp, 'custom');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'tiers.yml'), 'version: 1\ntiers:\n  gold:\n    description: g\n    rank: 99\n    branches: []\n');
    writeFileSync(path.join(dir, 'gold.branch-protection.yml'), 'repository: {tier: gold}\n');
    const withPolicy = await qms(['--config', 'tiers.yml', 'config', 'validate', 'gold.branch-protection.yml'], dir);
    expect(withPolicy.code).toBe(0);
    const without = await qms(['config', 'validate', 'gold.branch-protection.yml'], dir);
    expect(without.code).toBe(2);
    expect(lines(without.stdout)[0]).toMatch(
      /^gold\.branch-protection\.yml:1:20: repository\.tier: tier "gold" does not exist in the policy/,
    );
  });
});
