/**
 * Generates large organizations for benchmarks (1k, 10k repositories): a
 * deterministic (seeded) but realistic mix of tiers and evidence (custom
 * property, topic, repo config file, name pattern, nothing), protection
 * (none, partial, full, wildcard release rules, rulesets), branches
 * (main, release/*, hotfix/*), archived, forks and empty repositories.
 */
import type { SimOrg, SimPlan, SimProtectionRule, SimRepo, SimRuleset, SimState, SimUser } from './model.js';
import { FIXTURE_CLOCK, iso, legacyNodeId, prefixedNodeId, sandboxToken } from './fixture-build.js';
import { fakeSha } from './render/commits.js';
import { createRandom } from './random.js';

export interface GenerateOrgOptions {
  login: string;
  repos: number;
  /** PRNG seed: same options, same org. */
  seed?: number;
  plan?: SimPlan;
  /** Add the org to this state (e.g. the fixture) instead of a fresh one; its users become members. */
  into?: SimState;
}

const TIERS = ['mission_critical', 'business_critical', 'standard', 'experimental'] as const;
const WORDS = [
  'billing',
  'ledger',
  'checkout',
  'identity',
  'search',
  'catalog',
  'orders',
  'fraud',
  'gateway',
  'inventory',
  'notify',
  'pricing',
  'profile',
  'routing',
  'shipping',
  'support',
  'analytics',
  'auth',
  'cache',
  'config',
];
const LANGUAGES = ['TypeScript', 'Go', 'Java', 'Python', 'Kotlin', 'Ruby', null];
const CHECKS = ['qms/dor-validation', 'qms/security-scan-critical', 'qms/code-quality-gate', 'qms/compliance-audit', 'qms/dod-validation'];

function baseUsers(state: SimState, alloc: () => number): SimUser[] {
  const people = [
    ['ada', 'Ada Lovelace', 'Ops engineer and org owner'],
    ['max', 'Max Mustermann', 'Maintainer'],
    ['rita', 'Rita Reader', 'Read-only member'],
  ] as const;
  for (const [login, name, persona] of people) {
    if (state.users.some((u) => u.login === login)) continue;
    const id = alloc();
    state.users.push({ id, nodeId: legacyNodeId('User', id), login, name, type: 'User', token: sandboxToken(login), persona, roles: [] });
  }
  return state.users;
}

function rule(alloc: () => number, pattern: string, created: string, strength: 'full' | 'partial'): SimProtectionRule {
  const id = alloc();
  const full = strength === 'full';
  return {
    id,
    nodeId: prefixedNodeId('BPR', 'BranchProtectionRule', id),
    pattern,
    createdAt: created,
    requiredReviews: {
      count: full ? 2 : 1,
      dismissStale: full,
      codeOwners: full,
      lastPushApproval: false,
      dismissalRestrictions: null,
      bypassAllowances: null,
    },
    requiredStatusChecks: full ? { strict: true, checks: CHECKS.map((context) => ({ context, appId: null })) } : null,
    enforceAdmins: full,
    requiredSignatures: false,
    linearHistory: full,
    allowForcePushes: false,
    allowDeletions: false,
    blockCreations: false,
    conversationResolution: full,
    lockBranch: false,
    allowForkSyncing: false,
    restrictions: null,
  };
}

function ruleset(alloc: () => number, source: string, created: string): SimRuleset {
  const id = alloc();
  return {
    id,
    node_id: prefixedNodeId('RRS', 'RepositoryRuleset', id),
    name: 'Default branch protection',
    target: 'branch',
    source_type: 'Repository',
    source,
    enforcement: 'active',
    bypass_actors: [],
    conditions: { ref_name: { include: ['~DEFAULT_BRANCH'], exclude: [] } },
    rules: [
      {
        type: 'pull_request',
        parameters: {
          required_approving_review_count: 2,
          dismiss_stale_reviews_on_push: true,
          require_code_owner_review: true,
          require_last_push_approval: false,
          required_review_thread_resolution: true,
        },
      },
      { type: 'non_fast_forward' },
      { type: 'deletion' },
    ],
    created_at: created,
    updated_at: created,
  };
}

