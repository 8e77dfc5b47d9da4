/**
 * Effective protection of a branch: what GitHub actually enforces on it, combining
 * the one classic protection rule that applies with every active ruleset (repository
 * and organization) whose conditions include the branch — per class of actor.
 *
 * GitHub semantics (docs/github-api.md "Who a rule binds"): rulesets aggregate with
 * each other and with classic rules, and "the most restrictive version of the rule
 * applies" — for the actors each source binds. So per setting: the highest review
 * count, the OR of every tightening boolean, the union of required checks, strict if
 * any source is strict (and a check is required), and force pushes / deletions stay
 * allowed only when nothing blocks them. A ruleset bypass actor in `always` or
 * `exempt` mode skips the ruleset, in `pull_request` mode merges pull requests
 * without its rules; a classic rule without `enforce_admins` does not bind
 * administrators, and its pull request bypass allowances push without a pull request.
 * So each class of actor (every writer, maintainers, admins, org admins, and every
 * team, user, app, role or deploy key a bypass list names) gets its own combination
 * (`ActorView`); `protection` is the one that binds every writer.
 *
 * What cannot be seen is `unknown` and a plan that lacks the feature is
 * `not_applicable`; neither ever turns into "unprotected" (pitfalls 3, 5, 9). When
 * the state is not `known`, `protection` is still what could be seen: a lower bound.
 * A ruleset whose bypass list this token cannot see counts in `protection` (an upper
 * bound for who it binds) and not in `surely` (what binds for certain).
 */
import { isWildcardPattern, matchesBranchPattern, refConditionMatches, selectApplicableRule } from './branch-patterns.js';
import type {
  AppliedRule,
  CustomPropertyValue,
  ProtectionRule,
  RepoInfo,
  RepositoryPropertyCondition,
  Ruleset,
  RulesetBypassActor,
  RulesetRule,
  RulesetSourceType,
} from './github-types.js';
import type { RepoLiveState } from './live-state.js';
import { listProfileDeviations } from './desired-protection.js';
import type { ProtectionProfile } from './policy.js';
import { emptyProtection, normalizeProtection, type BranchProtection } from './protection.js';
import picomatch from 'picomatch';

/** A setting of the protection model, as findings and sources name it. */
export type ProtectionSetting =
  | 'requiredReviews'
  | 'requiredReviews.requiredApprovingReviewCount'
  | 'requiredReviews.requireCodeOwnerReviews'
  | 'requiredReviews.dismissStaleReviews'
  | 'requiredReviews.requireLastPushApproval'
  | 'requiredStatusChecks.contexts'
  | 'requiredStatusChecks.strict'
  | 'enforceAdmins'
  | 'requireLinearHistory'
  | 'allowForcePushes'
  | 'allowDeletions'
  | 'blockCreations'
  | 'requireConversationResolution'
  | 'requireSignedCommits'
  | 'lockBranch'
  | 'restrictions';

/**
 * Where a tightening comes from. A classic rule's pattern is null when only GitHub's
 * per-branch answer was read (REST GET …/branches/{b}/protection does not say
 * whether an exact-name or a wildcard rule applies): it is then named by `branch`.
 */
export type SourceRef =
  | { kind: 'classic'; pattern: string | null; ruleId: string | null; branch?: string }
  | { kind: 'ruleset'; rulesetId: number; name: string | null; sourceType: RulesetSourceType; sourceName: string };

export type EffectiveState = 'known' | 'unknown' | 'not_applicable';

export interface EffectiveProtection {
  branch: string;
  state: EffectiveState;
  /**
   * The combined protection that binds every writer; a lower bound when `state` is
   * not `known`. `enforceAdmins` is true when administrators (and org admins) are
   * surely bound by all of it, whichever source binds them.
   */
  protection: BranchProtection;
  /** For each setting that some source tightens for every writer, the sources that do. Absent key: nothing tightens it. */
  sources: Partial<Record<ProtectionSetting, SourceRef[]>>;
  /** True when at least one classic rule or ruleset applies to the branch. */
  protectedByAnything: boolean;
  /** Every class of actor and what binds it, no bypass tolerated (`everyone` first). */
  actors: ActorView[];
  /** Contributing rulesets whose bypass list this token cannot see. */
  hiddenBypass: SourceRef[];
  /** Sources that ask for up-to-date branches without requiring any check (strict then has no effect). */
  strictWithoutChecks: SourceRef[];
  /** What each source contributes, for judging the actors under a tier's tolerance (`actorViews`). */
  contributions: Contribution[];
  /** Why the state is not `known` (and other caveats), in words. */
  reason?: string;
}

/** One readable phrase for a source: `classic rule 'main'`, `org ruleset 'baseline' (#12)`. */
export function describeSource(ref: SourceRef): string {
  if (ref.kind === 'classic')
    return ref.pattern === null ? `classic rule covering '${ref.branch ?? '?'}'` : `classic rule '${ref.pattern}'`;
  const where = ref.sourceType === 'Organization' ? 'org ruleset' : 'repo ruleset';
  return ref.name ? `${where} '${ref.name}' (#${ref.rulesetId})` : `${where} #${ref.rulesetId}`;
}

// ---------------------------------------------------------------------------
// Actors

/**
 * A class of actor a rule may bind or let through. `everyone` is a writer with no
 * special standing; maintainers, admins and org admins hold more (a bypass granted
 * to the write role reaches them too). Named actors come from bypass lists.
 */
export type ActorRef =
  | { kind: 'everyone' }
  | { kind: 'maintainers' }
  | { kind: 'admins' }
  | { kind: 'orgAdmins' }
  | { kind: 'enterpriseOwners' }
  | { kind: 'customRole'; id: number | null }
  | { kind: 'team'; id: number | null; slug: string | null }
  | { kind: 'user'; id: number | null; login: string | null }
  | { kind: 'app'; id: number | null; slug: string | null }
  | { kind: 'deployKeys' };

/** Built-in repository role ids GitHub uses for `RepositoryRole` bypass actors (docs/github-api.md). */
export const REPOSITORY_ROLE_IDS: Readonly<Record<number, 'write' | 'maintain' | 'admin'>> = { 4: 'write', 2: 'maintain', 5: 'admin' };

