/**
 * Turns the compact fixture (already schema-checked) into a SimState:
 * deterministic ids, node ids, shas and timestamps, so two loads of the same
 * fixture are identical. Cross-references (users, teams, apps, properties,
 * branches) are checked here and reported with their location.
 */
import type { SimActorIds, SimApp, SimOrg, SimProtectionRule, SimPull, SimRepo, SimRuleset, SimState, SimUser } from './model.js';
import { fakeSha } from './render/commits.js';

type Path = (string | number)[];
export type Locate = (file: string, path: Path, message: string) => void;

interface FixtureActors {
  users?: string[];
  teams?: string[];
  apps?: string[];
}
export interface FixtureBypass {
  user?: string;
  team?: string;
  app?: string;
  org_admin?: true;
  role?: 'admin' | 'maintain' | 'write';
  deploy_key?: true;
  mode: 'always' | 'pull_request' | 'exempt';
}
export interface FixtureRuleset {
  name: string;
  target?: SimRuleset['target'];
  enforcement: SimRuleset['enforcement'];
  bypass?: FixtureBypass[];
  conditions?: Record<string, unknown>;
  rules: { type: string; parameters?: Record<string, unknown> }[];
}
export interface FixtureRule {
  pattern: string;
  created_at?: string;
  reviews?: {
    count?: number;
    code_owners?: boolean;
    dismiss_stale?: boolean;
    last_push?: boolean;
    dismissal?: FixtureActors;
    bypass?: FixtureActors;
  };
  checks?: { strict?: boolean; contexts: (string | { context: string; app?: string })[] };
  enforce_admins?: boolean;
  signatures?: boolean;
  linear_history?: boolean;
  force_pushes?: boolean;
  deletions?: boolean;
  block_creations?: boolean;
  conversation_resolution?: boolean;
  lock?: boolean;
  fork_syncing?: boolean;
  restrictions?: FixtureActors;
}
export interface FixturePull {
  number: number;
  title: string;
  body?: string;
  author: string;
  state?: 'open' | 'closed';
  draft?: boolean;
  merged?: boolean;
  base?: string;
  head: string;
  labels?: string[];
  created_at?: string;
  files?: { path: string; status?: SimPull['files'][number]['status']; additions?: number; deletions?: number }[];
  commits?: { message: string; author?: string; verified?: boolean }[];
  reviews?: { user: string; state: SimPull['reviews'][number]['state']; body?: string }[];
  requested_reviewers?: string[];
  requested_teams?: string[];
}
export interface FixtureRepo {
  name: string;
  description?: string | null;
  visibility?: SimRepo['visibility'];
  archived?: boolean;
  disabled?: boolean;
  fork?: boolean;
  language?: string | null;
  topics?: string[];
  properties?: Record<string, string | string[] | null>;
  default_branch?: string;
  branches?: string[];
  created_at?: string;
  merge?: { squash?: boolean; merge_commit?: boolean; rebase?: boolean; delete_branch_on_merge?: boolean };
  teams?: Record<string, SimRepo['collaborators'][string]>;
  collaborators?: Record<string, SimRepo['collaborators'][string]>;
  files?: Record<string, string>;
  protection?: FixtureRule[];
  rulesets?: FixtureRuleset[];
  pulls?: FixturePull[];
  statuses?: {
    ref: string;
    state: SimRepo['statuses'][string][number]['state'];
    context: string;
    description?: string;
    target_url?: string;
    creator: string;
    app?: string;
  }[];
}
export interface FixtureOrg {
  login: string;
  name: string;
  plan: SimOrg['plan'];
  default_repository_permission?: SimOrg['defaultRepositoryPermission'];
  members: { admin?: string[]; member?: string[] };
  teams?: { slug: string; name: string; maintainers?: string[]; members?: string[] }[];
  properties?: {
    name: string;
    type: 'string' | 'single_select' | 'multi_select' | 'true_false';
    values?: string[];
    required?: boolean;
    default?: string | string[] | null;
    description?: string;
    editable_by?: 'org_actors' | 'org_and_repo_actors';
  }[];
  rulesets?: FixtureRuleset[];
  installations?: string[];
}
export interface FixtureInput {
  users: {
    file: string;
    data: {
      users: { login: string; name: string; persona: string; roles?: string[]; type?: 'User' | 'Bot' }[];
      apps?: { slug: string; name: string; id?: number }[];
    };
  };
  orgs: { file: string; data: FixtureOrg }[];
  repos: { file: string; owner: string; data: { repositories: FixtureRepo[] } }[];
}

