/**
 * The built-in QMS policy: the seed's programme as data (pure, no I/O).
 *
 * Sources, by section of seed/qms-branch-protection-integration-framework-v1.md:
 * tiers §2.1.1 (criteria), §3.2–§3.5 (what each rollout phase adds), §4.1 (the
 * mission-critical repo config: branches, checks, reviews, merge rules, bypass
 * controls); review assignment §2.4.1; bypass levels §2.5.1; pilot repositories
 * §3.2.1; global policies §4.2.
 *
 * Where the seed is silent, the choice is written next to the value. Every call
 * returns a fresh deep copy, so no caller can change the defaults for another.
 */
import type { BypassLevelPolicy, ProtectionProfile, QmsPolicy, RoleBinding, TierPolicy } from './policy.js';

/** The five `qms/*` status checks of seed §4.1 (`status_checks.enabled_checks`). */
export const SEED_QMS_CHECKS = [
  'qms/dor-validation',
  'qms/security-scan-critical',
  'qms/code-quality-gate',
  'qms/compliance-audit',
  'qms/dod-validation',
] as const;

/** The seed's four bypass levels (§2.5.1), lowest authority first. */
export const SEED_BYPASS_LEVELS = ['level_1_lead', 'level_2_architect', 'level_3_qms_coordinator', 'emergency_commander'] as const;

/** `~DEFAULT_BRANCH`: the repository's default branch, whatever it is called (ruleset syntax). */
export const DEFAULT_BRANCH_TARGET = '~DEFAULT_BRANCH';

/** Audit retention of seed §4.2, "7_years": 7 × 365.25 = 2556.75, rounded up so no day is lost. */
export const SEED_AUDIT_RETENTION_DAYS = 2557;

const missionCriticalProtection: ProtectionProfile = {
  requiredReviews: {
    // §4.1 required_reviewers: 2, require_code_owner_reviews: true.
    requiredApprovingReviewCount: 2,
    requireCodeOwnerReviews: true,
    // Seed silent. §3.5.1 "zero-tolerance merge policies": an approval must cover
    // the code that is merged, so stale approvals are dismissed and the last push
    // needs someone other than its author.
    dismissStaleReviews: true,
    requireLastPushApproval: true,
  },
  // §4.1 require_up_to_date: true → strict; enabled_checks → required contexts.
  requiredStatusChecks: { contexts: [...SEED_QMS_CHECKS], strict: true },
  // §3.5.1 "zero-tolerance": administrators are held to the same rules (bypass goes
  // through the audited bypass levels instead).
  enforceAdmins: true,
  // §4.1 require_linear_history: true.
  requireLinearHistory: true,
  allowForcePushes: false,
  allowDeletions: false,
  // Seed silent; part of "all security controls active" (§3.5.1).
  requireConversationResolution: true,
  // Seed silent. Not required: signed commits need every contributor (and every
  // bot) to have signing set up, which the seed's rollout plan never mentions.
  requireSignedCommits: false,
};

const businessCriticalProtection: ProtectionProfile = {
  // §3.4.1 "stricter merge restrictions" than the standard tier: two approvals
  // and code owners like mission-critical. Last-push approval stays a
  // mission-critical extra (§3.5.1 "maximum security configuration").
  requiredReviews: {
    requiredApprovingReviewCount: 2,
    requireCodeOwnerReviews: true,
    dismissStaleReviews: true,
    requireLastPushApproval: false,
  },
  // §3.4.1 "expanded compliance requirements"; §2.3.1 rolls compliance audit out
  // "Business-Critical first". All five seed checks, branches up to date.
  requiredStatusChecks: { contexts: [...SEED_QMS_CHECKS], strict: true },
  // Zero tolerance (admins included) is the mission-critical tier's (§3.5.1).
  enforceAdmins: false,
  // Same merge discipline as mission-critical (§3.4.1 stricter merge restrictions).
  requireLinearHistory: true,
  allowForcePushes: false,
  allowDeletions: false,
  requireConversationResolution: true,
  requireSignedCommits: false,
};

