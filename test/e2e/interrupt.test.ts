/**
 * Ctrl-C during `qms apply`: the write in flight finishes (it is verified and
 * recorded), no further write starts, the change set is `interrupted`, the exit
 * code is 130, and `qms rollback --last` restores everything exactly.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { Exchange, Sandbox } from '@qms/github-sim';
import { BIN, BUILD_HINT, ROOT, isBuilt, makeTempDirs, type TempDirs } from '../helpers/e2e.js';
import { startCheckedSandbox } from '../helpers/sandbox.js';
import { ADA, captureLive, isWrite, qmsRunner } from './apply-helpers.js';

const REPOS = ['payments-ledger', 'research-notebooks'];
let sandbox: Sandbox;
let dirs: TempDirs;
const exchanges: Exchange[] = [];

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);
  sandbox = await startCheckedSandbox({ onExchange: (e) => exchanges.push(e) });
  dirs = makeTempDirs('qms-interrupt-e2e-');
});
afterAll(async () => {
  await sandbox.close();
  dirs.cleanup();
});

function changeRows(): { status: string }[] {
  if (!existsSync(dirs.db)) return [];
  const db = new Database(dirs.db, { readonly: true, fileMustExist: true });
  try {
    const has = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'changes'`).get();
    return has ? (db.prepare('SELECT status FROM changes ORDER BY id').all() as { status: string }[]) : [];
  } catch {
    return [];
  } finally {
    db.close();
  }
}

describe('SIGINT during apply', () => {
  it('finishes the write in flight, stops, exits 130, and rollback --last restores everything', async () => {
    const original = await captureLive(sandbox, 'acme', REPOS);
    // The first classic PUT is held for 2 s by "GitHub": the interrupt arrives while it is in flight.
    sandbox.faults.add({ kind: 'slow', method: 'PUT', route: '/repos/{owner}/{repo}/branches/{branch}/protection', delayMs: 2000 });
    exchanges.length = 0;
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--api-url',
        sandbox.url,
        '--db',
        dirs.db,
        '--write-interval',
        '0',
        'apply',
        '--org',
        'acme',
        '--repo',
        REPOS[0]!,
        '--repo',
        REPOS[1]!,
        '--yes',
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...dirs.env, NO_COLOR: '1', GITHUB_TOKEN: ADA },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    // Wait until the first intent is committed: its write is now on its way and held.
    const deadline = Date.now() + 30_000;
    while (changeRows().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(changeRows().length).toBe(1);
    child.kill('SIGINT');
    const code = await exited;

    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/SIGINT received: finishing the current step/);
    // The held PUT was answered and verified; nothing was written after it.
    const writes = exchanges.filter(isWrite);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.status).toBe(200);
    expect(changeRows()).toEqual([{ status: 'verified' }]);
    const db = new Database(dirs.db, { readonly: true, fileMustExist: true });
    try {
      expect((db.prepare('SELECT status FROM change_sets ORDER BY id DESC LIMIT 1').get() as { status: string }).status).toBe(
        'interrupted',
      );
    } finally {
      db.close();
    }

    const rollback = await qmsRunner(sandbox, dirs)(['--write-interval', '0', 'rollback', '--last', '--yes']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await captureLive(sandbox, 'acme', REPOS)).toEqual(original);
  });
});
