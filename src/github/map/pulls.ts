/**
 * Pull request, file, commit, review and commit status JSON → gateway types.
 */
import type { CommitState, CommitStatus, PullRequest, PullRequestCommit, PullRequestFile, PullRequestReview } from '../gateway.js';
import { bool, childPath, num, obj, objects, optBool, optObj, optStr, ResponseShapeError, str } from './check.js';

function oneOf<T extends string>(value: string, allowed: readonly T[], path: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new ResponseShapeError(path, allowed.join(', '));
  return value as T;
}

export function mapPullRequest(json: unknown): PullRequest {
  const o = obj(json, '');
  const base = obj(o['base'], 'base');
  const head = obj(o['head'], 'head');
  return {
    number: num(o, 'number', ''),
    title: str(o, 'title', ''),
    body: optStr(o, 'body', '') ?? '',
    author: str(obj(o['user'], 'user'), 'login', 'user'),
    state: oneOf(str(o, 'state', ''), ['open', 'closed'] as const, 'state'),
    draft: optBool(o, 'draft', '') ?? false,
    // `merged` is in the single-PR answer; list items only carry merged_at.
    merged: optBool(o, 'merged', '') ?? typeof o['merged_at'] === 'string',
    baseRef: str(base, 'ref', 'base'),
    headRef: str(head, 'ref', 'head'),
    headSha: str(head, 'sha', 'head'),
    createdAt: str(o, 'created_at', ''),
    labels: objects(o, 'labels', '').map((l, i) => str(l, 'name', `labels[${i}]`)),
    requestedReviewers: objects(o, 'requested_reviewers', '').map((u, i) => str(u, 'login', `requested_reviewers[${i}]`)),
    requestedTeams: objects(o, 'requested_teams', '').map((t, i) => str(t, 'slug', `requested_teams[${i}]`)),
  };
}

export function mapPullRequestFile(json: unknown): PullRequestFile {
  const o = obj(json, '');
  return {
    filename: str(o, 'filename', ''),
    status: str(o, 'status', ''),
    additions: num(o, 'additions', ''),
    deletions: num(o, 'deletions', ''),
    changes: num(o, 'changes', ''),
  };
}

export function mapPullRequestCommit(json: unknown): PullRequestCommit {
  const o = obj(json, '');
  const commit = obj(o['commit'], 'commit');
  const verification = optObj(commit, 'verification', 'commit');
  const author = optObj(o, 'author', '');
  return {
    sha: str(o, 'sha', ''),
    message: str(commit, 'message', 'commit'),
    author: author ? str(author, 'login', 'author') : null,
    verified: verification ? bool(verification, 'verified', 'commit.verification') : false,
  };
}

const REVIEW_STATES = ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING'] as const;

export function mapPullRequestReview(json: unknown): PullRequestReview {
  const o = obj(json, '');
  const user = optObj(o, 'user', '');
  return {
    id: num(o, 'id', ''),
    // A deleted account shows as null; GitHub's UI calls it "ghost".
    user: user ? str(user, 'login', 'user') : 'ghost',
    state: oneOf(str(o, 'state', ''), REVIEW_STATES, 'state'),
    submittedAt: optStr(o, 'submitted_at', '') ?? null,
  };
}

const COMMIT_STATES = ['error', 'failure', 'pending', 'success'] as const;

export function mapCommitStatus(json: unknown): CommitStatus {
  const o = obj(json, '');
  const creator = optObj(o, 'creator', '');
  return {
    context: str(o, 'context', ''),
    state: oneOf(str(o, 'state', ''), COMMIT_STATES, 'state') as CommitState,
    description: optStr(o, 'description', '') ?? null,
    targetUrl: optStr(o, 'target_url', '') ?? null,
    createdAt: str(o, 'created_at', ''),
    creator: creator ? str(creator, 'login', childPath('', 'creator')) : null,
  };
}
