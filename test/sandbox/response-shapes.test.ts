/**
 * Walks every REST route once (success and common errors) and checks each
 * response against GitHub's OpenAPI response schema.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listSandboxRoutes, type Exchange, type Sandbox } from '../../src/sandbox/index.js';
import { minimalProtection, startTestSandbox, type Api } from './helpers.js';
import { checkExchanges } from './spec-check.js';

let sandbox: Sandbox;
let api: Api;
const exchanges: Exchange[] = [];

beforeAll(async () => {
  ({ sandbox, api } = await startTestSandbox({ onExchange: (e) => exchanges.push(e) }));
});
afterAll(() => sandbox.close());

it('answers every route with bodies that match GitHub’s response schemas', async () => {
  const core = '/repos/acme/core-payment-system';
  const prot = `${core}/branches/main/protection`;
  const calls: [string, Parameters<Api>[1]?][] = [
    ['/user'],
    ['/rate_limit'],
    ['/orgs/acme'],
    ['/orgs/acme', { as: 'eve' }],
    ['/orgs/acme/repos?per_page=100'],
    ['/orgs/acme/repos?per_page=100', { as: null }],
    [core],
    ['/repos/acme/forked-lib', { as: 'eve' }],
    ['/repos/acme/new-service'],
    ['/repos/acme/web-storefront', { method: 'PATCH', as: 'max', body: { allow_rebase_merge: false, delete_branch_on_merge: true } }],
    [`${core}/branches?per_page=100`],
    [`${core}/branches/main`],
    [`${core}/branches/feature%2F3ds-challenge`],
    [prot],
    ['/repos/acme/identity-service/branches/main/protection'],
    ['/repos/acme/payments-ledger/branches/main/protection'],
    [`${prot}/required_signatures`],
    [`${prot}/enforce_admins`],
    ['/repos/acme/design-system/branches/main/protection/required_signatures', { method: 'POST' }],
    ['/repos/acme/design-system/branches/main/protection/required_signatures', { method: 'DELETE' }],
    ['/repos/acme/design-system/branches/main/protection/enforce_admins', { method: 'POST' }],
    ['/repos/acme/design-system/branches/main/protection/enforce_admins', { method: 'DELETE' }],
    [
      '/repos/acme/mobile-app/branches/main/protection',
      {
        method: 'PUT',
        body: minimalProtection({
          required_status_checks: { strict: true, contexts: [], checks: [{ context: 'qms/dor-validation', app_id: -1 }] },
          enforce_admins: true,
          required_pull_request_reviews: {
            required_approving_review_count: 2,
            dismissal_restrictions: { users: ['max'], teams: ['web'] },
            bypass_pull_request_allowances: { users: ['max'], teams: [], apps: ['github-actions'] },
          },
          restrictions: { users: ['max'], teams: ['web'], apps: ['qms-checks'] },
          required_linear_history: true,
          allow_force_pushes: null,
        }),
      },
    ],
    ['/repos/acme/mobile-app/branches/release%2F1.0/protection', { method: 'PUT', body: minimalProtection() }],
    ['/repos/acme/mobile-app/branches/release%2F1.0/protection', { method: 'DELETE' }],
    ['/repos/acme/design-system/branches/main/protection', { method: 'PUT', body: minimalProtection({ required_pull_request_reviews: { required_approving_review_count: 8 } }) }],
    [`${core}/rulesets`],
    ['/repos/acme/risk-engine/rulesets?includes_parents=false'],
    ['/repos/acme/customer-support-portal/rulesets/0'],
    [`${core}/rules/branches/main`],
    ['/orgs/acme/rulesets'],
    [`${core}/contents/.qms%2Fbranch-protection.yml`],
    [`${core}/contents/.github`],
    ['/repos/acme/new-service/contents/README.md'],
    ['/orgs/acme/properties/schema'],
    ['/orgs/acme/properties/schema/qms_owner', { method: 'PUT', body: { value_type: 'string', description: 'Owning team' } }],
    ['/orgs/acme/properties/values?per_page=100'],
    ['/orgs/acme/properties/values', { method: 'PATCH', body: { repository_names: ['internal-tools'], properties: [{ property_name: 'qms_tier', value: 'standard' }] } }],
    [`${core}/properties/values`],
    ['/repos/acme/internal-tools/properties/values', { method: 'PATCH', body: { properties: [{ property_name: 'compliance_scope', value: 'sox' }] } }],
    ['/orgs/acme/members'],
    ['/orgs/acme/memberships/max'],
    ['/orgs/acme/teams'],
    ['/orgs/acme/teams/payments'],
    ['/orgs/acme/teams/payments/members'],
    ['/orgs/acme/teams/payments/memberships/tess'],
    [`${core}/collaborators/max/permission`],
    [`${core}/collaborators/eve/permission`],
    [`${core}/pulls?state=all`],
    [`${core}/pulls/41`],
    [`${core}/pulls/38`],
    [`${core}/pulls/41/files`],
    [`${core}/pulls/41/commits`],
    [`${core}/pulls/41/reviews`],
    [`${core}/pulls/41/requested_reviewers`],
    [`${core}/pulls/41/requested_reviewers`, { method: 'POST', body: { reviewers: ['pia'], team_reviewers: ['architects'] } }],
    [`${core}/pulls/41/requested_reviewers`, { method: 'DELETE', body: { reviewers: ['pia'], team_reviewers: [] } }],
    [`${core}/pulls/41/requested_reviewers`, { method: 'POST', body: { reviewers: ['eve'] } }],
    [`${core}/commits/main/statuses`],
    [`${core}/commits/main/status`],
    [`${core}/statuses/${sandbox.state.repos.find((r) => r.name === 'core-payment-system')!.branches['main']}`, { method: 'POST', body: { state: 'success', context: 'qms/dor-validation', target_url: 'https://ci.example/run/1' } }],
    ['/repos/acme/hackathon-2025/branches'],
    ['/repos/acme/hackathon-2025/branches/feature%2F%C3%BCn%C3%AFc%C3%B8d%C3%A9'],
    ['/repos/acme/payment-gateway/rules/branches/release%2F3.1'],
    ['/repos/acme/payment-gateway/rulesets'],
    ['/repos/acme/web-storefront/pulls/88'],
    ['/repos/acme/documentation-system/contents/docs%2FCODEOWNERS', { as: null }],
    ['/repos/acme/no-such-repo'],
    [core, { as: 'nobody' }],
    ['/repos/acme-labs/labs-private-experiment/branches/main/protection'],
  ];
  for (const [path, options] of calls) await api(path, options);

  // Rulesets CRUD, with ids from the responses.
  const created = await api('/repos/acme/internal-tools/rulesets', {
    method: 'POST',
    body: { name: 'Tour', enforcement: 'active', conditions: { ref_name: { include: ['~DEFAULT_BRANCH'], exclude: [] } }, rules: [{ type: 'deletion' }] },
  });
  await api(`/repos/acme/internal-tools/rulesets/${created.body.id}`);
  await api(`/repos/acme/internal-tools/rulesets/${created.body.id}`, { method: 'PUT', body: { enforcement: 'evaluate' } });
  await api(`/repos/acme/internal-tools/rulesets/${created.body.id}`, { method: 'DELETE' });
  const org = await api('/orgs/acme/rulesets', {
    method: 'POST',
    body: {
      name: 'Tour org',
      enforcement: 'active',
      conditions: { ref_name: { include: ['~DEFAULT_BRANCH'], exclude: [] }, repository_name: { include: ['internal-*'], exclude: [] } },
      rules: [{ type: 'non_fast_forward' }],
    },
  });
  await api(`/orgs/acme/rulesets/${org.body.id}`);
  await api(`/orgs/acme/rulesets/${org.body.id}`, { method: 'PUT', body: { name: 'Tour org renamed' } });
  await api(`/orgs/acme/rulesets/${org.body.id}`, { method: 'DELETE' });
  const file = await api('/repos/acme/internal-tools/contents/docs%2Ftour.md', {
    method: 'PUT',
    body: { message: 'Add tour', content: Buffer.from('# Tour\n').toString('base64') },
  });
  await api('/repos/acme/internal-tools/contents/docs%2Ftour.md', {
    method: 'PUT',
    body: { message: 'Edit tour', content: Buffer.from('# Tour 2\n').toString('base64'), sha: file.body.content.sha },
  });

  const { problems, checked } = checkExchanges(exchanges);
  expect(problems).toEqual([]);
  expect(checked).toBeGreaterThan(60);

  // Every REST route was answered successfully at least once.
  const succeeded = new Set(exchanges.filter((e) => e.status < 300).map((e) => `${e.method} ${e.route}`));
  const missing = listSandboxRoutes().filter((r) => r !== 'POST /graphql' && !succeeded.has(r));
  expect(missing).toEqual([]);
}, 120_000);

it('the schema check itself rejects wrong shapes (it is not vacuous)', () => {
  const fake = (route: string, method: string, status: number, responseBody: unknown): Exchange => ({
    method,
    path: route,
    route,
    status,
    requestBody: null,
    responseHeaders: {},
    responseBody,
    fault: null,
  });
  const { problems } = checkExchanges([
    fake('/user', 'GET', 200, { login: 'ada' }),
    fake('/repos/{owner}/{repo}/branches/{branch}/protection', 'PUT', 200, { url: 'http://x/y', enforce_admins: { url: 'http://x/y', enabled: 'yes' } }),
    fake('/repos/{owner}/{repo}/rules/branches/{branch}', 'GET', 200, [{ type: 'no_such_rule' }]),
  ]);
  expect(problems).toHaveLength(3);
});
