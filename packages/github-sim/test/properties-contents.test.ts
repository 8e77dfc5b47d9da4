import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index.js';
import { startTestSandbox, type Api } from './helpers.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  ({ sandbox, api } = await startTestSandbox());
});
afterAll(() => sandbox.close());

describe('custom properties', () => {
  it('serves the schema to members only', async () => {
    const res = await api('/orgs/acme/properties/schema', { as: 'rita' });
    expect(res.status).toBe(200);
    const tier = res.body.find((p: { property_name: string }) => p.property_name === 'qms_tier');
    expect(tier).toMatchObject({
      value_type: 'single_select',
      allowed_values: ['mission_critical', 'business_critical', 'standard', 'experimental'],
    });
    expect((await api('/orgs/acme/properties/schema', { as: 'eve' })).status).toBe(404);
  });

  it('defines a property (owners only)', async () => {
    const body = { value_type: 'single_select', allowed_values: ['gold', 'silver'], description: 'Support level' };
    expect((await api('/orgs/acme/properties/schema/support_level', { as: 'max', method: 'PUT', body })).status).toBe(403);
    const res = await api('/orgs/acme/properties/schema/support_level', { method: 'PUT', body });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ property_name: 'support_level', allowed_values: ['gold', 'silver'], required: false });
    expect((await api('/orgs/acme/properties/schema')).body.map((p: { property_name: string }) => p.property_name)).toContain(
      'support_level',
    );
  });

  it('lists values per repository and carries them in the repo listing', async () => {
    const values = await api('/orgs/acme/properties/values?per_page=100');
    const gateway = values.body.find((v: { repository_name: string }) => v.repository_name === 'payment-gateway');
    expect(gateway.properties).toEqual([
      { property_name: 'qms_tier', value: 'mission_critical' },
      { property_name: 'compliance_scope', value: 'pci' },
    ]);
    const filtered = await api('/orgs/acme/properties/values?repository_query=props.compliance_scope:pci');
    expect(filtered.body.map((v: { repository_name: string }) => v.repository_name).sort()).toEqual([
      'core-payment-system',
      'legacy-billing',
      'payment-gateway',
    ]);
    const repos = await api('/orgs/acme/repos?per_page=100');
    expect(repos.body.find((r: { name: string }) => r.name === 'payment-gateway').custom_properties).toEqual({
      qms_tier: 'mission_critical',
      compliance_scope: 'pci',
    });
  });

  it('sets values for up to 30 repositories at once (204), unsets with null', async () => {
    const set = await api('/orgs/acme/properties/values', {
      method: 'PATCH',
      body: { repository_names: ['internal-tools', 'sales-reporting'], properties: [{ property_name: 'qms_tier', value: 'standard' }] },
    });
    expect(set.status).toBe(204);
    expect((await api('/repos/acme/internal-tools/properties/values')).body).toEqual([{ property_name: 'qms_tier', value: 'standard' }]);
    const unset = await api('/orgs/acme/properties/values', {
      method: 'PATCH',
      body: { repository_names: ['internal-tools'], properties: [{ property_name: 'qms_tier', value: null }] },
    });
    expect(unset.status).toBe(204);
    expect((await api('/repos/acme/internal-tools/properties/values')).body).toEqual([]);

    const tooMany = await api('/orgs/acme/properties/values', {
      method: 'PATCH',
      body: { repository_names: Array.from({ length: 31 }, (_, i) => `r${i}`), properties: [] },
    });
    expect(tooMany.status).toBe(422);
  });

  it('rejects values outside a single_select list', async () => {
    const res = await api('/orgs/acme/properties/values', {
      method: 'PATCH',
      body: { repository_names: ['internal-tools'], properties: [{ property_name: 'qms_tier', value: 'platinum' }] },
    });
    expect(res.status).toBe(422);
  });

  it('lets repo admins set properties editable by repository actors only', async () => {
    const scope = await api('/repos/acme/web-storefront/properties/values', {
      as: 'max',
      method: 'PATCH',
      body: { properties: [{ property_name: 'compliance_scope', value: 'none' }] },
    });
    expect(scope.status).toBe(204);
    const tier = await api('/repos/acme/web-storefront/properties/values', {
      as: 'max',
      method: 'PATCH',
      body: { properties: [{ property_name: 'qms_tier', value: 'experimental' }] },
    });
    expect(tier.status).toBe(403);
    expect(
      (await api('/repos/acme/web-storefront/properties/values', { as: 'rita', method: 'PATCH', body: { properties: [] } })).status,
    ).toBe(403);
  });
});

