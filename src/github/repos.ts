/**
 * Identity, rate limit, repositories, branches, files, custom properties,
 * merge settings and teams over REST.
 */
import { GitHubError, NotFoundError } from '../core/errors.js';
import type { BranchInfo, CustomPropertyValue, RateLimitStatus, RepoFile, RepoInfo, RepoRef, Viewer } from '../core/github-types.js';
import type { MergeSettings } from '../core/protection.js';
import type { Team } from './gateway.js';
import { githubMessageOf } from './errors.js';
import type { GitHubClient } from './octokit-client.js';
import { num, obj, optStr, ResponseShapeError, str } from './map/check.js';
import { mapBranch, mapMergeSettings, mapPropertyValueList, mapRateLimit, mapRepo, mapViewer } from './map/repos.js';

const repoParams = (repo: RepoRef) => ({ owner: repo.owner, repo: repo.name });

export async function getViewer(client: GitHubClient): Promise<Viewer> {
  if (client.auth.kind === 'app') {
    // An installation token cannot call GET /user; the actor is the app's bot user.
    const app = await client.request<unknown>('GET /app');
    const slug = client.mapResponse('GET /app', () => str(obj(app.data, ''), 'slug', ''));
    const bot = await client.request<unknown>('GET /users/{username}', { username: `${slug}[bot]` });
    return client.mapResponse('GET /users/{username}', () => ({ ...mapViewer(bot.data), type: 'Bot' as const }));
  }
  const res = await client.request<unknown>('GET /user');
  return client.mapResponse('GET /user', () => mapViewer(res.data));
}

export async function getRateLimit(client: GitHubClient): Promise<RateLimitStatus> {
  const res = await client.request<unknown>('GET /rate_limit');
  return client.mapResponse('GET /rate_limit', () => mapRateLimit(res.data));
}

export function listOrgRepos(client: GitHubClient, org: string): AsyncIterable<RepoInfo> {
  return client.paginate('GET /orgs/{org}/repos', { org, type: 'all' }, mapRepo);
}

export async function getRepo(client: GitHubClient, repo: RepoRef): Promise<RepoInfo> {
  const route = 'GET /repos/{owner}/{repo}';
  const res = await client.request<unknown>(route, repoParams(repo));
  return client.mapResponse(route, () => mapRepo(res.data));
}

export function listBranches(client: GitHubClient, repo: RepoRef): AsyncIterable<BranchInfo> {
  return client.paginate('GET /repos/{owner}/{repo}/branches', repoParams(repo), mapBranch);
}

/** null when the branch does not exist; NotFoundError when the repository is missing or invisible. */
export async function getBranch(client: GitHubClient, repo: RepoRef, branch: string): Promise<BranchInfo | null> {
  const route = 'GET /repos/{owner}/{repo}/branches/{branch}';
  try {
    const res = await client.requestUnwrapped<unknown>(route, { ...repoParams(repo), branch });
    return client.mapResponse(route, () => mapBranch(res.data));
  } catch (err) {
    const wrapped = client.wrap(err, route);
    if (!(wrapped instanceof NotFoundError)) throw wrapped;
    // UNCONFIRMED wording "Branch not found"; when GitHub says only "Not Found",
    // the repository decides: visible → the branch is missing.
    if (/branch not found/i.test(githubMessageOf(err) ?? '')) return null;
    await getRepo(client, repo);
    return null;
  }
}

/** Decoded text of a file; null when it (or the repository's content) does not exist or is not a file. */
export async function getFile(client: GitHubClient, repo: RepoRef, path: string, ref?: string): Promise<RepoFile | null> {
  const route = 'GET /repos/{owner}/{repo}/contents/{path}';
  const request = { ...repoParams(repo), path, ...(ref ? { ref } : {}) };
  let data: unknown;
  try {
    data = (await client.requestUnwrapped<unknown>(route, request)).data;
  } catch (err) {
    const wrapped = client.wrap(err, route);
    // 404: no such file, ref or repository content ("This repository is empty.").
    if (wrapped instanceof NotFoundError) return null;
    throw wrapped;
  }
  if (Array.isArray(data)) return null; // a directory
  const file = client.mapResponse(route, () => {
    const o = obj(data, '');
    if (o['type'] !== 'file') return null;
    return {
      path: str(o, 'path', ''),
      sha: str(o, 'sha', ''),
      encoding: optStr(o, 'encoding', ''),
      content: optStr(o, 'content', '') ?? '',
    };
  });
  if (file === null) return null;
  if (file.encoding === 'base64') {
    return { path: file.path, sha: file.sha, text: Buffer.from(file.content, 'base64').toString('utf8') };
  }
  // Files over 1 MB come without content (encoding "none"): ask for the raw bytes.
  const raw = await client.request<unknown>(route, { ...request, mediaType: { format: 'raw' } });
  const text =
    typeof raw.data === 'string' ? raw.data : raw.data instanceof ArrayBuffer ? Buffer.from(raw.data).toString('utf8') : undefined;
  if (text === undefined) throw client.wrap(new ResponseShapeError('', 'the raw file content'), route);
  return { path: file.path, sha: file.sha, text };
}

