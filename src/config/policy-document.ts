/**
 * `qms.config.yml` as written (snake_case, seed §2 and §4) and its mapping to
 * and from the policy in qms terms (src/core/policy.ts). `documentToPolicy`
 * expects a complete, checked document (defaults merged in, schema and
 * semantic checks passed); `policyToDocument` is its exact inverse, used by
 * `qms init` to write the defaults.
 */
import type {
  BranchTarget,
  BypassLevelPolicy,
  BypassTolerance,
  ClassificationRule,
  PilotRepository,
  ProtectionProfile,
  QmsPolicy,
  RoleBinding,
  TierPolicy,
} from '../core/policy.js';
import type { Visibility } from '../core/github-types.js';
import {
  formatDurationSeconds,
  formatPercent,
  formatPeriodDays,
  parseDurationSeconds,
  parsePercent,
  parsePeriodDays,
} from './durations.js';

export interface ProtectionDoc {
  required_reviews?: {
    count: number;
    require_code_owner_reviews?: boolean;
    dismiss_stale_reviews?: boolean;
    require_last_push_approval?: boolean;
  };
  required_status_checks?: { contexts: string[]; strict?: boolean };
  enforce_admins?: boolean;
  require_linear_history?: boolean;
  allow_force_pushes?: boolean;
  allow_deletions?: boolean;
  require_conversation_resolution?: boolean;
  require_signed_commits?: boolean;
}

export interface MergeDoc {
  allow_squash_merge?: boolean;
  allow_merge_commit?: boolean;
  allow_rebase_merge?: boolean;
}

export interface TierDoc {
  description?: string;
  rank?: number;
  branches?: { pattern: string; protection: ProtectionDoc }[];
  merge?: MergeDoc;
  checks?: string[];
  bypass_levels?: string[];
  tolerated_bypass?: ToleratedBypassDoc[];
}

/** One tolerated bypass as written: exactly one actor key, and a mode. */
export interface ToleratedBypassDoc {
  org_admin?: true;
  role?: 'write' | 'maintain' | 'admin' | number;
  team?: string | number;
  user?: string | number;
  app?: string | number;
  deploy_key?: true;
  qms_role?: string;
  mode?: 'always' | 'pull_request';
}

export interface ClassificationRuleDoc {
  tier: string;
  description?: string;
  match: { names?: string[]; topics?: string[]; visibility?: Visibility[]; languages?: string[] };
}

export type PilotDoc = string | { name: string; tier?: string; team?: string; expected_pr_volume?: string };

export interface RoleDoc {
  users?: string[];
  teams?: string[];
}

export interface BypassLevelDoc {
  roles?: string[];
  incident_severities?: string[];
  business_impacts?: string[];
  compliance_risks?: string[];
  signatures_required?: number;
  documentation_level?: string;
  max_duration_hours?: number;
  approval_time_limit?: string;
  business_hours_only?: boolean;
  regulatory_impact?: boolean;
  immediate_action_required?: boolean;
  post_incident_review?: boolean;
  notifications?: string[];
}

export interface ExpertiseDoc {
  paths?: string[];
  primary?: string[];
  secondary?: string[];
}

export interface ReviewAssignmentDoc {
  weights?: { expertise_match?: number; workload_balance?: number; availability?: number; context_preservation?: number };
  expertise_mapping?: Record<string, ExpertiseDoc | null>;
  workload_tracking?: { max_concurrent_reviews?: number; priority_weighting?: boolean; review_complexity_scoring?: boolean };
  availability_integration?: { calendar_system?: string; timezone_awareness?: boolean; working_hours_respect?: boolean };
}

export interface GlobalPoliciesDoc {
  compliance_requirements?: { audit_retention_period?: string; regulatory_frameworks?: string[]; required_documentation?: string[] };
  security_baselines?: {
    mandatory_checks?: string[];
    vulnerability_thresholds?: { critical?: number; high?: number; medium?: number; low?: number };
  };
  performance_standards?: { max_check_duration?: string; max_review_assignment_time?: string; availability_target?: string };
}

