/**
 * What both live-state readers decide the same way: which errors end a run, and
 * how an unreadable config file or custom properties are recorded.
 */
import {
  AuthError,
  errorText,
  GitHubError,
  InterruptedError,
  NotFoundError,
  PermissionError,
  PlanUnavailableError,
  QmsError,
  RateLimitError,
} from '../../core/errors.js';
import type { CustomPropertyValue, RepoInfo } from '../../core/github-types.js';
import { REPO_CONFIG_PATH, type RepoConfigFile, type RepoLiveState } from '../../core/live-state.js';
import type { Logger } from '../../output/logger.js';


/**
 * Errors that end the run rather than mark one repository: a rejected token, a
 * rate limit still refusing after the gateway's waits (every later request would
 * fail too, and GitHub may block clients that keep calling), an interrupt, and
 * qms's own stops (a request budget). GitHub's other answers (404, 403, 5xx after
 * retries) concern one repository (STYLE habit 7).
 */
export function isRunFatal(err: unknown): boolean {
  if (err instanceof AuthError || err instanceof RateLimitError || err instanceof InterruptedError) return true;
  return err instanceof QmsError && !(err instanceof GitHubError);
}

/**
 * The repo config as read by `fetch`: a file this token may not read is not a
 * failed repository — classification falls back to other evidence and says so.
 */
export async function readRepoConfigFile(fetch: () => Promise<{ text: string } | null>): Promise<RepoConfigFile> {
  try {
    const file = await fetch();
    return file === null ? { kind: 'absent' } : { kind: 'found', path: REPO_CONFIG_PATH, text: file.text };
  } catch (err) {
    if (err instanceof PermissionError || err instanceof PlanUnavailableError) return { kind: 'unreadable', reason: errorText(err) };
    throw err;
  }
}

/** Custom property values as read by `fetch`, or null where this token or plan cannot see them. */
export async function readCustomPropertiesOrNull(
  repo: RepoInfo,
  fetch: () => Promise<Record<string, CustomPropertyValue>>,
  logger: Logger | undefined,
): Promise<Record<string, CustomPropertyValue> | null> {
  try {
    return await fetch();
  } catch (err) {
    if (err instanceof PermissionError || err instanceof NotFoundError || err instanceof PlanUnavailableError) {
      logger?.debug(`${repo.fullName}: custom properties not readable: ${errorText(err)}`);
      return null;
    }
    throw err;
  }
}

/** What this token may see of a repository's protection, in one wording for both readers. */
export function accessOf(repo: RepoInfo): Pick<RepoLiveState, 'access' | 'accessReason'> {
  if (repo.viewerPermission === 'admin') return { access: 'admin' };
  if (repo.viewerPermission === null) {
    return { access: 'unknown', accessReason: 'GitHub did not report the token’s permission on the repository' };
  }
  return {
    access: 'read-only',
    accessReason: `the token has ${repo.viewerPermission} access, not admin, so classic branch protection cannot be seen`,
  };
}
