/**
 * Wrapping Octokit's errors into qms's typed errors: one class per case,
 * one-line messages, no secrets. Errors are built with Octokit's own
 * RequestError / GraphqlResponseError classes, shaped like GitHub's answers.
 */
import { describe, expect, test } from 'vitest';
import { RequestError } from '@octokit/request-error';
import { GraphqlResponseError } from '@octokit/graphql';
import { wrapError, isPlanMessage } from '../../../src/github/errors.js';
import {
  AuthError,
  GitHubError,
  InterruptedError,
  NotFoundError,
  PermissionError,
  PlanUnavailableError,
  RateLimitError,
  UsageError,
  ValidationFailedError,
} from '../../../src/core/errors.js';
import { SecretRedactor } from '../../../src/output/logger.js';

const TOKEN = 'ghp_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2';

function ctx() {
  const redactor = new SecretRedactor();
  redactor.add(TOKEN);
  return { redactor, credentialSource: 'GITHUB_TOKEN' };
}

function requestError(
  status: number,
  data: unknown,
  headers: Record<string, string> = {},
  url = 'https://api.github.com/repos/acme/api/branches/release%2F1.0/protection',
) {
  return new RequestError(
    typeof data === 'object' && data && 'message' in data ? String((data as { message: unknown }).message) : 'x',
    status,
    {
      request: { method: 'PUT', url, headers: { authorization: `token ${TOKEN}` } },
      response: { status, url, headers: { 'x-github-request-id': 'AB12:CD34', ...headers }, data },
    },
  );
}

const ROUTE = 'PUT /repos/{owner}/{repo}/branches/{branch}/protection';
const DOCS = 'https://docs.github.com/rest';