const standardProtection: ProtectionProfile = {
  // Seed silent on numbers: one approval, the usual GitHub baseline; stale
  // approvals dismissed so the approval still covers what is merged.
  requiredReviews: {
    requiredApprovingReviewCount: 1,
    requireCodeOwnerReviews: false,
    dismissStaleReviews: true,
    requireLastPushApproval: false,
  },
  // A smaller check set: the P0 gates of §2.3.1 (DoR, critical security) plus the
  // code-quality gate; compliance audit is a business-critical-first rollout.
  // Not strict: up-to-date branches cost every contributor a rebase per merge.
  requiredStatusChecks: { contexts: ['qms/dor-validation', 'qms/security-scan-critical', 'qms/code-quality-gate'], strict: false },
  allowForcePushes: false,
  allowDeletions: false,
};

const experimentalProtection: ProtectionProfile = {
  // Minimal: history on the default branch cannot be rewritten or deleted.
  allowForcePushes: false,
  allowDeletions: false,
};

/**
 * Seed §4.1 merge_restrictions say squash false, merge commit true, rebase false,
 * AND require_linear_history true. On GitHub those contradict: linear history
 * rejects merge commits on the protected branch (docs: "About merge methods on
 * GitHub"), so with only merge commits allowed no pull request could be merged.
 * We keep the seed's squash: false and merge commit: true and allow rebase
 * merging, the method closest to a merge commit that keeps every commit and
 * history linear. (A policy file may choose otherwise; qms rejects only the
 * impossible combination.)
 */
const criticalMerge = { allowSquashMerge: false, allowMergeCommit: true, allowRebaseMerge: true };

function tiers(): Record<string, TierPolicy> {
  const copy = (p: ProtectionProfile): ProtectionProfile => structuredClone(p);
  return {
    mission_critical: {
      name: 'mission_critical',
      description: 'Core business logic, customer-facing applications, financial/payment systems, security infrastructure',
      // Ranks 40/30/20/10, not 4/3/2/1: room to add a tier between two built-in ones
      // without renumbering (seed silent).
      rank: 40,
      // §4.1 target_branches: ["main", "release/*", "hotfix/*"], with the default
      // branch however it is named.
      branches: [
        { pattern: DEFAULT_BRANCH_TARGET, protection: copy(missionCriticalProtection) },
        { pattern: 'release/*', protection: copy(missionCriticalProtection) },
        { pattern: 'hotfix/*', protection: copy(missionCriticalProtection) },
      ],
      merge: { ...criticalMerge },
      checks: [...SEED_QMS_CHECKS],
      // §4.1 bypass_controls: level 1 disabled; levels 2, 3 and emergency enabled.
      bypassLevels: ['level_2_architect', 'level_3_qms_coordinator', 'emergency_commander'],
      // No `toleratedBypass`: no standing GitHub bypass, not even for the emergency roles
      // or org admins in pull_request mode. The seed's emergency bypass (§2.5.1) is a
      // procedure (approvers, signatures, a time limit, a post-incident review); a
      // standing bypass skips all of it. A policy file may tolerate one explicitly.
      // (docs/effective-protection.md "Tolerated bypasses")
    },
    business_critical: {
      name: 'business_critical',
      description: 'Internal tools with business impact, integration systems, reporting and analytics, customer support systems',
      rank: 30,
      // Seed silent: release branches ship to customers like the default branch;
      // hotfix branches stay a mission-critical extra.
      branches: [
        { pattern: DEFAULT_BRANCH_TARGET, protection: copy(businessCriticalProtection) },
        { pattern: 'release/*', protection: copy(businessCriticalProtection) },
      ],
      merge: { ...criticalMerge },
      checks: [...SEED_QMS_CHECKS],
      // §3.4.1 "Level 3 emergency bypass activation" on top of levels 1–2 (§3.3.1).
      bypassLevels: ['level_1_lead', 'level_2_architect', 'level_3_qms_coordinator'],
    },
    standard: {
      name: 'standard',
      description: 'Feature development, documentation systems, configuration repositories, testing frameworks',
      rank: 20,
      branches: [{ pattern: DEFAULT_BRANCH_TARGET, protection: copy(standardProtection) }],
      // Seed silent: merge methods are the team's choice below business-critical.
      merge: {},
      checks: ['qms/dor-validation', 'qms/security-scan-critical', 'qms/code-quality-gate'],
      // §3.3.1 standard tier rollout: "Levels 1-2 emergency bypass".
      bypassLevels: ['level_1_lead', 'level_2_architect'],
    },
    experimental: {
      name: 'experimental',
      description: 'Research and development, proofs of concept, training repositories, sandbox environments',
      rank: 10,
      branches: [{ pattern: DEFAULT_BRANCH_TARGET, protection: copy(experimentalProtection) }],
      merge: {},
      checks: [],
      // §3.2.2 pilot (experimental tier): "Level 1 emergency bypass only".
      bypassLevels: ['level_1_lead'],
    },
  };
}

