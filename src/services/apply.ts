/**
 * `qms apply`: the tier plan (src/core/plan.ts), run by the change engine.
 *
 * The run is recorded before anything is read (src/engine/mutating-run.ts), then the
 * organisation is evaluated and planned, the plan shown and confirmed, and its steps
 * handed to the one executor (src/engine/executor.ts) as `tighten`/`merge` intents: it
 * re-reads every target, recomputes the desired state from what it finds (the plan
 * may be minutes old), commits the before-state, writes, and verifies the read-back.
 * A failed step fails its repository (its remaining steps are not attempted) and the
 * run goes on with the next repository.
 *
 * Exit codes: 0 done, 4 partial — a step failed, or a repository in scope was not
 * enforced because it could not be read or seen (never a silent success a cron job
 * would take for "everything protected"), 130 interrupted.
 */
import type { PlannedChange } from '../core/changes.js';
import { ExitCode, InterruptedError } from '../core/errors.js';
import type { RepoInfo } from '../core/github-types.js';
import { summarizePlan, type Plan, type PlanStep, type SettingChange } from '../core/plan.js';
import { executePlan, type ChangeResult, type ExecutorDeps } from '../engine/executor.js';
import { withMutatingRun, type MutatingRunDeps } from '../engine/mutating-run.js';
import type { GitHubGateway } from '../github/gateway.js';
import type { Logger } from '../output/logger.js';
import type { ChangeSetRecord, FinishedChangeSetStatus, LockHandle, Store } from '../store/types.js';
import {
  createPlan,
  unenforcedRepos,
  warnUnenforced,
  type PlanDeps,
  type PlanRequest,
  type PlanResult,
  type UnenforcedRepo,
} from './plan.js';

export type StepStatus = 'verified' | 'failed' | 'unchanged' | 'not_attempted' | 'pending';

export interface StepResult {
  stepId: number;
  repo: string;
  kind: PlanStep['kind'];
  target: string;
  status: StepStatus;
  /** The stored change (null when nothing was recorded). */
  changeId: number | null;
  /** What was written: before → intended (from the fresh read). */
  changes: SettingChange[];
  error: string | null;
}

export interface ApplyResult {
  changeSetId: number;
  status: FinishedChangeSetStatus;
  interrupted: boolean;
  results: StepResult[];
  counts: Record<StepStatus, number>;
}

/** The plan's steps as the engine's planned changes (same order, same ids). */
export function toPlannedChanges(plan: Plan): PlannedChange[] {
  return plan.steps.map((step) =>
    step.kind === 'merge_settings'
      ? { id: step.id, kind: step.kind, repo: step.repo, key: step.target, intent: { mode: 'merge', merge: step.merge } }
      : { id: step.id, kind: step.kind, repo: step.repo, key: step.target, intent: { mode: 'tighten', floor: step.floor } },
  );
}

function toStepResult(step: PlanStep, r: ChangeResult): StepResult {
  // A tier plan only tightens: the engine's restore statuses cannot occur here.
  const status: StepStatus =
    r.status === 'verified' || r.status === 'failed' || r.status === 'unchanged' || r.status === 'pending' ? r.status : 'not_attempted';
  const error =
    r.status === 'not_attempted' && r.error !== null
      ? r.error
          .replace(/^an earlier change of /, 'an earlier step of ')
          .replace(/^interrupted before this change$/, 'interrupted before this step')
      : r.status === 'pending'
        ? 'interrupted during this step'
        : r.error;
  return {
    stepId: step.id,
    repo: step.repo,
    kind: step.kind,
    target: step.target,
    status,
    changeId: r.changeId,
    changes: r.changes,
    error,
  };
}

export interface ApplyExecutorDeps {
  gateway: GitHubGateway;
  store: Store;
  lock: LockHandle;
  logger: Logger;
  signal?: AbortSignal;
  /** Called after each step (progress). */
  onStep?: (result: StepResult, index: number, total: number) => void;
}

/** Run the plan's steps into the (created, `planned`) change set. `repos`: each planned repository's listing. */
export async function applyPlan(
  deps: ApplyExecutorDeps,
  plan: Plan,
  changeSet: ChangeSetRecord,
  repos: ReadonlyMap<string, RepoInfo>,
): Promise<ApplyResult> {
  const stepsById = new Map(plan.steps.map((s) => [s.id, s]));
  const executor: ExecutorDeps = {
    gateway: deps.gateway,
    store: deps.store,
    lock: deps.lock,
    logger: deps.logger,
    ...(deps.signal ? { signal: deps.signal } : {}),
    repo: async (fullName) => {
      const info = repos.get(fullName);
      if (!info) throw new Error(`internal: no listing for ${fullName}`);
      return info;
    },
    ...(deps.onStep
      ? { onChange: (r: ChangeResult, i: number, total: number) => deps.onStep!(toStepResult(stepsById.get(r.change.id)!, r), i, total) }
      : {}),
  };
  const executed = await executePlan(executor, toPlannedChanges(plan), changeSet, {
    isolateRepos: true,
    summary: { steps: plan.steps.length },
  });
  const results = executed.results.map((r) => toStepResult(stepsById.get(r.change.id)!, r));
  const counts: Record<StepStatus, number> = { verified: 0, failed: 0, unchanged: 0, not_attempted: 0, pending: 0 };
  for (const r of results) counts[r.status] += 1;
  return { changeSetId: executed.changeSetId, status: executed.status, interrupted: executed.interrupted, results, counts };
}

