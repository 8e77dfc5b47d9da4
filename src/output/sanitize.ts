/**
 * Text from the API (repo names, branch names, descriptions, PR titles) is
 * untrusted: strip ANSI escapes and control characters before it reaches a
 * terminal, and neutralise spreadsheet formulas before it reaches a CSV.
 */

// CSI/OSC escape sequences and lone ESC, then C0/C1 controls except tab/newline.
const ANSI_PATTERN = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-_]?/g;
const CONTROL_PATTERN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Safe for a terminal: escapes and control characters shown as visible placeholders. */
export function sanitizeForTerminal(text: string): string {
  return text
    .replace(ANSI_PATTERN, '�')
    .replace(CONTROL_PATTERN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[\t\n]/g, ' ');
}

/**
 * CSV cell protected against formula injection (OWASP "CSV Injection"): a cell
 * starting with = + - @ tab or CR is prefixed with a single quote.
 */
export function sanitizeCsvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // Check the raw text first: a leading tab or CR is itself an injection vector.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  text = text.replace(CONTROL_PATTERN, ' ');
  if (/[",\r\n]/.test(text)) text = `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** Markdown table cell: pipes and newlines escaped, controls removed. */
export function sanitizeMarkdownCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return sanitizeForTerminal(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/([`*_<>[\]])/g, '\\$1');
}
