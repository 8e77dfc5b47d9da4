import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, StoreStateError, type SqliteStore } from '../../../src/store/index.js';
import { makeTempDir, removeDir } from './helpers.js';

let dir: string;
let dbPath: string;
const open: SqliteStore[] = [];
beforeEach(() => {
  dir = makeTempDir();
  dbPath = path.join(dir, 'qms.db');
});
afterEach(() => {
  for (const s of open.splice(0)) {
    if (s.connection.inTransaction) s.connection.exec('ROLLBACK');
    s.close();
  }
  removeDir(dir);
});

function track(s: SqliteStore): SqliteStore {
  open.push(s);
  return s;
}

describe('readers and writers', () => {
  it('a read-only store reads the last committed state while a writer holds a long write transaction', () => {
    const writer = track(openStore(dbPath));
    const committed = writer.runs.start({ kind: 'apply', org: 'acme', actor: 'octo' });
    writer.runs.addFindings(committed.id, [
      { repo: 'acme/api', branch: 'main', setting: 's', expected: 1, actual: 0, severity: 'high', tier: 't', status: 'gap' },
    ]);

    // The writer is mid-transaction (e.g. a big batch) and has not committed.
    writer.connection.exec('BEGIN IMMEDIATE');
    const uncommitted = writer.runs.start({ kind: 'apply', org: 'acme', actor: 'octo' });
    for (let i = 0; i < 200; i++) writer.audit.append({ actor: 'octo', action: 'bulk.event', target: `t${i}` });

    // A second writer really is blocked (so the reader's success below means something).
    const otherWriter = track(openStore(dbPath, { busyTimeoutMs: 100 }));
    const t0 = Date.now();
    expect(() => otherWriter.audit.append({ actor: 'x', action: 'x', target: 'x' })).toThrow(/locked|busy/i);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);

    // The reader: opened during the write transaction, with a long busy timeout it must not need.
    const started = Date.now();
    const reader = track(openStore(dbPath, { readonly: true, busyTimeoutMs: 10_000 }));
    expect(reader.runs.list().map((r) => r.id)).toEqual([committed.id]);
    expect(reader.runs.get(uncommitted.id)).toBeNull();
    expect(reader.runs.countFindings(committed.id)).toBe(1);
    expect(reader.audit.count()).toBe(1);
    expect(reader.audit.verify()).toMatchObject({ ok: true, count: 1 });
    expect([...reader.audit.iterate()]).toHaveLength(1);
    expect(reader.lock.current()).toBeNull();
    expect(reader.integrityCheck()).toEqual(['ok']);
    expect(Date.now() - started).toBeLessThan(2_000);

    writer.connection.exec('COMMIT');
    expect(reader.runs.get(uncommitted.id)).not.toBeNull();
    expect(reader.audit.verify()).toMatchObject({ ok: true, count: 202 });
  });

  it('a read-only store refuses writes, before touching SQLite', () => {
    track(openStore(dbPath)).runs.start({ kind: 'assess', org: 'acme' });
    const reader = track(openStore(dbPath, { readonly: true }));
    expect(reader.readonly).toBe(true);
    expect(() => reader.runs.start({ kind: 'assess' })).toThrow(StoreStateError);
    expect(() => reader.audit.append({ actor: 'a', action: 'b', target: 'c' })).toThrow(/open read-only/);
    expect(() => reader.lock.acquire({ command: 'qms apply', heartbeatMs: 0 })).toThrow(/open read-only/);
    // Even raw SQL cannot write through a read-only connection.
    expect(() => reader.connection.prepare(`INSERT INTO meta (key, value) VALUES ('k', 'v')`).run()).toThrow(/readonly/i);
  });

  it('an export iterating the audit log is not disturbed by a concurrent writer', () => {
    const writer = track(openStore(dbPath));
    writer.transaction(() => {
      for (let i = 0; i < 1500; i++) writer.audit.append({ actor: 'octo', action: 'e', target: `t${i}` });
    });
    const reader = track(openStore(dbPath, { readonly: true }));
    let n = 0;
    for (const e of reader.audit.iterate({ toSeq: 1500 })) {
      n++;
      // The writer keeps appending between the reader's pages.
      if (n % 300 === 0) writer.audit.append({ actor: 'octo', action: 'during.export', target: String(e.seq) });
    }
    expect(n).toBe(1500);
    expect(reader.audit.verify()).toMatchObject({ ok: true, count: 1505 });
  });
});
