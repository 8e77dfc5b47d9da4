/**
 * Pull request JSON: `pull-request-simple`, `pull-request`, `diff-entry`,
 * `pull-request-review`, `pull-request-review-request`.
 */
import type { SimPull, SimRepo, SimReview, SimState, SimUser } from '../model.js';
import { findTeamById, findUserById, ownerOrg, permissionOf } from '../access.js';
import { renderSimpleUser, renderTeam } from './actors.js';
import { renderCommit, fakeSha } from './commits.js';
import { renderRepoBase } from './repos.js';
import type { Urls } from './urls.js';
import { classicRuleFor } from '../rules-engine.js';

function authorAssociation(state: SimState, repo: SimRepo, user: SimUser | undefined): string {
  if (!user) return 'NONE';
  if (user.login === repo.owner) return 'OWNER';
  const org = ownerOrg(state, repo);
  if (org && org.members[user.login]) return 'MEMBER';
  if (repo.collaborators[user.login]) return 'COLLABORATOR';
  return 'CONTRIBUTOR';
}

function label(repo: SimRepo, name: string, urls: Urls) {
  const id = Number.parseInt(fakeSha(`label:${repo.id}:${name}`).slice(0, 8), 16);
  return {
    id,
    node_id: `LA_${id.toString(36)}`,
    url: `${urls.repo(repo.owner, repo.name)}/labels/${encodeURIComponent(name)}`,
    name,
    description: '',
    color: fakeSha(`color:${name}`).slice(0, 6),
    default: false,
  };
}

function ref(state: SimState, repo: SimRepo, branch: string, sha: string, urls: Urls) {
  const owner = renderRepoBase(state, repo, urls, null)['owner'];
  return {
    label: `${repo.owner}:${branch}`,
    ref: branch,
    sha,
    user: owner,
    repo: renderRepoBase(state, repo, urls, null),
  };
}

export function renderRequestedReviewers(state: SimState, repo: SimRepo, pull: SimPull, urls: Urls) {
  const users = pull.requestedReviewerIds.flatMap((id) => {
    const u = findUserById(state, id);
    return u ? [renderSimpleUser(u, urls)] : [];
  });
  const teams = pull.requestedTeamIds.flatMap((id) => {
    const t = findTeamById(state, id);
    return t ? [renderTeam(t.org, t.team, urls, repo.teams[t.team.slug] ?? 'read')] : [];
  });
  return { users, teams };
}

/** `pull-request-simple` (list items, requested_reviewers responses). */
export function renderPullSimple(state: SimState, repo: SimRepo, pull: SimPull, urls: Urls) {
  const base = urls.repo(repo.owner, repo.name);
  const html = `${urls.repoHtml(repo.owner, repo.name)}/pull/${pull.number}`;
  const author = findUserById(state, pull.userId);
  const requested = renderRequestedReviewers(state, repo, pull, urls);
  const baseSha = repo.branches[pull.base] ?? fakeSha(`base:${repo.id}:${pull.base}`);
  const closedAt = pull.state === 'closed' ? pull.updatedAt : null;
  return {
    url: `${base}/pulls/${pull.number}`,
    id: pull.id,
    node_id: pull.nodeId,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${base}/issues/${pull.number}`,
    commits_url: `${base}/pulls/${pull.number}/commits`,
    review_comments_url: `${base}/pulls/${pull.number}/comments`,
    review_comment_url: `${base}/pulls/comments{/number}`,
    comments_url: `${base}/issues/${pull.number}/comments`,
    statuses_url: `${base}/statuses/${pull.headSha}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: author ? renderSimpleUser(author, urls) : null,
    body: pull.body,
    labels: pull.labels.map((l) => label(repo, l, urls)),
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: closedAt,
    merged_at: pull.merged ? closedAt : null,
    merge_commit_sha: pull.merged ? fakeSha(`merge:${pull.id}`) : null,
    assignee: null,
    assignees: [],
    requested_reviewers: requested.users,
    requested_teams: requested.teams,
    head: ref(state, repo, pull.head, pull.headSha, urls),
    base: ref(state, repo, pull.base, baseSha, urls),
    _links: {
      self: { href: `${base}/pulls/${pull.number}` },
      html: { href: html },
      issue: { href: `${base}/issues/${pull.number}` },
      comments: { href: `${base}/issues/${pull.number}/comments` },
      review_comments: { href: `${base}/pulls/${pull.number}/comments` },
      review_comment: { href: `${base}/pulls/comments{/number}` },
      commits: { href: `${base}/pulls/${pull.number}/commits` },
      statuses: { href: `${base}/statuses/${pull.headSha}` },
    },
    author_association: authorAssociation(state, repo, author),
    auto_merge: null,
    draft: pull.draft,
  };
}

