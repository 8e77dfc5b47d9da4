import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index.js';
import { startTestSandbox, type Api } from './helpers.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  ({ sandbox, api } = await startTestSandbox());
});
afterAll(() => sandbox.close());

describe('server basics', () => {
  it('binds to 127.0.0.1 on an ephemeral port', () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.port).toBeGreaterThan(0);
  });

  it('answers an unknown route with GitHub’s 404 body', async () => {
    const res = await api('/definitely/not/a/route');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  });

  it('answers a known path with an unsupported method as 404', async () => {
    const res = await api('/user', { method: 'DELETE' });
    expect(res.status).toBe(404);
  });

  it('serves every route under the /api/v3 prefix too, with URLs that keep the prefix', async () => {
    const res = await api('/api/v3/repos/acme/core-payment-system');
    expect(res.status).toBe(200);
    expect(res.body.full_name).toBe('acme/core-payment-system');
    expect(res.body.url).toBe(`${sandbox.url}/api/v3/repos/acme/core-payment-system`);
  });

  it('sends GitHub’s headers on every response, errors included', async () => {
    for (const res of [await api('/user'), await api('/nope'), await api('/user', { as: 'nobody' })]) {
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('x-github-media-type')).toBe('github.v3; format=json');
      expect(res.headers.get('x-github-request-id')).toMatch(/^[0-9A-F]{4}(:[0-9A-F]+){4}$/);
      for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-used', 'x-ratelimit-reset']) {
        expect(Number(res.headers.get(h))).not.toBeNaN();
      }
      expect(res.headers.get('x-ratelimit-resource')).toBe('core');
    }
  });

  it('rejects a body that is not JSON with 400 "Problems parsing JSON"', async () => {
    const res = await api('/repos/acme/web-storefront', { method: 'PATCH', body: '{"allow_squash_merge":', as: 'max' });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Problems parsing JSON');
  });
});

describe('authentication', () => {
  it('accepts "token X" and "Bearer X"', async () => {
    const a = await api('/user');
    const b = await api('/user', { as: null, headers: { authorization: 'Bearer qms_sandbox_max' } });
    expect(a.body.login).toBe('ada');
    expect(b.body.login).toBe('max');
  });

  it('answers an unknown token with 401 "Bad credentials"', async () => {
    const res = await api('/repos/acme/documentation-system', { as: 'nobody' });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Bad credentials');
    expect(res.body.status).toBe('401');
  });

  it('lets anonymous callers read public repositories at 60 requests an hour', async () => {
    const res = await api('/repos/acme/documentation-system', { as: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe('60');
    // No viewer, no permissions object.
    expect(res.body.permissions).toBeUndefined();
  });

  it('answers anonymous writes with 401 "Requires authentication"', async () => {
    const res = await api('/repos/acme/documentation-system/branches/main/protection', { as: null, method: 'DELETE' });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Requires authentication');
  });

  it('answers GET /user without a token with 401', async () => {
    const res = await api('/user', { as: null });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Requires authentication');
  });
});

describe('visibility', () => {
  it('hides private repositories from outsiders and anonymous callers with 404, never 403', async () => {
    for (const as of ['eve', null]) {
      const res = await api('/repos/acme/core-payment-system', { as });
      expect(res.status).toBe(404);
      expect(res.body.message).toBe('Not Found');
    }
  });

  it('hides private repositories of an org with base permission none from members without a grant', async () => {
    expect((await api('/repos/acme-labs/labs-ml-prototype', { as: 'rita' })).status).toBe(404);
    expect((await api('/repos/acme-labs/labs-ml-prototype', { as: 'sam' })).status).toBe(200);
  });

  it('lists only what the viewer can see', async () => {
    const names = async (as: string | null) =>
      ((await api('/orgs/acme/repos?per_page=100', { as })).body as { name: string }[]).map((r) => r.name);
    const eve = await names('eve');
    const ada = await names('ada');
    expect(eve).toContain('documentation-system');
    expect(eve).not.toContain('core-payment-system');
    expect(ada).toContain('core-payment-system');
    expect(ada.length).toBeGreaterThan(eve.length);
  });

  it('computes permissions from org role, base permission, teams and collaborators', async () => {
    const perm = async (as: string, repo: string) => (await api(`/repos/acme/${repo}`, { as })).body.permissions;
    expect(await perm('ada', 'core-payment-system')).toMatchObject({ admin: true }); // org owner
    expect(await perm('max', 'core-payment-system')).toMatchObject({ admin: false, maintain: true }); // payments team
    expect(await perm('max', 'web-storefront')).toMatchObject({ admin: true }); // direct collaborator
    expect(await perm('rita', 'core-payment-system')).toEqual({ admin: false, maintain: false, push: false, triage: false, pull: true }); // base read
  });
});
