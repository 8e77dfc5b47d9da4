/**
 * `qms classify` through the built binary against the simulator: the tier and
 * evidence of each fixture repository (packages/github-sim/README.md, "tier
 * evidence" column), the JSON schema, 80 columns, and `--write-properties`
 * (refused without --yes off a terminal, --dry-run writes nothing, a real write
 * is recorded as a change set and is idempotent).
 */
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { BUILD_HINT, isBuilt, makeTempDirs, runQms, type QmsRun, type TempDirs } from '../helpers/e2e.js';

const require = createRequire(import.meta.url);
const schema = require('../../schemas/classify-output.schema.json') as object;

interface RepoDoc {
  repo: string;
  tier: string | null;
  status: string;
  evidence: { kind: string; detail: string } | null;
  reason: string;
  notes: string[];
  property: { readable: boolean; value: string | null };
}
interface ClassifyDoc {
  org: string;
  repos: RepoDoc[];
  summary: { repos: number; classified: number; skipped: number; errors: number; by_tier: Record<string, number> };
  properties: {
    mode: string;
    run_id: number | null;
    change_set_id: number | null;
    status: string | null;
    changes: { repo: string; from: string | null; to: string; evidence: string; status: string }[];
  };
  exit_code: number;
}

function validate(d: unknown): void {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  const addFormats =
    (addFormatsModule as unknown as { default?: (a: Ajv2020) => void }).default ?? (addFormatsModule as unknown as (a: Ajv2020) => void);
  addFormats(ajv);
  const v = ajv.compile(schema);
  expect(v(d), JSON.stringify(v.errors, null, 2)).toBe(true);
}

const token = (login: string) => `qms_sandbox_${login}`;

/** Read-only runs share one simulator; the writing runs get their own. */
let sb: TestSandbox;
let writer: TestSandbox;
let dirs: TempDirs;
let writerDirs: TempDirs;
const runs: Record<string, QmsRun> = {};

function qmsOn(target: TestSandbox, d: TempDirs, args: string[], extraEnv: Record<string, string> = {}) {
  return runQms(['--api-url', target.url, '--db', d.db, ...args], {
    env: { ...d.env, NO_COLOR: '1', GITHUB_TOKEN: token('ada'), ...extraEnv },
    timeoutMs: 60_000,
  });
}
const doc = (name: string) => JSON.parse(runs[name]!.stdout) as ClassifyDoc;
const repoOf = (d: ClassifyDoc, name: string) => {
  const r = d.repos.find((x) => x.repo === `acme/${name}`);
  if (!r) throw new Error(`${name} not in the report`);
  return r;
};

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  [sb, writer] = await Promise.all([startTestSandbox(), startTestSandbox()]);
  dirs = makeTempDirs('qms-classify-e2e-');
  writerDirs = makeTempDirs('qms-classify-write-e2e-');
  const [json, table, csv, refused, dryRun] = await Promise.all([
    qmsOn(sb, dirs, ['--json', 'classify', '--org', 'acme']),
    qmsOn(sb, dirs, ['classify', '--org', 'acme'], { COLUMNS: '80' }),
    qmsOn(sb, dirs, ['--format', 'csv', 'classify', '--org', 'acme', '--repo', 'payment-gateway', '--repo', 'design-system']),
    qmsOn(writer, writerDirs, ['classify', '--org', 'acme', '--write-properties']),
    qmsOn(writer, writerDirs, ['--json', 'classify', '--org', 'acme', '--write-properties', '--dry-run']),
  ]);
  Object.assign(runs, { json, table, csv, refused, dryRun });
  // Sequential: the second write must see the first one's result.
  runs['write'] = await qmsOn(writer, writerDirs, ['--json', 'classify', '--org', 'acme', '--write-properties', '--yes']);
  runs['again'] = await qmsOn(writer, writerDirs, ['--json', 'classify', '--org', 'acme', '--write-properties', '--yes']);
}, 120_000);

afterAll(async () => {
  try {
    sb?.assertContract();
    writer?.assertContract();
  } finally {
    await sb?.close();
    await writer?.close();
    dirs?.cleanup();
    writerDirs?.cleanup();
  }
});

