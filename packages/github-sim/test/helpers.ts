/**
 * Starts a sandbox on an ephemeral port and talks to it over real HTTP.
 * Each test file gets fresh state (seeded from the package's fixtures/).
 */
import type { Sandbox, StartSandboxOptions } from '../src/index.js';
import { apiFor, startCheckedSandbox } from '../src/contract/test-sandbox.js';

import type { ApiOptions, ApiResponse } from '../src/contract/test-sandbox.js';
export { apiFor, sandboxToken as token, type ApiOptions, type ApiResponse } from '../src/contract/test-sandbox.js';

export type Api = (path: string, options?: ApiOptions) => Promise<ApiResponse>;

/** A simulator whose every exchange is checked against GitHub's OpenAPI description on close. */
export async function startTestSandbox(options: StartSandboxOptions = {}): Promise<{ sandbox: Sandbox; api: Api }> {
  const sandbox = await startCheckedSandbox(options);
  return { sandbox, api: apiFor(sandbox) };
}

/** A valid PUT …/protection body with everything off (tests override what they need). */
export function minimalProtection(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    required_status_checks: null,
    enforce_admins: null,
    required_pull_request_reviews: null,
    restrictions: null,
    ...extra,
  };
}

/** Parses a Link header into rel -> URL. */
export function parseLink(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(',')) {
    const m = /<([^>]+)>;\s*rel="([^"]+)"/.exec(part.trim());
    if (m) out[m[2] as string] = m[1] as string;
  }
  return out;
}
