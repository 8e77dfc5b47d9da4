/**
 * A small in-memory simulator state for the GraphQL executor's unit tests,
 * built in code so each test sees exactly what it asserts on.
 */
import type { SimOrg, SimProtectionRule, SimRepo, SimRuleset, SimState, SimUser } from '../../src/model.js';
import type { ExecuteGraphqlContext } from '../../src/graphql/index.js';

const nodeId = (prefix: string, id: number): string => `${prefix}_${Buffer.from(`test:${prefix}:${id}`).toString('base64url')}`;
const sha = (n: number): string => n.toString(16).padStart(40, 'a');

function user(id: number, login: string): SimUser {
  return { id, nodeId: nodeId('U', id), login, name: login.toUpperCase(), type: 'User', token: `t_${login}`, persona: '', roles: [] };
}

export function repo(id: number, name: string, over: Partial<SimRepo> = {}): SimRepo {
  return {
    id,
    nodeId: nodeId('R', id),
    owner: 'acme',
    name,
    description: null,
    visibility: 'public',
    archived: false,
    disabled: false,
    fork: false,
    language: 'TypeScript',
    topics: ['tier-1'],
    defaultBranch: 'main',
    createdAt: `2024-01-01T00:00:${String(id % 60).padStart(2, '0')}Z`,
    updatedAt: '2024-02-01T00:00:00Z',
    pushedAt: '2024-02-01T00:00:00Z',
    allowSquashMerge: true,
    allowMergeCommit: false,
    allowRebaseMerge: true,
    deleteBranchOnMerge: true,
    customProperties: {},
    branches: { main: sha(id) },
    files: {},
    protectionRules: [],
    rulesets: [],
    collaborators: {},
    teams: { core: 'write' },
    pulls: [],
    statuses: {},
    ...over,
  };
}

export function rule(id: number, pattern: string, over: Partial<SimProtectionRule> = {}): SimProtectionRule {
  return {
    id,
    nodeId: `BPR_${Buffer.from(`test:BranchProtectionRule:${id}`).toString('base64url')}`,
    pattern,
    createdAt: '2024-01-05T00:00:00Z',
    requiredReviews: {
      count: 2,
      dismissStale: true,
      codeOwners: true,
      lastPushApproval: false,
      dismissalRestrictions: null,
      bypassAllowances: null,
    },
    requiredStatusChecks: {
      strict: true,
      checks: [
        { context: 'ci/build', appId: 900 },
        { context: 'qms/dor-validation', appId: null },
      ],
    },
    enforceAdmins: true,
    requiredSignatures: false,
    linearHistory: true,
    allowForcePushes: false,
    allowDeletions: false,
    blockCreations: false,
    conversationResolution: true,
    lockBranch: false,
    allowForkSyncing: false,
    restrictions: null,
    ...over,
  };
}

/**
 * Org `acme` (team plan, base permission read) with users ada (org owner),
 * bob (member in team `core`, write), cyd (member, read), eve (outsider);
 * repositories api (public, two rules), web (private), old (archived),
 * secret (private), then `extra` generated public repositories r-000…;
 * org `freeco` (free plan) with private repository `closed`.
 */