/** `every writer`, `team payments`, `app 880001`, `organization admins`. */
export function describeActor(a: ActorRef): string {
  switch (a.kind) {
    case 'everyone':
      return 'every writer';
    case 'maintainers':
      return 'maintainers';
    case 'admins':
      return 'repository admins';
    case 'orgAdmins':
      return 'organization admins';
    case 'enterpriseOwners':
      return 'enterprise owners';
    case 'customRole':
      return a.id === null ? 'a custom repository role' : `repository role #${a.id}`;
    case 'team':
      return a.slug !== null ? `team ${a.slug}` : a.id !== null ? `team #${a.id}` : 'a team';
    case 'user':
      return a.login !== null ? `user ${a.login}` : a.id !== null ? `user #${a.id}` : 'a user (not named by GitHub)';
    case 'app':
      return a.slug !== null ? `app ${a.slug}` : a.id !== null ? `app ${a.id}` : 'an app';
    case 'deployKeys':
      return 'deploy keys';
  }
}

/** How an actor gets around a source. */
export type BypassHow = 'always' | 'exempt' | 'pull_request' | 'pr_allowance' | 'admin_exemption';

export interface ActorBypass {
  source: SourceRef;
  how: BypassHow;
  /** The bypass entry that lets the actor through, in words (`repository role write`, `team payments`). */
  via: string;
  /** The actor as the entry names it (for tolerance: a policy tolerates `role: write`, not "every writer"). */
  entry: ActorRef | { kind: 'role'; role: 'write' | 'maintain' | 'admin' };
}

export interface ActorView {
  actor: ActorRef;
  /** What binds this actor (rulesets with hidden bypass lists count: an upper bound). */
  protection: BranchProtection;
  /** What binds it for certain (rulesets with hidden bypass lists do not count). */
  surely: BranchProtection;
  /** The bypasses that apply to it (those a tier tolerates are not listed when judged under that tier). */
  bypasses: ActorBypass[];
  /** It cannot push at all: a classic lock (no deletion either) or a ruleset restricting updates. */
  lockedBy: { source: SourceRef; kind: 'lock' | 'update' } | null;
  /** Sources whose strict setting has no effect for it (no check required). */
  strictWithoutChecks: SourceRef[];
  /** Sources that tighten each setting for this actor. */
  sources: Partial<Record<ProtectionSetting, SourceRef[]>>;
}

/** Does a tier accept this bypass? (`() => false`: none.) */
export type BypassTolerance = (actor: ActorRef, bypass: ActorBypass) => boolean;

/** What one source contributes to a branch, before deciding whom it binds. */
export type Contribution =
  | { kind: 'classic'; ref: SourceRef; protection: BranchProtection }
  | {
      kind: 'rule';
      ref: SourceRef;
      rule: RulesetRule;
      /** Empty list = a bypass list known to be empty; null = not visible. */
      bypassActors: RulesetBypassActor[] | null;
    };

// ---------------------------------------------------------------------------
// Ruleset applicability

type Decision = boolean | 'undecidable';

const repoGlobCache = new Map<string, (s: string) => boolean>();
function repoNameMatches(pattern: string, name: string): boolean {
  if (pattern === '~ALL') return true;
  let fn = repoGlobCache.get(pattern);
  if (!fn) {
    // Repository names are case-insensitive on GitHub; the ruleset docs describe
    // fnmatch patterns. Case-insensitive matching is UNCONFIRMED.
    fn = picomatch(pattern, { nocase: true, nobrace: true, noextglob: true, dot: true });
    repoGlobCache.set(pattern, fn);
  }
  return fn(name);
}

