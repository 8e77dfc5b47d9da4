/**
 * Gap analysis: a repository's live protection against its tier, as findings
 * (repo × branch × setting: expected, actual, severity), a protection level, and a
 * status that never turns "could not see" into "unprotected".
 *
 * Pure: it takes the live state (from either reader), the classification, the tier
 * policy already tightened by the repo config, and the policy's tiers.
 */
import { isWildcardPattern } from './branch-patterns.js';
import { toleranceFor } from './bypass-tolerance.js';
import type { Classification } from './classify.js';
import { codeOwnersUsability, type CodeOwnersUsability } from './code-owners.js';
import { formatConfigProblem } from './errors.js';
import { listMergeSettingsDeviations, type ProfileDeviation, type SettingValue } from './desired-protection.js';
import {
  actorViews,
  describeActor,
  describeSource,
  effectivePatternCoverage,
  effectiveProtection,
  viewWithoutBypass,
  type ActorBypass,
  type ActorView,
  type EffectiveProtection,
  type EffectiveState,
  type ProtectionSetting,
  type SourceRef,
} from './effective-protection.js';
import type { ParsedRepoConfig, RepoLiveState } from './live-state.js';
import type { ProtectionProfile, RoleBinding, TierPolicy } from './policy.js';
import { actorDeviations, resolveFloorForBranch, deriveProtectionLevel, type ProtectionLevel } from './protection-level.js';
import { compareRepoConfigToTier, effectiveTierProfile } from './repo-config-floor.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** What a finding is about: a protection setting, or one of the repository-level kinds. */
export type SeverityKey =
  | ProtectionSetting
  | 'bypass'
  | 'codeOwners'
  | 'requiredStatusChecks.unsatisfiable'
  | 'coverage'
  | 'merge'
  | 'repoConfig.invalid'
  | 'repoConfig.looser'
  | 'tier.lowered';

/**
 * The severity table: the severity of each kind of gap on the strictest tier, and
 * whether the tier may lower it. Rationale, strictest first:
 * - critical: the change-control core is gone. No pull request required means anyone
 *   with push access lands unreviewed code; allowed force pushes rewrite history and
 *   destroy the audit trail a QMS rests on.
 * - high: a control exists but a named QMS safeguard is missing: too few approvers,
 *   no code-owner review, a missing `qms/*` gate, admins exempt (one person can skip
 *   every rule), a deletable branch, future pattern branches (release/*) unprotected
 *   from birth, a repo config that cannot be read as written (its owners believe
 *   in rules qms cannot see), and a repository asking for a lower tier than the
 *   org's evidence (never applied, but its owners believe in a tier that does not
 *   hold, on the repositories the org ranked higher: the hole issue 11 item 4 closed).
 * - medium: hygiene that narrows a real but smaller risk window: stale approvals,
 *   self-approved last pushes, out-of-date branches, non-linear history, unsigned
 *   commits; and a repo config asking for less than its tier (never applied, but the
 *   team's stated intent is wrong).
 * - low: conversation resolution and merge-method choices (process preference).
 * A bypass (`bypass`: a team, user, app, role or deploy key that can get around
 * requirements) is as severe as the worst requirement it gets around; a code owner
 * requirement without usable owners (`codeOwners`) is as severe as a missing one; a
 * required check no one can post (`requiredStatusChecks.unsatisfiable`) stops every
 * merge, which in practice ends in someone switching protection off: high.
 * `capped: false` marks findings about configuration rather than protection: the
 * tier does not soften them.
 */
export const SEVERITY_TABLE: Readonly<Record<SeverityKey, { severity: Severity; capped: boolean }>> = {
  requiredReviews: { severity: 'critical', capped: true },
  'requiredReviews.requiredApprovingReviewCount': { severity: 'high', capped: true },
  'requiredReviews.requireCodeOwnerReviews': { severity: 'high', capped: true },
  'requiredReviews.dismissStaleReviews': { severity: 'medium', capped: true },
  'requiredReviews.requireLastPushApproval': { severity: 'medium', capped: true },
  'requiredStatusChecks.contexts': { severity: 'high', capped: true },
  'requiredStatusChecks.strict': { severity: 'medium', capped: true },
  enforceAdmins: { severity: 'high', capped: true },
  requireLinearHistory: { severity: 'medium', capped: true },
  allowForcePushes: { severity: 'critical', capped: true },
  allowDeletions: { severity: 'high', capped: true },
  requireSignedCommits: { severity: 'medium', capped: true },
  requireConversationResolution: { severity: 'low', capped: true },
  // Not demanded by profiles today; listed so every setting has a row.
  blockCreations: { severity: 'low', capped: true },
  lockBranch: { severity: 'low', capped: true },
  restrictions: { severity: 'medium', capped: true },
  bypass: { severity: 'critical', capped: true },
  codeOwners: { severity: 'high', capped: true },
  'requiredStatusChecks.unsatisfiable': { severity: 'high', capped: true },
  coverage: { severity: 'high', capped: true },
  merge: { severity: 'low', capped: true },
  'repoConfig.invalid': { severity: 'high', capped: false },
  'repoConfig.looser': { severity: 'medium', capped: false },
  'tier.lowered': { severity: 'high', capped: false },
};