function bypassLevels(): Record<string, BypassLevelPolicy> {
  return {
    level_1_lead: {
      name: 'level_1_lead',
      roles: ['devops-lead', 'team-lead', 'senior-developer'],
      incidentSeverities: ['low', 'medium'],
      businessImpacts: [],
      signaturesRequired: 1,
      documentationLevel: 'basic',
      // Seed silent on how long a bypass lasts. Level 1 is a business-hours fix
      // for a low/medium incident: one working half-day.
      maxDurationHours: 4,
      notifications: [],
      businessHoursOnly: true,
      approvalTimeLimitMinutes: 120,
    },
    level_2_architect: {
      name: 'level_2_architect',
      roles: ['technical-architect', 'principal-engineer'],
      incidentSeverities: ['medium', 'high'],
      businessImpacts: ['moderate', 'significant'],
      signaturesRequired: 1,
      documentationLevel: 'detailed',
      // Seed silent: long enough for a fix across a shift change.
      maxDurationHours: 8,
      notifications: ['stakeholders'],
      approvalTimeLimitMinutes: 60,
    },
    level_3_qms_coordinator: {
      name: 'level_3_qms_coordinator',
      roles: ['qms-quality-coordinator', 'qms-compliance-coordinator'],
      incidentSeverities: ['high', 'critical'],
      businessImpacts: [],
      signaturesRequired: 2,
      documentationLevel: 'comprehensive',
      // Seed silent: two signatures and comprehensive documentation buy a full day.
      maxDurationHours: 24,
      notifications: ['stakeholders', 'executives'],
      complianceRisks: ['medium', 'high'],
      regulatoryImpact: true,
    },
    emergency_commander: {
      name: 'emergency_commander',
      roles: ['roo-commander', 'cto', 'engineering-director'],
      incidentSeverities: ['critical'],
      businessImpacts: ['critical'],
      signaturesRequired: 1,
      documentationLevel: 'incident_report',
      // Seed silent: one signature for "immediate action required", so the window
      // is short and the post-incident review follows.
      maxDurationHours: 4,
      notifications: ['stakeholders_immediately'],
      immediateActionRequired: true,
      postIncidentReview: true,
    },
  };
}

/**
 * Everyone who can approve a bypass or be assigned as a specialist, by the
 * seed's role names (§2.4.1, §2.5.1). Empty on purpose: qms cannot know who
 * holds them, and binding a role to a same-named team by default would let
 * anyone who may create teams in the organisation grant themselves bypass
 * approval. Until a policy file fills them in, bypasses cannot be approved.
 */
function roles(): Record<string, RoleBinding> {
  const names = [
    // Bypass approvers (§2.5.1).
    'devops-lead',
    'team-lead',
    'senior-developer',
    'technical-architect',
    'principal-engineer',
    'qms-quality-coordinator',
    'qms-compliance-coordinator',
    'roo-commander',
    'cto',
    'engineering-director',
    // Review specialists (§2.4.1 expertise_mapping).
    'security-specialist',
    'qms-security-scanner',
    'architect',
    'database-specialist',
    'qms-dod-validator',
    'devops-specialist',
    'infrastructure-architect',
  ];
  return Object.fromEntries(names.map((n) => [n, { users: [], teams: [] }]));
}

