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
import type { AppInstallationsRead, CustomPropertyValue, RepoInfo, Ruleset } from '../../core/github-types.js';
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

/** GitHub Actions (app 15368) posts in every repository with Actions enabled; it is not an installation (UNCONFIRMED). */
const ACTIONS_APP_ID = 15368;

/**
 * Does any rule this state carries pin a required check to an app whose ability to
 * post matters? (`qms/*` pins need no read: qms posts them with a token, so no app
 * posts them for qms.) Then the organization's installations are worth one request.
 */
export function pinsCheckToApp(live: RepoLiveState): boolean {
  const pinned = (context: string, appId: number | null) => appId !== null && appId !== ACTIONS_APP_ID && !context.startsWith('qms/');
  const classic = [
    ...Object.values(live.classicByBranch ?? {}).flatMap((r) => (r.kind === 'protected' ? [r.protection] : [])),
    ...(live.classicRules ?? []).map((r) => r.protection),
  ];
  if (classic.some((p) => (p.requiredStatusChecks?.checks ?? []).some((c) => pinned(c.context, c.appId)))) return true;
  const rules = [...Object.values(live.rulesByBranch ?? {}).flat(), ...(live.rulesets ?? []).flatMap((rs) => rs.rules)];
  return rules.some((r) => r.type === 'required_status_checks' && r.checks.some((c) => pinned(c.context, c.integrationId)));
}

/** The owning organization's app installations, read once per organization (`cache`); user accounts have none to list. */
export function appInstallationsFor(
  repo: RepoInfo,
  cache: Map<string, Promise<AppInstallationsRead | null>>,
  read: (org: string) => Promise<AppInstallationsRead>,
): Promise<AppInstallationsRead | null> {
  if (repo.ownerType !== 'Organization') {
    return Promise.resolve({ kind: 'unknown', reason: `${repo.owner} is a user account: its app installations are not listed` });
  }
  const key = repo.owner.toLowerCase();
  let found = cache.get(key);
  if (!found) {
    found = read(repo.owner);
    cache.set(key, found);
  }
  return found;
}

/** Rulesets with their bypass teams named (REST gives team ids only), through `slugsOf` (team id → slug of an organization). */
export async function nameBypassTeams(
  rulesets: Ruleset[],
  repo: RepoInfo,
  slugsOf: (org: string) => Promise<Map<number, string>>,
): Promise<Ruleset[]> {
  const unnamed = rulesets.some((rs) =>
    (rs.bypassActors ?? []).some((a) => a.actorType === 'Team' && a.name === undefined && a.actorId !== null),
  );
  if (!unnamed || repo.ownerType !== 'Organization') return rulesets;
  const slugs = await slugsOf(repo.owner);
  return rulesets.map((rs) =>
    rs.bypassActors === null
      ? rs
      : {
          ...rs,
          bypassActors: rs.bypassActors.map((a) => {
            const slug = a.actorType === 'Team' && a.actorId !== null ? slugs.get(a.actorId) : undefined;
            return slug === undefined ? a : { ...a, name: slug };
          }),
        },
  );
}
