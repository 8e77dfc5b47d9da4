/**
 * The plan: the exact writes an apply would make, as data. Pure (no I/O): it takes
 * evaluated repositories (live state + classification + tier + gap analysis) and
 * returns ordered steps, each with its before- and after-model and a readable diff.
 * `qms plan` and `qms apply --dry-run` render it; `qms apply` executes it step by
 * step, re-reading each target and recomputing the desired state right before the
 * write (the plan may be minutes old by then).
 *
 * What is written, per repository (in this order):
 * 1. every exact-name target of the tier (`~DEFAULT_BRANCH`, `main`, `develop`…) →
 *    a `classic_protection` step: REST PUT of the whole rule built from the model
 *    (required signatures are part of the step; the gateway uses their endpoint);
 * 2. every wildcard target (`release/*`, `hotfix/*`) → a `protection_rule` step:
 *    GraphQL createBranchProtectionRule when no rule has exactly that pattern,
 *    else updateBranchProtectionRule on that rule;
 * 3. the tier's merge settings → a `merge_settings` step (PATCH the repository).
 *
 * DECISION — wildcard targets use classic branch protection rules (GraphQL), not
 * rulesets:
 * - one protection model and one semantics for every target: a `release/*` rule
 *   is the same object as the default branch's classic rule, so planning, diff,
 *   verification and rollback share one path (`desiredProtection`, `protectionEquals`);
 * - the batched GraphQL reader reads every rule of a repository in the same query
 *   it already makes (no extra request per repository, unlike rulesets, which need
 *   a REST GET per ruleset for their rules);
 * - the before-state is a single object (the rule node), and rollback is an update
 *   back to it, or a delete by node id of the rule qms created — never a merge of
 *   several rulesets that other people also edit;
 * - rulesets stay what an organisation layers on top (assess already counts them;
 *   tighten-only means qms never has to touch them).
 * Caveat: classic rules do not aggregate. For an existing branch, an exact-name
 * rule beats every wildcard and an older wildcard beats a newer one, so a branch
 * such as `release/1.0` with its own rule keeps that rule's (weaker) protection
 * after qms tightens `release/*`. The plan says so in a note per shadowed branch,
 * and assess keeps reporting that branch's gaps (effective protection follows the
 * rule GitHub really applies), so nothing is silently believed compliant.
 *
 * What is never written:
 * - repositories whose assessment is not `assessed` (skipped: archived/disabled/
 *   unclassified; unknown: protection not fully visible; not_applicable: plan or
 *   empty repository; error: the read failed) and repositories the token is not
 *   admin on: a non-admin token never writes;
 * - a target without findings: when rulesets already make a branch meet its floor,
 *   qms does not duplicate them into a classic rule;
 * - a step whose after-state equals its before-state (idempotent: a compliant
 *   organisation yields zero steps; `desiredProtection` is tighten-only and
 *   idempotent, so a second plan after an apply is empty).
 *
 * DECISION — phases (seed §3) are cumulative by tier rank:
 * - `pilot`: only the policy's `pilotRepositories`, each in its own tier;
 * - `standard`, `business_critical`, `mission_critical`: the pilot repositories plus
 *   every repository whose tier ranks at or below the phase's tier (so the
 *   `standard` phase includes `experimental`, and `mission_critical` is the whole
 *   organisation). Earlier phases are included because a rollout phase does not
 *   retire the previous ones: re-running them is free (idempotent, zero writes when
 *   still compliant) and catches repositories that joined an earlier tier or
 *   drifted since. `--tier` narrows a phase to one tier.
 */
import { isWildcardPattern, selectApplicableRule } from './branch-patterns.js';
import { toleranceFor } from './bypass-tolerance.js';
import type { Classification } from './classify.js';
import { desiredMergeSettings, desiredProtection, mergeProfiles } from './desired-protection.js';
import { UsageError } from './errors.js';
import type { RepoAssessment } from './gap-analysis.js';
import type { ProtectionRule } from './github-types.js';
import type { RepoLiveState } from './live-state.js';
import type { BranchTarget, ProtectionProfile, RoleBinding, TierPolicy } from './policy.js';
import { resolveFloorForBranch } from './protection-level.js';
import {
  emptyProtection,
  mergeSettingsEqual,
  normalizeProtection,
  protectionEquals,
  type ActorLists,
  type BranchProtection,
  type MergeSettings,
} from './protection.js';

export const PLAN_PHASES = ['pilot', 'standard', 'business_critical', 'mission_critical'] as const;
export type PlanPhase = (typeof PLAN_PHASES)[number];

