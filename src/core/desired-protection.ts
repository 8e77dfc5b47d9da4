/**
 * Profiles (a tier's floor) against concrete protection: where a protection falls
 * short of a floor, and the protection a branch should have to meet it.
 *
 * The rule is "tighten only": qms raises what the floor requires and keeps every
 * setting that is already stricter (more reviewers, extra checks and the apps they
 * are pinned to, push restrictions, dismissal restrictions, a lock…). It never
 * loosens anything, so the planner can apply it to any repository safely, and it is
 * idempotent, so a second apply on a compliant org writes nothing.
 */
import type { ProtectionSetting } from './effective-protection.js';
import type { ProtectionProfile } from './policy.js';
import { baseRuleProtection, normalizeProtection, type ActorLists, type BranchProtection, type MergeSettings } from './protection.js';

/** The actors in both lists (names compared case-insensitively, as GitHub does for logins and slugs). */
function intersectActors(a: ActorLists, b: ActorLists): ActorLists {
  const keep = (x: string[], y: string[]) => x.filter((n) => y.some((m) => m.toLowerCase() === n.toLowerCase()));
  return { users: keep(a.users, b.users), teams: keep(a.teams, b.teams), apps: keep(a.apps, b.apps) };
}

const noActors = (a: ActorLists) => a.users.length === 0 && a.teams.length === 0 && a.apps.length === 0;

/** A value in a finding: a flag, a count, a check name, or absent. */
export type SettingValue = string | number | boolean | null;

/** One way a protection falls short of a profile. */
export interface ProfileDeviation {
  setting: ProtectionSetting;
  /** What the floor demands (a count is "at least"; a context is "required"). */
  expected: SettingValue;
  /** What the protection has. */
  actual: SettingValue;
}

/**
 * Where `protection` falls short of `profile`, setting by setting. When no pull
 * request is required at all, that is one `requiredReviews` deviation (the count is
 * implied) plus one per required review option. Missing required checks are one
 * deviation each (expected = the context). A check pinned to an app still counts as
 * required (the desired protection keeps the pin).
 */
export function listProfileDeviations(protection: BranchProtection, profile: ProtectionProfile): ProfileDeviation[] {
  const out: ProfileDeviation[] = [];
  const want = profile.requiredReviews;
  const have = protection.requiredReviews;
  if (want) {
    if (!have) {
      out.push({ setting: 'requiredReviews', expected: true, actual: false });
    } else if (have.requiredApprovingReviewCount < want.requiredApprovingReviewCount) {
      out.push({
        setting: 'requiredReviews.requiredApprovingReviewCount',
        expected: want.requiredApprovingReviewCount,
        actual: have.requiredApprovingReviewCount,
      });
    }
    if (want.requireCodeOwnerReviews && !have?.requireCodeOwnerReviews) {
      out.push({ setting: 'requiredReviews.requireCodeOwnerReviews', expected: true, actual: false });
    }
    if (want.dismissStaleReviews && !have?.dismissStaleReviews) {
      out.push({ setting: 'requiredReviews.dismissStaleReviews', expected: true, actual: false });
    }
    if (want.requireLastPushApproval && !have?.requireLastPushApproval) {
      out.push({ setting: 'requiredReviews.requireLastPushApproval', expected: true, actual: false });
    }
  }
  const checks = profile.requiredStatusChecks;
  if (checks) {
    const present = new Set((protection.requiredStatusChecks?.checks ?? []).map((c) => c.context));
    for (const context of [...new Set(checks.contexts)].sort()) {
      if (!present.has(context)) out.push({ setting: 'requiredStatusChecks.contexts', expected: context, actual: null });
    }
    if (checks.strict && !protection.requiredStatusChecks?.strict) {
      out.push({ setting: 'requiredStatusChecks.strict', expected: true, actual: false });
    }
  }
  const flags = [
    ['enforceAdmins', profile.enforceAdmins, protection.enforceAdmins],
    ['requireLinearHistory', profile.requireLinearHistory, protection.requireLinearHistory],
    ['requireConversationResolution', profile.requireConversationResolution, protection.requireConversationResolution],
    ['requireSignedCommits', profile.requireSignedCommits, protection.requireSignedCommits],
  ] as const;
  for (const [setting, wanted, actual] of flags) {
    if (wanted === true && !actual) out.push({ setting, expected: true, actual: false });
  }
  if (profile.allowForcePushes === false && protection.allowForcePushes) {
    out.push({ setting: 'allowForcePushes', expected: false, actual: true });
  }
  if (profile.allowDeletions === false && protection.allowDeletions) {
    out.push({ setting: 'allowDeletions', expected: false, actual: true });
  }
  return out;
}

