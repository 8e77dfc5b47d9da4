/**
 * The one place JSON columns are (de)serialised, plus small value helpers shared by
 * the repositories.
 */
import { NotJsonError } from './canonical-json.js';

/**
 * JS value -> TEXT column. null/undefined -> SQL NULL. Key order is kept as given
 * (JSON.stringify), so a GitHub response is stored in the order it was parsed; the
 * audit chain uses canonicalJson instead.
 */
export function toJsonColumn(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new NotJsonError(`${v} is not a JSON number`);
    if (typeof v === 'bigint') throw new NotJsonError('BigInt is not a JSON value');
    return v;
  });
  if (text === undefined) throw new NotJsonError(`${typeof value} is not a JSON value`);
  return text;
}

/** TEXT column -> JS value; SQL NULL -> null. */
export function fromJsonColumn(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  return JSON.parse(text) as unknown;
}

/** Like fromJsonColumn, for columns that always hold an object (details). */
export function fromJsonObjectColumn(text: string | null | undefined): Record<string, unknown> {
  const value = fromJsonColumn(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Keep only what identifies the API: scheme, host, port and path (GHES `/api/v3`).
 * Userinfo, query and fragment may carry credentials and are dropped.
 */
/** The API identity of the built-in simulator (`qms --sandbox`). */
export const SANDBOX_API_HOST = 'sandbox';

export function sanitizeApiUrl(url: string | null | undefined): string | null {
  if (url === null || url === undefined || url === '') return null;
  // The built-in simulator: one identity whatever port it listens on this time.
  if (url === SANDBOX_API_HOST) return SANDBOX_API_HOST;
  try {
    const u = new URL(url);
    const path = u.pathname.replace(/\/+$/, '');
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    // Not a URL: keep nothing rather than something that might embed a secret.
    return null;
  }
}

export function toIso(value: string | Date): string {
  return typeof value === 'string' ? new Date(value).toISOString() : value.toISOString();
}

/** `a` or `[a, b]` -> SQL placeholder list and values. */
export function inList<T>(value: T | T[] | undefined): T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

/** Build `WHERE a = ? AND b IN (?, ?)` from optional conditions. */
export class WhereBuilder {
  private readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  add(clause: string, ...params: unknown[]): this {
    this.clauses.push(clause);
    this.params.push(...params);
    return this;
  }

  addIn(column: string, values: readonly unknown[] | undefined): this {
    if (values === undefined) return this;
    if (values.length === 0) return this.add('0');
    return this.add(`${column} IN (${values.map(() => '?').join(', ')})`, ...values);
  }

  toString(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
}

export function assertPositiveInt(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${what} must be a positive integer, got ${value}`);
}