export type PlanStepKind = 'classic_protection' | 'protection_rule' | 'merge_settings';

/** A value in a diff line. */
export type DiffValue = string | number | boolean | null;

/** One line of a human diff: `+` a setting appears, `-` it disappears, `~` it changes. */
export interface SettingChange {
  op: '+' | '-' | '~';
  /** Dotted setting path, e.g. `requiredReviews.requiredApprovingReviewCount`, `requiredStatusChecks.checks[qms/dor-validation]`. */
  setting: string;
  before: DiffValue;
  after: DiffValue;
}

interface PlanStepBase {
  /** 1-based position in the plan. */
  id: number;
  /** `owner/name`. */
  repo: string;
  owner: string;
  name: string;
  tier: string;
  /** Branch name, pattern, or '' for merge settings. */
  target: string;
  /** The tier targets that selected it (`~DEFAULT_BRANCH`, `release/*`); empty for merge settings. */
  tierTargets: string[];
  /** create: nothing of this kind existed for the target (a new rule); update otherwise. */
  operation: 'create' | 'update';
  changes: SettingChange[];
}

export interface ProtectionPlanStep extends PlanStepBase {
  kind: 'classic_protection' | 'protection_rule';
  /** The floor the target must meet (merged over every tier target that selects it). Apply recomputes `after` from it. */
  floor: ProtectionProfile;
  /** The protection the write replaces (classic: the rule GitHub applies to the branch; pattern: the rule with that pattern); null: none. */
  before: BranchProtection | null;
  after: BranchProtection;
  /** Node id of the rule that applies before the write (pattern: the rule updated), when known. */
  ruleId: string | null;
}

export interface MergePlanStep extends PlanStepBase {
  kind: 'merge_settings';
  /** The merge settings the tier names (exact values). Apply recomputes `after` from it. */
  merge: Partial<MergeSettings>;
  before: MergeSettings;
  after: MergeSettings;
}

export type PlanStep = ProtectionPlanStep | MergePlanStep;

export interface PlanSkip {
  repo: string;
  /** null: the whole repository; else the target (branch/pattern) left out. */
  target: string | null;
  reason: string;
}

export interface PlanNote {
  repo: string;
  target: string | null;
  message: string;
}

export interface Plan {
  tier: string | null;
  phase: PlanPhase | null;
  steps: PlanStep[];
  /** In-scope repositories (or targets) that cannot be planned, with the reason. */
  skipped: PlanSkip[];
  /** Caveats worth reading before applying (shadowed branches, merge settings left alone…). */
  notes: PlanNote[];
  /** Repositories in scope (after tier/phase/repo filters), in name order. */
  repos: string[];
  /** Repositories evaluated but outside the tier/phase/repo filters. */
  outOfScope: number;
}

/** The part of a RepoEvaluation (src/services/evaluation.ts) the planner reads. */
export interface PlanInput {
  live: RepoLiveState;
  classification: Classification;
  tier: TierPolicy | null;
  assessment: RepoAssessment;
}

export interface BuildPlanOptions {
  /** Only repositories classified into this tier (policy name). */
  tier?: string;
  phase?: PlanPhase;
  /** The policy's pilot repositories (`name` or `owner/name`). */
  pilotRepositories: readonly string[];
  /** Every tier of the policy: phases are decided by rank. Required with `phase` other than pilot. */
  tiers?: Readonly<Record<string, TierPolicy>>;
  /** Only these repositories (`name` or `owner/name`). */
  repos?: readonly string[];
  /** The policy's roles (a tier may tolerate the bypasses of a role's holders). */
  roles?: Readonly<Record<string, RoleBinding>>;
}

function matchesRepoName(list: readonly string[], live: RepoLiveState): boolean {
  const full = live.repo.fullName.toLowerCase();
  const name = live.repo.name.toLowerCase();
  return list.some((entry) => {
    const e = entry.toLowerCase();
    return e.includes('/') ? e === full : e === name;
  });
}