export interface PolicyDocument {
  version: 1;
  default_tier?: string;
  tiers?: Record<string, TierDoc | null>;
  classification?: ClassificationRuleDoc[];
  pilot_repositories?: PilotDoc[];
  roles?: Record<string, RoleDoc | null>;
  bypass_levels?: Record<string, BypassLevelDoc | null>;
  review_assignment?: ReviewAssignmentDoc;
  global_policies?: GlobalPoliciesDoc;
}

/** Copy only the keys whose value is defined (the policy types treat absent as "not required"). */
function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function protectionFromDoc(p: ProtectionDoc): ProtectionProfile {
  return defined<ProtectionProfile>({
    requiredReviews: p.required_reviews
      ? defined({
          requiredApprovingReviewCount: p.required_reviews.count,
          requireCodeOwnerReviews: p.required_reviews.require_code_owner_reviews,
          dismissStaleReviews: p.required_reviews.dismiss_stale_reviews,
          requireLastPushApproval: p.required_reviews.require_last_push_approval,
        })
      : undefined,
    requiredStatusChecks: p.required_status_checks
      ? defined({ contexts: [...p.required_status_checks.contexts], strict: p.required_status_checks.strict })
      : undefined,
    enforceAdmins: p.enforce_admins,
    requireLinearHistory: p.require_linear_history,
    allowForcePushes: p.allow_force_pushes,
    allowDeletions: p.allow_deletions,
    requireConversationResolution: p.require_conversation_resolution,
    requireSignedCommits: p.require_signed_commits,
  });
}

function protectionToDoc(p: ProtectionProfile): ProtectionDoc {
  return defined<ProtectionDoc>({
    required_reviews: p.requiredReviews
      ? defined({
          count: p.requiredReviews.requiredApprovingReviewCount,
          require_code_owner_reviews: p.requiredReviews.requireCodeOwnerReviews,
          dismiss_stale_reviews: p.requiredReviews.dismissStaleReviews,
          require_last_push_approval: p.requiredReviews.requireLastPushApproval,
        })
      : undefined,
    required_status_checks: p.requiredStatusChecks
      ? defined({ contexts: [...p.requiredStatusChecks.contexts], strict: p.requiredStatusChecks.strict })
      : undefined,
    enforce_admins: p.enforceAdmins,
    require_linear_history: p.requireLinearHistory,
    allow_force_pushes: p.allowForcePushes,
    allow_deletions: p.allowDeletions,
    require_conversation_resolution: p.requireConversationResolution,
    require_signed_commits: p.requireSignedCommits,
  });
}

function mergeFromDoc(m: MergeDoc | undefined): TierPolicy['merge'] {
  return defined({
    allowSquashMerge: m?.allow_squash_merge,
    allowMergeCommit: m?.allow_merge_commit,
    allowRebaseMerge: m?.allow_rebase_merge,
  });
}

function mergeToDoc(m: TierPolicy['merge']): MergeDoc {
  return defined({
    allow_squash_merge: m.allowSquashMerge,
    allow_merge_commit: m.allowMergeCommit,
    allow_rebase_merge: m.allowRebaseMerge,
  });
}

function toleranceFromDoc(d: ToleratedBypassDoc): BypassTolerance {
  const mode = d.mode ?? 'always';
  if (d.org_admin) return { actor: { kind: 'orgAdmin' }, mode };
  if (d.role !== undefined) return { actor: { kind: 'role', role: d.role }, mode };
  if (d.team !== undefined) return { actor: { kind: 'team', team: d.team }, mode };
  if (d.user !== undefined) return { actor: { kind: 'user', user: d.user }, mode };
  if (d.app !== undefined) return { actor: { kind: 'app', app: d.app }, mode };
  if (d.deploy_key) return { actor: { kind: 'deployKey' }, mode };
  return { actor: { kind: 'qmsRole', role: d.qms_role ?? '' }, mode };
}

