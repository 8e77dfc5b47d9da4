/**
 * The GitHub gateway: everything qms asks of GitHub, in qms terms.
 *
 * One implementation (`OctokitGateway`, src/github/octokit-gateway.ts) talks to
 * the real API (or the simulator over HTTP). Core tests use small in-memory fakes
 * of this interface. Only src/github imports @octokit/* or knows GitHub's JSON.
 *
 * Conventions:
 * - Methods throw the typed errors of src/core/errors.ts (AuthError, NotFoundError,
 *   PermissionError, PlanUnavailableError, ValidationFailedError, RateLimitError,
 *   GitHubError), never Octokit's RequestError.
 * - Writes are built from the model, never copied from a GET (GITHUB-API.md pitfall 1).
 * - Every method that returns data read from GitHub also returns `raw` where a
 *   snapshot needs the exact JSON.
 */
import type { BranchProtection, MergeSettings } from '../core/protection.js';
import type {
  AppInstallationsRead,
  AppliedRule,
  BranchInfo,
  ClassicProtectionRead,
  CodeOwnersRead,
  CustomPropertyValue,
  ProtectionRule,
  RateLimitStatus,
  RepoFile,
  RepoInfo,
  RepoRef,
  Ruleset,
  Viewer,
} from '../core/github-types.js';
import type { BatchRead } from './batch-read.js';
import type { EnsuredMergeSettings, EnsuredProtection, EnsuredRule, EnsureOutcome } from './ensure.js';

export type { EnsuredMergeSettings, EnsuredProtection, EnsuredRule, EnsureOutcome } from './ensure.js';

export interface PullRequest {
  number: number;
  title: string;
  body: string;
  author: string;
  state: 'open' | 'closed';
  draft: boolean;
  merged: boolean;
  baseRef: string;
  headRef: string;
  headSha: string;
  createdAt: string;
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
}

export interface PullRequestFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  changes: number;
}

export interface PullRequestCommit {
  sha: string;
  message: string;
  author: string | null;
  verified: boolean;
}

export interface PullRequestReview {
  id: number;
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  submittedAt: string | null;
}

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

export interface CommitStatus {
  context: string;
  state: CommitState;
  description: string | null;
  targetUrl: string | null;
  createdAt: string;
  creator: string | null;
}

export interface Team {
  id: number;
  slug: string;
  name: string;
}

/** Written with the result of the write, as GitHub returned it after the write. */
export interface ProtectionWriteResult {
  protection: BranchProtection;
  raw: unknown;
}

export interface RepoRulesetsOptions {
  includeParents?: boolean;
  /**
   * A listed ruleset GitHub refuses to show (404/403 on its GET): reported here and left
   * out of the result instead of failing the whole list.
   */
  onUnreadable?: (rulesetId: number, reason: string) => void;
}

export interface GitHubGateway {
  /** GET /user — the authenticated identity (the audit actor). */
  getViewer(): Promise<Viewer>;

  /** GET /rate_limit — does not count against the primary limit. */
  getRateLimit(): Promise<RateLimitStatus>;

  /** GET /orgs/{org}/repos, all pages (Link headers), 100 per page. */
  listOrgRepos(org: string): AsyncIterable<RepoInfo>;

  /** GET /repos/{owner}/{repo}. NotFoundError when missing or invisible. */
  getRepo(repo: RepoRef): Promise<RepoInfo>;

  /** GET /repos/{owner}/{repo}/branches, all pages. */
  listBranches(repo: RepoRef): AsyncIterable<BranchInfo>;

  /** GET /repos/{owner}/{repo}/branches/{branch}; null when the branch does not exist. */
  getBranch(repo: RepoRef, branch: string): Promise<BranchInfo | null>;

  /**
   * GET …/branches/{branch}/protection plus required_signatures, disambiguated
   * (GITHUB-API.md §1): "Branch not protected" → unprotected; "Not Found" with a
   * visible repo and no admin → unknown; plan 403 → not_applicable.
   */
  getBranchProtection(repo: RepoRef, branch: string): Promise<ClassicProtectionRead>;

  /**
   * PUT …/branches/{branch}/protection built from the model (the whole rule),
   * then required signatures via their own endpoint when they differ.
   * `ownerType` decides whether user/team lists may be sent (org repos only).
   */
  putBranchProtection(
    repo: RepoRef & { ownerType: RepoInfo['ownerType'] },
    branch: string,
    protection: BranchProtection,
  ): Promise<ProtectionWriteResult>;

  /**
   * DELETE …/branches/{branch}/protection: removes the rule named exactly like the
   * branch; resolves when there is none (any longer). A wildcard rule covering the
   * branch stays — GitHub answers success and changes nothing — so a pattern rule is
   * removed only through `deleteProtectionRule` (docs/github-api.md, "Wildcard rules over REST").
   */
  deleteBranchProtection(repo: RepoRef, branch: string): Promise<void>;

  /** GraphQL: the repository's classic branch protection rules (every pattern). */
  listProtectionRules(repo: RepoRef): Promise<ProtectionRule[]>;

  /** GraphQL createBranchProtectionRule. */
  createProtectionRule(repoNodeId: string, pattern: string, protection: BranchProtection): Promise<ProtectionRule>;