function propertyValueOf(
  cond: RepositoryPropertyCondition,
  repo: RepoInfo,
  props: Record<string, CustomPropertyValue> | null,
): string[] | 'unknown' {
  if (cond.source === 'system') {
    // System properties seen in the wild: `visibility`; `fork` by analogy. Others are
    // undecidable rather than guessed (UNCONFIRMED which names GitHub supports).
    if (cond.name === 'visibility') return [repo.visibility];
    if (cond.name === 'fork') return [String(repo.fork)];
    return 'unknown';
  }
  if (props === null) return 'unknown';
  const v = props[cond.name];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function propertyConditionMatches(
  cond: RepositoryPropertyCondition,
  repo: RepoInfo,
  props: Record<string, CustomPropertyValue> | null,
): Decision {
  const values = propertyValueOf(cond, repo, props);
  if (values === 'unknown') return 'undecidable';
  // Multi-select properties: any selected value matching counts (UNCONFIRMED).
  return values.some((v) => cond.propertyValues.includes(v));
}

/**
 * Does a ruleset target this repository? Repository rulesets always do (they were
 * read from it). Organization rulesets carry exactly one repository condition:
 * names (fnmatch, `~ALL`; `protected` only prevents renaming and does not select),
 * ids, or properties (every include must match, any exclude rejects).
 */
export function rulesetTargetsRepo(
  ruleset: Ruleset,
  repo: RepoInfo,
  customProperties: Record<string, CustomPropertyValue> | null,
): Decision {
  if (ruleset.source.type !== 'Organization') return true;
  if (ruleset.repositoryName) {
    const { include, exclude } = ruleset.repositoryName;
    if (exclude.some((p) => repoNameMatches(p, repo.name))) return false;
    return include.some((p) => repoNameMatches(p, repo.name));
  }
  if (ruleset.repositoryIds) return ruleset.repositoryIds.includes(repo.id);
  if (ruleset.repositoryProperty) {
    const { include, exclude } = ruleset.repositoryProperty;
    let undecidable = false;
    for (const cond of exclude) {
      const d = propertyConditionMatches(cond, repo, customProperties);
      if (d === true) return false;
      if (d === 'undecidable') undecidable = true;
    }
    for (const cond of include) {
      const d = propertyConditionMatches(cond, repo, customProperties);
      if (d === false) return false;
      if (d === 'undecidable') undecidable = true;
    }
    return undecidable ? 'undecidable' : true;
  }
  // An org ruleset without a repository condition: it was listed for this repository
  // (repo listing with includes_parents), so it applies. UNCONFIRMED for org listings.
  return true;
}

/** Does an active branch ruleset apply to `branch` of this repository? Evaluate/disabled never do. */
export function rulesetAppliesToBranch(ruleset: Ruleset, live: Pick<RepoLiveState, 'repo' | 'customProperties'>, branch: string): Decision {
  if (ruleset.enforcement !== 'active') return false;
  if (ruleset.target !== 'branch') return false;
  // A branch ruleset without a ref_name condition targets no branch: GitHub's UI says
  // such a ruleset "does not target any resources". UNCONFIRMED for the API.
  if (ruleset.refName === null) return false;
  if (!refConditionMatches(ruleset.refName, branch, live.repo.defaultBranch)) return false;
  return rulesetTargetsRepo(ruleset, live.repo, live.customProperties);
}

// ---------------------------------------------------------------------------
// Combining

class Combiner {
  protection: BranchProtection = emptyProtection();
  sources: Partial<Record<ProtectionSetting, SourceRef[]>> = {};
  lockedBy: ActorView['lockedBy'] = null;
  private any = false;
  private strictRefs: SourceRef[] = [];

  private add(setting: ProtectionSetting, ref: SourceRef): void {
    const list = (this.sources[setting] ??= []);
    if (!list.some((r) => sameRef(r, ref))) list.push(ref);
  }

  applyClassic(protection: BranchProtection, ref: SourceRef): void {
    this.any = true;
    const p = normalizeProtection(protection);
    this.protection = { ...p, enforceAdmins: false };
    const r = p.requiredReviews;
    if (r) {
      this.add('requiredReviews', ref);
      if (r.requiredApprovingReviewCount > 0) this.add('requiredReviews.requiredApprovingReviewCount', ref);
      if (r.requireCodeOwnerReviews) this.add('requiredReviews.requireCodeOwnerReviews', ref);
      if (r.dismissStaleReviews) this.add('requiredReviews.dismissStaleReviews', ref);
      if (r.requireLastPushApproval) this.add('requiredReviews.requireLastPushApproval', ref);
    }
    if (p.requiredStatusChecks) {
      if (p.requiredStatusChecks.checks.length > 0) this.add('requiredStatusChecks.contexts', ref);
      if (p.requiredStatusChecks.strict) {
        this.add('requiredStatusChecks.strict', ref);
        this.strictRefs.push(ref);
      }
    }
    if (p.requireLinearHistory) this.add('requireLinearHistory', ref);
    if (!p.allowForcePushes) this.add('allowForcePushes', ref);
    if (!p.allowDeletions) this.add('allowDeletions', ref);
    if (p.blockCreations) this.add('blockCreations', ref);
    if (p.requireConversationResolution) this.add('requireConversationResolution', ref);
    if (p.requireSignedCommits) this.add('requireSignedCommits', ref);
    if (p.lockBranch) {
      this.add('lockBranch', ref);
      this.lockedBy = { source: ref, kind: 'lock' };
    }
    if (p.restrictions) this.add('restrictions', ref);
  }

  applyRule(rule: RulesetRule, ref: SourceRef): void {
    const p = this.protection;
    if (rule.type !== 'other') this.any = true;
    switch (rule.type) {
      case 'pull_request': {
        const prev = p.requiredReviews;
        const count = Math.max(prev?.requiredApprovingReviewCount ?? 0, rule.requiredApprovingReviewCount);
        p.requiredReviews = {
          requiredApprovingReviewCount: count,
          requireCodeOwnerReviews: (prev?.requireCodeOwnerReviews ?? false) || rule.requireCodeOwnerReview,
          dismissStaleReviews: (prev?.dismissStaleReviews ?? false) || rule.dismissStaleReviewsOnPush,
          requireLastPushApproval: (prev?.requireLastPushApproval ?? false) || rule.requireLastPushApproval,
          // Rulesets have no per-rule dismissal restrictions or PR bypass lists (bypass is
          // per ruleset), so the classic rule's lists stand.
          dismissalRestrictions: prev?.dismissalRestrictions ?? null,
          bypassAllowances: prev?.bypassAllowances ?? null,
        };
        this.add('requiredReviews', ref);
        if (rule.requiredApprovingReviewCount > 0) this.add('requiredReviews.requiredApprovingReviewCount', ref);
        if (rule.requireCodeOwnerReview) this.add('requiredReviews.requireCodeOwnerReviews', ref);
        if (rule.dismissStaleReviewsOnPush) this.add('requiredReviews.dismissStaleReviews', ref);
        if (rule.requireLastPushApproval) this.add('requiredReviews.requireLastPushApproval', ref);
        if (rule.requiredReviewThreadResolution) {
          p.requireConversationResolution = true;
          this.add('requireConversationResolution', ref);
        }
        break;
      }
      case 'required_status_checks': {
        const prev = p.requiredStatusChecks;
        p.requiredStatusChecks = {
          strict: (prev?.strict ?? false) || rule.strict,
          checks: [...(prev?.checks ?? []), ...rule.checks.map((ch) => ({ context: ch.context, appId: ch.integrationId }))],
        };
        if (rule.checks.length > 0) this.add('requiredStatusChecks.contexts', ref);
        if (rule.strict) {
          this.add('requiredStatusChecks.strict', ref);
          this.strictRefs.push(ref);
        }
        break;
      }
      case 'required_linear_history':
        p.requireLinearHistory = true;
        this.add('requireLinearHistory', ref);
        break;
      case 'non_fast_forward':
        p.allowForcePushes = false;
        this.add('allowForcePushes', ref);
        break;
      case 'deletion':
        p.allowDeletions = false;
        this.add('allowDeletions', ref);
        break;
      case 'required_signatures':
        p.requireSignedCommits = true;
        this.add('requireSignedCommits', ref);
        break;
      case 'creation':
        p.blockCreations = true;
        this.add('blockCreations', ref);
        break;
      case 'update':
        // "Restrict updates": only bypass actors may push. The model's closest setting
        // is a locked branch (read-only for everyone else); deletions stay a rule of their own.
        p.lockBranch = true;
        this.add('lockBranch', ref);
        if (this.lockedBy?.kind !== 'lock') this.lockedBy = { source: ref, kind: 'update' };
        break;
      case 'other':
        break;
    }
  }

  finish(): {
    protection: BranchProtection;
    sources: Partial<Record<ProtectionSetting, SourceRef[]>>;
    any: boolean;
    strictWithoutChecks: SourceRef[];
  } {
    // "Require branches to be up to date" needs a defined check to take effect
    // (docs/github-api.md "Requirements that bind nothing").
    let strictWithoutChecks: SourceRef[] = [];
    const rsc = this.protection.requiredStatusChecks;
    if (rsc && rsc.strict && rsc.checks.length === 0) {
      this.protection.requiredStatusChecks = { strict: false, checks: [] };
      strictWithoutChecks = [...this.strictRefs];
      delete this.sources['requiredStatusChecks.strict'];
    }
    return { protection: normalizeProtection(this.protection), sources: this.sources, any: this.any, strictWithoutChecks };
  }
}

function sameRef(a: SourceRef, b: SourceRef): boolean {
  if (a.kind === 'classic' && b.kind === 'classic') return a.pattern === b.pattern && a.ruleId === b.ruleId && a.branch === b.branch;
  if (a.kind === 'ruleset' && b.kind === 'ruleset') return a.rulesetId === b.rulesetId && a.sourceType === b.sourceType;
  return false;
}

function rulesetRef(r: Ruleset): SourceRef {
  return { kind: 'ruleset', rulesetId: r.id, name: r.name, sourceType: r.source.type, sourceName: r.source.name };
}

function appliedRuleRef(r: AppliedRule): SourceRef {
  return { kind: 'ruleset', rulesetId: r.source.rulesetId, name: null, sourceType: r.source.type, sourceName: r.source.name };
}

function classicRuleRef(rule: ProtectionRule): SourceRef {
  return { kind: 'classic', pattern: rule.pattern, ruleId: rule.id };
}

// ---------------------------------------------------------------------------
// Who a source binds

const ADMIN_KINDS = new Set<ActorRef['kind']>(['admins', 'orgAdmins']);
/** Which classes a built-in repository role reaches: the role and every higher one (UNCONFIRMED, docs/github-api.md). */
const ROLE_REACH: Record<'write' | 'maintain' | 'admin', ReadonlySet<ActorRef['kind']>> = {
  write: new Set(['everyone', 'maintainers', 'admins', 'orgAdmins']),
  maintain: new Set(['maintainers', 'admins', 'orgAdmins']),
  admin: new Set(['admins', 'orgAdmins']),
};
const NAMED_KINDS = new Set<ActorRef['kind']>(['team', 'user', 'app', 'deployKeys', 'customRole', 'enterpriseOwners']);
/** Named classes of people: they push with at least write access, so a write-role bypass reaches them (apps and deploy keys hold no role). */
const PEOPLE_KINDS = new Set<ActorRef['kind']>(['team', 'user', 'customRole', 'enterpriseOwners']);

/** The actor a ruleset bypass entry names, as a class. */
export function bypassEntryActor(e: RulesetBypassActor): ActorBypass['entry'] {
  switch (e.actorType) {
    case 'RepositoryRole': {
      const role = e.actorId === null ? undefined : REPOSITORY_ROLE_IDS[e.actorId];
      return role ? { kind: 'role', role } : { kind: 'customRole', id: e.actorId };
    }
    case 'OrganizationAdmin':
      return { kind: 'orgAdmins' };
    case 'EnterpriseOwner':
      return { kind: 'enterpriseOwners' };
    case 'Team':
      return { kind: 'team', id: e.actorId, slug: e.name ?? null };
    case 'Integration':
      return { kind: 'app', id: e.actorId, slug: null };
    case 'DeployKey':
      return { kind: 'deployKeys' };
    default:
      // `User`, and anything GitHub adds later: named by id.
      return { kind: 'user', id: e.actorId, login: null };
  }
}

function describeEntry(entry: ActorBypass['entry']): string {
  return entry.kind === 'role' ? `repository role ${entry.role}` : describeActor(entry);
}

function sameNamed(a: ActorRef, b: ActorRef): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'team': {
      const o = b as typeof a;
      return (a.slug !== null && a.slug === o.slug) || (a.id !== null && a.id === o.id);
    }
    case 'user': {
      const o = b as typeof a;
      return (
        (a.login !== null && a.login.toLowerCase() === o.login?.toLowerCase()) ||
        (a.id !== null && a.id === o.id) ||
        (a.id === null && a.login === null && o.id === null && o.login === null)
      );
    }
    case 'app': {
      const o = b as typeof a;
      return (a.slug !== null && a.slug === o.slug) || (a.id !== null && a.id === o.id);
    }
    case 'customRole':
      return a.id === (b as typeof a).id;
    default:
      return true;
  }
}

