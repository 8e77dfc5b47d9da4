import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_FIXTURE_DIR,
  SandboxFixtureError,
  SandboxStateError,
  listSandboxUsers,
  loadFixture,
  resetStateFile,
  sandboxTokenFor,
  startSandbox,
} from '../src/index.js';
import { apiFor, minimalProtection } from './helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'qms-sandbox-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('persistence', () => {
  it('round-trips a write through the state file (start, write, close, start again)', async () => {
    const file = path.join(tempDir(), 'nested', 'sandbox-state.json');
    const first = await startSandbox({ statePath: file, persist: true });
    const api = apiFor(first);
    const put = await api('/repos/acme/payments-ledger/branches/main/protection', {
      method: 'PUT',
      body: minimalProtection({ required_pull_request_reviews: { required_approving_review_count: 2 } }),
    });
    expect(put.status).toBe(200);
    // Written before the response: the file already holds the rule.
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    expect(onDisk.repos.find((r: { name: string }) => r.name === 'payments-ledger').protectionRules).toHaveLength(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await first.close();

    const second = await startSandbox({ statePath: file, persist: true });
    const res = await apiFor(second)('/repos/acme/payments-ledger/branches/main/protection');
    expect(res.status).toBe(200);
    expect(res.body.required_pull_request_reviews.required_approving_review_count).toBe(2);
    await second.close();
  });

  it('tightens the mode of an existing state file to 0600', async () => {
    const file = path.join(tempDir(), 'state.json');
    await resetStateFile(file);
    chmodSync(file, 0o644);
    const sb = await startSandbox({ statePath: file, persist: true });
    await apiFor(sb)('/repos/acme/platform-docs/branches/main/protection', { method: 'DELETE' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await sb.close();
  });

  it('reads but does not write without persist; save() writes on demand', async () => {
    const file = path.join(tempDir(), 'state.json');
    await resetStateFile(file);
    const before = readFileSync(file, 'utf8');
    const sb = await startSandbox({ statePath: file });
    await apiFor(sb)('/repos/acme/platform-docs/branches/main/protection', { method: 'DELETE' });
    expect(readFileSync(file, 'utf8')).toBe(before);
    await sb.save();
    expect(readFileSync(file, 'utf8')).not.toBe(before);
    await sb.close();
  });

  it('seeds from the fixtures when the file is missing', async () => {
    const file = path.join(tempDir(), 'absent.json');
    const sb = await startSandbox({ statePath: file, persist: true });
    expect(sb.state.repos.some((r) => r.name === 'core-payment-system')).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
    await sb.close();
  });

  it('refuses a corrupt state file with an error naming it; resetStateFile repairs it', async () => {
    const file = path.join(tempDir(), 'corrupt.json');
    writeFileSync(file, '{"version": 1, "repos": [');
    await expect(startSandbox({ statePath: file })).rejects.toThrow(SandboxStateError);
    await expect(startSandbox({ statePath: file })).rejects.toThrow(file);
    writeFileSync(file, '{"version": 2}');
    await expect(startSandbox({ statePath: file })).rejects.toThrow(/not a version 1 sandbox state/);
    await resetStateFile(file);
    const sb = await startSandbox({ statePath: file });
    expect(sb.state.version).toBe(1);
    await sb.close();
  });

  it('reset() reseeds the live state', async () => {
    const sb = await startSandbox();
    const api = apiFor(sb);
    await api('/repos/acme/platform-docs/branches/main/protection', { method: 'DELETE' });
    sb.reset();
    expect((await api('/repos/acme/platform-docs/branches/main/protection')).status).toBe(200);
    await sb.close();
  });

  it('serves a state object passed in directly, live', async () => {
    const state = loadFixture();
    const sb = await startSandbox({ state });
    expect(sb.state).toBe(state);
    state.repos.find((r) => r.name === 'platform-docs')!.description = 'changed in place';
    expect((await apiFor(sb)('/repos/acme/platform-docs')).body.description).toBe('changed in place');
    await sb.close();
  });
});

describe('fixtures', () => {
  it('loads deterministically', () => {
    expect(loadFixture()).toEqual(loadFixture());
  });

  it('has the users the brief asks for, each with a sandbox token', () => {
    const users = listSandboxUsers(loadFixture());
    const logins = users.map((u) => u.login);
    for (const l of [
      'ada',
      'max',
      'rita',
      'lee',
      'tess',
      'sam',
      'archie',
      'pia',
      'quinn',
      'cora',
      'cyrus',
      'dana',
      'sue',
      'dan',
      'otto',
      'eve',
    ]) {
      expect(logins).toContain(l);
    }
    expect(users.every((u) => u.token === `qms_sandbox_${u.login}`)).toBe(true);
    expect(users.find((u) => u.login === 'quinn')!.roles).toEqual(['qms-quality-coordinator']);
  });

  it('documents every repository in the package README', () => {
    const readme = readFileSync(path.join(DEFAULT_FIXTURE_DIR, '..', 'README.md'), 'utf8');
    const missing = loadFixture().repos.filter((r) => !readme.includes(`\`${r.owner}/${r.name}\``));
    expect(missing.map((r) => r.name)).toEqual([]);
  });

  it('reports schema problems with file, line, column and field', () => {
    const dir = tempDir();
    cpSync(DEFAULT_FIXTURE_DIR, dir, { recursive: true });
    const file = path.join(dir, 'repos', 'acme-labs.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    visibility: public\n', '    visibility: public\n    visibilty: private\n'));
    try {
      loadFixture(dir);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SandboxFixtureError);
      expect((err as Error).message).toMatch(
        new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+:\\d+: /repositories/0: unknown key "visibilty"`),
      );
    }
  });

  it('reports YAML syntax errors and dangling references', () => {
    const dir = tempDir();
    cpSync(DEFAULT_FIXTURE_DIR, dir, { recursive: true });
    writeFileSync(path.join(dir, 'orgs', 'acme-labs.yml'), 'login: acme-labs\nname: [unclosed\n');
    expect(() => loadFixture(dir)).toThrow(/acme-labs\.yml:\d+:\d+: YAML syntax error/);

    cpSync(DEFAULT_FIXTURE_DIR, dir, { recursive: true });
    const repos = path.join(dir, 'repos', 'acme-labs.yml');
    writeFileSync(repos, readFileSync(repos, 'utf8').replace('teams: { research: write }', 'teams: { research: write, ghosts: read }'));
    expect(() => loadFixture(dir)).toThrow(/acme-labs\.yml:\d+:\d+: unknown team "ghosts"/);
  });
});

describe('sandbox tokens', () => {
  it('never hands a real credential to the simulator', () => {
    expect(sandboxTokenFor({})).toBe('qms_sandbox_ada');
    expect(sandboxTokenFor({ QMS_SANDBOX_TOKEN: 'qms_sandbox_rita' })).toBe('qms_sandbox_rita');
    expect(sandboxTokenFor({ GITHUB_TOKEN: 'qms_sandbox_max' })).toBe('qms_sandbox_max');
    expect(sandboxTokenFor({ GH_TOKEN: 'qms_sandbox_tess' })).toBe('qms_sandbox_tess');
    expect(sandboxTokenFor({ GITHUB_TOKEN: 'ghp_realtoken123', GH_TOKEN: 'gho_other' })).toBe('qms_sandbox_ada');
    expect(sandboxTokenFor({ QMS_SANDBOX_TOKEN: 'ghp_oops', GITHUB_TOKEN: 'qms_sandbox_sam' })).toBe('qms_sandbox_sam');
    expect(sandboxTokenFor({ QMS_SANDBOX_TOKEN: 'qms_sandbox_' })).toBe('qms_sandbox_ada');
  });
});
