/**
 * The request pipeline: prefix, routing, stats, latency, faults, auth,
 * primary and secondary rate limits, JSON parsing and request validation,
 * the handler, conditional requests (ETag/304), persistence before the
 * response, and the headers GitHub sends on every response.
 */
import { createHash, randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SimState, SimUser } from './model.js';
import { findUserByToken } from './access.js';
import { ApiError, DOCS_ROOT, type RequestContext, type RouteResult, type SimServices } from './http.js';
import { validateRequestBody } from './openapi/request-validator.js';
import type { FaultInjector, ActiveFault } from './faults.js';
import type { PrimaryRateLimiter, PoolView, RateResource } from './rate-limit.js';
import type { Router } from './router.js';
import type { SecondaryLimiter } from './secondary-limits.js';
import type { RequestStats } from './stats.js';
import type { Exchange, SandboxConfig } from './types.js';
import { Urls } from './render/urls.js';
import { invalidateIndex } from './state-index.js';

export interface ServerDeps {
  router: Router;
  holder: { state: SimState };
  config: SandboxConfig;
  limiter: PrimaryRateLimiter;
  secondary: SecondaryLimiter;
  faults: FaultInjector;
  stats: RequestStats;
  onExchange: ((e: Exchange) => void) | undefined;
  /** Persist after a mutating request (resolves before the response is sent). */
  afterMutation(): Promise<void>;
  /** The /_sandbox control API. */
  control(method: string, path: string, body: unknown): Promise<{ status: number; body: unknown }>;
}

