/**
 * Request budgets for org reads (issue 5): before a run, how many requests and
 * rate-limit points it will need, against what the token has left; during a
 * run, an optional hard cap (`--max-requests`).
 *
 * The estimate comes from the org size (one GraphQL query, 1 point) and the
 * reader's shape:
 * - batched reader: a GraphQL page per 100 repositories (4 points each: four
 *   connections per repository, GITHUB-API.md §3), a REST page of custom property
 *   values per 100 repositories, and detail queries for the rules and rulesets
 *   that exist (4 resp. 2 connection requests each, DETAIL_BATCH per query). Their
 *   number is unknown before reading: the estimate assumes RULES_PER_REPO classic
 *   rules and RULESETS_PER_REPO distinct rulesets per repository;
 * - per-repository REST reader: about REST_REQUESTS_PER_REPO per repository.
 * `GET /rate_limit` is free (GitHub does not count it).
 *
 * When the run cannot fit in what is left: refuse (exit 3) naming the reset time,
 * or, with `--wait-for-rate-limit`, wait for the reset once and check again. A
 * need larger than the whole hourly limit is refused either way: waiting would
 * not help, and a REST run of that size should use the batched reader.
 */
import { ExitCode, QmsError, UsageError } from '../core/errors.js';
import { sleep as sleepUntilCancelled } from '../core/wait.js';
import type { RateLimitStatus } from '../core/github-types.js';
import { DETAIL_BATCH, type BatchRead, type OrgSize } from '../github/batch-read.js';
import type { GitHubGateway } from '../github/gateway.js';
import type { QmsPolicy } from '../core/policy.js';
import type { Logger } from '../output/logger.js';
import type { Store } from '../store/types.js';
import type { LiveStateReader } from './evaluation.js';
import { FileConditionalCache, findResumableRun, observeRunStart, StoreReadCheckpoint } from './checkpoint.js';
import { createLiveStateReader, READER_KINDS, type LiveStateReaderKind } from './readers/graphql-reader.js';

/** Points of one GraphQL page of 100 repositories: round((1 + 4 × 100) / 100). */
export const POINTS_PER_PAGE = 4;
export const RULES_PER_REPO = 1;
export const RULESETS_PER_REPO = 0.25;
export const REST_REQUESTS_PER_REPO = 8;

/** The run would exceed the request budget (`--max-requests`) or the token's rate limit. Exit 3. */
export class BudgetExceededError extends QmsError {
  constructor(message: string, options?: { hint?: string }) {
    super(message, ExitCode.GitHub, options);
    this.name = 'BudgetExceededError';
  }
}

export interface ReadEstimate {
  reader: 'graphql' | 'rest';
  repositories: number;
  /** Every HTTP request, GraphQL and REST. */
  requests: number;
  graphqlQueries: number;
  graphqlPoints: number;
  /** Requests charged to the REST (core) limit. */
  restRequests: number;
}

/** What reading `repositories` repositories will take with `reader`. */
export function estimateOrgRead(reader: 'graphql' | 'rest', repositories: number): ReadEstimate {
  const n = Math.max(0, repositories);
  const pages = Math.max(1, Math.ceil(n / 100));
  if (reader === 'rest') {
    const rest = pages + Math.ceil(n * REST_REQUESTS_PER_REPO);
    // Patterns (release/*) add one GraphQL rule list per repository that targets them: counted as REST here.
    return { reader, repositories: n, requests: rest + 1, graphqlQueries: 1, graphqlPoints: 1, restRequests: rest };
  }
  const rules = Math.ceil(n * RULES_PER_REPO);
  const rulesets = Math.ceil(n * RULESETS_PER_REPO);
  const detailQueries = Math.ceil(rules / DETAIL_BATCH) + Math.ceil(rulesets / DETAIL_BATCH);
  const graphqlQueries = 1 + pages + detailQueries;
  const graphqlPoints = 1 + pages * POINTS_PER_PAGE + Math.ceil((rules * 4 + rulesets * 2) / 100);
  // Property pages, plus the plan probe.
  const restRequests = pages + 1;
  return { reader, repositories: n, requests: graphqlQueries + restRequests, graphqlQueries, graphqlPoints, restRequests };
}

export interface BudgetCheckDeps {
  gateway: GitHubGateway;
  /** The batch the run will read through (measures the org; counts requests). */
  batch: BatchRead;
  logger?: Logger;
  signal?: AbortSignal;
  now?: () => number;
  /** The wait for the reset (default: the cancellable {@link sleepUntilCancelled}; Ctrl-C ends it at once). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface BudgetCheckRequest {
  org: string;
  reader: 'graphql' | 'rest';
  /** `--max-requests`: refuse when the estimate exceeds it; the batched reader stops at it. */
  maxRequests?: number;
  /** `--wait-for-rate-limit`: wait for the reset instead of refusing. */
  waitForRateLimit?: boolean;
  /** Already known, e.g. only some repositories are read. */
  repositories?: number;
  /** Repositories a resumed run already has (not read again). */
  alreadyRead?: number;
}

