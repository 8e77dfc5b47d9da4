/**
 * The one place that turns an error into a message on stderr and an exit code.
 * Stacks and request details only under --verbose; secrets always redacted.
 */
import { ExitCode, GitHubError, QmsError, type ExitCodeValue } from '../core/errors.js';
import type { Logger } from '../output/logger.js';

/** Exit code for a bug (an error that is not a QmsError): EX_SOFTWARE from sysexits.h. */
export const INTERNAL_ERROR_EXIT = 70;

export function handleError(err: unknown, logger: Logger): ExitCodeValue | typeof INTERNAL_ERROR_EXIT {
  if (err instanceof QmsError) {
    logger.error(`qms: ${oneLine(err.message)}`);
    if (err.hint) logger.error(`hint: ${oneLine(err.hint)}`);
    if (err instanceof GitHubError) {
      const details = [err.route, err.status ? `HTTP ${err.status}` : undefined, err.requestId && `request id ${err.requestId}`]
        .filter(Boolean)
        .join(', ');
      if (details) logger.debug(details);
    }
    if (err.stack) logger.debug(err.stack);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  logger.error(`qms: internal error: ${oneLine(message)}`);
  logger.error('hint: this is a bug in qms; run again with --verbose and report the output');
  if (err instanceof Error && err.stack) logger.debug(err.stack);
  return INTERNAL_ERROR_EXIT;
}

/** Longest error line printed: messages quote arguments, which may be 10,000 characters long. */
const MAX_LINE = 400;

/** Errors print on one bounded line: newlines from API messages would break log parsers. */
function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

export { ExitCode };