/** Does a bypass entry reach this class? Named classes are writers too: what reaches every writer reaches them. */
function entryReaches(entry: ActorBypass['entry'], actor: ActorRef): boolean {
  if (entry.kind === 'role') return ROLE_REACH[entry.role].has(actor.kind) || (PEOPLE_KINDS.has(actor.kind) && entry.role === 'write');
  return sameNamed(entry, actor);
}

/** The classes a branch's sources speak of: the four standing ones (org admins on org repositories) and every named one. */
function actorClasses(contribs: readonly Contribution[], orgOwned: boolean): ActorRef[] {
  const out: ActorRef[] = [{ kind: 'everyone' }, { kind: 'maintainers' }, { kind: 'admins' }];
  if (orgOwned) out.push({ kind: 'orgAdmins' });
  const addNamed = (a: ActorRef) => {
    if (!NAMED_KINDS.has(a.kind) && a.kind !== 'orgAdmins') return;
    if (!out.some((x) => sameNamed(x, a))) out.push(a);
  };
  for (const c of contribs) {
    if (c.kind === 'classic') {
      const allow = c.protection.requiredReviews?.bypassAllowances;
      for (const login of allow?.users ?? []) addNamed({ kind: 'user', id: null, login });
      for (const slug of allow?.teams ?? []) addNamed({ kind: 'team', id: null, slug });
      for (const slug of allow?.apps ?? []) addNamed({ kind: 'app', id: null, slug });
    } else {
      for (const e of c.bypassActors ?? []) {
        const entry = bypassEntryActor(e);
        if (entry.kind !== 'role') addNamed(entry);
      }
    }
  }
  return out;
}

