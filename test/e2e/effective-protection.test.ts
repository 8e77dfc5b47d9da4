/**
 * Issue 18 through the built binary against the simulator (contract-checked): one
 * case per item, each a scenario of the simulator's fixtures (org acme-rules) or, for the
 * issue's repro, a ruleset POSTed onto acme/payments-ledger first. The table of
 * scenarios with GitHub's documented behaviour is docs/effective-protection.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FindingRecord } from '../../src/output/assess-view.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { BUILD_HINT, isBuilt, makeTempDirs, runQms, type QmsRun, type TempDirs } from '../helpers/e2e.js';

interface RepoDoc {
  repo: string;
  status: string;
  reason: string;
  level: string;
  level_reason: string;
  compliant: boolean;
  notes: string[];
}
interface AssessDoc {
  repos: RepoDoc[];
  findings: FindingRecord[];
}
interface PlanDoc {
  steps: { target: string; changes: { op: string; setting: string; before: unknown; after: unknown }[] }[];
  notes: { repo: string; target: string | null; message: string }[];
}

let sb: TestSandbox;
let dirs: TempDirs;
const runs: Record<string, QmsRun> = {};

function qms(args: string[], login = 'ada') {
  return runQms(['--api-url', sb.url, '--write-interval', '0', '--db', dirs.db, ...args], {
    env: { ...dirs.env, NO_COLOR: '1', GITHUB_TOKEN: `qms_sandbox_${login}` },
    timeoutMs: 90_000,
  });
}

function doc<T = AssessDoc>(name: string): T {
  const run = runs[name]!;
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`run ${name} printed no JSON (exit ${run.code}):\n${run.stderr}`);
  }
}
const repoOf = (d: AssessDoc, name: string) => d.repos.find((r) => r.repo === name) ?? expect.unreachable(`${name} not in the report`);
const mainFindings = (d: AssessDoc, name: string) => d.findings.filter((f) => f.repo === name && f.branch === 'main');

/** Every mission_critical rule, as the issue's repro writes it. */
const EVERY_RULE = [
  {
    type: 'pull_request',
    parameters: {
      required_approving_review_count: 2,
      dismiss_stale_reviews_on_push: true,
      require_code_owner_review: true,
      require_last_push_approval: true,
      required_review_thread_resolution: true,
    },
  },
  {
    type: 'required_status_checks',
    parameters: {
      strict_required_status_checks_policy: true,
      required_status_checks: [
        'qms/dor-validation',
        'qms/security-scan-critical',
        'qms/code-quality-gate',
        'qms/compliance-audit',
        'qms/dod-validation',
      ].map((context) => ({ context })),
    },
  },
  { type: 'required_linear_history' },
  { type: 'non_fast_forward' },
  { type: 'deletion' },
];

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  sb = await startTestSandbox();
  dirs = makeTempDirs('qms-effective-e2e-');
  // The issue's repro: every mission_critical rule, bypassable by every writer (RepositoryRole 4).
  const created = await sb.api('/repos/acme/payments-ledger/rulesets', {
    method: 'POST',
    body: {
      name: 'Mission critical, but not for writers',
      enforcement: 'active',
      bypass_actors: [{ actor_id: 4, actor_type: 'RepositoryRole', bypass_mode: 'always' }],
      conditions: { ref_name: { include: ['~DEFAULT_BRANCH', 'refs/heads/release/**/*', 'refs/heads/hotfix/**/*'], exclude: [] } },
      rules: EVERY_RULE,
    },
  });
  expect(created.status).toBe(201);
  const jobs: Record<string, Promise<QmsRun>> = {
    repro: qms(['--json', 'assess', '--org', 'acme', '--repo', 'payments-ledger']),
    reproRest: qms(['--json', 'assess', '--org', 'acme', '--repo', 'payments-ledger', '--reader', 'rest']),
    rules: qms(['--json', 'assess', '--org', 'acme-rules']),
    rulesRest: qms(['--json', 'assess', '--org', 'acme-rules', '--reader', 'rest']),
    max: qms(['--json', 'assess', '--org', 'acme-rules', '--repo', 'hidden-bypass'], 'max'),
    plan: qms(['--json', 'plan', '--org', 'acme-rules', '--repo', 'pr-allowance,hidden-bypass']),
  };
  const names = Object.keys(jobs);
  const done = await Promise.all(Object.values(jobs));
  names.forEach((n, i) => (runs[n] = done[i]!));
}, 180_000);

afterAll(async () => {
  try {
    sb?.assertContract();
  } finally {
    await sb?.close();
    dirs?.cleanup();
  }
});

