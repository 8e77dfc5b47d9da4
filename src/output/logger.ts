/**
 * Diagnostics go to stderr (stdout is for the command's result, e.g. the JSON
 * document). Every line passes through `redact`, which removes registered
 * secrets (tokens, private keys) and anything that looks like a GitHub token,
 * and then through the terminal sanitiser: messages quote user input and API data
 * (a `--repo` value, a branch name), which may carry escapes or bidi overrides.
 */
import { sanitizeForTerminal } from './sanitize.js';

export type LogLevel = 'quiet' | 'normal' | 'verbose';

export interface Logger {
  /** Progress and notes for humans; suppressed by --quiet. */
  info(message: string): void;
  /** Problems worth attention; shown unless --quiet. */
  warn(message: string): void;
  /** Always shown. */
  error(message: string): void;
  /** Only with --verbose (request lines, stack traces). */
  debug(message: string): void;
  readonly level: LogLevel;
  /** Register a value that must never be printed. */
  addSecret(secret: string): void;
  /** The same redaction the logger applies, for other sinks. */
  redact(text: string): string;
}

/** Prefixes of GitHub credentials (classic, fine-grained, OAuth, app, refresh, server-to-server). */
const TOKEN_PATTERN = /\b(gh[pousr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{20,}|v1\.[0-9a-f]{40})\b/g;
const PEM_PATTERN = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;
const AUTH_HEADER_PATTERN = /\b(authorization|x-api-key)(["']?\s*[:=]\s*["']?)(token |bearer |basic )?[^\s"',}]+/gi;

export class SecretRedactor {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    // Very short values would redact ordinary words; real credentials are long.
    if (secret && secret.length >= 8) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out
      .replace(PEM_PATTERN, '-----BEGIN PRIVATE KEY----- *** -----END PRIVATE KEY-----')
      .replace(TOKEN_PATTERN, '***')
      .replace(AUTH_HEADER_PATTERN, (_m, name: string, sep: string, scheme: string | undefined) => `${name}${sep}${scheme ?? ''}***`);
  }
}

export function createLogger(options: { level: LogLevel; write?: (line: string) => void; redactor?: SecretRedactor }): Logger {
  const redactor = options.redactor ?? new SecretRedactor();
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (message: string) => write(`${redactor.redact(message).split('\n').map(sanitizeForTerminal).join('\n')}\n`);
  return {
    level: options.level,
    info: (m) => {
      if (options.level !== 'quiet') emit(m);
    },
    warn: (m) => {
      if (options.level !== 'quiet') emit(`warning: ${m}`);
    },
    error: (m) => emit(m),
    debug: (m) => {
      if (options.level === 'verbose') emit(`debug: ${m}`);
    },
    addSecret: (s) => redactor.add(s),
    redact: (t) => redactor.redact(t),
  };
}