type Binding = 'full' | 'none' | 'pr_merge' | 'no_pr';

function classicBypasses(c: Extract<Contribution, { kind: 'classic' }>, actor: ActorRef): ActorBypass[] {
  const p = c.protection;
  if (ADMIN_KINDS.has(actor.kind) && !p.enforceAdmins) {
    return [{ source: c.ref, how: 'admin_exemption', via: 'enforce admins is off', entry: { kind: 'role', role: 'admin' } }];
  }
  const allow = p.requiredReviews?.bypassAllowances;
  if (!allow) return [];
  let entry: ActorRef | null = null;
  if (actor.kind === 'user' && actor.login !== null) {
    const login = allow.users.find((u) => u.toLowerCase() === actor.login!.toLowerCase());
    if (login !== undefined) entry = { kind: 'user', id: null, login };
  } else if (actor.kind === 'team' && actor.slug !== null && allow.teams.includes(actor.slug))
    entry = { kind: 'team', id: null, slug: actor.slug };
  else if (actor.kind === 'app' && actor.slug !== null && allow.apps.includes(actor.slug))
    entry = { kind: 'app', id: null, slug: actor.slug };
  return entry ? [{ source: c.ref, how: 'pr_allowance', via: 'pull request bypass allowance', entry }] : [];
}

function ruleBypasses(c: Extract<Contribution, { kind: 'rule' }>, actor: ActorRef): ActorBypass[] {
  const out: ActorBypass[] = [];
  for (const e of c.bypassActors ?? []) {
    const entry = bypassEntryActor(e);
    if (!entryReaches(entry, actor)) continue;
    const how: BypassHow = e.bypassMode === 'pull_request' ? 'pull_request' : e.bypassMode === 'exempt' ? 'exempt' : 'always';
    out.push({ source: c.ref, how, via: `${describeEntry(entry)}, ${e.bypassMode}`, entry });
  }
  return out;
}

function bindingOf(bypasses: readonly ActorBypass[]): Binding {
  if (bypasses.some((b) => b.how === 'always' || b.how === 'exempt' || b.how === 'admin_exemption')) return 'none';
  if (bypasses.some((b) => b.how === 'pull_request')) return 'pr_merge';
  if (bypasses.some((b) => b.how === 'pr_allowance')) return 'no_pr';
  return 'full';
}

/** A pull request bypass allowance pushes without a pull request: the review group (and conversations) do not bind. */
function withoutPullRequest(p: BranchProtection): BranchProtection {
  return { ...p, requiredReviews: null, requireConversationResolution: false };
}

/**
 * A `pull_request` bypass merges pull requests without the ruleset's rules, while
 * direct pushes stay bound: a pull request is still needed (with no approval), and
 * force pushes, deletions and creations (never made by merging) stay blocked.
 */
function ruleForPullRequestBypass(rule: RulesetRule): RulesetRule | null {
  if (rule.type === 'non_fast_forward' || rule.type === 'deletion' || rule.type === 'creation') return rule;
  if (rule.type === 'pull_request') {
    return {
      ...rule,
      requiredApprovingReviewCount: 0,
      dismissStaleReviewsOnPush: false,
      requireCodeOwnerReview: false,
      requireLastPushApproval: false,
      requiredReviewThreadResolution: false,
    };
  }
  return null;
}

/**
 * What binds an actor no source lets through: every contribution (hidden bypass lists
 * count in `protection`, not in `surely`). The same for every such actor, so it is
 * computed once per list of contributions.
 */
const boundByAll = new WeakMap<readonly Contribution[], ActorView>();
function viewOfAllBound(contribs: readonly Contribution[]): ActorView {
  let view = boundByAll.get(contribs);
  if (!view) {
    view = combineFor(
      contribs,
      { kind: 'everyone' },
      contribs.map(() => []),
    );
    boundByAll.set(contribs, view);
  }
  return view;
}

/** What binds `actor`, given the contributions, with the bypasses `tolerate` accepts treated as binding. */
export function viewFor(contribs: readonly Contribution[], actor: ActorRef, tolerate: BypassTolerance = () => false): ActorView {
  const found = contribs.map((c) =>
    (c.kind === 'classic' ? classicBypasses(c, actor) : ruleBypasses(c, actor)).filter((b) => !tolerate(actor, b)),
  );
  if (found.every((f) => f.length === 0)) return { ...viewOfAllBound(contribs), actor, bypasses: [] };
  return combineFor(contribs, actor, found);
}

function combineFor(contribs: readonly Contribution[], actor: ActorRef, foundPer: readonly ActorBypass[][]): ActorView {
  const upper = new Combiner();
  const lower = new Combiner();
  const bypasses: ActorBypass[] = [];
  for (const [i, c] of contribs.entries()) {
    const found = foundPer[i]!;
    bypasses.push(...found);
    const binding = bindingOf(found);
    if (c.kind === 'classic') {
      if (binding === 'none') continue;
      const p = binding === 'no_pr' ? withoutPullRequest(c.protection) : c.protection;
      upper.applyClassic(p, c.ref);
      lower.applyClassic(p, c.ref);
      continue;
    }
    if (binding === 'none') continue;
    const rule = binding === 'pr_merge' ? ruleForPullRequestBypass(c.rule) : c.rule;
    if (rule === null) continue;
    upper.applyRule(rule, c.ref);
    if (c.bypassActors !== null) lower.applyRule(rule, c.ref);
  }
  const u = upper.finish();
  const l = lower.finish();
  return {
    actor,
    protection: u.protection,
    surely: l.protection,
    bypasses,
    lockedBy: upper.lockedBy,
    strictWithoutChecks: u.strictWithoutChecks,
    sources: u.sources,
  };
}