/** Fixture timestamps start here; the simulator clock starts after the last of them. */
const EPOCH = Date.parse('2025-06-01T09:00:00Z');
export const FIXTURE_CLOCK = '2025-08-17T09:00:00Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** GitHub's legacy node id format, e.g. MDQ6VXNlcjE= for User 1. */
export function legacyNodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64');
}

export function prefixedNodeId(prefix: string, type: string, id: number): string {
  return `${prefix}_${Buffer.from(`sandbox:${type}:${id}`).toString('base64url')}`;
}

export const sandboxToken = (login: string): string => `qms_sandbox_${login}`;

/** Repository role ids GitHub uses for RepositoryRole bypass actors. */
const ROLE_IDS = { admin: 5, maintain: 2, write: 4 } as const;

export function buildState(input: FixtureInput, fail: Locate): SimState {
  let nextId = 1000;
  const alloc = (): number => nextId++;
  const users: SimUser[] = [];
  const userByLogin = new Map<string, SimUser>();
  const uf = input.users.file;
  input.users.data.users.forEach((u, i) => {
    if (userByLogin.has(u.login)) fail(uf, ['users', i, 'login'], `duplicate user "${u.login}"`);
    const id = alloc();
    const user: SimUser = {
      id,
      nodeId: legacyNodeId('User', id),
      login: u.login,
      name: u.name,
      type: u.type ?? 'User',
      token: sandboxToken(u.login),
      persona: u.persona,
      roles: u.roles ?? [],
    };
    users.push(user);
    userByLogin.set(u.login, user);
  });
  const apps: SimApp[] = (input.users.data.apps ?? []).map((a) => {
    const id = a.id ?? alloc();
    return { id, nodeId: legacyNodeId('Integration', id), slug: a.slug, name: a.name };
  });
  const appBySlug = new Map(apps.map((a) => [a.slug, a]));

  const orgs: SimOrg[] = [];
  for (const { file, data } of input.orgs) {
    const id = alloc();
    const members: SimOrg['members'] = {};
    for (const role of ['admin', 'member'] as const) {
      (data.members[role] ?? []).forEach((login, i) => {
        if (!userByLogin.has(login)) fail(file, ['members', role, i], `unknown user "${login}"`);
        members[login] = role;
      });
    }
    const teams = (data.teams ?? []).map((t, ti) => {
      const tid = alloc();
      const tm: Record<string, 'member' | 'maintainer'> = {};
      for (const [key, role] of [
        ['maintainers', 'maintainer'],
        ['members', 'member'],
      ] as const) {
        (t[key] ?? []).forEach((login, i) => {
          if (!members[login]) fail(file, ['teams', ti, key, i], `"${login}" is not a member of ${data.login}`);
          tm[login] = role;
        });
      }
      return { id: tid, nodeId: legacyNodeId('Team', tid), slug: t.slug, name: t.name, members: tm };
    });
    orgs.push({
      id,
      nodeId: legacyNodeId('Organization', id),
      login: data.login,
      name: data.name,
      plan: data.plan,
      defaultRepositoryPermission: data.default_repository_permission ?? 'read',
      members,
      teams,
      rulesets: [],
      propertySchema: (data.properties ?? []).map((p) => ({
        property_name: p.name,
        value_type: p.type,
        required: p.required ?? false,
        default_value: p.default ?? null,
        description: p.description ?? null,
        allowed_values: p.values ?? null,
        values_editable_by: p.editable_by ?? 'org_actors',
      })),
    });
  }
  const orgByLogin = new Map(orgs.map((o) => [o.login, o]));

  const ctx = { users: userByLogin, apps: appBySlug, orgs: orgByLogin, alloc, fail };
  const repos: SimRepo[] = [];
  let repoIndex = 0;
  for (const { file, owner, data } of input.repos) {
    if (!orgByLogin.has(owner) && !userByLogin.has(owner)) {
      fail(file, [], `repos/${owner}.yml: "${owner}" is neither an organization nor a user of the fixture`);
      continue;
    }
    data.repositories.forEach((r, i) => {
      if (repos.some((x) => x.owner === owner && x.name.toLowerCase() === r.name.toLowerCase())) {
        fail(file, ['repositories', i, 'name'], `duplicate repository "${owner}/${r.name}"`);
      }
      repos.push(buildRepo(ctx, file, ['repositories', i], owner, r, repoIndex++));
    });
  }

  // Org rulesets come last so their ids follow the repositories' (deterministic either way).
  input.orgs.forEach(({ file, data }) => {
    const org = orgByLogin.get(data.login) as SimOrg;
    if (data.installations !== undefined) {
      org.installations = data.installations.flatMap((slug, i) => {
        const app = appBySlug.get(slug);
        if (!app) {
          fail(file, ['installations', i], `unknown app "${slug}"`);
          return [];
        }
        return [{ id: alloc(), appId: app.id, repositorySelection: 'all' as const, createdAt: iso(Date.parse(FIXTURE_CLOCK) - 30 * DAY) }];
      });
    }
    org.rulesets = (data.rulesets ?? []).map((rs, i) =>
      buildRuleset(ctx, file, ['rulesets', i], rs, 'Organization', org.login, org, Date.parse(FIXTURE_CLOCK) - 10 * DAY + i * HOUR),
    );
  });

  return { version: 1, nextId, clock: FIXTURE_CLOCK, users, apps, orgs, repos };
}

