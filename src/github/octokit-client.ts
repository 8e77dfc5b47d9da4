/**
 * Octokit construction: plugins, hooks, auth, and the one client every gateway
 * module uses (`GitHubClient`), which wraps errors exactly once.
 *
 * Hook order (outermost first) and why:
 *   retry           — 5xx and network errors (writes included: a retried create may then
 *                     meet its own first attempt, e.g. "Name already protected"), backoff
 *                     (n+1)² s; 429 is in doNotRetry
 *   plugin-throttling — 403/429 rate limits: honours retry-after (secondary) and the reset (primary)
 *   transport       — paces mutative requests (REST writes, GraphQL mutations; ≥1 s apart by
 *                     default), per-attempt timeout combined with the run's signal; the request log
 *   (request-log, auth, fetch)
 * With retry inside throttling, a 429 would be retried at 1 s/4 s ignoring retry-after
 * (docs/github-api.md, "Retries and rate limits"). Here retry is the outer hook *and* 429
 * is in `doNotRetry`, so rate limits are handled by throttling alone, and each retry of a
 * 5xx passes through throttling's pacing again.
 *
 * Every wait in this pipeline — the retry backoff, throttling's retry-after and reset
 * waits, the write pacer — is {@link sleep} on the run's stop signal, so Ctrl-C ends it at
 * once. That is why the retry hook is qms's own (the policy of @octokit/plugin-retry 8,
 * whose wait runs in a private Bottleneck timer nothing can cancel) and why throttling's
 * retries run in {@link createRetryLimiter} instead of its Bottleneck.
 *
 * Two signals (see {@link ClientOptions}): `signal` aborts requests in flight (reads);
 * `stopSignal` (mutating commands, which let a write in flight finish) only ends waits and
 * keeps a new write from starting.
 */
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { Octokit } from '@octokit/rest';
import { throttling } from '@octokit/plugin-throttling';
import { createAppAuth } from '@octokit/auth-app';
import { interruptionOf, sleep } from '../core/wait.js';
import { WriteNotSentError } from '../core/errors.js';
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
  /**
   * Aborts the run: a request in flight is cancelled, every wait ends, and no request
   * starts after it. For commands that only read.
   */
  signal?: AbortSignal;
  /**
   * Stops the run without aborting what is in flight (mutating commands: the write on
   * its way finishes and is recorded): every wait ends at once, and no write starts after
   * it; reads still start, so a write that finished can be read back and verified. What
   * was cancelled fails with the signal's InterruptedError. Default: `signal`.
   */
  stopSignal?: AbortSignal;
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

/**
 * A stand-in for a Bottleneck.Group with a minimum interval. plugin-throttling
 * only calls `group.key(id).schedule(jobOptions, fn, ...args)` on its write and
 * notification groups; passing one as `throttle.write` makes pacing tunable
 * without touching the plugin's process-global groups.
 */
function createIntervalGroup(minTimeMs: number, stop: AbortSignal | undefined) {
  const pacer = createPacer(minTimeMs);
  const limiter = {
    schedule(...args: unknown[]): Promise<unknown> {
      const at = typeof args[0] === 'function' ? 0 : 1;
      const fn = args[at] as (...a: unknown[]) => unknown;
      const rest = args.slice(at + 1);
      return pacer(stop).then(() => fn(...rest));
    },
  };
  return { key: () => limiter };
}

/** Waits for the caller's turn (`onWait` hears how long, when it must wait at all); rejects when `signal` ends the wait. */
type Pacer = (signal: AbortSignal | undefined, onWait?: (waitMs: number) => void) => Promise<void>;

/**
 * Resolves turns in order, each at least `minTimeMs` after the previous one. A turn
 * whose wait is cancelled rejects (the interruption) and does not hold up the turns
 * queued behind it.
 */
function createPacer(minTimeMs: number): Pacer {
  let nextAt = 0;
  let queue: Promise<void> = Promise.resolve();
  return (signal, onWait) => {
    const turn = queue.then(async () => {
      const wait = nextAt - Date.now();
      if (wait > 0) {
        onWait?.(wait);
        await sleep(wait, signal);
      }
      nextAt = Date.now() + minTimeMs;
    });
    queue = turn.catch(() => undefined);
    return turn;
  };
}