export interface BudgetCheck {
  size: OrgSize | null;
  estimate: ReadEstimate;
  rateLimit: RateLimitStatus;
  /** Milliseconds waited for a reset. */
  waitedMs: number;
}

/** `--max-requests`: a whole number ≥ 1. */
export function parseMaxRequests(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--max-requests must be a whole number of requests (1 or more); got "${value}"`);
  return n;
}

interface Shortfall {
  resource: 'graphql' | 'core';
  need: number;
  remaining: number;
  limit: number;
  resetAt: number;
}

function shortfalls(estimate: ReadEstimate, rate: RateLimitStatus): Shortfall[] {
  const out: Shortfall[] = [];
  if (estimate.graphqlPoints > rate.graphql.remaining) {
    out.push({
      resource: 'graphql',
      need: estimate.graphqlPoints,
      remaining: rate.graphql.remaining,
      limit: rate.graphql.limit,
      resetAt: rate.graphql.resetAt,
    });
  }
  if (estimate.restRequests > rate.core.remaining) {
    out.push({
      resource: 'core',
      need: estimate.restRequests,
      remaining: rate.core.remaining,
      limit: rate.core.limit,
      resetAt: rate.core.resetAt,
    });
  }
  return out;
}

function describe(s: Shortfall): string {
  const unit = s.resource === 'graphql' ? 'GraphQL points' : 'REST requests';
  return `about ${s.need} ${unit}, ${s.remaining} of ${s.limit} left until ${new Date(s.resetAt).toISOString()}`;
}

/**
 * Measure the org, estimate the read, compare with `/rate_limit` and the cap.
 * Throws BudgetExceededError (exit 3) when the run cannot fit; installs the cap
 * on `deps.batch` when one is given.
 */
export async function checkReadBudget(deps: BudgetCheckDeps, request: BudgetCheckRequest): Promise<BudgetCheck> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? sleepUntilCancelled;
  const size = request.repositories === undefined ? await deps.batch.measureOrg(request.org) : null;
  const repositories = request.repositories ?? size?.totalRepositories ?? 0;
  const estimate = estimateOrgRead(request.reader, Math.max(0, repositories - (request.alreadyRead ?? 0)));
  deps.logger?.debug(
    `budget: ${repositories} repositories, about ${estimate.requests} requests (${estimate.graphqlQueries} GraphQL, ${estimate.graphqlPoints} points; ${estimate.restRequests} REST)`,
  );

  if (request.maxRequests !== undefined) {
    const max = request.maxRequests;
    const spent = deps.batch.requests;
    if (estimate.requests + spent > max) {
      throw new BudgetExceededError(
        `reading ${request.org} (${repositories} repositories) takes about ${estimate.requests + spent} requests, more than --max-requests ${max}; nothing was read`,
        {
          hint:
            request.reader === 'rest'
              ? 'the batched reader (--reader graphql) needs far fewer'
              : 'raise --max-requests, or narrow the run with --repo',
        },
      );
    }
    if (request.reader === 'graphql') {
      deps.batch.setRequestGuard((sent) => {
        if (sent >= max) {
          throw new BudgetExceededError(`stopped after ${sent} requests (--max-requests ${max}); what was read is checkpointed`, {
            hint: 'continue with `qms assess --resume` and a new --max-requests',
          });
        }
      });
    }
  }

  let waitedMs = 0;
  let rate = await deps.gateway.getRateLimit();
  let short = shortfalls(estimate, rate);
  const hopeless = short.filter((s) => s.need > s.limit);
  if (hopeless.length > 0) {
    throw new BudgetExceededError(`reading ${request.org} needs more than the token's hourly limit: ${hopeless.map(describe).join('; ')}`, {
      hint:
        request.reader === 'rest'
          ? 'use the batched reader (--reader graphql)'
          : 'narrow the run with --repo or --tier, or use a GitHub App (higher limits)',
    });
  }
  if (short.length > 0 && request.waitForRateLimit) {
    const until = Math.max(...short.map((s) => s.resetAt));
    const ms = Math.max(0, until - now()) + 1000;
    deps.logger?.warn(
      `rate limit: ${short.map(describe).join('; ')}; waiting ${Math.ceil(ms / 1000)} s for the reset (--wait-for-rate-limit)`,
    );
    await sleep(ms, deps.signal);
    waitedMs = ms;
    rate = await deps.gateway.getRateLimit();
    short = shortfalls(estimate, rate);
  }
  if (short.length > 0) {
    throw new BudgetExceededError(
      `not enough rate limit left to read ${request.org}: ${short.map(describe).join('; ')}; nothing was read`,
      {
        hint: 'run again after the reset, or pass --wait-for-rate-limit to wait for it',
      },
    );
  }
  return { size, estimate, rateLimit: rate, waitedMs };
}

// ---------------------------------------------------------------------------
// Wiring for the org commands (assess, classify): reader, budget, checkpoints

