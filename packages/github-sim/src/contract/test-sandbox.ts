/**
 * The simulator for tests, with GitHub's contract checked on every exchange.
 *
 *   const sb = useContractSandbox();            // beforeAll start, afterAll assert + close
 *   it('…', async () => { await sb.api('/repos/acme/x') … });
 *
 * or by hand:
 *
 *   const t = await startTestSandbox();
 *   …
 *   t.assertContract();   // throws listing every violation (afterEach/afterAll)
 *   await t.sandbox.close();
 *
 * Exchanges are recorded as they happen and checked when assertContract()
 * (or violations()) is called, so checking never slows a request down
 * (timing tests measure retry delays through this server).
 */
import { afterAll, beforeAll } from 'vitest';
import { startSandbox, type Exchange, type Sandbox, type StartSandboxOptions } from '../index.js';
import { checkExchange } from './check.js';

/** `METHOD /template` of every route exercised in this worker (all sandboxes). */
export const coveredRoutes = new Set<string>();

export const sandboxToken = (login: string): string => `qms_sandbox_${login}`;

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** The JSON body parsed (the text where it is not JSON; null when empty). */
  body: T;
  text: string;
}

export interface ApiOptions {
  /** Login to authenticate as; null for anonymous. Default: ada (the fixture's org owner). */
  as?: string | null;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request function for a simulator over real HTTP, JSON in and out, authenticated as a fixture login. */
export function apiFor(server: { url: string }): <T = any>(path: string, options?: ApiOptions) => Promise<ApiResponse<T>> {
  return async <T>(path: string, o: ApiOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { accept: 'application/vnd.github+json', ...(o.headers ?? {}) };
    const as = o.as === undefined ? 'ada' : o.as;
    if (as !== null) headers['authorization'] = `token ${sandboxToken(as)}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, {
      method: o.method ?? 'GET',
      headers,
      body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, body: body as T, text };
  };
}

export interface TestSandbox {
  sandbox: Sandbox;
  url: string;
  /** Every exchange so far, in order. */
  exchanges: Exchange[];
  /** `METHOD /template` exercised on this sandbox. */
  routes: Set<string>;
  /** Contract violations among the exchanges so far. */
  violations(): string[];
  /** Throws one error listing every violation; forgets the exchanges it checked. */
  assertContract(): void;
  /** A request over real HTTP, JSON in and out. */
  api<T = any>(path: string, options?: ApiOptions): Promise<ApiResponse<T>>;
  /**
   * POST /graphql. `expectInvalid`: the query is meant to break GitHub's
   * schema (testing the error answer), so the contract check allows it.
   */
  graphql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    as?: string | null,
    options?: { expectInvalid?: boolean },
  ): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export async function startTestSandbox(options: StartSandboxOptions = {}): Promise<TestSandbox> {
  const exchanges: Exchange[] = [];
  const routes = new Set<string>();
  let checked = 0;
  let pending: string[] = [];
  const expectedInvalidQueries = new Set<string>();
  const sandbox = await startSandbox({
    ...options,
    onExchange: (e) => {
      exchanges.push(e);
      if (e.route !== null && !e.fault) {
        const key = `${e.method} ${e.route}`;
        routes.add(key);
        coveredRoutes.add(key);
      }
      options.onExchange?.(e);
    },
  });
  const drain = () => {
    for (; checked < exchanges.length; checked++)
      pending.push(...checkExchange(exchanges[checked] as Exchange, { expectedInvalidQueries }));
    return pending;
  };
  const api = apiFor(sandbox);
  return {
    sandbox,
    url: sandbox.url,
    exchanges,
    routes,
    violations: () => [...drain()],
    assertContract: () => {
      const found = drain();
      pending = [];
      if (found.length > 0) {
        throw new Error(`GitHub contract violations (${found.length}):\n${found.map((v) => `  - ${v}`).join('\n')}`);
      }
    },
    api,
    graphql: (query, variables = {}, as, options = {}) => {
      if (options.expectInvalid) expectedInvalidQueries.add(query);
      return api('/graphql', { method: 'POST', body: { query, variables }, as });
    },
    close: () => sandbox.close(),
  };
}

/**
 * A plain Sandbox whose `close()` first asserts the contract over every
 * exchange it served: for tests that only need the server (gateway tests, e2e
 * tests spawning qms), so every request they cause is checked against GitHub's
 * description as well.
 */
export async function startCheckedSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  const checked = await startTestSandbox(options);
  const sandbox = checked.sandbox;
  const close = sandbox.close.bind(sandbox);
  sandbox.close = async () => {
    try {
      checked.assertContract();
    } finally {
      await close();
    }
  };
  return sandbox;
}

/**
 * Registers beforeAll/afterAll for a describe block or file: starts a
 * sandbox, and at the end asserts the contract and closes it. Use the
 * returned handle's properties inside tests (they exist once beforeAll ran).
 */
export function useContractSandbox(options: StartSandboxOptions = {}): TestSandbox {
  const handle = {} as TestSandbox;
  beforeAll(async () => {
    Object.assign(handle, await startTestSandbox(options));
  });
  afterAll(async () => {
    try {
      handle.assertContract?.();
    } finally {
      await handle.close?.();
    }
  });
  return handle;
}
