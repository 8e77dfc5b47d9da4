/**
 * A child process that really cannot write what a test protects, also when the tests
 * run as root (root ignores permission bits, so `chmod 0444` proves nothing for it).
 *
 * - As root: children run as uid/gid 65534 (nobody), and `handOver` gives the protected
 *   files to that user first, so the child owns them without write permission: a user's
 *   own 0444 copy, in a 0555 directory.
 * - As anyone else: children run as the current user, for whom chmod already applies.
 *
 * A probe proves the arrangement before a test relies on it: a child must fail to open a
 * handed-over 0444 file for writing with EACCES. Where that cannot be arranged (no
 * CAP_SETUID/CAP_CHOWN, or a user with CAP_DAC_OVERRIDE), `reason` says why and the
 * tests skip with it instead of passing without proving anything.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const NOBODY = 65534;

export interface Unprivileged {
  /** Spread into spawn options. */
  spawn: { uid?: number; gid?: number };
  /** The uid the child runs as. */
  uid: number;
  /** Give `paths` (and everything under directories among them) to the child's user. */
  handOver(...paths: string[]): void;
}

function chownTree(p: string, uid: number, gid: number): void {
  fs.lchownSync(p, uid, gid);
  if (fs.lstatSync(p).isDirectory()) for (const entry of fs.readdirSync(p)) chownTree(path.join(p, entry), uid, gid);
}

function candidate(): Unprivileged {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    return { spawn: {}, uid: process.getuid?.() ?? -1, handOver: () => undefined };
  }
  return {
    spawn: { uid: NOBODY, gid: NOBODY },
    uid: NOBODY,
    handOver: (...paths) => {
      for (const p of paths) chownTree(p, NOBODY, NOBODY);
    },
  };
}

let cached: { user: Unprivileged } | { reason: string } | undefined;

/** The arrangement for this machine, probed once per test file. */
export function findUnprivileged(): { user: Unprivileged } | { reason: string } {
  if (cached) return cached;
  if (process.platform === 'win32') return (cached = { reason: 'POSIX permissions only' });
  const user = candidate();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qms-probe-'));
  try {
    const file = path.join(dir, 'probe');
    fs.writeFileSync(file, 'x');
    try {
      user.handOver(dir);
    } catch (err) {
      return (cached = { reason: `cannot hand files to uid ${user.uid}: ${(err as Error).message}` });
    }
    fs.chmodSync(file, 0o444);
    fs.chmodSync(dir, 0o755);
    const probe = spawnSync(
      process.execPath,
      ['-e', `try { require('fs').openSync(${JSON.stringify(file)}, 'r+'); console.log('writable'); } catch (e) { console.log(e.code); }`],
      { ...user.spawn, encoding: 'utf8', cwd: dir },
    );
    if (probe.error) return (cached = { reason: `cannot run a child as uid ${user.uid}: ${probe.error.message}` });
    const answer = probe.stdout.trim();
    if (answer !== 'EACCES') {
      return (cached = { reason: `a 0444 file is not protected from uid ${user.uid} here (open for writing: ${answer || probe.stderr})` });
    }
    return (cached = { user });
  } finally {
    fs.chmodSync(dir, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
