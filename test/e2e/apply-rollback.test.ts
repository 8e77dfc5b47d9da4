/**
 * plan → apply → assess → apply again → rollback through the built binary against
 * the simulator (GitHub's contract checked on every exchange). The promise under
 * test: change protection across an org, and undo it exactly — after a rollback
 * every touched branch answers GET …/protection with the same JSON as before the
 * apply, every classic rule node is as it was, and merge settings are back.
 *
 * Writes are paced at one per second by the gateway (GitHub's advice), so each
 * describe block keeps to a few repositories.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { BUILD_HINT, isBuilt, makeTempDirs, type QmsRun, type TempDirs } from '../helpers/e2e.js';
import { api, captureLive, compileSchema, jsonOf, qmsRunner, writesOf } from './apply-helpers.js';

const validatePlan = compileSchema('../../schemas/plan-output.schema.json');

let sb: TestSandbox;
const allDirs: TempDirs[] = [];

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  sb = await startTestSandbox();
});
afterAll(async () => {
  try {
    sb?.assertContract();
  } finally {
    await sb?.close();
    for (const d of allDirs) d.cleanup();
  }
});

function freshStore() {
  const dirs = makeTempDirs('qms-apply-e2e-');
  allDirs.push(dirs);
  return qmsRunner(sb, dirs);
}

const writes = () => writesOf(sb.sandbox.stats);
const ok = (run: QmsRun, code = 0) => expect(run.code, `exit ${run.code}\n${run.stdout}\n--- stderr ---\n${run.stderr}`).toBe(code);

interface PlanDoc {
  summary: { steps: number; by_kind: Record<string, number> };
  steps: { repo: string; kind: string; target: string; tier: string; operation: string }[];
}

describe('a whole tier: experimental', () => {
  const repos = ['hackathon-2025', 'poc-ml-ranking', 'qms-testing-sandbox', 'research-notebooks'];
  let qms: ReturnType<typeof qmsRunner>;
  let original: Record<string, unknown>;
  let planned: PlanDoc;
  let appliedSet: number;

  beforeAll(async () => {
    qms = freshStore();
    original = await captureLive(sb, 'acme', repos);
  });

  it('qms plan --json makes zero write requests and prints a document valid against the schema', async () => {
    const w = writes();
    const mutations = sb.sandbox.stats.graphqlMutations;
    const run = await qms(['plan', '--org', 'acme', '--tier', 'experimental', '--json']);
    ok(run);
    expect(writes()).toBe(w);
    expect(sb.sandbox.stats.graphqlMutations).toBe(mutations);
    planned = jsonOf<PlanDoc>(run);
    expect(validatePlan(planned), JSON.stringify(validatePlan.errors, null, 2)).toBe(true);
    expect(planned.summary.steps).toBeGreaterThan(0);
    for (const step of planned.steps) {
      expect(step.tier).toBe('experimental');
      expect(repos).toContain(step.repo.replace('acme/', ''));
    }
  });

  it('apply --dry-run prints the same diff as qms plan and writes nothing', async () => {
    const w = writes();
    const [plan, dry] = await Promise.all([
      qms(['plan', '--org', 'acme', '--tier', 'experimental']),
      qms(['apply', '--org', 'acme', '--tier', 'experimental', '--dry-run']),
    ]);
    ok(plan);
    ok(dry);
    expect(dry.stdout).toBe(plan.stdout);
    expect(plan.stdout).toMatch(/^Plan for acme \(tier experimental\): \d+ writes? in \d+ of 4 repositories/);
    expect(plan.stdout).toContain('~ allowForcePushes: true → false');
    expect(writes()).toBe(w);
  });

  it('apply writes the plan, assess then finds no gap, and a second apply writes nothing', async () => {
    const w = writes();
    const applied = await qms(['apply', '--org', 'acme', '--tier', 'experimental', '--yes']);
    ok(applied);
    expect(writes() - w).toBeGreaterThanOrEqual(planned.summary.steps);
    expect(applied.stdout).toMatch(new RegExp(`${planned.summary.steps} verified, 0 already as wanted, 0 failed`));
    appliedSet = Number(/recorded as change set (\d+)/.exec(applied.stderr)?.[1]);

    const assess = await qms(['assess', '--org', 'acme', '--tier', 'experimental', '--json']);
    ok(assess);
    const findings = jsonOf<{ findings: { repo: string; setting: string }[] }>(assess).findings.filter(
      (f) => !f.setting.startsWith('repoConfig'),
    );
    expect(findings).toEqual([]);

    const again = writes();
    const second = await qms(['apply', '--org', 'acme', '--tier', 'experimental', '--yes']);
    ok(second);
    expect(second.stdout).toContain('no changes');
    expect(writes()).toBe(again);
  });

  it('snapshots show prints the before-state exactly as GitHub returned it', async () => {
    const run = await qms(['snapshots', 'show', '1', '--json']);
    ok(run);
    const snap = jsonOf<{
      repo: string;
      target_kind: string;
      target_key: string;
      before: unknown;
      status: string;
      audit: { action: string; actor: string }[];
    }>(run);
    expect(snap.target_kind).toBe('classic_protection');
    const key = `${snap.repo.replace('acme/', '')}@${snap.target_key}`;
    const live = original[key] as { status: number; body: unknown };
    // null before-state = "Branch not protected" (404); else the exact GET body.
    if (live.status === 404) expect(snap.before).toBeNull();
    else expect(snap.before).toEqual(live.body);
    expect(snap.status).toBe('verified');
    expect(snap.audit.map((a) => a.action)).toEqual(['change.intent', 'change.written', 'change.verified']);
    expect(new Set(snap.audit.map((a) => a.actor))).toEqual(new Set(['ada']));
  });

  it('rollback --last refuses when the last run (the second, idempotent apply) made no change, naming it', async () => {
    const before = writes();
    const run = await qms(['rollback', '--last', '--yes']);
    ok(run, 2);
    expect(run.stderr).toMatch(
      /^qms: the last run made no change, so there is nothing to roll back: run \d+ \(`qms apply --org acme --tier experimental`\), started \S+ by ada, succeeded$/m,
    );
    expect(run.stderr).toMatch(/qms rollback ID/);
    expect(writes()).toBe(before);
  });

  it('rollback ID of the first apply restores every touched branch byte for byte', async () => {
    const run = await qms(['rollback', String(appliedSet), '--yes']);
    ok(run);
    expect(run.stderr).toMatch(
      new RegExp(`Rolling back change set ${appliedSet} \\(apply, completed\\) of run \\d+ \`qms apply --org acme --tier experimental\``),
    );
    expect(run.stdout).toMatch(new RegExp(`${planned.summary.steps} restored, 0 already restored, 0 skipped \\(drift\\), 0 failed`));
    expect(await captureLive(sb, 'acme', repos)).toEqual(original);
  });
});

describe('a --repo subset with pattern rules and merge settings', () => {
  // identity-service: main partly protected (PUT back), no release/hotfix rules
  // (created, then deleted), merge settings differ; payments-ledger: unprotected
  // (classic rule created, then DELETEd).
  const repos = ['identity-service', 'payments-ledger'];
  let qms: ReturnType<typeof qmsRunner>;
  let original: Record<string, unknown>;

  beforeAll(async () => {
    qms = freshStore();
    original = await captureLive(sb, 'acme', repos);
  });

  it('applies classic protection, pattern rules and merge settings, each verified, and assess agrees', async () => {
    const run = await qms(['apply', '--org', 'acme', '--repo', 'identity-service', '--repo', 'payments-ledger', '--yes', '--json']);
    ok(run);
    const doc = jsonOf<{
      plan: PlanDoc;
      change_set: { status: string };
      results: { status: string; kind: string; repo: string; target: string }[];
    }>(run);
    expect(validatePlan(doc.plan), JSON.stringify(validatePlan.errors, null, 2)).toBe(true);
    expect(doc.change_set.status).toBe('completed');
    expect(doc.results.map((r) => `${r.repo} ${r.kind} ${r.target} ${r.status}`)).toEqual([
      'acme/identity-service classic_protection main verified',
      'acme/identity-service protection_rule release/* verified',
      'acme/identity-service protection_rule hotfix/* verified',
      'acme/identity-service merge_settings  verified',
      'acme/payments-ledger classic_protection main verified',
      'acme/payments-ledger protection_rule release/* verified',
      'acme/payments-ledger protection_rule hotfix/* verified',
      'acme/payments-ledger merge_settings  verified',
    ]);
    const merge = (await api(sb, '/repos/acme/identity-service')).body as Record<string, unknown>;
    expect([merge['allow_squash_merge'], merge['allow_merge_commit'], merge['allow_rebase_merge']]).toEqual([false, true, true]);

    const assess = await qms(['assess', '--org', 'acme', '--repo', 'identity-service', '--repo', 'payments-ledger', '--json']);
    // What a protection write can close is closed. Neither repository has a CODEOWNERS
    // file, so the code owner review the rules now require binds nothing: a finding no
    // write closes (docs/effective-protection.md), hence exit 1.
    ok(assess, 1);
    const findings = jsonOf<{ findings: { severity: string; setting: string }[] }>(assess).findings;
    expect(findings.filter((f) => !f.setting.startsWith('repoConfig')).map((f) => f.setting)).toEqual(Array(6).fill('codeOwners'));
  });

  it('history lists the change set with who, what and counts', async () => {
    const run = await qms(['history', '--json']);
    ok(run);
    const doc = jsonOf<{
      runs: {
        run: { kind: string; actor: string };
        change_sets: { id: number; kind: string; counts: Record<string, number>; repos: string[] }[];
      }[];
    }>(run);
    const apply = doc.runs.find((r) => r.run.kind === 'apply' && r.change_sets.length > 0)!;
    expect(apply.run.actor).toBe('ada');
    expect(apply.change_sets[0]!.counts['verified']).toBe(8);
    expect(apply.change_sets[0]!.repos).toEqual(['acme/identity-service', 'acme/payments-ledger']);
  });

  it('rollback --last restores classic rules (PUT back and DELETE), pattern rules (delete) and merge settings', async () => {
    const run = await qms(['rollback', '--last', '--yes', '--json']);
    ok(run);
    const doc = jsonOf<{
      change_set: { status: string };
      results: { status: string; repo: string; target_kind: string; exact_json: boolean | null }[];
    }>(run);
    expect(doc.change_set.status).toBe('completed');
    expect(doc.results.map((r) => r.status)).toEqual(Array(8).fill('restored'));
    // Rules (deleted), the classic rule qms created (DELETEd) and the one it changed (PUT back)
    // come back exactly as GitHub first returned them.
    for (const r of doc.results) expect(r.exact_json, JSON.stringify(r)).toBe(r.target_kind === 'merge_settings' ? null : true);
    expect(await captureLive(sb, 'acme', repos)).toEqual(original);
  });

  it('the rollback is itself a change set: rolling it back (one repository, --repo) re-applies, and that is undone in turn', async () => {
    const history = jsonOf<{ runs: { change_sets: { id: number; kind: string; parent_change_set_id: number | null }[] }[] }>(
      await qms(['history', '--json']),
    );
    const rollbackSet = history.runs.flatMap((r) => r.change_sets).find((s) => s.kind === 'rollback')!;
    expect(rollbackSet.parent_change_set_id).not.toBeNull();
    const redo = await qms(['rollback', String(rollbackSet.id), '--repo', 'payments-ledger', '--yes']);
    ok(redo);
    expect(redo.stdout).toContain('4 restored, 0 already restored, 0 skipped (drift), 0 failed');
    const now = await captureLive(sb, 'acme', repos);
    expect(now['payments-ledger@main']).not.toEqual(original['payments-ledger@main']);
    // --repo: identity-service was left as the first rollback restored it.
    for (const key of Object.keys(original).filter((k) => k.startsWith('identity-service'))) expect(now[key], key).toEqual(original[key]);
    // The newest change set is the rollback of the rollback (it re-applied); undo it by id.
    const latest = jsonOf<{ runs: { change_sets: { id: number; kind: string; parent_change_set_id: number | null }[] }[] }>(
      await qms(['history', '--json']),
    ).runs[0]!.change_sets[0]!;
    expect(latest.parent_change_set_id).toBe(rollbackSet.id);
    ok(await qms(['rollback', String(latest.id), '--yes']));
    expect(await captureLive(sb, 'acme', repos)).toEqual(original);
  });
});

describe('drift guard', () => {
  const repos = ['internal-tools', 'platform-docs'];
  let qms: ReturnType<typeof qmsRunner>;
  let original: Record<string, unknown>;
  let drifted: unknown;

  beforeAll(async () => {
    qms = freshStore();
    original = await captureLive(sb, 'acme', repos);
    ok(await qms(['apply', '--org', 'acme', '--repo', 'internal-tools', '--repo', 'platform-docs', '--yes']));
    // Someone changes internal-tools' protection by hand after the apply.
    const put = await api(sb, '/repos/acme/internal-tools/branches/main/protection', {
      method: 'PUT',
      body: {
        required_status_checks: null,
        enforce_admins: true,
        required_pull_request_reviews: { required_approving_review_count: 3, dismiss_stale_reviews: true },
        restrictions: null,
      },
    });
    expect(put.status).toBe(200);
    drifted = (await api(sb, '/repos/acme/internal-tools/branches/main/protection')).body;
  });

  it('rollback --dry-run shows the drift and writes nothing', async () => {
    const w = writes();
    const run = await qms(['rollback', '--last', '--dry-run']);
    ok(run, 4);
    expect(run.stdout).toContain('SKIP: changed by someone else since  acme/internal-tools main');
    expect(run.stdout).toContain('~ requiredReviews.requiredApprovingReviewCount: 1 → 3');
    expect(writes()).toBe(w);
  });

  it('rollback skips the drifted branch (exit 4, reported) and restores the rest', async () => {
    const run = await qms(['rollback', '--last', '--yes']);
    ok(run, 4);
    expect(run.stdout).toMatch(/skipped_drift\s+acme\/internal-tools main/);
    expect(run.stdout).toContain('1 restored, 0 already restored, 1 skipped (drift), 0 failed');
    expect((await api(sb, '/repos/acme/internal-tools/branches/main/protection')).body).toEqual(drifted);
    const now = await captureLive(sb, 'acme', ['platform-docs']);
    const before = original;
    for (const [k, v] of Object.entries(now)) expect(v, k).toEqual(before[k]);
  });

  it('rollback --force restores it', async () => {
    const run = await qms(['rollback', '--last', '--yes', '--force']);
    ok(run);
    expect(run.stdout).toContain('1 restored, 0 already restored, 0 skipped (drift), 0 failed');
    // internal-tools had no classic rule: it is DELETEd again, so its JSON is exact.
    const now = await captureLive(sb, 'acme', repos);
    expect(now['internal-tools@main']).toEqual(original['internal-tools@main']);
    expect(now).toEqual(original);
  });
});

describe('per-repository isolation', () => {
  it('a repository whose write GitHub rejects fails alone: the others are done, exit 4, and rollback undoes what was written', async () => {
    const qms = freshStore();
    const repos = ['poc-ml-ranking', 'research-notebooks'];
    const original = await captureLive(sb, 'acme', repos);
    sb.sandbox.faults.add({ kind: 'status', status: 422, method: 'PUT', pathIncludes: '/repos/acme/poc-ml-ranking/', times: 0 });
    try {
      const run = await qms(['apply', '--org', 'acme', '--repo', 'poc-ml-ranking', '--repo', 'research-notebooks', '--yes', '--json']);
      ok(run, 4);
      const doc = jsonOf<{ change_set: { status: string }; results: { repo: string; status: string; error: string | null }[] }>(run);
      expect(doc.change_set.status).toBe('partial');
      expect(doc.results.map((r) => [r.repo, r.status])).toEqual([
        ['acme/poc-ml-ranking', 'failed'],
        ['acme/research-notebooks', 'verified'],
      ]);
      expect(doc.results[0]!.error).toMatch(/^write failed: /);
    } finally {
      sb.sandbox.faults.clear();
    }
    const rollback = await qms(['rollback', '--last', '--yes']);
    ok(rollback);
    expect(rollback.stdout).toContain('1 restored, 1 already restored, 0 skipped (drift), 0 failed');
    expect(await captureLive(sb, 'acme', repos)).toEqual(original);
  });
});

describe('unknown is never compliant', () => {
  it('as max (maintainer, not admin on the payments repositories): plan and apply exit 4 naming what was not enforced, and write nothing', async () => {
    const dirs = makeTempDirs('qms-apply-e2e-');
    allDirs.push(dirs);
    const asMax = qmsRunner(sb, dirs, { GITHUB_TOKEN: 'qms_sandbox_max' });
    const w = writes();
    const plan = await asMax(['plan', '--org', 'acme', '--tier', 'mission_critical']);
    ok(plan, 4);
    const line =
      /^warning: (\d+) repositor(?:y was|ies were) not enforced because the token cannot administer them \(administration: write\): (.+) \(exit 4\)$/m;
    expect(plan.stderr).toMatch(line);
    const apply = await asMax(['apply', '--org', 'acme', '--tier', 'mission_critical', '--yes']);
    ok(apply, 4);
    const [, count, names] = line.exec(apply.stderr)!;
    expect(Number(count)).toBeGreaterThan(0);
    expect(names).toContain('acme/payments-ledger');
    expect(apply.stdout).not.toMatch(/completed/);
    expect(writes()).toBe(w);
  });
});

describe('confirmation', () => {
  it('without a terminal and without --yes, apply and rollback exit 2 before any request', async () => {
    const qms = freshStore();
    const total = sb.sandbox.stats.total;
    const apply = await qms(['apply', '--org', 'acme', '--repo', 'internal-tools']);
    ok(apply, 2);
    expect(apply.stderr).toMatch(/pass --yes/);
    const rollback = await qms(['rollback', '--last']);
    ok(rollback, 2);
    expect(sb.sandbox.stats.total).toBe(total);
  });
});