/** The parts of a Bottleneck job's failure that plugin-throttling's `failed` handler reads. */
type FailedHandler = (error: unknown, info: { args: unknown[]; retryCount: number }) => unknown;

/**
 * A stand-in for the Bottleneck instance plugin-throttling retries rate-limited requests
 * in (`throttle.retryLimiter`). The plugin's `failed` handler decides (calling
 * onSecondaryRateLimit/onRateLimit) and returns the wait in ms, or nothing to give up;
 * Bottleneck would then wait on a timer nothing can cancel. Here the wait is {@link sleep}
 * on the run's stop signal: Ctrl-C ends a 2-minute retry-after at once, and the request
 * is not sent again.
 */
function createRetryLimiter(stop: AbortSignal | undefined) {
  const failed: FailedHandler[] = [];
  return {
    on(event: string, handler: FailedHandler): void {
      if (event === 'failed') failed.push(handler);
    },
    async schedule(fn: (...a: unknown[]) => unknown, ...args: unknown[]): Promise<unknown> {
      for (let retryCount = 0; ; retryCount += 1) {
        try {
          return await fn(...args);
        } catch (error) {
          let delay: unknown;
          for (const handler of failed) {
            // Like Bottleneck: the first handler that names a delay decides; one that throws does not.
            delay ??= await Promise.resolve(handler(error, { args, retryCount })).catch(() => undefined);
          }
          if (typeof delay !== 'number') throw error;
          await sleep(delay, stop);
        }
      }
    },
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
  return interruptionOf(signal, 'interrupted while waiting for GitHub');
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
  const type = String(response.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  // @octokit/request parses application/json bodies and passes on the text when that fails.
  return type === 'application/json' && typeof response.data === 'string';
}

/** How a failed attempt reads in a log line: `HTTP 502`, `timeout after 2000ms`, `connect ECONNREFUSED 127.0.0.1:1`. */
function describeFailure(err: unknown): string {
  const e = err as { status?: number; response?: { status?: number }; name?: string; message?: string; httpStatus?: number };
  if (e.name === 'CutOffResponseError') return `HTTP ${e.httpStatus ?? 200} cut off`;
  if (e.response?.status !== undefined) return `HTTP ${e.response.status}`;
  const cause = (e.message ?? e.name ?? 'error').replace(/ - https?:\/\/\S+$/, '');
  return cause.length > 120 ? `${cause.slice(0, 119)}…` : cause;
}

interface TransportConfig {
  signal: AbortSignal | undefined;
  stop: AbortSignal | undefined;
  timeoutMs: number;
  logger: Logger;
  writeIntervalMs: number;
}

/**
 * Innermost qms hook: a fresh timeout per attempt, the run's signal, the write pacer,
 * one log line per attempt. Nothing starts after an abort, and no write starts after a
 * stop (a write queued in the pacer when Ctrl-C comes is never sent).
 */
function createTransportPlugin(config: TransportConfig) {
  const pace = createPacer(config.writeIntervalMs);
  const { signal, stop } = config;
  return (octokit: { hook: Octokit['hook'] }) => {
    octokit.hook.wrap('request', async (request, options) => {
      const opts = options as unknown as HookOptions;
      if (signal?.aborted) throw abortReason(signal);
      const mutative = isMutativeRequest(opts as HookOptions & { query?: unknown });
      const line = `${opts.method} ${describeUrl(opts.url)}`;
      if (mutative) {
        const notSent = () => new WriteNotSentError(`${interruptionOf(stop!).message}: the write was not sent`);
        if (stop?.aborted) throw notSent();
        if (config.writeIntervalMs > 0) {
          try {
            await pace(stop, (ms) =>
              config.logger.debug(
                `${line}: waiting ${Math.ceil(ms / 1000)} s before this write (write interval ${config.writeIntervalMs} ms)`,
              ),
            );
          } catch (err) {
            if (stop?.aborted) throw notSent();
            throw err;
          }
          if (stop?.aborted) throw notSent();
        }
      }
      const timeout = AbortSignal.timeout(config.timeoutMs);
      const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
      opts.request = { ...opts.request, signal: attemptSignal };
      const started = performance.now();
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
        if (signal?.aborted) throw abortReason(signal);
        const e = err as { status?: number; response?: HookResponse; name?: string };
        const status = e.response?.status ?? (timeout.aborted ? `timeout after ${config.timeoutMs}ms` : `failed (${e.name ?? 'error'})`);
        config.logger.debug(`${line} ${status} ${ms}ms${rateLimitNote(e.response?.headers)}`);
        throw err;
      }
    });
    return {};
  };
}

interface RetryConfig {
  retries: number;
  baseMs: number;
  doNotRetry: readonly number[];
  stop: AbortSignal | undefined;
  logger: Logger;
}

/** An error plugin-retry would retry: a request error (network failures are status 500) whose status is not in doNotRetry. */
function isRetryable(err: unknown, doNotRetry: readonly number[]): boolean {
  const e = err as { status?: unknown; request?: { request?: unknown } } | null;
  if (typeof e !== 'object' || e === null || typeof e.status !== 'number' || typeof e.request?.request !== 'object') return false;
  return e.status >= 400 && !doNotRetry.includes(e.status);
}

/** GitHub's "Something went wrong while executing your query" in a 200: a server error, retried like a 500. */
function graphqlServerError(response: HookResponse & { data?: unknown }, options: unknown): Error | null {
  const errors = (response.data as { errors?: { message?: unknown }[] } | null | undefined)?.errors;
  const message = Array.isArray(errors) ? errors[0]?.message : undefined;
  if (typeof message !== 'string' || !/Something went wrong while executing your query/.test(message)) return null;
  // Shaped like @octokit/request's RequestError (wrapError duck-types it): a 500 with the answer attached.
  return Object.assign(new Error(message), { name: 'HttpError', status: 500, request: options, response });
}

/**
 * Outermost hook: retries 5xx and network failures with backoff, as @octokit/plugin-retry 8
 * does (same doNotRetry, (n+1)² units, GraphQL "Something went wrong" as a 500), but the
 * backoff is a {@link sleep} on the stop signal. After a stop, a failure that would have been
 * retried ends the request as interrupted (exit 130), never as "could not reach GitHub".
 */
function createRetryPlugin(config: RetryConfig) {
  return (octokit: { hook: Octokit['hook'] }) => {
    octokit.hook.wrap('request', async (request, options) => {
      const opts = options as unknown as HookOptions;
      for (let attempt = 0; ; attempt += 1) {
        try {
          const response = (await request(options)) as unknown as HookResponse & { data?: unknown };
          const serverError = /\/graphql$/.test(opts.url) ? graphqlServerError(response, options) : null;
          if (serverError) throw serverError;
          return response as never;
        } catch (err) {
          if (!isRetryable(err, config.doNotRetry)) throw err;
          if (config.stop?.aborted) throw interruptionOf(config.stop);
          if (attempt >= config.retries) throw err;
          const waitMs = (attempt + 1) ** 2 * config.baseMs;
          config.logger.warn(
            `${opts.method} ${describeUrl(opts.url)} failed (${describeFailure(err)}): retrying in ${formatWait(waitMs)} (retry ${attempt + 1}/${config.retries})`,
          );
          await sleep(waitMs, config.stop);
        }
      }
    });
    return {};
  };
}

/** `9 s`, `250 ms`: how long a wait is, for people. */
function formatWait(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

function createOctokit(options: ClientOptions): Octokit {
  const { logger, signal } = options;
  const stop = options.stopSignal ?? signal;
  // Every in-flight request and wait listens on the run's signals; with a bounded pool
  // that is a few dozen listeners, not a leak.
  for (const s of new Set([signal, stop])) if (s) setMaxListeners(1000, s);
  const throttle = options.throttle ?? {};
  const secondaryRetries = throttle.secondaryRetries ?? 3;
  const maxSecondaryWait = throttle.maxSecondaryWaitSeconds ?? 120;
  const maxPrimaryWait = throttle.maxPrimaryWaitSeconds ?? 60;
  // Rate-limit waits per request, counted here: the `retryCount` plugin-throttling passes
  // is shared with other retries, so a request that met a 502 first would otherwise never
  // wait for a near primary reset. Keyed by the request's options object, which every
  // attempt of one request shares.
  const waits = new WeakMap<object, { primary: number; secondary: number }>();
  const countWait = (opts: object, kind: 'primary' | 'secondary'): number => {
    const entry = waits.get(opts) ?? { primary: 0, secondary: 0 };
    waits.set(opts, entry);
    entry[kind] += 1;
    return entry[kind];
  };

  // Order matters: see the header comment. Plugins listed later wrap the earlier ones.
  const QmsOctokit = Octokit.plugin(
    createTransportPlugin({
      signal,
      stop,
      timeoutMs: options.timeoutMs ?? 30_000,
      logger,
      writeIntervalMs: throttle.writeIntervalMs ?? 1000,
    }),
    throttling,
    createRetryPlugin({
      retries: options.retry?.retries ?? 3,
      baseMs: options.retry?.retryAfterBaseValue ?? 1000,
      doNotRetry: DO_NOT_RETRY,
      stop,
      logger,
    }),
  );
  // Not among the plugin's typed options, but read from them (`state.retryLimiter ?? new Bottleneck()`).
  const untypedThrottleOptions = { retryLimiter: createRetryLimiter(stop) };
  const auth =
    options.auth.kind === 'app'
      ? {
          authStrategy: createAppAuth,
          auth: { appId: options.auth.appId, privateKey: options.auth.privateKey, installationId: options.auth.installationId },
        }
      : { auth: options.auth.token };

  return new QmsOctokit({
    ...auth,
    baseUrl: toBaseUrl(options.apiUrl),
    userAgent: `qms/${qmsVersion()}`,
    // No X-GitHub-Api-Version: GitHub then applies 2022-11-28, and older GHES versions that
    // do not know the header are not put at risk of a 400 (docs/github-api.md).
    // Octokit's own log lines duplicate ours (and its debug line carries the request options).
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => logger.debug(`octokit: ${message}`),
      error: () => undefined,
    },
    throttle: {
      ...untypedThrottleOptions,
      id: 'qms',
      retryAfterBaseValue: throttle.retryAfterBaseValue ?? 1000,
      write: PASS_THROUGH_GROUP as never,
      ...(throttle.notificationIntervalMs !== undefined
        ? { notifications: createIntervalGroup(throttle.notificationIntervalMs, stop) as never }
        : {}),
      onSecondaryRateLimit: (retryAfter: number, opts: { method: string; url: string }) => {
        const route = `${opts.method} ${describeUrl(opts.url)}`;
        const wait = countWait(opts, 'secondary');
        if (wait <= secondaryRetries && retryAfter <= maxSecondaryWait) {
          // After a stop the wait ends before it begins (the retry limiter's sleep): no line.
          if (!stop?.aborted)
            logger.warn(`GitHub secondary rate limit on ${route}: waiting ${retryAfter}s (retry ${wait}/${secondaryRetries})`);
          return true;
        }
        logger.debug(`secondary rate limit on ${route}: giving up after ${wait - 1} retries (retry-after ${retryAfter}s)`);
        return false;
      },
      onRateLimit: (retryAfter: number, opts: { method: string; url: string }) => {
        const route = `${opts.method} ${describeUrl(opts.url)}`;
        // Wait for the reset once per request, when it is near.
        if (countWait(opts, 'primary') <= 1 && retryAfter <= maxPrimaryWait) {
          if (!stop?.aborted) logger.warn(`GitHub API rate limit exhausted on ${route}: waiting ${retryAfter}s for the reset`);
          return true;
        }
        logger.debug(`rate limit on ${route}: reset in ${retryAfter}s is beyond the ${maxPrimaryWait}s wait; giving up`);
        return false;
      },
    },
  });
}

export interface GitHubResponse<T> {
  status: number;
  headers: Record<string, string | number | undefined>;
  data: T;
}

/** How a credential is named in the 401 message. */
function describeCredentials(auth: AuthSource): string {
  if (auth.kind === 'app')
    return `the GitHub App credentials (--app-id ${auth.appId}, --private-key, --installation-id ${auth.installationId})`;
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
