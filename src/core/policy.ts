/**
 * The QMS policy in qms terms (camelCase). src/config reads `qms.config.yml`
 * (snake_case, seed §2 and §4) and `.qms/branch-protection.yml` (seed §4.1),
 * validates them against schemas/ and maps them to these types.
 */
import type { ActorLists, MergeSettings } from './protection.js';
import type { Visibility } from './github-types.js';

/** The seed's four tiers, strictest first. Policies may rename or add tiers. */
export const BUILTIN_TIERS = ['mission_critical', 'business_critical', 'standard', 'experimental'] as const;

/**
 * The floor a tier demands of a branch. A key that is present is a requirement
 * ("at least this strict"); an absent key means the tier does not care.
 */
export interface ProtectionProfile {
  requiredReviews?: {
    requiredApprovingReviewCount: number;
    requireCodeOwnerReviews?: boolean;
    dismissStaleReviews?: boolean;
    requireLastPushApproval?: boolean;
    /**
     * Set by the planner, never by a policy file: the classic pull request bypass
     * allowances the tier tolerates. Allowances beyond these are removed (removing a
     * bypass tightens). Absent: allowances are kept as they are.
     */
    bypassAllowances?: ActorLists;
  };
  requiredStatusChecks?: {
    /** Status contexts that must be required (e.g. `qms/dor-validation`). */
    contexts: string[];
    /** Require branches to be up to date before merging. */
    strict?: boolean;
  };
  enforceAdmins?: boolean;
  requireLinearHistory?: boolean;
  /** false: force pushes must be blocked. */
  allowForcePushes?: boolean;
  /** false: deletions must be blocked. */
  allowDeletions?: boolean;
  requireConversationResolution?: boolean;
  requireSignedCommits?: boolean;
}

/** One target branch of a tier: the default branch, a name, or a glob such as `release/*`. */
export interface BranchTarget {
  /** `~DEFAULT_BRANCH`, an exact branch name, or an fnmatch pattern (`release/*`). */
  pattern: string;
  protection: ProtectionProfile;
}

export interface TierPolicy {
  name: string;
  description: string;
  /** Strictness order: higher is stricter. Used for "most restrictive" and phases. */
  rank: number;
  branches: BranchTarget[];
  /** Exact merge settings the tier wants; keys absent are not enforced. */
  merge: Partial<MergeSettings>;
  /** `qms/*` quality gates enabled for this tier. */
  checks: string[];
  /** Names of bypass levels usable in this tier. */
  bypassLevels: string[];
  /**
   * Standing GitHub bypasses the tier accepts (ruleset bypass actors, classic pull
   * request bypass allowances). Absent or empty: none beyond what the floor names
   * (administrators are tolerated on a branch whose floor does not ask for
   * `enforceAdmins`). See docs/effective-protection.md "Tolerated bypasses".
   */
  toleratedBypass?: BypassTolerance[];
}

/**
 * One standing bypass a tier accepts: who (exactly one actor key) and how.
 * `mode: pull_request` accepts only merging pull requests without the requirements
 * (a ruleset bypass actor in `pull_request` mode); `always` (the default) accepts
 * every kind of bypass: ruleset `always`/`exempt`, a classic pull request bypass
 * allowance, and classic rules that exempt administrators.
 */
export interface BypassTolerance {
  actor: ToleratedActor;
  mode: 'always' | 'pull_request';
}

export type ToleratedActor =
  | { kind: 'orgAdmin' }
  /** A repository role: `write`, `maintain`, `admin`, or a custom role's id. */
  | { kind: 'role'; role: 'write' | 'maintain' | 'admin' | number }
  /** A team by slug, or by id (as rulesets name it). */
  | { kind: 'team'; team: string | number }
  /** A user by login (classic allowances), or by id (rulesets). */
  | { kind: 'user'; user: string | number }
  /** A GitHub App by slug (classic allowances), or by id (rulesets). */
  | { kind: 'app'; app: string | number }
  | { kind: 'deployKey' }
  /** Every user and team bound to this policy role (`roles`), e.g. the emergency commander's roles. */
  | { kind: 'qmsRole'; role: string };

export interface ClassificationRule {
  tier: string;
  /** Why, in words (shown as the classification reason). */
  description?: string;
  match: {
    /** Repository name globs (picomatch). */
    names?: string[];
    /** All of these topics present. */
    topics?: string[];
    visibility?: Visibility[];
    languages?: string[];
  };
}

