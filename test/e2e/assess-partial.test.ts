/**
 * Issue 11 items 1 and 4 through the built binary, against the simulator (GitHub's
 * contract checked on every exchange):
 * - unknown is never compliant: a token that cannot read classic protection makes
 *   assess partial (exit 4) with one stderr line saying how many repositories and
 *   which permission is missing; the summary counts partition the repositories in
 *   every format; `auth status --org` warns beforehand; classify says the same kind
 *   of line when it cannot read repositories;
 * - a repository cannot lower its own tier: a `.qms/branch-protection.yml` pushed by
 *   a maintainer asking for `experimental` on a payments repository does not apply,
 *   and is a finding; `config validate` on the file alone says what it cannot know.
 *
 * The runs are independent, so they start together in beforeAll.
 */
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { BUILD_HINT, isBuilt, makeTempDirs, runQms, type QmsRun, type TempDirs } from '../helpers/e2e.js';

const require = createRequire(import.meta.url);
const schema = require('../../schemas/assess-output.schema.json') as object;

interface TierRow {
  tier: string;
  repos: number;
  assessed: number;
  compliant: number;
  with_gaps: number;
  unknown: number;
  not_applicable: number;
  skipped: number;
  errors: number;
  findings: Record<string, number>;
  findings_not_fully_assessed: Record<string, number>;
}
interface AssessDoc {
  run_id: number;
  repos: {
    repo: string;
    tier: string;
    status: string;
    compliant: boolean;
    classification: { evidence: { kind: string; detail: string } | null; reason: string; overruled: Record<string, unknown> | null };
  }[];
  findings: { repo: string; setting: string; expected: unknown; actual: unknown; severity: string; message: string; repo_status: string }[];
  summary: {
    repos: number;
    compliant: number;
    failing: number;
    by_status: Record<string, number>;
    not_fully_assessed: { repos: number; causes: { cause: string; needs: string; repos: string[] }[] };
    tiers: TierRow[];
    exit_code: number;
  };
}

const token = (login: string) => `qms_sandbox_${login}`;
const NEEDS_ADMIN = 'classic branch protection needs admin (administration: read) — run with a token that administers them';
/** A repo config asking a payments repository (mission_critical by policy rule 1) to be experimental. */
const LOWERING = 'repository:\n  name: payments-ledger\n  tier: experimental\n';

let sb: TestSandbox;
/** payments-ledger carries a repo config asking for experimental (pushed by max, who maintains it). */
let lowered: TestSandbox;
/** sales-reporting cannot be read (500 on every properties read). */
let faulty: TestSandbox;
let dirs: TempDirs;
const runs: Record<string, QmsRun> = {};

function qms(server: TestSandbox, args: string[], login: string) {
  return runQms(['--api-url', server.url, '--write-interval', '0', '--db', dirs.db, ...args], {
    env: { ...dirs.env, NO_COLOR: '1', COLUMNS: '80', GITHUB_TOKEN: token(login) },
    timeoutMs: 90_000,
  });
}

function doc(name: string): AssessDoc {
  const run = runs[name]!;
  try {
    return JSON.parse(run.stdout) as AssessDoc;
  } catch {
    throw new Error(`run ${name} printed no JSON (exit ${run.code}):\n${run.stderr}`);
  }
}

/** The `qms:` lines of a run's stderr (the partial line is one of them). */
const qmsLines = (name: string) => runs[name]!.stderr.split('\n').filter((l) => l.startsWith('qms:'));

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  const mod = addFormatsModule as unknown as { default?: (a: Ajv2020) => void };
  const addFormats = mod.default ?? (addFormatsModule as unknown as (a: Ajv2020) => void);
  addFormats(ajv);
  return ajv.compile(schema);
}

