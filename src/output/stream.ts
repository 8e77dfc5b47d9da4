/**
 * Streaming output: documents and rows produced as chunks and written with
 * backpressure, so a 10,000-repository report or a million-event audit export
 * never exists as one string in memory.
 */
import { once } from 'node:events';
import { escapeJsonText, sanitizeCsvCell } from './sanitize.js';
import type { Column } from './formats.js';

/** An array member of a JSON document that is written item by item. */
export class StreamedArray<T = unknown> {
  constructor(readonly items: Iterable<T>) {}
}

/** A member whose value is computed when the writer reaches it (e.g. a count of streamed items). */
export class LateValue {
  constructor(readonly compute: () => unknown) {}
}

function indent(json: string, by: string): string {
  return json.replace(/\n/g, `\n${by}`);
}

/** JSON text with C1, bidi and separator characters escaped, as toJson does (see escapeJsonText). */
function json(value: unknown, space?: number): string {
  return escapeJsonText(JSON.stringify(value, null, space));
}

/**
 * A JSON object written member by member: ordinary values pretty-printed,
 * {@link StreamedArray} members one compact item per line, {@link LateValue}
 * members evaluated in turn. The result parses as one JSON document.
 */
export function* jsonDocumentChunks(doc: Record<string, unknown>): Generator<string> {
  const keys = Object.keys(doc);
  yield '{';
  for (const [i, key] of keys.entries()) {
    const raw = doc[key];
    yield `${i === 0 ? '' : ','}\n  ${json(key)}: `;
    if (raw instanceof StreamedArray) {
      let n = 0;
      for (const item of raw.items) yield `${n++ === 0 ? '[' : ','}\n    ${json(item)}`;
      yield n === 0 ? '[]' : '\n  ]';
    } else {
      const value = raw instanceof LateValue ? raw.compute() : raw;
      yield indent(json(value === undefined ? null : value, 2), '  ');
    }
  }
  yield '\n}\n';
}

export function* ndjsonChunks(items: Iterable<unknown>): Generator<string> {
  for (const item of items) yield `${json(item)}\n`;
}

/** RFC 4180 CSV with formula-injection protection (see sanitizeCsvCell). */
export function* csvChunks<R>(columns: readonly Column<R>[], rows: Iterable<R>): Generator<string> {
  yield `${columns.map((c) => sanitizeCsvCell(c.header)).join(',')}\r\n`;
  for (const row of rows) yield `${columns.map((c) => sanitizeCsvCell(c.value(row))).join(',')}\r\n`;
}

/** Lazily maps an iterable (keeps streamed members lazy). */
export function* mapIterable<T, U>(items: Iterable<T>, fn: (item: T) => U): Generator<U> {
  for (const item of items) yield fn(item);
}

const FLUSH_BYTES = 64 * 1024;

/**
 * Writes chunks to a stream in ~64 KB writes, waiting for 'drain' whenever the
 * stream's buffer is full. Accepts sync or async chunk sources.
 */
export async function writeChunks(sink: NodeJS.WritableStream, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  let buffer = '';
  const flush = async () => {
    if (buffer === '') return;
    const ok = sink.write(buffer);
    buffer = '';
    if (!ok) await once(sink, 'drain');
  };
  for await (const chunk of chunks) {
    buffer += chunk;
    if (buffer.length >= FLUSH_BYTES) await flush();
  }
  await flush();
}