describe('1. ruleset bypass actors are honoured', () => {
  it.each(['repro', 'reproRest'])("the issue's repro (%s): a ruleset every writer may bypass protects nobody", (run) => {
    const d = doc(run);
    const r = repoOf(d, 'acme/payments-ledger');
    expect(r).toMatchObject({ status: 'assessed', compliant: false, level: 'none' });
    const reviews = mainFindings(d, 'acme/payments-ledger').find((f) => f.setting === 'requiredReviews');
    expect(reviews).toMatchObject({ severity: 'critical', expected: true, actual: false });
    expect(reviews?.source).toMatch(/^repo ruleset 'Mission critical, but not for writers' \(#\d+\) \(every writer can bypass it\)$/);
    expect(reviews?.message).toMatch(/for every writer \(repo ruleset .*: repository role write, always\)$/);
  });

  it('names each actor that can get around the rules, with the ruleset and the mode', () => {
    const main = mainFindings(doc('rules'), 'acme-rules/bypass-actors');
    const bypass = main
      .filter((f) => f.setting === 'bypass')
      .map((f) => f.actual)
      .sort();
    expect(bypass).toEqual(['app 880001', 'deploy keys', 'maintainers', 'team payments', expect.stringMatching(/^user #\d+$/)]);
    const team = main.find((f) => f.actual === 'team payments')!;
    expect(team.severity).toBe('critical');
    expect(team.message).toMatch(
      /^main: team payments can bypass the pull request requirement, .* \(repo ruleset 'PCI' \(#\d+\): team payments, always\)$/,
    );
    // pull_request mode: a pull request is still needed, none of its requirements.
    const user = main.find((f) => String(f.actual).startsWith('user'))!;
    expect(user.message).toMatch(/can bypass required approvals, .*pull_request\)$/);
    expect(user.message).not.toMatch(/the pull request requirement/);
    // Org admins (pull_request mode) on a tier that asks for enforce admins.
    expect(main.find((f) => f.setting === 'enforceAdmins')?.message).toMatch(/organization admins, pull_request/);
    expect(repoOf(doc('rules'), 'acme-rules/bypass-actors')).toMatchObject({ compliant: false, level: 'none' });
  });
});

describe('2. classic pull request bypass allowances are honoured', () => {
  it('the users and teams that may push without a pull request are findings; the plan removes them', () => {
    const main = mainFindings(doc('rules'), 'acme-rules/pr-allowance').filter((f) => f.setting === 'bypass');
    expect(main.map((f) => f.actual).sort()).toEqual(['team payments', 'user cyrus']);
    expect(main[0]!.message).toMatch(
      /can bypass the pull request requirement, code owner review, .* \(classic rule 'main': pull request bypass allowance\)$/,
    );
    expect(repoOf(doc('rules'), 'acme-rules/pr-allowance').compliant).toBe(false);
    const step = doc<PlanDoc>('plan').steps.find(
      (s) => s.target === 'main' && s.changes.some((c) => c.setting === 'requiredReviews.bypassAllowances'),
    )!;
    expect(step.changes).toEqual([
      { op: '-', setting: 'requiredReviews.bypassAllowances', before: 'users cyrus; teams payments', after: null },
    ]);
  });
});

describe('3. code owner review without usable owners binds nothing', () => {
  it.each([
    ['no-codeowners', 'no CODEOWNERS file', /no CODEOWNERS file in \.github\/, the root or docs\//],
    ['bad-codeowners', 'only invalid owners', /every owner line of \.github\/CODEOWNERS is invalid \(unknown owner\)/],
  ])('%s: a finding of its own', (repo, actual, reason) => {
    const f = mainFindings(doc('rules'), `acme-rules/${repo}`).find((x) => x.setting === 'codeOwners');
    expect(f).toMatchObject({ actual, severity: 'high' });
    expect(f?.message).toMatch(reason);
    // Not met, so not mission- or business-grade.
    expect(repoOf(doc('rules'), `acme-rules/${repo}`).level).toBe('standard');
  });
});

describe('4. required checks no one can satisfy', () => {
  it('a qms/* check pinned to an app, and a check pinned to an app that is not installed, block every merge', () => {
    const main = mainFindings(doc('rules'), 'acme-rules/pinned-checks').filter((f) => f.setting === 'requiredStatusChecks.unsatisfiable');
    expect(main.map((f) => `${f.expected} ${f.actual}`).sort()).toEqual(['ci/lint app 990001', 'qms/dor-validation app 880001']);
    expect(main.find((f) => f.expected === 'ci/lint')?.message).toBe(
      'main: required check ci/lint is pinned to app 990001, which cannot post it (the app is not installed in acme-rules): no merge can pass',
    );
    // ci/build is pinned to GitHub Actions, which posts in every repository: no finding.
    expect(main.some((f) => f.expected === 'ci/build')).toBe(false);
  });
});

describe('5. strict without a required check is not "up to date"', () => {
  it('says which source asks for it and why it has no effect', () => {
    const f = mainFindings(doc('rules'), 'acme-rules/strict-no-checks').find((x) => x.setting === 'requiredStatusChecks.strict');
    expect(f).toMatchObject({ expected: true, actual: false });
    expect(f?.message).toMatch(/\(repo ruleset 'Up to date' \(#\d+\) asks for it, but with no required check it has no effect\)$/);
  });
});

describe('6. no false alarm on enforce admins', () => {
  it('a bypass-free ruleset binds administrators: compliant, mission-grade', () => {
    const r = repoOf(doc('rules'), 'acme-rules/admins-by-ruleset');
    expect(r).toMatchObject({ status: 'assessed', compliant: true, level: 'mission-grade' });
    expect(doc('rules').findings.filter((f) => f.repo === 'acme-rules/admins-by-ruleset')).toEqual([]);
  });
});

describe('7. nobody can push to a locked branch', () => {
  it('a classic lock: no deletion, force-push or pull request finding, and a note says why', () => {
    const r = repoOf(doc('rules'), 'acme-rules/locked');
    expect(r).toMatchObject({ compliant: true, level: 'mission-grade' });
    expect(doc('rules').findings.filter((f) => f.repo === 'acme-rules/locked')).toEqual([]);
    expect(
      r.notes.some((n) =>
        /^main: nobody without a bypass can push \(classic rule 'main' locks the branch\), so the tier's \d+ requirement\(s\) on pushes and merges do not apply to it\.$/.test(
          n,
        ),
      ),
    ).toBe(true);
  });

  it('a ruleset restricting updates: deletions remain its own rule', () => {
    const main = mainFindings(doc('rules'), 'acme-rules/frozen');
    expect(main.map((f) => f.setting)).toEqual(['allowDeletions']);
    expect(
      repoOf(doc('rules'), 'acme-rules/frozen').notes.some((n) =>
        /^main: nobody without a bypass can push \(repo ruleset 'Frozen' \(#\d+\) restricts updates\).*\(deletions are a rule of their own\)\.$/.test(
          n,
        ),
      ),
    ).toBe(true);
  });
});

describe('8. the REST reader does not invent a classic rule', () => {
  it("names wildcard-governed protection by the branch it covers, not as classic rule 'main'", () => {
    const rest = mainFindings(doc('rulesRest'), 'acme-rules/wildcard-main');
    expect(rest.length).toBeGreaterThan(0);
    for (const f of rest) {
      expect(f.source).toMatch(/^classic rule covering 'main'/);
      expect(f.source).not.toMatch(/classic rule 'main'/);
    }
    // The batched reader sees the rule's pattern.
    expect(mainFindings(doc('rules'), 'acme-rules/wildcard-main').every((f) => f.source.startsWith("classic rule '*'"))).toBe(true);
  });
});

describe('9. a hidden bypass list gives a lower bound', () => {
  it('max (admin, not an org owner): "at least standard", and why', () => {
    const r = repoOf(doc('max'), 'acme-rules/hidden-bypass');
    expect(r.level).toBe('at least standard');
    expect(r.level_reason).toMatch(
      /only if nobody may bypass org ruleset 'Hidden baseline' \(#\d+\), whose bypass list this token cannot see/,
    );
    expect(r.status).toBe('unknown');
    expect(r.reason).toMatch(/its bypass list is hidden from this token/);
  });

  it('ada (org owner) sees the list: org admins may bypass in pull_request mode, which mission_critical does not tolerate', () => {
    const r = repoOf(doc('rules'), 'acme-rules/hidden-bypass');
    expect(r.level).toBe('business-grade');
    expect(mainFindings(doc('rules'), 'acme-rules/hidden-bypass').map((f) => f.setting)).toEqual(['enforceAdmins']);
  });
});

describe('both readers', () => {
  it('agree on every acme-rules scenario (settings, severities, levels)', () => {
    const key = (d: AssessDoc) =>
      d.findings.map((f) => `${f.repo} ${f.branch} ${f.setting} ${String(f.expected)} ${String(f.actual)} ${f.severity}`).sort();
    expect(key(doc('rulesRest'))).toEqual(key(doc('rules')));
    expect(doc('rulesRest').repos.map((r) => `${r.repo} ${r.status} ${r.level}`)).toEqual(
      doc('rules').repos.map((r) => `${r.repo} ${r.status} ${r.level}`),
    );
  });
});