/**
 * The most severe a protection gap can be, per tier. A gap on a mission-critical
 * system can stop the line; on experimental work it never rises above medium (the
 * seed's experimental tier is sandboxes and proofs of concept). Tiers not listed
 * (custom tiers) are placed by rank: the strictest tier of the policy caps at
 * critical, the loosest at medium, anything between at high.
 */
export const TIER_SEVERITY_CAP: Readonly<Record<string, Severity>> = {
  mission_critical: 'critical',
  business_critical: 'high',
  standard: 'high',
  experimental: 'medium',
};

export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITY_RANK[a] - SEVERITY_RANK[b];
}

/** The cap for `tier`, from the table or from its rank among `tiers`. */
export function severityCapForTier(tier: string, tiers: Readonly<Record<string, TierPolicy>>): Severity {
  const listed = TIER_SEVERITY_CAP[tier];
  if (listed) return listed;
  const ranks = Object.values(tiers).map((t) => t.rank);
  const own = tiers[tier]?.rank;
  if (own === undefined || ranks.length < 2) return 'critical';
  if (own >= Math.max(...ranks)) return 'critical';
  if (own <= Math.min(...ranks)) return 'medium';
  return 'high';
}

/** The severity of a gap of kind `key` in `tier`. */
export function severityFor(key: SeverityKey, tier: string, tiers: Readonly<Record<string, TierPolicy>>): Severity {
  const row = SEVERITY_TABLE[key];
  if (!row.capped) return row.severity;
  const cap = severityCapForTier(tier, tiers);
  return compareSeverity(row.severity, cap) > 0 ? cap : row.severity;
}

export interface Finding {
  /** `owner/name`. */
  repo: string;
  /** The branch, or the pattern for coverage findings; null for repository-level findings. */
  branch: string | null;
  /** The tier target(s) that demand it (`~DEFAULT_BRANCH`, `release/*`); null for repository-level findings. */
  target: string | null;
  /** A protection setting, `coverage`, `merge.<key>`, `repoConfig` or `repoConfig.<field>`. */
  setting: string;
  expected: SettingValue;
  actual: SettingValue;
  severity: Severity;
  tier: string;
  /** One readable line. */
  message: string;
  /** Where the actual value comes from, in words (`classic rule 'main'`, `no rule applies`). */
  source: string;
}

export type AssessmentStatus = 'assessed' | 'skipped' | 'unknown' | 'not_applicable' | 'error';

export interface BranchAssessment {
  /** The tier target that selected the branch. */
  target: string;
  branch: string;
  /** `absent`: a named target branch that does not exist (nothing to assess). */
  state: EffectiveState | 'absent';
  reason?: string;
}

export interface PatternAssessment {
  target: string;
  /** Existing branches the pattern matches. */
  existingBranches: string[];
  futureCovered: boolean | null;
  coveringRules: string[];
  reason?: string;
}

export interface RepoAssessment {
  repo: string;
  tier: string | null;
  status: AssessmentStatus;
  /** One sentence: why this status. */
  reason: string;
  findings: Finding[];
  /** Current protection level of the default branch (`at least <level>` when a bypass list is hidden). */
  level: ProtectionLevel;
  levelReason: string;
  branches: BranchAssessment[];
  patterns: PatternAssessment[];
  notes: string[];
  /** Assessed and without findings. */
  compliant: boolean;
}

export interface AssessOptions {
  /** Every tier of the policy: ranks for the protection level and severity caps. */
  tiers: Readonly<Record<string, TierPolicy>>;
  /**
   * The repo config as src/config parsed it: an invalid one becomes a finding per
   * problem; a valid one is compared with the (untightened) tier in `tiers`, and
   * every looser setting becomes a `repoConfig.<field>` finding.
   */
  repoConfig?: ParsedRepoConfig;
  /** The policy's roles: a tier may tolerate the bypasses of a role's holders (`qmsRole`). */
  roles?: Readonly<Record<string, RoleBinding>>;
}

/**
 * The tier policy to assess (and later enforce) a repository against: its tier,
 * tightened by a valid repo config (`effectiveTierProfile`); the plain tier when the
 * config is absent or invalid. null when the tier is not in the policy.
 */
export function resolveTierPolicy(
  tiers: Readonly<Record<string, TierPolicy>>,
  tier: string | null,
  repoConfig: ParsedRepoConfig | undefined,
  defaultBranch: string,
): TierPolicy | null {
  if (tier === null) return null;
  const base = tiers[tier];
  if (!base) return null;
  if (repoConfig?.status !== 'valid') return base;
  return effectiveTierProfile(base, repoConfig.config, { defaultBranch });
}

/** A finding value: lists (check names, branch targets) are written comma-separated. */
function toSettingValue(v: unknown): SettingValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(String).join(', ');
  return JSON.stringify(v);
}