describe('contents', () => {
  it('returns a file base64-encoded, with its git blob sha', async () => {
    const res = await api('/repos/acme/core-payment-system/contents/.qms%2Fbranch-protection.yml', { as: 'rita' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'file', encoding: 'base64', path: '.qms/branch-protection.yml', name: 'branch-protection.yml' });
    const text = Buffer.from(res.body.content, 'base64').toString('utf8');
    expect(text).toContain('name: "core-payment-system"');
    expect(text).toContain('required_reviewers: 2');
    expect(res.body.sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it('lists a directory, honours ref, and 404s what is missing', async () => {
    const dir = await api('/repos/acme/core-payment-system/contents/.github');
    expect(dir.body.map((e: { name: string }) => e.name)).toEqual(['CODEOWNERS']);
    expect((await api('/repos/acme/web-storefront/contents/CODEOWNERS?ref=release/1.0')).status).toBe(200);
    const badRef = await api('/repos/acme/web-storefront/contents/CODEOWNERS?ref=nope');
    expect(badRef.status).toBe(404);
    expect(badRef.body.message).toBe('No commit found for the ref nope');
    expect((await api('/repos/acme/web-storefront/contents/.qms%2Fbranch-protection.yml')).status).toBe(404);
    const empty = await api('/repos/acme/new-service/contents/README.md');
    expect(empty.status).toBe(404);
    expect(empty.body.message).toBe('This repository is empty.');
  });

  it('creates (201) and updates (200) a file on the default branch, checking the sha', async () => {
    const path = '/repos/acme/qms-testing-sandbox/contents/.qms%2Fnotes.md';
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const created = await api(path, { method: 'PUT', body: { message: 'Add notes', content: b64('one\n') } });
    expect(created.status).toBe(201);
    const sha = created.body.content.sha;
    const headBefore = sandbox.state.repos.find((r) => r.name === 'qms-testing-sandbox')!.branches['main'];
    expect(created.body.commit.sha).toBe(headBefore);

    const noSha = await api(path, { method: 'PUT', body: { message: 'Edit', content: b64('two\n') } });
    expect(noSha.status).toBe(422);
    expect(noSha.body.message).toContain('"sha" wasn\'t supplied');
    const wrongSha = await api(path, { method: 'PUT', body: { message: 'Edit', content: b64('two\n'), sha: '0'.repeat(40) } });
    expect(wrongSha.status).toBe(409);

    const updated = await api(path, { method: 'PUT', body: { message: 'Edit', content: b64('two\n'), sha } });
    expect(updated.status).toBe(200);
    const read = await api(path);
    expect(Buffer.from(read.body.content, 'base64').toString()).toBe('two\n');
  });

  it('creates the first commit of an empty repository', async () => {
    const res = await api('/repos/acme/new-service/contents/README.md', {
      method: 'PUT',
      body: { message: 'Initial commit', content: Buffer.from('# new\n').toString('base64') },
    });
    expect(res.status).toBe(201);
    expect((await api('/repos/acme/new-service/branches')).body.map((b: { name: string }) => b.name)).toEqual(['main']);
  });

  it('needs push access and refuses archived repositories', async () => {
    const body = { message: 'x', content: 'eA==' };
    expect((await api('/repos/acme/internal-tools/contents/x.txt', { as: 'rita', method: 'PUT', body })).status).toBe(404);
    const archived = await api('/repos/acme/legacy-billing/contents/x.txt', { method: 'PUT', body });
    expect(archived.status).toBe(403);
    expect(archived.body.message).toBe('Repository was archived so is read-only.');
  });
});
