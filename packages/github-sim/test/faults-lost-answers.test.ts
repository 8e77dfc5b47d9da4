/**
 * The simulator's faults that lose an answer AFTER the write happened (added for the
 * reliability suite): `reset-after` runs the handler — the write is applied and
 * persisted — then drops the connection; `truncated` likewise sends half the body of a
 * write it carried out; `reset` (for contrast) drops the connection before the handler,
 * so nothing changes. `bodyIncludes` aims a fault at one GraphQL mutation among the
 * queries that share POST /graphql. A `slow` fault's wait ends early on `releaseHeld()`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Exchange, type Sandbox } from '../src/index.js';
import { checkFaultRule } from '../src/faults.js';

let sandbox: Sandbox;
const exchanges: Exchange[] = [];
const PROTECTION = '/repos/{owner}/{repo}/branches/{branch}/protection';
const URL_PATH = '/repos/acme/research-notebooks/branches/main/protection';
const BODY = {
  required_status_checks: null,
  enforce_admins: true,
  required_pull_request_reviews: null,
  restrictions: null,
};

beforeAll(async () => {
  sandbox = await startSandbox({ onExchange: (e) => exchanges.push(e) });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.faults.clear();
  exchanges.length = 0;
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string } | { error: string }> {
  try {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: {
        authorization: 'token qms_sandbox_ada',
        accept: 'application/vnd.github+json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    return { error: String((err as { cause?: { code?: string } }).cause?.code ?? err) };
  }
}

const isProtected = () =>
  sandbox.state.repos.find((r) => r.name === 'research-notebooks')!.protectionRules.some((p) => p.pattern === 'main');

describe('faults after the handler', () => {
  it('reset-after: the PUT is applied, the connection is dropped without an answer', async () => {
    expect(isProtected()).toBe(false);
    sandbox.faults.add({ kind: 'reset-after', method: 'PUT', route: PROTECTION });
    const res = await call('PUT', URL_PATH, BODY);
    expect(res).toHaveProperty('error');
    expect(isProtected()).toBe(true);
    expect(exchanges.map((e) => [e.method, e.status, e.fault])).toEqual([['PUT', 0, 'reset-after']]);
    // The next answer is normal: the rule is there.
    const get = await call('GET', URL_PATH);
    expect(get).toMatchObject({ status: 200 });
    await call('DELETE', URL_PATH);
  });

  it('reset (before the handler), for contrast: nothing is applied', async () => {
    sandbox.faults.add({ kind: 'reset', method: 'PUT', route: PROTECTION });
    expect(await call('PUT', URL_PATH, BODY)).toHaveProperty('error');
    expect(isProtected()).toBe(false);
  });

  it('truncated: the write is applied and half its JSON answer arrives', async () => {
    sandbox.faults.add({ kind: 'truncated', method: 'PUT', route: PROTECTION });
    const res = (await call('PUT', URL_PATH, BODY)) as { status: number; text: string };
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.text)).toThrow();
    expect(isProtected()).toBe(true);
    await call('DELETE', URL_PATH);
  });

  it('bodyIncludes: only the request whose body carries the text is hit', async () => {
    sandbox.faults.add({ kind: 'status', status: 503, route: '/graphql', bodyIncludes: 'createBranchProtectionRule', times: 0 });
    const query = await call('POST', '/graphql', { query: 'query { viewer { login } }' });
    expect(query).toMatchObject({ status: 200 });
    const mutation = await call('POST', '/graphql', {
      query:
        'mutation($input: CreateBranchProtectionRuleInput!) { createBranchProtectionRule(input: $input) { branchProtectionRule { id } } }',
      variables: { input: { repositoryId: 'x', pattern: 'release/*' } },
    });
    expect(mutation).toMatchObject({ status: 503 });
    expect(checkFaultRule({ kind: 'reset-after', bodyIncludes: 'x' })).toBeNull();
    expect(checkFaultRule({ kind: 'status', bodyIncludes: 3 })).toMatch(/bodyIncludes must be a string/);
  });

  it('slow: a held request is not handled until releaseHeld(), then at once', async () => {
    // Ten minutes: without the release this test would time out.
    sandbox.faults.add({ kind: 'slow', method: 'PUT', route: PROTECTION, delayMs: 600_000 });
    const answer = call('PUT', URL_PATH, BODY);
    while (sandbox.faults.list().length > 0) await new Promise((r) => setTimeout(r, 5)); // taken by the request
    await new Promise((r) => setTimeout(r, 50));
    expect(isProtected()).toBe(false);
    sandbox.faults.releaseHeld();
    expect(await answer).toMatchObject({ status: 200 });
    expect(isProtected()).toBe(true);
    await call('DELETE', URL_PATH);
  });
});
