/**
 * The two reads behind "code owner review binds something" and "a pinned app can
 * post its check" (docs/github-api.md "Code owners", "Checks pinned to an app"):
 * the CODEOWNERS file GitHub uses with its errors, and the organization's app
 * installations.
 */
import { CODEOWNERS_PATHS } from '../core/code-owners.js';
import { errorText, NotFoundError, PermissionError, PlanUnavailableError } from '../core/errors.js';
import type { AppInstallationsRead, CodeOwnersError, CodeOwnersRead, RepoRef } from '../core/github-types.js';
import { mapCodeOwnersErrors, mapInstallation } from './map/code-owners.js';
import { obj } from './map/check.js';
import type { GitHubClient } from './octokit-client.js';
import { getFile } from './repos.js';

/**
 * The first of `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS` on the default
 * branch (one GET each until one exists), then its errors (one GET). A file this
 * token may not read is `unknown`, never "absent".
 */
export async function getCodeOwners(client: GitHubClient, repo: RepoRef): Promise<CodeOwnersRead> {
  try {
    for (const path of CODEOWNERS_PATHS) {
      const file = await getFile(client, repo, path);
      if (file === null) continue;
      const route = 'GET /repos/{owner}/{repo}/codeowners/errors';
      let errors: CodeOwnersError[];
      try {
        const res = await client.request<unknown>(route, { owner: repo.owner, repo: repo.name });
        errors = client.mapResponse(route, () => mapCodeOwnersErrors(obj(res.data, '')['errors'], 'errors'));
      } catch (err) {
        // The file was just read: a 404 here says nothing more about it (UNCONFIRMED when GitHub answers 404).
        if (!(err instanceof NotFoundError)) throw err;
        errors = [];
      }
      return { kind: 'found', path, text: file.text, errors };
    }
    return { kind: 'absent' };
  } catch (err) {
    if (err instanceof PermissionError || err instanceof PlanUnavailableError) {
      return { kind: 'unknown', reason: `CODEOWNERS could not be read: ${errorText(err)}` };
    }
    throw err;
  }
}

/** GET /orgs/{org}/installations (organization owners only); `unknown` for anyone else. */
export async function listOrgInstallations(client: GitHubClient, org: string): Promise<AppInstallationsRead> {
  try {
    const apps: Extract<AppInstallationsRead, { kind: 'known' }>['apps'] = [];
    for await (const app of client.paginate('GET /orgs/{org}/installations', { org }, mapInstallation)) apps.push(app);
    return { kind: 'known', apps };
  } catch (err) {
    if (err instanceof PermissionError || err instanceof NotFoundError) {
      return { kind: 'unknown', reason: `the app installations of ${org} are visible to its owners only (${errorText(err)})` };
    }
    throw err;
  }
}
