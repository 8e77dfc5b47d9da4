/**
 * (c) Typed errors and the disambiguated protection read, against the
 * simulator over HTTP: 401, non-admin tokens, the Free-plan 403, archived
 * repositories, missing repositories/branches, rejected bodies.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox } from '@qms/github-sim';
import { AuthError, NotFoundError, PermissionError, ValidationFailedError } from '../../../src/core/errors.js';
import { baseRuleProtection } from '../../../src/core/protection.js';
import { handleError } from '../../../src/cli/handle-error.js';
import { createLogger } from '../../../src/output/logger.js';
import { gatewayFor, withSandbox } from './helpers.js';

describe('typed errors over HTTP', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await withSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  test('401 → AuthError, exit 3, one line, no token anywhere', async () => {
    // Shaped like a real classic token so the redactor's pattern and the registered secret are both exercised.
    const token = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const h = gatewayFor(sandbox, 'ada', { auth: { kind: 'token', token, source: 'GITHUB_TOKEN' } });
    const err = await h.gateway.getViewer().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    const auth = err as AuthError;
    expect(auth.exitCode).toBe(3);
    expect(auth.status).toBe(401);
    expect(auth.message).toBe('GitHub rejected the credentials (401 Bad credentials) — check GITHUB_TOKEN');
    expect(auth.message).not.toContain('\n');
    // What the CLI prints for it: one line (plus the hint), exit code 3.
    const printed: string[] = [];
    const code = handleError(err, createLogger({ level: 'verbose', write: (l) => printed.push(l), redactor: h.redactor }));
    expect(code).toBe(3);
    expect(printed[0]).toBe('qms: GitHub rejected the credentials (401 Bad credentials) — check GITHUB_TOKEN\n');
    expect([...printed, ...h.lines, JSON.stringify(auth), String(auth.stack)].join('')).not.toContain(token);
  });

  test('a read-only member reads classic protection as unknown, never as unprotected', async () => {
    const h = gatewayFor(sandbox, 'rita');
    const read = await h.gateway.getBranchProtection({ owner: 'acme', name: 'core-payment-system' }, 'main');
    expect(read).toEqual({
      kind: 'unknown',
      reason: expect.stringMatching(/^token lacks admin on acme\/core-payment-system \(it has read permission\)/),
    });
  });

  test('a read-only member cannot list classic rules through GraphQL either (PermissionError, not [])', async () => {
    const h = gatewayFor(sandbox, 'rita');
    await expect(h.gateway.listProtectionRules({ owner: 'acme', name: 'core-payment-system' })).rejects.toBeInstanceOf(PermissionError);
  });

  test('the Free-plan 403 on a private repository → not_applicable; a public one on the same plan reads fine', async () => {
    const h = gatewayFor(sandbox, 'ada');
    const read = await h.gateway.getBranchProtection({ owner: 'acme-labs', name: 'labs-private-experiment' }, 'main');
    expect(read).toEqual({ kind: 'not_applicable', reason: expect.stringContaining('Upgrade to GitHub Pro') });
    const pub = await h.gateway.getBranchProtection({ owner: 'acme-labs', name: 'labs-public-demo' }, 'main');
    expect(['protected', 'unprotected']).toContain(pub.kind);
  });

  test('"Branch not protected" → unprotected even where rulesets protect the branch', async () => {
    const h = gatewayFor(sandbox, 'ada');
    const ref = { owner: 'acme', name: 'payment-gateway' };
    expect(await h.gateway.getBranchProtection(ref, 'main')).toEqual({ kind: 'unprotected' });
    expect((await h.gateway.getBranch(ref, 'main'))?.protected).toBe(true);
    const rules = await h.gateway.getRulesForBranch(ref, 'main');
    expect(rules.some((r) => r.source.type === 'Organization')).toBe(true);
  });

  test('writing to an archived repository → PermissionError naming the archive', async () => {
    const h = gatewayFor(sandbox, 'ada');
    const err = await h.gateway
      .putBranchProtection({ owner: 'acme', name: 'legacy-billing', ownerType: 'Organization' }, 'main', baseRuleProtection())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionError);
    expect((err as PermissionError).status).toBe(403);
    expect((err as PermissionError).route).toBe('PUT /repos/{owner}/{repo}/branches/{branch}/protection');
    expect((err as Error).message).toMatch(/archived/i);
  });

  test('missing repository and missing branch → NotFoundError; getBranch/getFile → null', async () => {
    const h = gatewayFor(sandbox, 'ada');
    const missingRepo = await h.gateway.getBranchProtection({ owner: 'acme', name: 'no-such-repo' }, 'main').catch((e: unknown) => e);
    expect(missingRepo).toBeInstanceOf(NotFoundError);
    expect((missingRepo as Error).message).toBe('repository acme/no-such-repo does not exist or this token cannot see it');

    const ref = { owner: 'acme', name: 'core-payment-system' };
    const missingBranch = await h.gateway.getBranchProtection(ref, 'no-such-branch').catch((e: unknown) => e);
    expect(missingBranch).toBeInstanceOf(NotFoundError);
    expect((missingBranch as Error).message).toBe('branch "no-such-branch" does not exist in acme/core-payment-system');

    expect(await h.gateway.getBranch(ref, 'no-such-branch')).toBeNull();
    await expect(h.gateway.getBranch({ owner: 'acme', name: 'no-such-repo' }, 'main')).rejects.toBeInstanceOf(NotFoundError);
    expect(await h.gateway.getFile(ref, 'no/such/file.txt')).toBeNull();
    expect(await h.gateway.getRepo({ owner: 'acme', name: 'no-such-repo' }).catch((e: unknown) => e)).toBeInstanceOf(NotFoundError);
  });

  test('an empty repository reads as empty and its files as absent', async () => {
    const h = gatewayFor(sandbox, 'ada');
    const ref = { owner: 'acme', name: 'new-service' };
    expect((await h.gateway.getRepo(ref)).empty).toBe(true);
    expect((await h.gateway.getRepo({ owner: 'acme', name: 'core-payment-system' })).empty).toBe(false);
    expect(await h.gateway.getFile(ref, 'README.md')).toBeNull();
  });

  test('a body GitHub rejects → ValidationFailedError with GitHub’s reason on one line', async () => {
    const h = gatewayFor(sandbox, 'ada');
    const err = await h.gateway
      .putBranchProtection({ owner: 'acme', name: 'payment-gateway', ownerType: 'Organization' }, 'release/3.1', {
        ...baseRuleProtection(),
        restrictions: { users: ['nobody-by-this-name'], teams: [], apps: [] },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationFailedError);
    expect((err as Error).message).toMatch(
      /^GitHub rejected PUT \/repos\/acme\/payment-gateway\/branches\/release\/3\.1\/protection: .*nobody-by-this-name/,
    );
    expect((err as Error).message).not.toContain('\n');
  });

  test('verbose request lines name the route, status, time and rate limit', async () => {
    const h = gatewayFor(sandbox, 'ada');
    await h.gateway.getRepo({ owner: 'acme', name: 'core-payment-system' });
    expect(h.lines.join('')).toMatch(/^debug: GET \/repos\/\{owner\}\/\{repo\} 200 \d+ms, ratelimit \d+\/5000$/m);
  });
});