export interface OrgReadDeps {
  gateway: GitHubGateway;
  /** The API URL (names the host in the conditional-request cache beside the store). */
  apiUrl?: string;
  /** assess: the store its run goes to (checkpoints); classify stores no run. */
  store?: Store;
  /** The policy decides which branches matter (assess); absent for classify. */
  policy?: QmsPolicy;
  logger: Logger;
  signal?: AbortSignal;
}

export interface OrgReadRequest {
  org: string;
  repos: readonly string[];
  tier?: string;
  reader: LiveStateReaderKind;
  concurrency?: number;
  maxRequests?: number;
  resume?: boolean;
  waitForRateLimit?: boolean;
}

export interface OrgReadSetup {
  reader: LiveStateReader;
  /** The store to hand to the service (it reports the run's id to the checkpoints). */
  store: Store | undefined;
  budget: BudgetCheck | null;
  /** The run continued with --resume, if any. */
  resumedFrom: number | null;
  /** Requests the batched reader sent so far (null for the REST reader). */
  requests(): number | null;
}

/** `--reader`: graphql (default, batched) or rest (one repository at a time). */
export function parseReaderOption(value: string | undefined): LiveStateReaderKind {
  if (value === undefined) return 'graphql';
  const v = value.trim().toLowerCase();
  if ((READER_KINDS as readonly string[]).includes(v)) return v as LiveStateReaderKind;
  throw new UsageError(`--reader must be one of ${READER_KINDS.join(', ')}; got "${value}"`);
}

/**
 * The read flags of an org command, checked before anything reaches GitHub
 * (usage errors exit 2 before any request).
 */
export function parseOrgReadFlags(flags: { reader?: string; maxRequests?: string; resume?: boolean; repos: readonly string[] }): {
  reader: LiveStateReaderKind;
  maxRequests: number | undefined;
} {
  const reader = parseReaderOption(flags.reader);
  const maxRequests = parseMaxRequests(flags.maxRequests);
  if (reader === 'rest' && (maxRequests !== undefined || flags.resume)) {
    throw new UsageError(`${flags.resume ? '--resume' : '--max-requests'} needs the batched reader (drop --reader rest)`);
  }
  if (flags.resume && flags.repos.length > 0) throw new UsageError('--resume continues an org-wide run; it does not combine with --repo');
  return { reader, maxRequests };
}

/**
 * The reader an org command reads through, after the budget check: the batched
 * reader with checkpoints (assess, org-wide) and the request cap, or the REST
 * reader. Refuses (exit 3) before any repository is read when the run cannot fit.
 */
export async function prepareOrgRead(deps: OrgReadDeps, request: OrgReadRequest): Promise<OrgReadSetup> {
  const named = request.repos.length > 0;
  parseOrgReadFlags({
    reader: request.reader,
    ...(request.maxRequests !== undefined ? { maxRequests: String(request.maxRequests) } : {}),
    resume: request.resume === true,
    repos: request.repos,
  });
  if (request.resume && !deps.store) throw new UsageError('--resume applies to qms assess');

  let resumedFrom: number | null = null;
  let alreadyRead = 0;
  if (request.resume && deps.store) {
    const found = findResumableRun(deps.store, request.org);
    if (found.run === null) deps.logger.warn(`--resume: nothing to resume (${found.reason}); reading ${request.org} from the start`);
    else {
      resumedFrom = found.run.id;
      alreadyRead = found.repos;
      deps.logger.info(`--resume: continuing run ${found.run.id} (${found.run.status}, ${found.repos} repositories already read)`);
    }
  }

  const batch = deps.gateway.batchRead();
  const budget = await checkReadBudget(
    { gateway: deps.gateway, batch, logger: deps.logger, ...(deps.signal ? { signal: deps.signal } : {}) },
    {
      org: request.org,
      reader: request.reader,
      ...(named ? { repositories: request.repos.length } : {}),
      ...(alreadyRead > 0 ? { alreadyRead } : {}),
      ...(request.maxRequests !== undefined ? { maxRequests: request.maxRequests } : {}),
      ...(request.waitForRateLimit ? { waitForRateLimit: true } : {}),
    },
  );

  let store = deps.store;
  let checkpoint: StoreReadCheckpoint | undefined;
  if (deps.store && request.reader === 'graphql' && !named) {
    const observed = observeRunStart(deps.store);
    store = observed.store;
    checkpoint = new StoreReadCheckpoint(deps.store, observed.runId, resumedFrom);
  }
  const reader = createLiveStateReader(deps.gateway, {
    kind: request.reader,
    ...(deps.policy ? { policy: deps.policy } : {}),
    ...(request.tier !== undefined ? { tier: request.tier } : {}),
    ...(request.concurrency !== undefined ? { concurrency: request.concurrency } : {}),
    logger: deps.logger,
    batch,
    ...(budget.size ? { orgSize: budget.size } : {}),
    ...(checkpoint ? { checkpoint } : {}),
    ...(deps.store && request.reader === 'graphql' && !named
      ? { propertyCache: FileConditionalCache.besideStore(deps.store.path, deps.apiUrl ?? 'https://api.github.com') }
      : {}),
  });
  return { reader, store, budget, resumedFrom, requests: () => (request.reader === 'graphql' ? batch.requests : null) };
}
