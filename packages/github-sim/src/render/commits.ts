/**
 * Commit and branch JSON. The model stores branch heads as bare shas; the
 * commit objects around them are synthesised deterministically.
 */
import { createHash } from 'node:crypto';
import type { SimRepo, SimState, SimUser } from '../model.js';
import { renderSimpleUser } from './actors.js';
import { renderProtectionSummary } from './protection.js';
import type { Urls } from './urls.js';
import { classicRuleFor, isBranchProtected } from '../rules-engine.js';

export function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

export interface CommitInfo {
  sha: string;
  message: string;
  author: SimUser | null;
  date: string;
  verified: boolean;
}

function gitUser(user: SimUser | null, date: string) {
  return user
    ? { name: user.name, email: `${user.login}@users.noreply.sandbox.invalid`, date }
    : { name: 'Sandbox', email: 'sandbox@users.noreply.sandbox.invalid', date };
}

/** `commit` */
export function renderCommit(repo: SimRepo, info: CommitInfo, urls: Urls) {
  const base = urls.repo(repo.owner, repo.name);
  const parent = fakeSha(`parent:${info.sha}`);
  const author = info.author ? renderSimpleUser(info.author, urls) : {};
  return {
    url: `${base}/commits/${info.sha}`,
    sha: info.sha,
    node_id: `C_${Buffer.from(info.sha.slice(0, 12)).toString('base64url')}`,
    html_url: `${urls.repoHtml(repo.owner, repo.name)}/commit/${info.sha}`,
    comments_url: `${base}/commits/${info.sha}/comments`,
    commit: {
      url: `${base}/git/commits/${info.sha}`,
      author: gitUser(info.author, info.date),
      committer: gitUser(info.author, info.date),
      message: info.message,
      comment_count: 0,
      tree: { sha: fakeSha(`tree:${info.sha}`), url: `${base}/git/trees/${fakeSha(`tree:${info.sha}`)}` },
      verification: {
        verified: info.verified,
        reason: info.verified ? 'valid' : 'unsigned',
        payload: null,
        signature: null,
        verified_at: info.verified ? info.date : null,
      },
    },
    author,
    committer: author,
    parents: [{ sha: parent, url: `${base}/commits/${parent}`, html_url: `${urls.repoHtml(repo.owner, repo.name)}/commit/${parent}` }],
  };
}

/** The head commit of a branch, as far as the model knows it (PR commits carry real messages). */
export function headCommitInfo(state: SimState, repo: SimRepo, branch: string, sha: string): CommitInfo {
  for (const pull of repo.pulls) {
    const c = pull.commits.find((x) => x.sha === sha);
    if (c) {
      const author = c.authorId === null ? null : (state.users.find((u) => u.id === c.authorId) ?? null);
      return { sha, message: c.message, author, date: c.date, verified: c.verified };
    }
  }
  return { sha, message: `Latest commit on ${branch}`, author: null, date: repo.pushedAt ?? repo.createdAt, verified: false };
}

/** `short-branch` (GET /branches items). */
export function renderShortBranch(state: SimState, repo: SimRepo, name: string, sha: string, urls: Urls) {
  return {
    name,
    commit: { sha, url: urls.commit(repo.owner, repo.name, sha) },
    protected: isBranchProtected(state, repo, name),
    protection: renderProtectionSummary(protectedRule(state, repo, name)),
    protection_url: urls.protection(repo.owner, repo.name, name),
  };
}

/** `branch-with-protection` (GET /branches/{b}). */
export function renderBranch(state: SimState, repo: SimRepo, name: string, sha: string, urls: Urls) {
  const rule = protectedRule(state, repo, name);
  const out: Record<string, unknown> = {
    name,
    commit: renderCommit(repo, headCommitInfo(state, repo, name, sha), urls),
    _links: {
      self: urls.branch(repo.owner, repo.name, name),
      html: `${urls.repoHtml(repo.owner, repo.name)}/tree/${encodeURIComponent(name).replace(/%2F/g, '/')}`,
    },
    protected: isBranchProtected(state, repo, name),
    protection: renderProtectionSummary(rule),
    protection_url: urls.protection(repo.owner, repo.name, name),
  };
  if (rule) {
    out['pattern'] = rule.pattern;
    if (rule.requiredReviews) out['required_approving_review_count'] = rule.requiredReviews.count;
  }
  return out;
}

function protectedRule(state: SimState, repo: SimRepo, name: string) {
  // A classic rule is inert where the plan does not offer protection.
  return isBranchProtected(state, repo, name) ? classicRuleFor(repo, name) : undefined;
}
