import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index.js';
import { startTestSandbox, type Api } from './helpers.js';

let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  ({ sandbox, api } = await startTestSandbox());
});
afterAll(() => sandbox.close());

const mainOnly = { ref_name: { include: ['~DEFAULT_BRANCH'], exclude: [] } };
const pr = (count: number) => ({
  type: 'pull_request',
  parameters: {
    required_approving_review_count: count,
    dismiss_stale_reviews_on_push: false,
    require_code_owner_review: false,
    require_last_push_approval: false,
    required_review_thread_resolution: false,
  },
});

describe('repository rulesets', () => {
  it('creates, reads, updates and deletes a ruleset', async () => {
    const created = await api('/repos/acme/internal-tools/rulesets', {
      method: 'POST',
      body: { name: 'Protect main', enforcement: 'active', conditions: mainOnly, rules: [pr(1), { type: 'deletion' }] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Protect main',
      target: 'branch',
      source_type: 'Repository',
      source: 'acme/internal-tools',
      enforcement: 'active',
    });
    const id = created.body.id as number;

    const list = await api('/repos/acme/internal-tools/rulesets');
    expect(list.body.map((r: { id: number }) => r.id)).toContain(id);
    // List items are summaries: GET each id for the rules.
    expect(list.body.find((r: { id: number }) => r.id === id).rules).toBeUndefined();

    const got = await api(`/repos/acme/internal-tools/rulesets/${id}`);
    expect(got.body.rules).toEqual([pr(1), { type: 'deletion' }]);
    expect((await api('/repos/acme/internal-tools/branches/main', { as: 'rita' })).body.protected).toBe(true);

    const updated = await api(`/repos/acme/internal-tools/rulesets/${id}`, { method: 'PUT', body: { enforcement: 'disabled' } });
    expect(updated.status).toBe(200);
    expect(updated.body.enforcement).toBe('disabled');
    expect(updated.body.rules).toEqual([pr(1), { type: 'deletion' }]); // PUT keeps what it does not mention
    expect((await api('/repos/acme/internal-tools/branches/main')).body.protected).toBe(false);

    expect((await api(`/repos/acme/internal-tools/rulesets/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/repos/acme/internal-tools/rulesets/${id}`)).status).toBe(404);
  });

  it('rejects a duplicate name and a missing enforcement', async () => {
    const dup = await api('/repos/acme/customer-support-portal/rulesets', {
      method: 'POST',
      body: { name: 'Default branch', enforcement: 'active' },
    });
    expect(dup.status).toBe(422);
    const missing = await api('/repos/acme/customer-support-portal/rulesets', { method: 'POST', body: { name: 'Other' } });
    expect(missing.status).toBe(422);
    expect(missing.body.message).toContain('"enforcement" wasn\'t supplied');
  });

  it('lets readers list and read rulesets, but hides bypass_actors from them', async () => {
    const path = '/repos/acme/customer-support-portal/rulesets';
    const id = (await api(path, { as: 'rita' })).body[0].id as number;
    const reader = await api(`${path}/${id}`, { as: 'rita' });
    expect(reader.status).toBe(200);
    expect(reader.body.bypass_actors).toBeUndefined();
    expect(reader.body.current_user_can_bypass).toBe('never');
    const admin = await api(`${path}/${id}`, { as: 'tess' });
    expect(admin.body.bypass_actors).toEqual([{ actor_id: 5, actor_type: 'RepositoryRole', bypass_mode: 'always' }]);
    expect(admin.body.current_user_can_bypass).toBe('always');
  });

  it('answers 404 to writes by non-admins', async () => {
    const res = await api('/repos/acme/core-payment-system/rulesets', {
      as: 'max',
      method: 'POST',
      body: { name: 'x', enforcement: 'active' },
    });
    expect(res.status).toBe(404);
  });

  it('includes applicable org rulesets unless includes_parents=false, and filters by targets', async () => {
    const withParents = await api('/repos/acme/payment-gateway/rulesets');
    expect(withParents.body.map((r: { source_type: string }) => r.source_type)).toContain('Organization');
    const repoOnly = await api('/repos/acme/payment-gateway/rulesets?includes_parents=false');
    expect(repoOnly.body).toEqual([]);
    const tags = await api('/repos/acme/payment-gateway/rulesets?targets=tag');
    expect(tags.body).toEqual([]);
    const orgId = withParents.body.find((r: { name: string }) => r.name === 'PCI baseline').id;
    expect((await api(`/repos/acme/payment-gateway/rulesets/${orgId}`)).body.source).toBe('acme');
    expect((await api(`/repos/acme/payment-gateway/rulesets/${orgId}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('organization rulesets', () => {
  it('CRUD by an owner; the targeted repositories become protected', async () => {
    const body = {
      name: 'Reporting repos',
      enforcement: 'active',
      conditions: { ...mainOnly, repository_name: { include: ['*-reporting'], exclude: [] } },
      rules: [pr(1)],
    };
    const created = await api('/orgs/acme/rulesets', { method: 'POST', body });
    expect(created.status).toBe(201);
    expect(created.body.source_type).toBe('Organization');
    expect((await api('/repos/acme/sales-reporting/branches/main')).body.protected).toBe(true);
    expect((await api('/repos/acme/internal-tools/branches/main')).body.protected).toBe(false);

    const id = created.body.id;
    const renamed = await api(`/orgs/acme/rulesets/${id}`, { method: 'PUT', body: { name: 'Reporting (renamed)' } });
    expect(renamed.body.name).toBe('Reporting (renamed)');
    expect((await api(`/orgs/acme/rulesets/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api('/repos/acme/sales-reporting/branches/main')).body.protected).toBe(false);
  });

  it('needs exactly one repository condition on an org branch ruleset', async () => {
    const res = await api('/orgs/acme/rulesets', {
      method: 'POST',
      body: { name: 'No target', enforcement: 'active', conditions: mainOnly, rules: [] },
    });
    expect(res.status).toBe(422);
  });

  it('lists and reads org rulesets at the org level for org owners only (members read them through repositories)', async () => {
    const list = await api('/orgs/acme/rulesets');
    expect(list.status).toBe(200);
    const id = list.body[0].id as number;
    for (const who of ['rita', 'max', 'eve']) {
      expect((await api('/orgs/acme/rulesets', { as: who })).status, who).toBe(404);
      expect((await api(`/orgs/acme/rulesets/${id}`, { as: who })).status, who).toBe(404);
    }
    expect((await api('/orgs/acme/rulesets', { as: 'rita', method: 'POST', body: { name: 'x', enforcement: 'active' } })).status).toBe(404);
  });

  it('needs the Team or Enterprise plan', async () => {
    const res = await api('/orgs/acme-labs/rulesets');
    expect(res.status).toBe(403);
  });
});

describe('who may read an organization ruleset: anyone who can read a repository it applies to', () => {
  const QUERY = `query($owner: String!, $name: String!) {
    repository(owner: $owner, name: $name) { rulesets(first: 10, includeParents: true) { nodes { id databaseId source { __typename } } } }
  }`;
  const NODE = `query($id: ID!) {
    node(id: $id) {
      ... on RepositoryRuleset { databaseId name rules(first: 10) { nodes { type } } bypassActors(first: 10) { totalCount } }
    }
  }`;
  const gql = (as: string, query: string, variables: Record<string, unknown>) =>
    api('/graphql', { as, method: 'POST', body: { query, variables } });

  const orgRulesetsOf = async (who: string, repo: string): Promise<{ id: string; databaseId: number }[]> => {
    const listed = await gql(who, QUERY, { owner: 'acme', name: repo });
    expect(listed.status).toBe(200);
    const nodes = listed.body.data.repository.rulesets.nodes as { id: string; databaseId: number; source: { __typename: string } }[];
    return nodes.filter((n) => n.source.__typename === 'Organization');
  };

  // eve belongs to no organization: she reads acme's public repositories only.
  it.each([
    ['eve', 'an outsider, on a public repository', 'design-system', false],
    ['rita', 'a read-only member', 'payment-gateway', false],
    ['ada', 'the org owner', 'payment-gateway', true],
  ])('%s (%s): listed under the repository, resolvable by id; bypass actors only for the owner', async (who, _what, repo, seesBypass) => {
    const orgRulesets = await orgRulesetsOf(who, repo);
    expect(orgRulesets.length).toBeGreaterThan(0);
    for (const rs of orgRulesets) {
      const node = await gql(who, NODE, { id: rs.id });
      expect(node.body.errors, JSON.stringify(node.body.errors)).toBeUndefined();
      expect(node.body.data.node.databaseId).toBe(rs.databaseId);
      expect(node.body.data.node.rules.nodes.length).toBeGreaterThan(0);
      // REST agrees: readable through the repository, bypass_actors only for who may edit it.
      const rest = await api(`/repos/acme/${repo}/rulesets/${rs.databaseId}`, { as: who });
      expect(rest.status).toBe(200);
      expect('bypass_actors' in rest.body).toBe(seesBypass);
      expect(node.body.data.node.bypassActors.totalCount).toBe(seesBypass ? rest.body.bypass_actors.length : 0);
    }
  });

  it('does not resolve by id for someone who can read no repository it applies to', async () => {
    // PCI baseline applies to private pci repositories only; eve can read none of them.
    const publicOnes = new Set((await orgRulesetsOf('eve', 'design-system')).map((rs) => rs.id));
    const pci = (await orgRulesetsOf('ada', 'payment-gateway')).find((rs) => !publicOnes.has(rs.id));
    if (!pci) throw new Error('fixture: payment-gateway should have an org ruleset that public repositories lack');
    const node = await gql('eve', NODE, { id: pci.id });
    expect(node.body.data.node).toBeNull();
    const message = `Could not resolve to a node with the global id of '${pci.id}'`;
    expect(node.body.errors[0]).toMatchObject({ type: 'NOT_FOUND', message });
  });
});

describe('GET /rules/branches/{branch}', () => {
  it('aggregates active rules from repository and organization rulesets, with their source', async () => {
    const res = await api('/repos/acme/core-payment-system/rules/branches/main', { as: 'rita' });
    expect(res.status).toBe(200);
    const org = sandbox.state.orgs.find((o) => o.login === 'acme')!;
    const pci = org.rulesets.find((r) => r.name === 'PCI baseline')!;
    expect(res.body.map((r: { type: string }) => r.type)).toEqual([
      'pull_request',
      'required_status_checks',
      'required_signatures',
      'non_fast_forward',
      'deletion',
    ]);
    expect(res.body[0]).toMatchObject({ ruleset_source_type: 'Organization', ruleset_source: 'acme', ruleset_id: pci.id });

    const risk = await api('/repos/acme/risk-engine/rules/branches/main');
    expect(risk.body.map((r: { ruleset_source_type: string }) => r.ruleset_source_type)).toEqual([
      'Repository',
      'Repository',
      'Repository',
      'Repository',
    ]);
    expect(risk.body[0].parameters.required_approving_review_count).toBe(2);
  });

  it('ignores evaluate and disabled rulesets', async () => {
    // crm-sync has one of each; acme's org-wide "Linear history trial" is in evaluate mode.
    expect((await api('/repos/acme/crm-sync/rules/branches/main')).body).toEqual([]);
    expect((await api('/repos/acme/internal-tools/rules/branches/main')).body).toEqual([]);
  });

  it('matches ref patterns (release/**/*) and answers for branches that do not exist', async () => {
    const release = await api('/repos/acme/payment-gateway/rules/branches/release%2F3.1');
    expect(release.body.length).toBe(5);
    const future = await api('/repos/acme/payment-gateway/rules/branches/release%2F9.9%2Frc');
    expect(future.body.length).toBe(5);
    expect((await api('/repos/acme/payment-gateway/rules/branches/feature%2Fx')).body).toEqual([]);
  });

  it('is paginated', async () => {
    const page = await api('/repos/acme/core-payment-system/rules/branches/main?per_page=2&page=3');
    expect(page.body.map((r: { type: string }) => r.type)).toEqual(['deletion']);
    expect(page.headers.get('link')).toContain('rel="prev"');
  });
});
