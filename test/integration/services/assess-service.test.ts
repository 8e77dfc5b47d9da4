/**
 * evaluateOrg / evaluateRepo and runAssess against the simulator and a real
 * SQLite store in a temp dir.
 */
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { UsageError } from '../../../src/core/errors.js';
import type { RepoLiveState } from '../../../src/core/live-state.js';
import { createLiveState } from '../../../src/core/live-state.js';
import type { RepoInfo } from '../../../src/core/github-types.js';
import { parseConcurrencyOption, parseFailOn, parseOrgOption, parseRepoOptions, runAssess } from '../../../src/services/assess.js';
import { createBranchTargetsResolver, evaluateOrg, evaluateRepo, resolveTierOption } from '../../../src/services/evaluate.js';
import type { LiveStateReader } from '../../../src/services/evaluation.js';
import { createRestLiveStateReader } from '../../../src/services/readers/index.js';
import { useContractSandbox } from '../../helpers/sandbox.js';
import { collect, countRoute, gatewayAs, tempStore } from './helpers.js';

const policy = defaultPolicy();
/** The simulator, contract-checked when the file ends. */
const sb = useContractSandbox();

function repoInfo(name: string, extra: Partial<RepoInfo> = {}): RepoInfo {
  return {
    owner: 'acme',
    name,
    id: 1,
    nodeId: 'R_1',
    ownerType: 'Organization',
    fullName: `acme/${name}`,
    visibility: 'private',
    archived: false,
    disabled: false,
    fork: false,
    empty: false,
    defaultBranch: 'main',
    topics: [],
    language: null,
    customProperties: {},
    viewerPermission: 'admin',
    merge: null,
    ...extra,
  };
}

/** A reader serving fixed states (evaluate is pure orchestration over any reader). */
function fixedReader(states: RepoLiveState[]): LiveStateReader {
  return {
    kind: 'graphql',
    async *readOrg() {
      yield* states;
    },
    async readRepo(ref) {
      const s = states.find((x) => x.repo.name === ref.name);
      if (!s) throw new Error('missing');
      return s;
    },
  };
}

describe('evaluate', () => {
  it('--tier: only repositories of that tier come out, and only they are read in full', async () => {
    const from = sb.exchanges.length;
    const reader = createRestLiveStateReader(gatewayAs(sb, 'ada'), { policy, tier: 'experimental' });
    const out = await collect(evaluateOrg({ reader, policy }, { org: 'acme', tier: 'Experimental' }));
    expect(out.map((e) => e.live.repo.name)).toEqual(['hackathon-2025', 'poc-ml-ranking', 'qms-testing-sandbox', 'research-notebooks']);
    expect(out.every((e) => e.classification.tier === 'experimental')).toBe(true);
    // Protection was read for the four experimental repositories' main branches only.
    expect(countRoute(sb, 'GET /repos/{owner}/{repo}/branches/{branch}/protection', from)).toBe(4);
    expect(countRoute(sb, 'POST /graphql', from)).toBe(0);
  });

  it('resolveTierOption accepts the policy names leniently and rejects others naming the valid tiers', () => {
    expect(resolveTierOption(policy, 'mission-critical')).toBe('mission_critical');
    expect(() => resolveTierOption(policy, 'gold')).toThrow(UsageError);
    expect(() => resolveTierOption(policy, 'gold')).toThrow(
      '--tier: unknown tier "gold"; the policy defines mission_critical, business_critical, standard, experimental',
    );
  });

  it('the targets resolver says what to read: tier targets (tightened by the repo config), merge settings, nothing for skipped repos', () => {
    const resolve = createBranchTargetsResolver(policy);
    expect(resolve(createLiveState(repoInfo('x', { archived: true })))).toBeNull();
    // codeOwners: some tier asks for code owner review, so CODEOWNERS is read wherever protection is.
    expect(resolve(createLiveState(repoInfo('payments-api')))).toEqual({
      branches: ['~DEFAULT_BRANCH', 'release/*', 'hotfix/*'],
      mergeSettings: true,
      codeOwners: true,
    });
    expect(resolve(createLiveState(repoInfo('tool')))).toEqual({ branches: ['~DEFAULT_BRANCH'], mergeSettings: false, codeOwners: true });
    const withConfig = createLiveState(repoInfo('tool'), {
      repoConfigFile: {
        kind: 'found',
        path: '.qms/branch-protection.yml',
        text: 'repository:\n  tier: standard\nbranch_protection:\n  target_branches: ["develop"]\n',
      },
    });
    expect(resolve(withConfig)?.branches).toEqual(['~DEFAULT_BRANCH', 'develop']);
    expect(createBranchTargetsResolver(policy, { tier: 'experimental' })(createLiveState(repoInfo('tool')))).toBeNull();
  });

  it('evaluates whatever reader it is given, the same way (a fixed reader standing in for the batched one)', async () => {
    const states = [
      createLiveState(repoInfo('a'), {
        access: 'admin',
        branches: ['main'],
        classicByBranch: { main: { kind: 'unprotected' } },
        rulesets: [],
        rulesByBranch: { main: [] },
        customProperties: {},
        repoConfigFile: { kind: 'absent' },
      }),
      createLiveState(repoInfo('b'), { readError: 'boom' }),
    ];
    const out = await collect(evaluateOrg({ reader: fixedReader(states), policy }, { org: 'acme' }));
    expect(out[0]!.assessment.status).toBe('assessed');
    expect(out[0]!.assessment.findings.find((f) => f.setting === 'requiredReviews')).toBeDefined();
    expect(out[1]!.assessment.status).toBe('error');
    const one = await evaluateRepo({ reader: fixedReader(states), policy }, { owner: 'acme', name: 'a' });
    expect(one.assessment.findings).toEqual(out[0]!.assessment.findings);
  });
});