interface BuildCtx {
  users: Map<string, SimUser>;
  apps: Map<string, SimApp>;
  orgs: Map<string, SimOrg>;
  alloc(): number;
  fail: Locate;
}

function resolveActors(ctx: BuildCtx, file: string, path: Path, org: SimOrg | undefined, a: FixtureActors): SimActorIds {
  const ids: SimActorIds = { users: [], teams: [], apps: [] };
  (a.users ?? []).forEach((login, i) => {
    const u = ctx.users.get(login);
    if (!u) ctx.fail(file, [...path, 'users', i], `unknown user "${login}"`);
    else ids.users.push(u.id);
  });
  (a.teams ?? []).forEach((slug, i) => {
    const t = org?.teams.find((x) => x.slug === slug);
    if (!t) ctx.fail(file, [...path, 'teams', i], `unknown team "${slug}"`);
    else ids.teams.push(t.id);
  });
  (a.apps ?? []).forEach((slug, i) => {
    const app = ctx.apps.get(slug);
    if (!app) ctx.fail(file, [...path, 'apps', i], `unknown app "${slug}"`);
    else ids.apps.push(app.id);
  });
  return ids;
}

function buildRuleset(
  ctx: BuildCtx,
  file: string,
  path: Path,
  rs: FixtureRuleset,
  sourceType: SimRuleset['source_type'],
  source: string,
  org: SimOrg | undefined,
  created: number,
): SimRuleset {
  const id = ctx.alloc();
  const bypass = (rs.bypass ?? []).map((b, i) => {
    const at = [...path, 'bypass', i];
    if (b.user !== undefined)
      return {
        actor_id: ctx.users.get(b.user)?.id ?? (ctx.fail(file, at, `unknown user "${b.user}"`), null),
        actor_type: 'User',
        bypass_mode: b.mode,
      };
    if (b.team !== undefined) {
      const t = org?.teams.find((x) => x.slug === b.team);
      if (!t) ctx.fail(file, at, `unknown team "${b.team}"`);
      return { actor_id: t?.id ?? null, actor_type: 'Team', bypass_mode: b.mode };
    }
    if (b.app !== undefined)
      return {
        actor_id: ctx.apps.get(b.app)?.id ?? (ctx.fail(file, at, `unknown app "${b.app}"`), null),
        actor_type: 'Integration',
        bypass_mode: b.mode,
      };
    if (b.role !== undefined) return { actor_id: ROLE_IDS[b.role], actor_type: 'RepositoryRole', bypass_mode: b.mode };
    if (b.deploy_key) return { actor_id: null, actor_type: 'DeployKey', bypass_mode: b.mode };
    // UNCONFIRMED: GitHub reports OrganizationAdmin with actor_id 1 (the id is ignored on input).
    return { actor_id: 1, actor_type: 'OrganizationAdmin', bypass_mode: b.mode };
  });
  return {
    id,
    node_id: prefixedNodeId('RRS', 'RepositoryRuleset', id),
    name: rs.name,
    target: rs.target ?? 'branch',
    source_type: sourceType,
    source,
    enforcement: rs.enforcement,
    bypass_actors: bypass,
    conditions: rs.conditions ? structuredClone(rs.conditions) : null,
    rules: structuredClone(rs.rules),
    created_at: iso(created),
    updated_at: iso(created),
  };
}

