/**
 * The GitHubGateway implementation: a thin facade that hands each call to the
 * module for its resource. All Octokit details live in octokit-client.ts.
 */
import * as codeOwners from './code-owners.js';
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
import type {
  CommitState,
  CommitStatus,
  GitHubGateway,
  ProtectionWriteResult,
  PullRequest,
  PullRequestCommit,
  PullRequestFile,
  PullRequestReview,
  RepoRulesetsOptions,
  Team,
} from './gateway.js';
import { createBatchRead, type BatchRead } from './batch-read.js';
import { GitHubClient, type ClientOptions } from './octokit-client.js';
import * as ensure from './ensure.js';
import type { EnsuredMergeSettings, EnsuredProtection, EnsuredRule, EnsureOutcome } from './ensure.js';
import * as protection from './protection.js';
import * as pulls from './pulls.js';
import * as repos from './repos.js';
import * as rules from './rules-graphql.js';
import * as rulesets from './rulesets.js';

export class OctokitGateway implements GitHubGateway {
  /** Exposed for tests and diagnostics; callers use the methods. */
  readonly client: GitHubClient;

  constructor(options: ClientOptions) {
    this.client = new GitHubClient(options);
  }

  getViewer(): Promise<Viewer> {
    return repos.getViewer(this.client);
  }
  getRateLimit(): Promise<RateLimitStatus> {
    return repos.getRateLimit(this.client);
  }
  listOrgRepos(org: string): AsyncIterable<RepoInfo> {
    return repos.listOrgRepos(this.client, org);
  }
  getRepo(repo: RepoRef): Promise<RepoInfo> {
    return repos.getRepo(this.client, repo);
  }
  listBranches(repo: RepoRef): AsyncIterable<BranchInfo> {
    return repos.listBranches(this.client, repo);
  }
  getBranch(repo: RepoRef, branch: string): Promise<BranchInfo | null> {
    return repos.getBranch(this.client, repo, branch);
  }

  getBranchProtection(repo: RepoRef, branch: string): Promise<ClassicProtectionRead> {
    return protection.getBranchProtection(this.client, repo, branch);
  }
  putBranchProtection(
    repo: RepoRef & { ownerType: RepoInfo['ownerType'] },
    branch: string,
    desired: BranchProtection,
  ): Promise<ProtectionWriteResult> {
    return protection.putBranchProtection(this.client, repo, branch, desired);
  }
  deleteBranchProtection(repo: RepoRef, branch: string): Promise<void> {
    return protection.deleteBranchProtection(this.client, repo, branch);
  }

  listProtectionRules(repo: RepoRef): Promise<ProtectionRule[]> {
    return rules.listProtectionRules(this.client, repo);
  }
  createProtectionRule(repoNodeId: string, pattern: string, desired: BranchProtection): Promise<ProtectionRule> {
    return rules.createProtectionRule(this.client, repoNodeId, pattern, desired);
  }
  updateProtectionRule(ruleId: string, pattern: string, desired: BranchProtection): Promise<ProtectionRule> {
    return rules.updateProtectionRule(this.client, ruleId, pattern, desired);
  }
  deleteProtectionRule(ruleId: string): Promise<void> {
    return rules.deleteProtectionRule(this.client, ruleId);
  }

  listRepoRulesets(repo: RepoRef, options?: RepoRulesetsOptions): Promise<Ruleset[]> {
    return rulesets.listRepoRulesets(this.client, repo, options);
  }
  listOrgRulesets(org: string): Promise<Ruleset[]> {
    return rulesets.listOrgRulesets(this.client, org);
  }
  getRulesForBranch(repo: RepoRef, branch: string): Promise<AppliedRule[]> {
    return rulesets.getRulesForBranch(this.client, repo, branch);
  }

