/**
 * kill -9 at random instants while a process records intents and results: after each
 * kill the store must open cleanly, pass integrity_check, verify its audit chain, and
 * contain every change the child reported committed, in at least the reported status.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, openStore, type ChangeStatus } from '../../../src/store/index.js';
import { LineChild } from './child-process.js';
import { buildForChildren, makeTempDir, removeDir, seededRandom } from './helpers.js';

const SEED = 20261125;
const ITERATIONS = 50;

let build: ReturnType<typeof buildForChildren>;
let dir: string;
beforeAll(() => {
  build = buildForChildren();
  dir = makeTempDir('qms-crash-');
});
afterAll(() => {
  build.cleanup();
  removeDir(dir);
});

/**
 * What a kill during creation left: no file, an empty file, or the schema version reached.
 * Opened writable, as the next process would: a transaction the kill interrupted leaves a
 * hot journal (or a WAL to recover) that a read-only connection cannot roll back.
 */
function schemaVersionLeftBehind(file: string): string {
  if (!fs.existsSync(file)) return 'no file';
  if (fs.statSync(file).size === 0 && !fs.existsSync(`${file}-wal`)) return 'empty file';
  const db = new Database(file, { fileMustExist: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").get();
    return hasTable ? `v${(db.prepare('SELECT MAX(version) FROM schema_version').pluck().get() as number | null) ?? 0}` : 'v0';
  } finally {
    db.close();
  }
}

/** Statuses a change may have after the child reported it reached `reported`. */
const AT_LEAST: Record<string, ChangeStatus[]> = {
  intent: ['pending', 'written', 'verified'],
  written: ['written', 'verified'],
  verified: ['verified'],
};

describe('crash safety', () => {
  it(`survives ${ITERATIONS} SIGKILLs at random instants (seed ${SEED})`, async () => {
    const writerJs = build.js('test/integration/store/children/crash-writer.ts');
    const dbPath = path.join(dir, 'qms.db');
    const random = seededRandom(SEED);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const started = Date.now();
    let killedDuringStartup = 0;
    let reportedTotal = 0;
    let maxPerChild = 0;
    const startupStates: string[] = [];

    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      // About one kill in three targets the creation of a fresh store (file creation, WAL switch,
      // migrations, the first run); the rest land while intents and results are committed
      // to the store all the other iterations share.
      const duringStartup = random() < 0.3;
      const target = duringStartup ? path.join(dir, `fresh-${iteration}.db`) : dbPath;
      const child = new LineChild(writerJs, [target]);
      if (duringStartup) {
        await child.next((l) => l === 'opening');
        await sleep(Math.floor(random() * 40));
        killedDuringStartup++;
      } else {
        await child.next((l) => l.startsWith('ready'));
        await sleep(Math.floor(random() * 60));
      }
      child.proc.kill('SIGKILL');
      const exit = await child.exited;
      expect(exit.signal, `iteration ${iteration} ended by itself: ${child.stderr}`).toBe('SIGKILL');
      if (duringStartup) {
        startupStates.push(schemaVersionLeftBehind(target));
        const fresh = openStore(target);
        try {
          expect(fresh.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
          expect(fresh.integrityCheck()).toEqual(['ok']);
          expect(fresh.audit.verify().ok).toBe(true);
          if (child.lines.some((l) => l.startsWith('ready'))) killedDuringStartup--; // it got further than startup
        } finally {
          fresh.close();
        }
        continue;
      }

      const reported = new Map<number, string>();
      let changeSetId: number | undefined;
      for (const line of child.lines) {
        const [word, a, b] = line.split(' ');
        if (word === 'ready') changeSetId = Number(b);
        else if (word && AT_LEAST[word]) reported.set(Number(a), word);
        else if (word !== 'opening') throw new Error(`unexpected child output: ${line}`);
      }
      reportedTotal += reported.size;
      maxPerChild = Math.max(maxPerChild, reported.size);

      const store = openStore(dbPath);
      try {
        expect(store.integrityCheck(), `iteration ${iteration}`).toEqual(['ok']);
        const verification = store.audit.verify();
        expect(verification.ok, `iteration ${iteration}: ${verification.reason}`).toBe(true);
        for (const [id, word] of reported) {
          const change = store.changeSets.getChange(id);
          expect(change, `iteration ${iteration}: change ${id} reported ${word} is missing`).not.toBeNull();
          expect(AT_LEAST[word], `iteration ${iteration}: change ${id} reported ${word} is ${change!.status}`).toContain(change!.status);
          expect(change!.changeSetId).toBe(changeSetId);
        }
        if (changeSetId !== undefined) {
          // Intents are gap-free and each has its audit event (same transaction).
          const changes = [...store.changeSets.iterateChanges(changeSetId)];
          expect(changes.map((c) => c.seq)).toEqual(changes.map((_, i) => i + 1));
          expect(changes.length).toBeGreaterThanOrEqual(reported.size);
          expect(changes.length).toBeLessThanOrEqual(reported.size + 1); // at most one committed but not yet printed
          const intents = store.audit.count({ action: 'change.intent', changeSetId });
          expect(intents).toBe(changes.length);
          for (const c of changes) if (c.operation !== 'create') expect(c.beforeState).not.toBeNull();
        }
      } finally {
        store.close();
      }
    }

    const seconds = (Date.now() - started) / 1000;
    // Every run was cut short and recognised as such by the next writable open.
    const store = openStore(dbPath);
    const totalChanges = store.connection.prepare('SELECT COUNT(*) FROM changes').pluck().get() as number;
    const pending = store.connection.prepare(`SELECT COUNT(*) FROM changes WHERE status = 'pending'`).pluck().get() as number;
    expect(store.audit.verify().ok).toBe(true);
    store.close();
    console.log(
      `crash test: ${ITERATIONS} kills (${killedDuringStartup} while creating a fresh store; left at: ${startupStates.join(', ')}), seed ${SEED}, ${reportedTotal} changes reported committed (max ${maxPerChild} per child), ` +
        `${totalChanges} in the store (${pending} left pending = "maybe written"), 0 lost, ${seconds.toFixed(1)} s`,
    );
    expect(reportedTotal).toBeGreaterThan(ITERATIONS); // the kills did land mid-write
  });
});