describe('qms classify --json', () => {
  it('prints one document valid against schemas/classify-output.schema.json', () => {
    expect(runs['json']!.code, runs['json']!.stderr).toBe(0);
    const d = doc('json');
    validate(d);
    expect(d.repos).toHaveLength(30);
    expect(d.summary).toMatchObject({ repos: 30, classified: 28, skipped: 2, errors: 0 });
    expect(d.properties.mode).toBe('off');
  });

  it('uses the evidence in order: repo config, custom property, topic, policy rule, default tier', () => {
    const d = doc('json');
    expect(repoOf(d, 'core-payment-system')).toMatchObject({
      tier: 'mission_critical',
      evidence: { kind: 'repo-config', detail: '.qms/branch-protection.yml' },
    });
    expect(repoOf(d, 'payment-gateway')).toMatchObject({
      tier: 'mission_critical',
      evidence: { kind: 'custom-property', detail: 'qms_tier=mission_critical' },
    });
    expect(repoOf(d, 'identity-service')).toMatchObject({
      tier: 'mission_critical',
      evidence: { kind: 'topic', detail: 'qms-tier-mission_critical' },
    });
    expect(repoOf(d, 'payments-ledger')).toMatchObject({ tier: 'mission_critical', evidence: { kind: 'policy-rule' } });
    expect(repoOf(d, 'sales-reporting')).toMatchObject({ tier: 'business_critical', evidence: { kind: 'policy-rule' } });
    expect(repoOf(d, 'platform-docs')).toMatchObject({ tier: 'standard', evidence: { kind: 'policy-rule' } });
    expect(repoOf(d, 'poc-ml-ranking')).toMatchObject({ tier: 'experimental', evidence: { kind: 'policy-rule' } });
    expect(repoOf(d, 'design-system')).toMatchObject({ tier: 'standard', evidence: { kind: 'default', detail: 'standard' } });
    // The repo config wins over the topic, and the conflict is noted.
    const portal = repoOf(d, 'customer-support-portal');
    expect(portal).toMatchObject({ tier: 'business_critical', evidence: { kind: 'repo-config' } });
    expect(portal.notes.join(' ')).toMatch(/topic qms-tier-standard says standard/);
    for (const r of d.repos) expect(r.reason.length, r.repo).toBeGreaterThan(10);
  });

  it('skips archived and disabled repositories with the reason; an invalid repo config is noted with its location', () => {
    const d = doc('json');
    expect(repoOf(d, 'legacy-billing')).toMatchObject({ status: 'skipped', tier: null, evidence: null });
    expect(repoOf(d, 'legacy-billing').reason).toMatch(/archived/i);
    expect(repoOf(d, 'old-frontend')).toMatchObject({ status: 'skipped' });
    expect(repoOf(d, 'broken-config').notes.join(' ')).toMatch(/\.qms\/branch-protection\.yml:\d+:\d+: not valid YAML/);
    expect(repoOf(d, 'unknown-key-config').notes.join(' ')).toMatch(/:6:3: review_requirements: unknown key "required_approvals"/);
    expect(repoOf(d, 'forked-lib').notes.join(' ')).toMatch(/fork/);
    expect(repoOf(d, 'new-service').notes.join(' ')).toMatch(/empty/);
  });
});

describe('qms classify (table and csv)', () => {
  it('fits 80 columns and shows tier, evidence and reason per repository', () => {
    const run = runs['table']!;
    expect(run.code, run.stderr).toBe(0);
    const long = run.stdout.split('\n').filter((l) => [...l].length > 80);
    expect(long, long.join('\n')).toEqual([]);
    expect(run.stdout).not.toMatch(/\u001b/);
    expect(run.stdout).toMatch(/^REPOSITORY +TIER +EVIDENCE$/m);
    expect(run.stdout).toMatch(/^payment-gateway +mission_critical +property$/m);
    expect(run.stdout).toMatch(/^ {2}The custom property qms_tier is 'mission_critical'\.$/m);
    expect(run.stdout).toMatch(/^Skipped \(2\)$/m);
    expect(run.stdout).toMatch(/^- legacy-billing: Archived repositories are read-only/m);
  });

  it('--format csv: one row per repository', () => {
    const run = runs['csv']!;
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('repo,tier,status,evidence,detail,reason');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
      'acme/design-system,standard,classified,default',
      'acme/payment-gateway,mission_critical,classified,custom-property',
    ]);
  });
});