  getFile(repo: RepoRef, path: string, ref?: string): Promise<RepoFile | null> {
    return repos.getFile(this.client, repo, path, ref);
  }
  getCustomProperties(repo: RepoRef): Promise<Record<string, CustomPropertyValue>> {
    return repos.getCustomProperties(this.client, repo);
  }
  listOrgCustomPropertyValues(org: string): AsyncIterable<{ repo: string; properties: Record<string, CustomPropertyValue> }> {
    return repos.listOrgCustomPropertyValues(this.client, org);
  }
  setCustomProperties(org: string, repoNames: string[], properties: Record<string, CustomPropertyValue>): Promise<void> {
    return repos.setCustomProperties(this.client, org, repoNames, properties);
  }
  updateMergeSettings(repo: RepoRef, settings: MergeSettings): Promise<{ settings: MergeSettings; raw: unknown }> {
    return repos.updateMergeSettings(this.client, repo, settings);
  }

  ensureBranchProtection(
    repo: RepoRef & { ownerType: RepoInfo['ownerType'] },
    branch: string,
    desired: BranchProtection | null,
    current?: ClassicProtectionRead,
  ): Promise<EnsuredProtection> {
    return ensure.ensureBranchProtection(this.client, repo, branch, desired, current);
  }
  ensureProtectionRule(
    repo: RepoRef & { nodeId: string },
    pattern: string,
    desired: BranchProtection | null,
    current?: ProtectionRule | null,
  ): Promise<EnsuredRule> {
    return ensure.ensureProtectionRule(this.client, repo, pattern, desired, current);
  }
  ensureMergeSettings(repo: RepoRef, desired: MergeSettings, current?: MergeSettings | null): Promise<EnsuredMergeSettings> {
    return ensure.ensureMergeSettings(this.client, repo, desired, current);
  }
  ensureCustomPropertyValues(
    org: string,
    repoNames: readonly string[],
    values: Record<string, CustomPropertyValue>,
  ): Promise<{ outcome: EnsureOutcome }> {
    return ensure.ensureCustomPropertyValues(this.client, org, repoNames, values);
  }
  readMergeSettings(repo: RepoRef): Promise<{ settings: MergeSettings | null; raw: unknown }> {
    return repos.readMergeSettings(this.client, repo);
  }
  readCustomProperty(repo: RepoRef, name: string): Promise<{ value: CustomPropertyValue; raw: unknown }> {
    return repos.readCustomProperty(this.client, repo, name);
  }

  getPullRequest(repo: RepoRef, number: number): Promise<PullRequest> {
    return pulls.getPullRequest(this.client, repo, number);
  }
  listPullRequestFiles(repo: RepoRef, number: number): Promise<PullRequestFile[]> {
    return pulls.listPullRequestFiles(this.client, repo, number);
  }
  listPullRequestCommits(repo: RepoRef, number: number): Promise<PullRequestCommit[]> {
    return pulls.listPullRequestCommits(this.client, repo, number);
  }
  listPullRequestReviews(repo: RepoRef, number: number): Promise<PullRequestReview[]> {
    return pulls.listPullRequestReviews(this.client, repo, number);
  }
  requestReviewers(repo: RepoRef, number: number, reviewers: { users: string[]; teams: string[] }): Promise<void> {
    return pulls.requestReviewers(this.client, repo, number, reviewers);
  }
  createCommitStatus(
    repo: RepoRef,
    sha: string,
    status: { context: string; state: CommitState; description?: string; targetUrl?: string },
  ): Promise<CommitStatus> {
    return pulls.createCommitStatus(this.client, repo, sha, status);
  }
  readCommitStatus(repo: RepoRef, sha: string, context: string): Promise<{ status: CommitStatus | null; raw: unknown }> {
    return pulls.readCommitStatus(this.client, repo, sha, context);
  }
  listCommitStatuses(repo: RepoRef, ref: string): Promise<CommitStatus[]> {
    return pulls.listCommitStatuses(this.client, repo, ref);
  }

  getCodeOwners(repo: RepoRef): Promise<CodeOwnersRead> {
    return codeOwners.getCodeOwners(this.client, repo);
  }
  listOrgInstallations(org: string): Promise<AppInstallationsRead> {
    return codeOwners.listOrgInstallations(this.client, org);
  }
  listTeams(org: string): Promise<Team[]> {
    return repos.listTeams(this.client, org);
  }
  listTeamMembers(org: string, teamSlug: string): Promise<string[]> {
    return repos.listTeamMembers(this.client, org, teamSlug);
  }

  batchRead(): BatchRead {
    return createBatchRead(this.client);
  }
}