function buildRule(ctx: BuildCtx, file: string, path: Path, org: SimOrg | undefined, r: FixtureRule, created: number): SimProtectionRule {
  const id = ctx.alloc();
  const contexts = r.checks?.contexts ?? [];
  return {
    id,
    nodeId: prefixedNodeId('BPR', 'BranchProtectionRule', id),
    pattern: r.pattern,
    createdAt: r.created_at ?? iso(created),
    requiredReviews: r.reviews
      ? {
          count: r.reviews.count ?? 1,
          dismissStale: r.reviews.dismiss_stale ?? false,
          codeOwners: r.reviews.code_owners ?? false,
          lastPushApproval: r.reviews.last_push ?? false,
          dismissalRestrictions: r.reviews.dismissal
            ? resolveActors(ctx, file, [...path, 'reviews', 'dismissal'], org, r.reviews.dismissal)
            : null,
          bypassAllowances: r.reviews.bypass ? resolveActors(ctx, file, [...path, 'reviews', 'bypass'], org, r.reviews.bypass) : null,
        }
      : null,
    requiredStatusChecks: r.checks
      ? {
          strict: r.checks.strict ?? false,
          checks: contexts.map((c, i) => {
            if (typeof c === 'string') return { context: c, appId: null };
            const app = c.app === undefined ? undefined : ctx.apps.get(c.app);
            if (c.app !== undefined && !app) ctx.fail(file, [...path, 'checks', 'contexts', i, 'app'], `unknown app "${c.app}"`);
            return { context: c.context, appId: app?.id ?? null };
          }),
        }
      : null,
    enforceAdmins: r.enforce_admins ?? false,
    requiredSignatures: r.signatures ?? false,
    linearHistory: r.linear_history ?? false,
    allowForcePushes: r.force_pushes ?? false,
    allowDeletions: r.deletions ?? false,
    blockCreations: r.block_creations ?? false,
    conversationResolution: r.conversation_resolution ?? false,
    lockBranch: r.lock ?? false,
    allowForkSyncing: r.fork_syncing ?? false,
    restrictions: r.restrictions
      ? org
        ? resolveActors(ctx, file, [...path, 'restrictions'], org, r.restrictions)
        : (ctx.fail(file, [...path, 'restrictions'], 'push restrictions exist for organization repositories only'), null)
      : null,
  };
}

