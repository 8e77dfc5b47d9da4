/**
 * Credential resolution. `gh` is a real executable script on a PATH made for
 * the test (no mocks); a PATH without it stands for "gh not installed".
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveAuth, ghHostname, NO_CREDENTIALS_MESSAGE } from '../../../src/github/auth.js';
import { AuthError, UsageError } from '../../../src/core/errors.js';
import { SecretRedactor } from '../../../src/output/logger.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qms-auth-'));
const emptyBin = path.join(dir, 'empty-bin');
const ghBin = path.join(dir, 'gh-bin');
const failingGhBin = path.join(dir, 'failing-gh-bin');
for (const d of [emptyBin, ghBin, failingGhBin]) mkdirSync(d);
const GH_TOKEN_VALUE = 'gho_' + 'G'.repeat(36);
// Prints the token; records its arguments so the --hostname choice can be checked.
writeFileSync(path.join(ghBin, 'gh'), `#!/bin/sh\necho "$@" > "${dir}/gh-args"\necho "${GH_TOKEN_VALUE}"\n`);
chmodSync(path.join(ghBin, 'gh'), 0o755);
writeFileSync(path.join(failingGhBin, 'gh'), '#!/bin/sh\necho "not logged in" >&2\nexit 1\n');
chmodSync(path.join(failingGhBin, 'gh'), 0o755);

const KEY =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n';
writeFileSync(path.join(dir, 'app.pem'), KEY);
writeFileSync(path.join(dir, 'not-a-key.txt'), 'hello');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { cwd: dir };

describe('resolveAuth', () => {
  test('GITHUB_TOKEN first, then GH_TOKEN; blanks are ignored; secrets registered at once', async () => {
    const redactor = new SecretRedactor();
    const a = await resolveAuth({
      ...base,
      redactor,
      env: { PATH: emptyBin, GITHUB_TOKEN: ' ghp_first_token_value_1234 ', GH_TOKEN: 'ghp_second' },
    });
    expect(a).toEqual({ kind: 'token', token: 'ghp_first_token_value_1234', source: 'GITHUB_TOKEN' });
    expect(redactor.redact('x ghp_first_token_value_1234 y')).toBe('x *** y');
    const b = await resolveAuth({ ...base, env: { PATH: emptyBin, GITHUB_TOKEN: '  ', GH_TOKEN: 'gh_token_value_5678' } });
    expect(b).toEqual({ kind: 'token', token: 'gh_token_value_5678', source: 'GH_TOKEN' });
  });

  test('then `gh auth token` (with --hostname for GitHub Enterprise Server)', async () => {
    const redactor = new SecretRedactor();
    const a = await resolveAuth({ ...base, redactor, env: { PATH: ghBin } });
    expect(a).toEqual({ kind: 'token', token: GH_TOKEN_VALUE, source: 'gh' });
    expect(redactor.redact(GH_TOKEN_VALUE)).toBe('***');
    expect(readFileSync(path.join(dir, 'gh-args'), 'utf8').trim()).toBe('auth token');
    await resolveAuth({ ...base, env: { PATH: ghBin }, apiUrl: 'https://ghe.example.com/api/v3' });
    expect(readFileSync(path.join(dir, 'gh-args'), 'utf8').trim()).toBe('auth token --hostname ghe.example.com');
    expect(ghHostname('https://api.github.com')).toBe('github.com');
  });

  test('no credentials (gh absent or not logged in) → AuthError exit 3 with a one-line how-to', async () => {
    for (const PATH of [emptyBin, failingGhBin]) {
      const err = await resolveAuth({ ...base, env: { PATH } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as AuthError).exitCode).toBe(3);
      expect((err as Error).message).toBe(NO_CREDENTIALS_MESSAGE);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  test('GitHub App: all three options; the key is read from the file and registered', async () => {
    const redactor = new SecretRedactor();
    const a = await resolveAuth({
      ...base,
      redactor,
      env: { PATH: emptyBin, GITHUB_TOKEN: 'ghp_ambient_token_in_actions' },
      appId: '12345',
      privateKeyPath: 'app.pem',
      installationId: '678',
    });
    expect(a).toEqual({ kind: 'app', appId: '12345', privateKey: KEY, installationId: '678' });
    expect(redactor.redact(`key: ${KEY}`)).not.toContain('MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu');
  });

  test.each([
    [{ appId: '1' }, /^--private-key and --installation-id are required with --app-id/],
    [{ appId: '1', privateKeyPath: 'app.pem' }, /^--installation-id is required with --app-id and --private-key/],
    [{ installationId: '5' }, /^--app-id and --private-key are required with --installation-id/],
    [
      { appId: '1', privateKeyPath: 'missing.pem', installationId: '5' },
      /^cannot read the GitHub App private key file .*missing\.pem \(ENOENT\)/,
    ],
    [{ appId: '1', privateKeyPath: 'not-a-key.txt', installationId: '5' }, /not-a-key\.txt is not a PEM private key/],
    [{ appId: '1', privateKeyPath: 'app.pem', installationId: 'abc' }, /^--installation-id must be a number/],
  ])('GitHub App misuse → UsageError: %j', async (opts, message) => {
    const err = await resolveAuth({ ...base, env: { PATH: emptyBin }, ...opts }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});