/** Does `protection` meet every requirement of `profile`? */
export function meetsProfile(protection: BranchProtection, profile: ProtectionProfile): boolean {
  return listProfileDeviations(protection, profile).length === 0;
}

/**
 * The protection a branch should have: `current` (or, when there is no rule yet,
 * GitHub's defaults for a new rule) tightened to `profile`. New required checks get
 * `appId: null` (any source), so a `qms/*` status posted with a PAT satisfies them
 * (GITHUB-API.md pitfall 8); existing checks keep their app pin. Returned normalized.
 *
 * `current` is the protection the write replaces (the classic rule's, since a PUT
 * sets the whole rule), not the effective protection: folding ruleset settings into a
 * classic rule would duplicate them and survive the ruleset's removal.
 *
 * Pull request bypass allowances the floor does not tolerate
 * (`requiredReviews.bypassAllowances`, set by the planner) are removed: a bypass
 * removed is a requirement that binds more people, so this too only tightens.
 */
export function desiredProtection(current: BranchProtection | null, profile: ProtectionProfile): BranchProtection {
  const base = normalizeProtection(current ?? baseRuleProtection());
  const next: BranchProtection = { ...base };

  const want = profile.requiredReviews;
  if (want) {
    const have = base.requiredReviews;
    next.requiredReviews = {
      requiredApprovingReviewCount: Math.max(have?.requiredApprovingReviewCount ?? 0, want.requiredApprovingReviewCount),
      requireCodeOwnerReviews: (have?.requireCodeOwnerReviews ?? false) || want.requireCodeOwnerReviews === true,
      dismissStaleReviews: (have?.dismissStaleReviews ?? false) || want.dismissStaleReviews === true,
      requireLastPushApproval: (have?.requireLastPushApproval ?? false) || want.requireLastPushApproval === true,
      dismissalRestrictions: have?.dismissalRestrictions ?? null,
      bypassAllowances: have?.bypassAllowances ?? null,
    };
    const kept = want.bypassAllowances;
    const allowed = next.requiredReviews.bypassAllowances;
    if (kept && allowed) {
      const left = intersectActors(allowed, kept);
      next.requiredReviews.bypassAllowances = noActors(left) ? null : left;
    }
  }

  const checks = profile.requiredStatusChecks;
  if (checks && (checks.contexts.length > 0 || checks.strict === true || base.requiredStatusChecks)) {
    const existing = base.requiredStatusChecks?.checks ?? [];
    const present = new Set(existing.map((c) => c.context));
    const added = [...new Set(checks.contexts)].filter((c) => !present.has(c)).map((context) => ({ context, appId: null }));
    next.requiredStatusChecks = {
      strict: (base.requiredStatusChecks?.strict ?? false) || checks.strict === true,
      checks: [...existing, ...added],
    };
  }

  if (profile.enforceAdmins === true) next.enforceAdmins = true;
  if (profile.requireLinearHistory === true) next.requireLinearHistory = true;
  if (profile.requireConversationResolution === true) next.requireConversationResolution = true;
  if (profile.requireSignedCommits === true) next.requireSignedCommits = true;
  if (profile.allowForcePushes === false) next.allowForcePushes = false;
  if (profile.allowDeletions === false) next.allowDeletions = false;
  return normalizeProtection(next);
}

/**
 * The strictest combination of two floors (a branch matched by several targets, or a
 * tier floor and a repo config that tightens it): every requirement of either.
 */