/** Is the repository in the scope the options describe? */
export function isInScope(input: PlanInput, options: BuildPlanOptions): boolean {
  const { live, classification } = input;
  if (options.repos && options.repos.length > 0 && !matchesRepoName(options.repos, live)) return false;
  if (options.tier !== undefined && classification.tier !== options.tier) return false;
  if (options.phase === undefined) return true;
  const pilot = matchesRepoName(options.pilotRepositories, live);
  if (options.phase === 'pilot') return pilot;
  if (pilot) return true;
  const tiers = options.tiers;
  if (!tiers) throw new TypeError('buildPlan: a phase other than pilot needs the policy tiers');
  const phaseTier = tiers[options.phase];
  if (!phaseTier) {
    throw new UsageError(`--phase ${options.phase}: the policy has no tier named ${options.phase}`, {
      hint: `phases follow the seed's tiers; define the tier or use --tier`,
    });
  }
  const repoTier = classification.tier === null ? undefined : tiers[classification.tier];
  // Unclassified repositories are in scope so that the plan lists them as skipped.
  return repoTier === undefined || repoTier.rank <= phaseTier.rank;
}

// ---------------------------------------------------------------------------
// Diffs

function actorsText(a: ActorLists): string {
  const parts: string[] = [];
  if (a.users.length > 0) parts.push(`users ${a.users.join(', ')}`);
  if (a.teams.length > 0) parts.push(`teams ${a.teams.join(', ')}`);
  if (a.apps.length > 0) parts.push(`apps ${a.apps.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'nobody';
}

/** A protection as a flat map of setting → value (absent sections have no keys). */
export function flattenProtection(p: BranchProtection): Map<string, DiffValue> {
  const n = normalizeProtection(p);
  const out = new Map<string, DiffValue>();
  const r = n.requiredReviews;
  if (r) {
    out.set('requiredReviews.requiredApprovingReviewCount', r.requiredApprovingReviewCount);
    out.set('requiredReviews.requireCodeOwnerReviews', r.requireCodeOwnerReviews);
    out.set('requiredReviews.dismissStaleReviews', r.dismissStaleReviews);
    out.set('requiredReviews.requireLastPushApproval', r.requireLastPushApproval);
    if (r.dismissalRestrictions) out.set('requiredReviews.dismissalRestrictions', actorsText(r.dismissalRestrictions));
    if (r.bypassAllowances) out.set('requiredReviews.bypassAllowances', actorsText(r.bypassAllowances));
  }
  const c = n.requiredStatusChecks;
  if (c) {
    out.set('requiredStatusChecks.strict', c.strict);
    for (const check of c.checks) {
      out.set(`requiredStatusChecks.checks[${check.context}]`, check.appId === null ? 'any source' : `app ${check.appId}`);
    }
  }
  out.set('enforceAdmins', n.enforceAdmins);
  out.set('requireLinearHistory', n.requireLinearHistory);
  out.set('allowForcePushes', n.allowForcePushes);
  out.set('allowDeletions', n.allowDeletions);
  out.set('blockCreations', n.blockCreations);
  out.set('requireConversationResolution', n.requireConversationResolution);
  out.set('requireSignedCommits', n.requireSignedCommits);
  out.set('lockBranch', n.lockBranch);
  out.set('allowForkSyncing', n.allowForkSyncing);
  if (n.restrictions) out.set('restrictions', actorsText(n.restrictions));
  return out;
}

function diffMaps(before: Map<string, DiffValue>, after: Map<string, DiffValue>): SettingChange[] {
  const out: SettingChange[] = [];
  for (const [setting, value] of before) {
    if (!after.has(setting)) out.push({ op: '-', setting, before: value, after: null });
    else if (after.get(setting) !== value) out.push({ op: '~', setting, before: value, after: after.get(setting) ?? null });
  }
  for (const [setting, value] of after) {
    if (!before.has(setting)) out.push({ op: '+', setting, before: null, after: value });
  }
  // Stable, readable order: by setting path.
  return out.sort((a, b) => (a.setting < b.setting ? -1 : a.setting > b.setting ? 1 : 0));
}

/**
 * Setting-by-setting difference between two protections. `null` means no rule:
 * it is compared as GitHub's behaviour without a rule (force pushes and deletions
 * allowed, nothing required), so a new rule shows what it really changes.
 */
export function diffProtection(before: BranchProtection | null, after: BranchProtection | null): SettingChange[] {
  return diffMaps(flattenProtection(before ?? emptyProtection()), flattenProtection(after ?? emptyProtection()));
}

export function diffMergeSettings(before: MergeSettings | null, after: MergeSettings | null): SettingChange[] {
  const flat = (m: MergeSettings | null) =>
    new Map<string, DiffValue>(
      m === null
        ? []
        : [
            ['allowSquashMerge', m.allowSquashMerge],
            ['allowMergeCommit', m.allowMergeCommit],
            ['allowRebaseMerge', m.allowRebaseMerge],
          ],
    );
  return diffMaps(flat(before), flat(after));
}

// ---------------------------------------------------------------------------
// Planning one repository

const STATUS_REASON: Record<Exclude<RepoAssessment['status'], 'assessed'>, string> = {
  skipped: 'skipped',
  unknown: 'protection not fully visible',
  not_applicable: 'not applicable',
  error: 'could not be read',
};

/** Why a repository cannot be planned, or null when it can. */
function repoSkipReason(input: PlanInput): string | null {
  const { assessment, live, tier } = input;
  if (assessment.status !== 'assessed') return `${STATUS_REASON[assessment.status]}: ${assessment.reason}`;
  if (live.access !== 'admin') {
    return `the token is not admin on this repository (${live.access}${live.accessReason ? `: ${live.accessReason}` : ''}); qms never writes without admin`;
  }
  if (tier === null) return 'no tier policy';
  if (live.repo.archived || live.repo.disabled) return 'archived or disabled repositories are read-only';
  return null;
}

const REPO_LEVEL_SETTING = /^(repoConfig|merge)(\.|$)/;

/** Findings that a protection write can close, for a branch or a pattern target. */
function protectionFindingsFor(assessment: RepoAssessment, predicate: (f: RepoAssessment['findings'][number]) => boolean): boolean {
  return assessment.findings.some((f) => f.branch !== null && !REPO_LEVEL_SETTING.test(f.setting) && predicate(f));
}

function splitTargets(text: string | null): string[] {
  return text === null ? [] : text.split(', ');
}

/** A step before it has its position in the plan (distributes over the union). */
type UnnumberedStep = PlanStep extends infer S ? (S extends PlanStep ? Omit<S, 'id'> : never) : never;

interface RepoPlan {
  steps: UnnumberedStep[];
  skipped: PlanSkip[];
  notes: PlanNote[];
}

/** The classic protection GitHub applies to `branch` today, as the live state knows it. */
function currentClassic(
  live: RepoLiveState,
  branch: string,
): { ok: true; protection: BranchProtection | null; rule: ProtectionRule | null } | { ok: false; reason: string } {
  const read = live.classicByBranch?.[branch];
  const rule = live.classicRules ? (selectApplicableRule(live.classicRules, branch) ?? null) : null;
  if (read) {
    if (read.kind === 'protected') return { ok: true, protection: read.protection, rule };
    if (read.kind === 'unprotected') return { ok: true, protection: null, rule: null };
    return {
      ok: false,
      reason: `classic protection of ${branch} is ${read.kind === 'unknown' ? 'not visible' : 'not applicable'}: ${read.reason}`,
    };
  }
  if (live.classicRules !== null) return { ok: true, protection: rule?.protection ?? null, rule };
  return { ok: false, reason: `classic protection of ${branch} was not read` };
}

/**
 * The floor with the classic pull request bypass allowances its tier tolerates, so
 * that `desiredProtection` (here and when applying) removes the others.
 */
function withToleratedAllowances(
  floor: ProtectionProfile,
  current: BranchProtection | null,
  tier: TierPolicy,
  roles: Readonly<Record<string, RoleBinding>>,
): ProtectionProfile {
  const allowed = current?.requiredReviews?.bypassAllowances;
  if (!floor.requiredReviews || !allowed) return floor;
  const tolerate = toleranceFor(floor, tier.toleratedBypass, roles);
  const source = { kind: 'classic' as const, pattern: null, ruleId: null };
  const keeps = (
    entry: { kind: 'user'; id: null; login: string } | { kind: 'team'; id: null; slug: string } | { kind: 'app'; id: null; slug: string },
  ) => tolerate(entry, { source, how: 'pr_allowance', via: '', entry });
  const kept: ActorLists = {
    users: allowed.users.filter((login) => keeps({ kind: 'user', id: null, login })),
    teams: allowed.teams.filter((slug) => keeps({ kind: 'team', id: null, slug })),
    apps: allowed.apps.filter((slug) => keeps({ kind: 'app', id: null, slug })),
  };
  return { ...floor, requiredReviews: { ...floor.requiredReviews, bypassAllowances: kept } };
}

/** Findings no classic write closes (a ruleset's bypass actor, CODEOWNERS, an app pin): what to do instead. */
const NOT_BY_CLASSIC_WRITE: Record<string, (message: string) => string> = {
  bypass: (m) =>
    `${m}: qms does not edit rulesets and plans no classic rule here; remove the bypass actor from the ruleset, or tolerate it in the policy (tolerated_bypass)`,
  codeOwners: (m) => `${m}: add a CODEOWNERS file (.github/, the root or docs/) whose owners have write access`,
  'requiredStatusChecks.unsatisfiable': (m) => `${m}: require the check from any source, or install the app that posts it`,
};

function planRepo(input: PlanInput, roles: Readonly<Record<string, RoleBinding>> = {}): RepoPlan {
  const { live, assessment } = input;
  const tier = input.tier as TierPolicy;
  const repo = live.repo.fullName;
  const base = { repo, owner: live.repo.owner, name: live.repo.name, tier: tier.name };
  const out: RepoPlan = { steps: [], skipped: [], notes: [] };
  const defaultBranch = live.repo.defaultBranch;

  // Exact branch names, in the tier's order, each once (several targets may name the same branch).
  const exact = new Map<string, string[]>();
  const patterns: BranchTarget[] = [];
  for (const t of tier.branches) {
    if (t.pattern === '~DEFAULT_BRANCH' || !isWildcardPattern(t.pattern)) {
      const branch = t.pattern === '~DEFAULT_BRANCH' ? defaultBranch : t.pattern;
      if (live.branches !== null && !live.branches.includes(branch)) {
        out.skipped.push({ repo, target: branch, reason: 'no such branch (REST cannot protect a branch that does not exist)' });
        continue;
      }
      exact.set(branch, [...(exact.get(branch) ?? []), t.pattern]);
    } else if (!patterns.some((p) => p.pattern === t.pattern)) {
      patterns.push(t);
    } else {
      const i = patterns.findIndex((p) => p.pattern === t.pattern);
      patterns[i] = { pattern: t.pattern, protection: mergeProfiles(patterns[i]!.protection, t.protection) };
    }
  }

  for (const [branch, targets] of exact) {
    if (!protectionFindingsFor(assessment, (f) => f.branch === branch)) continue;
    const current = currentClassic(live, branch);
    if (!current.ok) {
      out.skipped.push({ repo, target: branch, reason: current.reason });
      continue;
    }
    // Every tier target that selects the branch (a pattern may match it too) sets its floor,
    // exactly as assess judged it.
    const tierFloor = resolveFloorForBranch(tier.branches, branch, defaultBranch);
    if (tierFloor === null) continue;
    const floor = withToleratedAllowances(tierFloor, current.protection, tier, roles);
    const after = desiredProtection(current.protection, floor);
    if (current.protection !== null && protectionEquals(current.protection, after)) continue;
    const exactRule = live.classicRules?.find((r) => r.pattern === branch) ?? null;
    const operation = live.classicRules !== null ? (exactRule ? 'update' : 'create') : current.protection ? 'update' : 'create';
    if (current.rule && current.rule.pattern !== branch) {
      out.notes.push({
        repo,
        target: branch,
        message: `${branch} is protected today only through the wildcard rule '${current.rule.pattern}'; the write creates an exact-name rule for ${branch} (starting from that rule's settings), which from then on takes precedence for ${branch}`,
      });
    }
    out.steps.push({
      ...base,
      kind: 'classic_protection',
      target: branch,
      tierTargets: targets,
      operation,
      floor,
      before: current.protection === null ? null : normalizeProtection(current.protection),
      after,
      ruleId: current.rule?.id ?? null,
      changes: diffProtection(current.protection, after),
    });
  }

  for (const t of patterns) {
    const hasFindings = protectionFindingsFor(assessment, (f) => f.branch === t.pattern || splitTargets(f.target).includes(t.pattern));
    if (!hasFindings) continue;
    if (live.classicRules === null) {
      out.skipped.push({ repo, target: t.pattern, reason: 'the classic branch protection rules were not read' });
      continue;
    }
    const rules = live.classicRules;
    const rule = rules.find((r) => r.pattern === t.pattern) ?? null;
    const patternFloor = withToleratedAllowances(t.protection, rule?.protection ?? null, tier, roles);
    const after = desiredProtection(rule?.protection ?? null, patternFloor);
    // Branches the pattern matches but another rule governs keep that rule's protection.
    for (const branch of targetsOfPattern(assessment, t.pattern)) {
      const applicable = selectApplicableRule(rules, branch);
      if (applicable && applicable.pattern !== t.pattern) {
        const why = applicable.pattern === branch ? 'its own exact-name rule' : `the older wildcard rule '${applicable.pattern}'`;
        out.notes.push({
          repo,
          target: t.pattern,
          message: `${branch} matches ${t.pattern} but is governed by ${why}, which takes precedence: qms does not change that rule, and assess keeps reporting ${branch}'s gaps`,
        });
      }
    }
    if (rule !== null && protectionEquals(rule.protection, after)) continue;
    out.steps.push({
      ...base,
      kind: 'protection_rule',
      target: t.pattern,
      tierTargets: [t.pattern],
      operation: rule ? 'update' : 'create',
      floor: patternFloor,
      before: rule === null ? null : normalizeProtection(rule.protection),
      after,
      ruleId: rule?.id ?? null,
      changes: diffProtection(rule?.protection ?? null, after),
    });
  }

  // A classic rule qms writes binds ruleset bypass actors too (with enforce admins, admins
  // as well), so a step closes those gaps; where no step is planned, say what would.
  const stepFor = (f: RepoAssessment['findings'][number]) =>
    out.steps.some((st) => st.target === f.branch || splitTargets(f.target).includes(st.target));
  for (const f of assessment.findings) {
    const advice = NOT_BY_CLASSIC_WRITE[f.setting];
    const viaRuleset = (f.setting === 'bypass' || f.setting === 'enforceAdmins') && /ruleset/.test(f.source);
    if (viaRuleset && !stepFor(f)) out.notes.push({ repo, target: f.branch, message: NOT_BY_CLASSIC_WRITE['bypass']!(f.message) });
    else if (advice && f.setting !== 'bypass') out.notes.push({ repo, target: f.branch, message: advice(f.message) });
  }

  if (Object.keys(tier.merge).length > 0) {
    const current = live.repo.merge;
    if (current === null) {
      out.skipped.push({ repo, target: 'merge settings', reason: 'merge settings are not visible to this token' });
    } else {
      const after = desiredMergeSettings(current, tier.merge);
      const wanted = { ...current, ...tier.merge };
      if (!mergeSettingsEqual(after, wanted)) {
        out.notes.push({
          repo,
          target: null,
          message: 'the tier would leave no merge method enabled; merge settings are left as they are (fix the policy)',
        });
      }
      if (!mergeSettingsEqual(current, after)) {
        out.steps.push({
          ...base,
          kind: 'merge_settings',
          target: '',
          tierTargets: [],
          operation: 'update',
          merge: { ...tier.merge },
          before: { ...current },
          after,
          changes: diffMergeSettings(current, after),
        });
      }
    }
  }
  return out;
}