/** Every class of actor on this branch, judged under `tolerate` (a class the tolerance changes nothing for keeps its view). */
export function actorViews(
  effective: Pick<EffectiveProtection, 'contributions' | 'actors'>,
  tolerate: BypassTolerance = () => false,
): ActorView[] {
  return effective.actors.map((a) =>
    a.bypasses.some((b) => tolerate(a.actor, b)) ? viewFor(effective.contributions, a.actor, tolerate) : a,
  );
}

/** What binds an actor no source lets through (every rule as written). */
export function viewWithoutBypass(effective: Pick<EffectiveProtection, 'contributions'>): ActorView {
  return viewOfAllBound(effective.contributions);
}

/** The profile a protection meets exactly (for "is `a` at least as strict as `b`"). */
function profileOf(p: BranchProtection): ProtectionProfile {
  const out: ProtectionProfile = {
    requireLinearHistory: p.requireLinearHistory,
    requireConversationResolution: p.requireConversationResolution,
    requireSignedCommits: p.requireSignedCommits,
  };
  if (p.requiredReviews) {
    out.requiredReviews = {
      requiredApprovingReviewCount: p.requiredReviews.requiredApprovingReviewCount,
      requireCodeOwnerReviews: p.requiredReviews.requireCodeOwnerReviews,
      dismissStaleReviews: p.requiredReviews.dismissStaleReviews,
      requireLastPushApproval: p.requiredReviews.requireLastPushApproval,
    };
  }
  if (p.requiredStatusChecks)
    out.requiredStatusChecks = { contexts: p.requiredStatusChecks.checks.map((c) => c.context), strict: p.requiredStatusChecks.strict };
  if (!p.allowForcePushes) out.allowForcePushes = false;
  if (!p.allowDeletions) out.allowDeletions = false;
  return out;
}

/** Is `a` at least as strict as `b` on every requirement a tier can ask for? */
export function atLeastAsStrict(a: BranchProtection, b: BranchProtection): boolean {
  return listProfileDeviations(a, profileOf(b)).length === 0;
}

/** Combine contributions for every actor class; `protection`/`sources` are every writer's. */
function combine(
  contribs: readonly Contribution[],
  orgOwned: boolean,
): Pick<
  EffectiveProtection,
  'protection' | 'sources' | 'protectedByAnything' | 'actors' | 'hiddenBypass' | 'strictWithoutChecks' | 'contributions'
> {
  const actors = actorClasses(contribs, orgOwned).map((a) => viewFor(contribs, a));
  const everyone = actors[0]!;
  const protection = { ...everyone.protection };
  const sources = { ...everyone.sources };
  delete sources.enforceAdmins;
  // Admins count as bound when what surely binds them is at least what binds every writer.
  const admins = actors.filter((a) => ADMIN_KINDS.has(a.actor.kind));
  protection.enforceAdmins =
    contribs.length > 0 && admins.every((a) => a.lockedBy !== null || atLeastAsStrict(a.surely, everyone.protection));
  if (protection.enforceAdmins) {
    const binding = contribs.filter(
      (c) => !admins.some((a) => a.bypasses.some((b) => sameRef(b.source, c.ref))) && (c.kind === 'classic' || c.bypassActors !== null),
    );
    const refs: SourceRef[] = [];
    for (const c of binding) if (!refs.some((r) => sameRef(r, c.ref))) refs.push(c.ref);
    if (refs.length > 0) sources.enforceAdmins = refs;
  }
  const hiddenBypass: SourceRef[] = [];
  for (const c of contribs)
    if (c.kind === 'rule' && c.bypassActors === null && c.rule.type !== 'other' && !hiddenBypass.some((r) => sameRef(r, c.ref)))
      hiddenBypass.push(c.ref);
  return {
    protection,
    sources,
    protectedByAnything: contribs.some((c) => c.kind === 'classic' || c.rule.type !== 'other'),
    actors,
    hiddenBypass,
    strictWithoutChecks: everyone.strictWithoutChecks,
    contributions: [...contribs],
  };
}

// ---------------------------------------------------------------------------
// Reading the two halves

type ClassicSide =
  | { kind: 'protected'; protection: BranchProtection; ref: SourceRef }
  | { kind: 'unprotected' }
  | { kind: 'unknown'; reason: string }
  | { kind: 'not_applicable'; reason: string };

function accessProblem(live: RepoLiveState): ClassicSide | null {
  if (live.access === 'plan-unavailable') {
    return { kind: 'not_applicable', reason: live.accessReason ?? 'branch protection is not available on this plan' };
  }
  if (live.access === 'read-only') {
    return {
      kind: 'unknown',
      reason: live.accessReason ?? 'the token has no admin access, so classic branch protection cannot be seen',
    };
  }
  if (live.access === 'unknown') {
    return { kind: 'unknown', reason: live.accessReason ?? 'the token’s permission on the repository is unknown' };
  }
  return null;
}

function readClassic(live: RepoLiveState, branch: string): ClassicSide {
  const problem = accessProblem(live);
  if (problem) return problem;
  const read = live.classicByBranch?.[branch];
  if (read) {
    switch (read.kind) {
      case 'protected': {
        // GitHub's per-branch answer does not name the rule; the rule list (when read) does.
        const rule = live.classicRules ? selectApplicableRule(live.classicRules, branch) : undefined;
        const ref: SourceRef = rule ? classicRuleRef(rule) : { kind: 'classic', pattern: null, ruleId: null, branch };
        return { kind: 'protected', protection: read.protection, ref };
      }
      case 'unprotected':
        return { kind: 'unprotected' };
      case 'unknown':
        return { kind: 'unknown', reason: read.reason };
      case 'not_applicable':
        return { kind: 'not_applicable', reason: read.reason };
    }
  }
  if (live.classicRules !== null) {
    const rule = selectApplicableRule(live.classicRules, branch);
    return rule ? { kind: 'protected', protection: rule.protection, ref: classicRuleRef(rule) } : { kind: 'unprotected' };
  }
  return { kind: 'unknown', reason: `classic protection of '${branch}' was not read` };
}

type RuleContribution = Extract<Contribution, { kind: 'rule' }>;
type RulesetSide =
  { kind: 'known'; contributions: RuleContribution[] } | { kind: 'unknown'; reason: string; contributions: RuleContribution[] };

