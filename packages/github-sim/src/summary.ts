/**
 * What a user of the simulator may know about its state without its model:
 * the orgs (login, plan, how many repositories) and who you can be (login,
 * persona, roles, token). `qms sandbox status|reset|serve` show this; the
 * state itself (`SimState`) stays the simulator's business.
 */
import type { SimPlan, SimState } from './model.js';
import { listSandboxUsers, type SandboxUserInfo } from './users.js';

export interface SandboxOrgInfo {
  login: string;
  plan: SimPlan;
  /** Repositories the org owns, archived ones included. */
  repositories: number;
}

export interface SandboxSummary {
  orgs: SandboxOrgInfo[];
  users: SandboxUserInfo[];
}

export function summarizeSandbox(state: SimState): SandboxSummary {
  const counts = new Map<string, number>();
  for (const repo of state.repos) counts.set(repo.owner, (counts.get(repo.owner) ?? 0) + 1);
  return {
    orgs: state.orgs.map((o) => ({ login: o.login, plan: o.plan, repositories: counts.get(o.login) ?? 0 })),
    users: listSandboxUsers(state),
  };
}