describe('qms classify --write-properties', () => {
  it('refuses to write without --yes when there is no terminal to ask (exit 2, nothing written)', () => {
    const run = runs['refused']!;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^qms: --write-properties would set qms_tier on \d+ repositories; pass --yes to confirm/m);
    expect(run.stdout).toBe('');
  });

  it('--dry-run lists the changes and writes nothing', () => {
    const run = runs['dryRun']!;
    expect(run.code, run.stderr).toBe(0);
    const d = doc('dryRun');
    validate(d);
    expect(d.properties.mode).toBe('dry-run');
    expect(d.properties.change_set_id).toBeNull();
    const changes = d.properties.changes;
    // Only repositories whose tier the policy itself decided (a rule, the default tier).
    expect(changes.map((c) => c.repo)).toContain('acme/design-system');
    expect(changes.map((c) => c.repo)).toContain('acme/payments-ledger');
    expect(changes.map((c) => c.repo)).not.toContain('acme/identity-service'); // a topic: repository-controlled
    expect(changes.map((c) => c.repo)).not.toContain('acme/core-payment-system'); // repo config
    expect(changes.map((c) => c.repo)).not.toContain('acme/payment-gateway'); // the property itself
    expect(changes.map((c) => c.repo)).not.toContain('acme/legacy-billing'); // skipped
    for (const c of changes) {
      expect(['policy-rule', 'default']).toContain(c.evidence);
      expect(c.status).toBe('planned');
    }
  });

  it('with --yes: sets qms_tier, records a change set with before-values, reads back; a second run changes nothing', async () => {
    const run = runs['write']!;
    expect(run.code, run.stderr).toBe(0);
    const d = doc('write');
    validate(d);
    expect(d.properties.mode).toBe('write');
    expect(d.properties.status).toBe('completed');
    const planned = doc('dryRun').properties.changes;
    expect(d.properties.changes.map((c) => c.repo)).toEqual(planned.map((c) => c.repo));
    expect(d.properties.changes.every((c) => c.status === 'verified')).toBe(true);
    // GitHub (the simulator) now has the values.
    const values = await writer.api<{ property_name: string; value: unknown }[]>('/repos/acme/payments-ledger/properties/values');
    expect(values.body.find((p) => p.property_name === 'qms_tier')?.value).toBe('mission_critical');
    const again = doc('again');
    expect(runs['again']!.code).toBe(0);
    expect(again.properties.changes).toEqual([]);
    expect(again.repos.find((r) => r.repo === 'acme/design-system')).toMatchObject({
      evidence: { kind: 'custom-property', detail: 'qms_tier=standard' },
      property: { readable: true, value: 'standard' },
    });

    const db = new Database(writerDirs.db, { readonly: true, fileMustExist: true });
    try {
      const set = db.prepare('SELECT kind, status, actor, org FROM change_sets WHERE id = ?').get(d.properties.change_set_id) as Record<
        string,
        unknown
      >;
      expect(set).toMatchObject({ kind: 'properties', status: 'completed', actor: 'ada', org: 'acme' });
      const changes = db
        .prepare('SELECT repo, target_kind, target_key, operation, status, before_state FROM changes WHERE change_set_id = ? ORDER BY seq')
        .all(d.properties.change_set_id) as {
        repo: string;
        target_kind: string;
        target_key: string;
        operation: string;
        status: string;
        before_state: string | null;
      }[];
      expect(changes).toHaveLength(planned.length);
      for (const c of changes) {
        expect(c).toMatchObject({ target_kind: 'custom_property', target_key: 'qms_tier', status: 'verified' });
        // Nothing was set before on these repositories: a rollback would unset it.
        expect(c.operation).toBe('create');
        expect(c.before_state).toBeNull();
      }
      const audit = db
        .prepare("SELECT COUNT(*) AS n FROM audit_events WHERE change_set_id = ? AND action = 'change.verified'")
        .get(d.properties.change_set_id) as { n: number };
      expect(audit.n).toBe(planned.length);
      const lock = db.prepare('SELECT COUNT(*) AS n FROM lock').get() as { n: number };
      expect(lock.n).toBe(0); // released
    } finally {
      db.close();
    }
  });
});
