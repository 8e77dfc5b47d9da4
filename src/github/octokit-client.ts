/**
 * Octokit construction: plugins, hooks, auth, and the one client every gateway
 * module uses (`GitHubClient`), which wraps errors exactly once.
 *
 * Hook order (outermost first) and why:
 *   abort race      — a cancelled run stops at once, even during a long retry-after wait
 *   plugin-retry    — 5xx and network errors (writes included: a retried create may then
 *                     meet its own first attempt, e.g. "Name already protected"), backoff
 *                     (n+1)² s; 429 is in doNotRetry
 *   plugin-throttling — 403/429 rate limits: honours retry-after (secondary) and the reset (primary)
 *   transport       — paces mutative requests (REST writes, GraphQL mutations; ≥1 s apart by
 *                     default), per-attempt timeout combined with the run's signal; the request log
 *   (request-log, auth, fetch)
 * GITHUB-API.md §5 "Interaction": with retry inside throttling, plugin-retry retries a 429
 * at 1 s/4 s and ignores retry-after. Here retry is the outer hook *and* 429 is in
 * `doNotRetry`, so rate limits are handled by throttling alone, and each retry of a
 * 5xx passes through throttling's pacing again.
 */
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { createAppAuth } from '@octokit/auth-app';
import { InterruptedError, QmsError } from '../core/errors.js';
import type { Logger, SecretRedactor } from '../output/logger.js';
import { toBaseUrl } from './api-url.js';
import { wrapError, type ErrorContext } from './errors.js';
import type { AuthSource } from './auth.js';
import { ResponseShapeError, shapeErrorToGitHubError } from './map/check.js';

export interface RetryTuning {
  /** Retries of 5xx/network failures (default 3). */
  retries?: number;
  /** Milliseconds per backoff unit: waits are (n+1)² units (default 1000). */
  retryAfterBaseValue?: number;
}

export interface ThrottleTuning {
  /** How often a secondary rate limit is retried (default 3). */
  secondaryRetries?: number;
  /** The longest `retry-after` (seconds) worth waiting for on a secondary limit (default 120). */
  maxSecondaryWaitSeconds?: number;
  /** Wait for the primary limit to reset only when that is at most this far away (seconds, default 60). */
  maxPrimaryWaitSeconds?: number;
  /** Milliseconds per second of `retry-after` (default 1000). */
  retryAfterBaseValue?: number;
  /** Minimum gap between mutative requests: REST writes and GraphQL mutations (default 1000 ms, GitHub's advice). */
  writeIntervalMs?: number;
  /** Minimum gap between requests that notify people, e.g. requesting reviewers (default: the plugin's 3000 ms). */
  notificationIntervalMs?: number;
}

export interface ClientOptions {
  apiUrl: string;
  auth: AuthSource;
  logger: Logger;
  redactor: SecretRedactor;
  signal?: AbortSignal;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  retry?: RetryTuning;
  throttle?: ThrottleTuning;
}

const DEFAULT_DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 451];
/** 429 belongs to plugin-throttling (retry-after); 409 "Git Repository is empty" is not transient. */
export const DO_NOT_RETRY = [...DEFAULT_DO_NOT_RETRY, 409, 429];