function buildRepo(ctx: BuildCtx, file: string, path: Path, owner: string, r: FixtureRepo, index: number): SimRepo {
  const org = ctx.orgs.get(owner);
  const id = ctx.alloc();
  const full = `${owner}/${r.name}`;
  const created = r.created_at ? Date.parse(r.created_at) : EPOCH + index * DAY;
  const defaultBranch = r.default_branch ?? 'main';
  const branchNames = r.branches ?? [defaultBranch];
  const branches: Record<string, string> = {};
  for (const b of branchNames) branches[b] = fakeSha(`${full}@${b}`);
  if (branchNames.length > 0 && branches[defaultBranch] === undefined) {
    ctx.fail(file, [...path, 'branches'], `the default branch "${defaultBranch}" is not among the branches`);
  }

  for (const [key, table] of [
    ['teams', r.teams],
    ['collaborators', r.collaborators],
  ] as const) {
    for (const name of Object.keys(table ?? {})) {
      const known = key === 'teams' ? org?.teams.some((t) => t.slug === name) : ctx.users.has(name);
      if (!known) ctx.fail(file, [...path, key, name], `unknown ${key === 'teams' ? 'team' : 'user'} "${name}"`);
    }
  }
  const props: Record<string, string | string[] | null> = {};
  for (const [name, value] of Object.entries(r.properties ?? {})) {
    const def = org?.propertySchema.find((d) => d.property_name === name);
    if (!def) ctx.fail(file, [...path, 'properties', name], `property "${name}" is not defined for ${owner}`);
    else if (typeof value === 'string' && def.allowed_values && !def.allowed_values.includes(value)) {
      ctx.fail(file, [...path, 'properties', name], `"${value}" is not one of ${def.allowed_values.join(', ')}`);
    }
    if (value !== null) props[name] = value;
  }
  for (const def of org?.propertySchema ?? [])
    if (def.required && props[def.property_name] === undefined) props[def.property_name] = def.default_value;

  const repo: SimRepo = {
    id,
    nodeId: legacyNodeId('Repository', id),
    owner,
    name: r.name,
    description: r.description ?? null,
    visibility: r.visibility ?? 'private',
    archived: r.archived ?? false,
    disabled: r.disabled ?? false,
    fork: r.fork ?? false,
    language: r.language === undefined ? 'TypeScript' : r.language,
    topics: r.topics ?? [],
    defaultBranch,
    createdAt: iso(created),
    updatedAt: iso(created + 30 * DAY),
    pushedAt: branchNames.length > 0 ? iso(created + 30 * DAY) : null,
    allowSquashMerge: r.merge?.squash ?? true,
    allowMergeCommit: r.merge?.merge_commit ?? true,
    allowRebaseMerge: r.merge?.rebase ?? true,
    deleteBranchOnMerge: r.merge?.delete_branch_on_merge ?? false,
    customProperties: props,
    branches,
    files: { ...(r.files ?? {}) },
    protectionRules: [],
    rulesets: [],
    collaborators: { ...(r.collaborators ?? {}) },
    teams: { ...(r.teams ?? {}) },
    pulls: [],
    statuses: {},
  };
  repo.protectionRules = (r.protection ?? []).map((rule, i) =>
    buildRule(ctx, file, [...path, 'protection', i], org, rule, created + (i + 1) * HOUR),
  );
  repo.rulesets = (r.rulesets ?? []).map((rs, i) =>
    buildRuleset(ctx, file, [...path, 'rulesets', i], rs, 'Repository', full, org, created + (i + 1) * HOUR),
  );
  repo.pulls = (r.pulls ?? []).map((p, i) => buildPull(ctx, file, [...path, 'pulls', i], repo, org, p, created + 20 * DAY));
  (r.statuses ?? []).forEach((s, i) => {
    const at = [...path, 'statuses', i];
    const pullRef = /^pull:(\d+)$/.exec(s.ref);
    const sha = pullRef ? repo.pulls.find((p) => p.number === Number(pullRef[1]))?.headSha : repo.branches[s.ref];
    const creator = ctx.users.get(s.creator);
    if (!sha) return ctx.fail(file, [...at, 'ref'], `unknown ref "${s.ref}"`);
    if (!creator) return ctx.fail(file, [...at, 'creator'], `unknown user "${s.creator}"`);
    const app = s.app === undefined ? undefined : ctx.apps.get(s.app);
    if (s.app !== undefined && !app) return ctx.fail(file, [...at, 'app'], `unknown app "${s.app}"`);
    const sid = ctx.alloc();
    const when = iso(created + 29 * DAY + i * 60_000);
    (repo.statuses[sha] ??= []).push({
      id: sid,
      nodeId: prefixedNodeId('SC', 'StatusContext', sid),
      state: s.state,
      context: s.context,
      description: s.description ?? null,
      targetUrl: s.target_url ?? null,
      creatorId: creator.id,
      ...(app ? { appId: app.id } : {}),
      createdAt: when,
      updatedAt: when,
    });
  });
  return repo;
}

