/**
 * Child process for the lock tests. Modes:
 *   race     print `ready`; on `go <epochMs>` spin until then and try the lock; print
 *            `won` or `locked <exitCode> <message>`; `release` -> `released`; `exit`.
 *   now      try the lock as soon as the store is open (processes started together race).
 *   hold     start an apply run with an in-progress change set, take the lock, print
 *            `held <runId> <changeSetId>`, then wait to be killed.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { LockHeldError } from '../../../../src/core/errors.js';
import { openStore, type LockHandle } from '../../../../src/store/index.js';

const [dbPath, name, mode] = process.argv.slice(2) as [string, string, string];
const out = (line: string): void => {
  fs.writeSync(1, `${line}\n`);
};

const store = openStore(dbPath);
let handle: LockHandle | undefined;

function tryAcquire(): void {
  try {
    handle = store.lock.acquire({ command: `qms test-worker ${name}`, heartbeatMs: 0 });
    out('won');
  } catch (err) {
    if (err instanceof LockHeldError) out(`locked ${err.exitCode} ${err.message.replace(/\n/g, ' ')}`);
    else out(`error ${(err as Error).message}`);
  }
}

if (mode === 'hold') {
  const run = store.runs.start({ kind: 'apply', org: 'acme', actor: 'holder' });
  const set = store.changeSets.create({ runId: run.id, kind: 'apply', org: 'acme', actor: 'holder' });
  store.changeSets.start(set.id);
  handle = store.lock.acquire({ command: `qms apply --org acme (${name})`, actor: 'holder', heartbeatMs: 0 });
  out(`held ${run.id} ${set.id}`);
  setInterval(() => undefined, 60_000);
} else {
  if (mode === 'now') tryAcquire();
  else out('ready');
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const [cmd, arg] = line.split(' ');
    if (cmd === 'go') {
      const at = Number(arg);
      while (Date.now() < at) {
        // Busy-wait: both processes leave this loop within microseconds of each other.
      }
      tryAcquire();
    } else if (cmd === 'release') {
      handle?.release();
      handle = undefined;
      out('released');
    } else if (cmd === 'exit') {
      store.close();
      process.exit(0);
    }
  });
}