const require = createRequire(import.meta.url);
function qmsVersion(): string {
  try {
    return (require('../../package.json') as { version?: string }).version ?? '0';
  } catch {
    return '0';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A stand-in for a Bottleneck.Group with a minimum interval. plugin-throttling
 * only calls `group.key(id).schedule(jobOptions, fn, ...args)` on its write and
 * notification groups; passing one as `throttle.write` makes pacing tunable
 * without touching the plugin's process-global groups.
 */
function createIntervalGroup(minTimeMs: number) {
  const pacer = createPacer(minTimeMs);
  const limiter = {
    schedule(...args: unknown[]): Promise<unknown> {
      const at = typeof args[0] === 'function' ? 0 : 1;
      const fn = args[at] as (...a: unknown[]) => unknown;
      const rest = args.slice(at + 1);
      return pacer().then(() => fn(...rest));
    },
  };
  return { key: () => limiter };
}

/** Resolves turns in order, each at least `minTimeMs` after the previous one. */
function createPacer(minTimeMs: number): () => Promise<void> {
  let nextAt = 0;
  let queue: Promise<void> = Promise.resolve();
  return () => {
    const turn = queue.then(async () => {
      const wait = nextAt - Date.now();
      if (wait > 0) await sleep(wait);
      nextAt = Date.now() + minTimeMs;
    });
    queue = turn;
    return turn;
  };
}

/**
 * plugin-throttling paces every `/graphql` request like a write (≥1 s apart),
 * which would make a batched read of 100 GraphQL pages take 100 s. GitHub's
 * advice ("wait at least one second between each request") is for mutative
 * requests — POST/PATCH/PUT/DELETE and GraphQL mutations — so the plugin's write
 * group is a pass-through and qms paces exactly those requests itself, in the
 * transport hook where the GraphQL document is visible.
 */
const PASS_THROUGH_GROUP = {
  key: () => ({
    schedule(...args: unknown[]): Promise<unknown> {
      const at = typeof args[0] === 'function' ? 0 : 1;
      const fn = args[at] as (...a: unknown[]) => unknown;
      return Promise.resolve().then(() => fn(...args.slice(at + 1)));
    },
  }),
};

/** Is this request mutative in GitHub's sense (paced), as opposed to a read? */
export function isMutativeRequest(options: { method: string; url: string; query?: unknown }): boolean {
  const pathname = options.url.replace(/^https?:\/\/[^/]+/i, '').split('?')[0] ?? '';
  if (/\/graphql$/.test(pathname)) {
    // A GraphQL document is a mutation when its operation keyword says so.
    return typeof options.query === 'string' && /^\s*(#[^\n]*\n\s*)*mutation\b/.test(options.query);
  }
  return options.method !== 'GET' && options.method !== 'HEAD';
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof QmsError ? reason : new InterruptedError('interrupted while waiting for GitHub');
}

interface HookOptions {
  method: string;
  url: string;
  request?: Record<string, unknown>;
}
interface HookResponse {
  status: number;
  headers: Record<string, string | number | undefined>;
}

function describeUrl(url: string): string {
  if (!/^https?:/i.test(url)) return url;
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

function rateLimitNote(headers: HookResponse['headers'] | undefined): string {
  const remaining = headers?.['x-ratelimit-remaining'];
  const limit = headers?.['x-ratelimit-limit'];
  return remaining !== undefined && limit !== undefined ? `, ratelimit ${remaining}/${limit}` : '';
}

/**
 * A 2xx answer declared as JSON whose body does not parse: the connection dropped
 * or a proxy cut the body short. Octokit hands such a body on as a string, and the
 * mappers would then call GitHub's answer "unexpected". It is a transport failure
 * like a reset: this error carries status 500 and the request options, exactly as
 * @octokit/request reports a failed fetch, so plugin-retry retries it with backoff.
 * A write whose answer was cut off was applied by GitHub; retrying it is safe
 * because every qms write is idempotent or verified by a read-back.
 */
export class CutOffResponseError extends Error {
  readonly status = 500;
  readonly request: { method: string; url: string; request: Record<string, unknown> | undefined };
  readonly httpStatus: number;

  constructor(method: string, url: string, httpStatus: number, request: Record<string, unknown> | undefined) {
    super(`the answer (HTTP ${httpStatus}) was cut off: its JSON body is incomplete`);
    this.name = 'CutOffResponseError';
    this.httpStatus = httpStatus;
    this.request = { method, url, request };
  }
}

function isCutOffJson(response: HookResponse & { data?: unknown }): boolean {
  if (response.status < 200 || response.status >= 300 || response.status === 204) return false;
  const type = String(response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // @octokit/request parses application/json bodies and passes on the text when that fails.
  return type === 'application/json' && typeof response.data === 'string';
}

/** Innermost qms hook: a fresh timeout per attempt, the run's signal, one log line per attempt. */
function createTransportPlugin(config: { signal?: AbortSignal; timeoutMs: number; logger: Logger; writeIntervalMs: number }) {
  const pace = createPacer(config.writeIntervalMs);
  return (octokit: { hook: Octokit['hook'] }) => {
    octokit.hook.wrap('request', async (request, options) => {
      const opts = options as unknown as HookOptions;
      if (config.signal?.aborted) throw abortReason(config.signal);
      if (config.writeIntervalMs > 0 && isMutativeRequest(opts as HookOptions & { query?: unknown })) {
        await pace();
        if (config.signal?.aborted) throw abortReason(config.signal);
      }
      const timeout = AbortSignal.timeout(config.timeoutMs);
      const signal = config.signal ? AbortSignal.any([config.signal, timeout]) : timeout;
      opts.request = { ...opts.request, signal };
      const started = performance.now();
      const line = `${opts.method} ${describeUrl(opts.url)}`;
      try {
        const response = await request(options);
        const ms = Math.round(performance.now() - started);
        if (isCutOffJson(response as unknown as HookResponse & { data?: unknown })) {
          config.logger.debug(`${line} ${response.status} cut off (incomplete JSON) ${ms}ms`);
          const url = (response as unknown as { url?: string }).url ?? opts.url;
          throw new CutOffResponseError(opts.method, url, response.status, opts.request);
        }
        config.logger.debug(`${line} ${response.status} ${ms}ms${rateLimitNote(response.headers)}`);
        return response;
      } catch (err) {
        const ms = Math.round(performance.now() - started);
        if (config.signal?.aborted) throw abortReason(config.signal);
        const e = err as { status?: number; response?: HookResponse; name?: string };
        const status = e.response?.status ?? (timeout.aborted ? `timeout after ${config.timeoutMs}ms` : `failed (${e.name ?? 'error'})`);
        config.logger.debug(`${line} ${status} ${ms}ms${rateLimitNote(e.response?.headers)}`);
        throw err;
      }
    });
    return {};
  };
}

function createOctokit(options: ClientOptions): Octokit {
  const { logger, signal } = options;
  // Every in-flight request listens on the run's signal (two hooks each); with a
  // bounded pool that is a few dozen listeners, not a leak.
  if (signal) setMaxListeners(1000, signal);
  const throttle = options.throttle ?? {};
  const secondaryRetries = throttle.secondaryRetries ?? 3;
  const maxSecondaryWait = throttle.maxSecondaryWaitSeconds ?? 120;
  const maxPrimaryWait = throttle.maxPrimaryWaitSeconds ?? 60;
  // Rate-limit waits per request, counted here: the `retryCount` both plugins pass is
  // one shared counter (plugin-retry sets it for 5xx/network retries too), so a request
  // that met a 502 first would otherwise never wait for a near primary reset. Keyed by
  // the request's options object, which every attempt of one request shares.
  const waits = new WeakMap<object, { primary: number; secondary: number }>();
  const countWait = (opts: object, kind: 'primary' | 'secondary'): number => {
    const entry = waits.get(opts) ?? { primary: 0, secondary: 0 };
    waits.set(opts, entry);
    entry[kind] += 1;
    return entry[kind];
  };

  // Order matters: see the header comment. Plugins listed later wrap the earlier ones.
  const QmsOctokit = Octokit.plugin(
    createTransportPlugin({ signal, timeoutMs: options.timeoutMs ?? 30_000, logger, writeIntervalMs: throttle.writeIntervalMs ?? 1000 }),
    throttling,
    retry,
  );
  const auth =
    options.auth.kind === 'app'
      ? {
          authStrategy: createAppAuth,
          auth: { appId: options.auth.appId, privateKey: options.auth.privateKey, installationId: options.auth.installationId },
        }
      : { auth: options.auth.token };

  const octokit = new QmsOctokit({
    ...auth,
    baseUrl: toBaseUrl(options.apiUrl),
    userAgent: `qms/${qmsVersion()}`,
    // No X-GitHub-Api-Version: GitHub then applies 2022-11-28 (GITHUB-API.md §7), and older
    // GHES versions that do not know the header are not put at risk of a 400.
    // Octokit's own log lines duplicate ours (and its debug line carries the request options).
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => logger.debug(`octokit: ${message}`),
      error: () => undefined,
    },
    retry: {
      doNotRetry: DO_NOT_RETRY,
      retries: options.retry?.retries ?? 3,
      retryAfterBaseValue: options.retry?.retryAfterBaseValue ?? 1000,
    },
    throttle: {
      id: 'qms',
      retryAfterBaseValue: throttle.retryAfterBaseValue ?? 1000,
      write: PASS_THROUGH_GROUP as never,
      ...(throttle.notificationIntervalMs !== undefined
        ? { notifications: createIntervalGroup(throttle.notificationIntervalMs) as never }
        : {}),
      onSecondaryRateLimit: (retryAfter: number, opts: { method: string; url: string }) => {
        const route = `${opts.method} ${describeUrl(opts.url)}`;
        if (signal?.aborted) return false;
        const wait = countWait(opts, 'secondary');
        if (wait <= secondaryRetries && retryAfter <= maxSecondaryWait) {
          logger.warn(`GitHub secondary rate limit on ${route}: waiting ${retryAfter}s (retry ${wait}/${secondaryRetries})`);
          return true;
        }
        logger.debug(`secondary rate limit on ${route}: giving up after ${wait - 1} retries (retry-after ${retryAfter}s)`);
        return false;
      },
      onRateLimit: (retryAfter: number, opts: { method: string; url: string }) => {
        const route = `${opts.method} ${describeUrl(opts.url)}`;
        if (signal?.aborted) return false;
        // Wait for the reset once per request, when it is near.
        if (countWait(opts, 'primary') <= 1 && retryAfter <= maxPrimaryWait) {
          logger.warn(`GitHub API rate limit exhausted on ${route}: waiting ${retryAfter}s for the reset`);
          return true;
        }
        logger.debug(`rate limit on ${route}: reset in ${retryAfter}s is beyond the ${maxPrimaryWait}s wait; giving up`);
        return false;
      },
    },
  });

  // Outermost: reject as soon as the run is cancelled, even while a retry waits.
  if (signal) {
    octokit.hook.wrap('request', (request, opts) => {
      if (signal.aborted) return Promise.reject(abortReason(signal));
      const pending = Promise.resolve(request(opts));
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(abortReason(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        pending.then(
          (value) => {
            signal.removeEventListener('abort', onAbort);
            resolve(value);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        );
      });
    });
  }
  return octokit;
}

export interface GitHubResponse<T> {
  status: number;
  headers: Record<string, string | number | undefined>;
  data: T;
}

/** How a credential is named in the 401 message. */
function describeCredentials(auth: AuthSource): string {
  if (auth.kind === 'app') return `the GitHub App credentials (--app-id ${auth.appId}, --private-key, --installation-id ${auth.installationId})`;
  switch (auth.source) {
    case 'GITHUB_TOKEN':
      return 'GITHUB_TOKEN';
    case 'GH_TOKEN':
      return 'GH_TOKEN';
    case 'gh':
      return 'the token from `gh auth token` (run `gh auth status`)';
    case 'sandbox':
      return 'the sandbox token (QMS_SANDBOX_TOKEN)';
  }
}

/** Octokit plus error wrapping; what every gateway module talks to. */
export class GitHubClient {
  readonly octokit: Octokit;
  readonly logger: Logger;
  readonly auth: AuthSource;
  private readonly ctx: ErrorContext;

  constructor(options: ClientOptions) {
    this.octokit = createOctokit(options);
    this.logger = options.logger;
    this.auth = options.auth;
    this.ctx = { redactor: options.redactor, credentialSource: describeCredentials(options.auth) };
  }

  /** Wrap an error from a call on `route` (`METHOD /template`) into a typed qms error. */
  wrap(err: unknown, route: string): Error {
    if (err instanceof ResponseShapeError) return shapeErrorToGitHubError(err, route);
    return wrapError(err, route, this.ctx);
  }

  /** One REST request; errors come out typed. */
  async request<T = unknown>(route: string, params: Record<string, unknown> = {}): Promise<GitHubResponse<T>> {
    try {
      return (await this.octokit.request(route, params)) as GitHubResponse<T>;
    } catch (err) {
      throw this.wrap(err, route);
    }
  }

  /** One REST request whose errors the caller inspects first (and must pass to `wrap`). */
  async requestUnwrapped<T = unknown>(route: string, params: Record<string, unknown> = {}): Promise<GitHubResponse<T>> {
    return (await this.octokit.request(route, params)) as GitHubResponse<T>;
  }

  /** Every item of every page (Link headers), 100 per page. `map` runs per item; shape errors become GitHubErrors. */
  async *paginate<T>(route: string, params: Record<string, unknown>, map: (item: unknown) => T): AsyncGenerator<T> {
    try {
      for await (const page of this.octokit.paginate.iterator(route, { per_page: 100, ...params })) {
        const data = (page as { data: unknown }).data;
        if (!Array.isArray(data)) throw new ResponseShapeError('', 'a list');
        for (const item of data) yield map(item);
      }
    } catch (err) {
      throw this.wrap(err, route);
    }
  }

  /** A GraphQL query or mutation; GraphQL `errors` come out typed too. */
  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    try {
      return await this.octokit.graphql<T>(query, variables);
    } catch (err) {
      throw this.wrap(err, 'POST /graphql');
    }
  }

  /**
   * A GraphQL query whose per-field errors the caller handles (e.g. NOT_FOUND
   * for one alias of many): returns the partial data with GitHub's errors.
   * Transport and HTTP errors are still thrown, typed.
   */
  async graphqlPartial<T>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<{ data: T | null; errors: { type?: string; message?: string; path?: (string | number)[] }[] }> {
    try {
      return { data: await this.octokit.graphql<T>(query, variables), errors: [] };
    } catch (err) {
      if (err instanceof Error && err.name === 'GraphqlResponseError') {
        const e = err as Error & { data?: T; errors?: { type?: string; message?: string; path?: (string | number)[] }[] };
        return { data: e.data ?? null, errors: e.errors ?? [] };
      }
      throw this.wrap(err, 'POST /graphql');
    }
  }

  /** Map a response, turning a shape mismatch into a clear GitHubError naming the route. */
  mapResponse<T>(route: string, map: () => T): T {
    try {
      return map();
    } catch (err) {
      throw this.wrap(err, route);
    }
  }
}