describe('wrapError', () => {
  test('401 → AuthError naming the credential source, one line', () => {
    const err = wrapError(requestError(401, { message: 'Bad credentials', documentation_url: DOCS }), ROUTE, ctx());
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toBe('GitHub rejected the credentials (401 Bad credentials) — check GITHUB_TOKEN');
    expect((err as AuthError).exitCode).toBe(3);
    expect((err as AuthError).route).toBe(ROUTE);
    expect((err as AuthError).requestId).toBe('AB12:CD34');
  });

  test('403 plan message → PlanUnavailableError', () => {
    const message = 'Upgrade to GitHub Pro or make this repository public to enable this feature.';
    expect(isPlanMessage(message)).toBe(true);
    const err = wrapError(requestError(403, { message, documentation_url: DOCS }), ROUTE, ctx());
    expect(err).toBeInstanceOf(PlanUnavailableError);
    expect(err.message).toBe(`${message} (PUT /repos/acme/api/branches/release/1.0/protection)`);
  });

  test('403 secondary limit → RateLimitError with resetAt from retry-after', () => {
    const before = Date.now();
    const err = wrapError(
      requestError(
        403,
        { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
        { 'retry-after': '30' },
      ),
      ROUTE,
      ctx(),
    );
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).resetAt).toBeGreaterThanOrEqual(before + 30_000);
    expect((err as RateLimitError).transient).toBe(true);
    expect(err.message).toMatch(/secondary rate limit .* wait 30s/);
  });

  test('403/429 with x-ratelimit-remaining 0 → primary RateLimitError with the reset time', () => {
    for (const status of [403, 429]) {
      const err = wrapError(
        requestError(
          status,
          { message: 'API rate limit exceeded for user ID 1.' },
          { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '5000', 'x-ratelimit-reset': '1700000000' },
        ),
        ROUTE,
        ctx(),
      );
      expect(err).toBeInstanceOf(RateLimitError);
      expect((err as RateLimitError).resetAt).toBe(1_700_000_000_000);
      expect(err.message).toBe('GitHub API rate limit exhausted (0/5000 left); it resets at 2023-11-14T22:13:20.000Z');
    }
  });

  test('a bare 429 is a rate limit too', () => {
    expect(wrapError(requestError(429, { message: 'Too Many Requests' }), ROUTE, ctx())).toBeInstanceOf(RateLimitError);
  });

  test('other 403 (archived, no admin) → PermissionError with GitHub’s reason and the permission hint', () => {
    const archived = wrapError(requestError(403, { message: 'Repository was archived so is read-only.' }), ROUTE, ctx());
    expect(archived).toBeInstanceOf(PermissionError);
    expect(archived.message).toBe(
      'GitHub refused PUT /repos/acme/api/branches/release/1.0/protection (403 Repository was archived so is read-only.)',
    );
    const scoped = wrapError(
      requestError(403, { message: 'Resource not accessible by integration' }, { 'x-accepted-github-permissions': 'administration=write' }),
      ROUTE,
      ctx(),
    ) as PermissionError;
    expect(scoped.hint).toBe('GitHub expects these token permissions: administration=write');
  });

  test('404 → NotFoundError', () => {
    const err = wrapError(requestError(404, { message: 'Not Found', documentation_url: DOCS }), ROUTE, ctx());
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('Not Found (PUT /repos/acme/api/branches/release/1.0/protection)');
  });

  test('422 → ValidationFailedError with GitHub’s errors on one line', () => {
    const err = wrapError(
      requestError(422, {
        message: 'Validation Failed',
        errors: [
          'Only 100 users and teams can be specified.',
          { resource: 'Protection', field: 'required_status_checks', code: 'invalid' },
        ],
        documentation_url: DOCS,
      }),
      ROUTE,
      ctx(),
    );
    expect(err).toBeInstanceOf(ValidationFailedError);
    expect(err.message).toBe(
      'GitHub rejected PUT /repos/acme/api/branches/release/1.0/protection: Validation Failed: Only 100 users and teams can be specified.; Protection required_status_checks invalid',
    );
    const multiline = wrapError(requestError(422, { message: 'Invalid request.\n\nNo subschema matched.' }), ROUTE, ctx());
    expect(multiline.message).not.toContain('\n');
  });

  test('5xx → transient GitHubError; no response at all → status 0', () => {
    const server = wrapError(requestError(502, { message: 'Server Error' }), ROUTE, ctx()) as GitHubError;
    expect(server.constructor).toBe(GitHubError);
    expect(server.status).toBe(502);
    expect(server.transient).toBe(true);
    const network = new RequestError('getaddrinfo ENOTFOUND api.github.com', 500, {
      request: { method: 'GET', url: 'https://api.github.com/user', headers: {} },
    });
    const wrapped = wrapError(network, 'GET /user', ctx()) as GitHubError;
    expect(wrapped.status).toBe(0);
    expect(wrapped.transient).toBe(true);
    expect(wrapped.message).toBe('could not reach GitHub for GET /user: getaddrinfo ENOTFOUND api.github.com');
  });

  test('secrets in GitHub’s message are redacted; the Authorization header never appears', () => {
    const err = wrapError(requestError(422, { message: `token ${TOKEN} is not allowed here` }), ROUTE, ctx());
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).toContain('***');
    expect(JSON.stringify(err)).not.toContain(TOKEN);
    expect(err.cause).toBeUndefined();
  });

  test('already-typed errors pass through (wrapped exactly once); aborts become InterruptedError', () => {
    const usage = new UsageError('bad flag');
    expect(wrapError(usage, ROUTE, ctx())).toBe(usage);
    const typed = wrapError(requestError(404, { message: 'Not Found' }), ROUTE, ctx());
    expect(wrapError(typed, 'GET /other', ctx())).toBe(typed);
    const abort = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    expect(wrapError(abort, ROUTE, ctx())).toBeInstanceOf(InterruptedError);
    const bug = new TypeError('x is undefined');
    expect(wrapError(bug, ROUTE, ctx())).toBe(bug);
  });

  test('GraphQL errors map by type', () => {
    const gql = (type: string | undefined, message: string) =>
      new GraphqlResponseError(
        { method: 'POST', url: '/graphql', query: '{}' },
        { 'x-github-request-id': 'R1', 'x-ratelimit-reset': '1700000000' },
        {
          data: null,
          errors: [{ type, message, locations: [], path: ['repository'] } as never],
        },
      );
    expect(wrapError(gql('NOT_FOUND', "Could not resolve to a Repository with the name 'acme/x'."), 'POST /graphql', ctx())).toBeInstanceOf(
      NotFoundError,
    );
    expect(wrapError(gql('FORBIDDEN', 'Resource not accessible by integration'), 'POST /graphql', ctx())).toBeInstanceOf(PermissionError);
    const limited = wrapError(gql('RATE_LIMITED', 'API rate limit exceeded'), 'POST /graphql', ctx());
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).resetAt).toBe(1_700_000_000_000);
    const other = wrapError(gql(undefined, "Field 'nope' doesn't exist on type 'Query'"), 'POST /graphql', ctx());
    expect(other).toBeInstanceOf(ValidationFailedError);
    expect(other.message).toBe("GitHub GraphQL rejected the request: Field 'nope' doesn't exist on type 'Query'");
  });
});