const REST_DOCS = `${DOCS_ROOT}/rest`;
const RATE_DOCS = `${DOCS_ROOT}/rest/overview/rate-limits-for-the-rest-api`;
const SECONDARY_DOCS = `${DOCS_ROOT}/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`;
const MAX_BODY_BYTES = 25 * 1024 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GitHub-like request id, e.g. `1C45:12F767:6C7E73:D8C627:6814705C`. */
function requestId(): string {
  const hex = randomBytes(14).toString('hex').toUpperCase();
  return `${hex.slice(0, 4)}:${hex.slice(4, 10)}:${hex.slice(10, 16)}:${hex.slice(16, 22)}:${hex.slice(22, 28)}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, 'Payload too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function bearer(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
  return m ? (m[1] as string) : null;
}

function utcStamp(d = new Date()): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function looksLikeMutation(body: unknown): boolean {
  const q = (body as { query?: unknown } | null)?.query;
  return typeof q === 'string' && /^\s*(?:#[^\n]*\n\s*)*mutation\b/.test(q);
}

export function createRequestHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(
          JSON.stringify({ message: `Sandbox internal error: ${(err as Error).message}`, documentation_url: REST_DOCS, status: '500' }),
        );
      } else res.destroy();
    });
  };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  let rawPath = url.pathname;
  let prefix = '';
  if (rawPath === '/api/graphql') {
    // GitHub Enterprise Server serves GraphQL at /api/graphql.
    prefix = '/api/v3';
    rawPath = '/graphql';
  } else if (rawPath === '/api/v3' || rawPath.startsWith('/api/v3/')) {
    prefix = '/api/v3';
    rawPath = rawPath.slice('/api/v3'.length) || '/';
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const rawBody = await readBody(req);

  if (rawPath.startsWith('/_sandbox/')) {
    let parsed: unknown;
    try {
      parsed = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : undefined;
    } catch {
      parsed = undefined;
    }
    const out = await deps.control(method, rawPath, parsed);
    res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(out.body === undefined ? '' : JSON.stringify(out.body));
    return;
  }

  const match = deps.router.match(method === 'HEAD' ? 'GET' : method, rawPath);
  const route = match?.def.template ?? null;
  deps.stats.recordRequest(method, route);
  const rid = requestId();
  const pathWithQuery = `${rawPath}${url.search}`;
  let requestBody: unknown = null;
  let bodyError = false;
  if (rawBody.length > 0) {
    try {
      requestBody = JSON.parse(rawBody.toString('utf8'));
    } catch {
      requestBody = rawBody.toString('utf8');
      bodyError = true;
    }
  }

  // Identity: the token's user, or the client address when anonymous.
  const token = bearer(req.headers.authorization);
  const state = deps.holder.state;
  const viewer: SimUser | null = token ? (findUserByToken(state, token) ?? null) : null;
  const identity = viewer ? `user:${viewer.id}` : `ip:${req.socket.remoteAddress ?? '127.0.0.1'}`;
  const resource: RateResource = route === '/graphql' ? 'graphql' : 'core';
  const authenticated = viewer !== null;

  let fault: ActiveFault | null = null;
  const send = (
    status: number,
    body: unknown,
    headers: Record<string, string>,
    pool: PoolView | null,
    truncate = false,
    serialised?: string,
  ): void => {
    if (fault?.kind === 'reset-after') {
      // The request was handled (a write applied and persisted); only the answer is lost.
      req.socket.destroy();
      deps.onExchange?.({
        method,
        path: pathWithQuery,
        route,
        status: 0,
        requestBody,
        responseHeaders: {},
        responseBody: null,
        fault: 'reset-after',
      });
      return;
    }
    const out: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': rid,
    };
    const p = pool ?? deps.limiter.view(identity, resource, authenticated);
    out['x-ratelimit-limit'] = String(p.limit);
    out['x-ratelimit-remaining'] = String(p.remaining);
    out['x-ratelimit-reset'] = String(p.reset);
    out['x-ratelimit-used'] = String(p.used);
    out['x-ratelimit-resource'] = p.resource;
    Object.assign(out, headers);
    let text = body === undefined || status === 204 || status === 304 ? '' : (serialised ?? JSON.stringify(body));
    if (truncate && text.length > 1) text = text.slice(0, Math.floor(text.length / 2));
    if (status === 304) {
      // "Not Modified" has no content, so nothing describes one: no content type, no length
      // (RFC 9110 §15.4.5; GitHub's 304s carry none — docs/github-api.md, "Conditional requests").
      delete out['content-type'];
    } else {
      out['content-length'] = String(Buffer.byteLength(text));
    }
    res.writeHead(status, out);
    res.end(method === 'HEAD' ? undefined : text);
    if (deps.onExchange) {
      let responseBody: unknown = null;
      if (text) {
        try {
          responseBody = JSON.parse(text);
        } catch {
          responseBody = text;
        }
      }
      deps.onExchange({
        method,
        path: pathWithQuery,
        route,
        status,
        requestBody,
        responseHeaders: out,
        responseBody,
        fault: fault?.kind ?? null,
      });
    }
  };
  const docsUrl = match ? `${DOCS_ROOT}${match.def.docs}` : REST_DOCS;
  const sendError = (err: ApiError, pool: PoolView | null = null): void => {
    send(
      err.status,
      { message: err.message, ...err.extra, documentation_url: err.documentationUrl ?? docsUrl, status: String(err.status) },
      err.headers,
      pool,
    );
  };

  const concurrent = deps.secondary.enter(identity);
  try {
    if (deps.config.latencyMs > 0) await sleep(deps.config.latencyMs);

    fault = deps.faults.take(method, route, rawPath, rawBody.length > 0 ? rawBody.toString('utf8') : '');
    if (fault) {
      if (fault.kind === 'reset') {
        req.socket.destroy();
        deps.onExchange?.({
          method,
          path: pathWithQuery,
          route,
          status: 0,
          requestBody,
          responseHeaders: {},
          responseBody: null,
          fault: 'reset',
        });
        return;
      }
      if (fault.kind === 'slow') await deps.faults.hold(fault.delayMs ?? 1000);
      if (fault.kind === 'status') {
        const status = fault.status ?? 500;
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
        return sendError(new ApiError(status, STATUS_CODES[status] ?? 'Server Error', {}, headers));
      }
      if (fault.kind === 'secondary-limit') {
        const status = fault.status ?? deps.config.secondaryLimitStatus;
        return sendError(secondaryError(rid, fault.retryAfter ?? 60, status));
      }
      if (fault.kind === 'primary-limit') {
        const real = deps.limiter.view(identity, resource, authenticated);
        const pool: PoolView = { ...real, remaining: 0, used: real.limit, reset: Math.ceil(Date.now() / 1000) + (fault.retryAfter ?? 60) };
        if (route === '/graphql') return send(200, graphqlRateLimited(viewer, req), {}, pool);
        return sendError(primaryError(viewer, req, rid), pool);
      }
    }

    if (token === null || (token !== undefined && !viewer)) return sendError(new ApiError(401, 'Bad credentials', {}, {}, REST_DOCS));
    // Unknown routes still cost a request, as on GitHub.
    if (!match)
      return sendError(new ApiError(404, 'Not Found', {}, {}, REST_DOCS), deps.limiter.charge(identity, resource, authenticated, 1));

    if (!viewer && route === '/graphql') {
      return sendError(
        new ApiError(
          401,
          'This endpoint requires you to be authenticated.',
          {},
          {},
          `${DOCS_ROOT}/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql`,
        ),
      );
    }
    const counted = route !== '/rate_limit';
    if (counted && deps.limiter.exhausted(identity, resource, authenticated)) {
      if (resource === 'graphql') return send(200, graphqlRateLimited(viewer, req), {}, null);
      return sendError(primaryError(viewer, req, rid));
    }
    if (!viewer && method !== 'GET' && method !== 'HEAD' && route !== '/graphql') {
      return sendError(new ApiError(401, 'Requires authentication'));
    }

    const mutationGuess = route === '/graphql' && looksLikeMutation(requestBody);
    const contentCreating = route === '/graphql' ? mutationGuess : method !== 'GET' && method !== 'HEAD';
    const points = route === '/graphql' ? (mutationGuess ? 5 : 1) : contentCreating ? 5 : 1;
    // "Per endpoint": every method on one path template shares the budget (GET 1 point, writes 5).
    const endpoint = route as string;
    if (deps.config.secondaryLimits && counted) {
      const verdict = deps.secondary.check(identity, endpoint, points, contentCreating, route === '/graphql', concurrent);
      if (verdict) return sendError(secondaryError(rid, verdict.retryAfter, deps.config.secondaryLimitStatus));
    }

    if (bodyError) return sendError(new ApiError(400, 'Problems parsing JSON'));
    const body = rawBody.length > 0 ? requestBody : undefined;
    if (deps.config.validateRequests && body !== undefined && route !== '/graphql') {
      const problem = validateRequestBody(method, route as string, body);
      if (problem !== null) return sendError(new ApiError(422, `Invalid request.\n\n${problem}`));
    }

    let dirty = false;
    const sim: SimServices = {
      state,
      now: () => new Date(state.clock),
      timestamp: () => {
        state.clock = new Date(new Date(state.clock).getTime() + 1000).toISOString().replace('.000Z', 'Z');
        return state.clock;
      },
      allocateId: () => state.nextId++,
      markDirty: () => {
        dirty = true;
      },
    };
    const apiBase = `http://${req.headers.host ?? '127.0.0.1'}${prefix}`;
    const ctx: RequestContext = {
      method,
      route: route as string,
      params: match.params,
      query: url.searchParams,
      body,
      viewer,
      sim,
      urls: new Urls(apiBase, `http://${req.headers.host ?? '127.0.0.1'}`),
      requestUrl: new URL(`${apiBase}${pathWithQuery}`),
      docs: docsUrl,
      rateLimits: () => ({
        core: deps.limiter.view(identity, 'core', authenticated),
        graphql: deps.limiter.view(identity, 'graphql', authenticated),
        search: deps.limiter.view(identity, 'search', authenticated),
      }),
    };

    let result: RouteResult;
    try {
      result = await match.def.handler(ctx);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // Errors are charged like any other request (GitHub counts them).
      const pool = counted ? deps.limiter.charge(identity, resource, authenticated, 1) : null;
      if (deps.config.secondaryLimits && counted) deps.secondary.record(identity, endpoint, points, contentCreating);
      if (dirty) await commit(deps, state);
      return sendError(err, pool);
    }

    if (dirty) await commit(deps, state);

    const headers = { ...(result.headers ?? {}) };
    const serialised = result.body === undefined ? undefined : JSON.stringify(result.body);
    if ((method === 'GET' || method === 'HEAD') && result.status === 200 && serialised !== undefined) {
      const etag = `W/"${createHash('sha256').update(serialised).digest('hex')}"`;
      headers['etag'] = etag;
      const inm = req.headers['if-none-match'];
      if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag.replace(/^W\//, ''))) {
        // Conditional hits are not charged against the primary limit.
        deps.stats.recordNotModified();
        return send(304, undefined, headers, null);
      }
    }
    let pool: PoolView | null = null;
    if (result.graphql) {
      deps.stats.recordGraphql(result.graphql.mutation, result.graphql.cost);
      pool = deps.limiter.charge(identity, 'graphql', authenticated, result.graphql.cost);
    } else if (counted) {
      pool = deps.limiter.charge(identity, resource, authenticated, 1);
    }
    if (deps.config.secondaryLimits && counted) {
      const isMutation = result.graphql ? result.graphql.mutation : contentCreating;
      deps.secondary.record(identity, endpoint, result.graphql ? (isMutation ? 5 : 1) : points, isMutation);
    }
    send(result.status, result.body, headers, pool, fault?.kind === 'truncated', serialised);
  } catch (err) {
    if (err instanceof ApiError) sendError(err);
    else throw err;
  } finally {
    deps.secondary.leave(identity);
  }
}

