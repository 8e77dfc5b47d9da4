/**
 * Pull requests (read, request reviewers) and commit statuses over REST.
 */
import type { RepoRef } from '../core/github-types.js';
import type { CommitState, CommitStatus, PullRequest, PullRequestCommit, PullRequestFile, PullRequestReview } from './gateway.js';
import type { GitHubClient } from './octokit-client.js';
import { mapCommitStatus, mapPullRequest, mapPullRequestCommit, mapPullRequestFile, mapPullRequestReview } from './map/pulls.js';

const prParams = (repo: RepoRef, number: number) => ({ owner: repo.owner, repo: repo.name, pull_number: number });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export async function getPullRequest(client: GitHubClient, repo: RepoRef, number: number): Promise<PullRequest> {
  const route = 'GET /repos/{owner}/{repo}/pulls/{pull_number}';
  const res = await client.request<unknown>(route, prParams(repo, number));
  return client.mapResponse(route, () => mapPullRequest(res.data));
}

/** GitHub lists at most 3000 files of a pull request. */
export function listPullRequestFiles(client: GitHubClient, repo: RepoRef, number: number): Promise<PullRequestFile[]> {
  return collect(client.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', prParams(repo, number), mapPullRequestFile));
}

export function listPullRequestCommits(client: GitHubClient, repo: RepoRef, number: number): Promise<PullRequestCommit[]> {
  return collect(client.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/commits', prParams(repo, number), mapPullRequestCommit));
}

export function listPullRequestReviews(client: GitHubClient, repo: RepoRef, number: number): Promise<PullRequestReview[]> {
  return collect(client.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', prParams(repo, number), mapPullRequestReview));
}

export async function requestReviewers(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  reviewers: { users: string[]; teams: string[] },
): Promise<void> {
  if (reviewers.users.length === 0 && reviewers.teams.length === 0) return;
  await client.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
    ...prParams(repo, number),
    data: { reviewers: reviewers.users, team_reviewers: reviewers.teams },
  });
}

export async function createCommitStatus(
  client: GitHubClient,
  repo: RepoRef,
  sha: string,
  status: { context: string; state: CommitState; description?: string; targetUrl?: string },
): Promise<CommitStatus> {
  const route = 'POST /repos/{owner}/{repo}/statuses/{sha}';
  const res = await client.request<unknown>(route, {
    owner: repo.owner,
    repo: repo.name,
    sha,
    data: {
      state: status.state,
      context: status.context,
      ...(status.description !== undefined ? { description: status.description } : {}),
      ...(status.targetUrl !== undefined ? { target_url: status.targetUrl } : {}),
    },
  });
  return client.mapResponse(route, () => mapCommitStatus(res.data));
}

export function listCommitStatuses(client: GitHubClient, repo: RepoRef, ref: string): Promise<CommitStatus[]> {
  return collect(
    client.paginate('GET /repos/{owner}/{repo}/commits/{ref}/statuses', { owner: repo.owner, repo: repo.name, ref }, mapCommitStatus),
  );
}

/**
 * The latest status of one context on a commit (GET …/commits/{ref}/status, the combined
 * status: the latest per context, paged), with the status object exactly as GitHub
 * returned it; null when the context has no status on that commit.
 */
export async function readCommitStatus(
  client: GitHubClient,
  repo: RepoRef,
  sha: string,
  context: string,
): Promise<{ status: CommitStatus | null; raw: unknown }> {
  const route = 'GET /repos/{owner}/{repo}/commits/{ref}/status';
  // Contexts are case-insensitive on GitHub.
  const wanted = context.toLowerCase();
  for (let page = 1; ; page++) {
    const res = await client.request<unknown>(route, { owner: repo.owner, repo: repo.name, ref: sha, per_page: 100, page });
    const statuses = client.mapResponse(route, () => {
      const list = (res.data as { statuses?: unknown }).statuses;
      return Array.isArray(list) ? list : [];
    });
    const raw = statuses.find(
      (s) => typeof s === 'object' && s !== null && String((s as Record<string, unknown>)['context']).toLowerCase() === wanted,
    );
    if (raw !== undefined) return { status: client.mapResponse(route, () => mapCommitStatus(raw)), raw };
    if (statuses.length < 100) return { status: null, raw: null };
  }
}
