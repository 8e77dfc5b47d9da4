/**
 * Text from the API (repo names, branch names, descriptions, PR titles) is
 * untrusted: strip ANSI escapes and control characters before it reaches a
 * terminal, and neutralise spreadsheet formulas before it reaches a CSV.
 */

// CSI/OSC escape sequences and lone ESC, then C0/C1 controls except tab/newline, line and
// paragraph separators, and every bidirectional control: embeddings, overrides and isolates
// (U+202A–202E, U+2066–2069, "Trojan Source") and the implicit marks (LRM U+200E, RLM
// U+200F, ALM U+061C), which reorder what a terminal shows as well.
const ANSI_PATTERN = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-_]?/g;
const CONTROL_PATTERN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw but a terminal or a log viewer would act on: DEL, C1, separators, bidi controls. */
const JSON_UNSAFE_PATTERN = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

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
  return sanitizeForTerminal(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/([`*_<>[\]])/g, '\\$1');
}

/**
 * JSON text (from JSON.stringify) with the characters it leaves raw but a terminal would
 * act on written as `\uXXXX` escapes (JSON.stringify escapes C0 controls itself).
 * Lossless: they can only occur inside strings, and JSON.parse gives the same value back.
 */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_UNSAFE_PATTERN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