const SETTING_TEXT: Record<ProtectionSetting, (expected: SettingValue, actual: SettingValue) => string> = {
  requiredReviews: () => 'pull requests are not required before merging',
  'requiredReviews.requiredApprovingReviewCount': (e, a) =>
    `${String(a)} approving review(s) required, the tier requires at least ${String(e)}`,
  'requiredReviews.requireCodeOwnerReviews': () => 'code owner review is not required',
  'requiredReviews.dismissStaleReviews': () => 'stale approvals are not dismissed when new commits are pushed',
  'requiredReviews.requireLastPushApproval': () => 'the most recent push does not need approval by someone else',
  'requiredStatusChecks.contexts': (e) => `required status check ${String(e)} is missing`,
  'requiredStatusChecks.strict': () => 'branches need not be up to date before merging',
  enforceAdmins: () => 'administrators can bypass the rules (enforce admins is off)',
  requireLinearHistory: () => 'linear history is not required',
  allowForcePushes: () => 'force pushes are allowed',
  allowDeletions: () => 'the branch can be deleted',
  blockCreations: () => 'branch creation is not restricted',
  requireConversationResolution: () => 'conversations need not be resolved before merging',
  requireSignedCommits: () => 'signed commits are not required',
  lockBranch: () => 'the branch is not locked',
  restrictions: () => 'pushes are not restricted',
};

/** A requirement in a few words, for "X can bypass …". */
const REQUIREMENT_WORDS: Record<ProtectionSetting, (expected: SettingValue) => string> = {
  requiredReviews: () => 'the pull request requirement',
  'requiredReviews.requiredApprovingReviewCount': () => 'required approvals',
  'requiredReviews.requireCodeOwnerReviews': () => 'code owner review',
  'requiredReviews.dismissStaleReviews': () => 'stale-approval dismissal',
  'requiredReviews.requireLastPushApproval': () => 'last-push approval',
  'requiredStatusChecks.contexts': (e) => `required check ${String(e)}`,
  'requiredStatusChecks.strict': () => 'up-to-date branches',
  enforceAdmins: () => 'enforce admins',
  requireLinearHistory: () => 'linear history',
  allowForcePushes: () => 'the force-push block',
  allowDeletions: () => 'the deletion block',
  blockCreations: () => 'branch creation limits',
  requireConversationResolution: () => 'conversation resolution',
  requireSignedCommits: () => 'signed commits',
  lockBranch: () => 'the lock',
  restrictions: () => 'push restrictions',
};

function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function sourcesText(sources: EffectiveProtection['sources'], setting: ProtectionSetting): string {
  const own = sources[setting];
  if (own && own.length > 0) return own.map(describeSource).join(', ');
  const all: SourceRef[] = [];
  for (const refs of Object.values(sources)) {
    for (const r of refs ?? []) if (!all.some((x) => describeSource(x) === describeSource(r))) all.push(r);
  }
  if (all.length === 0) return 'no rule applies';
  return `${all.map(describeSource).join(', ')} (does not set it)`;
}

const devKey = (d: Pick<ProfileDeviation, 'setting' | 'expected'>) => `${d.setting}\u0000${String(d.expected)}`;

function sameSource(a: SourceRef, b: SourceRef): boolean {
  return describeSource(a) === describeSource(b);
}

/** `repo ruleset 'pci' (#12): team payments, always` for the bypasses that get around these deviations. */
function bypassText(view: ActorView, devs: readonly ProfileDeviation[], all: ActorView): { via: string; sources: string } {
  const relevant = view.bypasses.filter((b) => devs.some((d) => (all.sources[d.setting] ?? []).some((r) => sameSource(r, b.source))));
  const used: ActorBypass[] = relevant.length > 0 ? relevant : view.bypasses;
  const via = [...new Set(used.map((b) => `${describeSource(b.source)}: ${b.via}`))].join('; ');
  const sources = [...new Set(used.map((b) => describeSource(b.source)))].join(', ');
  return { via, sources };
}

interface BranchJudgement {
  findings: Finding[];
  notes: string[];
  /** Why some requirement cannot be judged (a hidden bypass list); null when everything could. */
  uncertain: string | null;
}

interface JudgeContext {
  repo: string;
  tier: TierPolicy;
  tiers: Readonly<Record<string, TierPolicy>>;
  /** The branch, or the pattern for new branches. */
  branch: string;
  target: string;
  /** `main` or `release/* (new branches)`: how messages start. */
  label: string;
  roles: Readonly<Record<string, RoleBinding>>;
  codeOwners: CodeOwnersUsability;
  live: RepoLiveState;
}

/**
 * Every gap of one branch against its floor, per class of actor:
 * - what binds every writer falls short: one finding per setting (as always), its
 *   source saying who lets writers through when a bypass is the cause;
 * - administrators get around what binds writers, on a floor that asks for
 *   `enforceAdmins`: one `enforceAdmins` finding listing what they get around;
 * - any other actor the tier does not tolerate gets around it: one `bypass`
 *   finding per actor ("team payments can bypass … (ruleset 'pci', always)");
 * - code owner review that binds nothing, and required checks no one can post,
 *   are findings of their own.
 */