describe('runAssess', () => {
  it('stores the run, its findings and repo results, and computes the exit code from --fail-on', async () => {
    const { store, dispose } = tempStore();
    try {
      const reader = createRestLiveStateReader(gatewayAs(sb, 'ada'), { policy });
      const deps = { reader, policy, policyOrigin: { kind: 'builtin' as const }, store, actor: 'ada', apiUrl: sb.url, toolVersion: 'test' };
      const report = await runAssess(deps, {
        org: 'acme',
        repos: ['payments-ledger', 'qms-testing-sandbox', 'legacy-billing'],
        failOn: 'high',
      });
      expect(report.exitCode).toBe(1);
      expect(report.summary.byStatus).toMatchObject({ assessed: 2, skipped: 1 });
      expect(store.runs.countFindings(report.runId)).toBe(report.findings.length);
      expect(store.runs.get(report.runId)).toMatchObject({ kind: 'assess', status: 'succeeded', actor: 'ada', org: 'acme' });
      expect(store.runs.getRepoResult(report.runId, 'acme/legacy-billing')).toMatchObject({ status: 'skipped' });
      expect(store.runs.getRepoResult(report.runId, 'acme/qms-testing-sandbox')).toMatchObject({ status: 'ok', level: 'basic' });
      const stored = [...store.runs.iterateFindings(report.runId)];
      expect(stored.every((f) => f.status === 'gap')).toBe(true);
      expect(stored.map((f) => f.setting).sort()).toEqual(report.findings.map((f) => f.setting).sort());

      const lenient = await runAssess(deps, { org: 'acme', repos: ['qms-testing-sandbox'], failOn: 'critical' });
      expect(lenient.exitCode).toBe(0);
      const none = await runAssess(deps, { org: 'acme', repos: ['payments-ledger'], failOn: 'none' });
      expect(none.exitCode).toBe(0);
      expect(none.summary.failing).toBe(0);
    } finally {
      dispose();
    }
  });

  it('a failing repository makes the run partial (exit 4); a fatal error marks the run failed', async () => {
    const { store, dispose } = tempStore();
    try {
      const states = [
        createLiveState(repoInfo('ok'), {
          access: 'admin',
          branches: ['main'],
          classicByBranch: { main: { kind: 'unprotected' } },
          rulesets: [],
          rulesByBranch: { main: [] },
          customProperties: {},
          repoConfigFile: { kind: 'absent' },
        }),
        createLiveState(repoInfo('bad'), { readError: 'GitHub answered 500' }),
      ];
      const deps = { policy, policyOrigin: { kind: 'builtin' as const }, store, actor: 'ada', apiUrl: null, toolVersion: null };
      const partial = await runAssess({ ...deps, reader: fixedReader(states) }, { org: 'acme', failOn: 'none' });
      expect(partial.exitCode).toBe(4);
      expect(store.runs.get(partial.runId)?.status).toBe('partial');
      expect(store.runs.getRepoResult(partial.runId, 'acme/bad')).toMatchObject({ status: 'failed' });

      const exploding: LiveStateReader = {
        kind: 'rest',
        async *readOrg() {
          yield states[0]!;
          throw new Error('network gone');
        },
        readRepo: () => Promise.reject(new Error('no')),
      };
      await expect(runAssess({ ...deps, reader: exploding }, { org: 'acme', failOn: 'high' })).rejects.toThrow('network gone');
      const failed = store.runs.latest({ kind: 'assess', status: 'failed' });
      expect(failed).not.toBeNull();
      // What was assessed before the failure is kept.
      expect(store.runs.getRepoResult(failed!.id, 'acme/ok')).not.toBeNull();
    } finally {
      dispose();
    }
  });
});

describe('flag parsing (hostile input is refused before any request)', () => {
  it('--org', () => {
    expect(parseOrgOption('acme-labs')).toBe('acme-labs');
    for (const bad of [undefined, '', '-acme', 'acme--x', 'a/b', '$(id)', 'a'.repeat(40), 'acme\u001b[31m']) {
      expect(() => parseOrgOption(bad), String(bad)).toThrow(UsageError);
    }
  });

  it('--repo', () => {
    expect(parseRepoOptions('acme', ['api', 'acme/web', 'ACME/web', 'api'])).toEqual(['api', 'web']);
    for (const bad of ['..', '.', '../etc', 'other/api', 'a/b/c', 'x;rm -rf /', 'ünï', 'a'.repeat(101), 'a b']) {
      expect(() => parseRepoOptions('acme', [bad]), bad).toThrow(UsageError);
    }
    // Long values are cut in the message.
    expect(() => parseRepoOptions('acme', ['x'.repeat(500) + '!'])).toThrow(/…"/);
  });

  it('--fail-on and --concurrency', () => {
    expect(parseFailOn(undefined)).toBe('high');
    expect(parseFailOn('CRITICAL')).toBe('critical');
    expect(() => parseFailOn('severe')).toThrow('--fail-on must be one of critical, high, medium, low, none; got "severe"');
    expect(parseConcurrencyOption('4')).toBe(4);
    for (const bad of ['0', '33', '2.5', 'x', '-1']) expect(() => parseConcurrencyOption(bad), bad).toThrow(UsageError);
  });
});