function toleranceToDoc(t: BypassTolerance): ToleratedBypassDoc {
  const a = t.actor;
  const actor: ToleratedBypassDoc =
    a.kind === 'orgAdmin'
      ? { org_admin: true }
      : a.kind === 'role'
        ? { role: a.role }
        : a.kind === 'team'
          ? { team: a.team }
          : a.kind === 'user'
            ? { user: a.user }
            : a.kind === 'app'
              ? { app: a.app }
              : a.kind === 'deployKey'
                ? { deploy_key: true }
                : { qms_role: a.role };
  return { ...actor, mode: t.mode };
}

function tierFromDoc(name: string, t: TierDoc): TierPolicy {
  const tier: TierPolicy = {
    name,
    description: t.description ?? '',
    rank: t.rank ?? 0,
    branches: (t.branches ?? []).map((b): BranchTarget => ({ pattern: b.pattern, protection: protectionFromDoc(b.protection) })),
    merge: mergeFromDoc(t.merge),
    checks: [...(t.checks ?? [])],
    bypassLevels: [...(t.bypass_levels ?? [])],
  };
  if (t.tolerated_bypass !== undefined) tier.toleratedBypass = t.tolerated_bypass.map(toleranceFromDoc);
  return tier;
}

function tierToDoc(t: TierPolicy): TierDoc {
  const doc: TierDoc = {
    description: t.description,
    rank: t.rank,
    branches: t.branches.map((b) => ({ pattern: b.pattern, protection: protectionToDoc(b.protection) })),
    merge: mergeToDoc(t.merge),
    checks: [...t.checks],
    bypass_levels: [...t.bypassLevels],
  };
  if (t.toleratedBypass !== undefined) doc.tolerated_bypass = t.toleratedBypass.map(toleranceToDoc);
  return doc;
}

function ruleFromDoc(r: ClassificationRuleDoc): ClassificationRule {
  return defined<ClassificationRule>({
    tier: r.tier,
    description: r.description,
    match: defined({
      names: r.match.names && [...r.match.names],
      topics: r.match.topics && [...r.match.topics],
      visibility: r.match.visibility && [...r.match.visibility],
      languages: r.match.languages && [...r.match.languages],
    }),
  });
}

function ruleToDoc(r: ClassificationRule): ClassificationRuleDoc {
  return defined<ClassificationRuleDoc>({
    tier: r.tier,
    description: r.description,
    match: defined({
      names: r.match.names && [...r.match.names],
      topics: r.match.topics && [...r.match.topics],
      visibility: r.match.visibility && [...r.match.visibility],
      languages: r.match.languages && [...r.match.languages],
    }),
  });
}

function pilotFromDoc(p: PilotDoc): PilotRepository {
  if (typeof p === 'string') return { name: p };
  return defined<PilotRepository>({ name: p.name, tier: p.tier, team: p.team, expectedPrVolume: p.expected_pr_volume });
}

function pilotToDoc(p: PilotRepository): PilotDoc {
  if (p.tier === undefined && p.team === undefined && p.expectedPrVolume === undefined) return p.name;
  return defined({ name: p.name, tier: p.tier, team: p.team, expected_pr_volume: p.expectedPrVolume });
}

function levelFromDoc(name: string, l: BypassLevelDoc): BypassLevelPolicy {
  return defined<BypassLevelPolicy>({
    name,
    roles: [...(l.roles ?? [])],
    incidentSeverities: [...(l.incident_severities ?? [])],
    businessImpacts: [...(l.business_impacts ?? [])],
    signaturesRequired: l.signatures_required ?? 1,
    documentationLevel: l.documentation_level ?? 'basic',
    maxDurationHours: l.max_duration_hours ?? 4,
    notifications: [...(l.notifications ?? [])],
    businessHoursOnly: l.business_hours_only,
    approvalTimeLimitMinutes: l.approval_time_limit === undefined ? undefined : parseDurationSeconds(l.approval_time_limit) / 60,
    complianceRisks: l.compliance_risks && [...l.compliance_risks],
    regulatoryImpact: l.regulatory_impact,
    immediateActionRequired: l.immediate_action_required,
    postIncidentReview: l.post_incident_review,
  });
}

