/**
 * Terminal tables (cli-table3) that fit the terminal: columns get widths from
 * their content, capped so the whole table fits `width` (80 when unknown);
 * long cells wrap. Colour only when the caller enables it.
 */
import Table from 'cli-table3';
import { cellText, type Column } from './formats.js';

export interface TableOptions {
  /** Terminal width; 80 when stdout is not a TTY. */
  width: number;
  /** Optional per-cell styling (colour) — called with the cell's plain text. */
  style?: (columnKey: string, text: string) => string;
}

export function renderTable<R>(columns: Column<R>[], rows: R[], options: TableOptions): string {
  const texts = rows.map((r) => columns.map((c) => cellText(c.value(r))));
  const natural = columns.map((c, i) =>
    Math.min(c.maxWidth ?? 60, Math.max(c.header.length, ...texts.map((t) => longestLine(t[i] ?? '')))),
  );
  const widths = fitWidths(natural, Math.max(40, options.width));
  const table = new Table({
    head: columns.map((c) => c.header),
    colWidths: widths.map((w) => w + 2),
    colAligns: columns.map((c) => c.align ?? 'left'),
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: ' ',
    },
  });
  const style = options.style;
  for (const row of texts) {
    table.push(row.map((text, i) => (style ? style(columns[i]!.key, text) : text)));
  }
  // cli-table3 pads the last column; trailing spaces are noise in logs and diffs.
  return `${table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')}\n`;
}

function longestLine(text: string): number {
  return Math.max(0, ...text.split('\n').map((l) => [...l].length));
}

/** Shrink the widest columns first until the table (cells + 2 padding + 1 gap) fits. */
export function fitWidths(natural: number[], width: number): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((a, w) => a + w + 3, 0);
  while (total() > width) {
    let widest = 0;
    for (let i = 1; i < widths.length; i++) if (widths[i]! > widths[widest]!) widest = i;
    if (widths[widest]! <= 6) break;
    widths[widest] = widths[widest]! - 1;
  }
  return widths;
}
