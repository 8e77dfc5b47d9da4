/**
 * The one place where Octokit's errors become qms's typed errors
 * (src/core/errors.ts). Every gateway call passes through `wrapError` exactly
 * once; an error that already is a QmsError passes through unchanged.
 *
 * Messages are one line, carry GitHub's own message and the request's method
 * and path, and never the request itself (headers, body): they go through the
 * redactor anyway, in case GitHub echoes something it should not.
 */
import {
  AuthError,
  GitHubError,
  InterruptedError,
  NotFoundError,
  PermissionError,
  PlanUnavailableError,
  QmsError,
  RateLimitError,
  ValidationFailedError,
} from '../core/errors.js';
import type { SecretRedactor } from '../output/logger.js';

export interface ErrorContext {
  redactor: SecretRedactor;
  /** Where the credentials came from, named in the 401 message ("GITHUB_TOKEN", "the GitHub App …"). */
  credentialSource: string;
}

/** The parts of @octokit/request-error's RequestError we use (duck-typed: several copies may be installed). */
export interface RequestErrorLike extends Error {
  status: number;
  request: { method?: string; url?: string };
  response?: { status: number; headers: Record<string, string | number | undefined>; data: unknown };
}

interface GraphqlErrorLike extends Error {
  errors: { type?: string; message?: string; path?: (string | number)[] }[];
  headers?: Record<string, string | number | undefined>;
}

/** plugin-throttling's own error for a GraphQL `RATE_LIMITED` answer it chose not to retry. */
function isGraphqlRateLimit(err: unknown): err is Error & { response: { headers?: Record<string, unknown> } } {
  return (
    err instanceof Error && err.message === 'GraphQL Rate Limit Exceeded' && typeof (err as { response?: unknown }).response === 'object'
  );
}

export function isRequestError(err: unknown): err is RequestErrorLike {
  return (
    err instanceof Error &&
    typeof (err as { status?: unknown }).status === 'number' &&
    typeof (err as { request?: unknown }).request === 'object' &&
    (err as { request?: unknown }).request !== null
  );
}

function isGraphqlResponseError(err: unknown): err is GraphqlErrorLike {
  return err instanceof Error && err.name === 'GraphqlResponseError' && Array.isArray((err as { errors?: unknown }).errors);
}

/** GitHub's `message` from an error response body, if there is one. */
export function githubMessageOf(err: unknown): string | undefined {
  if (!isRequestError(err)) return undefined;
  const data = err.response?.data;
  if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  if (typeof data === 'string' && data.trim() !== '' && data.length < 500) return data;
  return undefined;
}

const PLAN_MESSAGE = /upgrade to github pro|make this repository public to enable this feature/i;
const SECONDARY_MESSAGE = /secondary rate limit|abuse detection/i;

/** "Upgrade to GitHub Pro or make this repository public…": not available on this plan. */
export function isPlanMessage(message: string | undefined): boolean {
  return message !== undefined && PLAN_MESSAGE.test(message);
}

