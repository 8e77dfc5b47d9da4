/**
 * Shared set-up for gateway integration tests: a simulator on 127.0.0.1 and a
 * real Octokit gateway talking to it over HTTP (no mocks).
 */
import type { Sandbox, StartSandboxOptions } from '@qms/github-sim';
import { startCheckedSandbox } from '../../helpers/sandbox.js';
import { createGateway, type GatewayOptions } from '../../../src/github/create-gateway.js';
import type { GitHubGateway } from '../../../src/github/gateway.js';
import { createLogger, SecretRedactor } from '../../../src/output/logger.js';

export interface GatewayHarness {
  gateway: GitHubGateway;
  /** Everything the gateway logged (verbose), secrets already redacted. */
  lines: string[];
  redactor: SecretRedactor;
}

export function sandboxToken(login: string): string {
  return `qms_sandbox_${login}`;
}

/**
 * A gateway for `login`. Writes are not paced (writeIntervalMs 0) and 5xx
 * backoff is shortened, so tests stay fast; rate-limit waits keep their real
 * 1 s per retry-after second unless a test says otherwise.
 */
export function gatewayFor(sandbox: Sandbox, login: string, extra: Partial<GatewayOptions> = {}): GatewayHarness {
  const redactor = new SecretRedactor();
  const lines: string[] = [];
  const logger = createLogger({ level: 'verbose', redactor, write: (line) => lines.push(line) });
  const gateway = createGateway({
    apiUrl: sandbox.url,
    auth: { kind: 'token', token: sandboxToken(login), source: 'sandbox' },
    logger,
    redactor,
    retry: { retryAfterBaseValue: 10 },
    throttle: { writeIntervalMs: 0, notificationIntervalMs: 0 },
    ...extra,
  });
  return { gateway, lines, redactor };
}

/** The simulator; closing it asserts that every exchange kept GitHub's contract. */
export async function withSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  return startCheckedSandbox(options);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
