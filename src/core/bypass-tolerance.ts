/**
 * Which standing bypasses a tier accepts (docs/effective-protection.md "Tolerated
 * bypasses"): by default none beyond what the floor names — administrators may get
 * around a floor that does not ask for `enforceAdmins` — plus what the tier lists
 * in `toleratedBypass`.
 */
import type { ActorBypass, ActorRef, BypassTolerance as ToleranceFn } from './effective-protection.js';
import type { BypassTolerance, ProtectionProfile, RoleBinding, ToleratedActor } from './policy.js';
import { REPOSITORY_ROLE_IDS } from './effective-protection.js';

function sameText(a: string, b: string | null | undefined): boolean {
  return b !== null && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

function matchesName(want: string | number, id: number | null, name: string | null): boolean {
  return typeof want === 'number' ? id !== null && want === id : sameText(want, name);
}

/** Does a tolerance entry name the actor of a bypass entry? */
export function toleranceNames(actor: ToleratedActor, entry: ActorBypass['entry'], roles: Readonly<Record<string, RoleBinding>>): boolean {
  switch (actor.kind) {
    case 'orgAdmin':
      return entry.kind === 'orgAdmins';
    case 'role': {
      const role = typeof actor.role === 'number' ? (REPOSITORY_ROLE_IDS[actor.role] ?? actor.role) : actor.role;
      if (typeof role === 'number') return entry.kind === 'customRole' && entry.id === role;
      return entry.kind === 'role' && entry.role === role;
    }
    case 'team':
      return entry.kind === 'team' && matchesName(actor.team, entry.id, entry.slug);
    case 'user':
      return entry.kind === 'user' && matchesName(actor.user, entry.id, entry.login);
    case 'app':
      return entry.kind === 'app' && matchesName(actor.app, entry.id, entry.slug);
    case 'deployKey':
      return entry.kind === 'deployKeys';
    case 'qmsRole': {
      const holders = roles[actor.role];
      if (!holders) return false;
      if (entry.kind === 'user') return holders.users.some((u) => sameText(u, entry.login));
      if (entry.kind === 'team') return holders.teams.some((t) => sameText(t, entry.slug));
      return false;
    }
  }
}

/** The tolerance of one floor: what its tier accepts. */
export function toleranceFor(
  floor: ProtectionProfile,
  tolerated: readonly BypassTolerance[] | undefined,
  roles: Readonly<Record<string, RoleBinding>> = {},
): ToleranceFn {
  return (actor: ActorRef, bypass: ActorBypass) => {
    if ((actor.kind === 'admins' || actor.kind === 'orgAdmins') && floor.enforceAdmins !== true) return true;
    return (tolerated ?? []).some(
      (t) => (t.mode === 'always' || bypass.how === 'pull_request') && toleranceNames(t.actor, bypass.entry, roles),
    );
  };
}
