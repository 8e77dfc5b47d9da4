/**
 * Who may see and do what in the simulator, computed the way GitHub does:
 * org owners are admins everywhere; members get the org's base permission;
 * team grants and direct collaborator grants add up (the highest wins);
 * public repositories are readable by anyone, including anonymous callers.
 *
 * Shared by the REST routes and the GraphQL executor.
 */
import type { SimApp, SimOrg, SimPermission, SimRepo, SimState, SimTeam, SimUser } from './model.js';
import { indexOf, lookup, lower, repoKey } from './state-index.js';

export const PERMISSION_RANK: Record<SimPermission, number> = { read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

/** Is `p` at least `min`? (null = no access) */
export function atLeast(p: SimPermission | null | undefined, min: SimPermission): boolean {
  return p != null && PERMISSION_RANK[p] >= PERMISSION_RANK[min];
}

function higher(a: SimPermission | null, b: SimPermission | null | undefined): SimPermission | null {
  if (b == null) return a;
  if (a == null) return b;
  return PERMISSION_RANK[b] > PERMISSION_RANK[a] ? b : a;
}

export function findUser(state: SimState, login: string): SimUser | undefined {
  return lookup(
    state,
    (i) => i.usersByLogin,
    lower(login),
    (u) => lower(u.login) === lower(login),
  );
}

export function findUserById(state: SimState, id: number): SimUser | undefined {
  return lookup(
    state,
    (i) => i.usersById,
    id,
    (u) => u.id === id,
  );
}

export function findUserByToken(state: SimState, token: string): SimUser | undefined {
  return lookup(
    state,
    (i) => i.usersByToken,
    token,
    (u) => u.token === token,
  );
}

export function findOrg(state: SimState, login: string): SimOrg | undefined {
  return lookup(
    state,
    (i) => i.orgsByLogin,
    lower(login),
    (o) => lower(o.login) === lower(login),
  );
}

export function findRepo(state: SimState, owner: string, name: string): SimRepo | undefined {
  const key = repoKey(owner, name);
  return lookup(
    state,
    (i) => i.reposByKey,
    key,
    (r) => repoKey(r.owner, r.name) === key,
  );
}

export function findRepoById(state: SimState, id: number): SimRepo | undefined {
  return lookup(
    state,
    (i) => i.reposById,
    id,
    (r) => r.id === id,
  );
}

/** Repositories owned by an org or user, in state (creation) order. */
export function reposOf(state: SimState, owner: string): readonly SimRepo[] {
  return indexOf(state).reposByOwner.get(lower(owner)) ?? [];
}

export function findTeam(org: SimOrg, slug: string): SimTeam | undefined {
  const s = lower(slug);
  return org.teams.find((t) => lower(t.slug) === s);
}

export function findTeamById(state: SimState, id: number): { org: SimOrg; team: SimTeam } | undefined {
  return lookup(
    state,
    (i) => i.teamsById,
    id,
    (t) => t.team.id === id,
  );
}

export function findApp(state: SimState, slugOrId: string | number): SimApp | undefined {
  if (typeof slugOrId === 'number')
    return lookup(
      state,
      (i) => i.appsById,
      slugOrId,
      (a) => a.id === slugOrId,
    );
  return lookup(
    state,
    (i) => i.appsBySlug,
    lower(slugOrId),
    (a) => lower(a.slug) === lower(slugOrId),
  );
}

/** The organization that owns the repository, or undefined for a user-owned repository. */
export function ownerOrg(state: SimState, repo: SimRepo): SimOrg | undefined {
  return findOrg(state, repo.owner);
}

export function orgRoleOf(org: SimOrg, user: SimUser | null): 'admin' | 'member' | null {
  if (!user) return null;
  return org.members[user.login] ?? null;
}

export function isOrgOwner(org: SimOrg, user: SimUser | null): boolean {
  return orgRoleOf(org, user) === 'admin';
}

export function isOrgMember(org: SimOrg, user: SimUser | null): boolean {
  return orgRoleOf(org, user) !== null;
}

/** Slugs of the org's teams the user belongs to. */
export function teamSlugsOf(state: SimState, org: SimOrg, login: string): ReadonlySet<string> {
  return indexOf(state).teamSlugsByMember.get(`${lower(org.login)}/${lower(login)}`) ?? new Set();
}

/**
 * The user's effective permission on the repository; null = cannot see it.
 * Anonymous callers (user null) can read public repositories only.
 */
export function permissionOf(state: SimState, user: SimUser | null, repo: SimRepo): SimPermission | null {
  if (!user) return repo.visibility === 'public' ? 'read' : null;
  let best: SimPermission | null = null;
  const org = ownerOrg(state, repo);
  if (!org) {
    if (lower(user.login) === lower(repo.owner)) return 'admin';
  } else {
    const role = orgRoleOf(org, user);
    if (role === 'admin') return 'admin';
    if (role === 'member') {
      if (org.defaultRepositoryPermission !== 'none') best = org.defaultRepositoryPermission;
      // Internal repositories are readable by every member of the owning organization.
      if (repo.visibility === 'internal') best = higher(best, 'read');
      for (const slug of teamSlugsOf(state, org, user.login)) best = higher(best, repo.teams[slug]);
    }
  }
  best = higher(best, repo.collaborators[user.login]);
  if (best === null && repo.visibility === 'public') best = 'read';
  return best;
}

export function canSeeRepo(state: SimState, user: SimUser | null, repo: SimRepo): boolean {
  return permissionOf(state, user, repo) !== null;
}

export function isRepoAdmin(state: SimState, user: SimUser | null, repo: SimRepo): boolean {
  return permissionOf(state, user, repo) === 'admin';
}

/** GitHub's `permissions` object for a repository or collaborator. */
export function permissionFlags(p: SimPermission | null): {
  admin: boolean;
  maintain: boolean;
  push: boolean;
  triage: boolean;
  pull: boolean;
} {
  return {
    admin: atLeast(p, 'admin'),
    maintain: atLeast(p, 'maintain'),
    push: atLeast(p, 'write'),
    triage: atLeast(p, 'triage'),
    pull: atLeast(p, 'read'),
  };
}

/** The legacy four-value permission of GET …/collaborators/{u}/permission (maintain→write, triage→read). */
export function legacyPermission(p: SimPermission | null): 'admin' | 'write' | 'read' | 'none' {
  if (p === null) return 'none';
  if (p === 'admin') return 'admin';
  if (p === 'maintain' || p === 'write') return 'write';
  return 'read';
}

/** Team permission names as REST spells them in team objects (`pull`, `push`, …). */
export function teamPermissionName(p: SimPermission): string {
  return { read: 'pull', triage: 'triage', write: 'push', maintain: 'maintain', admin: 'admin' }[p];
}