export async function getCustomProperties(client: GitHubClient, repo: RepoRef): Promise<Record<string, CustomPropertyValue>> {
  const route = 'GET /repos/{owner}/{repo}/properties/values';
  const res = await client.request<unknown>(route, repoParams(repo));
  return client.mapResponse(route, () => mapPropertyValueList(res.data, ''));
}

export function listOrgCustomPropertyValues(
  client: GitHubClient,
  org: string,
): AsyncIterable<{ repo: string; properties: Record<string, CustomPropertyValue> }> {
  return client.paginate('GET /orgs/{org}/properties/values', { org }, (item) => {
    const o = obj(item, '');
    return { repo: str(o, 'repository_name', ''), properties: mapPropertyValueList(o['properties'], 'properties') };
  });
}

/** GitHub takes at most 30 repositories per call. */
const PROPERTY_BATCH = 30;

export async function setCustomProperties(
  client: GitHubClient,
  org: string,
  repoNames: string[],
  properties: Record<string, CustomPropertyValue>,
): Promise<void> {
  const list = Object.entries(properties).map(([property_name, value]) => ({ property_name, value }));
  for (let i = 0; i < repoNames.length; i += PROPERTY_BATCH) {
    await client.request('PATCH /orgs/{org}/properties/values', {
      org,
      data: { repository_names: repoNames.slice(i, i + PROPERTY_BATCH), properties: list },
    });
  }
}

/** The repository's merge settings with the repository JSON GitHub returned (null settings: not visible to this token). */
export async function readMergeSettings(client: GitHubClient, repo: RepoRef): Promise<{ settings: MergeSettings | null; raw: unknown }> {
  const route = 'GET /repos/{owner}/{repo}';
  const res = await client.request<unknown>(route, repoParams(repo));
  return { settings: client.mapResponse(route, () => mapMergeSettings(obj(res.data, ''))), raw: res.data };
}

export async function updateMergeSettings(
  client: GitHubClient,
  repo: RepoRef,
  settings: MergeSettings,
): Promise<{ settings: MergeSettings; raw: unknown }> {
  const route = 'PATCH /repos/{owner}/{repo}';
  const res = await client.request<unknown>(route, {
    ...repoParams(repo),
    data: {
      allow_squash_merge: settings.allowSquashMerge,
      allow_merge_commit: settings.allowMergeCommit,
      allow_rebase_merge: settings.allowRebaseMerge,
    },
  });
  const merge = client.mapResponse(route, () => mapMergeSettings(obj(res.data, '')));
  if (merge === null) {
    throw new GitHubError(`GitHub did not report the merge settings of ${repo.owner}/${repo.name} after updating them`, {
      status: res.status,
      route,
    });
  }
  return { settings: merge, raw: res.data };
}

/**
 * One custom property of a repository: its value (null when unset) and the entry of
 * GitHub's answer that carries it, exactly as returned (null when absent).
 */
export async function readCustomProperty(
  client: GitHubClient,
  repo: RepoRef,
  name: string,
): Promise<{ value: CustomPropertyValue; raw: unknown }> {
  const route = 'GET /repos/{owner}/{repo}/properties/values';
  const res = await client.request<unknown>(route, repoParams(repo));
  const values = client.mapResponse(route, () => mapPropertyValueList(res.data, ''));
  const entry = Array.isArray(res.data)
    ? (res.data as unknown[]).find((e) => e !== null && typeof e === 'object' && (e as Record<string, unknown>)['property_name'] === name)
    : undefined;
  const value = values[name] ?? null;
  return { value, raw: value === null ? null : (entry ?? null) };
}

export async function listTeams(client: GitHubClient, org: string): Promise<Team[]> {
  const teams: Team[] = [];
  for await (const t of client.paginate('GET /orgs/{org}/teams', { org }, (item) => {
    const o = obj(item, '');
    return { id: num(o, 'id', ''), slug: str(o, 'slug', ''), name: str(o, 'name', '') };
  })) {
    teams.push(t);
  }
  return teams;
}

export async function listTeamMembers(client: GitHubClient, org: string, teamSlug: string): Promise<string[]> {
  const logins: string[] = [];
  for await (const login of client.paginate('GET /orgs/{org}/teams/{team_slug}/members', { org, team_slug: teamSlug }, (item) =>
    str(obj(item, ''), 'login', ''),
  )) {
    logins.push(login);
  }
  return logins;
}
