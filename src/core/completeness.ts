/**
 * Unknown is never compliant: which repositories a run could not fully judge, why,
 * and the one line that says so (DESIGN.md exit code 4: "some repos failed or could
 * not be read").
 *
 * A cron job reads the exit code; a person reads one stderr line that says how many
 * repositories, which permission is missing, and what to do about it. Causes come
 * from what the reader established (the token's access to each repository), never
 * from parsing reason texts.
 *
 * Exit codes 1 and 4 together: 4 wins. A partial run has not established that the
 * rest is fine, so "findings at or above --fail-on" (1) is not the whole truth; the
 * line then says both, and the JSON summary keeps `failing` next to `exit_code`.
 * Pure: no I/O.
 */
import type { AssessmentStatus } from './gap-analysis.js';
import type { RepoAccess } from './live-state.js';

/**
 * Why a repository could not be fully judged:
 * - `needs-admin`: the token can read the repository but not its classic branch
 *   protection, which GitHub shows only to repository admins (fine-grained and App
 *   tokens: the `administration: read` permission; docs/github-api.md);
 * - `permission-unknown`: GitHub did not say what the token may do there;
 * - `rules-not-visible`: the token administers it, yet some rulesets or the custom
 *   properties they target by could not be read, so what applies is undecidable;
 * - `read-failed`: reading the repository failed (after retries).
 */
export type IncompleteCause = 'needs-admin' | 'permission-unknown' | 'rules-not-visible' | 'read-failed';

export interface IncompleteGroup {
  cause: IncompleteCause;
  /** What is missing, in words (the permission, or what failed). */
  needs: string;
  /** `owner/name`, in the order given. */
  repos: string[];
}

export interface Incompleteness {
  /** Repositories not fully judged (the sum over groups). */
  repos: number;
  /** One group per cause, the most common first. */
  groups: IncompleteGroup[];
}

const CAUSES: Record<IncompleteCause, { needs: string; remedy: string }> = {
  'needs-admin': {
    needs: 'classic branch protection needs admin (administration: read)',
    remedy: 'run with a token that administers them',
  },
  'permission-unknown': {
    needs: 'GitHub did not say whether the token administers them (classic branch protection needs admin)',
    remedy: 'run with a token that administers them',
  },
  'rules-not-visible': {
    needs: 'some rulesets, or the custom properties they target by, could not be read',
    remedy: "see each repository's reason (--json)",
  },
  'read-failed': {
    needs: 'reading them failed (see the warnings above)',
    remedy: 'run again',
  },
};

/** Why this repository was not fully judged; null when it was (or when there was nothing to judge). */
export function incompleteCauseOf(status: AssessmentStatus | 'classified' | 'skipped', access: RepoAccess): IncompleteCause | null {
  if (status === 'error') return 'read-failed';
  if (status !== 'unknown') return null;
  if (access === 'read-only') return 'needs-admin';
  if (access === 'unknown') return 'permission-unknown';
  return 'rules-not-visible';
}

/** Group the repositories that were not fully judged by cause. */
export function summarizeIncomplete(
  entries: Iterable<{ repo: string; status: AssessmentStatus | 'classified' | 'skipped'; access: RepoAccess }>,
): Incompleteness {
  const byCause = new Map<IncompleteCause, string[]>();
  for (const e of entries) {
    const cause = incompleteCauseOf(e.status, e.access);
    if (cause === null) continue;
    const list = byCause.get(cause) ?? [];
    list.push(e.repo);
    byCause.set(cause, list);
  }
  const order = Object.keys(CAUSES) as IncompleteCause[];
  const groups = [...byCause.entries()]
    .map(([cause, repos]) => ({ cause, needs: CAUSES[cause].needs, repos }))
    .sort((a, b) => b.repos.length - a.repos.length || order.indexOf(a.cause) - order.indexOf(b.cause));
  return { repos: groups.reduce((n, g) => n + g.repos.length, 0), groups };
}

function repositories(n: number): string {
  return n === 1 ? 'repository' : 'repositories';
}

/**
 * The one stderr line of a partial run, e.g. "6 of 6 repositories could not be fully
 * assessed: classic branch protection needs admin (administration: read) — run with a
 * token that administers them". `failing`: findings at or above --fail-on, said too
 * (exit 4 outranks 1). null when every repository was judged.
 */
export function describeIncomplete(
  incomplete: Incompleteness,
  options: { total: number; done: 'fully assessed' | 'classified'; failing?: { count: number; failOn: string } },
): string | null {
  if (incomplete.repos === 0) return null;
  const head = `${incomplete.repos} of ${options.total} ${repositories(options.total)} could not be ${options.done}`;
  const groups = incomplete.groups;
  const why = groups.length === 1 ? groups[0]!.needs : groups.map((g) => `${g.repos.length} because ${g.needs}`).join(', ');
  const remedies = [...new Set(groups.map((g) => CAUSES[g.cause].remedy))].join('; ');
  let line = `${head}: ${why} — ${remedies}`;
  const failing = options.failing;
  if (failing && failing.count > 0) {
    line += `; also ${failing.count} finding${failing.count === 1 ? '' : 's'} at or above --fail-on ${failing.failOn} (exit 4 outranks 1)`;
  }
  return line;
}