function buildPull(ctx: BuildCtx, file: string, path: Path, repo: SimRepo, org: SimOrg | undefined, p: FixturePull, base: number): SimPull {
  const author = ctx.users.get(p.author);
  if (!author) ctx.fail(file, [...path, 'author'], `unknown user "${p.author}"`);
  const id = ctx.alloc();
  const created = p.created_at ? Date.parse(p.created_at) : base + p.number * HOUR;
  const full = `${repo.owner}/${repo.name}`;
  const commitsIn = p.commits && p.commits.length > 0 ? p.commits : [{ message: p.title }];
  const commits = commitsIn.map((c, i) => {
    const who = c.author ? ctx.users.get(c.author) : author;
    if (c.author && !who) ctx.fail(file, [...path, 'commits', i, 'author'], `unknown user "${c.author}"`);
    return {
      sha: fakeSha(`${full}#${p.number}:${i}`),
      message: c.message,
      authorId: who?.id ?? null,
      verified: c.verified ?? false,
      date: iso(created - (commitsIn.length - i) * 60_000),
    };
  });
  const headSha = (commits.at(-1) as { sha: string }).sha;
  repo.branches[p.head] = headSha;
  const baseBranch = p.base ?? repo.defaultBranch;
  if (repo.branches[baseBranch] === undefined) ctx.fail(file, [...path, 'base'], `unknown base branch "${baseBranch}"`);
  const reviews = (p.reviews ?? []).map((r, i) => {
    const u = ctx.users.get(r.user);
    if (!u) ctx.fail(file, [...path, 'reviews', i, 'user'], `unknown user "${r.user}"`);
    const rid = ctx.alloc();
    return {
      id: rid,
      nodeId: prefixedNodeId('PRR', 'PullRequestReview', rid),
      userId: u?.id ?? 0,
      state: r.state,
      body: r.body ?? '',
      submittedAt: iso(created + (i + 1) * HOUR),
      commitId: headSha,
    };
  });
  const requestedReviewerIds = (p.requested_reviewers ?? []).flatMap((login, i) => {
    const u = ctx.users.get(login);
    if (!u) ctx.fail(file, [...path, 'requested_reviewers', i], `unknown user "${login}"`);
    return u ? [u.id] : [];
  });
  const requestedTeamIds = (p.requested_teams ?? []).flatMap((slug, i) => {
    const t = org?.teams.find((x) => x.slug === slug);
    if (!t) ctx.fail(file, [...path, 'requested_teams', i], `unknown team "${slug}"`);
    return t ? [t.id] : [];
  });
  const state = p.state ?? 'open';
  return {
    id,
    nodeId: prefixedNodeId('PR', 'PullRequest', id),
    number: p.number,
    title: p.title,
    body: p.body ?? '',
    userId: author?.id ?? 0,
    state,
    draft: p.draft ?? false,
    merged: p.merged ?? false,
    base: baseBranch,
    head: p.head,
    headSha,
    createdAt: iso(created),
    updatedAt: iso(created + (reviews.length + 1) * HOUR),
    labels: p.labels ?? [],
    files: (p.files ?? []).map((f) => ({
      filename: f.path,
      status: f.status ?? 'modified',
      additions: f.additions ?? 10,
      deletions: f.deletions ?? 2,
    })),
    commits,
    reviews,
    requestedReviewerIds,
    requestedTeamIds,
  };
}
