/**
 * Typed errors. Every error that can end a command carries the exit code the
 * CLI reports (DESIGN.md "Exit codes"); only src/cli/handle-error.ts prints
 * them and sets process.exitCode.
 */

export const ExitCode = {
  /** Done and compliant. */
  Ok: 0,
  /** Findings at or above --fail-on severity (gaps, drift, failed checks). */
  Findings: 1,
  /** Usage or configuration error. */
  Usage: 2,
  /** GitHub auth/API error before any change. */
  GitHub: 3,
  /** Partial failure: some repos failed; the rest done and recorded. */
  Partial: 4,
  /** Another mutating run holds the lock. */
  Locked: 5,
  /** Interrupted; state consistent and roll-back-able. */
  Interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class QmsError extends Error {
  readonly exitCode: ExitCodeValue;
  /** A second line of advice shown under the message (never secrets). */
  readonly hint: string | undefined;

  constructor(message: string, exitCode: ExitCodeValue, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options?.hint;
  }
}

/** Bad flags or arguments. Exit 2. */
export class UsageError extends QmsError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

/** Where in a file a config problem is. Line and column are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  /** JSON pointer of the offending field, e.g. `/tiers/standard/branches/0/pattern`. */
  pointer?: string;
}

/** One problem in a config file, in words a QMS coordinator understands. */
export interface ConfigProblem extends SourceLocation {
  message: string;
}

/** Render `file:line:col: field /a/b: message` on one line. */
export function formatConfigProblem(p: ConfigProblem): string {
  let where = p.file;
  if (p.line !== undefined) where += `:${p.line}`;
  if (p.line !== undefined && p.column !== undefined) where += `:${p.column}`;
  const field = p.pointer ? ` ${describePointer(p.pointer)}:` : '';
  return `${where}:${field} ${p.message}`;
}

/** `/tiers/standard/branches/0` -> `tiers.standard.branches[0]` (readable for humans). */
export function describePointer(pointer: string): string {
  if (pointer === '' || pointer === '/') return '(top level)';
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** A config file is invalid. Exit 2. The message is the first problem's one-liner. */
export class ConfigError extends QmsError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[], options?: { hint?: string }) {
    const first = problems[0];
    const message = first ? formatConfigProblem(first) : 'invalid configuration';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    super(message + more, ExitCode.Usage, options);
    this.problems = problems;
  }
}

/** Base class for failures talking to GitHub. Exit 3 unless a run already changed something. */
export class GitHubError extends QmsError {
  /** HTTP status, or 0 for network failures. */
  readonly status: number;
  /** `x-github-request-id`, when GitHub sent one. */
  readonly requestId: string | undefined;
  /** `METHOD /route/{template}`, never with query strings or tokens. */
  readonly route: string | undefined;

  constructor(
    message: string,
    details: { status: number; requestId?: string; route?: string },
    options?: { hint?: string; cause?: unknown },
  ) {
    super(message, ExitCode.GitHub, options);
    this.status = details.status;
    this.requestId = details.requestId;
    this.route = details.route;
  }

  /** Worth retrying later (5xx, network, rate limits). */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** 401: bad or missing credentials. */
export class AuthError extends GitHubError {}

/** 404 "Not Found": missing, or hidden because the token cannot see it. */
export class NotFoundError extends GitHubError {}

/** 403 for lack of permission (not a rate limit, not a plan limit). */
export class PermissionError extends GitHubError {}

/** 403 "Upgrade to GitHub Pro or make this repository public…": the feature is not on this plan. */
export class PlanUnavailableError extends GitHubError {}

/** 422 and friends: GitHub rejected the request body. */
export class ValidationFailedError extends GitHubError {}

/** Primary or secondary rate limit that retries could not absorb. */
export class RateLimitError extends GitHubError {
  /** When the limit resets (epoch ms), if known. */
  readonly resetAt: number | undefined;
  /**
   * 'primary': the hourly budget is spent (every further request fails until the
   * reset, so a run stops rather than failing repository after repository);
   * 'secondary': too many requests too fast. undefined when unknown.
   */
  readonly limit: 'primary' | 'secondary' | undefined;

  constructor(
    message: string,
    details: { status: number; requestId?: string; route?: string; resetAt?: number; limit?: 'primary' | 'secondary' },
    options?: { hint?: string; cause?: unknown },
  ) {
    super(message, details, options);
    this.resetAt = details.resetAt;
    this.limit = details.limit;
  }

  override get transient(): boolean {
    return true;
  }
}

/** Another mutating run holds the store lock. Exit 5. */
export class LockHeldError extends QmsError {
  constructor(message: string, options?: { hint?: string }) {
    super(message, ExitCode.Locked, options);
  }
}

/** Some repositories failed; the rest were done and recorded. Exit 4. */
export class PartialFailureError extends QmsError {
  constructor(message: string, options?: { hint?: string }) {
    super(message, ExitCode.Partial, options);
  }
}

/** SIGINT/SIGTERM: stopped cleanly, state consistent. Exit 130. */
export class InterruptedError extends QmsError {
  constructor(message = 'interrupted', options?: { hint?: string }) {
    super(message, ExitCode.Interrupted, options);
  }
}

/**
 * A write that an interrupt stopped before it left qms (the pacer's wait, or the check
 * right before sending): GitHub never saw it, so it is not "maybe written".
 */
export class WriteNotSentError extends InterruptedError {}

/** The message of anything thrown (for one-line reports). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
