/**
 * CONTRACT (to be implemented): constructs the Octokit-based gateway.
 */
import type { Logger, SecretRedactor } from '../output/logger.js';
import type { GitHubGateway } from './gateway.js';

export type AuthSource =
  | { kind: 'token'; token: string; source: 'GITHUB_TOKEN' | 'GH_TOKEN' | 'gh' | 'sandbox' }
  | { kind: 'app'; appId: string; privateKey: string; installationId: string };

export interface GatewayOptions {
  apiUrl: string;
  auth: AuthSource;
  logger: Logger;
  redactor: SecretRedactor;
  signal?: AbortSignal;
}

export function validateApiUrl(url: string): URL {
  throw new Error(`not implemented: ${url}`);
}

export async function resolveAuth(options: {
  env: NodeJS.ProcessEnv;
  appId?: string;
  privateKeyPath?: string;
  installationId?: string;
  cwd: string;
}): Promise<AuthSource> {
  throw new Error(`not implemented ${Object.keys(options).length}`);
}

export function createGateway(options: GatewayOptions): GitHubGateway {
  throw new Error(`not implemented ${options.apiUrl}`);
}
