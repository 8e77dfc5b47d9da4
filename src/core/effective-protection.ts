/**
 * Effective protection of a branch: what GitHub actually enforces on it, combining
 * the one classic protection rule that applies with every active ruleset (repository
 * and organization) whose conditions include the branch.
 *
 * GitHub semantics (GITHUB-API.md §2, about-rulesets docs): rulesets aggregate with
 * each other and with classic rules, and "the most restrictive version of the rule
 * applies". So per setting: the highest review count, the OR of every tightening
 * boolean, the union of required checks, strict if any source is strict, and force
 * pushes / deletions stay allowed only when nothing blocks them.
 *
 * What cannot be seen is `unknown` and a plan that lacks the feature is
 * `not_applicable`; neither ever turns into "unprotected" (pitfalls 3, 5, 9). When
 * the state is not `known`, `protection` is still what could be seen: a lower bound.
 */
import {
  isWildcardPattern,
  matchesBranchPattern,
  refConditionMatches,
  selectApplicableRule,
} from './branch-patterns.js';
import type {
  AppliedRule,
  CustomPropertyValue,
  ProtectionRule,
  RepoInfo,
  RepositoryPropertyCondition,
  Ruleset,
  RulesetRule,
  RulesetSourceType,
} from './github-types.js';
import type { RepoLiveState } from './live-state.js';
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

/** Where a tightening comes from. */
export type SourceRef =
  | { kind: 'classic'; pattern: string; ruleId: string | null }
  | { kind: 'ruleset'; rulesetId: number; name: string | null; sourceType: RulesetSourceType; sourceName: string };

export type EffectiveState = 'known' | 'unknown' | 'not_applicable';

export interface EffectiveProtection {
  branch: string;
  state: EffectiveState;
  /** The combined protection; a lower bound when `state` is not `known`. */
  protection: BranchProtection;
  /** For each setting that some source tightens, the sources that do. Absent key: nothing tightens it. */
  sources: Partial<Record<ProtectionSetting, SourceRef[]>>;
  /** True when at least one classic rule or ruleset applies to the branch. */
  protectedByAnything: boolean;
  /** Why the state is not `known` (and other caveats), in words. */
  reason?: string;
}

/** One readable phrase for a source: `classic rule 'main'`, `org ruleset 'baseline' (#12)`. */
export function describeSource(ref: SourceRef): string {
  if (ref.kind === 'classic') return `classic rule '${ref.pattern}'`;
  const where = ref.sourceType === 'Organization' ? 'org ruleset' : 'repo ruleset';
  return ref.name ? `${where} '${ref.name}' (#${ref.rulesetId})` : `${where} #${ref.rulesetId}`;
}

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
export function rulesetAppliesToBranch(
  ruleset: Ruleset,
  live: Pick<RepoLiveState, 'repo' | 'customProperties'>,
  branch: string,
): Decision {
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

interface Contribution {
  ref: SourceRef;
  rule: RulesetRule;
  /** Empty list = a bypass list known to be empty; null = not visible (only `rulesets` carry it). */
  bypassActors: Ruleset['bypassActors'];
}

class Combiner {
  protection: BranchProtection = emptyProtection();
  sources: Partial<Record<ProtectionSetting, SourceRef[]>> = {};
  private classicPresent = false;
  private rulesetRefs: { ref: SourceRef; bypassFree: boolean }[] = [];

  private add(setting: ProtectionSetting, ref: SourceRef): void {
    const list = (this.sources[setting] ??= []);
    if (!list.some((r) => sameRef(r, ref))) list.push(ref);
  }

  applyClassic(protection: BranchProtection, ref: SourceRef): void {
    this.classicPresent = true;
    const p = normalizeProtection(protection);
    this.protection = { ...p };
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
      if (p.requiredStatusChecks.strict) this.add('requiredStatusChecks.strict', ref);
    }
    if (p.enforceAdmins) this.add('enforceAdmins', ref);
    if (p.requireLinearHistory) this.add('requireLinearHistory', ref);
    if (!p.allowForcePushes) this.add('allowForcePushes', ref);
    if (!p.allowDeletions) this.add('allowDeletions', ref);
    if (p.blockCreations) this.add('blockCreations', ref);
    if (p.requireConversationResolution) this.add('requireConversationResolution', ref);
    if (p.requireSignedCommits) this.add('requireSignedCommits', ref);
    if (p.lockBranch) this.add('lockBranch', ref);
    if (p.restrictions) this.add('restrictions', ref);
  }

  applyRule(c: Contribution): void {
    const p = this.protection;
    const { rule, ref } = c;
    let contributes = true;
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
        if (rule.strict) this.add('requiredStatusChecks.strict', ref);
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
        // is a locked branch (read-only for everyone else).
        p.lockBranch = true;
        this.add('lockBranch', ref);
        break;
      case 'other':
        contributes = false;
        break;
    }
    if (contributes) {
      this.rulesetRefs.push({ ref, bypassFree: c.bypassActors !== null && c.bypassActors.length === 0 });
    }
  }

  finish(): { protection: BranchProtection; sources: Partial<Record<ProtectionSetting, SourceRef[]>>; any: boolean } {
    // Admins: a ruleset with a visible, empty bypass list binds admins too. That equals
    // "enforce admins" only when rulesets are all there is (a classic rule without
    // enforce_admins still lets admins skip its own requirements). A bypass list we
    // cannot see (null) is not counted: it may well name admins.
    if (!this.classicPresent && !this.protection.enforceAdmins && this.rulesetRefs.length > 0 && this.rulesetRefs.every((r) => r.bypassFree)) {
      this.protection.enforceAdmins = true;
      for (const r of this.rulesetRefs) this.add('enforceAdmins', r.ref);
    }
    return {
      protection: normalizeProtection(this.protection),
      sources: this.sources,
      any: this.classicPresent || this.rulesetRefs.length > 0,
    };
  }
}

