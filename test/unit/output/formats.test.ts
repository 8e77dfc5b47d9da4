import { describe, expect, it } from 'vitest';
import { sanitizeCsvCell, sanitizeForTerminal, sanitizeMarkdownCell } from '../../../src/output/sanitize.js';
import { toCsv, toMarkdown, type Column } from '../../../src/output/formats.js';
import { fitWidths, renderTable } from '../../../src/output/table.js';

describe('sanitizeForTerminal', () => {
  it('removes ANSI escapes so API text cannot repaint the terminal', () => {
    const hostile = 'repo\u001b[2J\u001b[31mred\u001b]0;title\u0007';
    const out = sanitizeForTerminal(hostile);
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
    expect(out).toContain('repo');
    expect(out).toContain('red');
  });

  it('shows control characters visibly and keeps unicode', () => {
    expect(sanitizeForTerminal('a\u0000b')).toBe('a\\u0000b');
    expect(sanitizeForTerminal('feature/ünïcødé')).toBe('feature/ünïcødé');
    // Bidi overrides can disguise a name (trojan source); they are made visible.
    expect(sanitizeForTerminal('abc\u202edcba')).toBe('abc\\u202edcba');
  });
});

describe('sanitizeCsvCell', () => {
  it.each(['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx'])('neutralises formula %j', (v) => {
    const out = sanitizeCsvCell(v);
    expect(out.replace(/^"/, '').startsWith("'")).toBe(true);
  });

  it('quotes commas, quotes and newlines per RFC 4180', () => {
    expect(sanitizeCsvCell('a,b')).toBe('"a,b"');
    expect(sanitizeCsvCell('say "hi"')).toBe('"say ""hi"""');
    expect(sanitizeCsvCell(null)).toBe('');
    expect(sanitizeCsvCell(3)).toBe('3');
  });
});

describe('toCsv / toMarkdown', () => {
  const columns: Column<{ name: string; n: number }>[] = [
    { key: 'name', header: 'Name', value: (r) => r.name },
    { key: 'n', header: 'N', value: (r) => r.n, align: 'right' },
  ];
  it('renders rows with CRLF and a header', () => {
    expect(toCsv(columns, [{ name: '=cmd', n: 1 }])).toBe("Name,N\r\n'=cmd,1\r\n");
  });
  it('escapes pipes in markdown', () => {
    expect(toMarkdown(columns, [{ name: 'a|b', n: 2 }])).toBe('| Name | N |\n| --- | ---: |\n| a\\|b | 2 |\n');
  });
  it('escapes markdown control syntax', () => {
    expect(sanitizeMarkdownCell('*bold* <img>')).toBe('\\*bold\\* \\<img\\>');
  });
});

describe('renderTable', () => {
  it('fits 80 columns by wrapping the widest column', () => {
    const columns: Column<{ a: string; b: string }>[] = [
      { key: 'a', header: 'A', value: (r) => r.a },
      { key: 'b', header: 'B', value: (r) => r.b },
    ];
    const out = renderTable(columns, [{ a: 'x'.repeat(50), b: 'y'.repeat(70) }], { width: 80 });
    for (const line of out.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    expect(out.replace(/\s/g, '')).toContain('x'.repeat(20));
  });

  it('shrinks the widest first', () => {
    expect(fitWidths([10, 50], 40)).toEqual([10, 24]);
  });
});
