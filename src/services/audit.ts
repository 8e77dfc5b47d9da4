/**
 * `qms audit export` and `qms audit verify`: the audit trail for auditors
 * (SOX, PCI-DSS, GDPR). Export streams page by page from SQLite to the sink
 * with backpressure, so a million events take constant memory.
 */
import { once } from 'node:events';
import type { AuditChainHead, AuditEvent, AuditFilter, AuditVerification, Store } from '../store/types.js';
import { sanitizeCsvCell } from '../output/sanitize.js';

export type AuditExportFormat = 'json' | 'ndjson' | 'csv';

export interface AuditExportOptions {
  format: AuditExportFormat;
  filter: AuditFilter;
  /** Included in the JSON header so the export says what it is. */
  generatedAt: Date;
}

export interface AuditExportResult {
  events: number;
  head: AuditChainHead | null;
}

/** The exported form of one event (snake_case, as auditors' tools expect). */
function exportedEvent(e: AuditEvent) {
  return {
    seq: e.seq,
    ts: e.ts,
    actor: e.actor,
    action: e.action,
    target: e.target,
    run_id: e.runId,
    change_set_id: e.changeSetId,
    details: e.details,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

const CSV_COLUMNS = ['seq', 'ts', 'actor', 'action', 'target', 'run_id', 'change_set_id', 'details', 'prev_hash', 'hash'] as const;

async function write(sink: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (!sink.write(chunk)) await once(sink, 'drain');
}

/** Streams the matching events to `sink` in the chosen format. */
export async function exportAudit(store: Store, sink: NodeJS.WritableStream, options: AuditExportOptions): Promise<AuditExportResult> {
  const head = store.audit.head();
  let events = 0;
  if (options.format === 'json') {
    const header = {
      kind: 'qms-audit-export',
      version: 1,
      store_id: store.storeId,
      generated_at: options.generatedAt.toISOString(),
      chain_head: head,
      filter: serializeFilter(options.filter),
    };
    // The header's closing brace is replaced by the events array, written as it streams.
    await write(sink, `${JSON.stringify(header).slice(0, -1)},"events":[`);
    for (const e of store.audit.iterate(options.filter)) {
      await write(sink, `${events === 0 ? '\n' : ',\n'}${JSON.stringify(exportedEvent(e))}`);
      events++;
    }
    await write(sink, `\n],"count":${events}}\n`);
  } else if (options.format === 'ndjson') {
    for (const e of store.audit.iterate(options.filter)) {
      await write(sink, `${JSON.stringify(exportedEvent(e))}\n`);
      events++;
    }
  } else {
    await write(sink, `${CSV_COLUMNS.join(',')}\r\n`);
    for (const e of store.audit.iterate(options.filter)) {
      const row = exportedEvent(e);
      await write(sink, `${CSV_COLUMNS.map((c) => sanitizeCsvCell(row[c])).join(',')}\r\n`);
      events++;
    }
  }
  return { events, head };
}

function serializeFilter(filter: AuditFilter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filter)) {
    if (v !== undefined) out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

/** Parses `--expect-head SEQ:HASH`. */
export function parseChainHead(text: string): AuditChainHead | null {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  return m ? { seq: Number(m[1]), hash: m[2]! } : null;
}

export function verifyAudit(store: Store, expectHead?: AuditChainHead): AuditVerification {
  return store.audit.verify(expectHead ? { expectHead } : {});
}
