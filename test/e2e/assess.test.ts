/**
 * `qms assess` through the built binary against the simulator (started here, in
 * the test process, with GitHub's contract checked on every exchange), checked
 * case by case against packages/github-sim/README.md ("Repositories and the case
 * each covers").
 *
 * The runs are independent, so they start together in beforeAll and the tests
 * read their results: most of a run's time is waiting (GraphQL requests are paced
 * at one per second by the gateway), not CPU.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FindingRecord } from '../../src/output/assess-view.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { BUILD_HINT, isBuilt, makeTempDirs, runQms, type QmsRun, type TempDirs } from '../helpers/e2e.js';

const require = createRequire(import.meta.url);
const schema = require('../../schemas/assess-output.schema.json') as object;

/** One finding as the JSON and NDJSON outputs write it (the schema test checks the shape). */
type FindingDoc = FindingRecord;
interface RepoDoc {
  repo: string;
  tier: string | null;
  status: string;
  reason: string;
  level: string;
  access: string;
  compliant: boolean;
  classification: { status: string; evidence: { kind: string; detail: string } | null; reason: string };
  findings: { critical: number; high: number; medium: number; low: number; total: number };
  branches: { target: string; branch: string; state: string; reason: string | null }[];
  patterns: {
    target: string;
    existing_branches: string[];
    future_covered: boolean | null;
    covering_rules: string[];
    reason: string | null;
  }[];
  notes: string[];
}
interface AssessDoc {
  run_id: number;
  org: string;
  repos: RepoDoc[];
  findings: FindingDoc[];
  summary: {
    repos: number;
    by_status: Record<string, number>;
    findings: Record<string, number>;
    failed_repos: string[];
    exit_code: number;
  };
}

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  const addFormats =
    (addFormatsModule as unknown as { default?: (a: Ajv2020) => void }).default ?? (addFormatsModule as unknown as (a: Ajv2020) => void);
  addFormats(ajv);
  return ajv.compile(schema);
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const token = (login: string) => `qms_sandbox_${login}`;

let sb: TestSandbox;
let dirs: TempDirs;
const runs: Record<string, QmsRun> = {};
/** A second simulator for the fault-injection run (its faults must not reach the other runs). */
let faulty: TestSandbox;
let faultyDirs: TempDirs;