function header(err: RequestErrorLike, name: string): string | undefined {
  const value = err.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

/** One line, bounded, secrets removed. */
export function cleanMessage(text: string, redactor: SecretRedactor, max = 300): string {
  const one = redactor.redact(text).replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** `GET /repos/acme/api/branches/main/protection` — method and path, no host, no query. */
function describeRequest(err: RequestErrorLike, route: string): string {
  const method = (err.request.method ?? route.split(' ')[0] ?? 'GET').toUpperCase();
  try {
    const url = new URL(err.request.url ?? '', 'http://placeholder.invalid');
    let pathname = url.pathname;
    try {
      pathname = decodeURIComponent(pathname);
    } catch {
      // keep the encoded form
    }
    return `${method} ${pathname}`;
  } catch {
    return route;
  }
}

/** GitHub's 422 body: `message` plus the `errors` list (strings or {resource, field, code, message}). */
function validationDetails(err: RequestErrorLike): string {
  const data = err.response?.data as { message?: unknown; errors?: unknown } | undefined;
  const parts: string[] = [];
  if (data && typeof data.message === 'string') parts.push(data.message);
  if (data && Array.isArray(data.errors)) {
    const details = data.errors.map((e) => {
      if (typeof e === 'string') return e;
      if (e && typeof e === 'object') {
        const o = e as Record<string, unknown>;
        if (typeof o['message'] === 'string') return o['message'];
        return [o['resource'], o['field'], o['code']].filter((x) => typeof x === 'string').join(' ');
      }
      return String(e);
    });
    if (details.length > 0) parts.push(details.join('; '));
  }
  return parts.join(': ') || err.message;
}

function rateLimitError(err: RequestErrorLike, route: string, where: string, ctx: ErrorContext): RateLimitError | undefined {
  const remaining = header(err, 'x-ratelimit-remaining');
  const reset = Number(header(err, 'x-ratelimit-reset'));
  const retryAfter = Number(header(err, 'retry-after'));
  const message = githubMessageOf(err) ?? err.message;
  const requestId = header(err, 'x-github-request-id');
  const details = { status: err.status, route, ...(requestId ? { requestId } : {}) };
  if (SECONDARY_MESSAGE.test(message) || (err.status === 429 && remaining !== '0')) {
    const resetAt = Number.isFinite(retryAfter) && retryAfter > 0 ? Date.now() + retryAfter * 1000 : undefined;
    const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? `; GitHub asks to wait ${retryAfter}s` : '';
    return new RateLimitError(
      `GitHub secondary rate limit on ${where}${wait}`,
      { ...details, limit: 'secondary', ...(resetAt ? { resetAt } : {}) },
      {
        hint: 'too many requests in a short time; run again later or with fewer repositories at once',
      },
    );
  }
  if (remaining === '0' || err.status === 429) {
    const resetAt = Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
    const limit = header(err, 'x-ratelimit-limit');
    const when = resetAt ? `; it resets at ${new Date(resetAt).toISOString()}` : '';
    return new RateLimitError(
      cleanMessage(`GitHub API rate limit exhausted (0/${limit ?? '?'} left)${when}`, ctx.redactor),
      { ...details, limit: 'primary', ...(resetAt ? { resetAt } : {}) },
      { hint: 'wait for the reset, or authenticate as a GitHub App (higher limits)' },
    );
  }
  return undefined;
}

/**
 * Convert whatever a gateway call threw into a typed qms error. `route` is
 * the request's `METHOD /template` (GitHubError.route).
 */
export function wrapError(err: unknown, route: string, ctx: ErrorContext): Error {
  if (err instanceof QmsError) return err;
  if (err instanceof Error && err.name === 'AbortError') return new InterruptedError('interrupted while waiting for GitHub');
  if (isGraphqlResponseError(err)) return wrapGraphqlError(err, route, ctx);
  if (isGraphqlRateLimit(err)) {
    const reset = Number(err.response.headers?.['x-ratelimit-reset']);
    return new RateLimitError(
      'GitHub GraphQL rate limit exhausted',
      { status: 200, route, limit: 'primary', ...(Number.isFinite(reset) && reset > 0 ? { resetAt: reset * 1000 } : {}) },
      { hint: 'wait for the reset, or authenticate as a GitHub App (higher limits)' },
    );
  }
  if (!isRequestError(err)) return err instanceof Error ? err : new Error(String(err));

  const where = describeRequest(err, route);
  if (err.name === 'CutOffResponseError') {
    // A transport failure (status 0, transient), not an answer GitHub meant to give.
    const http = (err as { httpStatus?: number }).httpStatus ?? 200;
    return new GitHubError(
      cleanMessage(`GitHub's answer to ${where} was cut off (HTTP ${http}, incomplete JSON)`, ctx.redactor),
      { status: 0, route },
      {
        hint: 'the connection or a proxy dropped part of the answer; it was retried before giving up — try again later',
      },
    );
  }
  const requestId = header(err, 'x-github-request-id');
  const details = { status: err.status, route, ...(requestId ? { requestId } : {}) };
  const github = githubMessageOf(err);
  const msg = (text: string) => cleanMessage(text, ctx.redactor);

  if (err.response === undefined) {
    // No response at all: DNS, refused connection, TLS, reset, timeout.
    const cause = err.message.replace(/ - https?:\/\/\S+$/, '');
    return new GitHubError(
      msg(`could not reach GitHub for ${where}: ${cause}`),
      { status: 0, route },
      {
        hint: 'check the network and --api-url; the request was retried before giving up',
      },
    );
  }
  const text = github ?? err.message;
  switch (true) {
    case err.status === 401:
      return new AuthError(msg(`GitHub rejected the credentials (401 ${text}) — check ${ctx.credentialSource}`), details, {
        hint: 'the token may be expired, revoked, or for another GitHub host (--api-url)',
      });
    case err.status === 403 || err.status === 429: {
      const limited = rateLimitError(err, route, where, ctx);
      if (limited) return limited;
      if (isPlanMessage(text)) return new PlanUnavailableError(msg(`${text} (${where})`), details);
      const accepted = header(err, 'x-accepted-github-permissions');
      return new PermissionError(msg(`GitHub refused ${where} (403 ${text})`), details, {
        hint: accepted
          ? cleanMessage(`GitHub expects these token permissions: ${accepted}`, ctx.redactor)
          : 'the token needs admin rights on the repository (classic token: repo scope; fine-grained token or App: Administration)',
      });
    }
    case err.status === 404:
      return new NotFoundError(msg(`${text} (${where})`), details, {
        hint: 'it does not exist, or the token is not allowed to see it (GitHub answers 404 rather than 403 for hidden resources)',
      });
    case err.status === 422:
      return new ValidationFailedError(msg(`GitHub rejected ${where}: ${validationDetails(err)}`), details);
    case err.status >= 500:
      return new GitHubError(msg(`GitHub answered ${err.status} for ${where}: ${text}`), details, {
        hint: 'a GitHub-side failure; it was retried before giving up — try again later',
      });
    default:
      return new GitHubError(msg(`GitHub answered ${err.status} for ${where}: ${text}`), details);
  }
}

/** GraphQL answers 200 with `errors`; their `type` says what went wrong. */
function wrapGraphqlError(err: GraphqlErrorLike, route: string, ctx: ErrorContext): Error {
  const first = err.errors[0] ?? {};
  const text = cleanMessage(err.errors.map((e) => e.message ?? 'unknown error').join('; '), ctx.redactor);
  const requestId = err.headers?.['x-github-request-id'];
  const details = { status: 200, route, ...(requestId !== undefined ? { requestId: String(requestId) } : {}) };
  switch (first.type) {
    case 'NOT_FOUND':
      return new NotFoundError(`GitHub GraphQL: ${text}`, details);
    case 'FORBIDDEN':
    case 'INSUFFICIENT_SCOPES':
      return new PermissionError(`GitHub GraphQL refused the request: ${text}`, details);
    case 'RATE_LIMITED': {
      const reset = Number(err.headers?.['x-ratelimit-reset']);
      return new RateLimitError(`GitHub GraphQL rate limit exhausted: ${text}`, {
        ...details,
        limit: 'primary',
        ...(Number.isFinite(reset) && reset > 0 ? { resetAt: reset * 1000 } : {}),
      });
    }
    default:
      return new ValidationFailedError(`GitHub GraphQL rejected the request: ${text}`, details);
  }
}
