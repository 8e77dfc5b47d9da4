/**
 * Running the built `qms` (bin/qms.js -> dist/) as a user or a cron job would,
 * for end-to-end tests. Needs `npx tsc -p tsconfig.build.json` first.
 *
 *   const dirs = makeTempDirs('qms-assess-e2e-');     // HOME, XDG_STATE_HOME, a db path
 *   const run = await runQms(['--api-url', sb.url, '--db', dirs.db, 'assess', '--org', 'acme'],
 *                            { env: { ...dirs.env, GITHUB_TOKEN: 'qms_sandbox_ada' } });
 *   expect(run.code).toBe(0);
 *   dirs.cleanup();
 *
 * The child never inherits the caller's environment (no real GITHUB_TOKEN, no
 * real HOME): it gets PATH plus what the test passes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin/qms.js');

export interface QmsRun {
  /** Exit code; -1 when killed (timeout) or ended by a signal. */
  code: number;
  stdout: string;
  stderr: string;
  /** True when the timeout killed it. */
  timedOut: boolean;
  /** Wall time in ms. */
  ms: number;
}

export interface RunQmsOptions {
  /** Added to a minimal environment (PATH only). `undefined` values are left out. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to stdin, then stdin is closed (default: closed at once). */
  input?: string;
  /** Kill after this long (default 60 s). */
  timeoutMs?: number;
  /** Run as another user (uid/gid), e.g. one without write permission: see test/helpers/unprivileged.ts. */
  user?: { uid?: number; gid?: number };
}

/** Is the build there? E2E tests call this in beforeAll with a clear message. */
export function isBuilt(): boolean {
  return existsSync(path.join(ROOT, 'dist/cli/main.js'));
}

export const BUILD_HINT = 'run `npx tsc -p tsconfig.build.json` before the e2e tests';

/** Spawn `node bin/qms.js ...args`; resolves (never rejects) with code, stdout, stderr. */
export function runQms(args: readonly string[], options: RunQmsOptions = {}): Promise<QmsRun> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...options.user,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, timedOut, ms: Date.now() - started });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export interface TempDirs {
  root: string;
  home: string;
  stateHome: string;
  configHome: string;
  /** A database path inside `root` (not created). */
  db: string;
  /** HOME, XDG_STATE_HOME and XDG_CONFIG_HOME pointing into `root`. */
  env: Record<string, string>;
  cleanup(): void;
}

/** Fresh HOME / XDG dirs and a db path, so a run never touches the real home. */
export function makeTempDirs(prefix = 'qms-e2e-'): TempDirs {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  const home = path.join(root, 'home');
  const stateHome = path.join(root, 'state');
  const configHome = path.join(root, 'config');
  for (const d of [home, stateHome, configHome]) mkdirSync(d, { recursive: true });
  return {
    root,
    home,
    stateHome,
    configHome,
    db: path.join(root, 'qms.db'),
    env: { HOME: home, XDG_STATE_HOME: stateHome, XDG_CONFIG_HOME: configHome },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Lines of text, without the empty last one. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
}