function levelToDoc(l: BypassLevelPolicy): BypassLevelDoc {
  return defined<BypassLevelDoc>({
    roles: [...l.roles],
    incident_severities: [...l.incidentSeverities],
    business_impacts: [...l.businessImpacts],
    compliance_risks: l.complianceRisks && [...l.complianceRisks],
    signatures_required: l.signaturesRequired,
    documentation_level: l.documentationLevel,
    max_duration_hours: l.maxDurationHours,
    approval_time_limit:
      l.approvalTimeLimitMinutes === undefined ? undefined : formatDurationSeconds(Math.round(l.approvalTimeLimitMinutes * 60)),
    business_hours_only: l.businessHoursOnly,
    regulatory_impact: l.regulatoryImpact,
    immediate_action_required: l.immediateActionRequired,
    post_incident_review: l.postIncidentReview,
    notifications: [...l.notifications],
  });
}

function entries<T>(record: Record<string, T | null> | undefined): [string, T][] {
  return Object.entries(record ?? {}).filter((e): e is [string, T] => e[1] !== null);
}

/**
 * A complete document (defaults merged in, checks passed) as a QmsPolicy.
 * Values the schema lets a user leave out inside an entry get the defaults
 * named here (e.g. a new role without `teams`).
 */
export function documentToPolicy(doc: PolicyDocument): QmsPolicy {
  const ra = doc.review_assignment ?? {};
  const g = doc.global_policies ?? {};
  const pilots = (doc.pilot_repositories ?? []).map(pilotFromDoc);
  const weights = ra.weights ?? {};
  const avail = ra.availability_integration;
  return {
    version: 1,
    defaultTier: doc.default_tier ?? '',
    tiers: Object.fromEntries(entries(doc.tiers).map(([name, t]) => [name, tierFromDoc(name, t)])),
    classification: (doc.classification ?? []).map(ruleFromDoc),
    pilotRepositories: pilots.map((p) => p.name),
    pilots,
    roles: Object.fromEntries(
      entries(doc.roles).map(([name, r]): [string, RoleBinding] => [name, { users: [...(r.users ?? [])], teams: [...(r.teams ?? [])] }]),
    ),
    bypassLevels: Object.fromEntries(entries(doc.bypass_levels).map(([name, l]) => [name, levelFromDoc(name, l)])),
    reviewAssignment: defined({
      weights: {
        expertiseMatch: weights.expertise_match ?? 0,
        workloadBalance: weights.workload_balance ?? 0,
        availability: weights.availability ?? 0,
        contextPreservation: weights.context_preservation ?? 0,
      },
      expertise: Object.fromEntries(
        entries(ra.expertise_mapping).map(([name, e]) => [
          name,
          { paths: [...(e.paths ?? [])], primary: [...(e.primary ?? [])], secondary: [...(e.secondary ?? [])] },
        ]),
      ),
      maxConcurrentReviews: ra.workload_tracking?.max_concurrent_reviews ?? 5,
      priorityWeighting: ra.workload_tracking?.priority_weighting,
      reviewComplexityScoring: ra.workload_tracking?.review_complexity_scoring,
      availability: avail
        ? {
            calendarSystem: avail.calendar_system ?? 'none',
            timezoneAwareness: avail.timezone_awareness ?? false,
            workingHoursRespect: avail.working_hours_respect ?? false,
          }
        : undefined,
    }),
    global: {
      compliance: {
        auditRetentionDays: parsePeriodDays(g.compliance_requirements?.audit_retention_period ?? '7_years'),
        regulatoryFrameworks: [...(g.compliance_requirements?.regulatory_frameworks ?? [])],
        requiredDocumentation: [...(g.compliance_requirements?.required_documentation ?? [])],
      },
      securityBaselines: {
        mandatoryChecks: [...(g.security_baselines?.mandatory_checks ?? [])],
        vulnerabilityThresholds: {
          critical: g.security_baselines?.vulnerability_thresholds?.critical ?? 0,
          high: g.security_baselines?.vulnerability_thresholds?.high ?? 0,
          medium: g.security_baselines?.vulnerability_thresholds?.medium ?? 0,
          low: g.security_baselines?.vulnerability_thresholds?.low ?? 0,
        },
      },
      performanceStandards: {
        maxCheckDurationMinutes: parseDurationSeconds(g.performance_standards?.max_check_duration ?? '10_minutes') / 60,
        maxReviewAssignmentSeconds: parseDurationSeconds(g.performance_standards?.max_review_assignment_time ?? '30_seconds'),
        availabilityTarget: parsePercent(g.performance_standards?.availability_target ?? '99.9%'),
      },
    },
  };
}

