/** Sandbox identities: tokens that map to fixture users (never real credentials). */
import type { SimState } from './model.js';

/** The default `--sandbox` identity: the org owner / ops engineer of the fixture. */
export const SANDBOX_DEFAULT_LOGIN = 'ada';
export const SANDBOX_TOKEN_PREFIX = 'qms_sandbox_';

export function isSandboxToken(token: string | undefined | null): token is string {
  return typeof token === 'string' && token.startsWith(SANDBOX_TOKEN_PREFIX) && token.length > SANDBOX_TOKEN_PREFIX.length;
}

/**
 * The token `--sandbox` uses: QMS_SANDBOX_TOKEN, else GITHUB_TOKEN / GH_TOKEN
 * when (and only when) they hold a sandbox token, else the default admin's.
 * A real credential is never returned, so it can never reach the simulator.
 */
export function sandboxTokenFor(env: NodeJS.ProcessEnv): string {
  for (const name of ['QMS_SANDBOX_TOKEN', 'GITHUB_TOKEN', 'GH_TOKEN']) {
    const value = env[name]?.trim();
    if (isSandboxToken(value)) return value;
  }
  return `${SANDBOX_TOKEN_PREFIX}${SANDBOX_DEFAULT_LOGIN}`;
}

export interface SandboxUserInfo {
  login: string;
  persona: string;
  roles: string[];
  token: string;
}

export function listSandboxUsers(state: SimState): SandboxUserInfo[] {
  return state.users.map((u) => ({ login: u.login, persona: u.persona, roles: [...u.roles], token: u.token }));
}
