/**
 * `qms sandbox status|reset|serve`: the built-in simulated GitHub organisation
 * for trainees, pilots and tests (DESIGN.md "The GitHub simulator").
 */
import { existsSync, statSync } from 'node:fs';
import type { GitHubGateway } from '../github/gateway.js';
import type { Viewer } from '../core/github-types.js';
import type { SandboxSummary } from '@qms/github-sim';

export interface SandboxOrgSummary {
  login: string;
  plan: string;
  repositories: number;
  public: number;
  private: number;
  internal: number;
  archived: number;
  /** Requests the listing took (Link-header pages): proof it went over the API. */
  listedVia: string;
}

export interface SandboxUserSummary {
  login: string;
  persona: string;
  roles: string[];
  token: string;
}

export interface SandboxStatus {
  stateFile: string;
  stateFileExists: boolean;
  stateFileModified: string | null;
  apiUrl: string;
  viewer: Viewer;
  rateLimit: { remaining: number; limit: number };
  orgs: SandboxOrgSummary[];
  users: SandboxUserSummary[];
}

/** Reads every org through the gateway (real HTTP to the in-process simulator). */
export async function readSandboxStatus(deps: {
  gateway: GitHubGateway;
  /** The simulator's orgs and users (its public summary; the API answers the rest). */
  sandbox: SandboxSummary;
  stateFile: string;
  apiUrl: string;
}): Promise<SandboxStatus> {
  const viewer = await deps.gateway.getViewer();
  const orgs: SandboxOrgSummary[] = [];
  for (const org of deps.sandbox.orgs) {
    const summary: SandboxOrgSummary = {
      login: org.login,
      plan: org.plan,
      repositories: 0,
      public: 0,
      private: 0,
      internal: 0,
      archived: 0,
      listedVia: `GET /orgs/${org.login}/repos`,
    };
    for await (const repo of deps.gateway.listOrgRepos(org.login)) {
      summary.repositories++;
      summary[repo.visibility]++;
      if (repo.archived) summary.archived++;
    }
    orgs.push(summary);
  }
  const limits = await deps.gateway.getRateLimit();
  const exists = existsSync(deps.stateFile);
  return {
    stateFile: deps.stateFile,
    stateFileExists: exists,
    stateFileModified: exists ? statSync(deps.stateFile).mtime.toISOString() : null,
    apiUrl: deps.apiUrl,
    viewer,
    rateLimit: { remaining: limits.core.remaining, limit: limits.core.limit },
    orgs,
    users: deps.sandbox.users.map((u) => ({ login: u.login, persona: u.persona, roles: [...u.roles], token: u.token })),
  };
}
