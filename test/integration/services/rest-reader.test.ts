/**
 * The REST live-state reader against the simulator over HTTP: what it reads (only
 * what the policy's targets need), what it records when it cannot see, and how
 * one repository's failure stays that repository's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, InterruptedError, NotFoundError } from '../../../src/core/errors.js';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import type { RepoLiveState } from '../../../src/core/live-state.js';
import { createRestLiveStateReader, RestLiveStateReader, selectBranchesToRead } from '../../../src/services/readers/index.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { collect, countRoute, gatewayAs } from './helpers.js';

const policy = defaultPolicy();
const PROTECTION = 'GET /repos/{owner}/{repo}/branches/{branch}/protection';
const GRAPHQL = 'POST /graphql';

let sb: TestSandbox;
let acme: Map<string, RepoLiveState>;
let graphqlCalls = 0;

beforeAll(async () => {
  sb = await startTestSandbox();
  const from = sb.exchanges.length;
  const reader = createRestLiveStateReader(gatewayAs(sb, 'ada'), { policy });
  const states = await collect(reader.readOrg('acme'));
  acme = new Map(states.map((s) => [s.repo.name, s]));
  graphqlCalls = countRoute(sb, GRAPHQL, from);
});

afterAll(async () => {
  try {
    sb.assertContract();
  } finally {
    await sb.close();
  }
});

describe('RestLiveStateReader.readOrg (owner token)', () => {
  it('yields every repository in name order, marked as read by REST with admin access', () => {
    const names = [...acme.keys()];
    expect(names).toHaveLength(30);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    for (const s of acme.values()) {
      expect(s.reader).toBe('rest');
      expect(s.access).toBe('admin');
      expect(s.readError).toBeNull();
    }
  });

  it('reads the default branch and the existing branches the tier targets, and nothing else', () => {
    const cps = acme.get('core-payment-system')!;
    expect(Object.keys(cps.classicByBranch ?? {}).sort()).toEqual(['hotfix/card-fix', 'main', 'release/1.0', 'release/2.0']);
    expect(Object.keys(cps.rulesByBranch ?? {}).sort()).toEqual(['hotfix/card-fix', 'main', 'release/1.0', 'release/2.0']);
    expect(cps.classicByBranch?.['main']?.kind).toBe('protected');
    // Patterns are only visible through GraphQL: read because the tier targets release/* and hotfix/*.
    expect(cps.classicRules?.map((r) => r.pattern)).toEqual(['main', 'release/*', 'hotfix/*']);
    // web-storefront is standard: only the default branch, and no GraphQL (no pattern target).
    const web = acme.get('web-storefront')!;
    expect(Object.keys(web.classicByBranch ?? {})).toEqual(['main']);
    expect(web.classicRules).toBeNull();
    expect(web.branches).toContain('release/2.0/patch');
    // One GraphQL query per repository with a pattern target (mission and business tiers).
    const withPatterns = [...acme.values()].filter((s) => s.classicRules !== null).length;
    expect(graphqlCalls).toBe(withPatterns);
    expect(withPatterns).toBe(13);
  });

  it('reads the repo config file, and the custom properties when the listing has none', () => {
    expect(acme.get('core-banking-api')!.repoConfigFile).toMatchObject({ kind: 'found', path: '.qms/branch-protection.yml' });
    expect(acme.get('internal-tools')!.repoConfigFile).toEqual({ kind: 'absent' });
    expect(acme.get('payment-gateway')!.customProperties).toMatchObject({ qms_tier: 'mission_critical', compliance_scope: 'pci' });
    expect(acme.get('internal-tools')!.customProperties).toEqual({});
  });

  it('does not read archived or disabled repositories beyond the listing', () => {
    for (const name of ['legacy-billing', 'old-frontend']) {
      const s = acme.get(name)!;
      expect(s.repoConfigFile).toBeNull();
      expect(s.branches).toBeNull();
      expect(s.classicByBranch).toBeNull();
    }
  });

  it('tells empty repositories from small ones by their branches, not by size 0', () => {
    expect(acme.get('new-service')!.repo.empty).toBe(true);
    expect(acme.get('new-service')!.branches).toEqual([]);
    // No files (size 0 in the listing) but a main branch: not empty.
    expect(acme.get('internal-tools')!.repo.empty).toBe(false);
    expect(acme.get('internal-tools')!.branches).toEqual(['main']);
  });

  it('reads merge settings (not in the org listing) only where the tier compares them', () => {
    expect(acme.get('identity-service')!.repo.merge).toEqual({ allowSquashMerge: true, allowMergeCommit: false, allowRebaseMerge: true });
    expect(acme.get('web-storefront')!.repo.merge).toBeNull();
  });

  it('includeArchived: false leaves archived and disabled repositories out', async () => {
    const reader = new RestLiveStateReader(gatewayAs(sb, 'ada'));
    const names = (await collect(reader.readOrg('acme', { includeArchived: false }))).map((s) => s.repo.name);
    expect(names).not.toContain('legacy-billing');
    expect(names).not.toContain('old-frontend');
    expect(names).toHaveLength(28);
  });
});

describe('what the token cannot see', () => {
  it('a read-only token: access read-only, classic protection never requested, no GraphQL', async () => {
    const from = sb.exchanges.length;
    const reader = createRestLiveStateReader(gatewayAs(sb, 'rita'), { policy });
    const states = await collect(reader.readOrg('acme', { repos: ['payments-ledger', 'web-storefront'] }));
    for (const s of states) {
      expect(s.access).toBe('read-only');
      expect(s.accessReason).toMatch(/not admin/);
      expect(s.classicByBranch).toBeNull();
      expect(s.rulesByBranch).not.toBeNull(); // rulesets are readable with read access
    }
    // Without admin GitHub shows an empty rule list; recorded without asking.
    expect(states.find((s) => s.repo.name === 'payments-ledger')!.classicRules).toEqual([]);
    expect(countRoute(sb, PROTECTION, from)).toBe(0);
    expect(countRoute(sb, GRAPHQL, from)).toBe(0);
  });

  it('a private repository on the Free plan: plan-unavailable', async () => {
    const reader = createRestLiveStateReader(gatewayAs(sb, 'ada'), { policy });
    const states = await collect(reader.readOrg('acme-labs'));
    const priv = states.find((s) => s.repo.name === 'labs-private-experiment')!;
    expect(priv.access).toBe('plan-unavailable');
    expect(priv.accessReason).toMatch(/Upgrade to GitHub Pro/);
    expect(priv.readError).toBeNull();
    expect(states.find((s) => s.repo.name === 'labs-public-demo')!.access).toBe('admin');
  });
});

describe('failures', () => {
  it('a repository whose reads keep failing gets readError; the others are read', async () => {
    const own = await startTestSandbox();
    try {
      own.sandbox.faults.add({ route: '/repos/{owner}/{repo}/rulesets', kind: 'status', status: 502, skip: 1, times: 0 });
      const reader = createRestLiveStateReader(gatewayAs(own, 'ada'), { policy, concurrency: 1 });
      const states = await collect(reader.readOrg('acme', { repos: ['mobile-app', 'crm-sync'] }));
      expect(states.map((s) => s.repo.name)).toEqual(['crm-sync', 'mobile-app']);
      expect(states[0]!.readError).toBeNull();
      expect(states[1]!.readError).toMatch(/502/);
      // Retried before giving up (plugin-retry: 3 retries).
      expect(own.exchanges.filter((e) => e.route === '/repos/{owner}/{repo}/rulesets' && e.status === 502)).toHaveLength(4);
    } finally {
      await own.close();
    }
  });

  it('a rejected token ends the run (AuthError), it is not a per-repository failure', async () => {
    const reader = createRestLiveStateReader(gatewayAs(sb, 'nobody'), { policy });
    await expect(collect(reader.readOrg('acme'))).rejects.toBeInstanceOf(AuthError);
  });

  it('a missing org or repository is a clear NotFoundError', async () => {
    const reader = createRestLiveStateReader(gatewayAs(sb, 'ada'), { policy });
    await expect(collect(reader.readOrg('no-such-org'))).rejects.toThrow(
      /^organization no-such-org does not exist or this token cannot see it$/,
    );
    await expect(collect(reader.readOrg('acme', { repos: ['nope'] }))).rejects.toBeInstanceOf(NotFoundError);
    await expect(reader.readRepo({ owner: 'acme', name: 'nope' })).rejects.toThrow(/repository acme\/nope does not exist/);
  });

  it('an aborted signal stops the run with InterruptedError', async () => {
    const controller = new AbortController();
    controller.abort(new InterruptedError('stop'));
    const reader = createRestLiveStateReader(gatewayAs(sb, 'ada'), { policy });
    await expect(collect(reader.readOrg('acme', { signal: controller.signal }))).rejects.toBeInstanceOf(InterruptedError);
  });

  it('readRepo reads one repository freshly', async () => {
    const reader = createRestLiveStateReader(gatewayAs(sb, 'ada'), { policy });
    const s = await reader.readRepo({ owner: 'acme', name: 'infra-terraform' });
    expect(Object.keys(s.classicByBranch ?? {}).sort()).toEqual(['main', 'release/2025.08']);
    expect(s.classicByBranch?.['release/2025.08']).toEqual({ kind: 'unprotected' });
  });
});

describe('selectBranchesToRead', () => {
  const repo = { defaultBranch: 'main' } as Parameters<typeof selectBranchesToRead>[0];
  it('expands patterns over existing branches (fnmatch: * does not cross /) and keeps exact names that exist', () => {
    const branches = ['main', 'release/1.0', 'release/1.0/x', 'hotfix/a', 'dev'];
    expect(selectBranchesToRead(repo, branches, ['~DEFAULT_BRANCH', 'release/*'])).toEqual(['main', 'release/1.0']);
    expect(selectBranchesToRead(repo, branches, ['~DEFAULT_BRANCH', 'dev', 'staging'])).toEqual(['dev', 'main']);
    expect(selectBranchesToRead(repo, [], ['release/*'])).toEqual(['main']);
  });
});
