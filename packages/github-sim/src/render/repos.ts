/**
 * Repository JSON. One builder produces every field GitHub's `repository`,
 * `minimal-repository` and `full-repository` schemas require; `permissions`,
 * merge settings and `custom_properties` are added the way GitHub adds them.
 */
import type { SimPermission, SimRepo, SimState } from '../model.js';
import { ownerOrg, permissionFlags } from '../access.js';
import { renderOrgAsUser, renderOwner } from './actors.js';
import type { Urls } from './urls.js';

function repoUrls(repo: SimRepo, urls: Urls) {
  const u = urls.repo(repo.owner, repo.name);
  const host = new URL(urls.web).host;
  return {
    html_url: urls.repoHtml(repo.owner, repo.name),
    url: u,
    forks_url: `${u}/forks`,
    keys_url: `${u}/keys{/key_id}`,
    collaborators_url: `${u}/collaborators{/collaborator}`,
    teams_url: `${u}/teams`,
    hooks_url: `${u}/hooks`,
    issue_events_url: `${u}/issues/events{/number}`,
    events_url: `${u}/events`,
    assignees_url: `${u}/assignees{/user}`,
    branches_url: `${u}/branches{/branch}`,
    tags_url: `${u}/tags`,
    blobs_url: `${u}/git/blobs{/sha}`,
    git_tags_url: `${u}/git/tags{/sha}`,
    git_refs_url: `${u}/git/refs{/sha}`,
    trees_url: `${u}/git/trees{/sha}`,
    statuses_url: `${u}/statuses/{sha}`,
    languages_url: `${u}/languages`,
    stargazers_url: `${u}/stargazers`,
    contributors_url: `${u}/contributors`,
    subscribers_url: `${u}/subscribers`,
    subscription_url: `${u}/subscription`,
    commits_url: `${u}/commits{/sha}`,
    git_commits_url: `${u}/git/commits{/sha}`,
    comments_url: `${u}/comments{/number}`,
    issue_comment_url: `${u}/issues/comments{/number}`,
    contents_url: `${u}/contents/{+path}`,
    compare_url: `${u}/compare/{base}...{head}`,
    merges_url: `${u}/merges`,
    archive_url: `${u}/{archive_format}{/ref}`,
    downloads_url: `${u}/downloads`,
    issues_url: `${u}/issues{/number}`,
    pulls_url: `${u}/pulls{/number}`,
    milestones_url: `${u}/milestones{/number}`,
    notifications_url: `${u}/notifications{?since,all,participating}`,
    labels_url: `${u}/labels{/name}`,
    releases_url: `${u}/releases{/id}`,
    deployments_url: `${u}/deployments`,
    git_url: `git://${host}/${repo.owner}/${repo.name}.git`,
    ssh_url: `git@${host}:${repo.owner}/${repo.name}.git`,
    clone_url: `${urls.web}/${repo.owner}/${repo.name}.git`,
    svn_url: urls.repoHtml(repo.owner, repo.name),
  };
}

/**
 * Every field of the `repository` schema (a superset of `minimal-repository`).
 * `viewerPermission` adds GitHub's `permissions` object (omitted for anonymous callers).
 */
export function renderRepoBase(state: SimState, repo: SimRepo, urls: Urls, viewerPermission: SimPermission | null) {
  const openPulls = repo.pulls.filter((p) => p.state === 'open').length;
  // GitHub reports size in KB of the git data: any repository with commits has
  // some, so only an empty repository (no branches) reports 0.
  const bytes = Object.values(repo.files).reduce((n, text) => n + Buffer.byteLength(text), 0);
  const size = Object.keys(repo.branches).length === 0 ? 0 : Math.max(1024, bytes);
  const out: Record<string, unknown> = {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: repo.visibility !== 'public',
    owner: renderOwner(state, repo.owner, urls),
    description: repo.description,
    fork: repo.fork,
    ...repoUrls(repo, urls),
    homepage: null,
    mirror_url: null,
    language: repo.language,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: Math.ceil(size / 1024),
    default_branch: repo.defaultBranch,
    open_issues_count: openPulls,
    is_template: false,
    topics: [...repo.topics],
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: repo.archived,
    disabled: repo.disabled,
    visibility: repo.visibility,
    // An empty repository has never been pushed to; full-repository still requires a date.
    pushed_at: repo.pushedAt ?? repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    allow_forking: true,
    web_commit_signoff_required: false,
    license: null,
    forks: 0,
    open_issues: openPulls,
    watchers: 0,
  };
  if (viewerPermission) {
    out['permissions'] = permissionFlags(viewerPermission);
    out['role_name'] = viewerPermission;
  }
  return out;
}

/** Items of GET /orgs/{org}/repos (`minimal-repository`, with custom properties). */
export function renderMinimalRepo(state: SimState, repo: SimRepo, urls: Urls, viewerPermission: SimPermission | null) {
  const out = renderRepoBase(state, repo, urls, viewerPermission);
  out['custom_properties'] = { ...nonNullProperties(repo.customProperties) };
  if (viewerPermission && viewerPermission !== 'read' && viewerPermission !== 'triage') {
    out['delete_branch_on_merge'] = repo.deleteBranchOnMerge;
  }
  return out;
}

/**
 * GET/PATCH /repos/{o}/{r} (`full-repository`). Merge settings are only shown
 * to callers with push access, as on GitHub.
 */
export function renderFullRepo(state: SimState, repo: SimRepo, urls: Urls, viewerPermission: SimPermission | null) {
  const out = renderRepoBase(state, repo, urls, viewerPermission);
  const org = ownerOrg(state, repo);
  if (org) out['organization'] = renderOrgAsUser(org, urls);
  out['subscribers_count'] = 0;
  out['network_count'] = 0;
  if (viewerPermission && (viewerPermission === 'write' || viewerPermission === 'maintain' || viewerPermission === 'admin')) {
    Object.assign(out, {
      allow_squash_merge: repo.allowSquashMerge,
      allow_merge_commit: repo.allowMergeCommit,
      allow_rebase_merge: repo.allowRebaseMerge,
      allow_auto_merge: false,
      delete_branch_on_merge: repo.deleteBranchOnMerge,
      allow_update_branch: false,
      use_squash_pr_title_as_default: false,
      squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
      squash_merge_commit_message: 'COMMIT_MESSAGES',
      merge_commit_title: 'MERGE_MESSAGE',
      merge_commit_message: 'PR_TITLE',
      temp_clone_token: '',
    });
  }
  out['custom_properties'] = { ...nonNullProperties(repo.customProperties) };
  return out;
}

export function nonNullProperties(props: SimRepo['customProperties']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(props)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}
