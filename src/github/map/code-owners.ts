/**
 * CODEOWNERS errors and app installations, in either vocabulary → qms types.
 * REST `codeowners-errors` items and GraphQL `RepositoryCodeownersError` nodes
 * carry the same fields (`line`, `kind`, `message`).
 */
import type { AppInstallationsRead, CodeOwnersError } from '../../core/github-types.js';
import { arr, childPath, num, obj, optStr, str } from './check.js';

/** `errors[]` of GET …/codeowners/errors, or of GraphQL `codeowners { errors }`. */
export function mapCodeOwnersErrors(value: unknown, path: string): CodeOwnersError[] {
  return (value === undefined || value === null ? [] : arr(value, path)).map((item, i) => {
    const p = childPath(path, i);
    const o = obj(item, p);
    return { line: num(o, 'line', p), kind: str(o, 'kind', p), message: optStr(o, 'message', p) ?? str(o, 'kind', p) };
  });
}

/** GET /orgs/{org}/installations items (octokit's paginate unwraps `installations`). */
export function mapInstallation(item: unknown): Extract<AppInstallationsRead, { kind: 'known' }>['apps'][number] {
  const o = obj(item, '');
  const allRepositories = optStr(o, 'repository_selection', '') !== 'selected';
  return { appId: num(o, 'app_id', ''), slug: str(o, 'app_slug', ''), allRepositories };
}
