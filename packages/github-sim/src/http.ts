/**
 * The contract between the server and the route handlers: what a handler
 * receives, what it returns, and GitHub-style errors it throws.
 */
import type { SimState, SimUser } from './model.js';
import type { Urls } from './render/urls.js';
import type { PoolView, RateResource } from './rate-limit.js';

/** Simulator services a handler may use to read and change state. */
export interface SimServices {
  state: SimState;
  /** The simulator clock (state.clock). */
  now(): Date;
  /** Advances the clock by one second and returns it as an ISO timestamp (one per write). */
  timestamp(): string;
  /** A fresh database id. */
  allocateId(): number;
  /** State changed: persist before responding and refresh indexes. */
  markDirty(): void;
}

export interface RequestContext {
  method: string;
  /** OpenAPI path template of the matched route. */
  route: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  viewer: SimUser | null;
  sim: SimServices;
  urls: Urls;
  /** The absolute URL the client requested (for Link headers). */
  requestUrl: URL;
  /** GitHub docs URL of the route, used in error bodies. */
  docs: string;
  /** The caller's primary rate-limit windows (GET /rate_limit). */
  rateLimits(): Record<RateResource, PoolView>;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Set by POST /graphql so the server can charge and count it. */
  graphql?: { cost: number; mutation: boolean };
}

export type RouteHandler = (ctx: RequestContext) => RouteResult | Promise<RouteResult>;

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path template, e.g. `/repos/{owner}/{repo}/branches/{branch}/protection`. */
  template: string;
  /** Path after https://docs.github.com for error bodies. */
  docs: string;
  handler: RouteHandler;
}

export const DOCS_ROOT = 'https://docs.github.com';

/** An error GitHub would answer with: `{message, documentation_url, status}` plus extras. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
    /** Overrides the route's documentation_url. */
    readonly documentationUrl?: string,
  ) {
    super(message);
  }
}

export const notFound = (message = 'Not Found'): ApiError => new ApiError(404, message);
export const forbidden = (message: string): ApiError => new ApiError(403, message);
/** 422 with GitHub's JSON-schema wording: "Invalid request.\n\n<detail>". */
export const invalidRequest = (detail: string): ApiError => new ApiError(422, `Invalid request.\n\n${detail}`);
/** 422 "Validation Failed" with an `errors` list (strings or `{resource, field, code, message}` objects). */
/**
 * 422 "Validation Failed". Routes documented with `validation-error-simple`
 * (branch protection) carry plain strings; the others (`validation-error`)
 * carry objects `{resource, field?, code, message}` — pass `resource` to get
 * those from plain messages.
 */
export const validationFailed = (errors: unknown[], resource?: string): ApiError =>
  new ApiError(422, 'Validation Failed', {
    errors: resource === undefined ? errors : errors.map((e) => (typeof e === 'string' ? { resource, code: 'custom', message: e } : e)),
  });

/** Body as a plain object, or a GitHub-style 422 when it is something else. */
export function bodyObject(ctx: RequestContext): Record<string, unknown> {
  const b = ctx.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b)) {
    throw invalidRequest(`${JSON.stringify(b)} is not an object.`);
  }
  return b as Record<string, unknown>;
}

/** Paging as GitHub does it: per_page default 30, at most 100; page from 1. */
export function readPaging(query: URLSearchParams, defaultPerPage = 30, maxPerPage = 100): { page: number; perPage: number } {
  const rawPer = Number.parseInt(query.get('per_page') ?? '', 10);
  const rawPage = Number.parseInt(query.get('page') ?? '', 10);
  const perPage = Number.isFinite(rawPer) && rawPer > 0 ? Math.min(rawPer, maxPerPage) : defaultPerPage;
  const page = Number.isFinite(rawPage) && rawPage > 0 ? rawPage : 1;
  return { page, perPage };
}

/**
 * RFC 5988 Link header in GitHub's order (prev, next, last, first): next/last
 * only before the last page, prev/first only after the first.
 */
export function linkHeader(requestUrl: URL, page: number, perPage: number, total: number): string | null {
  const lastPage = Math.max(1, Math.ceil(total / perPage));
  const at = (p: number): string => {
    const u = new URL(requestUrl.href);
    u.searchParams.set('per_page', String(perPage));
    u.searchParams.set('page', String(p));
    return `<${u.href}>`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(`${at(Math.min(page - 1, lastPage))}; rel="prev"`);
  if (page < lastPage) {
    parts.push(`${at(page + 1)}; rel="next"`);
    parts.push(`${at(lastPage)}; rel="last"`);
  }
  if (page > 1) parts.push(`${at(1)}; rel="first"`);
  return parts.length > 0 ? parts.join(', ') : null;
}

/** One page of `items` with the Link header GitHub would send. */
export function paginate<T>(
  ctx: RequestContext,
  items: readonly T[],
  defaultPerPage = 30,
  maxPerPage = 100,
): { page: T[]; headers: Record<string, string> } {
  const { page, perPage } = readPaging(ctx.query, defaultPerPage, maxPerPage);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = linkHeader(ctx.requestUrl, page, perPage, items.length);
  return { page: slice, headers: link ? { link } : {} };
}

/** A paged 200 response in one call. */
export function pagedResult<T, R>(
  ctx: RequestContext,
  items: readonly T[],
  render: (item: T) => R,
  defaultPerPage = 30,
  maxPerPage = 100,
): RouteResult {
  const { page, headers } = paginate(ctx, items, defaultPerPage, maxPerPage);
  return { status: 200, body: page.map(render), headers };
}

export function queryFlag(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  return v === 'true' || v === '1';
}
