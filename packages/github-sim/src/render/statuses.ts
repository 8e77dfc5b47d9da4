/** Commit status JSON: `status`, `simple-commit-status`, `combined-commit-status`. */
import type { SimRepo, SimState, SimStatus } from '../model.js';
import { findUserById } from '../access.js';
import { renderSimpleUser } from './actors.js';
import { renderMinimalRepo } from './repos.js';
import type { Urls } from './urls.js';

function avatarFor(state: SimState, status: SimStatus, urls: Urls): string {
  const creator = findUserById(state, status.creatorId);
  return urls.avatar(creator?.id ?? 0);
}

/** `status` (POST /statuses/{sha}, GET /commits/{ref}/statuses). */
export function renderStatus(state: SimState, repo: SimRepo, sha: string, status: SimStatus, urls: Urls) {
  const creator = findUserById(state, status.creatorId);
  return {
    url: `${urls.repo(repo.owner, repo.name)}/statuses/${sha}`,
    avatar_url: avatarFor(state, status, urls),
    id: status.id,
    node_id: status.nodeId,
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.updatedAt,
    creator: creator ? renderSimpleUser(creator, urls) : null,
  };
}

/** `simple-commit-status` */
export function renderSimpleStatus(state: SimState, repo: SimRepo, sha: string, status: SimStatus, urls: Urls) {
  return {
    url: `${urls.repo(repo.owner, repo.name)}/statuses/${sha}`,
    avatar_url: avatarFor(state, status, urls),
    id: status.id,
    node_id: status.nodeId,
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.updatedAt,
  };
}

/** The newest status per context (contexts compare case-insensitively), newest first. */
export function latestPerContext(statuses: readonly SimStatus[]): SimStatus[] {
  const seen = new Set<string>();
  const out: SimStatus[] = [];
  for (let i = statuses.length - 1; i >= 0; i--) {
    const s = statuses[i] as SimStatus;
    const key = s.context.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}

/**
 * GitHub's combined state: failure if any context errored or failed, pending
 * if any is pending or there are none, else success.
 */
export function combinedState(latest: readonly SimStatus[]): 'failure' | 'pending' | 'success' {
  if (latest.some((s) => s.state === 'error' || s.state === 'failure')) return 'failure';
  if (latest.length === 0 || latest.some((s) => s.state === 'pending')) return 'pending';
  return 'success';
}

export function renderCombinedStatus(
  state: SimState,
  repo: SimRepo,
  sha: string,
  page: readonly SimStatus[],
  all: readonly SimStatus[],
  urls: Urls,
) {
  return {
    state: combinedState(all),
    statuses: page.map((s) => renderSimpleStatus(state, repo, sha, s, urls)),
    sha,
    total_count: all.length,
    repository: renderMinimalRepo(state, repo, urls, null),
    commit_url: urls.commit(repo.owner, repo.name, sha),
    url: `${urls.commit(repo.owner, repo.name, sha)}/status`,
  };
}
