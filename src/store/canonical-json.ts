/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, numbers and
 * strings exactly as JSON.stringify writes them. For I-JSON input this is the output of
 * RFC 8785 (JCS). The audit chain hashes this form, so it must never change: a
 * different serialisation of the same event would break every stored hash.
 */
import { createHash } from 'node:crypto';

/** Thrown for values JSON cannot represent faithfully (NaN, Infinity, BigInt, functions, cycles). */
export class NotJsonError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'NotJsonError';
  }
}

export function canonicalJson(value: unknown): string {
  const out = serialize(value, new Set(), '$');
  if (out === undefined) throw new NotJsonError('$: undefined is not a JSON value');
  return out;
}

/** sha256 (hex) of the canonical JSON of a value; null stays null (nothing to digest). */
export function digestJson(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return sha256Hex(canonicalJson(value));
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Returns undefined for values JSON drops (undefined and functions as object members). */
function serialize(value: unknown, stack: Set<object>, where: string): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // JSON.stringify would silently write null: a hash over a lie is worse than an error.
      if (!Number.isFinite(value)) throw new NotJsonError(`${where}: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'undefined':
      return undefined;
    case 'bigint':
      throw new NotJsonError(`${where}: BigInt is not a JSON value`);
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
  }
  const obj = value as object & { toJSON?: () => unknown };
  // Dates and other toJSON-bearing objects serialise as JSON.stringify would.
  if (typeof obj.toJSON === 'function') return serialize(obj.toJSON(), stack, where);
  if (stack.has(obj)) throw new NotJsonError(`${where}: circular reference`);
  stack.add(obj);
  try {
    if (Array.isArray(obj)) {
      const items = obj.map((item, i) => serialize(item, stack, `${where}[${i}]`) ?? 'null');
      return `[${items.join(',')}]`;
    }
    const keys = Object.keys(obj).sort();
    const parts: string[] = [];
    for (const key of keys) {
      const member = serialize((obj as Record<string, unknown>)[key], stack, `${where}.${key}`);
      if (member !== undefined) parts.push(`${JSON.stringify(key)}:${member}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    stack.delete(obj);
  }
}