async function commit(deps: ServerDeps, state: SimState): Promise<void> {
  invalidateIndex(state);
  await deps.afterMutation();
}

function primaryError(viewer: SimUser | null, req: IncomingMessage, rid: string): ApiError {
  const who = viewer ? `user ID ${viewer.id}` : (req.socket.remoteAddress ?? '127.0.0.1');
  const tail = viewer
    ? ` If you reach out to GitHub Support for help, please include the request ID ${rid} and timestamp ${utcStamp()}.`
    : " (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)";
  return new ApiError(403, `API rate limit exceeded for ${who}.${tail}`, {}, {}, RATE_DOCS);
}

function graphqlRateLimited(viewer: SimUser | null, req: IncomingMessage) {
  const who = viewer ? `user ID ${viewer.id}` : (req.socket.remoteAddress ?? '127.0.0.1');
  // GraphQL reports its primary limit as HTTP 200 with a RATE_LIMITED error (GITHUB-API.md §3).
  return { errors: [{ type: 'RATE_LIMITED', message: `API rate limit exceeded for ${who}.` }] };
}

function secondaryError(rid: string, retryAfter: number, status: number): ApiError {
  return new ApiError(
    status,
    `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${rid}.`,
    {},
    { 'retry-after': String(retryAfter) },
    SECONDARY_DOCS,
  );
}