/** Existing branches a pattern target of the assessment expands to. */
function targetsOfPattern(assessment: RepoAssessment, pattern: string): string[] {
  return assessment.patterns.find((p) => p.target === pattern)?.existingBranches ?? [];
}

/**
 * Build the plan for evaluated repositories. Ordered by repository name, then
 * classic steps (tier target order), pattern rules, merge settings. Step ids are
 * 1-based positions.
 */
export function buildPlan(evaluations: readonly PlanInput[], options: BuildPlanOptions): Plan {
  const plan: Plan = {
    tier: options.tier ?? null,
    phase: options.phase ?? null,
    steps: [],
    skipped: [],
    notes: [],
    repos: [],
    outOfScope: 0,
  };
  const sorted = [...evaluations].sort((a, b) =>
    a.live.repo.fullName < b.live.repo.fullName ? -1 : a.live.repo.fullName > b.live.repo.fullName ? 1 : 0,
  );
  for (const input of sorted) {
    if (!isInScope(input, options)) {
      plan.outOfScope += 1;
      continue;
    }
    const repo = input.live.repo.fullName;
    plan.repos.push(repo);
    const reason = repoSkipReason(input);
    if (reason !== null) {
      plan.skipped.push({ repo, target: null, reason });
      continue;
    }
    const r = planRepo(input, options.roles);
    for (const step of r.steps) plan.steps.push({ ...step, id: plan.steps.length + 1 } as PlanStep);
    plan.skipped.push(...r.skipped);
    plan.notes.push(...r.notes);
  }
  return plan;
}

/** Counts for summaries: steps per kind and the repositories they touch. */
export function summarizePlan(plan: Plan): { steps: number; repos: number; byKind: Record<PlanStepKind, number>; skipped: number } {
  const byKind: Record<PlanStepKind, number> = { classic_protection: 0, protection_rule: 0, merge_settings: 0 };
  for (const s of plan.steps) byKind[s.kind] += 1;
  return { steps: plan.steps.length, repos: new Set(plan.steps.map((s) => s.repo)).size, byKind, skipped: plan.skipped.length };
}
