/**
 * Hostile and malformed input (issue 6 §4), through the built binary:
 *
 * - CLI arguments: `--repo`/`--org` with `..`, `/`, `%2F`, shell metacharacters,
 *   10,000-character values, unicode, escapes; ids that are not numbers. Each is a
 *   one-line usage error (exit 2) or a safe answer about a name that is merely unknown
 *   (exit 3, 404) — never a request to a wrong path (the simulator's request log is
 *   checked: no dot segments, no unknown route) and never a shell (a `$(touch …)`
 *   would leave a file in the run's working directory).
 *   NUL cannot be delivered: argv and the environment are C strings (execve); NUL is
 *   tried where it can occur — in API data and in a repository's config file.
 * - API data: GitHub restricts repository names to [A-Za-z0-9._-], but branch names
 *   (git allows any byte but controls, space and ~^:?*[\), rule patterns and the
 *   contents of `.qms/branch-protection.yml` carry unicode, C1 controls, bidi overrides
 *   and formula-looking text. Tables and stderr show no raw ESC/C0/C1/bidi character,
 *   JSON escapes them (and parses back to the exact value), CSV cells cannot start a
 *   formula.
 * - YAML bombs inside a repository's `.qms/branch-protection.yml`: assess reports a
 *   located error finding for that repository, fast, and assesses the others.
 * - Nothing half-written: failing commands leave no output file, no open change set,
 *   no run left `running`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_HINT, ROOT, isBuilt, makeTempDirs, runQms, type QmsRun, type TempDirs } from '../helpers/e2e.js';
import { describeRun, expectSoundStore, FAST, fixtureCopy, qmsOn, runPool, sqlRows, startRelSandbox, type RelSandbox } from './helpers.js';

const sandboxes: RelSandbox[] = [];
const dirsList: TempDirs[] = [];
const tried: Record<string, number> = {};
const count = (kind: string, n = 1) => (tried[kind] = (tried[kind] ?? 0) + n);

beforeAll(() => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
});
afterAll(async () => {
  for (const sb of sandboxes) await sb.close();
  for (const d of dirsList) d.cleanup();
  const total = Object.values(tried).reduce((a, b) => a + b, 0);
  console.log(
    `[reliability] hostile-input: ${total} bad inputs tried — ${Object.entries(tried)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ')}`,
  );
});

function tempDirs(): TempDirs {
  const d = makeTempDirs('qms-rel-hostile-');
  dirsList.push(d);
  return d;
}

/** Raw characters that must never reach a terminal: C0 but \n (and \r\n in CSV), DEL, C1, separators, bidi controls. */
const UNSAFE_TERMINAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_CSV = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function firstUnsafe(text: string, pattern = UNSAFE_TERMINAL): string | null {
  const m = pattern.exec(text);
  if (!m) return null;
  const at = m.index;
  return `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 20))}`;
}