export function buildState(extra = 0): SimState {
  // eve belongs to no organization: she sees public repositories only.
  const users = [user(1, 'ada'), user(2, 'bob'), user(3, 'cyd'), user(4, 'eve')];
  const org: SimOrg = {
    id: 100,
    nodeId: nodeId('O', 100),
    login: 'acme',
    name: 'Acme',
    plan: 'team',
    defaultRepositoryPermission: 'read',
    members: { ada: 'admin', bob: 'member', cyd: 'member' },
    teams: [{ id: 200, nodeId: nodeId('T', 200), slug: 'core', name: 'Core', members: { bob: 'member' } }],
    rulesets: [],
    propertySchema: [],
  };
  const orgRuleset: SimRuleset = {
    id: 300,
    node_id: nodeId('RRS', 300),
    name: 'tier-1 main',
    target: 'branch',
    source_type: 'Organization',
    source: 'acme',
    enforcement: 'active',
    bypass_actors: [
      { actor_id: 200, actor_type: 'Team', bypass_mode: 'pull_request' },
      { actor_id: 5, actor_type: 'RepositoryRole', bypass_mode: 'always' },
    ],
    conditions: {
      ref_name: { include: ['~DEFAULT_BRANCH'], exclude: [] },
      repository_property: { include: [{ name: 'tier', property_values: ['1'], source: 'custom' }], exclude: [] },
    },
    rules: [
      { type: 'deletion' },
      {
        type: 'pull_request',
        parameters: {
          required_approving_review_count: 2,
          dismiss_stale_reviews_on_push: true,
          require_code_owner_review: false,
          require_last_push_approval: true,
          required_review_thread_resolution: false,
        },
      },
      {
        type: 'required_status_checks',
        parameters: { strict_required_status_checks_policy: true, required_status_checks: [{ context: 'qms/dor-validation' }] },
      },
    ],
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
  };
  org.rulesets.push(orgRuleset);

  const api = repo(10, 'api', {
    customProperties: { tier: '1' },
    branches: { main: sha(10), 'release/1.0': sha(11), 'release/2.0': sha(12), 'release/1.0/hotfix': sha(13), 'feature/x': sha(14) },
    files: { '.qms/branch-protection.yml': 'tier: 1\n', '.github/CODEOWNERS': '* @acme/core\n', 'README.md': '# api\n' },
    protectionRules: [
      rule(20, 'main', { restrictions: { users: [1], teams: [200], apps: [900] } }),
      rule(21, 'release/*', { requiredReviews: null, requiredStatusChecks: null, enforceAdmins: false }),
    ],
    collaborators: { cyd: 'read' },
  });
  const web = repo(11, 'web', { visibility: 'private', protectionRules: [rule(22, 'main')] });
  const old = repo(12, 'old', { archived: true, protectionRules: [rule(23, 'main')] });
  const secret = repo(13, 'secret', { visibility: 'private', teams: {}, collaborators: {} });
  const repos: SimRepo[] = [api, web, old, secret];
  for (let i = 0; i < extra; i++) repos.push(repo(1000 + i, `r-${String(i).padStart(3, '0')}`));

  // A Free org whose private repositories cannot use protection.
  const free: SimOrg = {
    ...org,
    id: 101,
    nodeId: nodeId('O', 101),
    login: 'freeco',
    name: 'Free Co',
    plan: 'free',
    teams: [],
    rulesets: [],
  };
  repos.push(repo(14, 'closed', { owner: 'freeco', visibility: 'private', teams: {} }));
  return {
    version: 1,
    nextId: 5000,
    clock: '2024-03-01T00:00:00Z',
    users,
    apps: [{ id: 900, nodeId: nodeId('A', 900), slug: 'ci-bot', name: 'CI Bot' }],
    orgs: [org, free],
    repos,
  };
}

export interface TestContext extends ExecuteGraphqlContext {
  dirty: number;
}

/** A GraphQL context acting as `login` over `state`. */
export function contextFor(state: SimState, login: string, over: Partial<ExecuteGraphqlContext> = {}): TestContext {
  const viewer = state.users.find((u) => u.login === login) ?? null;
  const ctx: TestContext = {
    state,
    viewer,
    dirty: 0,
    now: () => new Date(state.clock),
    markDirty: () => {
      ctx.dirty++;
    },
    allocateId: () => state.nextId++,
    timestamp: () => {
      state.clock = new Date(new Date(state.clock).getTime() + 1000).toISOString().replace('.000Z', 'Z');
      return state.clock;
    },
    apiUrl: 'http://127.0.0.1:1',
    ...over,
  };
  return ctx;
}
