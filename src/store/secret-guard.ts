/**
 * Last line of defence against credentials reaching the database. The audit log is
 * append-only for seven years: a token written there could not be removed. Callers
 * never pass secrets on purpose; this catches the accident (a token inside parsed
 * options, an error message quoting a header) before it is committed.
 *
 * Applied to free-form inputs: run args and summaries, change set details and
 * summaries, audit details, change errors. Not to GitHub's JSON (before/after states),
 * which must stay exact and carries no credentials.
 */

/** GitHub token formats (classic and fine-grained PATs, OAuth, app installation, refresh). */
const TOKEN_PATTERN = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g;
const PEM_PATTERN = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;
const AUTH_HEADER_PATTERN = /\b(authorization)(\s*[:=]\s*)(?:(bearer|token|basic)\s+)?[^\s,;"']+/gi;
/** Keys whose values are credentials whatever they look like. */
const SENSITIVE_KEY = /^(?:.*token|password|passphrase|secret|client_?secret|private_?key|authorization|auth)$/i;

export const REDACTED = '[REDACTED]';

export type Redact = (text: string) => string;

export function scrubText(text: string, extra?: Redact): string {
  const out = extra ? extra(text) : text;
  return out
    .replace(PEM_PATTERN, REDACTED)
    .replace(TOKEN_PATTERN, REDACTED)
    .replace(AUTH_HEADER_PATTERN, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`);
}

/** A deep copy with credentials replaced; non-JSON values pass through for the serialiser to reject. */
export function scrubSecrets<T>(value: T, extra?: Redact): T {
  return scrub(value, extra, new Set()) as T;
}

function scrub(value: unknown, extra: Redact | undefined, seen: Set<object>): unknown {
  if (typeof value === 'string') return scrubText(value, extra);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || seen.has(value)) return value;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => scrub(v, extra, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SENSITIVE_KEY.test(k) && v !== null && v !== undefined && v !== false ? REDACTED : scrub(v, extra, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
