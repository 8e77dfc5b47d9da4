/**
 * Tabular output in every format qms offers. Commands build rows (plain
 * values) and columns once; the format decides the rendering.
 */
import { sanitizeCsvCell, sanitizeForTerminal, sanitizeMarkdownCell } from './sanitize.js';

export interface Column<R> {
  key: string;
  header: string;
  value: (row: R) => string | number | boolean | null | undefined;
  /** Preferred maximum width in a table; long values wrap. */
  maxWidth?: number;
  align?: 'left' | 'right';
}

export function toCsv<R>(columns: Column<R>[], rows: Iterable<R>): string {
  const lines = [columns.map((c) => sanitizeCsvCell(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => sanitizeCsvCell(c.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function toMarkdown<R>(columns: Column<R>[], rows: Iterable<R>): string {
  const head = `| ${columns.map((c) => sanitizeMarkdownCell(c.header)).join(' | ')} |`;
  const sep = `| ${columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`;
  const body = [...rows].map((r) => `| ${columns.map((c) => sanitizeMarkdownCell(c.value(r))).join(' | ')} |`);
  return `${[head, sep, ...body].join('\n')}\n`;
}

export function toNdjson(items: Iterable<unknown>): string {
  let out = '';
  for (const item of items) out += `${JSON.stringify(item)}\n`;
  return out;
}

export function toJson(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Plain value to a terminal-safe string. */
export function cellText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  return sanitizeForTerminal(String(value));
}