function judgeBranch(effective: EffectiveProtection, floor: ProtectionProfile, ctx: JudgeContext): BranchJudgement {
  const { repo, tier, tiers, branch, target, label } = ctx;
  const tolerate = toleranceFor(floor, tier.toleratedBypass, ctx.roles);
  const views = actorViews(effective, tolerate);
  const everyone = views[0]!;
  // Every source binding everyone: what the rules ask for, before anyone gets around them.
  const all = viewWithoutBypass(effective);
  const allKeys = new Set(actorDeviations(all, floor).map(devKey));
  const findings: Finding[] = [];
  const notes: string[] = [];
  const finding = (f: Omit<Finding, 'repo' | 'branch' | 'target' | 'tier'>): Finding => ({ repo, branch, target, tier: tier.name, ...f });

  const everyoneDevs = actorDeviations(everyone, floor);
  const everyoneKeys = new Set(everyoneDevs.map(devKey));
  for (const d of everyoneDevs) {
    let message = `${label}: ${SETTING_TEXT[d.setting](d.expected, d.actual)}`;
    let source = sourcesText(everyone.sources, d.setting);
    if (!allKeys.has(devKey(d))) {
      // The rules ask for it, but every writer may get around them.
      const { via, sources } = bypassText(everyone, [d], all);
      message += ` for every writer (${via})`;
      source = `${sources} (every writer can bypass it)`;
    } else if (d.setting === 'requiredStatusChecks.strict' && everyone.strictWithoutChecks.length > 0) {
      message += ` (${everyone.strictWithoutChecks.map(describeSource).join(', ')} asks for it, but with no required check it has no effect)`;
    }
    findings.push(
      finding({
        setting: d.setting,
        expected: d.expected,
        actual: d.actual,
        severity: severityFor(d.setting, tier.name, tiers),
        message,
        source,
      }),
    );
  }
  const locked = everyone.lockedBy;
  if (locked) {
    const moot = actorDeviations({ ...everyone, lockedBy: null }, floor).filter((d) => !everyoneKeys.has(devKey(d)));
    if (moot.length > 0) {
      const what = locked.kind === 'lock' ? 'locks the branch' : 'restricts updates';
      const rest = locked.kind === 'lock' ? '' : ' (deletions are a rule of their own)';
      notes.push(
        `${label}: nobody without a bypass can push (${describeSource(locked.source)} ${what}), so the tier's ${moot.length} requirement(s) on pushes and merges do not apply to it${rest}.`,
      );
    }
  }

  // Code owner review binds nothing without a usable CODEOWNERS file.
  const wantsOwners = floor.requiredReviews?.requireCodeOwnerReviews === true;
  if (
    wantsOwners &&
    !locked &&
    everyone.protection.requiredReviews?.requireCodeOwnerReviews &&
    !everyoneKeys.has('requiredReviews.requireCodeOwnerReviews\u0000true')
  ) {
    const co = ctx.codeOwners;
    if (co.status === 'absent' || co.status === 'invalid') {
      findings.push(
        finding({
          setting: 'codeOwners',
          expected: 'usable code owners',
          actual: co.status === 'absent' ? 'no CODEOWNERS file' : 'only invalid owners',
          severity: severityFor('codeOwners', tier.name, tiers),
          message: `${label}: code owner review is required but binds nothing: ${co.reason}`,
          source: co.status === 'invalid' ? co.path : sourcesText(everyone.sources, 'requiredReviews.requireCodeOwnerReviews'),
        }),
      );
    }
  }

  // Administrators and every other actor the tier does not tolerate.
  const adminDevs: ProfileDeviation[] = [];
  const adminVia: string[] = [];
  const adminSources: string[] = [];
  for (const v of views.slice(1)) {
    const devs = actorDeviations(v, floor).filter((d) => !everyoneKeys.has(devKey(d)));
    if (devs.length === 0) continue;
    const { via, sources } = bypassText(v, devs, all);
    if (v.actor.kind === 'admins' || v.actor.kind === 'orgAdmins') {
      for (const d of devs) if (!adminDevs.some((x) => devKey(x) === devKey(d))) adminDevs.push(d);
      for (const x of via.split('; ')) if (x && !adminVia.includes(x)) adminVia.push(x);
      for (const x of sources.split(', ')) if (x && !adminSources.includes(x)) adminSources.push(x);
      continue;
    }
    const worst = devs.map((d) => severityFor(d.setting, tier.name, tiers)).sort((a, b) => compareSeverity(b, a))[0]!;
    const cap = severityFor('bypass', tier.name, tiers);
    findings.push(
      finding({
        setting: 'bypass',
        expected: null,
        actual: describeActor(v.actor),
        severity: compareSeverity(worst, cap) > 0 ? cap : worst,
        message: `${label}: ${describeActor(v.actor)} can bypass ${listText(devs.map((d) => REQUIREMENT_WORDS[d.setting](d.expected)))} (${via})`,
        source: sources,
      }),
    );
  }
  if (adminDevs.length > 0) {
    findings.push(
      finding({
        setting: 'enforceAdmins',
        expected: true,
        actual: false,
        severity: severityFor('enforceAdmins', tier.name, tiers),
        message: `${label}: administrators can bypass ${listText(adminDevs.map((d) => REQUIREMENT_WORDS[d.setting](d.expected)))} (${adminVia.join('; ')})`,
        source: adminSources.join(', '),
      }),
    );
  }

  // Required checks pinned to an app that cannot post them.
  findings.push(...unsatisfiableChecks(effective, ctx, notes));

  // A hidden bypass list: what binds for certain may fall short where the upper bound does not.
  let uncertain: string | null = null;
  if (effective.hiddenBypass.length > 0) {
    const open = views.some((v) => {
      const sure = new Set(actorDeviations(v, floor, 'surely').map(devKey));
      const upper = new Set(actorDeviations(v, floor).map(devKey));
      return [...sure].some((k) => !upper.has(k) && !everyoneKeys.has(k));
    });
    if (open) {
      uncertain = `whether anyone may bypass ${effective.hiddenBypass.map(describeSource).join(', ')} is unknown: its bypass list is hidden from this token`;
    }
  }
  return { findings, notes, uncertain };
}

