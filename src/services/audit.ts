/**
 * `qms audit export` and `qms audit verify`: the audit trail for auditors
 * (SOX, PCI-DSS, GDPR). Export streams page by page from SQLite to the sink
 * with backpressure, so a million events take constant memory.
 */
import type { AuditChainHead, AuditEvent, AuditFilter, AuditVerification, Store } from '../store/types.js';
import type { Column } from '../output/formats.js';
import { csvChunks, jsonDocumentChunks, LateValue, mapIterable, ndjsonChunks, StreamedArray, writeChunks } from '../output/stream.js';

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

/** CSV columns: the exported event's fields, in order (details as JSON text). */
const CSV_COLUMNS: Column<ExportedEvent>[] = (
  ['seq', 'ts', 'actor', 'action', 'target', 'run_id', 'change_set_id', 'details', 'prev_hash', 'hash'] as const
).map((key) => ({ key, header: key, value: (row) => cell(row[key]) }));

type ExportedEvent = ReturnType<typeof exportedEvent>;

function cell(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' || typeof value === 'string' ? value : JSON.stringify(value);
}

/** Streams the matching events to `sink` in the chosen format (stream.ts: escaping, backpressure). */
export async function exportAudit(store: Store, sink: NodeJS.WritableStream, options: AuditExportOptions): Promise<AuditExportResult> {
  const head = store.audit.head();
  let events = 0;
  const counted = mapIterable(store.audit.iterate(options.filter), (e) => {
    events++;
    return exportedEvent(e);
  });
  const chunks =
    options.format === 'json'
      ? jsonDocumentChunks({
          kind: 'qms-audit-export',
          version: 1,
          store_id: store.storeId,
          generated_at: options.generatedAt.toISOString(),
          chain_head: head,
          filter: serializeFilter(options.filter),
          events: new StreamedArray(counted),
          count: new LateValue(() => events),
        })
      : options.format === 'ndjson'
        ? ndjsonChunks(counted)
        : csvChunks(CSV_COLUMNS, counted);
  await writeChunks(sink, chunks);
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
