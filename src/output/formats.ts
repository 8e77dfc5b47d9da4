/**
 * Tabular output in every format qms offers. Commands build rows (plain
 * values) and columns once; the format decides the rendering.
 */
import { escapeJsonText, sanitizeForTerminal, sanitizeMarkdownCell } from './sanitize.js';
import { csvChunks, ndjsonChunks } from './stream.js';

export interface Column<R> {
  key: string;
  header: string;
  value: (row: R) => string | number | boolean | null | undefined;
  /** Preferred maximum width in a table; long values wrap. */
  maxWidth?: number;
  align?: 'left' | 'right';
}

/** The whole CSV as one string (small outputs; large ones stream with csvChunks). */
export function toCsv<R>(columns: Column<R>[], rows: Iterable<R>): string {
  return [...csvChunks(columns, rows)].join('');
}

export function toMarkdown<R>(columns: Column<R>[], rows: Iterable<R>): string {
  const head = `| ${columns.map((c) => sanitizeMarkdownCell(c.header)).join(' | ')} |`;
  const sep = `| ${columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`;
  const body = [...rows].map((r) => `| ${columns.map((c) => sanitizeMarkdownCell(c.value(r))).join(' | ')} |`);
  return `${[head, sep, ...body].join('\n')}\n`;
}

export function toNdjson(items: Iterable<unknown>): string {
  return [...ndjsonChunks(items)].join('');
}

/** API data (branch names, config values) can carry C1 and bidi controls: escaped, see escapeJsonText. */
export function toJson(document: unknown): string {
  return `${escapeJsonText(JSON.stringify(document, null, 2))}\n`;
}

/** Plain value to a terminal-safe string. */
export function cellText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  return sanitizeForTerminal(String(value));
}