/** A fresh state (or `into`) with one generated organization of `repos` repositories. */
export function generateOrg(options: GenerateOrgOptions): SimState {
  const rand = createRandom(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const state: SimState = options.into ?? { version: 1, nextId: 1000, clock: FIXTURE_CLOCK, users: [], apps: [], orgs: [], repos: [] };
  const alloc = (): number => state.nextId++;
  const users = baseUsers(state, alloc);

  const orgId = alloc();
  const members: SimOrg['members'] = {};
  for (const u of users) members[u.login] = u.login === 'ada' ? 'admin' : 'member';
  const teamSlugs = ['platform', 'payments', 'web', 'data'];
  const org: SimOrg = {
    id: orgId,
    nodeId: legacyNodeId('Organization', orgId),
    login: options.login,
    name: `${options.login} (generated)`,
    plan: options.plan ?? 'enterprise',
    defaultRepositoryPermission: 'read',
    members,
    teams: teamSlugs.map((slug) => {
      const id = alloc();
      const teamMembers: Record<string, 'member' | 'maintainer'> = slug === 'web' && members['max'] ? { max: 'maintainer' } : {};
      return { id, nodeId: legacyNodeId('Team', id), slug, name: `${slug[0]?.toUpperCase() ?? ''}${slug.slice(1)}`, members: teamMembers };
    }),
    rulesets: [],
    propertySchema: [
      {
        property_name: 'qms_tier',
        value_type: 'single_select',
        required: false,
        default_value: null,
        description: 'QMS tier',
        allowed_values: [...TIERS],
        values_editable_by: 'org_actors',
      },
      {
        property_name: 'compliance_scope',
        value_type: 'single_select',
        required: false,
        default_value: null,
        description: 'Regulatory scope',
        allowed_values: ['pci', 'sox', 'none'],
        values_editable_by: 'org_actors',
      },
    ],
  };
  state.orgs.push(org);

  const epoch = Date.parse('2020-01-01T00:00:00Z');
  const width = String(options.repos).length;
  for (let i = 0; i < options.repos; i++) {
    const tier = pick(TIERS);
    const evidence = rand();
    const word = pick(WORDS);
    const n = String(i).padStart(width, '0');
    // Name-pattern evidence follows the default policy's globs (poc-*, *-reporting, payments-*).
    const name =
      evidence > 0.55 && evidence <= 0.65
        ? tier === 'experimental'
          ? `poc-${word}-${n}`
          : tier === 'business_critical'
            ? `${word}-${n}-reporting`
            : tier === 'mission_critical'
              ? `payments-${word}-${n}`
              : `${word}-${n}-docs`
        : `${word}-service-${n}`;
    const created = iso(epoch + i * 600_000);
    const id = alloc();
    const shape = rand();
    const empty = shape < 0.01;
    const branches: Record<string, string> = {};
    const full = `${options.login}/${name}`;
    if (!empty) {
      branches['main'] = fakeSha(`${full}@main`);
      if (rand() < 0.35) for (const b of ['release/1.0', 'release/2.0']) branches[b] = fakeSha(`${full}@${b}`);
      if (rand() < 0.15) branches['hotfix/urgent-fix'] = fakeSha(`${full}@hotfix/urgent-fix`);
    }
    const repo: SimRepo = {
      id,
      nodeId: legacyNodeId('Repository', id),
      owner: options.login,
      name,
      description: `${word} service #${i}`,
      visibility: rand() < 0.7 ? 'private' : 'public',
      archived: shape >= 0.01 && shape < 0.04,
      disabled: false,
      fork: shape >= 0.04 && shape < 0.06,
      language: pick(LANGUAGES),
      topics: evidence > 0.2 && evidence <= 0.35 ? [`qms-tier-${tier}`] : [],
      defaultBranch: 'main',
      createdAt: created,
      updatedAt: created,
      pushedAt: empty ? null : created,
      allowSquashMerge: true,
      allowMergeCommit: rand() < 0.5,
      allowRebaseMerge: rand() < 0.5,
      deleteBranchOnMerge: rand() < 0.3,
      customProperties: evidence <= 0.2 ? { qms_tier: tier } : {},
      branches,
      files:
        evidence > 0.35 && evidence <= 0.45 ? { '.qms/branch-protection.yml': `repository:\n  name: "${name}"\n  tier: "${tier}"\n` } : {},
      protectionRules: [],
      rulesets: [],
      collaborators: {},
      teams: { [pick(teamSlugs)]: pick(['write', 'maintain', 'admin'] as const) },
      pulls: [],
      statuses: {},
    };
    if (tier === 'mission_critical' && rand() < 0.5) repo.customProperties['compliance_scope'] = 'pci';
    if (!empty) {
      const p = rand();
      if (p < 0.3) repo.protectionRules.push(rule(alloc, 'main', created, 'full'));
      else if (p < 0.55) repo.protectionRules.push(rule(alloc, 'main', created, 'partial'));
      else if (p < 0.6) repo.rulesets.push(ruleset(alloc, full, created));
      if (branches['release/1.0'] && rand() < 0.5)
        repo.protectionRules.push(rule(alloc, 'release/*', created, rand() < 0.5 ? 'full' : 'partial'));
    }
    state.repos.push(repo);
  }
  return state;
}
