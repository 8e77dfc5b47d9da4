/**
 * Lookup maps over a SimState, so a 10,000-repository org is served in
 * milliseconds. The state stays plain JSON (it is persisted as is); the index
 * is derived, cached per state object, and rebuilt when it goes stale.
 *
 * Staleness: the server calls `invalidateIndex` after every mutating request;
 * arrays replaced or resized behind our back (tests poking `sandbox.state`)
 * are detected by identity and length; a hit whose object no longer matches
 * the key triggers a rebuild.
 */
import type { SimApp, SimOrg, SimRepo, SimState, SimTeam, SimUser } from './model.js';

export interface StateIndex {
  usersRef: SimUser[];
  orgsRef: SimOrg[];
  reposRef: SimRepo[];
  appsRef: SimApp[];
  sizes: [number, number, number, number];
  usersByLogin: Map<string, SimUser>;
  usersById: Map<number, SimUser>;
  usersByToken: Map<string, SimUser>;
  orgsByLogin: Map<string, SimOrg>;
  /** `owner/name`, lower-cased (GitHub names are case-insensitive). */
  reposByKey: Map<string, SimRepo>;
  reposById: Map<number, SimRepo>;
  /** Owner login (lower-cased) -> repos in state order. */
  reposByOwner: Map<string, SimRepo[]>;
  teamsById: Map<number, { org: SimOrg; team: SimTeam }>;
  /** `org/login` (lower-cased) -> slugs of the teams the user belongs to. */
  teamSlugsByMember: Map<string, Set<string>>;
  appsBySlug: Map<string, SimApp>;
  appsById: Map<number, SimApp>;
  /** Bumped on every rebuild/invalidation; caches keyed on it (sorted listings) expire with it. */
  version: number;
  /** Per-version memo for derived data (e.g. sorted repo orders). */
  memo: Map<string, unknown>;
}

const cache = new WeakMap<SimState, StateIndex>();
let versionCounter = 0;

export const lower = (s: string): string => s.toLowerCase();
export const repoKey = (owner: string, name: string): string => `${lower(owner)}/${lower(name)}`;

function build(state: SimState): StateIndex {
  const index: StateIndex = {
    usersRef: state.users,
    orgsRef: state.orgs,
    reposRef: state.repos,
    appsRef: state.apps,
    sizes: [state.users.length, state.orgs.length, state.repos.length, state.apps.length],
    usersByLogin: new Map(),
    usersById: new Map(),
    usersByToken: new Map(),
    orgsByLogin: new Map(),
    reposByKey: new Map(),
    reposById: new Map(),
    reposByOwner: new Map(),
    teamsById: new Map(),
    teamSlugsByMember: new Map(),
    appsBySlug: new Map(),
    appsById: new Map(),
    version: ++versionCounter,
    memo: new Map(),
  };
  for (const u of state.users) {
    index.usersByLogin.set(lower(u.login), u);
    index.usersById.set(u.id, u);
    index.usersByToken.set(u.token, u);
  }
  for (const o of state.orgs) {
    index.orgsByLogin.set(lower(o.login), o);
    for (const t of o.teams) {
      index.teamsById.set(t.id, { org: o, team: t });
      for (const login of Object.keys(t.members)) {
        const key = `${lower(o.login)}/${lower(login)}`;
        let set = index.teamSlugsByMember.get(key);
        if (!set) index.teamSlugsByMember.set(key, (set = new Set()));
        set.add(t.slug);
      }
    }
  }
  for (const r of state.repos) {
    index.reposByKey.set(repoKey(r.owner, r.name), r);
    index.reposById.set(r.id, r);
    const ownerKey = lower(r.owner);
    let list = index.reposByOwner.get(ownerKey);
    if (!list) index.reposByOwner.set(ownerKey, (list = []));
    list.push(r);
  }
  for (const a of state.apps) {
    index.appsBySlug.set(lower(a.slug), a);
    index.appsById.set(a.id, a);
  }
  cache.set(state, index);
  return index;
}

function isCurrent(index: StateIndex, state: SimState): boolean {
  return (
    index.usersRef === state.users &&
    index.orgsRef === state.orgs &&
    index.reposRef === state.repos &&
    index.appsRef === state.apps &&
    index.sizes[0] === state.users.length &&
    index.sizes[1] === state.orgs.length &&
    index.sizes[2] === state.repos.length &&
    index.sizes[3] === state.apps.length
  );
}

/** The index for this state, rebuilt when stale. */
export function indexOf(state: SimState): StateIndex {
  const cached = cache.get(state);
  if (cached && isCurrent(cached, state)) return cached;
  return build(state);
}

/** Forget the cached index (call after any mutation that adds, removes or renames things). */
export function invalidateIndex(state: SimState): void {
  cache.delete(state);
}

/** Looks up through the index; when the hit no longer matches the key, rebuilds once and retries. */
export function lookup<K, V>(
  state: SimState,
  pick: (index: StateIndex) => Map<K, V>,
  key: K,
  stillMatches: (value: V) => boolean,
): V | undefined {
  const hit = pick(indexOf(state)).get(key);
  if (hit === undefined || stillMatches(hit)) return hit;
  return pick(build(state)).get(key);
}
