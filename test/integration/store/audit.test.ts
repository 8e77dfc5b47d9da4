import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, canonicalJson, openStore, StoreStateError, type SqliteStore } from '../../../src/store/index.js';
import { fakeClock, makeTempDir, removeDir, type FakeClock } from './helpers.js';

let dir: string;
let dbPath: string;
let clock: FakeClock;
let store: SqliteStore;
beforeEach(() => {
  dir = makeTempDir();
  dbPath = path.join(dir, 'qms.db');
  clock = fakeClock();
  store = openStore(dbPath, { now: clock.now });
});
afterEach(() => {
  store.close();
  removeDir(dir);
});

function appendMany(n: number, actor = 'octo'): void {
  store.transaction(() => {
    for (let i = 1; i <= n; i++) {
      clock.advance(1000);
      store.audit.append({
        actor,
        action: i % 2 ? 'bypass.requested' : 'bypass.approved',
        target: `acme/repo-${i % 10}:bypass`,
        details: { i },
      });
    }
  });
}

describe('audit log', () => {
  it('chains events: hash = sha256(prev_hash || canonical JSON of the event without hash)', () => {
    const e1 = store.audit.append({ actor: 'octo', action: 'test.one', target: 'acme/api', details: { z: 1, a: [true] } });
    clock.advance(5);
    const e2 = store.audit.append({ actor: 'hubot', action: 'test.two', target: 'acme/web', runId: 7, changeSetId: 9 });
    expect(e1.seq).toBe(1);
    expect(e1.prevHash).toBe(AUDIT_GENESIS_HASH);
    const body1 = `{"action":"test.one","actor":"octo","change_set_id":null,"details":{"a":[true],"z":1},"prev_hash":"${AUDIT_GENESIS_HASH}","run_id":null,"seq":1,"target":"acme/api","ts":"2026-01-15T09:00:00.000Z"}`;
    expect(e1.hash).toBe(
      createHash('sha256')
        .update(AUDIT_GENESIS_HASH + body1)
        .digest('hex'),
    );
    expect(e2.prevHash).toBe(e1.hash);
    const { hash: _h, ...rest } = {
      action: e2.action,
      actor: e2.actor,
      change_set_id: 9,
      details: {},
      prev_hash: e1.hash,
      run_id: 7,
      seq: 2,
      target: e2.target,
      ts: e2.ts,
      hash: e2.hash,
    };
    expect(e2.hash).toBe(
      createHash('sha256')
        .update(e1.hash + canonicalJson(rest))
        .digest('hex'),
    );
    expect(store.audit.verify()).toEqual({ ok: true, count: 2, head: { seq: 2, hash: e2.hash } });
  });

  it('refuses UPDATE and DELETE, and inserts that do not extend the chain (triggers)', () => {
    appendMany(3);
    const db = store.connection;
    expect(() => db.prepare(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`).run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_events WHERE seq = 1').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
    const insert = db.prepare(
      `INSERT INTO audit_events (seq, ts, actor, action, target, details, prev_hash, hash) VALUES (?, 'now', 'm', 'x', 't', '{}', ?, 'h')`,
    );
    expect(() => insert.run(4, 'f'.repeat(64))).toThrow(/extend the chain/);
    const head = store.audit.head()!;
    expect(() => insert.run(9, head.hash)).toThrow(/extend the chain/);
    expect(store.audit.count()).toBe(3);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('detects an event edited after it was written (trigger dropped by an attacker)', () => {
    appendMany(5);
    const db = store.connection;
    db.exec('DROP TRIGGER audit_events_no_update');
    db.prepare(`UPDATE audit_events SET details = '{"i":999}' WHERE seq = 3`).run();
    const result = store.audit.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 3, count: 3 });
    expect(result.reason).toMatch(/does not match its hash/);
  });

  it('detects a re-hashed edit by the broken link to the next event', () => {
    appendMany(5);
    const db = store.connection;
    db.exec('DROP TRIGGER audit_events_no_update');
    // The attacker fixes event 2's own hash, but event 3 still points at the old one.
    const e2 = db.prepare('SELECT * FROM audit_events WHERE seq = 2').get() as Record<string, unknown>;
    const forged = createHash('sha256')
      .update(
        String(e2['prev_hash']) +
          canonicalJson({
            action: e2['action'],
            actor: 'mallory',
            change_set_id: null,
            details: JSON.parse(String(e2['details'])),
            prev_hash: e2['prev_hash'],
            run_id: null,
            seq: 2,
            target: e2['target'],
            ts: e2['ts'],
          }),
      )
      .digest('hex');
    db.prepare(`UPDATE audit_events SET actor = 'mallory', hash = ? WHERE seq = 2`).run(forged);
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3, reason: expect.stringMatching(/prev_hash/) });
  });

  it('detects a deleted event in the middle and a truncated tail', () => {
    appendMany(6);
    const published = store.audit.head()!;
    const db = store.connection;
    db.exec('DROP TRIGGER audit_events_no_delete');
    db.prepare('DELETE FROM audit_events WHERE seq = 6').run();
    // Without the published head, cutting the tail is invisible to the chain itself...
    expect(store.audit.verify().ok).toBe(true);
    // ...with it, it is not.
    expect(store.audit.verify({ expectHead: published })).toMatchObject({ ok: false, reason: expect.stringMatching(/truncated/) });
    db.prepare('DELETE FROM audit_events WHERE seq = 3').run();
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3, reason: 'event 3 is missing (next is 4)' });
  });

  it('commits an audit event and the state change it describes together, or neither', () => {
    expect(() =>
      store.transaction(() => {
        store.runs.start({ kind: 'apply', org: 'acme', actor: 'octo' });
        store.audit.append({ actor: 'octo', action: 'custom.event', target: 'x' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.runs.list()).toEqual([]);
    expect(store.audit.count()).toBe(0);
    const run = store.runs.start({ kind: 'apply', org: 'acme', actor: 'octo' });
    expect([...store.audit.iterate()].map((e) => [e.action, e.runId])).toEqual([['run.started', run.id]]);
  });

  it('iterates with filters across pages, in seq order', () => {
    appendMany(1203);
    const all = [...store.audit.iterate()];
    expect(all).toHaveLength(1203);
    expect(all.every((e, i) => e.seq === i + 1)).toBe(true);
    const approved = [...store.audit.iterate({ action: 'bypass.approved' })];
    expect(approved).toHaveLength(601);
    expect([...store.audit.iterate({ action: 'bypass.' })]).toHaveLength(1203);
    expect(store.audit.count({ target: 'acme/repo-3:*' })).toBe(121); // i = 3, 13, …, 1203
    const window = [...store.audit.iterate({ since: '2026-01-15T09:00:10.000Z', until: new Date('2026-01-15T09:00:20.000Z') })];
    expect(window.map((e) => e.seq)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect([...store.audit.iterate({ fromSeq: 1200 })].map((e) => e.seq)).toEqual([1200, 1201, 1202, 1203]);
    // Writing between pages works (an export that logs its own event).
    let n = 0;
    for (const e of store.audit.iterate({ toSeq: 1000 })) {
      if (++n === 600) store.audit.append({ actor: 'octo', action: 'audit.exported', target: 'audit', details: { upTo: e.seq } });
    }
    expect(n).toBe(1000);
    expect(store.audit.verify()).toMatchObject({ ok: true, count: 1204 });
  });

  it('prunes only outside retention, a prefix of the chain, and the rest still verifies', () => {
    appendMany(10); // ts 09:00:01 … 09:00:10 on 2026-01-15
    const at = (iso: string) => new Date(iso);
    // Inside retention (7 years): refused, nothing deleted.
    clock.set('2027-01-01T00:00:00.000Z');
    expect(() => store.audit.prune({ before: at('2026-01-15T09:00:06.000Z'), retentionDays: 2555, actor: 'auditor' })).toThrow(
      StoreStateError,
    );
    expect(() => store.audit.prune({ before: at('2026-01-15T09:00:06.000Z'), retentionDays: 2555, actor: 'auditor' })).toThrow(
      /inside the retention period of 2555 days/,
    );
    expect(store.audit.count()).toBe(10);

    clock.set('2033-02-01T00:00:00.000Z');
    const result = store.audit.prune({ before: at('2026-01-15T09:00:06.000Z'), retentionDays: 2555, actor: 'auditor' });
    expect(result.deleted).toBe(5);
    expect(result.anchor!.seq).toBe(5);
    const remaining = [...store.audit.iterate()];
    expect(remaining.map((e) => e.seq)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(remaining.at(-1)).toMatchObject({ action: 'audit.pruned', actor: 'auditor', details: { deleted: 5, anchorSeq: 5 } });
    expect(store.audit.verify()).toMatchObject({ ok: true, count: 6 });
    // The chain continues after the prune, and the delete trigger is armed again.
    store.audit.append({ actor: 'octo', action: 'after.prune', target: 'x' });
    expect(store.audit.verify()).toMatchObject({ ok: true, count: 7 });
    expect(() => store.connection.prepare('DELETE FROM audit_events WHERE seq = 6').run()).toThrow(/append-only/);
    // Survives reopening.
    store.close();
    store = openStore(dbPath, { now: clock.now });
    expect(store.audit.verify()).toMatchObject({ ok: true, count: 7 });
  });

  it('prunes only up to the first event not older than the cut-off (clock went backwards)', () => {
    store.audit.append({ actor: 'a', action: 'x', target: 't' }); // 09:00:00
    clock.set('2026-03-01T00:00:00.000Z');
    store.audit.append({ actor: 'a', action: 'x', target: 't' }); // March
    clock.set('2026-01-01T00:00:00.000Z'); // clock jumped back
    store.audit.append({ actor: 'a', action: 'x', target: 't' }); // January, but after March in the chain
    clock.set('2040-01-01T00:00:00.000Z');
    const r = store.audit.prune({ before: new Date('2026-02-01T00:00:00.000Z'), retentionDays: 30, actor: 'auditor' });
    expect(r.deleted).toBe(1);
    expect(store.audit.verify()).toMatchObject({ ok: true, count: 3 });
  });
});