/** GitHub Actions posts as app 15368 in every repository with Actions enabled; it is never listed as an installation (UNCONFIRMED). */
const GITHUB_ACTIONS_APP_ID = 15368;

function unsatisfiableChecks(effective: EffectiveProtection, ctx: JudgeContext, notes: string[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const c of effective.contributions) {
    const checks =
      c.kind === 'classic'
        ? (c.protection.requiredStatusChecks?.checks ?? []).map((x) => ({ context: x.context, appId: x.appId }))
        : c.rule.type === 'required_status_checks'
          ? c.rule.checks.map((x) => ({ context: x.context, appId: x.integrationId }))
          : [];
    for (const check of checks) {
      if (check.appId === null) continue;
      const key = `${check.context}\u0000${check.appId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let why: string | null = null;
      if (check.context.startsWith('qms/')) {
        why = 'qms posts qms/* statuses with a token, not as an app, so only an app could satisfy it';
      } else if (check.appId !== GITHUB_ACTIONS_APP_ID) {
        const inst = ctx.live.appInstallations;
        if (inst?.kind === 'known') {
          if (!inst.apps.some((a) => a.appId === check.appId)) why = `the app is not installed in ${ctx.live.repo.owner}`;
        } else {
          notes.push(
            `${ctx.label}: whether app ${check.appId} can post required check ${check.context} was not checked: ${inst?.reason ?? 'app installations were not read'}.`,
          );
        }
      }
      if (why === null) continue;
      out.push({
        repo: ctx.repo,
        branch: ctx.branch,
        target: ctx.target,
        tier: ctx.tier.name,
        setting: 'requiredStatusChecks.unsatisfiable',
        expected: check.context,
        actual: `app ${check.appId}`,
        severity: severityFor('requiredStatusChecks.unsatisfiable', ctx.tier.name, ctx.tiers),
        message: `${ctx.label}: required check ${check.context} is pinned to app ${check.appId}, which cannot post it (${why}): no merge can pass`,
        source: describeSource(c.ref),
      });
    }
  }
  return out;
}

/** The finding setting for a repository's own tier declaration that the org's evidence overrules. */
export const TIER_LOWERED_SETTING = { 'repo-config': 'repoConfig.repository.tier', topic: 'tierTopic' } as const;

function configFindings(
  repo: string,
  classification: Classification,
  tier: string,
  defaultBranch: string,
  options: AssessOptions,
): Finding[] {
  const out: Finding[] = [];
  const parsed = options.repoConfig;
  const overruled = classification.overruled;
  if (overruled) {
    const asker = overruled.kind === 'repo-config' ? `repo config ${overruled.detail}` : `topic ${overruled.detail}`;
    const evidence = overruled.orgEvidence;
    const org = evidence.kind === 'custom-property' ? `custom property ${evidence.detail}` : `policy ${evidence.detail}`;
    out.push({
      repo,
      branch: null,
      target: null,
      setting: TIER_LOWERED_SETTING[overruled.kind],
      expected: overruled.orgTier,
      actual: overruled.tier,
      severity: severityFor('tier.lowered', tier, options.tiers),
      tier,
      message: `${asker} asks for tier ${overruled.tier}, below ${overruled.orgTier} from ${org} (not applied)`,
      source: overruled.detail,
    });
  }
  if (parsed?.status === 'invalid') {
    const problems = parsed.problems.length > 0 ? parsed.problems : [{ file: parsed.path, message: 'invalid' }];
    for (const p of problems) {
      const text = formatConfigProblem(p);
      out.push({
        repo,
        branch: null,
        target: null,
        setting: 'repoConfig',
        expected: 'a valid repo config',
        actual: text,
        severity: severityFor('repoConfig.invalid', tier, options.tiers),
        tier,
        message: `repo config is invalid: ${text}`,
        source: parsed.path,
      });
    }
  }
  const baseTier = options.tiers[tier];
  if (parsed?.status === 'valid' && baseTier) {
    for (const d of compareRepoConfigToTier(parsed.config, baseTier, { defaultBranch })) {
      out.push({
        repo,
        branch: null,
        target: d.branches.length > 0 ? d.branches.join(', ') : null,
        setting: `repoConfig.${d.setting}`,
        expected: toSettingValue(d.tierValue),
        actual: toSettingValue(d.repoValue),
        severity: severityFor('repoConfig.looser', tier, options.tiers),
        tier,
        message: `repo config ${d.message} (not applied)`,
        source: parsed.path,
      });
    }
  }
  return out;
}

const MERGE_LABEL = { allowSquashMerge: 'squash merging', allowMergeCommit: 'merge commits', allowRebaseMerge: 'rebase merging' } as const;

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      compareSeverity(b.severity, a.severity) ||
      (a.branch ?? '').localeCompare(b.branch ?? '') ||
      a.setting.localeCompare(b.setting) ||
      String(a.expected).localeCompare(String(b.expected)),
  );
}

/**
 * Assess one repository against its tier. `tierPolicy` must already include what
 * the repo config tightens (`resolveTierPolicy` / `effectiveTierProfile`); looser
 * repo config settings become findings (`options.repoConfig`), never floors.
 *
 * Statuses: `skipped` (classification skipped it: archived, disabled), `error` (the
 * reader failed), `not_applicable` (no branch protection on this plan, or an empty
 * repository with nothing to protect yet), `unknown` (some target could not be seen:
 * findings on what could be seen are still listed), `assessed`.
 */
export function assessRepo(
  live: RepoLiveState,
  classification: Classification,
  tierPolicy: TierPolicy | null,
  options: AssessOptions,
): RepoAssessment {
  const repo = live.repo.fullName;
  const defaultBranch = live.repo.defaultBranch;
  const notes = [...classification.notes];
  const codeOwners = codeOwnersUsability(live.codeOwners);
  const roles = options.roles ?? {};
  const effectiveOf = new Map<string, EffectiveProtection>();
  const effectiveFor = (branch: string): EffectiveProtection => {
    let e = effectiveOf.get(branch);
    if (!e) {
      e = effectiveProtection(live, branch);
      effectiveOf.set(branch, e);
    }
    return e;
  };
  const levelOf = () =>
    deriveProtectionLevel(effectiveFor(defaultBranch), options.tiers, defaultBranch, {
      roles,
      ...(codeOwners.status === 'absent' || codeOwners.status === 'invalid' ? { codeOwnersUsable: false } : {}),
    });
  const done = (
    status: AssessmentStatus,
    reason: string,
    rest: Partial<Pick<RepoAssessment, 'findings' | 'branches' | 'patterns'>> = {},
  ): RepoAssessment => {
    const level = levelOf();
    const findings = sortFindings(rest.findings ?? []);
    return {
      repo,
      tier: classification.tier,
      status,
      reason,
      findings,
      level: level.level,
      levelReason: level.reason,
      branches: rest.branches ?? [],
      patterns: rest.patterns ?? [],
      notes,
      compliant: status === 'assessed' && findings.length === 0,
    };
  };

  if (classification.status === 'skipped' || classification.tier === null) return done('skipped', classification.reason);
  const tier = classification.tier;
  if (tierPolicy === null) return done('error', `The tier ${tier} is not defined in the policy.`);
  if (live.readError !== null) return done('error', `Reading the repository failed: ${live.readError}.`);

  const findings = configFindings(repo, classification, tier, defaultBranch, options);
  if (options.repoConfig?.status === 'valid') {
    for (const w of options.repoConfig.warnings ?? []) notes.push(`Repo config warning: ${formatConfigProblem(w)}`);
  }
  if (live.access === 'plan-unavailable') {
    return done(
      'not_applicable',
      `Branch protection is not available for this repository on its plan${live.accessReason ? ` (${live.accessReason})` : ''}.`,
      { findings },
    );
  }
  if (live.repo.empty) {
    return done('not_applicable', 'The repository is empty: there is no branch to protect yet.', { findings });
  }

  // Which branches to assess, and under which targets.
  const uncertainReasons: string[] = [];
  const branches: BranchAssessment[] = [];
  const patterns: PatternAssessment[] = [];
  const targetsOf = new Map<string, string[]>();
  const addBranch = (branch: string, target: string) => {
    const list = targetsOf.get(branch) ?? [];
    if (!list.includes(target)) list.push(target);
    targetsOf.set(branch, list);
  };
  for (const t of tierPolicy.branches) {
    if (t.pattern === '~DEFAULT_BRANCH') {
      addBranch(defaultBranch, t.pattern);
    } else if (!isWildcardPattern(t.pattern)) {
      if (live.branches !== null && !live.branches.includes(t.pattern)) {
        branches.push({ target: t.pattern, branch: t.pattern, state: 'absent', reason: 'no such branch' });
      } else {
        addBranch(t.pattern, t.pattern);
      }
    } else {
      const coverage = effectivePatternCoverage(live, t.pattern);
      for (const b of coverage.existingBranches) addBranch(b.name, t.pattern);
      const pa: PatternAssessment = {
        target: t.pattern,
        existingBranches: coverage.existingBranches.map((b) => b.name),
        futureCovered: coverage.futureCovered,
        coveringRules: coverage.coveringRules.map(describeSource),
      };
      if (coverage.reason) pa.reason = coverage.reason;
      if (!coverage.branchListComplete)
        notes.push(`Branches were not listed, so ${t.pattern} was expanded from the branches the rules name.`);
      patterns.push(pa);
      if (coverage.futureCovered === false) {
        findings.push({
          repo,
          branch: t.pattern,
          target: t.pattern,
          setting: 'coverage',
          expected: true,
          actual: false,
          severity: severityFor('coverage', tier, options.tiers),
          tier,
          message: `${t.pattern}: no rule covers new ${t.pattern} branches, so they start unprotected`,
          source: 'no classic rule or ruleset covers the pattern',
        });
      } else if (coverage.futureCovered === true && coverage.existingBranches.length === 0 && coverage.future) {
        // No branch to look at yet: judge what a new branch would get.
        const judged = judgeBranch(coverage.future, t.protection, {
          repo,
          tier: tierPolicy,
          tiers: options.tiers,
          branch: t.pattern,
          target: t.pattern,
          label: `${t.pattern} (new branches)`,
          roles,
          codeOwners,
          live,
        });
        // Every writer's gaps are named after the covering rules (there is no branch to read yet).
        for (const f of judged.findings)
          findings.push(f.setting === 'bypass' || f.setting === 'enforceAdmins' ? f : { ...f, source: pa.coveringRules.join(', ') });
        notes.push(...judged.notes);
        if (judged.uncertain) uncertainReasons.push(`${t.pattern}: ${judged.uncertain}`);
      } else if (coverage.futureCovered === null) {
        notes.push(`Whether new ${t.pattern} branches are covered is unknown: ${coverage.reason ?? 'rules not visible'}.`);
      }
    }
  }

  const ownersWanted: string[] = [];
  let unknown = patterns.some((p) => p.futureCovered === null);
  let notApplicable = false;
  const unknownReasons: string[] = patterns
    .filter((p) => p.futureCovered === null)
    .map((p) => `${p.target}: ${p.reason ?? 'coverage unknown'}`);
  for (const [branch, targets] of [...targetsOf.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const effective = effectiveFor(branch);
    const target = targets.join(', ');
    for (const t of targets) {
      const entry: BranchAssessment = { target: t, branch, state: effective.state };
      if (effective.reason) entry.reason = effective.reason;
      branches.push(entry);
    }
    if (effective.state === 'not_applicable') {
      notApplicable = true;
      continue;
    }
    if (effective.state === 'unknown') {
      // What could be seen is a lower bound: a gap in it may be closed by what could
      // not be seen, so no findings are reported for this branch.
      unknown = true;
      unknownReasons.push(`${branch}: ${effective.reason ?? 'not visible'}`);
      continue;
    }
    const floor = resolveFloorForBranch(
      tierPolicy.branches.filter((t) => targets.includes(t.pattern)),
      branch,
      defaultBranch,
    );
    if (!floor) continue;
    const judged = judgeBranch(effective, floor, {
      repo,
      tier: tierPolicy,
      tiers: options.tiers,
      branch,
      target,
      label: branch,
      roles,
      codeOwners,
      live,
    });
    findings.push(...judged.findings);
    notes.push(...judged.notes);
    if (judged.uncertain) uncertainReasons.push(`${branch}: ${judged.uncertain}`);
    if (floor.requiredReviews?.requireCodeOwnerReviews === true) ownersWanted.push(branch);
  }
  if (ownersWanted.length > 0) {
    if (codeOwners.status === 'unknown') {
      notes.push(`Whether CODEOWNERS names usable owners is unknown (${codeOwners.reason}), so code owner review was taken as binding.`);
    } else if (ownersWanted.some((b) => b !== defaultBranch)) {
      const file = codeOwners.status === 'absent' ? 'none' : codeOwners.path;
      const others = ownersWanted.filter((b) => b !== defaultBranch);
      notes.push(
        `CODEOWNERS was read on ${defaultBranch} (${file}); ${others.join(', ')} ${others.length === 1 ? 'is' : 'are'} taken to carry the same file.`,
      );
    }
  }
  if (uncertainReasons.length > 0) {
    unknown = true;
    unknownReasons.push(...uncertainReasons);
  }

  // Merge settings are exact values the tier asks for (not floors).
  const merge = live.repo.merge;
  if (Object.keys(tierPolicy.merge).length > 0) {
    if (merge === null) {
      notes.push('Merge settings are not visible to this token, so they were not compared.');
    } else {
      for (const d of listMergeSettingsDeviations(merge, tierPolicy.merge)) {
        findings.push({
          repo,
          branch: null,
          target: null,
          setting: `merge.${d.setting}`,
          expected: d.expected,
          actual: d.actual,
          severity: severityFor('merge', tier, options.tiers),
          tier,
          message: `repository: ${MERGE_LABEL[d.setting]} ${d.actual ? 'allowed' : 'not allowed'}, the tier wants ${d.expected ? 'allowed' : 'not allowed'}`,
          source: 'repository settings',
        });
      }
    }
  }

  if (notApplicable)
    return done('not_applicable', 'Branch protection is not available for this repository on its plan.', { findings, branches, patterns });
  if (unknown) {
    return done('unknown', `Protection could not be fully seen (${unknownReasons.join('; ')}).`, { findings, branches, patterns });
  }
  const count = findings.length;
  return done('assessed', count === 0 ? `Meets the ${tier} tier.` : `${count} gap(s) against the ${tier} tier.`, {
    findings,
    branches,
    patterns,
  });
}

// ---------------------------------------------------------------------------
// Summaries and thresholds

/**
 * Per-tier counts. The repository counts partition the tier: every repository is in
 * exactly one of compliant, withGaps, unknown, notApplicable, skipped, errors, so
 * `repos` is their sum and `assessed` is `compliant + withGaps`. A repository that
 * could not be fully seen is counted as unknown (or error) even when what could be
 * seen has findings: a gap count never implies a repository was assessed.
 */
export interface TierSummary {
  /** The tier, or `unclassified` for skipped repositories without one. */
  tier: string;
  repos: number;
  /** Fully assessed: compliant + withGaps. */
  assessed: number;
  /** Assessed and without findings. */
  compliant: number;
  /** Assessed, with at least one finding. */
  withGaps: number;
  /** Findings by severity, over every repository of the tier (as the findings list has them). */
  gaps: Record<Severity, number>;
  /** The part of `gaps` found on repositories that could not be fully assessed (unknown, error). */
  gapsNotFullyAssessed: Record<Severity, number>;
  unknown: number;
  notApplicable: number;
  skipped: number;
  errors: number;
  /** Repositories per protection level. */
  levels: Record<string, number>;
}

/** Could not be fully seen: the run is partial (exit 4), never compliant. */
export function isNotFullyAssessed(status: AssessmentStatus): boolean {
  return status === 'unknown' || status === 'error';
}

/** Per-tier counts, strictest tier first when `tiers` is given (else by name). */
export function summarizeByTier(assessments: readonly RepoAssessment[], tiers?: Readonly<Record<string, TierPolicy>>): TierSummary[] {
  const byTier = new Map<string, TierSummary>();
  const zero = (): Record<Severity, number> => ({ critical: 0, high: 0, medium: 0, low: 0 });
  for (const a of assessments) {
    const key = a.tier ?? 'unclassified';
    let s = byTier.get(key);
    if (!s) {
      s = {
        tier: key,
        repos: 0,
        assessed: 0,
        compliant: 0,
        withGaps: 0,
        gaps: zero(),
        gapsNotFullyAssessed: zero(),
        unknown: 0,
        notApplicable: 0,
        skipped: 0,
        errors: 0,
        levels: {},
      };
      byTier.set(key, s);
    }
    s.repos += 1;
    switch (a.status) {
      case 'assessed':
        s.assessed += 1;
        if (a.findings.length === 0) s.compliant += 1;
        else s.withGaps += 1;
        break;
      case 'unknown':
        s.unknown += 1;
        break;
      case 'not_applicable':
        s.notApplicable += 1;
        break;
      case 'skipped':
        s.skipped += 1;
        break;
      case 'error':
        s.errors += 1;
        break;
    }
    const partial = isNotFullyAssessed(a.status);
    for (const f of a.findings) {
      s.gaps[f.severity] += 1;
      if (partial) s.gapsNotFullyAssessed[f.severity] += 1;
    }
    s.levels[a.level] = (s.levels[a.level] ?? 0) + 1;
  }
  const rank = (t: string) => tiers?.[t]?.rank ?? Number.NEGATIVE_INFINITY;
  return [...byTier.values()].sort((a, b) => rank(b.tier) - rank(a.tier) || a.tier.localeCompare(b.tier));
}

/** Is any finding at or above `threshold`? (`none`: never.) Drives exit code 1. */
export function meetsFailOn(findings: readonly Pick<Finding, 'severity'>[], threshold: Severity | 'none'): boolean {
  if (threshold === 'none') return false;
  return findings.some((f) => compareSeverity(f.severity, threshold) >= 0);
}
