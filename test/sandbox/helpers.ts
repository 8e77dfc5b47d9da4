/**
 * Starts a sandbox on an ephemeral port and talks to it over real HTTP.
 * Each test file gets fresh state (seeded from fixtures/sandbox).
 */
import type { Sandbox, StartSandboxOptions } from '../../src/sandbox/index.js';
import { startCheckedSandbox } from '../helpers/sandbox.js';

export const token = (login: string): string => `qms_sandbox_${login}`;

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ApiOptions {
  /** Login to authenticate as (its sandbox token); null for anonymous. Default: ada. */
  as?: string | null;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Api = (path: string, options?: ApiOptions) => Promise<ApiResponse>;

export function apiFor(sandbox: Sandbox): Api {
  return async (path, options = {}) => {
    const headers: Record<string, string> = { accept: 'application/vnd.github+json', ...(options.headers ?? {}) };
    const as = options.as === undefined ? 'ada' : options.as;
    if (as !== null) headers['authorization'] = `token ${token(as)}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${sandbox.url}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, body, text };
  };
}

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