  /** GraphQL updateBranchProtectionRule (all fields of the model are sent). */
  updateProtectionRule(ruleId: string, pattern: string, protection: BranchProtection): Promise<ProtectionRule>;

  /** GraphQL deleteBranchProtectionRule. */
  deleteProtectionRule(ruleId: string): Promise<void>;

  /** GET /repos/{o}/{r}/rulesets (+ GET each id for its rules). includeParents adds org rulesets. */
  listRepoRulesets(repo: RepoRef, options?: RepoRulesetsOptions): Promise<Ruleset[]>;

  /** GET /orgs/{org}/rulesets (+ GET each id). */
  listOrgRulesets(org: string): Promise<Ruleset[]>;

  /** GET /repos/{o}/{r}/rules/branches/{branch}: every active rule that applies. */
  getRulesForBranch(repo: RepoRef, branch: string): Promise<AppliedRule[]>;

  /** GET /repos/{o}/{r}/contents/{path}; null when the file does not exist. */
  getFile(repo: RepoRef, path: string, ref?: string): Promise<RepoFile | null>;

  /** GET /repos/{o}/{r}/properties/values. */
  getCustomProperties(repo: RepoRef): Promise<Record<string, CustomPropertyValue>>;

  /** GET /orgs/{org}/properties/values, all pages. */
  listOrgCustomPropertyValues(org: string): AsyncIterable<{ repo: string; properties: Record<string, CustomPropertyValue> }>;

  /** PATCH /orgs/{org}/properties/values (≤30 repos per call; the gateway batches). */
  setCustomProperties(org: string, repoNames: string[], properties: Record<string, CustomPropertyValue>): Promise<void>;

  /** PATCH /repos/{o}/{r} with the merge settings; returns what GitHub now reports. */
  updateMergeSettings(repo: RepoRef, settings: MergeSettings): Promise<{ settings: MergeSettings; raw: unknown }>;

  // -- Idempotent writes: the change engine writes through these only (src/github/ensure.ts).

  /** Classic protection of `branch` made equal to `desired` (null: no exact-name rule). `current`: as just read. */
  ensureBranchProtection(
    repo: RepoRef & { ownerType: RepoInfo['ownerType'] },
    branch: string,
    desired: BranchProtection | null,
    current?: ClassicProtectionRead,
  ): Promise<EnsuredProtection>;
  /** The classic rule with exactly `pattern` made equal to `desired` (null deletes it). `current`: as just read (null: none). */
  ensureProtectionRule(
    repo: RepoRef & { nodeId: string },
    pattern: string,
    desired: BranchProtection | null,
    current?: ProtectionRule | null,
  ): Promise<EnsuredRule>;
  /** Merge settings made equal to `desired`. */
  ensureMergeSettings(repo: RepoRef, desired: MergeSettings, current?: MergeSettings | null): Promise<EnsuredMergeSettings>;
  /** Custom property values set on several repositories of `org` (batched by 30). */
  ensureCustomPropertyValues(
    org: string,
    repoNames: readonly string[],
    values: Record<string, CustomPropertyValue>,
  ): Promise<{ outcome: EnsureOutcome }>;

  /** GET /repos/{o}/{r}: the merge settings (null: not visible) with the repository JSON as returned. */
  readMergeSettings(repo: RepoRef): Promise<{ settings: MergeSettings | null; raw: unknown }>;
  /** GET /repos/{o}/{r}/properties/values: one property (null: unset) with its entry as returned (null: absent). */
  readCustomProperty(repo: RepoRef, name: string): Promise<{ value: CustomPropertyValue; raw: unknown }>;

  getPullRequest(repo: RepoRef, number: number): Promise<PullRequest>;
  listPullRequestFiles(repo: RepoRef, number: number): Promise<PullRequestFile[]>;
  listPullRequestCommits(repo: RepoRef, number: number): Promise<PullRequestCommit[]>;
  listPullRequestReviews(repo: RepoRef, number: number): Promise<PullRequestReview[]>;
  requestReviewers(repo: RepoRef, number: number, reviewers: { users: string[]; teams: string[] }): Promise<void>;

  /** POST /repos/{o}/{r}/statuses/{sha}. */
  createCommitStatus(
    repo: RepoRef,
    sha: string,
    status: { context: string; state: CommitState; description?: string; targetUrl?: string },
  ): Promise<CommitStatus>;
  listCommitStatuses(repo: RepoRef, ref: string): Promise<CommitStatus[]>;
  /** The latest status of one context on a commit, with its JSON as returned (null: none). */
  readCommitStatus(repo: RepoRef, sha: string, context: string): Promise<{ status: CommitStatus | null; raw: unknown }>;

  /** The CODEOWNERS file of the default branch (first of the three places) and GET …/codeowners/errors. */
  getCodeOwners(repo: RepoRef): Promise<CodeOwnersRead>;
  /** GET /orgs/{org}/installations (org owners only; `unknown` otherwise). */
  listOrgInstallations(org: string): Promise<AppInstallationsRead>;

  listTeams(org: string): Promise<Team[]>;
  listTeamMembers(org: string, teamSlug: string): Promise<string[]>;

  /**
   * Batched reads for org-wide runs (issue 5): pages of 100 repositories through
   * GraphQL, rule and ruleset details by node id, custom property pages. Each call
   * returns a fresh object that counts its own requests and GraphQL points.
   */
  batchRead(): BatchRead;
}
