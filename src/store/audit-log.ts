/**
 * The append-only, hash-chained audit log.
 *
 * hash = sha256(prev_hash || canonicalJson(event without hash)), where the event is
 * { action, actor, change_set_id, details, prev_hash, run_id, seq, target, ts }. seq is
 * inside the hash, so reordering or renumbering is detected; the details are hashed as
 * parsed JSON in canonical form and stored in that same form.
 *
 * The chain proves the log was not edited in place. It cannot prove the tail was not cut
 * off, nor stop someone who rewrites the whole file: publish `head()` elsewhere (the
 * export does) and pass it to `verify({ expectHead })` for that.
 */
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { StoreStateError } from './errors.js';
import { fromJsonObjectColumn, toIso, WhereBuilder } from './json-columns.js';
import { AUDIT_GENESIS_HASH } from './migrations/003-audit-log.js';
import { PAGE_SIZE, type StoreContext } from './store-context.js';
import type { AuditChainHead, AuditEvent, AuditEventInput, AuditFilter, AuditLog, AuditPruneResult, AuditVerification } from './types.js';

interface AuditRow {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  run_id: number | null;
  change_set_id: number | null;
  details: string;
  prev_hash: string;
  hash: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The hash of one event, from its stored columns. */
export function computeAuditHash(e: {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  runId: number | null;
  changeSetId: number | null;
  details: unknown;
  prevHash: string;
}): string {
  const body = canonicalJson({
    action: e.action,
    actor: e.actor,
    change_set_id: e.changeSetId,
    details: e.details,
    prev_hash: e.prevHash,
    run_id: e.runId,
    seq: e.seq,
    target: e.target,
    ts: e.ts,
  });
  return sha256Hex(e.prevHash + body);
}

function rowToEvent(r: AuditRow): AuditEvent {
  return {
    seq: r.seq,
    ts: r.ts,
    actor: r.actor,
    action: r.action,
    target: r.target,
    runId: r.run_id,
    changeSetId: r.change_set_id,
    details: fromJsonObjectColumn(r.details),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export class SqliteAuditLog implements AuditLog {
  constructor(private readonly ctx: StoreContext) {}

  append(input: AuditEventInput): AuditEvent {
    if (!input.actor) throw new TypeError('audit event needs an actor');
    if (!input.action) throw new TypeError('audit event needs an action');
    // Canonical text is what is stored, so verification re-derives exactly what was hashed.
    const detailsText = canonicalJson(this.ctx.scrub(input.details ?? {}));
    const details = JSON.parse(detailsText) as Record<string, unknown>;
    return this.ctx.write(() => {
      const tip = this.tip();
      const event: AuditEvent = {
        seq: tip.seq + 1,
        ts: this.ctx.nowIso(),
        actor: input.actor,
        action: input.action,
        target: this.ctx.scrubText(input.target),
        runId: input.runId ?? null,
        changeSetId: input.changeSetId ?? null,
        details,
        prevHash: tip.hash,
        hash: '',
      };
      event.hash = computeAuditHash(event);
      this.ctx
        .stmt(
          `INSERT INTO audit_events (seq, ts, actor, action, target, run_id, change_set_id, details, prev_hash, hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          event.seq,
          event.ts,
          event.actor,
          event.action,
          event.target,
          event.runId,
          event.changeSetId,
          detailsText,
          event.prevHash,
          event.hash,
        );
      return event;
    });
  }

  /** The event the next one must follow: the last event, else the prune anchor, else genesis. */
  private tip(): AuditChainHead {
    const last = this.ctx.stmt('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as AuditChainHead | undefined;
    if (last) return last;
    return this.anchor() ?? { seq: 0, hash: AUDIT_GENESIS_HASH };
  }

  private anchor(): AuditChainHead | null {
    return (this.ctx.stmt('SELECT seq, hash FROM audit_anchor WHERE id = 1').get() as AuditChainHead | undefined) ?? null;
  }

  head(): AuditChainHead | null {
    return (this.ctx.stmt('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as AuditChainHead | undefined) ?? null;
  }

  private where(filter: AuditFilter): WhereBuilder {
    const w = new WhereBuilder();
    if (filter.fromSeq !== undefined) w.add('seq >= ?', filter.fromSeq);
    if (filter.toSeq !== undefined) w.add('seq <= ?', filter.toSeq);
    if (filter.since !== undefined) w.add('ts >= ?', toIso(filter.since));
    if (filter.until !== undefined) w.add('ts < ?', toIso(filter.until));
    if (filter.actor !== undefined) w.add('actor = ?', filter.actor);
    if (filter.action !== undefined) {
      if (filter.action.endsWith('.')) w.add('substr(action, 1, ?) = ?', filter.action.length, filter.action);
      else w.add('action = ?', filter.action);
    }
    if (filter.target !== undefined) {
      if (filter.target.endsWith('*')) {
        const prefix = filter.target.slice(0, -1);
        w.add('substr(target, 1, ?) = ?', prefix.length, prefix);
      } else w.add('target = ?', filter.target);
    }
    if (filter.runId !== undefined) w.add('run_id = ?', filter.runId);
    if (filter.changeSetId !== undefined) w.add('change_set_id = ?', filter.changeSetId);
    return w;
  }

  /**
   * Keyset pagination rather than one long `.iterate()`: an export awaits its output
   * stream between events, and an open cursor would make the connection unusable for
   * anything else (better-sqlite3: "connection is busy") for the whole export.
   */
  *iterate(filter: AuditFilter = {}): Generator<AuditEvent> {
    const w = this.where(filter);
    const sql = `SELECT * FROM audit_events ${w.toString() ? `${w.toString()} AND` : 'WHERE'} seq > ? ORDER BY seq LIMIT ${PAGE_SIZE}`;
    const stmt = this.ctx.stmt(sql);
    let after = 0;
    for (;;) {
      const rows = stmt.all(...w.params, after) as AuditRow[];
      for (const r of rows) yield rowToEvent(r);
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  count(filter: AuditFilter = {}): number {
    const w = this.where(filter);
    return (this.ctx.stmt(`SELECT COUNT(*) AS n FROM audit_events ${w.toString()}`).get(...w.params) as { n: number }).n;
  }

  verify(options: { expectHead?: AuditChainHead } = {}): AuditVerification {
    // One read transaction: a consistent snapshot even while a writer appends.
    return this.ctx.read(() => {
      const anchor = this.anchor();
      let expectedSeq = (anchor?.seq ?? 0) + 1;
      let expectedPrev = anchor?.hash ?? AUDIT_GENESIS_HASH;
      let count = 0;
      let last: AuditChainHead | null = null;
      const fail = (seq: number, reason: string): AuditVerification => ({ ok: false, count, firstBadSeq: seq, reason, head: last });
      // .iterate(): constant memory, nothing else runs on this connection meanwhile.
      for (const r of this.ctx.stmt('SELECT * FROM audit_events ORDER BY seq').iterate() as IterableIterator<AuditRow>) {
        count++;
        if (r.seq !== expectedSeq) {
          return fail(
            expectedSeq,
            r.seq > expectedSeq ? `event ${expectedSeq} is missing (next is ${r.seq})` : `seq ${r.seq} out of order`,
          );
        }
        if (r.prev_hash !== expectedPrev) return fail(r.seq, `event ${r.seq}: prev_hash does not match the hash of event ${r.seq - 1}`);
        let details: unknown;
        try {
          details = JSON.parse(r.details);
        } catch {
          return fail(r.seq, `event ${r.seq}: details are not valid JSON`);
        }
        const hash = computeAuditHash({
          seq: r.seq,
          ts: r.ts,
          actor: r.actor,
          action: r.action,
          target: r.target,
          runId: r.run_id,
          changeSetId: r.change_set_id,
          details,
          prevHash: r.prev_hash,
        });
        if (hash !== r.hash) return fail(r.seq, `event ${r.seq}: content does not match its hash (edited after it was written)`);
        expectedSeq = r.seq + 1;
        expectedPrev = r.hash;
        last = { seq: r.seq, hash: r.hash };
      }
      const head = last ?? anchor;
      if (options.expectHead) {
        const e = options.expectHead;
        if (!head || head.seq < e.seq) {
          return {
            ok: false,
            count,
            firstBadSeq: (head?.seq ?? 0) + 1,
            reason: `chain ends at ${head?.seq ?? 0}, before the expected head ${e.seq} (truncated)`,
            head: last,
          };
        }
        // The expected head must be on our chain: re-read that event's hash.
        const at =
          e.seq === anchor?.seq
            ? anchor
            : ((this.ctx.stmt('SELECT seq, hash FROM audit_events WHERE seq = ?').get(e.seq) as AuditChainHead | undefined) ?? null);
        if (!at || at.hash !== e.hash) {
          return { ok: false, count, firstBadSeq: e.seq, reason: `event ${e.seq} does not have the expected head hash`, head: last };
        }
      }
      return { ok: true, count, head: last };
    });
  }

  prune(options: { before: Date; retentionDays: number; actor: string }): AuditPruneResult {
    const { before, retentionDays, actor } = options;
    if (!Number.isFinite(retentionDays) || retentionDays < 0) throw new TypeError('retentionDays must be a non-negative number');
    const cutoff = new Date(this.ctx.options.now().getTime() - retentionDays * DAY_MS);
    if (before.getTime() > cutoff.getTime()) {
      throw new StoreStateError(
        `refusing to prune audit events up to ${before.toISOString()}: inside the retention period of ${retentionDays} days (events before ${cutoff.toISOString()} may be pruned)`,
      );
    }
    return this.ctx.write(() => {
      // A prefix of the chain only: stop at the first event that is not older than `before`
      // (a clock that went backwards must not punch holes in the middle).
      const firstKept = this.ctx.stmt('SELECT MIN(seq) AS s FROM audit_events WHERE ts >= ?').get(before.toISOString()) as {
        s: number | null;
      };
      const maxSeq =
        firstKept.s !== null
          ? firstKept.s - 1
          : ((this.ctx.stmt('SELECT MAX(seq) AS s FROM audit_events').get() as { s: number | null }).s ?? 0);
      const lastPruned = this.ctx.stmt('SELECT seq, hash FROM audit_events WHERE seq <= ? ORDER BY seq DESC LIMIT 1').get(maxSeq) as
        AuditChainHead | undefined;
      if (!lastPruned) return { deleted: 0, anchor: this.anchor() };
      this.ctx.stmt('INSERT INTO audit_prune_grant (id, max_seq) VALUES (1, ?)').run(lastPruned.seq);
      const deleted = this.ctx.stmt('DELETE FROM audit_events WHERE seq <= ?').run(lastPruned.seq).changes;
      this.ctx.stmt('DELETE FROM audit_prune_grant WHERE id = 1').run();
      this.ctx
        .stmt(
          `INSERT INTO audit_anchor (id, seq, hash, pruned_at) VALUES (1, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at`,
        )
        .run(lastPruned.seq, lastPruned.hash, this.ctx.nowIso());
      this.append({
        actor,
        action: 'audit.pruned',
        target: 'audit',
        details: { before: before.toISOString(), retentionDays, deleted, anchorSeq: lastPruned.seq, anchorHash: lastPruned.hash },
      });
      return { deleted, anchor: lastPruned };
    });
  }
}
