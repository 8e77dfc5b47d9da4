/**
 * Classic branch protection over REST: read (disambiguated, GITHUB-API.md §1
 * and pitfalls 3, 5, 9), write (PUT of the whole rule + signatures through
 * their own endpoint), delete.
 */
import { NotFoundError, PermissionError, PlanUnavailableError } from '../core/errors.js';
import type { ClassicProtectionRead, RepoInfo, RepoRef } from '../core/github-types.js';
import type { BranchProtection } from '../core/protection.js';
import type { ProtectionWriteResult } from './gateway.js';
import { githubMessageOf } from './errors.js';
import type { GitHubClient } from './octokit-client.js';
import { buildProtectionPutBody, hasSignatureSection, mapProtectionResponse, mapSignaturesResponse } from './map/protection.js';
import { mapRepo } from './map/repos.js';
import { getBranch } from './repos.js';

const B = '/repos/{owner}/{repo}/branches/{branch}/protection';
const SIG = `${B}/required_signatures`;

const params = (repo: RepoRef, branch: string) => ({ owner: repo.owner, repo: repo.name, branch });
const full = (repo: RepoRef) => `${repo.owner}/${repo.name}`;

/** "Branch not protected": there is no classic rule for this branch (it may still have rulesets). */
function isNotProtectedMessage(message: string | undefined): boolean {
  return message !== undefined && /^branch not protected\.?$/i.test(message.trim());
}

async function readSignatures(client: GitHubClient, repo: RepoRef, branch: string): Promise<boolean> {
  const route = `GET ${SIG}`;
  try {
    const res = await client.requestUnwrapped<unknown>(route, params(repo, branch));
    return client.mapResponse(route, () => mapSignaturesResponse(res.data));
  } catch (err) {
    const wrapped = client.wrap(err, route);
    if (wrapped instanceof NotFoundError) return false;
    throw wrapped;
  }
}

/**
 * A 404 other than "Branch not protected": find out whether the repository is
 * invisible (NotFoundError), the token lacks admin (unknown), or the branch
 * does not exist (NotFoundError).
 */
async function explainNotFound(client: GitHubClient, repo: RepoRef, branch: string, message: string): Promise<ClassicProtectionRead> {
  const route = 'GET /repos/{owner}/{repo}';
  let info: RepoInfo;
  try {
    const res = await client.request<unknown>(route, { owner: repo.owner, repo: repo.name });
    info = client.mapResponse(route, () => mapRepo(res.data));
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(`repository ${full(repo)} does not exist or this token cannot see it`, {
        status: 404,
        route,
        ...(err.requestId ? { requestId: err.requestId } : {}),
      });
    }
    throw err;
  }
  if (info.viewerPermission !== 'admin') {
    return {
      kind: 'unknown',
      reason: `token lacks admin on ${full(repo)} (it has ${info.viewerPermission ?? 'no reported'} permission); GitHub hides branch protection from non-admins`,
    };
  }
  const b = await getBranch(client, repo, branch);
  if (b === null) {
    throw new NotFoundError(`branch "${branch}" does not exist in ${full(repo)}`, { status: 404, route: `GET ${B}` });
  }
  return {
    kind: 'unknown',
    reason: `GitHub answered 404 "${message}" for the protection of ${full(repo)}@${branch} although the token has admin; a fine-grained token or GitHub App also needs the Administration (read) permission`,
  };
}

export async function getBranchProtection(client: GitHubClient, repo: RepoRef, branch: string): Promise<ClassicProtectionRead> {
  const route = `GET ${B}`;
  let data: unknown;
  try {
    data = (await client.requestUnwrapped<unknown>(route, params(repo, branch))).data;
  } catch (err) {
    const wrapped = client.wrap(err, route);
    const message = githubMessageOf(err) ?? '';
    if (wrapped instanceof PlanUnavailableError) {
      return { kind: 'not_applicable', reason: `branch protection is not available for ${full(repo)} on its plan: ${message}` };
    }
    if (/protection has been disabled on this repository/i.test(message)) {
      // [3P] wording; treated like the plan case: nothing to assess here.
      return { kind: 'not_applicable', reason: `${message} (${full(repo)})` };
    }
    if (wrapped instanceof NotFoundError) {
      if (isNotProtectedMessage(message)) return { kind: 'unprotected' };
      return explainNotFound(client, repo, branch, message || 'Not Found');
    }
    if (wrapped instanceof PermissionError) {
      return { kind: 'unknown', reason: `the token cannot read branch protection on ${full(repo)}: ${wrapped.message}` };
    }
    throw wrapped;
  }
  let protection = client.mapResponse(route, () => mapProtectionResponse(data));
  if (!client.mapResponse(route, () => hasSignatureSection(data))) {
    protection = { ...protection, requireSignedCommits: await readSignatures(client, repo, branch) };
  }
  return { kind: 'protected', protection, raw: data };
}

export async function putBranchProtection(
  client: GitHubClient,
  repo: RepoRef & { ownerType: RepoInfo['ownerType'] },
  branch: string,
  protection: BranchProtection,
): Promise<ProtectionWriteResult> {
  const route = `PUT ${B}`;
  const { body, dropped } = buildProtectionPutBody(protection, repo.ownerType);
  if (dropped.length > 0) {
    client.logger.warn(`${full(repo)}@${branch}: ${dropped.join(', ')} not sent — only organization repositories support them`);
  }
  const res = await client.request<unknown>(route, { ...params(repo, branch), data: body });
  const answer = res.data;
  // Signatures are not part of the PUT: read what the rule has now, then switch if needed.
  let signed = client.mapResponse(route, () =>
    hasSignatureSection(answer) ? mapProtectionResponse(answer).requireSignedCommits : undefined,
  );
  signed ??= await readSignatures(client, repo, branch);
  if (signed !== protection.requireSignedCommits) {
    if (protection.requireSignedCommits) {
      const r = await client.request<unknown>(`POST ${SIG}`, params(repo, branch));
      signed = client.mapResponse(`POST ${SIG}`, () => mapSignaturesResponse(r.data));
    } else {
      await client.request(`DELETE ${SIG}`, params(repo, branch));
      signed = false;
    }
  }
  const mapped = client.mapResponse(route, () => mapProtectionResponse(answer, signed));
  const raw =
    answer && typeof answer === 'object'
      ? {
          ...(answer as Record<string, unknown>),
          required_signatures: { ...((answer as Record<string, unknown>)['required_signatures'] as object), enabled: signed },
        }
      : answer;
  return { protection: { ...mapped, requireSignedCommits: signed }, raw };
}

/** Removes the exact-name rule only; a wildcard rule covering `branch` is left as it is (see the gateway). */
export async function deleteBranchProtection(client: GitHubClient, repo: RepoRef, branch: string): Promise<void> {
  const route = `DELETE ${B}`;
  try {
    await client.requestUnwrapped(route, params(repo, branch));
  } catch (err) {
    // Already gone is what the caller wants.
    if (isNotProtectedMessage(githubMessageOf(err))) return;
    throw client.wrap(err, route);
  }
}