/** `--write-interval 0`: the local simulator has no secondary limits, so GraphQL need not be paced at 1/s. */
function qms(args: string[], login: string | null = 'ada', extraEnv: Record<string, string> = {}) {
  return runQms(['--api-url', sb.url, '--write-interval', '0', '--db', dirs.db, ...args], {
    env: { ...dirs.env, NO_COLOR: '1', ...(login ? { GITHUB_TOKEN: token(login) } : {}), ...extraEnv },
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
const repoOf = (d: AssessDoc, name: string) => {
  const r = d.repos.find((x) => x.repo === name);
  if (!r) throw new Error(`${name} not in the report`);
  return r;
};
const findingsOf = (d: AssessDoc, name: string, branch?: string | null) =>
  d.findings.filter((f) => f.repo === name && (branch === undefined || f.branch === branch));

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  sb = await startTestSandbox();
  dirs = makeTempDirs('qms-assess-e2e-');
  const sandboxHome = makeTempDirs('qms-assess-sandbox-');
  faulty = await startTestSandbox();
  faultyDirs = makeTempDirs('qms-assess-e2e-500-');
  // Every read of sales-reporting's custom properties answers 500, retries included:
  // a permanent failure of one repository while the others answer normally (both
  // readers read named repositories' properties per repository).
  faulty.sandbox.faults.add({
    route: '/repos/{owner}/{repo}/properties/values',
    pathIncludes: '/repos/acme/sales-reporting/',
    kind: 'status',
    status: 500,
    times: 0,
  });
  const jobs: Record<string, Promise<QmsRun>> = {
    failing: runQms(
      [
        '--api-url',
        faulty.url,
        '--db',
        faultyDirs.db,
        '--json',
        'assess',
        '--org',
        'acme',
        '--repo',
        'internal-tools',
        '--repo',
        'crm-sync',
        '--repo',
        'sales-reporting',
      ],
      { env: { ...faultyDirs.env, GITHUB_TOKEN: token('ada') }, timeoutMs: 90_000 },
    ),
    ada: qms(['--json', 'assess', '--org', 'acme']),
    rita: qms(['--json', 'assess', '--org', 'acme'], 'rita'),
    eve: qms(['--json', 'assess', '--org', 'acme'], 'eve'),
    max: qms(
      ['--json', 'assess', '--org', 'acme', '--repo', 'web-storefront', '--repo', 'payments-ledger', '--repo', 'payment-gateway'],
      'max',
    ),
    labs: qms(['--json', 'assess', '--org', 'acme-labs']),
    csv: qms([
      '--format',
      'csv',
      'assess',
      '--org',
      'acme',
      '--repo',
      'core-banking-api',
      '--repo',
      'hackathon-2025',
      '--repo',
      'broken-config',
    ]),
    // --repo comma-separated, as plan, apply and rollback take it.
    ndjson: qms(['--format', 'ndjson', 'assess', '--org', 'acme', '--repo', 'core-banking-api,broken-config']),
    markdown: qms(['--format', 'markdown', 'assess', '--org', 'acme', '--repo', 'identity-service']),
    compliant: qms(['assess', '--org', 'acme', '--repo', 'core-payment-system', '--repo', 'qms-testing-sandbox']),
    failOnNone: qms(['--json', 'assess', '--org', 'acme', '--repo', 'payments-ledger', '--fail-on', 'none']),
    failOnCritical: qms(['--json', 'assess', '--org', 'acme', '--repo', 'identity-service', '--fail-on', 'critical']),
    tier: qms(['--json', 'assess', '--org', 'acme', '--tier', 'experimental']),
    badTier: qms(['assess', '--org', 'acme', '--tier', 'platinum']),
    badFailOn: qms(['assess', '--org', 'acme', '--fail-on', 'severe']),
    noOrg: qms(['assess']),
    badRepo: qms(['assess', '--org', 'acme', '--repo', '../etc']),
    badToken: qms(['assess', '--org', 'acme'], 'nobody'),
    noSuchOrg: qms(['assess', '--org', 'no-such-org']),
    // The README's main command: nothing but a temporary HOME (no token, no --db).
    sandbox: runQms(['--sandbox', 'assess', '--org', 'acme'], { env: { HOME: sandboxHome.home, COLUMNS: '80' }, timeoutMs: 90_000 }),
  };
  const names = Object.keys(jobs);
  const done = await Promise.all(Object.values(jobs));
  names.forEach((n, i) => (runs[n] = done[i]!));
  runs['sandboxDbExists'] = {
    code: existsSync(path.join(sandboxHome.home, '.local/state/qms/sandbox/qms.db')) ? 0 : 1,
    stdout: '',
    stderr: '',
    timedOut: false,
    ms: 0,
  };
  sandboxHome.cleanup();
}, 180_000);

afterAll(async () => {
  try {
    sb?.assertContract();
    faulty?.assertContract();
  } finally {
    await sb?.close();
    await faulty?.close();
    dirs?.cleanup();
    faultyDirs?.cleanup();
  }
});

describe('qms assess --json (ada, owner of acme)', () => {
  it('exits 1 (findings at or above high) and prints one document valid against schemas/assess-output.schema.json', () => {
    const run = runs['ada']!;
    expect(run.code, run.stderr).toBe(1);
    const validate = validator();
    const d = doc('ada');
    expect(validate(d), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(d.org).toBe('acme');
    expect(d.summary.exit_code).toBe(1);
    // Every repository of the fixture is listed, in name order.
    expect(d.repos).toHaveLength(30);
    const names = d.repos.map((r) => r.repo);
    expect(names).toEqual([...names].sort());
    expect(d.summary.findings['total']).toBe(d.findings.length);
  });

  it('unprotected: payments-ledger (tier from the payments-* name rule) has no pull request requirement and allows force pushes', () => {
    const d = doc('ada');
    const r = repoOf(d, 'acme/payments-ledger');
    expect(r.tier).toBe('mission_critical');
    expect(r.classification.evidence?.kind).toBe('policy-rule');
    expect(r.status).toBe('assessed');
    expect(r.level).toBe('none');
    const main = findingsOf(d, 'acme/payments-ledger', 'main');
    expect(main.find((f) => f.setting === 'requiredReviews')).toMatchObject({
      severity: 'critical',
      expected: true,
      actual: false,
      source: 'no rule applies',
    });
    expect(main.find((f) => f.setting === 'allowForcePushes')).toMatchObject({ severity: 'critical', expected: false, actual: true });
    expect(main.find((f) => f.setting === 'allowDeletions')).toMatchObject({ expected: false, actual: true });
    // Future release/* and hotfix/* branches start unprotected.
    expect(findingsOf(d, 'acme/payments-ledger', 'release/*').map((f) => f.setting)).toEqual(['coverage']);
  });

  it('partially protected: identity-service requires 1 review of 2 and does not enforce admins', () => {
    const d = doc('ada');
    const main = findingsOf(d, 'acme/identity-service', 'main');
    expect(main.some((f) => f.setting === 'requiredReviews')).toBe(false); // a pull request IS required
    expect(main.find((f) => f.setting === 'requiredReviews.requiredApprovingReviewCount')).toMatchObject({
      expected: 2,
      actual: 1,
      severity: 'high',
    });
    expect(main.find((f) => f.setting === 'enforceAdmins')).toMatchObject({ expected: true, actual: false });
    expect(repoOf(d, 'acme/identity-service').classification.evidence).toEqual({ kind: 'topic', detail: 'qms-tier-mission_critical' });
    // Merge settings differ from the tier's (§4.1): squash allowed, merge commits not.
    expect(
      findingsOf(d, 'acme/identity-service', null)
        .map((f) => f.setting)
        .sort(),
    ).toEqual(['merge.allowMergeCommit', 'merge.allowSquashMerge']);
  });

  it('protected by a repository ruleset only: customer-support-portal gets its pull request rule from the ruleset', () => {
    const d = doc('ada');
    const r = repoOf(d, 'acme/customer-support-portal');
    expect(r.status).toBe('assessed');
    expect(r.branches.find((b) => b.branch === 'main')?.state).toBe('known');
    const main = findingsOf(d, 'acme/customer-support-portal', 'main');
    expect(main.some((f) => f.setting === 'requiredReviews')).toBe(false);
    const count = main.find((f) => f.setting === 'requiredReviews.requiredApprovingReviewCount');
    expect(count).toMatchObject({ expected: 2, actual: 1 });
    expect(count?.source).toMatch(/repo ruleset 'Default branch'/);
    // The required check from the ruleset counts; the others are missing.
    const missing = main.filter((f) => f.setting === 'requiredStatusChecks.contexts').map((f) => f.expected);
    expect(missing).not.toContain('qms/dor-validation');
    expect(missing).toContain('qms/compliance-audit');
  });

  it('protected by an org ruleset through a custom property: payment-gateway is covered by "PCI baseline"', () => {
    const d = doc('ada');
    const r = repoOf(d, 'acme/payment-gateway');
    expect(r.classification.evidence).toEqual({ kind: 'custom-property', detail: 'qms_tier=mission_critical' });
    const main = findingsOf(d, 'acme/payment-gateway', 'main');
    // Reviews, code owners, signatures, force pushes and deletions come from the org ruleset.
    for (const setting of [
      'requiredReviews',
      'requiredReviews.requiredApprovingReviewCount',
      'requiredReviews.requireCodeOwnerReviews',
      'allowForcePushes',
      'allowDeletions',
    ]) {
      expect(
        main.some((f) => f.setting === setting),
        setting,
      ).toBe(false);
    }
    const check = main.find((f) => f.setting === 'requiredStatusChecks.contexts' && f.expected === 'qms/dor-validation');
    expect(check?.source).toMatch(/org ruleset 'PCI baseline'/);
    // refs/heads/release/**/* covers release/3.1 and every future release/* branch.
    const release = r.patterns.find((p) => p.target === 'release/*');
    expect(release).toMatchObject({ existing_branches: ['release/3.1'], future_covered: true });
    expect(release?.covering_rules.join(' ')).toMatch(/PCI baseline/);
    expect(findingsOf(d, 'acme/payment-gateway', 'release/*')).toEqual([]);
    expect(r.branches.find((b) => b.branch === 'release/3.1')?.state).toBe('known');
    // integration-hub's compliance_scope is sox: the PCI ruleset does not apply to it.
    expect(findingsOf(d, 'acme/integration-hub').some((f) => /PCI baseline/.test(f.source))).toBe(false);
    expect(findingsOf(d, 'acme/integration-hub', 'main').find((f) => f.setting === 'requiredReviews.requireCodeOwnerReviews')?.source).toBe(
      "classic rule 'main' (does not set it)",
    );
    // The "Linear history trial" ruleset is in evaluate mode: it must not count.
    expect(main.find((f) => f.setting === 'requireLinearHistory')).toMatchObject({ expected: true, actual: false });
  });

  it('pattern branches: release/* and hotfix/* expand to existing branches and say whether new ones are covered', () => {
    const d = doc('ada');
    const cps = repoOf(d, 'acme/core-payment-system');
    expect(cps.level).toBe('mission-grade');
    // Every branch and the merge methods meet the tier (the fixture allows rebase merges:
    // §4.1's "merge commits only" cannot merge anything under linear history).
    expect(findingsOf(d, 'acme/core-payment-system').map((f) => `${f.setting}=${String(f.actual)}`)).toEqual([]);
    expect(cps.patterns.find((p) => p.target === 'release/*')).toMatchObject({
      existing_branches: ['release/1.0', 'release/2.0'],
      future_covered: true,
    });
    expect(cps.patterns.find((p) => p.target === 'hotfix/*')).toMatchObject({
      existing_branches: ['hotfix/card-fix'],
      future_covered: true,
    });
    expect(cps.branches.map((b) => b.branch).sort()).toEqual(['hotfix/card-fix', 'main', 'release/1.0', 'release/2.0']);

    // infra-terraform: release/2025.08 exists but no rule protects it or future release branches.
    const infra = repoOf(d, 'acme/infra-terraform');
    expect(infra.patterns.find((p) => p.target === 'release/*')).toMatchObject({
      existing_branches: ['release/2025.08'],
      future_covered: false,
    });
    const rel = findingsOf(d, 'acme/infra-terraform', 'release/2025.08');
    expect(rel.find((f) => f.setting === 'requiredReviews')).toMatchObject({ expected: true, actual: false });
    expect(findingsOf(d, 'acme/infra-terraform', 'release/*').map((f) => f.setting)).toEqual(['coverage']);
    // billing-batch: the default branch is master, and it is what ~DEFAULT_BRANCH means.
    expect(findingsOf(d, 'acme/billing-batch').some((f) => f.branch === 'master')).toBe(true);
    expect(findingsOf(d, 'acme/billing-batch').some((f) => f.branch === 'main')).toBe(false);
  });

  it('archived and disabled repositories are skipped, with the reason', () => {
    const d = doc('ada');
    expect(repoOf(d, 'acme/legacy-billing')).toMatchObject({ status: 'skipped', tier: null });
    expect(repoOf(d, 'acme/legacy-billing').reason).toMatch(/archived/i);
    expect(repoOf(d, 'acme/old-frontend')).toMatchObject({ status: 'skipped' });
    expect(repoOf(d, 'acme/old-frontend').reason).toMatch(/disabled/i);
    expect(findingsOf(d, 'acme/legacy-billing')).toEqual([]);
    // The empty repository has nothing to protect yet.
    expect(repoOf(d, 'acme/new-service').status).toBe('not_applicable');
  });

  it('an invalid repo config is a finding with file:line:column', () => {
    const d = doc('ada');
    const broken = findingsOf(d, 'acme/broken-config').filter((f) => f.setting === 'repoConfig');
    expect(broken.length).toBeGreaterThan(0);
    for (const f of broken) {
      expect(f.actual).toMatch(/^\.qms\/branch-protection\.yml:\d+:\d+: /);
      expect(f.message).toMatch(/\.qms\/branch-protection\.yml:\d+:\d+: not valid YAML/);
      expect(f.branch).toBeNull();
    }
    const unknownKey = findingsOf(d, 'acme/unknown-key-config').find((f) => f.setting === 'repoConfig');
    expect(unknownKey?.actual).toMatch(/^\.qms\/branch-protection\.yml:6:3: review_requirements: unknown key "required_approvals"/);
  });

  it('a repo config looser than its tier is a finding (and is not applied)', () => {
    const d = doc('ada');
    const looser = findingsOf(d, 'acme/core-banking-api', null).find(
      (f) => f.setting === 'repoConfig.review_requirements.required_reviewers',
    );
    expect(looser).toMatchObject({ expected: 2, actual: 1, severity: 'medium' });
    expect(looser?.message).toMatch(/not applied/);
    // The tier's floor still applies to the branch: 2 reviewers expected.
    expect(
      findingsOf(d, 'acme/core-banking-api', 'main').find((f) => f.setting === 'requiredReviews.requiredApprovingReviewCount'),
    ).toMatchObject({ expected: 2, actual: 1 });
  });

  it('the run is stored: runs, findings and repo_results match the document', () => {
    const d = doc('ada');
    const db = new Database(dirs.db, { readonly: true, fileMustExist: true });
    try {
      const run = db.prepare('SELECT kind, org, status, actor FROM runs WHERE id = ?').get(d.run_id) as Record<string, unknown>;
      expect(run).toMatchObject({ kind: 'assess', org: 'acme', status: 'succeeded', actor: 'ada' });
      const findings = db.prepare('SELECT COUNT(*) AS n FROM findings WHERE run_id = ?').get(d.run_id) as { n: number };
      expect(findings.n).toBe(d.findings.length);
      const critical = db.prepare("SELECT COUNT(*) AS n FROM findings WHERE run_id = ? AND severity = 'critical'").get(d.run_id) as {
        n: number;
      };
      expect(critical.n).toBe(d.findings.filter((f) => f.severity === 'critical').length);
      const results = db.prepare('SELECT repo, status, tier FROM repo_results WHERE run_id = ? ORDER BY repo').all(d.run_id) as {
        repo: string;
        status: string;
        tier: string | null;
      }[];
      expect(results.map((r) => r.repo)).toEqual(d.repos.map((r) => r.repo));
      expect(results.find((r) => r.repo === 'acme/legacy-billing')?.status).toBe('skipped');
    } finally {
      db.close();
    }
  });
});

describe('what a token cannot see is unknown, never unprotected', () => {
  it('rita (read-only member): every readable repository is unknown, no protection finding is reported', () => {
    const d = doc('rita');
    expect(validator()(d)).toBe(true);
    for (const r of d.repos) {
      if (['acme/legacy-billing', 'acme/old-frontend', 'acme/new-service'].includes(r.repo)) continue;
      expect(r.status, r.repo).toBe('unknown');
      expect(r.access).toBe('read-only');
      expect(r.level).toBe('unknown');
    }
    // Only repo-config findings remain (they need no admin; merge settings need push
    // access); never "force pushes allowed" and the like.
    expect(d.findings.length).toBeGreaterThan(0);
    expect(d.findings.every((f) => f.setting.startsWith('repoConfig'))).toBe(true);
    expect(repoOf(d, 'acme/payments-ledger').reason).toMatch(/not admin/);
  });

  it('max (admin on web-storefront only): web-storefront is assessed, payments-ledger stays unknown', () => {
    const d = doc('max');
    expect(repoOf(d, 'acme/web-storefront')).toMatchObject({ status: 'assessed', access: 'admin' });
    expect(repoOf(d, 'acme/payments-ledger')).toMatchObject({ status: 'unknown', access: 'read-only' });
    // Merge settings are visible with push access; protection findings never appear.
    expect(findingsOf(d, 'acme/payments-ledger').every((f) => f.setting.startsWith('merge.'))).toBe(true);
    // What the org ruleset shows (readable without admin) still does not make it "known".
    expect(repoOf(d, 'acme/payment-gateway').status).toBe('unknown');
  });

  it('eve (an outsider: public repositories only): each is unknown, none failed; the org rulesets are read through them', () => {
    const run = runs['eve']!;
    const d = doc('eve');
    expect(validator()(d)).toBe(true);
    const publicRepos = ['design-system', 'documentation-system', 'forked-lib', 'hackathon-2025', 'platform-docs'];
    expect(d.repos.map((r) => r.repo)).toEqual(publicRepos.map((n) => `acme/${n}`));
    expect(d.summary.failed_repos).toEqual([]);
    for (const r of d.repos) {
      expect(r.status, r.repo).toBe('unknown');
      expect(r.access).toBe('read-only');
    }
    expect(run.stderr).not.toMatch(/could not be read|Could not resolve/);
    expect(run.code).toBe(d.summary.exit_code);
  });

  it('a private repository on the Free plan is not applicable (acme-labs)', () => {
    const run = runs['labs']!;
    const d = doc('labs');
    expect(validator()(d)).toBe(true);
    expect(repoOf(d, 'acme-labs/labs-private-experiment')).toMatchObject({
      status: 'not_applicable',
      access: 'plan-unavailable',
      level: 'not_applicable',
    });
    expect(repoOf(d, 'acme-labs/labs-private-experiment').reason).toMatch(/Upgrade to GitHub Pro/);
    expect(findingsOf(d, 'acme-labs/labs-private-experiment')).toEqual([]);
    expect(repoOf(d, 'acme-labs/labs-public-demo').status).toBe('assessed');
    expect(run.code).toBe(d.summary.exit_code);
  });
});

describe('other output formats', () => {
  it('--format csv: one row per finding, the same findings as --json', () => {
    const run = runs['csv']!;
    expect(run.code, run.stderr).toBe(1);
    const rows = parseCsv(run.stdout);
    expect(rows[0]).toEqual(['repo', 'branch', 'tier', 'severity', 'setting', 'expected', 'actual', 'message', 'source', 'repo_status']);
    const body = rows.slice(1);
    const d = doc('ada');
    const expected = d.findings.filter((f) => ['acme/core-banking-api', 'acme/hackathon-2025', 'acme/broken-config'].includes(f.repo));
    expect(body).toHaveLength(expected.length);
    for (const row of body) expect(row).toHaveLength(10);
    // ada administers every repository: each finding comes from a fully assessed one.
    expect(new Set(body.map((r) => r[9]))).toEqual(new Set(['assessed']));
    expect(body.map((r) => `${r[0]} ${r[1]} ${r[4]} ${r[5]}`).sort()).toEqual(
      expected.map((f) => `${f.repo} ${f.branch ?? ''} ${f.setting} ${f.expected ?? ''}`).sort(),
    );
    // The located config error survives CSV quoting intact.
    expect(body.some((r) => /^\.qms\/branch-protection\.yml:\d+:\d+: not valid YAML/.test(r[6]!))).toBe(true);
  });

  it('--format ndjson: one finding per line (for both repositories of a comma-separated --repo)', () => {
    const run = runs['ndjson']!;
    const lines = run.stdout.split('\n').filter(Boolean);
    const d = doc('ada');
    expect(lines).toHaveLength(d.findings.filter((f) => f.repo === 'acme/core-banking-api' || f.repo === 'acme/broken-config').length);
    for (const line of lines) {
      const f = JSON.parse(line) as FindingDoc;
      const keys = ['actual', 'branch', 'expected', 'message', 'repo', 'repo_status', 'setting', 'severity', 'source', 'target', 'tier'];
      expect(Object.keys(f).sort()).toEqual(keys);
    }
    expect(new Set(lines.map((l) => (JSON.parse(l) as FindingDoc).repo))).toEqual(new Set(['acme/core-banking-api', 'acme/broken-config']));
  });

  it('--format markdown: a findings table', () => {
    const lines = runs['markdown']!.stdout.split('\n').filter(Boolean);
    expect(lines[0]).toBe('| repo | branch | tier | severity | setting | expected | actual | message | source | repo\\_status |');
    expect(lines.length).toBeGreaterThan(3);
  });
});

describe('qms --sandbox assess --org acme (the README command)', () => {
  it('works with nothing but a temporary HOME, fits 80 columns, and stores the run under $HOME', () => {
    const run = runs['sandbox']!;
    expect(run.code, run.stderr).toBe(1);
    expect(runs['sandboxDbExists']!.code).toBe(0);
    const lines = run.stdout.split('\n');
    const long = lines.filter((l) => [...l].length > 80);
    expect(long, long.join('\n')).toEqual([]);
    // No escape sequences without a TTY (and none from API text, e.g. hackathon-2025's description).
    expect(run.stdout).not.toMatch(/\u001b/);
    expect(lines[0]).toMatch(/^Assessment of acme: run \d+, policy built-in defaults$/);
    expect(run.stdout).toMatch(/^REPOSITORY +TIER +LEVEL +STATUS +C +H +M +L$/m);
    expect(run.stdout).toMatch(/^core-payment-system +mission_critical +mission-grade +assessed +- +- +- +-$/m);
    expect(run.stdout).toMatch(/^payments-ledger +mission_critical +none +assessed +2 +9 +\d+ +\d+$/m);
    expect(run.stdout).toMatch(/^legacy-billing +- +- +skipped/m);
    expect(run.stdout).toMatch(/^payments-ledger · main \(mission_critical\)$/m);
    expect(run.stdout).toMatch(/^Summary by tier$/m);
    // stderr: progress only on a TTY, so just the closing notes.
    expect(run.stderr).toMatch(/stored as run \d+ in .*qms\.db/);
    expect(run.stderr).not.toMatch(/Warning|warning:/);
  });
});

describe('exit codes', () => {
  it('0 when nothing is at or above --fail-on', () => {
    expect(runs['compliant']!.code, runs['compliant']!.stderr).toBe(0);
    expect(runs['compliant']!.stdout).toMatch(/^2 repositories, 0 findings: 0 critical, 0 high, 0 medium, 0 low$/m);
    expect(runs['failOnNone']!.code).toBe(0);
    expect(doc('failOnNone').findings.length).toBeGreaterThan(0);
    // identity-service has high findings but no critical one.
    expect(runs['failOnCritical']!.code).toBe(0);
    expect(doc('failOnCritical').findings.some((f) => f.severity === 'high')).toBe(true);
  });

  it('--tier keeps only repositories classified into that tier', () => {
    const d = doc('tier');
    expect(d.repos.map((r) => r.repo)).toEqual([
      'acme/hackathon-2025',
      'acme/poc-ml-ranking',
      'acme/qms-testing-sandbox',
      'acme/research-notebooks',
    ]);
    expect(new Set(d.findings.map((f) => f.tier))).toEqual(new Set(['experimental']));
  });

  it('2 for bad flags, naming what is valid', () => {
    expect(runs['badTier']!.code).toBe(2);
    expect(runs['badTier']!.stderr).toMatch(
      /unknown tier "platinum"; the policy defines mission_critical, business_critical, standard, experimental/,
    );
    expect(runs['badFailOn']!.code).toBe(2);
    expect(runs['badFailOn']!.stderr).toMatch(/--fail-on must be one of critical, high, medium, low, none/);
    expect(runs['noOrg']!.code).toBe(2);
    expect(runs['noOrg']!.stderr).toMatch(/--org is required/);
    expect(runs['badRepo']!.code).toBe(2);
    for (const name of ['badTier', 'badFailOn', 'noOrg', 'badRepo']) expect(runs[name]!.stdout).toBe('');
  });

  it('3 for a rejected token or a missing org, with a one-line message and nothing stored', () => {
    const bad = runs['badToken']!;
    expect(bad.code).toBe(3);
    const lines = bad.stderr.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^qms: GitHub rejected the credentials \(401 Bad credentials\) — check GITHUB_TOKEN$/);
    expect(lines.length).toBeLessThanOrEqual(2); // the message and one hint
    expect(bad.stderr).not.toContain(token('nobody'));
    expect(bad.stdout).toBe('');
    const org = runs['noSuchOrg']!;
    expect(org.code).toBe(3);
    expect(org.stderr).toMatch(/^qms: organization no-such-org does not exist or this token cannot see it$/m);
  });
});

describe('a repository that keeps failing', () => {
  it('exit 4: the failing repository is an error, the others are assessed and recorded', () => {
    const run = runs['failing']!;
    expect(run.code, run.stderr).toBe(4);
    const d = doc('failing');
    expect(validator()(d)).toBe(true);
    expect(repoOf(d, 'acme/sales-reporting').status).toBe('error');
    expect(repoOf(d, 'acme/sales-reporting').reason).toMatch(/500/);
    expect(repoOf(d, 'acme/crm-sync').status).toBe('assessed');
    expect(repoOf(d, 'acme/internal-tools').status).toBe('assessed');
    expect(d.summary.failed_repos).toEqual(['acme/sales-reporting']);
    expect(d.summary.exit_code).toBe(4);
    expect(run.stderr).toMatch(/acme\/sales-reporting: Reading the repository failed/);
    const db = new Database(faultyDirs.db, { readonly: true, fileMustExist: true });
    try {
      expect((db.prepare('SELECT status FROM runs WHERE id = ?').get(d.run_id) as { status: string }).status).toBe('partial');
      const rows = db.prepare('SELECT repo, status FROM repo_results WHERE run_id = ? ORDER BY repo').all(d.run_id);
      expect(rows).toEqual([
        { repo: 'acme/crm-sync', status: 'ok' },
        { repo: 'acme/internal-tools', status: 'ok' },
        { repo: 'acme/sales-reporting', status: 'failed' },
      ]);
      expect((db.prepare('SELECT COUNT(*) AS n FROM findings WHERE run_id = ?').get(d.run_id) as { n: number }).n).toBe(d.findings.length);
    } finally {
      db.close();
    }
  });
});