/** The inverse of documentToPolicy: a complete document for a policy. */
export function policyToDocument(policy: QmsPolicy): PolicyDocument {
  const ra = policy.reviewAssignment;
  const g = policy.global;
  const pilots = policy.pilots ?? policy.pilotRepositories.map((name) => ({ name }));
  return {
    version: 1,
    default_tier: policy.defaultTier,
    tiers: Object.fromEntries(Object.values(policy.tiers).map((t) => [t.name, tierToDoc(t)])),
    classification: policy.classification.map(ruleToDoc),
    pilot_repositories: pilots.map(pilotToDoc),
    roles: Object.fromEntries(Object.entries(policy.roles).map(([name, r]) => [name, { users: [...r.users], teams: [...r.teams] }])),
    bypass_levels: Object.fromEntries(Object.values(policy.bypassLevels).map((l) => [l.name, levelToDoc(l)])),
    review_assignment: {
      weights: {
        expertise_match: ra.weights.expertiseMatch,
        workload_balance: ra.weights.workloadBalance,
        availability: ra.weights.availability,
        context_preservation: ra.weights.contextPreservation,
      },
      expertise_mapping: Object.fromEntries(
        Object.entries(ra.expertise).map(([name, e]) => [
          name,
          { paths: [...e.paths], primary: [...e.primary], secondary: [...e.secondary] },
        ]),
      ),
      workload_tracking: defined({
        max_concurrent_reviews: ra.maxConcurrentReviews,
        priority_weighting: ra.priorityWeighting,
        review_complexity_scoring: ra.reviewComplexityScoring,
      }),
      ...(ra.availability
        ? {
            availability_integration: {
              calendar_system: ra.availability.calendarSystem,
              timezone_awareness: ra.availability.timezoneAwareness,
              working_hours_respect: ra.availability.workingHoursRespect,
            },
          }
        : {}),
    },
    global_policies: {
      compliance_requirements: {
        audit_retention_period: formatPeriodDays(g.compliance.auditRetentionDays),
        regulatory_frameworks: [...g.compliance.regulatoryFrameworks],
        required_documentation: [...g.compliance.requiredDocumentation],
      },
      security_baselines: {
        mandatory_checks: [...g.securityBaselines.mandatoryChecks],
        vulnerability_thresholds: { ...g.securityBaselines.vulnerabilityThresholds },
      },
      performance_standards: {
        max_check_duration: formatDurationSeconds(Math.round(g.performanceStandards.maxCheckDurationMinutes * 60)),
        max_review_assignment_time: formatDurationSeconds(Math.round(g.performanceStandards.maxReviewAssignmentSeconds)),
        availability_target: formatPercent(g.performanceStandards.availabilityTarget),
      },
    },
  };
}
