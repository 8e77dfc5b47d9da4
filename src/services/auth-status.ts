/**
 * `qms auth status --org O`: can this token see the org's classic branch protection?
 *
 * GitHub shows classic protection only to repository admins (docs/github-api.md
 * "Who can read what"), so a token that administers few of the org's repositories
 * gets `unknown` for the rest, and assess exits 4. Finding out costs little:
 * 1. one GraphQL query (`organization.viewerCanAdminister`, 1 point): an org owner
 *    administers every repository, and the check stops there;
 * 2. otherwise the REST repository listing (`permissions.admin` per repository,
 *    100 a page: ceil(n/100) requests), counting the repositories assess would
 *    judge (archived and disabled ones are skipped by classification anyway).
 * What the listing and `viewerCanAdminister` say for fine-grained personal access
 * tokens and GitHub App installations (whose `administration` permission is what
 * counts) is UNCONFIRMED: docs/github-api.md says so.
 */
import type { GitHubGateway } from '../github/gateway.js';

export interface OrgAdminCheck {
  org: string;
  /** The viewer administers the organization (an owner: admin on every repository). */
  owner: boolean;
  /** Owner: every repository of the org. Otherwise the ones assess would judge (not archived, not disabled) that the token can see. */
  repositories: number;
  /** Of those, the ones the token administers. */
  administered: number;
  /** One line when the token cannot administer some of them; null otherwise. */
  warning: string | null;
}

export async function checkOrgAdministration(gateway: GitHubGateway, org: string): Promise<OrgAdminCheck> {
  const batch = gateway.batchRead();
  const size = await batch.measureOrg(org);
  if (size.viewerIsOwner) {
    return { org, owner: true, repositories: size.totalRepositories, administered: size.totalRepositories, warning: null };
  }
  let repositories = 0;
  let administered = 0;
  for await (const repo of gateway.listOrgRepos(org)) {
    if (repo.archived || repo.disabled) continue;
    repositories += 1;
    if (repo.viewerPermission === 'admin') administered += 1;
  }
  const others = repositories - administered;
  const warning =
    others === 0
      ? null
      : `this token administers ${administered} of the ${repositories} repositories of ${org} it can see (not an org owner): ` +
        `classic branch protection of the other ${others} cannot be read (needs admin, or administration: read for ` +
        'fine-grained and App tokens), so assess reports them unknown and exits 4';
  return { org, owner: false, repositories, administered, warning };
}