/**
 * GitHub's mergeable_state, approximated from the classic rule on the base
 * branch: 'blocked' while approvals or required statuses are missing.
 */
function mergeableState(repo: SimRepo, pull: SimPull): string {
  if (pull.state === 'closed') return 'unknown';
  if (pull.draft) return 'draft';
  const rule = classicRuleFor(repo, pull.base);
  if (!rule) return 'clean';
  if (rule.requiredReviews) {
    const latest = new Map<number, SimReview['state']>();
    for (const r of pull.reviews) if (r.state !== 'COMMENTED' && r.state !== 'PENDING') latest.set(r.userId, r.state);
    const approvals = [...latest.values()].filter((s) => s === 'APPROVED').length;
    const changes = [...latest.values()].some((s) => s === 'CHANGES_REQUESTED');
    if (approvals < rule.requiredReviews.count || changes) return 'blocked';
  }
  if (rule.requiredStatusChecks) {
    const statuses = repo.statuses[pull.headSha] ?? [];
    for (const check of rule.requiredStatusChecks.checks) {
      const latest = statuses.filter((s) => s.context.toLowerCase() === check.context.toLowerCase()).at(-1);
      if (!latest || latest.state !== 'success') return 'blocked';
    }
  }
  return 'clean';
}

/** `pull-request` (GET /pulls/{n}). */
export function renderPull(state: SimState, repo: SimRepo, pull: SimPull, urls: Urls) {
  const additions = pull.files.reduce((n, f) => n + f.additions, 0);
  const deletions = pull.files.reduce((n, f) => n + f.deletions, 0);
  const author = findUserById(state, pull.userId);
  const simple = renderPullSimple(state, repo, pull, urls);
  return {
    ...simple,
    user: author ? renderSimpleUser(author, urls) : renderSimpleUser(state.users[0] as SimUser, urls),
    merged: pull.merged,
    mergeable: pull.state === 'open' ? true : null,
    rebaseable: pull.state === 'open' ? true : null,
    mergeable_state: mergeableState(repo, pull),
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: pull.commits.length,
    additions,
    deletions,
    changed_files: pull.files.length,
  };
}

/** `diff-entry` */
export function renderPullFile(repo: SimRepo, pull: SimPull, file: SimPull['files'][number], urls: Urls) {
  const sha = fakeSha(`blob:${pull.headSha}:${file.filename}`);
  const path = encodeURIComponent(file.filename).replace(/%2F/g, '/');
  return {
    sha: file.status === 'removed' ? null : sha,
    filename: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.additions + file.deletions,
    blob_url: `${urls.repoHtml(repo.owner, repo.name)}/blob/${pull.headSha}/${path}`,
    raw_url: `${urls.repoHtml(repo.owner, repo.name)}/raw/${pull.headSha}/${path}`,
    contents_url: `${urls.repo(repo.owner, repo.name)}/contents/${path}?ref=${pull.headSha}`,
  };
}

export function renderPullCommit(state: SimState, repo: SimRepo, commit: SimPull['commits'][number], urls: Urls) {
  const author = commit.authorId === null ? null : (findUserById(state, commit.authorId) ?? null);
  return renderCommit(repo, { sha: commit.sha, message: commit.message, author, date: commit.date, verified: commit.verified }, urls);
}

/** `pull-request-review` */
export function renderReview(state: SimState, repo: SimRepo, pull: SimPull, review: SimReview, urls: Urls) {
  const user = findUserById(state, review.userId);
  const html = `${urls.repoHtml(repo.owner, repo.name)}/pull/${pull.number}#pullrequestreview-${review.id}`;
  return {
    id: review.id,
    node_id: review.nodeId,
    user: user ? renderSimpleUser(user, urls) : null,
    body: review.body,
    state: review.state,
    html_url: html,
    pull_request_url: `${urls.repo(repo.owner, repo.name)}/pulls/${pull.number}`,
    _links: {
      html: { href: html },
      pull_request: { href: `${urls.repo(repo.owner, repo.name)}/pulls/${pull.number}` },
    },
    submitted_at: review.submittedAt,
    commit_id: review.commitId,
    author_association: authorAssociation(state, repo, user),
  };
}

/** Whether `user` could be requested as a reviewer (needs push access; GITHUB-API.md §6). */
export function canReview(state: SimState, repo: SimRepo, user: SimUser): boolean {
  const p = permissionOf(state, user, repo);
  return p === 'write' || p === 'maintain' || p === 'admin';
}
