/**
 * Constructs the Octokit-based gateway (the CLI's entry point into src/github;
 * loaded lazily so `qms --help` does not load Octokit).
 */
import type { Logger, SecretRedactor } from '../output/logger.js';
import type { GitHubGateway } from './gateway.js';
import { validateApiUrl as checkApiUrl } from './api-url.js';
import { resolveAuth as findAuth, type AuthSource, type ResolveAuthOptions } from './auth.js';
import { OctokitGateway } from './octokit-gateway.js';
import type { RetryTuning, ThrottleTuning } from './octokit-client.js';

export type { AuthSource } from './auth.js';
export type { RetryTuning, ThrottleTuning } from './octokit-client.js';
export { OctokitGateway } from './octokit-gateway.js';

export interface GatewayOptions {
  apiUrl: string;
  auth: AuthSource;
  logger: Logger;
  redactor: SecretRedactor;
  /** Aborts requests in flight, ends every wait, starts nothing new (read-only commands). */
  signal?: AbortSignal;
  /**
   * Ends every wait and keeps a new write from starting, but lets a request in flight
   * finish (mutating commands, after `deferInterrupts()`). Default: `signal`.
   */
  stopSignal?: AbortSignal;
  /** Per-attempt request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** 5xx/network retries (plugin-retry). */
  retry?: RetryTuning;
  /** Rate-limit handling and pacing (plugin-throttling). */
  throttle?: ThrottleTuning;
}

/** https anywhere; http only for loopback; no credentials; trailing slash removed. UsageError otherwise. */
export function validateApiUrl(url: string): URL {
  return checkApiUrl(url);
}

export async function resolveAuth(options: ResolveAuthOptions): Promise<AuthSource> {
  return findAuth(options);
}

export function createGateway(options: GatewayOptions): GitHubGateway {
  // Register secrets before anything can log: the token, or the App's private key.
  if (options.auth.kind === 'token') options.redactor.add(options.auth.token);
  else options.redactor.add(options.auth.privateKey);
  return new OctokitGateway({
    apiUrl: options.apiUrl,
    auth: options.auth,
    logger: options.logger,
    redactor: options.redactor,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.throttle ? { throttle: options.throttle } : {}),
  });
}