// ---------------------------------------------------------------------------
// The command's use case

export interface RunApplyDeps extends PlanDeps, Omit<MutatingRunDeps, 'store'> {
  /** Not needed (and not opened) for a dry run. */
  store?: Store;
  /** Show the plan before confirming (and for --dry-run). */
  showPlan: (plan: PlanResult) => void | Promise<void>;
  /** Ask the user; resolves true to go ahead. Not called with --yes or an empty plan. */
  confirm: (plan: PlanResult) => Promise<boolean>;
  onStep?: ApplyExecutorDeps['onStep'];
}

export interface RunApplyRequest extends PlanRequest {
  yes: boolean;
  dryRun: boolean;
}

export interface RunApplyResult {
  plan: PlanResult;
  /** null: dry run, empty plan, or declined. */
  apply: ApplyResult | null;
  declined: boolean;
  runId: number | null;
  /** Repositories in scope that were not enforced because they could not be read or seen. */
  unenforced: UnenforcedRepo[];
  exitCode: number;
}

export async function runApply(deps: RunApplyDeps, request: RunApplyRequest): Promise<RunApplyResult> {
  if (request.dryRun) {
    const plan = await createPlan(deps, request);
    await deps.showPlan(plan);
    const unenforced = unenforcedRepos(plan);
    warnUnenforced(deps.logger, unenforced);
    return {
      plan,
      apply: null,
      declined: false,
      runId: null,
      unenforced,
      exitCode: unenforced.length > 0 ? ExitCode.Partial : ExitCode.Ok,
    };
  }
  const { store } = deps;
  if (!store) throw new Error('internal: apply needs the store');
  return withMutatingRun(
    { ...deps, store },
    {
      kind: 'apply',
      org: request.org,
      args: { tier: request.tier ?? null, phase: request.phase ?? null, repos: request.repos ?? [], yes: request.yes },
    },
    async (run) => {
      const plan = await createPlan(deps, request);
      await deps.showPlan(plan);
      const unenforced = unenforcedRepos(plan);
      const partial = unenforced.length > 0;
      const done = (apply: ApplyResult | null, extra: { declined?: boolean } = {}) => ({
        plan,
        apply,
        declined: extra.declined === true,
        runId: run.run.id,
        unenforced,
        exitCode: apply?.interrupted
          ? ExitCode.Interrupted
          : (apply && apply.counts.failed + apply.counts.not_attempted + apply.counts.pending > 0) || partial
            ? ExitCode.Partial
            : ExitCode.Ok,
      });
      if (plan.plan.steps.length === 0) {
        warnUnenforced(deps.logger, unenforced);
        return { value: done(null), status: partial ? 'partial' : 'succeeded', summary: { steps: 0, ...(partial ? { unenforced } : {}) } };
      }
      if (deps.signal?.aborted) throw new InterruptedError('interrupted before any write');
      if (!request.yes && !(await deps.confirm(plan))) {
        return { value: done(null, { declined: true }), status: 'succeeded', summary: { steps: plan.plan.steps.length, declined: true } };
      }
      const changeSet = run.createChangeSet({
        kind: 'apply',
        org: request.org,
        details: { tier: plan.plan.tier, phase: plan.plan.phase, repos: request.repos ?? [], plan: summarizePlan(plan.plan) },
      });
      const repos = new Map(plan.evaluations.map((e) => [e.live.repo.fullName, e.live.repo]));
      const result = await applyPlan(
        {
          gateway: deps.gateway,
          store,
          lock: run.lock,
          logger: deps.logger,
          ...(deps.signal ? { signal: deps.signal } : {}),
          ...(deps.onStep ? { onStep: deps.onStep } : {}),
        },
        plan.plan,
        changeSet,
        repos,
      );
      warnUnenforced(deps.logger, unenforced);
      const status = result.interrupted
        ? 'interrupted'
        : result.status === 'completed'
          ? partial
            ? 'partial'
            : 'succeeded'
          : result.status === 'failed'
            ? 'failed'
            : 'partial';
      return {
        value: done(result),
        status,
        summary: { changeSetId: result.changeSetId, status: result.status, counts: result.counts, ...(partial ? { unenforced } : {}) },
      };
    },
  );
}