function sameRef(a: SourceRef, b: SourceRef): boolean {
  if (a.kind === 'classic' && b.kind === 'classic') return a.pattern === b.pattern && a.ruleId === b.ruleId;
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
      case 'protected':
        return { kind: 'protected', protection: read.protection, ref: { kind: 'classic', pattern: branch, ruleId: null } };
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

type RulesetSide = { kind: 'known'; contributions: Contribution[] } | { kind: 'unknown'; reason: string; contributions: Contribution[] };

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
        ref: byId.has(a.source.rulesetId) ? rulesetRef(byId.get(a.source.rulesetId)!) : appliedRuleRef(a),
        rule: a,
        bypassActors: byId.get(a.source.rulesetId)?.bypassActors ?? null,
      })),
    };
  }
  if (live.rulesets === null) return { kind: 'unknown', reason: 'rulesets were not read', contributions: [] };
  const contributions: Contribution[] = [];
  const undecided: string[] = [];
  for (const rs of live.rulesets) {
    const d = rulesetAppliesToBranch(rs, live, branch);
    if (d === false) continue;
    if (d === 'undecidable') {
      undecided.push(`'${rs.name}' (#${rs.id})`);
      continue;
    }
    for (const rule of rs.rules) contributions.push({ ref: rulesetRef(rs), rule, bypassActors: rs.bypassActors });
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
  const combiner = new Combiner();
  if (classic.kind === 'protected') combiner.applyClassic(classic.protection, classic.ref);
  for (const c of rulesets.contributions) combiner.applyRule(c);
  const { protection, sources, any } = combiner.finish();

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
  const result: EffectiveProtection = { branch, state, protection, sources, protectedByAnything: any };
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
    else if (T[j] === '**' && j < T.length - 1) out = false; // only a recursive `**` covers a recursive `**`
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
  const combiner = new Combiner();
  const base = { pattern, existingBranches, branchListComplete: complete, coveringRules: covering };
  if (live.access === 'plan-unavailable') {
    return { ...base, futureCovered: null, futureProtection: null, reason: live.accessReason ?? 'branch protection is not available on this plan' };
  }

  // A covering classic rule that is visible exists, whatever the access; only the
  // absence of one is untrustworthy without admin access (pitfall 9).
  const coveringClassic = (live.classicRules ?? []).filter((r) => patternCovers(r.pattern, pattern));
  const oldest = coveringClassic[0];
  if (oldest) {
    covering.push(...coveringClassic.map(classicRuleRef));
    combiner.applyClassic(oldest.protection, classicRuleRef(oldest));
  }
  const undecided: string[] = [];
  for (const rs of live.rulesets ?? []) {
    const d = rulesetCoversPattern(rs, live, pattern);
    if (d === 'undecidable') undecided.push(`'${rs.name}' (#${rs.id})`);
    if (d !== true) continue;
    covering.push(rulesetRef(rs));
    for (const rule of rs.rules) combiner.applyRule({ ref: rulesetRef(rs), rule, bypassActors: rs.bypassActors });
  }
  if (covering.length > 0) return { ...base, futureCovered: true, futureProtection: combiner.finish().protection };

  const unseen: string[] = [];
  if (live.classicRules === null) unseen.push('classic rules with patterns were not read');
  else if (live.access !== 'admin') unseen.push('classic rules are not visible without admin access');
  if (live.rulesets === null) unseen.push('rulesets were not read');
  if (undecided.length > 0) unseen.push(`whether ruleset ${undecided.join(', ')} targets this repository depends on properties that were not read`);
  if ((live.unreadRulesets ?? 0) > 0) unseen.push(unreadRulesetsReason(live.unreadRulesets ?? 0));
  if (unseen.length > 0) return { ...base, futureCovered: null, futureProtection: null, reason: unseen.join('; ') };
  return { ...base, futureCovered: false, futureProtection: null };
}