const unreadRulesetsReason = (n: number): string =>
  `${n === 1 ? '1 ruleset' : `${n} rulesets`} listed for the repository could not be read (rules and bypass list unseen)`;

function readRulesets(live: RepoLiveState, branch: string): RulesetSide {
  const applied = live.rulesByBranch?.[branch];
  if (applied) {
    // GitHub already evaluated conditions and enforcement. Bypass lists are not in this
    // answer; when the full ruleset is known too, take its list from there.
    const byId = new Map((live.rulesets ?? []).map((r) => [r.id, r]));
    return {
      kind: 'known',
      contributions: applied.map((a) => ({
        kind: 'rule' as const,
        ref: byId.has(a.source.rulesetId) ? rulesetRef(byId.get(a.source.rulesetId)!) : appliedRuleRef(a),
        rule: a,
        bypassActors: byId.get(a.source.rulesetId)?.bypassActors ?? null,
      })),
    };
  }
  if (live.rulesets === null) return { kind: 'unknown', reason: 'rulesets were not read', contributions: [] };
  const contributions: RuleContribution[] = [];
  const undecided: string[] = [];
  for (const rs of live.rulesets) {
    const d = rulesetAppliesToBranch(rs, live, branch);
    if (d === false) continue;
    if (d === 'undecidable') {
      undecided.push(`'${rs.name}' (#${rs.id})`);
      continue;
    }
    for (const rule of rs.rules) contributions.push({ kind: 'rule', ref: rulesetRef(rs), rule, bypassActors: rs.bypassActors });
  }
  const reasons: string[] = [];
  if (undecided.length > 0) {
    reasons.push(`whether ruleset ${undecided.join(', ')} targets this repository depends on properties that were not read`);
  }
  // Listed but not shown to this token: the readable rest is a lower bound.
  if ((live.unreadRulesets ?? 0) > 0) reasons.push(unreadRulesetsReason(live.unreadRulesets ?? 0));
  if (reasons.length > 0) return { kind: 'unknown', reason: reasons.join('; '), contributions };
  return { kind: 'known', contributions };
}

/**
 * The effective protection of one branch (a branch name, not a pattern). The
 * branch need not exist: rules that would apply to it are evaluated all the same.
 */
export function effectiveProtection(live: RepoLiveState, branch: string): EffectiveProtection {
  const classic = readClassic(live, branch);
  const rulesets = readRulesets(live, branch);
  const contribs: Contribution[] = [];
  if (classic.kind === 'protected') contribs.push({ kind: 'classic', ref: classic.ref, protection: classic.protection });
  contribs.push(...rulesets.contributions);
  const combined = combine(contribs, live.repo.ownerType === 'Organization');

  const reasons: string[] = [];
  let state: EffectiveState = 'known';
  if (live.readError !== null) {
    state = 'unknown';
    reasons.push(`reading the repository failed: ${live.readError}`);
  }
  if (classic.kind === 'not_applicable') {
    state = 'not_applicable';
    reasons.unshift(classic.reason);
  } else {
    if (classic.kind === 'unknown') {
      state = 'unknown';
      reasons.push(classic.reason);
    }
    if (rulesets.kind === 'unknown') {
      state = 'unknown';
      reasons.push(rulesets.reason);
    }
  }
  const result: EffectiveProtection = { branch, state, ...combined };
  if (reasons.length > 0) result.reason = reasons.join('; ');
  return result;
}

// ---------------------------------------------------------------------------
// Patterns

function splitSegments(pattern: string): string[] {
  return pattern.split('/');
}

const segmentCache = new Map<string, (s: string) => boolean>();
function segmentMatches(patternSegment: string, literal: string): boolean {
  let fn = segmentCache.get(patternSegment);
  if (!fn) {
    fn = picomatch(patternSegment, { nobrace: true, noextglob: true, dot: false, nonegate: true });
    segmentCache.set(patternSegment, fn);
  }
  return fn(literal);
}

/** Does pattern segment `p` match every name that segment `t` can match (within one path segment)? */
function segmentCovers(p: string, t: string): boolean {
  if (p === t) return true;
  if (!isWildcardPattern(p)) return false;
  if (!isWildcardPattern(t)) return segmentMatches(p, t);
  // Both wildcards: only the shapes we can decide safely.
  if (p === '*' || p === '**') return !t.startsWith('.');
  const star = p.indexOf('*');
  if (star === p.length - 1 && !isWildcardPattern(p.slice(0, -1))) {
    // `v*` covers any `t` starting with the literal `v` (its rest is one segment too).
    const prefix = p.slice(0, -1);
    return t.startsWith(prefix) && !isWildcardPattern(t.slice(0, prefix.length));
  }
  return false; // conservative: "not proven to cover"
}

/**
 * Conservative containment of fnmatch (FNM_PATHNAME) patterns: true only when every
 * name `target` matches is provably matched by `cover`. `**` is recursive only as a
 * whole segment followed by another segment (`release/**\/*`); elsewhere it behaves
 * like `*`, as in Ruby's fnmatch. Works on branch names and on full refs alike.
 */
export function patternCovers(cover: string, target: string): boolean {
  if (cover === target) return true;
  const P = splitSegments(cover);
  const T = splitSegments(target);
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let out: boolean;
    if (i === P.length) out = j === T.length;
    else if (P[i] === '**' && i < P.length - 1) {
      out = go(i + 1, j) || (j < T.length && !T[j]!.startsWith('.') && go(i, j + 1));
    } else if (j === T.length) out = false;
    else if (T[j] === '**' && j < T.length - 1)
      out = false; // only a recursive `**` covers a recursive `**`
    else out = segmentCovers(P[i]!, T[j]!) && go(i + 1, j + 1);
    memo.set(key, out);
    return out;
  };
  return go(0, 0);
}

/**
 * Could patterns `a` and `b` match a common name? Conservative the other way: false
 * only when provably disjoint (different literal segments, or different segment
 * counts without `**`).
 */
