/**
 * The contract harness itself: it must flag exchanges GitHub would never
 * produce (otherwise a green contract suite means nothing).
 */
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/index.js';
import { checkExchange } from '../../src/contract/check.js';

const base: Exchange = {
  method: 'GET',
  path: '/repos/acme/x/branches/main/protection/enforce_admins',
  route: '/repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins',
  status: 200,
  requestBody: undefined,
  responseHeaders: {},
  responseBody: { url: 'https://api.github.com/repos/acme/x/branches/main/protection/enforce_admins', enabled: true },
  fault: null,
};
const ex = (over: Partial<Exchange>): Exchange => ({ ...base, ...over });
const PUT_PROTECTION = {
  method: 'PUT',
  path: '/repos/acme/x/branches/main/protection',
  route: '/repos/{owner}/{repo}/branches/{branch}/protection',
};

describe('REST exchanges', () => {
  it('accepts a response that matches the documented schema', () => {
    expect(checkExchange(base)).toEqual([]);
  });

  it('flags a response missing a required field or with a wrong type', () => {
    expect(checkExchange(ex({ responseBody: { url: 'u' } })).join()).toMatch(/must have required property 'enabled'/);
    expect(checkExchange(ex({ responseBody: { url: 'u', enabled: 'yes' } })).join()).toMatch(/\/enabled must be boolean/);
  });

  it('flags routes and methods GitHub does not have', () => {
    expect(checkExchange(ex({ method: 'PATCH' })).join()).toMatch(/not in GitHub's OpenAPI description/);
    expect(checkExchange(ex({ route: '/repos/{owner}/{repo}/nonsense' })).join()).toMatch(/not in GitHub's OpenAPI description/);
  });

  it('flags undocumented success statuses and bodies on 204', () => {
    expect(checkExchange(ex({ status: 201 })).join()).toMatch(/status 201 is not documented/);
    expect(checkExchange(ex({ method: 'DELETE', status: 204, responseBody: { x: 1 } })).join()).toMatch(/204 must have no body/);
    expect(checkExchange(ex({ method: 'DELETE', status: 204, responseBody: null }))).toEqual([]);
    expect(checkExchange(ex({ status: 304, responseBody: null, responseHeaders: { etag: 'W/"1"' } }))).toEqual([]);
    const typed = { 'content-type': 'application/json; charset=utf-8' };
    expect(checkExchange(ex({ status: 304, responseBody: null, responseHeaders: typed })).join()).toMatch(/304 must not carry a content/);
  });

  it('holds undocumented error statuses to GitHub’s {message} shape', () => {
    expect(
      checkExchange(ex({ status: 401, responseBody: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } })),
    ).toEqual([]);
    expect(checkExchange(ex({ status: 401, responseBody: { error: 'nope' } })).join()).toMatch(/without GitHub's \{message\} body/);
  });

  it('flags a request body the schema refuses that was not answered 422', () => {
    const body = {
      required_status_checks: null,
      enforce_admins: { enabled: true },
      required_pull_request_reviews: null,
      restrictions: null,
    };
    const accepted = checkExchange({ ...base, ...PUT_PROTECTION, requestBody: body, status: 200, responseBody: { url: 'u' } });
    expect(accepted.join()).toMatch(/accepted \(200\) a request body GitHub's schema refuses/);
    const refused = checkExchange({
      ...base,
      ...PUT_PROTECTION,
      requestBody: body,
      status: 422,
      responseBody: { message: 'Invalid request.', documentation_url: 'd', status: '422' },
    });
    expect(refused).toEqual([]);
  });

  it('judges status checks as GitHub’s validator does: one of contexts and checks, though the description requires contexts', () => {
    const refused = { message: 'Invalid request.', documentation_url: 'd' };
    const put = (rsc: unknown, status: number) =>
      checkExchange({
        ...base,
        ...PUT_PROTECTION,
        status,
        requestBody: { required_status_checks: rsc, enforce_admins: true, required_pull_request_reviews: null, restrictions: null },
        responseBody: status === 422 ? refused : { url: `https://api.github.com${PUT_PROTECTION.path}` },
      }).join();
    // Accepting one list alone is right (GitHub answered 200 to `{strict, checks: []}`).
    expect(put({ strict: true, checks: [] }, 200)).toBe('');
    expect(put({ strict: false, contexts: ['ci'] }, 200)).toBe('');
    // Accepting both, or neither, is what GitHub never does.
    const both = { strict: true, contexts: [], checks: [{ context: 'ci', app_id: -1 }] };
    expect(put(both, 200)).toMatch(/More than one subschema in "oneOf" matched/);
    expect(put({ strict: true }, 200)).toMatch(/No subschema in "oneOf" matched/);
    expect(put({ strict: true }, 422)).toBe('');
  });

  it('skips exchanges shaped by injected faults', () => {
    expect(checkExchange(ex({ status: 200, responseBody: 'garbage', fault: 'truncated' }))).toEqual([]);
  });
});

describe('GraphQL exchanges', () => {
  const gql = (query: string, responseBody: unknown, variables: Record<string, unknown> = {}): Exchange =>
    ex({ method: 'POST', path: '/graphql', route: '/graphql', requestBody: { query, variables }, responseBody });

  it('accepts data shaped like the query', () => {
    expect(checkExchange(gql('{ viewer { login databaseId } }', { data: { viewer: { login: 'ada', databaseId: 1 } } }))).toEqual([]);
  });

  it('flags wrong scalar types, bad enum values, nulls in non-null fields, missing and extra keys', () => {
    const q = '{ viewer { login databaseId } repository(owner: "a", name: "b") { visibility isArchived } }';
    const problems = checkExchange(
      gql(q, { data: { viewer: { login: 1, extra: true }, repository: { visibility: 'SECRET', isArchived: null } } }),
    ).join('\n');
    expect(problems).toMatch(/data\.viewer\.login: 1 is not a String/);
    expect(problems).toMatch(/data\.viewer\.extra: not selected/);
    expect(problems).toMatch(/data\.viewer\.databaseId: missing/);
    expect(problems).toMatch(/data\.repository\.visibility: "SECRET" is not a RepositoryVisibility value/);
    expect(problems).toMatch(/data\.repository\.isArchived: null for non-null Boolean!/);
  });

  it('checks abstract types through __typename and fragments', () => {
    const q = '{ repository(owner: "a", name: "b") { owner { __typename login ... on Organization { databaseId } } } }';
    expect(
      checkExchange(gql(q, { data: { repository: { owner: { __typename: 'Organization', login: 'acme', databaseId: 3 } } } })),
    ).toEqual([]);
    expect(checkExchange(gql(q, { data: { repository: { owner: { __typename: 'User', login: 'ada', databaseId: 3 } } } })).join()).toMatch(
      /databaseId: not selected/,
    );
    expect(checkExchange(gql(q, { data: { repository: { owner: { __typename: 'Bot', login: 'x' } } } })).join()).toMatch(
      /not a possible RepositoryOwner/,
    );
  });

  it('flags queries GitHub’s schema refuses unless a test sent them on purpose, and data for them always', () => {
    const q = '{ viewer { nope } }';
    const refused = gql(q, { errors: [{ message: "Field 'nope' doesn't exist on type 'User'" }] });
    expect(checkExchange(refused).join()).toMatch(/sent a query GitHub's schema refuses: Field 'nope' doesn't exist on type 'User'/);
    expect(checkExchange(refused, { expectedInvalidQueries: new Set([q]) })).toEqual([]);
    expect(checkExchange(gql(q, { data: { viewer: { nope: 1 } } }), { expectedInvalidQueries: new Set([q]) }).join()).toMatch(
      /executed a query GitHub's schema refuses/,
    );
  });
});