/** RFC 4180 rows (quoted cells with "" escapes, CRLF or LF line ends). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

// ---------------------------------------------------------------------------

// Independent parts (each with its own simulator and stores) run concurrently.
describe.concurrent('hostile and malformed input', () => {
  describe('hostile command-line arguments', () => {
    const LONG = 'x'.repeat(10_000);
    const names: [kind: string, value: string][] = [
      ['traversal', '..'],
      ['traversal', '.'],
      ['traversal', '../etc'],
      ['traversal', '../../../etc/passwd'],
      ['traversal', 'acme/../admin'],
      ['traversal', '..%2F..%2Fadmin'],
      ['traversal', '%2e%2e'],
      ['traversal', '..\\..\\windows'],
      ['slash', '/'],
      ['slash', 'a/b/c'],
      ['slash', 'other-org/repo'],
      ['slash', '%2F'],
      ['slash', 'x%2Fy'],
      ['shell', '$(touch pwned)'],
      ['shell', '`touch pwned`'],
      ['shell', 'x;touch pwned'],
      ['shell', 'x|touch pwned'],
      ['shell', 'x&&touch pwned'],
      ['shell', 'x\'"$HOME'],
      ['shell', '>pwned'],
      ['long', LONG],
      ['unicode', 'ünïcødé'],
      ['unicode', 'repo\u202Egnp.exe'],
      ['control', 'evil\u001b[2Jx'],
      ['control', 'line\nbreak'],
      ['control', 'tab\tx'],
      ['empty', ''],
      ['empty', ' '],
      ['glob', '*'],
      ['glob', 'poc-*'],
      // Well-formed names that do not exist: asked about, at exactly that path.
      ['unknown name', '...'],
      ['unknown name', '-rf'],
      ['unknown name', 'x'.repeat(39)],
    ];
    const ids: [kind: string, value: string][] = [
      ['id', 'abc'],
      ['id', '-1'],
      ['id', '0'],
      ['id', '1.5'],
      ['id', '1e3'],
      ['id', '0x10'],
      ['id', '99999999999999999999999'],
      ['id', '$(touch pwned)'],
      ['id', ''],
      ['id', LONG],
    ];
    let sb: RelSandbox;
    let runs: { label: string; kind: string; value: string; run: QmsRun; cwd: string; mayExist: boolean; spawned: boolean }[] = [];

    beforeAll(async () => {
      sb = await startRelSandbox();
      sandboxes.push(sb);
      const cases: { label: string; kind: string; value: string; args: string[]; mayExist: boolean }[] = [];
      for (const [kind, value] of names) {
        cases.push({ label: `apply --repo`, kind, value, args: ['apply', '--org', 'acme', '--repo', value, '--yes'], mayExist: true });
        cases.push({ label: `assess --org`, kind, value, args: ['assess', '--org', value], mayExist: true });
        cases.push({ label: `assess --repo`, kind, value, args: ['assess', '--org', 'acme', '--repo', value], mayExist: true });
        cases.push({ label: `classify --repo`, kind, value, args: ['classify', '--org', 'acme', '--repo', value], mayExist: true });
        cases.push({ label: `plan --org`, kind, value, args: ['plan', '--org', value], mayExist: true });
        cases.push({ label: `rollback --last --org`, kind, value, args: ['rollback', '--last', '--org', value, '--yes'], mayExist: false });
        cases.push({
          label: `rollback --last --repo`,
          kind,
          value,
          args: ['rollback', '--last', '--repo', value, '--yes'],
          mayExist: false,
        });
        cases.push({ label: `history --org`, kind, value, args: ['history', '--org', value], mayExist: false });
      }
      for (const [kind, value] of ids) {
        cases.push({ label: 'rollback ID', kind, value, args: ['rollback', value, '--yes'], mayExist: false });
        cases.push({ label: 'snapshots show ID', kind, value, args: ['snapshots', 'show', value], mayExist: false });
        cases.push({ label: 'history --limit', kind, value, args: ['history', '--limit', value], mayExist: false });
        cases.push({ label: 'audit export --run', kind, value, args: ['audit', 'export', '--run', value], mayExist: false });
        cases.push({ label: 'audit export --change-set', kind, value, args: ['audit', 'export', '--change-set', value], mayExist: false });
      }
      // Through the binary: every shell-metacharacter case (a shell would run in the
      // child's working directory) and one case of each other kind; the rest through the
      // same program in this process (the binary's dist/cli/main.js, minus a Node start-up).
      const seen = new Set<string>();
      const spawned = (c: (typeof cases)[number]) => {
        if ((c.kind === 'shell' || c.value.includes('touch')) && ['apply --repo', 'assess --org', 'rollback ID'].includes(c.label))
          return true;
        if (seen.has(c.kind)) return false;
        seen.add(c.kind);
        return true;
      };
      const tagged = cases.map((c) => ({ ...c, spawned: spawned(c) }));
      const { main } = (await import(pathToFileURL(path.join(ROOT, 'dist/cli/main.js')).href)) as {
        main: (argv: string[], io: object) => Promise<number>;
      };
      const inProcess = async (argv: string[], env: Record<string, string>, cwd: string): Promise<QmsRun> => {
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        let out = '';
        let err = '';
        stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        const started = Date.now();
        const code = await main(['node', 'qms', ...argv], { stdout, stderr, env, cwd, stdinIsTTY: false });
        return { code, stdout: out, stderr: err, timedOut: false, ms: Date.now() - started };
      };
      const run = async (c: (typeof tagged)[number]) => {
        const cwd = mkdtempSync(path.join(tmpdir(), 'qms-rel-cwd-'));
        // Its own store: mutating runs would otherwise meet each other's lock.
        const dirs = tempDirs();
        const argv = ['--api-url', sb.url, '--db', dirs.db, ...FAST, ...c.args];
        const env = { ...dirs.env, NO_COLOR: '1', GITHUB_TOKEN: 'qms_sandbox_ada' };
        const result = c.spawned ? await runQms(argv, { env, cwd, timeoutMs: 60_000 }) : await inProcess(argv, env, cwd);
        return { label: c.label, kind: c.kind, value: c.value, run: result, cwd, mayExist: c.mayExist, spawned: c.spawned };
      };
      const viaBinary = await runPool(
        tagged.filter((c) => c.spawned),
        6,
        run,
      );
      // One at a time: each in-process run registers its own signal handlers.
      const viaMain = await runPool(
        tagged.filter((c) => !c.spawned),
        1,
        run,
      );
      runs = [...viaBinary, ...viaMain];
      expect(viaBinary.length).toBeGreaterThanOrEqual(20);
      for (const r of runs) count(`cli ${r.kind}`);
    }, 180_000);

    afterAll(() => {
      for (const r of runs) rmSync(r.cwd, { recursive: true, force: true });
    });

    it('every value is a one-line usage error (exit 2), or at most an unknown-name answer (exit 3): no crash, no output, no stack', () => {
      for (const r of runs) {
        const label = `${r.label} ${JSON.stringify(r.value.slice(0, 60))}\n${describeRun(r.run)}`;
        const allowed = r.mayExist ? [2, 3] : [2];
        expect(allowed, label).toContain(r.run.code);
        expect(r.run.stdout, label).toBe('');
        const lines = r.run.stderr.split('\n').filter(Boolean);
        expect(lines[0], label).toMatch(/^qms: /);
        expect(lines.length, label).toBeLessThanOrEqual(2);
        // A 10,000-character value is not echoed whole.
        expect(r.run.stderr.length, label).toBeLessThan(600);
        expect(firstUnsafe(r.run.stderr), label).toBeNull();
        if (r.run.code === 3) expect(r.run.stderr, label).toMatch(/does not exist or this token cannot see it/);
      }
    });

    it('no shell ran: nothing appeared in any working directory', () => {
      for (const r of runs.filter((x) => x.spawned))
        expect(readdirSync(r.cwd), `${r.label} ${JSON.stringify(r.value.slice(0, 60))}`).toEqual([]);
    });

    it('no request went to a wrong path: only known routes, no dot segment, the org and repo exactly as given when valid', () => {
      expect(sb.exchanges.length).toBeGreaterThan(0); // the exit-3 names were asked about
      for (const e of sb.exchanges) {
        expect(e.route, e.path).not.toBeNull();
        const segments = e.path.split('?')[0]!.split('/');
        expect(
          segments.filter((s) => s === '..' || s === '.' || /^%2e/i.test(s)),
          e.path,
        ).toEqual([]);
        const m = /^\/(?:repos|orgs)\/([^/?]+)(?:\/([^/?]+))?/.exec(e.path);
        if (m) {
          expect(m[1], e.path).toMatch(/^[A-Za-z0-9-]{1,39}$/);
          if (m[2] !== undefined && e.path.startsWith('/repos/'))
            expect(decodeURIComponent(m[2]), e.path).toMatch(/^[A-Za-z0-9._-]{1,100}$/);
        }
      }
    });
  });

  // ---------------------------------------------------------------------------

  /** Git allows these in branch names (no control byte, space or ~^:?*[\). */
  const BIDI_BRANCH = 'main\u202Egnp.exe\u009b2J\u200f\u2066x\u2069';
  const FORMULA_BRANCH = '=HYPERLINK("http://evil.example","x")';
  const AT_BRANCH = '@SUM(1+1)';
  /** A repo config value: any text (ESC, BEL, OSC title, C1 CSI, bidi). */
  const EVIL_TIER = '\u001b[2J\u001b]0;pwned\u0007evil\u009b31m\u202e\u200f';

  describe('hostile API data: branch names, rule patterns and config contents with controls, bidi and formulas', () => {
    let sb: RelSandbox;
    let dirs: TempDirs;
    const out: Record<string, QmsRun> = {};
    const REPOS = ['research-notebooks', 'poc-ml-ranking', 'hackathon-2025'];

    beforeAll(async () => {
      const state = fixtureCopy();
      const repo = (n: string) => state.repos.find((r) => r.owner === 'acme' && r.name === n)!;
      const rename = (n: string, to: string) => {
        const r = repo(n);
        const sha = r.branches[r.defaultBranch]!;
        delete r.branches[r.defaultBranch];
        r.branches[to] = sha;
        r.defaultBranch = to;
      };
      rename('research-notebooks', BIDI_BRANCH);
      rename('poc-ml-ranking', FORMULA_BRANCH);
      repo('poc-ml-ranking').branches[AT_BRANCH] = repo('poc-ml-ranking').branches[FORMULA_BRANCH]!;
      repo('hackathon-2025').files['.qms/branch-protection.yml'] =
        `repository:\n  name: hackathon-2025\n  tier: "${EVIL_TIER}"\nstatus_checks:\n  enabled_checks: ["=cmd|' /C calc'!A0", "\u001b[31mred"]\n`;
      sb = await startRelSandbox({ state });
      sandboxes.push(sb);
      dirs = tempDirs();
      const qms = qmsOn(sb, dirs);
      const ASSESS = ['assess', '--org', 'acme', ...REPOS.flatMap((r) => ['--repo', r])];
      // Reads first (concurrently), then the writes and what reads their record.
      const reads = {
        table: qms(ASSESS),
        json: qms(['--json', ...ASSESS]),
        ndjson: qms(['--format', 'ndjson', ...ASSESS]),
        csv: qms(['--format', 'csv', ...ASSESS]),
        markdown: qms(['--format', 'markdown', ...ASSESS]),
        rest: qms(['--json', 'assess', '--reader', 'rest', '--org', 'acme', ...REPOS.flatMap((r) => ['--repo', r])]),
        classify: qms(['classify', '--org', 'acme', ...REPOS.flatMap((r) => ['--repo', r])]),
        plan: qms(['plan', '--org', 'acme', ...REPOS.flatMap((r) => ['--repo', r])]),
      };
      for (const [k, p] of Object.entries(reads)) out[k] = await p;
      out['apply'] = await qms(['apply', '--org', 'acme', '--repo', 'research-notebooks', '--repo', 'poc-ml-ranking', '--yes']);
      out['history'] = await qms(['history']);
      out['snapshots'] = await qms(['snapshots', 'show', '2']);
      out['auditCsv'] = await qms(['--format', 'csv', 'audit', 'export']);
      out['auditNdjson'] = await qms(['--format', 'ndjson', 'audit', 'export']);
      out['rollback'] = await qms(['rollback', '--last', '--yes']);
      count('api data: hostile strings', 5);
    }, 180_000);

    it('every command succeeds on such data', () => {
      const expected: Record<string, number> = {
        table: 1,
        json: 1,
        ndjson: 1,
        csv: 1,
        markdown: 1,
        rest: 1,
        classify: 0,
        plan: 0,
        apply: 0,
        history: 0,
        snapshots: 0,
        auditCsv: 0,
        auditNdjson: 0,
        rollback: 0,
      };
      for (const [k, code] of Object.entries(expected)) expect(out[k]!.code, `${k}\n${describeRun(out[k]!)}`).toBe(code);
      expectSoundStore(dirs.db);
    });

    it('tables, markdown and stderr show no raw ESC, C0, C1 or bidi character — the hostile names are there, escaped', () => {
      for (const k of ['table', 'markdown', 'classify', 'plan', 'apply', 'history', 'snapshots', 'rollback']) {
        expect(firstUnsafe(out[k]!.stdout), `${k} stdout`).toBeNull();
      }
      for (const [k, run] of Object.entries(out)) expect(firstUnsafe(run.stderr), `${k} stderr`).toBeNull();
      expect(out['table']!.stdout).toContain('main\\u202egnp.exe\\u009b2J\\u200f\\u2066x\\u2069');
      expect(out['plan']!.stdout).toContain('main\\u202egnp.exe');
      expect(out['apply']!.stdout).toContain(FORMULA_BRANCH);
      // The config value, shown escaped (a table may wrap it, but not inside the escape).
      expect(out['table']!.stdout).toMatch(/\\u001b\[2J\\u001b\]0;pwned/);
    });

    it('JSON and NDJSON escape them, and parse back to the exact names', () => {
      for (const k of ['json', 'ndjson', 'rest', 'auditNdjson']) expect(firstUnsafe(out[k]!.stdout), k).toBeNull();
      for (const k of ['json', 'rest']) {
        const doc = JSON.parse(out[k]!.stdout) as { findings: { branch: string | null; actual: string }[] };
        const branches = new Set(doc.findings.map((f) => f.branch));
        expect(branches, k).toContain(BIDI_BRANCH);
        expect(branches, k).toContain(FORMULA_BRANCH);
        // The config value, quoted in the finding (as the config checker escapes it).
        expect(
          doc.findings.some((f) => String(f.actual).includes('got "\\u001b[2J\\u001b]0;pwned\\u0007evil')),
          k,
        ).toBe(true);
      }
      const lines = out['ndjson']!.stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { branch: string | null });
      expect(lines.map((l) => l.branch)).toContain(BIDI_BRANCH);
    });

    it('CSV (assess and audit export): no cell can start a formula, no control character, every row well-formed', () => {
      for (const k of ['csv', 'auditCsv']) {
        const text = out[k]!.stdout;
        expect(firstUnsafe(text, UNSAFE_CSV), k).toBeNull();
        const rows = parseCsv(text);
        expect(rows.length, k).toBeGreaterThan(2);
        const width = rows[0]!.length;
        for (const row of rows) {
          expect(row.length, `${k}: ${row.join(',')}`).toBe(width);
          for (const cell of row) expect(cell, k).not.toMatch(/^[=+\-@\t\r]/);
        }
      }
      const cells = parseCsv(out['csv']!.stdout).flat();
      expect(cells).toContain(`'${FORMULA_BRANCH}`);
      expect(
        parseCsv(out['auditCsv']!.stdout)
          .flat()
          .some((c) => c.startsWith(`'=`) || c.includes(`:'=HYPERLINK`) || c.includes(FORMULA_BRANCH)),
      ).toBe(true);
    });
  });

  // ---------------------------------------------------------------------------

  describe('YAML bombs in a repository’s .qms/branch-protection.yml', () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      laughs.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    laughs.push('repository: *i');
    const BOMBS: Record<string, string> = {
      'research-notebooks': `${laughs.join('\n')}\n`, // billion laughs: 9^9 strings
      'poc-ml-ranking': `repository:\n  name: ${'['.repeat(200_000)}\n`, // nesting bomb
      'hackathon-2025': `# ${'x'.repeat(1_100_000)}\nrepository: { tier: experimental }\n`, // over 1 MB
      'internal-tools': `base: &b { tier: standard, name: internal-tools }\n${Array.from({ length: 200 }, (_, i) => `k${i}: { <<: *b }`).join('\n')}\nrepository: *b\n`, // merge-key fan-out
      'crm-sync': `repository:\n  name: crm-sync\n  tier: !!js/function "function(){ return process.exit(1) }"\n`, // unknown tag
      'sales-reporting': `repository:\n  name: sales-reporting\n  tier: business_critical\n  tier: experimental\n\u0000\n`, // duplicate key, NUL
      'mobile-app': `${'k: v\n'.repeat(30_000)}`, // 30,000 duplicate keys
      'design-system': `repository: &r\n  name: design-system\n  self: *r\n`, // alias to its own ancestor
    };
    let run: QmsRun;
    let rest: QmsRun;

    beforeAll(async () => {
      const state = fixtureCopy();
      for (const [name, text] of Object.entries(BOMBS))
        state.repos.find((r) => r.owner === 'acme' && r.name === name)!.files['.qms/branch-protection.yml'] = text;
      const sb = await startRelSandbox({ state });
      sandboxes.push(sb);
      const repos = [...Object.keys(BOMBS), 'identity-service'].flatMap((r) => ['--repo', r]);
      [run, rest] = await Promise.all([
        qmsOn(sb, tempDirs())(['--json', 'assess', '--org', 'acme', ...repos], { timeoutMs: 60_000 }),
        qmsOn(sb, tempDirs())(['--json', 'assess', '--reader', 'rest', '--org', 'acme', ...repos], { timeoutMs: 60_000 }),
      ]);
      count('yaml bombs (x2 readers)', Object.keys(BOMBS).length * 2);
    }, 120_000);

    it('assess finishes promptly and reports a located error finding for each bomb; the other repository is assessed', () => {
      for (const [label, r] of [
        ['batched', run],
        ['rest', rest],
      ] as const) {
        expect(r.code, `${label}\n${describeRun(r)}`).toBe(1);
        expect(r.ms, label).toBeLessThan(30_000);
        const doc = JSON.parse(r.stdout) as {
          repos: { repo: string; status: string }[];
          findings: { repo: string; setting: string; actual: string }[];
        };
        for (const name of Object.keys(BOMBS)) {
          const f = doc.findings.filter((x) => x.repo === `acme/${name}` && x.setting === 'repoConfig');
          expect(f.length, `${label} ${name}`).toBeGreaterThan(0);
          expect(f[0]!.actual, `${label} ${name}`).toMatch(/^\.qms\/branch-protection\.yml(:\d+(:\d+)?)?: /);
          expect(doc.repos.find((x) => x.repo === `acme/${name}`)!.status, `${label} ${name}`).not.toBe('error');
        }
        expect(doc.repos.find((x) => x.repo === 'acme/identity-service')!.status).toBe('assessed');
        expect(r.stdout.length, label).toBeLessThan(200_000); // no bomb expanded into the report
      }
    });
  });

  // ---------------------------------------------------------------------------

  describe('nothing half-written', () => {
    it('a failing audit export leaves no file (nor a temporary one); an existing file is not overwritten without --force', async () => {
      const dirs = tempDirs();
      const sb = await startRelSandbox();
      sandboxes.push(sb);
      expect((await qmsOn(sb, dirs)(['apply', '--org', 'acme', '--repo', 'research-notebooks', '--yes'])).code).toBe(0);
      const outDir = mkdtempSync(path.join(tmpdir(), 'qms-rel-out-'));
      const target = path.join(outDir, 'audit.csv');
      const bad = await runQms(['--db', dirs.db, '--format', 'csv', 'audit', 'export', '--output', target, '--since', 'yesterday-ish'], {
        env: dirs.env,
      });
      expect(bad.code, describeRun(bad)).toBe(2);
      expect(readdirSync(outDir)).toEqual([]);
      const noDir = await runQms(['--db', dirs.db, 'audit', 'export', '--output', path.join(outDir, 'missing', 'x.json')], {
        env: dirs.env,
      });
      expect(noDir.code, describeRun(noDir)).not.toBe(0);
      expect(noDir.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
      expect(readdirSync(outDir)).toEqual([]);
      writeFileSync(target, 'keep me');
      const clash = await runQms(['--db', dirs.db, 'audit', 'export', '--output', target], { env: dirs.env });
      expect(clash.code).toBe(2);
      expect(readFileSync(target, 'utf8')).toBe('keep me');
      expect(readdirSync(outDir)).toEqual(['audit.csv']);
      rmSync(outDir, { recursive: true, force: true });
      count('output files', 3);
    });

    it('commands that fail before or while running leave no open change set and no run marked running', async () => {
      const dirs = tempDirs();
      const sb = await startRelSandbox();
      sandboxes.push(sb);
      const qms = qmsOn(sb, dirs);
      const badConfig = path.join(dirs.root, 'bad.yml');
      writeFileSync(badConfig, 'tiers: [unclosed\n');
      const runs = [
        await qms(['apply', '--org', 'acme', '--repo', 'research-notebooks', '--yes', '--tier', 'platinum']),
        await qms(['--config', badConfig, 'apply', '--org', 'acme', '--repo', 'research-notebooks', '--yes']),
        await qms(['apply', '--org', 'acme', '--repo', 'research-notebooks', '--yes'], { token: 'qms_sandbox_nobody' }),
        await qms(['assess', '--org', 'acme'], { token: 'qms_sandbox_nobody' }),
        await qms(['apply', '--org', 'acme', '--repo', 'no-such-repo', '--yes']),
      ];
      expect(runs.map((r) => r.code)).toEqual([2, 2, 3, 3, 3]);
      count('failing commands', runs.length);
      if (existsSync(dirs.db)) {
        const facts = expectSoundStore(dirs.db);
        expect(facts.sets).toEqual([]);
        expect(sqlRows(dirs.db, `SELECT id, kind, status FROM runs WHERE status = 'running'`)).toEqual([]);
      }
      expect(sb.exchanges.filter((e) => e.method !== 'GET' && e.route !== '/graphql')).toEqual([]);
    });
  });
});
