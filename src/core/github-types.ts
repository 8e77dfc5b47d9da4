/**
 * Domain types for what qms reads from and writes to a code host, in qms terms.
 * src/github maps GitHub's JSON to these; nothing outside src/github sees GitHub JSON
 * except as an opaque `raw` value stored verbatim in snapshots.
 */
import type { BranchProtection, MergeSettings } from './protection.js';

export type Visibility = 'public' | 'private' | 'internal';
/** Highest permission the authenticated identity has on a repository. */
export type RepoPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read';
export type CustomPropertyValue = string | string[] | null;

export interface Viewer {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export interface RepoRef {
  owner: string;
  name: string;
}

export interface RepoInfo extends RepoRef {
  id: number;
  /** GraphQL node id (needed for branch protection rule mutations). */
  nodeId: string;
  ownerType: 'Organization' | 'User';
  fullName: string;
  visibility: Visibility;
  archived: boolean;
  disabled: boolean;
  fork: boolean;
  /** No commits yet (no default branch ref). */
  empty: boolean;
  defaultBranch: string;
  topics: string[];
  language: string | null;
  /** Custom property values, when the listing carried them (org repos); {} otherwise. */
  customProperties: Record<string, CustomPropertyValue>;
  /** null when the response did not say (e.g. anonymous). */
  viewerPermission: RepoPermission | null;
  /** null when GitHub did not return merge settings (needs push access). */
  merge: MergeSettings | null;
}

export interface BranchInfo {
  name: string;
  /** Head commit sha. */
  sha: string;
  /** "Protected by branch protections or rulesets" — visible without admin. */
  protected: boolean;
}

/**
 * Result of reading classic protection for one branch. `unknown` and
 * `not_applicable` are never the same as `unprotected` (GITHUB-API.md pitfalls 3, 5, 9).
 */
export type ClassicProtectionRead =
  | { kind: 'protected'; protection: BranchProtection; raw: unknown }
  | { kind: 'unprotected' }
  | { kind: 'unknown'; reason: string }
  | { kind: 'not_applicable'; reason: string };

/** A classic branch protection rule with its pattern (GraphQL BranchProtectionRule). */
export interface ProtectionRule {
  /** GraphQL node id. */
  id: string;
  pattern: string;
  protection: BranchProtection;
  /** Names of existing branches the rule matches, when read. */
  matchingBranches?: string[];
  /** The exact object GitHub returned, for snapshots. */
  raw: unknown;
}

export type RulesetEnforcement = 'active' | 'disabled' | 'evaluate';
export type RulesetTarget = 'branch' | 'tag' | 'push' | 'repository';
export type RulesetSourceType = 'Repository' | 'Organization';

export interface RefCondition {
  include: string[];
  exclude: string[];
}

/** A rule in a ruleset, in qms terms. Unknown rule types are kept as `other`. */
export type RulesetRule =
  | {
      type: 'pull_request';
      requiredApprovingReviewCount: number;
      dismissStaleReviewsOnPush: boolean;
      requireCodeOwnerReview: boolean;
      requireLastPushApproval: boolean;
      requiredReviewThreadResolution: boolean;
    }
  | { type: 'required_status_checks'; strict: boolean; checks: { context: string; integrationId: number | null }[] }
  | { type: 'required_linear_history' }
  | { type: 'non_fast_forward' }
  | { type: 'deletion' }
  | { type: 'required_signatures' }
  | { type: 'creation' }
  | { type: 'update' }
  | { type: 'other'; name: string };

export interface RepositoryPropertyCondition {
  name: string;
  propertyValues: string[];
  source: 'custom' | 'system';
}

export interface Ruleset {
  id: number;
  name: string;
  target: RulesetTarget;
  enforcement: RulesetEnforcement;
  source: { type: RulesetSourceType; name: string };
  refName: RefCondition | null;
  /** Org rulesets: which repositories the ruleset targets (exactly one kind is set). */
  repositoryName?: { include: string[]; exclude: string[]; protected: boolean };
  repositoryIds?: number[];
  repositoryProperty?: { include: RepositoryPropertyCondition[]; exclude: RepositoryPropertyCondition[] };
  rules: RulesetRule[];
  /** Only returned to identities with write access to the ruleset. */
  bypassActors: RulesetBypassActor[] | null;
  raw: unknown;
}

/**
 * Who may bypass a ruleset (REST `bypass_actors[]`). `actorType`: Integration,
 * OrganizationAdmin, RepositoryRole, Team, DeployKey, User (EnterpriseOwner from
 * GraphQL). `bypassMode`: always, pull_request or exempt. `name`: the team slug when
 * the reader could tell it (apps and users are named by id: REST names no login).
 */
export interface RulesetBypassActor {
  actorId: number | null;
  actorType: string;
  bypassMode: string;
  name?: string;
}

/**
 * The CODEOWNERS file GitHub uses for a branch (the first of `.github/CODEOWNERS`,
 * `CODEOWNERS`, `docs/CODEOWNERS`) and the lines GitHub could not use
 * (GET /repos/{o}/{r}/codeowners/errors). See docs/github-api.md "Code owners".
 */
export type CodeOwnersRead =
  { kind: 'absent' } | { kind: 'found'; path: string; text: string; errors: CodeOwnersError[] } | { kind: 'unknown'; reason: string };

export interface CodeOwnersError {
  line: number;
  kind: string;
  message: string;
}

/**
 * The GitHub Apps installed in an organization (GET /orgs/{org}/installations,
 * org owners only): which apps could post a check pinned to them.
 */
export type AppInstallationsRead =
  { kind: 'known'; apps: { appId: number; slug: string; allRepositories: boolean }[] } | { kind: 'unknown'; reason: string };

/** An active rule that applies to a branch, with where it comes from (GET /rules/branches/{b}). */
export type AppliedRule = RulesetRule & {
  source: { type: RulesetSourceType; name: string; rulesetId: number };
};

export interface RepoFile {
  path: string;
  /** Decoded UTF-8 text. */
  text: string;
  sha: string;
}

export interface RateLimitStatus {
  core: { limit: number; remaining: number; resetAt: number };
  graphql: { limit: number; remaining: number; resetAt: number };
}