/** The built-in policy (a fresh copy on every call). */
export function defaultPolicy(): QmsPolicy {
  return {
    version: 1,
    // Seed silent: an unclassified repository gets the standard tier, not none, so
    // "no evidence" never means "no protection".
    defaultTier: 'standard',
    tiers: tiers(),
    // §2.1.1 names kinds of repositories, not names; these rules turn the criteria
    // into name globs (seed silent on how to recognise them). The `qms_tier` property
    // comes before them; a repo config or `qms-tier-*` topic may raise the tier they
    // give, never lower it (src/core/classify.ts).
    classification: [
      {
        tier: 'mission_critical',
        description: 'financial/payment systems (seed §2.1.1)',
        match: { names: ['*payment*', '*billing*', '*ledger*'] },
      },
      {
        tier: 'mission_critical',
        description: 'security infrastructure (seed §2.1.1)',
        match: { names: ['*security*', 'auth-*', '*-auth', 'iam-*', '*-iam'] },
      },
      {
        tier: 'mission_critical',
        description: 'customer-facing applications (seed §2.1.1)',
        match: { topics: ['customer-facing'] },
      },
      {
        tier: 'business_critical',
        description: 'integration systems, reporting and analytics, customer support (seed §2.1.1)',
        match: { names: ['*integration*', '*reporting*', '*analytics*', '*support*'] },
      },
      {
        tier: 'experimental',
        description: 'research, proofs of concept, training and sandboxes (seed §2.1.1)',
        match: { names: ['*sandbox*', '*poc*', '*prototype*', '*experiment*', '*training*', 'research-*'] },
      },
      {
        tier: 'standard',
        description: 'documentation, configuration and testing frameworks (seed §2.1.1)',
        match: { names: ['*doc*', '*config*', '*test*'] },
      },
    ],
    // §3.2.1.
    pilotRepositories: ['qms-testing-sandbox', 'documentation-system'],
    pilots: [
      { name: 'qms-testing-sandbox', tier: 'experimental', team: 'qms-team', expectedPrVolume: '5-10/week' },
      { name: 'documentation-system', tier: 'standard', team: 'technical-writing', expectedPrVolume: '3-5/week' },
    ],
    roles: roles(),
    bypassLevels: bypassLevels(),
    reviewAssignment: {
      // §2.4.1 weights.
      weights: { expertiseMatch: 0.4, workloadBalance: 0.3, availability: 0.2, contextPreservation: 0.1 },
      // §2.4.1 expertise_mapping. The seed names the kinds of change, not how to
      // recognise them; the path globs are ours (seed silent).
      expertise: {
        security_changes: {
          paths: ['**/auth/**', '**/security/**', '**/*crypto*', '**/*.pem', '**/permissions/**', 'SECURITY.md'],
          primary: ['security-specialist', 'senior-developer'],
          secondary: ['qms-security-scanner', 'architect'],
        },
        database_changes: {
          paths: ['**/migrations/**', '**/*.sql', '**/db/**', '**/schema/**'],
          primary: ['database-specialist', 'senior-developer'],
          secondary: ['qms-dod-validator', 'architect'],
        },
        infrastructure_changes: {
          paths: ['.github/workflows/**', '**/Dockerfile', '**/*.tf', '**/k8s/**', '**/helm/**', '**/terraform/**'],
          primary: ['devops-specialist', 'infrastructure-architect'],
          secondary: ['security-specialist', 'senior-developer'],
        },
      },
      maxConcurrentReviews: 5,
      priorityWeighting: true,
      reviewComplexityScoring: true,
      availability: { calendarSystem: 'google_calendar', timezoneAwareness: true, workingHoursRespect: true },
    },
    global: {
      compliance: {
        auditRetentionDays: SEED_AUDIT_RETENTION_DAYS,
        regulatoryFrameworks: ['SOX', 'PCI-DSS', 'GDPR'],
        requiredDocumentation: ['change_justification', 'risk_assessment'],
      },
      securityBaselines: {
        mandatoryChecks: ['security-scan-critical', 'dependency-audit'],
        vulnerabilityThresholds: { critical: 0, high: 0, medium: 5, low: 20 },
      },
      performanceStandards: {
        maxCheckDurationMinutes: 10,
        maxReviewAssignmentSeconds: 30,
        availabilityTarget: 99.9,
      },
    },
  };
}
