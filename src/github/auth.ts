/**
 * Where the credentials come from: GitHub App options (when given), else
 * GITHUB_TOKEN, else GH_TOKEN, else `gh auth token`. Every secret found is
 * registered with the redactor at once, before anything can log it.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AuthError, UsageError } from '../core/errors.js';
import type { SecretRedactor } from '../output/logger.js';

export type AuthSource =
  | { kind: 'token'; token: string; source: 'GITHUB_TOKEN' | 'GH_TOKEN' | 'gh' | 'sandbox' }
  | { kind: 'app'; appId: string; privateKey: string; installationId: string };

export interface ResolveAuthOptions {
  env: NodeJS.ProcessEnv;
  appId?: string;
  privateKeyPath?: string;
  installationId?: string;
  cwd: string;
  /** Registers each secret as soon as it is read. */
  redactor?: SecretRedactor;
  /** For `gh auth token --hostname`: the API URL in use (GHES); github.com otherwise. */
  apiUrl?: string;
  /** How long `gh auth token` may take (default 5 s). */
  ghTimeoutMs?: number;
}

export const NO_CREDENTIALS_MESSAGE =
  'no GitHub credentials: set GITHUB_TOKEN (or GH_TOKEN), log in with `gh auth login`, or pass --app-id, --private-key and --installation-id';

/** The gh host for an API URL: github.com for api.github.com, else the GHES host. */
export function ghHostname(apiUrl: string | undefined): string | undefined {
  if (!apiUrl) return undefined;
  try {
    const host = new URL(apiUrl).hostname;
    return host === 'api.github.com' ? 'github.com' : host;
  } catch {
    return undefined;
  }
}

/** `gh auth token`; undefined when gh is absent, not logged in, slow, or says nothing. */
export function readGhToken(
  env: NodeJS.ProcessEnv,
  cwd: string,
  hostname: string | undefined,
  timeoutMs: number,
): Promise<string | undefined> {
  const args = ['auth', 'token', ...(hostname && hostname !== 'github.com' ? ['--hostname', hostname] : [])];
  return new Promise((resolve) => {
    execFile('gh', args, { env, cwd, timeout: timeoutMs, windowsHide: true, maxBuffer: 64 * 1024 }, (err, stdout) => {
      if (err) {
        resolve(undefined);
        return;
      }
      const token = String(stdout).trim();
      resolve(token === '' || /\s/.test(token) ? undefined : token);
    });
  });
}

async function resolveApp(options: ResolveAuthOptions): Promise<AuthSource> {
  const given = {
    '--app-id': options.appId?.trim() || undefined,
    '--private-key': options.privateKeyPath?.trim() || undefined,
    '--installation-id': options.installationId?.trim() || undefined,
  };
  const missing = Object.entries(given)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length > 0) {
    const present = Object.entries(given)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    throw new UsageError(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required with ${present.join(' and ')} (GitHub App authentication needs all three)`,
    );
  }
  const installationId = given['--installation-id'] as string;
  if (!/^\d+$/.test(installationId)) throw new UsageError(`--installation-id must be a number (got "${installationId}")`);
  const keyPath = path.resolve(options.cwd, given['--private-key'] as string);
  let privateKey: string;
  try {
    privateKey = await readFile(keyPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read the GitHub App private key file ${keyPath} (${code})`);
  }
  options.redactor?.add(privateKey);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    throw new UsageError(`${keyPath} is not a PEM private key (download it from the GitHub App's settings page)`);
  }
  return { kind: 'app', appId: given['--app-id'] as string, privateKey, installationId };
}

/**
 * Find credentials. Explicit GitHub App options win over ambient tokens (in
 * GitHub Actions GITHUB_TOKEN is always set); otherwise GITHUB_TOKEN, GH_TOKEN,
 * then `gh auth token`. None → AuthError (exit 3) saying how to provide one.
 */
export async function resolveAuth(options: ResolveAuthOptions): Promise<AuthSource> {
  if (options.appId || options.privateKeyPath || options.installationId) return resolveApp(options);
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN'] as const) {
    const token = options.env[name]?.trim();
    if (token) {
      options.redactor?.add(token);
      return { kind: 'token', token, source: name };
    }
  }
  const token = await readGhToken(options.env, options.cwd, ghHostname(options.apiUrl), options.ghTimeoutMs ?? 5000);
  if (token) {
    options.redactor?.add(token);
    return { kind: 'token', token, source: 'gh' };
  }
  throw new AuthError(NO_CREDENTIALS_MESSAGE, { status: 0 });
}