export function mergeProfiles(a: ProtectionProfile, b: ProtectionProfile): ProtectionProfile {
  const out: ProtectionProfile = {};
  const ra = a.requiredReviews;
  const rb = b.requiredReviews;
  if (ra || rb) {
    out.requiredReviews = {
      requiredApprovingReviewCount: Math.max(ra?.requiredApprovingReviewCount ?? 0, rb?.requiredApprovingReviewCount ?? 0),
    };
    const or = (x?: boolean, y?: boolean) => (x === true || y === true ? true : x === false || y === false ? false : undefined);
    const codeOwners = or(ra?.requireCodeOwnerReviews, rb?.requireCodeOwnerReviews);
    const stale = or(ra?.dismissStaleReviews, rb?.dismissStaleReviews);
    const lastPush = or(ra?.requireLastPushApproval, rb?.requireLastPushApproval);
    if (codeOwners !== undefined) out.requiredReviews.requireCodeOwnerReviews = codeOwners;
    if (stale !== undefined) out.requiredReviews.dismissStaleReviews = stale;
    if (lastPush !== undefined) out.requiredReviews.requireLastPushApproval = lastPush;
    // Tolerated allowances: only those both floors tolerate.
    const ka = ra?.bypassAllowances;
    const kb = rb?.bypassAllowances;
    if (ka || kb) out.requiredReviews.bypassAllowances = ka && kb ? intersectActors(ka, kb) : (ka ?? kb)!;
  }
  const ca = a.requiredStatusChecks;
  const cb = b.requiredStatusChecks;
  if (ca || cb) {
    out.requiredStatusChecks = { contexts: [...new Set([...(ca?.contexts ?? []), ...(cb?.contexts ?? [])])].sort() };
    if (ca?.strict === true || cb?.strict === true) out.requiredStatusChecks.strict = true;
    else if (ca?.strict === false || cb?.strict === false) out.requiredStatusChecks.strict = false;
  }
  for (const key of ['enforceAdmins', 'requireLinearHistory', 'requireConversationResolution', 'requireSignedCommits'] as const) {
    if (a[key] === true || b[key] === true) out[key] = true;
    else if (a[key] === false || b[key] === false) out[key] = false;
  }
  for (const key of ['allowForcePushes', 'allowDeletions'] as const) {
    if (a[key] === false || b[key] === false) out[key] = false;
    else if (a[key] === true || b[key] === true) out[key] = true;
  }
  return out;
}

/**
 * The repository merge settings a tier wants: every key the tier names is set to
 * the tier's value (merge settings are exact, not floors: allowing squash merges is
 * neither stricter nor looser than merge commits), the others stay as they are.
 * GitHub rejects a repository with no merge method enabled, so when the result would
 * allow none the current settings are returned unchanged (the mismatch stays a
 * finding for a human to resolve).
 */
export function desiredMergeSettings(current: MergeSettings, tierMerge: Partial<MergeSettings>): MergeSettings {
  const next: MergeSettings = {
    allowSquashMerge: tierMerge.allowSquashMerge ?? current.allowSquashMerge,
    allowMergeCommit: tierMerge.allowMergeCommit ?? current.allowMergeCommit,
    allowRebaseMerge: tierMerge.allowRebaseMerge ?? current.allowRebaseMerge,
  };
  if (!next.allowSquashMerge && !next.allowMergeCommit && !next.allowRebaseMerge) return { ...current };
  return next;
}

/** Keys where `current` differs from what the tier wants. */
export function listMergeSettingsDeviations(
  current: MergeSettings,
  tierMerge: Partial<MergeSettings>,
): { setting: keyof MergeSettings; expected: boolean; actual: boolean }[] {
  const out: { setting: keyof MergeSettings; expected: boolean; actual: boolean }[] = [];
  for (const key of ['allowSquashMerge', 'allowMergeCommit', 'allowRebaseMerge'] as const) {
    const want = tierMerge[key];
    if (want !== undefined && want !== current[key]) out.push({ setting: key, expected: want, actual: current[key] });
  }
  return out;
}