export function patternsMayIntersect(a: string, b: string): boolean {
  const A = splitSegments(a);
  const B = splitSegments(b);
  const hasRec = (s: string[]) => s.some((x) => x.includes('**'));
  const n = Math.min(A.length, B.length);
  for (let k = 0; k < n; k++) {
    const x = A[k]!;
    const y = B[k]!;
    if (x.includes('**') || y.includes('**')) return true;
    const xw = isWildcardPattern(x);
    const yw = isWildcardPattern(y);
    if (!xw && !yw && x !== y) return false;
    if (xw && !yw && !segmentMatches(x, y)) return false;
    if (!xw && yw && !segmentMatches(y, x)) return false;
  }
  if (A.length !== B.length && !hasRec(A) && !hasRec(B)) return false;
  return true;
}

export interface PatternCoverage {
  /** The target pattern, e.g. `release/*`. */
  pattern: string;
  /** Existing branches the pattern matches, each with its effective protection. */
  existingBranches: { name: string; effective: EffectiveProtection }[];
  /** False when the branch list was not read and `existingBranches` was inferred from rules. */
  branchListComplete: boolean;
  /**
   * Does a rule cover every branch the pattern can match, including ones not created
   * yet: a classic rule whose pattern contains the target, or an active ruleset
   * (targeting this repository) whose include contains it with no exclude that could
   * cut into it. `null`: cannot tell (rules not visible) and no visible rule covers it.
   */
  futureCovered: boolean | null;
  /** The covering rules (classic rules by pattern, rulesets by id). */
  coveringRules: SourceRef[];
  /**
   * What a new branch matching the pattern gets at least: the oldest covering classic
   * rule combined with every covering ruleset. null when nothing covers it or the
   * coverage is unknown. (A more specific classic rule could still apply to some names.)
   */
  futureProtection: BranchProtection | null;
  /** The same, per class of actor (a branch-like effective protection of the pattern); null with `futureProtection`. */
  future: EffectiveProtection | null;
  /** Why `futureCovered` is null, in words. */
  reason?: string;
}

function rulesetCoversPattern(rs: Ruleset, live: RepoLiveState, pattern: string): Decision {
  if (rs.enforcement !== 'active' || rs.target !== 'branch' || rs.refName === null) return false;
  const ref = `refs/heads/${pattern}`;
  const includes = rs.refName.include.some((inc) => inc === '~ALL' || (inc !== '~DEFAULT_BRANCH' && patternCovers(inc, ref)));
  if (!includes) return false;
  const cut = rs.refName.exclude.some((exc) => {
    if (exc === '~ALL') return true;
    if (exc === '~DEFAULT_BRANCH') return matchesBranchPattern(pattern, live.repo.defaultBranch);
    return patternsMayIntersect(exc, ref);
  });
  if (cut) return false;
  return rulesetTargetsRepo(rs, live.repo, live.customProperties);
}

/** Existing branches a target matches, and whether that list is complete. */
export function listBranchesMatching(live: RepoLiveState, pattern: string): { names: string[]; complete: boolean } {
  if (live.branches !== null) {
    return { names: live.branches.filter((b) => matchesBranchPattern(pattern, b)).sort(), complete: true };
  }
  const seen = new Set<string>();
  for (const rule of live.classicRules ?? []) for (const b of rule.matchingBranches ?? []) seen.add(b);
  for (const b of Object.keys(live.classicByBranch ?? {})) seen.add(b);
  for (const b of Object.keys(live.rulesByBranch ?? {})) seen.add(b);
  return { names: [...seen].filter((b) => matchesBranchPattern(pattern, b)).sort(), complete: false };
}

/**
 * Coverage of a branch pattern (`release/*`): the effective protection of each
 * existing matching branch, and whether future branches would be covered.
 */
export function effectivePatternCoverage(live: RepoLiveState, pattern: string): PatternCoverage {
  const { names, complete } = listBranchesMatching(live, pattern);
  const existingBranches = names.map((name) => ({ name, effective: effectiveProtection(live, name) }));

  const covering: SourceRef[] = [];
  const contribs: Contribution[] = [];
  const base = { pattern, existingBranches, branchListComplete: complete, coveringRules: covering };
  if (live.access === 'plan-unavailable') {
    return {
      ...base,
      futureCovered: null,
      futureProtection: null,
      future: null,
      reason: live.accessReason ?? 'branch protection is not available on this plan',
    };
  }

  // A covering classic rule that is visible exists, whatever the access; only the
  // absence of one is untrustworthy without admin access (pitfall 9).
  const coveringClassic = (live.classicRules ?? []).filter((r) => patternCovers(r.pattern, pattern));
  const oldest = coveringClassic[0];
  if (oldest) {
    covering.push(...coveringClassic.map(classicRuleRef));
    contribs.push({ kind: 'classic', ref: classicRuleRef(oldest), protection: oldest.protection });
  }
  const undecided: string[] = [];
  for (const rs of live.rulesets ?? []) {
    const d = rulesetCoversPattern(rs, live, pattern);
    if (d === 'undecidable') undecided.push(`'${rs.name}' (#${rs.id})`);
    if (d !== true) continue;
    covering.push(rulesetRef(rs));
    for (const rule of rs.rules) contribs.push({ kind: 'rule', ref: rulesetRef(rs), rule, bypassActors: rs.bypassActors });
  }
  if (covering.length > 0) {
    const future: EffectiveProtection = { branch: pattern, state: 'known', ...combine(contribs, live.repo.ownerType === 'Organization') };
    return { ...base, futureCovered: true, futureProtection: future.protection, future };
  }

  const unseen: string[] = [];
  if (live.classicRules === null) unseen.push('classic rules with patterns were not read');
  else if (live.access !== 'admin') unseen.push('classic rules are not visible without admin access');
  if (live.rulesets === null) unseen.push('rulesets were not read');
  if (undecided.length > 0)
    unseen.push(`whether ruleset ${undecided.join(', ')} targets this repository depends on properties that were not read`);
  if ((live.unreadRulesets ?? 0) > 0) unseen.push(unreadRulesetsReason(live.unreadRulesets ?? 0));
  if (unseen.length > 0) return { ...base, futureCovered: null, futureProtection: null, future: null, reason: unseen.join('; ') };
  return { ...base, futureCovered: false, futureProtection: null, future: null };
}