export interface BypassLevelPolicy {
  name: string;
  /** Role names (see `roles`) whose holders may approve. */
  roles: string[];
  /** `low` | `medium` | `high` | `critical`. */
  incidentSeverities: string[];
  /** `low` | `moderate` | `significant` | `critical`; empty: any. */
  businessImpacts: string[];
  signaturesRequired: number;
  /** `basic` | `detailed` | `comprehensive` | `incident_report`. */
  documentationLevel: string;
  /** How long an approved bypass stays active. */
  maxDurationHours: number;
  /** `stakeholders` | `executives` | `stakeholders_immediately`. */
  notifications: string[];
  // The remaining seed §2.5.1 conditions; optional so hand-built policies stay short.
  /** Only during business hours (`business_hours: true`). */
  businessHoursOnly?: boolean;
  /** Approval expected within this many minutes (`approval_time: "< 1 hour"`). */
  approvalTimeLimitMinutes?: number;
  /** `compliance_risk` values this level answers (`low` | `medium` | `high`). */
  complianceRisks?: string[];
  regulatoryImpact?: boolean;
  immediateActionRequired?: boolean;
  postIncidentReview?: boolean;
}

/** A pilot repository as seed §3.2.1 lists it. */
export interface PilotRepository {
  /** Repository name (or `owner/name`). */
  name: string;
  /** The tier the pilot runs it in, if the policy says. */
  tier?: string;
  team?: string;
  expectedPrVolume?: string;
}

/** Who holds a role: GitHub users and teams. */
export interface RoleBinding {
  users: string[];
  teams: string[];
}

export interface ReviewAssignmentPolicy {
  /** Sum to 1 (checked when the policy loads). */
  weights: { expertiseMatch: number; workloadBalance: number; availability: number; contextPreservation: number };
  /** Kind of change -> file globs that recognise it and the roles (see `roles`) that review it. */
  expertise: Record<string, { paths: string[]; primary: string[]; secondary: string[] }>;
  maxConcurrentReviews: number;
  // Seed §2.4.1 workload_tracking / availability_integration; optional extras.
  priorityWeighting?: boolean;
  reviewComplexityScoring?: boolean;
  availability?: { calendarSystem: string; timezoneAwareness: boolean; workingHoursRespect: boolean };
}

export interface GlobalPolicies {
  compliance: {
    auditRetentionDays: number;
    regulatoryFrameworks: string[];
    requiredDocumentation: string[];
  };
  securityBaselines: {
    mandatoryChecks: string[];
    vulnerabilityThresholds: { critical: number; high: number; medium: number; low: number };
  };
  performanceStandards: {
    maxCheckDurationMinutes: number;
    maxReviewAssignmentSeconds: number;
    /** Percent, e.g. 99.9 for `"99.9%"`. */
    availabilityTarget: number;
  };
}

export interface QmsPolicy {
  version: 1;
  /** Tier for repositories no evidence classifies. */
  defaultTier: string;
  tiers: Record<string, TierPolicy>;
  classification: ClassificationRule[];
  /** Repositories of the pilot phase (seed §3.2): their names. */
  pilotRepositories: string[];
  /** The same repositories with the seed §3.2.1 details (same order as `pilotRepositories`). */
  pilots?: PilotRepository[];
  roles: Record<string, RoleBinding>;
  bypassLevels: Record<string, BypassLevelPolicy>;
  reviewAssignment: ReviewAssignmentPolicy;
  global: GlobalPolicies;
}

/** `.qms/branch-protection.yml` (seed §4.1), mapped. Every key optional except the tier. */
export interface RepoConfig {
  repository: { name?: string; tier: string };
  branchProtection?: { targetBranches?: string[] };
  statusChecks?: {
    enabledChecks?: string[];
    bypassControls?: { level1Enabled?: boolean; level2Enabled?: boolean; level3Enabled?: boolean; emergencyEnabled?: boolean };
  };
  reviewRequirements?: { requiredReviewers?: number; requireCodeOwnerReviews?: boolean; specialtyAssignment?: boolean };
  mergeRestrictions?: {
    requireUpToDate?: boolean;
    requireLinearHistory?: boolean;
    allowSquashMerge?: boolean;
    allowMergeCommit?: boolean;
    allowRebaseMerge?: boolean;
  };
  emergencyContacts?: { primary?: string; escalation?: string[]; executive?: string };
}