/** Every repository counts once per tier. */
function expectPartition(t: TierRow) {
  expect(t.compliant + t.with_gaps + t.unknown + t.not_applicable + t.skipped + t.errors, t.tier).toBe(t.repos);
  expect(t.compliant + t.with_gaps, t.tier).toBe(t.assessed);
}

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  [sb, lowered, faulty] = await Promise.all([startTestSandbox(), startTestSandbox(), startTestSandbox()]);
  dirs = makeTempDirs('qms-assess-partial-');
  faulty.sandbox.faults.add({
    route: '/repos/{owner}/{repo}/properties/values',
    pathIncludes: '/repos/acme/sales-reporting/',
    kind: 'status',
    status: 500,
    times: 0,
  });
  // A maintainer (push access, not admin) declares the payments repository experimental.
  const put = await lowered.api('/repos/acme/payments-ledger/contents/.qms/branch-protection.yml', {
    as: 'max',
    method: 'PUT',
    body: { message: 'qms: we are experimental now', content: Buffer.from(LOWERING).toString('base64') },
  });
  expect(put.status, put.text).toBe(201);
  const repoFile = path.join(dirs.root, 'branch-protection.yml');
  writeFileSync(repoFile, LOWERING);

  const jobs: Record<string, Promise<QmsRun>> = {
    ritaTier: qms(sb, ['--json', 'assess', '--org', 'acme', '--tier', 'mission_critical'], 'rita'),
    ritaTierTable: qms(sb, ['assess', '--org', 'acme', '--tier', 'mission_critical'], 'rita'),
    ritaAll: qms(sb, ['assess', '--org', 'acme'], 'rita'),
    ritaCsv: qms(sb, ['--format', 'csv', 'assess', '--org', 'acme', '--repo', 'broken-config,payments-ledger'], 'rita'),
    ritaNdjson: qms(sb, ['--format', 'ndjson', 'assess', '--org', 'acme', '--repo', 'broken-config'], 'rita'),
    ritaMarkdown: qms(sb, ['--format', 'markdown', 'assess', '--org', 'acme', '--tier', 'mission_critical'], 'rita'),
    maxLedger: qms(sb, ['assess', '--org', 'acme', '--repo', 'payments-ledger'], 'max'),
    maxQuiet: qms(sb, ['--quiet', 'assess', '--org', 'acme', '--repo', 'payments-ledger'], 'max'),
    adaTier: qms(sb, ['--json', 'assess', '--org', 'acme', '--tier', 'mission_critical'], 'ada'),
    authAda: qms(sb, ['auth', 'status', '--org', 'acme'], 'ada'),
    authMax: qms(sb, ['--json', 'auth', 'status', '--org', 'acme'], 'max'),
    authRita: qms(sb, ['auth', 'status', '--org', 'acme'], 'rita'),
    classifyFailing: qms(faulty, ['classify', '--org', 'acme', '--repo', 'internal-tools,crm-sync,sales-reporting'], 'ada'),
    loweredAssess: qms(lowered, ['--json', 'assess', '--org', 'acme', '--repo', 'payments-ledger'], 'ada'),
    loweredClassify: qms(lowered, ['--json', 'classify', '--org', 'acme', '--repo', 'payments-ledger'], 'ada'),
    validate: qms(sb, ['config', 'validate', repoFile], 'ada'),
    validateJson: qms(sb, ['--json', 'config', 'validate', repoFile], 'ada'),
  };
  const names = Object.keys(jobs);
  const done = await Promise.all(Object.values(jobs));
  names.forEach((n, i) => (runs[n] = done[i]!));
}, 180_000);

afterAll(async () => {
  try {
    sb?.assertContract();
    lowered?.assertContract();
    faulty?.assertContract();
  } finally {
    await Promise.all([sb?.close(), lowered?.close(), faulty?.close()]);
    dirs?.cleanup();
  }
});

