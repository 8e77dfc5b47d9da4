import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestJson, openStore, StoreStateError, type SqliteStore } from '../../../src/store/index.js';
import { deadPid, fakeClock, makeTempDir, removeDir, type FakeClock } from './helpers.js';

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

/** GitHub's JSON for a protected main (abridged; key order as GitHub sends it). */
const RAW_BEFORE = {
  url: 'https://api.github.com/repos/acme/api/branches/main/protection',
  required_pull_request_reviews: { dismiss_stale_reviews: false, require_code_owner_reviews: false, required_approving_review_count: 1 },
  enforce_admins: { url: 'https://api.github.com/repos/acme/api/branches/main/protection/enforce_admins', enabled: false },
};
const MODEL_BEFORE = { requiredApprovingReviewCount: 1, enforceAdmins: false };
const MODEL_INTENDED = { requiredApprovingReviewCount: 2, enforceAdmins: true };

function startApply(actor = 'octo') {
  const run = store.runs.start({ kind: 'apply', org: 'acme', actor, args: { tier: 'standard' } });
  const set = store.changeSets.create({ runId: run.id, kind: 'apply', org: 'acme', actor, details: { tier: 'standard' } });
  store.changeSets.start(set.id);
  return { run, set };
}

describe('change sets', () => {
  it('records intent before the write, then the result, with audit events carrying digests', () => {
    const { run, set } = startApply();
    clock.advance(1000);
    const intent = store.changeSets.recordIntent({
      changeSetId: set.id,
      repo: 'acme/api',
      targetKind: 'classic_protection',
      targetKey: 'main',
      beforeState: RAW_BEFORE,
      beforeModel: MODEL_BEFORE,
      intendedModel: MODEL_INTENDED,
    });
    expect(intent).toMatchObject({ seq: 1, status: 'pending', operation: 'update', beforeState: RAW_BEFORE, afterState: null });
    // The before-state keeps GitHub's key order (exact JSON as returned).
    expect(JSON.stringify(store.changeSets.getChange(intent.id)!.beforeState)).toBe(JSON.stringify(RAW_BEFORE));

    const after = { ...RAW_BEFORE, enforce_admins: { ...RAW_BEFORE.enforce_admins, enabled: true } };
    const written = store.changeSets.recordResult(intent.id, { status: 'written', afterState: after, afterModel: MODEL_INTENDED });
    expect(written.status).toBe('written');
    const verified = store.changeSets.recordResult(intent.id, { status: 'verified' });
    // A step without after-state keeps the one recorded before.
    expect(verified).toMatchObject({ status: 'verified', afterState: after, afterModel: MODEL_INTENDED });

    const done = store.changeSets.finish(set.id, 'completed', { writes: 1 });
    expect(done).toMatchObject({ status: 'completed', summary: { writes: 1 }, finishedAt: clock.now().toISOString() });

    const events = [...store.audit.iterate({ changeSetId: set.id })];
    expect(events.map((e) => e.action)).toEqual([
      'change_set.created',
      'change_set.started',
      'change.intent',
      'change.written',
      'change.verified',
      'change_set.finished',
    ]);
    const intentEvent = events[2]!;
    expect(intentEvent).toMatchObject({ actor: 'octo', runId: run.id, target: 'acme/api:classic_protection:main' });
    expect(intentEvent.details).toMatchObject({
      changeId: intent.id,
      operation: 'update',
      beforeDigest: digestJson(RAW_BEFORE),
      intendedDigest: digestJson(MODEL_INTENDED),
    });
    expect(events[3]!.details).toMatchObject({ afterDigest: digestJson(after), from: 'pending' });
    expect(events[5]!.details).toMatchObject({ status: 'completed', changes: { verified: 1, pending: 0 } });
    expect(store.audit.verify().ok).toBe(true);
  });

  it('derives create/update/delete and refuses a change with neither side', () => {
    const { set } = startApply();
    const base = {
      changeSetId: set.id,
      repo: 'acme/api',
      targetKind: 'protection_rule' as const,
      targetKey: 'release/*',
      targetNodeId: 'BPR_1',
    };
    expect(store.changeSets.recordIntent({ ...base, beforeState: null, beforeModel: null, intendedModel: MODEL_INTENDED }).operation).toBe(
      'create',
    );
    expect(
      store.changeSets.recordIntent({ ...base, beforeState: RAW_BEFORE, beforeModel: MODEL_BEFORE, intendedModel: null }).operation,
    ).toBe('delete');
    expect(() => store.changeSets.recordIntent({ ...base, beforeState: null, beforeModel: null, intendedModel: null })).toThrow(
      /both are null/,
    );
    expect(() =>
      store.changeSets.recordIntent({ ...base, repo: 'no-owner', beforeState: null, beforeModel: null, intendedModel: {} }),
    ).toThrow(/owner\/name/);
    expect(() =>
      store.changeSets.recordIntent({
        ...base,
        targetKind: 'team_permissions' as never,
        beforeState: null,
        beforeModel: null,
        intendedModel: {},
      }),
    ).toThrow(/unknown change target kind/);
    // Nothing half-written by the refused calls.
    expect([...store.changeSets.iterateChanges(set.id)].map((c) => c.seq)).toEqual([1, 2]);
  });

  it('enforces the lifecycle: intents only in progress, legal result transitions only', () => {
    const run = store.runs.start({ kind: 'apply', org: 'acme', actor: 'octo' });
    const set = store.changeSets.create({ runId: run.id, kind: 'apply', org: 'acme', actor: 'octo' });
    const input = {
      changeSetId: set.id,
      repo: 'acme/api',
      targetKind: 'merge_settings' as const,
      targetKey: '',
      beforeState: { allow_squash_merge: true },
      beforeModel: { allowSquashMerge: true },
      intendedModel: { allowSquashMerge: false },
    };
    expect(() => store.changeSets.recordIntent(input)).toThrow(/is planned; record intents only while it is in progress/);
    store.changeSets.start(set.id);
    expect(() => store.changeSets.start(set.id)).toThrow(StoreStateError);
    const c = store.changeSets.recordIntent(input);
    store.changeSets.recordResult(c.id, { status: 'failed', error: 'HTTP 422\nValidation Failed' });
    expect(store.changeSets.getChange(c.id)).toMatchObject({ status: 'failed', error: 'HTTP 422 Validation Failed' });
    expect(() => store.changeSets.recordResult(c.id, { status: 'verified' })).toThrow(/is failed; it cannot become verified/);
    store.changeSets.finish(set.id, 'partial');
    expect(() => store.changeSets.finish(set.id, 'completed')).toThrow(/already partial/);
    expect(() => store.changeSets.recordIntent(input)).toThrow(/is partial/);
  });

  it('makes the before-snapshot immutable and change rows undeletable (triggers)', () => {
    const { set } = startApply();
    const c = store.changeSets.recordIntent({
      changeSetId: set.id,
      repo: 'acme/api',
      targetKind: 'classic_protection',
      targetKey: 'main',
      beforeState: RAW_BEFORE,
      beforeModel: MODEL_BEFORE,
      intendedModel: MODEL_INTENDED,
    });
    const db = store.connection;
    expect(() => db.prepare(`UPDATE changes SET before_state = '{}' WHERE id = ?`).run(c.id)).toThrow(/immutable/);
    expect(() => db.prepare(`UPDATE changes SET intended_model = NULL WHERE id = ?`).run(c.id)).toThrow(/immutable/);
    expect(() => db.prepare(`DELETE FROM changes WHERE id = ?`).run(c.id)).toThrow(/never deleted/);
    expect(() => db.prepare(`DELETE FROM change_sets WHERE id = ?`).run(set.id)).toThrow(/never deleted/);
    expect(store.changeSets.getChange(c.id)!.beforeState).toEqual(RAW_BEFORE);
  });

  it('a rollback is a change set whose verified changes mark the originals restored, atomically', () => {
    const { set: apply } = startApply();
    const originals = ['main', 'develop', 'release'].map((branch) =>
      store.changeSets.recordIntent({
        changeSetId: apply.id,
        repo: 'acme/api',
        targetKind: 'classic_protection',
        targetKey: branch,
        beforeState: RAW_BEFORE,
        beforeModel: MODEL_BEFORE,
        intendedModel: MODEL_INTENDED,
      }),
    );
    store.changeSets.recordResult(originals[0]!.id, { status: 'verified', afterModel: MODEL_INTENDED });
    store.changeSets.recordResult(originals[1]!.id, { status: 'written' });
    // originals[2] stays pending: the process died between intent and write.
    store.changeSets.finish(apply.id, 'interrupted');

    clock.advance(60_000);
    const rbRun = store.runs.start({ kind: 'rollback', org: 'acme', actor: 'hubot' });
    const rb = store.changeSets.create({ runId: rbRun.id, kind: 'rollback', org: 'acme', actor: 'hubot', parentChangeSetId: apply.id });
    store.changeSets.start(rb.id);
    for (const original of originals.slice(0, 2)) {
      const undo = store.changeSets.recordIntent({
        changeSetId: rb.id,
        repo: original.repo,
        targetKind: original.targetKind,
        targetKey: original.targetKey,
        beforeState: { live: true },
        beforeModel: MODEL_INTENDED,
        intendedModel: original.beforeModel,
        undoesChangeId: original.id,
      });
      store.changeSets.recordResult(undo.id, { status: 'written' });
      expect(store.changeSets.getChange(original.id)!.status).not.toBe('restored');
      store.changeSets.recordResult(undo.id, { status: 'verified', afterState: RAW_BEFORE, afterModel: MODEL_BEFORE });
      expect(store.changeSets.getChange(original.id)).toMatchObject({ status: 'restored', restoredByChangeId: undo.id });
    }
    // The pending one: live state read back equal to the before-state, nothing to write.
    store.changeSets.markRestored(originals[2]!.id, { reason: 'live state equals the before-state', actor: 'hubot' });
    store.changeSets.finish(rb.id, 'completed');

    expect(store.changeSets.countChanges(apply.id)).toMatchObject({ restored: 3, pending: 0, verified: 0 });
    expect(store.changeSets.listRollbacksOf(apply.id).map((s) => s.id)).toEqual([rb.id]);
    expect(store.changeSets.latest({ kind: 'apply', org: 'acme' })!.id).toBe(apply.id);
    expect(store.changeSets.latest({ kind: 'rollback' })!.parentChangeSetId).toBe(apply.id);
    const restoredEvents = [...store.audit.iterate({ action: 'change.restored' })];
    expect(restoredEvents.map((e) => [e.actor, e.details['changeId']])).toEqual(originals.map((o) => ['hubot', o.id]));
    expect(() => store.changeSets.markRestored(originals[0]!.id, { reason: 'again', actor: 'hubot' })).toThrow(/is restored/);
    expect(() =>
      store.changeSets.create({ runId: rbRun.id, kind: 'rollback', org: 'acme', actor: 'hubot', parentChangeSetId: 999 }),
    ).toThrow(/no change set 999/);
  });

  it('shows snapshots by id and per repo/branch, newest first', () => {
    const { set } = startApply();
    const c1 = store.changeSets.recordIntent({
      changeSetId: set.id,
      repo: 'acme/api',
      targetKind: 'classic_protection',
      targetKey: 'main',
      beforeState: RAW_BEFORE,
      beforeModel: MODEL_BEFORE,
      intendedModel: MODEL_INTENDED,
    });
    const c2 = store.changeSets.recordIntent({
      changeSetId: set.id,
      repo: 'acme/api',
      targetKind: 'ruleset',
      targetKey: '42',
      targetNodeId: '42',
      beforeState: null,
      beforeModel: null,
      intendedModel: { name: 'qms' },
    });
    const c3 = store.changeSets.recordIntent({
      changeSetId: set.id,
      repo: 'acme/web',
      targetKind: 'classic_protection',
      targetKey: 'main',
      beforeState: RAW_BEFORE,
      beforeModel: MODEL_BEFORE,
      intendedModel: MODEL_INTENDED,
    });
    expect(store.changeSets.getSnapshot(c1.id)).toMatchObject({
      id: c1.id,
      changeSetId: set.id,
      changeSetKind: 'apply',
      actor: 'octo',
      repo: 'acme/api',
      targetKind: 'classic_protection',
      targetKey: 'main',
      existed: true,
      state: RAW_BEFORE,
      model: MODEL_BEFORE,
      changeStatus: 'pending',
    });
    expect(store.changeSets.getSnapshot(c2.id)).toMatchObject({ existed: false, state: null, targetNodeId: '42' });
    expect(store.changeSets.getSnapshot(9999)).toBeNull();
    expect(store.changeSets.listSnapshots({ repo: 'acme/api' }).map((s) => s.id)).toEqual([c2.id, c1.id]);
    expect(store.changeSets.listSnapshots({ targetKey: 'main' }).map((s) => s.id)).toEqual([c3.id, c1.id]);
    expect(store.changeSets.listSnapshots({ repo: 'acme/web', targetKind: 'classic_protection', limit: 1 }).map((s) => s.id)).toEqual([
      c3.id,
    ]);
    expect(store.changeSets.list({ repo: 'acme/web' }).map((s) => s.id)).toEqual([set.id]);
    expect(store.changeSets.list({ repo: 'acme/none' })).toEqual([]);
  });

  it('iterates a large change set in seq order and allows writes between pages', () => {
    const { set } = startApply();
    store.transaction(() => {
      for (let i = 0; i < 1100; i++) {
        store.changeSets.recordIntent({
          changeSetId: set.id,
          repo: `acme/r${i}`,
          targetKind: 'classic_protection',
          targetKey: 'main',
          beforeState: null,
          beforeModel: null,
          intendedModel: { i },
        });
      }
    });
    let seen = 0;
    for (const c of store.changeSets.iterateChanges(set.id, { status: 'pending' })) {
      expect(c.seq).toBe(++seen);
      // Writing while iterating: the rollback service does exactly this.
      if (seen % 250 === 0) store.changeSets.recordResult(c.id, { status: 'verified' });
    }
    expect(seen).toBe(1100);
    expect(store.changeSets.countChanges(set.id)).toMatchObject({ pending: 1096, verified: 4 });
    expect([...store.changeSets.iterateChanges(set.id, { repo: 'acme/r7' })]).toHaveLength(1);
  });

  it('keeps a pending intent across a close and reopen (the kill -9 case, in-process)', () => {
    const { set } = startApply();
    const c = store.changeSets.recordIntent({
      changeSetId: set.id,
      repo: 'acme/api',
      targetKind: 'required_signatures',
      targetKey: 'main',
      beforeState: { enabled: false },
      beforeModel: false,
      intendedModel: true,
    });
    store.close();
    store = openStore(dbPath, { now: clock.now });
    expect(store.changeSets.getChange(c.id)).toMatchObject({
      status: 'pending',
      beforeState: { enabled: false },
      beforeModel: false,
      intendedModel: true,
    });
  });

  it('marks runs of dead processes interrupted with their change sets, and resumes them', async () => {
    const pid = await deadPid();
    const run = store.runs.start({ kind: 'apply', org: 'acme', actor: 'octo', pid });
    const set = store.changeSets.create({ runId: run.id, kind: 'apply', org: 'acme', actor: 'octo' });
    store.changeSets.start(set.id);
    const mine = store.runs.start({ kind: 'assess', org: 'acme' });
    const other = store.runs.start({ kind: 'apply', org: 'acme', host: 'another-host', pid });
    expect(store.runs.markInterrupted()).toEqual([run.id]);
    expect(store.runs.get(run.id)).toMatchObject({ status: 'interrupted' });
    expect(store.runs.get(mine.id)!.status).toBe('running');
    expect(store.runs.get(other.id)!.status).toBe('running');
    expect(store.changeSets.get(set.id)!.status).toBe('interrupted');
    const resumed = store.changeSets.start(set.id);
    expect(resumed.status).toBe('in_progress');
    expect([...store.audit.iterate({ changeSetId: set.id })].map((e) => e.action)).toContain('change_set.resumed');
  });
});
