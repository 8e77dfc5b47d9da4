/**
 * URL builders for GitHub JSON. API URLs point at the simulator itself (with
 * the /api/v3 prefix when the client used it, as GitHub Enterprise Server
 * does), so clients that follow `url` fields or Link headers stay on it.
 * HTML URLs use the same origin without the prefix.
 */

/** Percent-encodes a branch or path for a URL while keeping `/` readable, as GitHub prints them. */
export function encodePathKeepingSlashes(value: string): string {
  return encodeURIComponent(value).replace(/%2F/gi, '/');
}

export class Urls {
  constructor(
    /** e.g. http://127.0.0.1:4321 or http://127.0.0.1:4321/api/v3 */
    readonly api: string,
    /** e.g. http://127.0.0.1:4321 */
    readonly web: string,
  ) {}

  user(login: string): string {
    return `${this.api}/users/${login}`;
  }
  userHtml(login: string): string {
    return `${this.web}/${login}`;
  }
  avatar(id: number): string {
    return `${this.web}/avatars/u/${id}?v=4`;
  }
  org(login: string): string {
    return `${this.api}/orgs/${login}`;
  }
  repo(owner: string, name: string): string {
    return `${this.api}/repos/${owner}/${name}`;
  }
  repoHtml(owner: string, name: string): string {
    return `${this.web}/${owner}/${name}`;
  }
  branch(owner: string, name: string, branch: string): string {
    return `${this.repo(owner, name)}/branches/${encodePathKeepingSlashes(branch)}`;
  }
  protection(owner: string, name: string, branch: string): string {
    return `${this.branch(owner, name, branch)}/protection`;
  }
  commit(owner: string, name: string, sha: string): string {
    return `${this.repo(owner, name)}/commits/${sha}`;
  }
  team(orgId: number, teamId: number): string {
    return `${this.api}/organizations/${orgId}/team/${teamId}`;
  }
  teamHtml(org: string, slug: string): string {
    return `${this.web}/orgs/${org}/teams/${slug}`;
  }
  app(slug: string): string {
    return `${this.web}/apps/${slug}`;
  }
}
