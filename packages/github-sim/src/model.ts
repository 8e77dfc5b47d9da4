/**
 * The GitHub simulator's state: plain JSON-serialisable data, persisted to a
 * file so successive `qms --sandbox` commands see each other's changes.
 *
 * Actor references inside rules are stored by database id (users, teams,
 * apps) so REST GETs can return full objects and GraphQL can return nodes,
 * exactly as GitHub does, while PUT bodies name logins/slugs.
 */

export type SimPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read';
export type SimPlan = 'free' | 'team' | 'enterprise';

export interface SimUser {
  id: number;
  nodeId: string;
  login: string;
  name: string;
  type: 'User' | 'Bot';
  /** The sandbox token that authenticates as this user (never a real credential). */
  token: string;
  /** What this person is for in the fixture (shown by `qms sandbox status`, README). */
  persona: string;
  /** QMS roles the fixture gives them (e.g. `devops-lead`). */
  roles: string[];
}

export interface SimTeam {
  id: number;
  nodeId: string;
  slug: string;
  name: string;
  /** login -> role */
  members: Record<string, 'member' | 'maintainer'>;
}

export interface SimApp {
  id: number;
  nodeId: string;
  slug: string;
  name: string;
}

export interface SimPropertyDefinition {
  property_name: string;
  value_type: 'string' | 'single_select' | 'multi_select' | 'true_false';
  required: boolean;
  default_value: string | string[] | null;
  description: string | null;
  allowed_values: string[] | null;
  values_editable_by: 'org_actors' | 'org_and_repo_actors' | null;
}

/** Actor ids in a restriction or allowance list. */
export interface SimActorIds {
  users: number[];
  teams: number[];
  apps: number[];
}

/**
 * A classic branch protection rule. REST `…/branches/{b}/protection` reads and
 * writes the rule whose pattern is exactly `b`; GraphQL sees every rule.
 */
export interface SimProtectionRule {
  id: number;
  nodeId: string;
  pattern: string;
  createdAt: string;
  requiredReviews: null | {
    count: number;
    dismissStale: boolean;
    codeOwners: boolean;
    lastPushApproval: boolean;
    /** null: not restricted. */
    dismissalRestrictions: SimActorIds | null;
    /** null: no bypass allowances. */
    bypassAllowances: SimActorIds | null;
  };
  requiredStatusChecks: null | {
    strict: boolean;
    /** appId null: any source. */
    checks: { context: string; appId: number | null }[];
  };
  enforceAdmins: boolean;
  requiredSignatures: boolean;
  linearHistory: boolean;
  allowForcePushes: boolean;
  allowDeletions: boolean;
  blockCreations: boolean;
  conversationResolution: boolean;
  lockBranch: boolean;
  allowForkSyncing: boolean;
  /** null: anyone with write access may push. */
  restrictions: SimActorIds | null;
}

/** A ruleset, stored in GitHub's REST shape (it round-trips through REST bodies). */
export interface SimRuleset {
  id: number;
  node_id: string;
  name: string;
  target: 'branch' | 'tag' | 'push' | 'repository';
  source_type: 'Repository' | 'Organization';
  /** owner/repo or org login */
  source: string;
  enforcement: 'disabled' | 'active' | 'evaluate';
  bypass_actors: { actor_id: number | null; actor_type: string; bypass_mode: string }[];
  conditions: Record<string, unknown> | null;
  rules: { type: string; parameters?: Record<string, unknown> }[];
  created_at: string;
  updated_at: string;
}

export interface SimStatus {
  id: number;
  nodeId: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  creatorId: number;
  /**
   * The GitHub App the status came from (a status posted with an app's installation
   * token); absent/null: a person's token. A required check pinned to an app is
   * satisfied only by statuses from that app.
   */
  appId?: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface SimReview {
  id: number;
  nodeId: string;
  userId: number;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  body: string;
  submittedAt: string;
  commitId: string;
}

export interface SimPull {
  id: number;
  nodeId: string;
  number: number;
  title: string;
  body: string;
  userId: number;
  state: 'open' | 'closed';
  draft: boolean;
  merged: boolean;
  base: string;
  head: string;
  headSha: string;
  /** The base branch head the pull request is up to date with (strict checks); absent: up to date. */
  baseSha?: string;
  createdAt: string;
  updatedAt: string;
  labels: string[];
  files: { filename: string; status: 'added' | 'removed' | 'modified' | 'renamed'; additions: number; deletions: number }[];
  commits: { sha: string; message: string; authorId: number | null; verified: boolean; date: string }[];
  reviews: SimReview[];
  requestedReviewerIds: number[];
  requestedTeamIds: number[];
}

export interface SimRepo {
  id: number;
  nodeId: string;
  /** Owner login (an org or a user). */
  owner: string;
  name: string;
  description: string | null;
  visibility: 'public' | 'private' | 'internal';
  archived: boolean;
  disabled: boolean;
  fork: boolean;
  language: string | null;
  topics: string[];
  defaultBranch: string;
  createdAt: string;
  updatedAt: string;
  pushedAt: string | null;
  allowSquashMerge: boolean;
  allowMergeCommit: boolean;
  allowRebaseMerge: boolean;
  deleteBranchOnMerge: boolean;
  customProperties: Record<string, string | string[] | null>;
  /** Branch name -> head sha. Empty for an empty repository. */
  branches: Record<string, string>;
  /** Files on the default branch: path -> UTF-8 content. */
  files: Record<string, string>;
  protectionRules: SimProtectionRule[];
  rulesets: SimRuleset[];
  /** Direct collaborators: login -> permission. */
  collaborators: Record<string, SimPermission>;
  /** Team slug -> permission. */
  teams: Record<string, SimPermission>;
  pulls: SimPull[];
  /** Commit sha -> statuses, newest last. */
  statuses: Record<string, SimStatus[]>;
}

export interface SimOrg {
  id: number;
  nodeId: string;
  login: string;
  name: string;
  plan: SimPlan;
  /** Base permission of org members on every repo ('none' = only explicit grants). */
  defaultRepositoryPermission: 'read' | 'write' | 'admin' | 'none';
  /** login -> org role */
  members: Record<string, 'admin' | 'member'>;
  teams: SimTeam[];
  rulesets: SimRuleset[];
  propertySchema: SimPropertyDefinition[];
  /** GitHub Apps installed in the organization (GET /orgs/{org}/installations); absent: none. */
  installations?: SimInstallation[];
}

export interface SimInstallation {
  id: number;
  appId: number;
  repositorySelection: 'all' | 'selected';
  createdAt: string;
}

export interface SimState {
  version: 1;
  /** Next database id to hand out (ids are unique across kinds, as on GitHub they need not be). */
  nextId: number;
  /** Clock used for timestamps; advanced per write so ordering is deterministic. */
  clock: string;
  users: SimUser[];
  apps: SimApp[];
  orgs: SimOrg[];
  repos: SimRepo[];
}