describe('unknown is never compliant (issue 11 item 1)', () => {
  it('rita (read-only) on the mission-critical tier: exit 4 and one line naming how many and the missing permission', () => {
    const run = runs['ritaTier']!;
    expect(run.code, run.stderr).toBe(4);
    expect(qmsLines('ritaTier')).toEqual([`qms: 6 of 6 repositories could not be fully assessed: ${NEEDS_ADMIN}`]);
    const d = doc('ritaTier');
    expect(validator()(d)).toBe(true);
    expect(d.repos.map((r) => r.status)).toEqual(Array(6).fill('unknown'));
    expect(d.summary).toMatchObject({ compliant: 0, exit_code: 4, not_fully_assessed: { repos: 6 } });
    expect(d.summary.not_fully_assessed.causes).toEqual([
      { cause: 'needs-admin', needs: 'classic branch protection needs admin (administration: read)', repos: d.repos.map((r) => r.repo) },
    ]);
    // The tier row does not show a gap count that implies it was assessed.
    const [mc] = d.summary.tiers;
    expect(mc).toMatchObject({ tier: 'mission_critical', repos: 6, assessed: 0, compliant: 0, with_gaps: 0, unknown: 6 });
    expectPartition(mc!);
    // What could be seen (repo config problems) is still listed, marked as from a repository not fully assessed.
    for (const f of d.findings) expect(f.repo_status).toBe('unknown');
    const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    expect(total(mc!.findings_not_fully_assessed)).toBe(d.findings.length);
    const db = new Database(dirs.db, { readonly: true, fileMustExist: true });
    try {
      expect((db.prepare('SELECT status FROM runs WHERE id = ?').get(d.run_id) as { status: string }).status).toBe('partial');
    } finally {
      db.close();
    }
  });

  it('the table says it too: the totals line and a tier row whose counts add up', () => {
    const run = runs['ritaTierTable']!;
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/^6 repositories \(6 not fully assessed: unknown, not compliant\), \d+ findings?: /m);
    expect(run.stdout).toMatch(/^mission_critical +6 +0 +0 +6 +0 +0 +0$/m);
    expect(run.stdout.split('\n').filter((l) => [...l].length > 80)).toEqual([]);
  });

  it('the whole org as rita: exit 4 outranks 1, and the line says both', () => {
    const run = runs['ritaAll']!;
    expect(run.code).toBe(4);
    const lines = qmsLines('ritaAll');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^qms: 27 of 30 repositories could not be fully assessed: ${NEEDS_ADMIN.replace(/[()]/g, '\\$&')}; ` +
          'also \\d+ findings? at or above --fail-on high \\(exit 4 outranks 1\\)$',
      ),
    );
    expect(run.stderr).not.toMatch(/^warning:/m);
  });

  it('csv, ndjson and markdown mark findings of a repository that was not fully assessed', () => {
    const csv = runs['ritaCsv']!;
    expect(csv.code).toBe(4);
    const rows = csv.stdout.trim().split(/\r?\n/);
    expect(rows[0]).toBe('repo,branch,tier,severity,setting,expected,actual,message,source,repo_status');
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows.slice(1)) expect(row.endsWith(',unknown')).toBe(true);

    const nd = runs['ritaNdjson']!.stdout.split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { repo_status: string });
    expect(nd.length).toBeGreaterThan(0);
    expect(new Set(nd.map((f) => f.repo_status))).toEqual(new Set(['unknown']));

    const md = runs['ritaMarkdown']!;
    expect(md.code).toBe(4);
    const header = '| repo | branch | tier | severity | setting | expected | actual | message | source | repo\\_status |';
    expect(md.stdout.split('\n')[0]).toBe(header);
    expect(md.stdout).toContain('**Not fully assessed: 6 of 6 repositories** (exit 4; unknown is never compliant)');
    expect(md.stdout).toMatch(/^\| acme\/payments-ledger \| classic branch protection needs admin \(administration: read\) \|$/m);
  });

  it('max (maintainer) on payments-ledger: exit 4, not 0 or 1, with the line — also under --quiet', () => {
    for (const name of ['maxLedger', 'maxQuiet']) {
      expect(runs[name]!.code, runs[name]!.stderr).toBe(4);
      expect(qmsLines(name)).toEqual([`qms: 1 of 1 repository could not be fully assessed: ${NEEDS_ADMIN}`]);
    }
    expect(runs['maxQuiet']!.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('ada (owner) sees everything: exit 1 from findings, no partial line, the counts still add up', () => {
    const run = runs['adaTier']!;
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).not.toMatch(/could not be fully assessed/);
    const d = doc('adaTier');
    expect(validator()(d)).toBe(true);
    expect(d.summary.not_fully_assessed).toEqual({ repos: 0, causes: [] });
    for (const t of d.summary.tiers) expectPartition(t);
    for (const f of d.findings) expect(f.repo_status).toBe('assessed');
  });
});

describe('auth status --org warns when the token cannot administer the repositories', () => {
  it('an owner administers every repository: no warning', () => {
    const run = runs['authAda']!;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^organization acme: owner, administers all \d+ repositories$/m);
    expect(run.stderr).toBe('');
  });

  it('a maintainer and a read-only member: a warning that says how many and what assess will do', () => {
    const max = runs['authMax']!;
    expect(max.code, max.stderr).toBe(0);
    expect(JSON.parse(max.stdout).org).toMatchObject({ org: 'acme', owner: false, administered: 3, repositories: 28 });
    const warning = max.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toContain('warning: this token administers 3 of the 28 repositories of acme it can see (not an org owner): ');
    expect(warning[0]).toContain('classic branch protection of the other 25 cannot be read');
    expect(warning[0]).toMatch(/assess reports them unknown and exits 4$/);
    const rita = runs['authRita']!;
    expect(rita.code).toBe(0);
    expect(rita.stdout).toMatch(/^organization acme: administers 0 of 28 repositories$/m);
    expect(rita.stderr).toMatch(/^warning: this token administers 0 of the 28 repositories/m);
  });
});

describe('classify that cannot read a repository says the same kind of line', () => {
  it('exit 4 and one line naming how many and why', () => {
    const run = runs['classifyFailing']!;
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/^warning: acme\/sales-reporting: /m);
    expect(qmsLines('classifyFailing')).toEqual([
      'qms: 1 of 3 repositories could not be classified: reading them failed (see the warnings above) — run again',
    ]);
  });
});

describe('a repository cannot lower its own tier (issue 11 item 4)', () => {
  it('payments-ledger asking for experimental stays mission_critical, with the reason, and the request is a high finding', () => {
    const run = runs['loweredAssess']!;
    expect(run.code, run.stderr).toBe(1);
    const d = doc('loweredAssess');
    expect(validator()(d)).toBe(true);
    const [r] = d.repos;
    expect(r).toMatchObject({ repo: 'acme/payments-ledger', tier: 'mission_critical', status: 'assessed' });
    expect(r!.classification.evidence).toEqual({ kind: 'policy-rule', detail: 'rule 1: financial/payment systems (seed §2.1.1)' });
    expect(r!.classification.reason).toBe(
      'The repo config .qms/branch-protection.yml asks for experimental; ' +
        'org evidence (policy rule 1: financial/payment systems (seed §2.1.1)) ' +
        'says mission_critical: the higher tier applies.',
    );
    expect(r!.classification.overruled).toEqual({
      kind: 'repo-config',
      detail: '.qms/branch-protection.yml',
      tier: 'experimental',
      org_tier: 'mission_critical',
      org_evidence: { kind: 'policy-rule', detail: 'rule 1: financial/payment systems (seed §2.1.1)' },
    });
    expect(d.findings.find((f) => f.setting === 'repoConfig.repository.tier')).toMatchObject({
      expected: 'mission_critical',
      actual: 'experimental',
      severity: 'high',
    });
    // The mission-critical floor is what the branch is judged against (critical gaps, not experimental's medium cap).
    expect(d.findings.some((f) => f.setting === 'requiredReviews' && f.severity === 'critical')).toBe(true);
  });

  it('classify gives the same tier and reason', () => {
    const run = runs['loweredClassify']!;
    expect(run.code, run.stderr).toBe(0);
    const d = JSON.parse(run.stdout) as { repos: { tier: string; evidence: { kind: string }; reason: string }[] };
    expect(d.repos[0]).toMatchObject({ tier: 'mission_critical', evidence: { kind: 'policy-rule' } });
    const reason = d.repos[0]!.reason;
    expect(reason).toMatch(/asks for experimental; org evidence \(policy rule 1: .*\) says mission_critical: /);
    expect(reason).toMatch(/: the higher tier applies\.$/);
  });

  it('config validate on the file alone: valid, but says the tier will not apply and what it cannot see', () => {
    const run = runs['validate']!;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^ok .*branch-protection\.yml$/);
    const warning = run.stderr.split('\n').find((l) => l.startsWith('warning:')) ?? '';
    expect(warning).toMatch(/^warning: .*branch-protection\.yml:3:9: repository\.tier: policy rule 1 /);
    expect(warning).toContain('(financial/payment systems (seed §2.1.1)) puts "payments-ledger" in tier mission_critical: ');
    expect(warning).toContain('"experimental" will not apply');
    const note = run.stderr.split('\n').find((l) => l.startsWith('note:')) ?? '';
    expect(note).toContain('asks for tier experimental; a repository may raise its tier, not lower it, ');
    expect(note).toContain('which this check cannot see');
    type ValidateDoc = { files: { valid: boolean; notes: string[]; warnings: { pointer: string }[] }[] };
    const json = JSON.parse(runs['validateJson']!.stdout) as ValidateDoc;
    expect(json.files[0]).toMatchObject({ valid: true, warnings: [{ pointer: '/repository/tier' }] });
    expect(json.files[0]!.notes).toHaveLength(1);
  });
});
