/**
 * The program itself: help and version, usage errors, lazy loading, a closed
 * pipe, and the sandbox and auth commands a newcomer runs first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, BUILD_HINT, ROOT, isBuilt, makeTempDirs, runQms, type TempDirs } from '../helpers/e2e.js';
import { startCheckedSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '@qms/github-sim';

let dirs: TempDirs;
let sandbox: Sandbox;

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  dirs = makeTempDirs('qms-cli-e2e-');
  sandbox = await startCheckedSandbox();
});
afterAll(async () => {
  await sandbox.close();
  dirs.cleanup();
});

describe('help, version and usage errors', () => {
  it('--help lists every command and the exit codes, and exits 0', async () => {
    const run = await runQms(['--help'], { env: dirs.env });
    expect(run.code).toBe(0);
    for (const command of [
      'init',
      'config',
      'classify',
      'assess',
      'plan',
      'apply',
      'rollback',
      'history',
      'snapshots',
      'audit',
      'auth',
      'sandbox',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(run.stdout).toMatch(/5 another mutating run holds the lock/);
  });

  it('--version prints the package version', async () => {
    const run = await runQms(['--version'], { env: dirs.env });
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('an unknown option or command is exit 2 with one line on stderr', async () => {
    for (const args of [['--bogus'], ['frobnicate'], ['--format', 'yaml', 'auth', 'status'], ['--quiet', '--verbose', 'auth', 'status']]) {
      const run = await runQms(args, { env: dirs.env });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')[0]).toMatch(/^qms: /);
    }
  });

  it('--help loads neither Octokit nor SQLite', () => {
    const record = path.join(dirs.root, 'imports.txt');
    const result = spawnSync(process.execPath, ['--import', path.join(ROOT, 'test/helpers/record-imports.mjs'), BIN, '--help'], {
      env: { PATH: process.env['PATH'], QMS_RECORD_IMPORTS: record, ...dirs.env },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const loaded = readFileSync(record, 'utf8');
    expect(loaded).toContain('/dist/cli/main.js');
    expect(loaded).not.toMatch(/@octokit|better-sqlite3|\/dist\/store\/|\/dist\/github\/|\/dist\/sandbox\/|github-sim/);
  });

  it('a closed stdout pipe is not a crash', () => {
    const result = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" --help | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"`], {
      env: { PATH: process.env['PATH'], ...dirs.env },
      encoding: 'utf8',
    });
    expect(result.stdout.trim()).toBe('0');
    expect(result.stderr).not.toMatch(/EPIPE/);
  });
});

describe('qms auth status', () => {
  it('names the identity behind the token', async () => {
    const run = await runQms(['--api-url', sandbox.url, '--json', 'auth', 'status'], {
      env: { ...dirs.env, GITHUB_TOKEN: 'qms_sandbox_rita' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ login: 'rita', sandbox: false });
  });

  it('a rejected token is exit 3 with a one-line message that does not show the token', async () => {
    const token = 'ghp_NotARealTokenButLooksLikeOne0123456789';
    const run = await runQms(['--api-url', sandbox.url, 'auth', 'status'], { env: { ...dirs.env, GITHUB_TOKEN: token } });
    expect(run.code).toBe(3);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^qms: .*401/);
    expect(lines.filter((l) => l.startsWith('qms:'))).toHaveLength(1);
    expect(run.stderr + run.stdout).not.toContain(token);
  });

  it('no credentials at all is exit 3 saying how to provide them', async () => {
    const run = await runQms(['--api-url', sandbox.url, 'auth', 'status'], { env: { ...dirs.env, PATH: '/nonexistent' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/GITHUB_TOKEN/);
  });

  it('http:// is refused for anything but loopback', async () => {
    const run = await runQms(['--api-url', 'http://github.example.com/api/v3', 'auth', 'status'], {
      env: { ...dirs.env, GITHUB_TOKEN: 'x' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/http is only allowed for 127\.0\.0\.1/);
  });
});

describe('qms sandbox', () => {
  it('status reads the demo orgs over the API and lists users with their tokens', async () => {
    const local = makeTempDirs('qms-sandbox-status-');
    try {
      const run = await runQms(['--json', 'sandbox', 'status'], { env: local.env });
      expect(run.code, run.stderr).toBe(0);
      const status = JSON.parse(run.stdout);
      expect(status.viewer.login).toBe('ada');
      expect(status.orgs.find((o: { login: string }) => o.login === 'acme')).toMatchObject({
        plan: 'enterprise',
        repositories: 30,
        archived: 1,
      });
      expect(status.orgs.find((o: { login: string }) => o.login === 'acme-labs')).toMatchObject({ plan: 'free' });
      expect(status.users.find((u: { login: string }) => u.login === 'quinn')).toMatchObject({ token: 'qms_sandbox_quinn' });
      // State beside the store, private to the user.
      const stateFile = path.join(local.stateHome, 'qms', 'sandbox', 'sandbox-state.json');
      expect(status.stateFile).toBe(stateFile);
      expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    } finally {
      local.cleanup();
    }
  });

  it('--sandbox never sends a real token to the simulator; QMS_SANDBOX_TOKEN picks a persona', async () => {
    const local = makeTempDirs('qms-sandbox-token-');
    try {
      const real = await runQms(['--sandbox', '--json', 'auth', 'status'], {
        env: { ...local.env, GITHUB_TOKEN: 'ghp_RealLookingToken0123456789abcdefABCDEF' },
      });
      expect(real.code, real.stderr).toBe(0);
      expect(JSON.parse(real.stdout).login).toBe('ada');
      const persona = await runQms(['--sandbox', '--json', 'auth', 'status'], {
        env: { ...local.env, QMS_SANDBOX_TOKEN: 'qms_sandbox_cora' },
      });
      expect(JSON.parse(persona.stdout).login).toBe('cora');
    } finally {
      local.cleanup();
    }
  });

  it('reset reseeds the state file, corrupt or not', async () => {
    const local = makeTempDirs('qms-sandbox-reset-');
    try {
      const stateFile = path.join(local.stateHome, 'qms', 'sandbox', 'sandbox-state.json');
      expect((await runQms(['sandbox', 'status'], { env: local.env })).code).toBe(0);
      rmSync(stateFile);
      writeFileSync(stateFile, '{ not json');
      const broken = await runQms(['sandbox', 'status'], { env: local.env });
      expect(broken.code).not.toBe(0);
      expect(broken.stderr).toContain(stateFile);
      const reset = await runQms(['sandbox', 'reset'], { env: local.env });
      expect(reset.code, reset.stderr).toBe(0);
      expect(reset.stdout).toMatch(/acme: 30 repositories/);
      expect((await runQms(['sandbox', 'status'], { env: local.env })).code).toBe(0);
    } finally {
      local.cleanup();
    }
  });

  it('serve runs standalone until SIGTERM and answers any HTTP client', async () => {
    const local = makeTempDirs('qms-sandbox-serve-');
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, '--json', 'sandbox', 'serve', '--no-persist', '--fresh'], {
      env: { PATH: process.env['PATH'], ...local.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const { url } = JSON.parse(first) as { url: string };
      const res = await fetch(`${url}/orgs/acme/repos?per_page=5`, { headers: { authorization: 'token qms_sandbox_ada' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('link')).toMatch(/rel="next"/);
      const code = await new Promise<number | null>((resolve) => {
        child.once('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      expect(code).toBe(0);
      expect(existsSync(path.join(local.stateHome, 'qms', 'sandbox', 'sandbox-state.json'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
      local.cleanup();
    }
  });
});
