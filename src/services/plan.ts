/**
 * `qms plan` (and the first half of `qms apply`): evaluate the organisation's
 * repositories through the live-state reader, then build the plan (pure,
 * src/core/plan.ts). Reads only: a plan makes zero write requests.
 */
import { UsageError } from '../core/errors.js';
import { buildPlan, PLAN_PHASES, type BuildPlanOptions, type Plan, type PlanPhase } from '../core/plan.js';
import type { QmsPolicy } from '../core/policy.js';
import type { GitHubGateway } from '../github/gateway.js';
import type { Logger } from '../output/logger.js';
import { parseRepoOptions } from './assess.js';
import { evaluateOrg, resolveTierOption } from './evaluate.js';
import type { RepoEvaluation } from './evaluation.js';
import { createLiveStateReader, type LiveStateReaderKind } from './readers/graphql-reader.js';

export interface PlanDeps {
  gateway: GitHubGateway;
  /** Which live-state reader (default: the batched GraphQL reader). */
  reader?: LiveStateReaderKind;
  policy: QmsPolicy;
  logger: Logger;
  signal?: AbortSignal;
  /** Repositories read at once (reads only; writes are always serial). */
  concurrency?: number;
  onProgress?: (done: number, total: number | null) => void;
}

export interface PlanRequest {
  org: string;
  tier?: string;
  phase?: PlanPhase;
  /** Repository names within the org (or `org/name`). */
  repos?: string[];
}

export interface PlanResult {
  org: string;
  plan: Plan;
  /** What the plan was built from (apply needs each repository's listing). */
  evaluations: RepoEvaluation[];
}

export function parsePhase(value: string | undefined): PlanPhase | undefined {
  if (value === undefined) return undefined;
  const normalized = value.trim().toLowerCase().replace(/-/g, '_');
  if ((PLAN_PHASES as readonly string[]).includes(normalized)) return normalized as PlanPhase;
  throw new UsageError(`--phase must be one of ${PLAN_PHASES.join(', ')}; got "${value}"`, {
    hint: 'phases follow seed §3: pilot, then standard, business_critical, mission_critical',
  });
}

/** `name` or `org/name` → names within `org` (the `--repo` rules of every org command); undefined when none. */
export function normalizeRepoNames(org: string, names: readonly string[] | undefined): string[] | undefined {
  const out = parseRepoOptions(org, names);
  return out.length > 0 ? out : undefined;
}

/** The pilot repositories that belong to `org`, as names within it. */
function pilotNames(policy: QmsPolicy, org: string): string[] {
  const out: string[] = [];
  for (const entry of policy.pilotRepositories) {
    const parts = entry.split('/');
    if (parts.length === 1) out.push(entry);
    else if (parts.length === 2 && parts[0]!.toLowerCase() === org.toLowerCase()) out.push(parts[1]!);
  }
  return out;
}

/** Evaluate what the request covers and plan it. */
export async function createPlan(deps: PlanDeps, request: PlanRequest): Promise<PlanResult> {
  const tier = request.tier === undefined ? undefined : resolveTierOption(deps.policy, request.tier);
  let repos = normalizeRepoNames(request.org, request.repos);
  if (request.phase === 'pilot') {
    // Only the pilots are read at all (the rest of the organisation is out of scope).
    const pilots = pilotNames(deps.policy, request.org);
    repos = repos ? repos.filter((r) => pilots.some((p) => p.toLowerCase() === r.toLowerCase())) : pilots;
    if (repos.length === 0) {
      const plan = buildPlan([], {
        pilotRepositories: deps.policy.pilotRepositories,
        tiers: deps.policy.tiers,
        phase: 'pilot',
        ...(tier ? { tier } : {}),
      });
      deps.logger.warn(`the policy names no pilot repository in ${request.org}${request.repos ? ' among --repo' : ''}`);
      return { org: request.org, plan, evaluations: [] };
    }
  }
  // The batched GraphQL reader (pages of 100 repositories) unless --reader rest:
  // it produces the same evaluations with a fraction of the requests.
  const reader = createLiveStateReader(deps.gateway, {
    kind: deps.reader ?? 'graphql',
    policy: deps.policy,
    ...(tier ? { tier } : {}),
    ...(deps.concurrency !== undefined ? { concurrency: deps.concurrency } : {}),
    logger: deps.logger,
  });
  const evaluations: RepoEvaluation[] = [];
  for await (const e of evaluateOrg(
    { reader, policy: deps.policy, logger: deps.logger },
    {
      org: request.org,
      ...(tier ? { tier } : {}),
      ...(repos ? { repos } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
    },
  )) {
    evaluations.push(e);
  }
  const options: BuildPlanOptions = {
    pilotRepositories: deps.policy.pilotRepositories,
    tiers: deps.policy.tiers,
    roles: deps.policy.roles,
    ...(tier ? { tier } : {}),
    ...(request.phase ? { phase: request.phase } : {}),
  };
  const plan = buildPlan(evaluations, options);
  return { org: request.org, plan, evaluations };
}

export interface UnenforcedRepo {
  repo: string;
  reason: string;
}

/**
 * Repositories the apply should have enforced but could not: the read failed (also
 * those whose tier is unknown because of the failure: a `--tier` filter cannot tell
 * whether they belong to it), their protection is not fully visible, or the token is
 * not admin on them. Unknown is never compliant: these make the run partial.
 */
export function unenforcedRepos(plan: PlanResult): UnenforcedRepo[] {
  const inScope = new Set(plan.plan.repos);
  const out: UnenforcedRepo[] = [];
  for (const e of plan.evaluations) {
    const repo = e.live.repo.fullName;
    const status = e.assessment.status;
    if (status === 'error' && (inScope.has(repo) || e.classification.tier === null)) {
      out.push({ repo, reason: `could not be read: ${e.live.readError ?? 'the read failed'}` });
    } else if (inScope.has(repo) && (status === 'unknown' || (status === 'assessed' && e.live.access !== 'admin'))) {
      out.push({
        repo,
        reason:
          e.live.access !== 'admin'
            ? 'the token is not admin on it (classic protection needs administration: write)'
            : `protection not fully visible: ${e.assessment.reason}`,
      });
    }
  }
  return out;
}

export function warnUnenforced(logger: Logger, unenforced: readonly UnenforcedRepo[]): void {
  if (unenforced.length === 0) return;
  const n = unenforced.length;
  const names = unenforced
    .slice(0, 10)
    .map((u) => u.repo)
    .join(', ');
  const more = n > 10 ? ` and ${n - 10} more` : '';
  const notAdmin = unenforced.filter((u) => u.reason.startsWith('the token is not admin')).length;
  const why =
    notAdmin === n
      ? 'the token cannot administer them (administration: write)'
      : notAdmin > 0
        ? 'they could not be read or the token cannot administer them'
        : 'they could not be read or fully seen';
  logger.warn(`${n} repositor${n === 1 ? 'y was' : 'ies were'} not enforced because ${why}: ${names}${more} (exit 4)`);
}
