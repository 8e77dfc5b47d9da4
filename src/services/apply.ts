/**
 * `qms apply`: execute a plan, one write at a time, with the before-state
 * committed to SQLite before each write (DESIGN.md safety rules).
 *
 * Per step, strictly serial (GitHub's secondary limits: mutations serialised; the
 * gateway's throttling keeps them ≥ 1 s apart, so no sleeps here):
 *   1. re-read the target fresh (exact GET JSON + model; for pattern rules the
 *      GraphQL node) — the plan may be minutes old;
 *   2. recompute the desired state from that fresh state (tighten-only); equal →
 *      `unchanged`, no write, no record;
 *   3. `recordIntent(before = exact JSON, beforeModel, intended)` — committed;
 *   4. `lock.assertHeld()`;
 *   5. write, `recordResult(written)`;
 *   6. read back, compare with the intent (GitHub can answer 200 without applying):
 *      equal → `verified`, else `failed` with the difference.
 * A failed step fails its repository (its remaining steps are not attempted) and the
 * run goes on with the next repository (STYLE habit 7). An interrupt (SIGINT/SIGTERM)
 * stops before the next step; a write the interrupt cancelled in flight stays
 * `pending` ("maybe written"), which rollback resolves by reading live state.
 *
 * The orchestration around it (lock, run record, evaluation, plan, confirmation,
 * change set) is `runApply`; `applyPlan` is the executor, usable on its own.
 */
import { selectApplicableRule } from '../core/branch-patterns.js';
import { desiredMergeSettings, desiredProtection } from '../core/desired-protection.js';
import { errorText, ExitCode, InterruptedError, QmsError, RateLimitError } from '../core/errors.js';
import type { ProtectionRule, RepoInfo } from '../core/github-types.js';
import { summarizePlan, type Plan, type PlanStep, type SettingChange } from '../core/plan.js';
import type { BranchProtection, MergeSettings } from '../core/protection.js';
import { diffTargetModels, targetModelsEqual, type LiveTarget, type RestoreWrite } from '../core/rollback-plan.js';
import type { GitHubGateway } from '../github/gateway.js';
import type { Logger } from '../output/logger.js';
import type { ChangeSetRecord, FinishedChangeSetStatus, LockHandle, Store } from '../store/types.js';
import { createPlan, type PlanDeps, type PlanRequest, type PlanResult } from './plan.js';

// ---------------------------------------------------------------------------
// Target I/O shared by apply and rollback

export type WritableTargetKind = 'classic_protection' | 'protection_rule' | 'merge_settings';

/** A target read fresh, with the classic rule list when it was read. */
export interface FreshTarget extends LiveTarget {
  /** Classic targets: every classic rule of the repository (read when the branch is protected). */
  rules: ProtectionRule[] | null;
}

/** A step that cannot be done for a reason about this target (not the whole run). */
export class TargetError extends QmsError {
  constructor(message: string) {
    super(message, ExitCode.Partial);
  }
}

/**
 * Read one target as it is on GitHub now.
 * - classic: GET …/protection (exact JSON; "Branch not protected" = none). When
 *   protected, also the rule list, to know which rule applies (an exact-name rule,
 *   or a wildcard: rollback then deletes the exact rule the PUT created);
 * - pattern rule: the rule with exactly this pattern (GraphQL node);
 * - merge settings: the repository's merge settings. UNCONFIRMED-free but lossy:
 *   the gateway returns no raw repository JSON, so the model is the snapshot.
 */
export async function readTarget(
  gateway: GitHubGateway,
  repo: RepoInfo,
  kind: string,
  key: string,
  options: { withRules?: boolean } = {},
): Promise<FreshTarget> {
  switch (kind) {
    case 'classic_protection': {
      const read = await gateway.getBranchProtection(repo, key);
      if (read.kind === 'unknown' || read.kind === 'not_applicable') {
        throw new TargetError(`classic protection of ${repo.fullName}@${key} is ${read.kind === 'unknown' ? 'not visible' : 'not applicable'}: ${read.reason}`);
      }
      if (read.kind === 'unprotected') return { exists: false, model: null, raw: null, nodeId: null, rules: null };
      const rules = options.withRules === false ? null : await gateway.listProtectionRules(repo);
      const applicable = rules ? selectApplicableRule(rules, key) : undefined;
      return { exists: true, model: read.protection, raw: read.raw, nodeId: applicable?.id ?? null, rules };
    }
    case 'protection_rule': {
      const rules = await gateway.listProtectionRules(repo);
      const rule = rules.find((r) => r.pattern === key);
      return rule
        ? { exists: true, model: rule.protection, raw: rule.raw, nodeId: rule.id, rules }
        : { exists: false, model: null, raw: null, nodeId: null, rules };
    }
    case 'merge_settings': {
      const info = await gateway.getRepo(repo);
      if (info.merge === null) throw new TargetError(`the merge settings of ${repo.fullName} are not visible to this token`);
      return { exists: true, model: info.merge, raw: { ...info.merge }, nodeId: null, rules: null };
    }
    default:
      throw new TargetError(`qms cannot read ${kind} targets`);
  }
}

export interface WriteOutcome {
  model: BranchProtection | MergeSettings | null;
  raw: unknown;
}

/** Perform one restore/apply write. */
export async function writeTarget(gateway: GitHubGateway, repo: RepoInfo, key: string, write: RestoreWrite): Promise<WriteOutcome> {
  switch (write.kind) {
    case 'put_classic': {
      const r = await gateway.putBranchProtection(repo, key, write.model);
      return { model: r.protection, raw: r.raw };
    }
    case 'delete_classic':
      await gateway.deleteBranchProtection(repo, key);
      return { model: null, raw: null };
    case 'create_rule': {
      const r = await gateway.createProtectionRule(repo.nodeId, key, write.model);
      return { model: r.protection, raw: r.raw };
    }
    case 'update_rule': {
      const r = await gateway.updateProtectionRule(write.ruleId, key, write.model);
      return { model: r.protection, raw: r.raw };
    }
    case 'delete_rule':
      await gateway.deleteProtectionRule(write.ruleId);
      return { model: null, raw: null };
    case 'patch_merge': {
      const m = await gateway.updateMergeSettings(repo, write.model);
      return { model: m, raw: { ...m } };
    }
  }
}

/** `setting: a → b; …` for error lines (bounded). */
export function describeMismatch(kind: string, expected: unknown, actual: unknown): string {
  return describeChanges(diffTargetModels(kind, expected, actual), 8);
}

/** `setting: a → b; …`, the first `max` of them and a count of the rest. */
export function describeChanges(changes: readonly SettingChange[], max: number): string {
  const parts = changes.slice(0, max).map((c) => `${c.setting}: ${c.before === null ? '(none)' : String(c.before)} → ${c.after === null ? '(none)' : String(c.after)}`);
  return `${parts.join('; ')}${changes.length > max ? `; and ${changes.length - max} more` : ''}`;
}

export { errorText };

export function isInterrupt(err: unknown, signal: AbortSignal | undefined): boolean {
  return err instanceof InterruptedError || (signal?.aborted === true && (err as { name?: string })?.name === 'AbortError');
}

/**
 * The hourly rate limit is spent and its reset is too far to wait for (the gateway
 * waits for a near one): every further request fails until then, so a run stops
 * instead of failing target after target — and GitHub may block integrations that
 * keep calling while limited. The reason names the reset.
 */
export function spentRateLimit(err: unknown): string | null {
  if (!(err instanceof RateLimitError) || err.limit !== 'primary') return null;
  const when = err.resetAt !== undefined ? ` until ${new Date(err.resetAt).toISOString()}` : '';
  return `GitHub API rate limit exhausted${when}`;
}

/** After a write that failed: does the target now hold `expected` anyway (GitHub applied it, the answer was lost)? */
export async function appliedDespiteError(
  gateway: GitHubGateway,
  repo: RepoInfo,
  kind: string,
  key: string,
  expected: unknown,
): Promise<FreshTarget | null> {
  try {
    const back = await readTarget(gateway, repo, kind, key, { withRules: false });
    const model = back.exists ? back.model : null;
    return targetModelsEqual(kind, model, expected ?? null) ? back : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// Executor

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

export interface ApplyExecutorDeps {
  gateway: GitHubGateway;
  store: Store;
  lock: LockHandle;
  logger: Logger;
  signal?: AbortSignal;
  /** Called after each step (progress). */
  onStep?: (result: StepResult, index: number, total: number) => void;
}

function emptyCounts(): Record<StepStatus, number> {
  return { verified: 0, failed: 0, unchanged: 0, not_attempted: 0, pending: 0 };
}

/** A set's final status from its step results. */
export function finalStatus(counts: Record<StepStatus, number>, interrupted: boolean): FinishedChangeSetStatus {
  if (interrupted) return 'interrupted';
  if (counts.failed === 0 && counts.not_attempted === 0) return 'completed';
  return counts.verified === 0 && counts.unchanged === 0 ? 'failed' : 'partial';
}

/**
 * Execute `plan` into the (already created, `planned`) change set. `repos` gives
 * each planned repository's listing (owner type, node id). Returns per-step results;
 * the caller finishes the run.
 */
export async function applyPlan(
  deps: ApplyExecutorDeps,
  plan: Plan,
  changeSet: ChangeSetRecord,
  repos: ReadonlyMap<string, RepoInfo>,
): Promise<ApplyResult> {
  const { store, signal } = deps;
  store.changeSets.start(changeSet.id);
  const results: StepResult[] = [];
  const failedRepos = new Map<string, string>();
  let interrupted = false;
  /** Set when GitHub's rate limit is spent: the steps after it are not attempted. */
  const run: RunState = { stopped: null };
  const countResults = () => {
    const counts = emptyCounts();
    for (const r of results) counts[r.status] += 1;
    return counts;
  };

  try {
    for (const [index, step] of plan.steps.entries()) {
      const base = { stepId: step.id, repo: step.repo, kind: step.kind, target: step.target };
      if (interrupted || signal?.aborted) {
        interrupted = true;
        results.push({ ...base, status: 'not_attempted', changeId: null, changes: [], error: 'interrupted before this step' });
        continue;
      }
      if (run.stopped !== null) {
        results.push({ ...base, status: 'not_attempted', changeId: null, changes: [], error: `not attempted: ${run.stopped}` });
        continue;
      }
      const failedBecause = failedRepos.get(step.repo);
      if (failedBecause !== undefined) {
        results.push({ ...base, status: 'not_attempted', changeId: null, changes: [], error: `an earlier step of ${step.repo} failed: ${failedBecause}` });
        continue;
      }
      const repo = repos.get(step.repo);
      let result: StepResult;
      if (!repo) {
        result = { ...base, status: 'failed', changeId: null, changes: [], error: `internal: no listing for ${step.repo}` };
      } else {
        try {
          result = await executeStep(deps, step, changeSet.id, repo, run);
        } catch (err) {
          if (!isInterrupt(err, signal)) throw err;
          interrupted = true;
          const changeId = (err as { changeId?: number }).changeId ?? null;
          result = { ...base, status: changeId === null ? 'not_attempted' : 'pending', changeId, changes: [], error: 'interrupted during this step' };
        }
      }
      if (result.status === 'failed') failedRepos.set(step.repo, result.error ?? 'failed');
      if (run.stopped !== null) deps.logger.warn(`${run.stopped}: stopping; the remaining steps are not attempted (rollback --last undoes what was done)`);
      results.push(result);
      deps.onStep?.(result, index, plan.steps.length);
    }
  } catch (err) {
    // Not a step's failure (the store, a lost lock): close the set, on the record, then stop.
    store.changeSets.finish(changeSet.id, 'interrupted', { counts: countResults(), steps: plan.steps.length, error: errorText(err) });
    throw err;
  }

  const counts = countResults();
  const status = finalStatus(counts, interrupted);
  store.changeSets.finish(changeSet.id, status, { counts, steps: plan.steps.length });
  return { changeSetId: changeSet.id, status, interrupted, results, counts };
}

/** Tag an interrupt with the change it left pending, so the result can say which. */
function interruptedAt(err: unknown, changeId: number): never {
  if (err && typeof err === 'object') (err as { changeId?: number }).changeId = changeId;
  throw err;
}

interface RunState {
  /** Why the run stops before its next step (a spent rate limit), or null. */
  stopped: string | null;
}

async function executeStep(deps: ApplyExecutorDeps, step: PlanStep, changeSetId: number, repo: RepoInfo, run: RunState): Promise<StepResult> {
  const { gateway, store, lock, signal } = deps;
  const base = { stepId: step.id, repo: step.repo, kind: step.kind, target: step.target };
  const fail = (changeId: number | null, changes: SettingChange[], error: string, cause?: unknown): StepResult => {
    run.stopped ??= spentRateLimit(cause);
    return { ...base, status: 'failed', changeId, changes, error };
  };

  // 1–2: fresh state, fresh intent.
  let fresh: FreshTarget;
  try {
    fresh = await readTarget(gateway, repo, step.kind, step.target);
  } catch (err) {
    if (isInterrupt(err, signal)) throw err;
    return fail(null, [], `reading ${step.target || 'merge settings'} failed: ${errorText(err)}`, err);
  }
  const intended: BranchProtection | MergeSettings =
    step.kind === 'merge_settings'
      ? desiredMergeSettings(fresh.model as MergeSettings, step.merge)
      : desiredProtection(fresh.exists ? (fresh.model as BranchProtection) : null, step.floor);
  if (fresh.exists && targetModelsEqual(step.kind, fresh.model, intended)) {
    return { ...base, status: 'unchanged', changeId: null, changes: [], error: null };
  }
  const changes = diffTargetModels(step.kind, fresh.exists ? fresh.model : null, intended);

  // 3: the before-state is durable before anything is written.
  const change = store.changeSets.recordIntent({
    changeSetId,
    repo: step.repo,
    targetKind: step.kind,
    targetKey: step.target,
    targetNodeId: fresh.nodeId,
    beforeState: fresh.exists ? fresh.raw : null,
    beforeModel: fresh.exists ? fresh.model : null,
    intendedModel: intended,
  });

  // 4–5: still ours? then write.
  lock.assertHeld();
  const write: RestoreWrite =
    step.kind === 'classic_protection'
      ? { kind: 'put_classic', model: intended as BranchProtection }
      : step.kind === 'protection_rule'
        ? fresh.exists && fresh.nodeId !== null
          ? { kind: 'update_rule', ruleId: fresh.nodeId, model: intended as BranchProtection }
          : { kind: 'create_rule', model: intended as BranchProtection }
        : { kind: 'patch_merge', model: intended as MergeSettings };
  let written: WriteOutcome;
  try {
    written = await writeTarget(gateway, repo, step.target, write);
  } catch (err) {
    // Cancelled in flight: GitHub may or may not have applied it. Leave `pending`.
    if (isInterrupt(err, signal)) interruptedAt(err, change.id);
    // The answer can be lost after GitHub applied the write (a reset, a cut-off body,
    // a retried create meeting its own first attempt): the read-back decides.
    const applied = spentRateLimit(err) === null ? await appliedDespiteError(gateway, repo, step.kind, step.target, intended) : null;
    if (applied) {
      deps.logger.warn(`${step.repo} ${step.target || 'merge settings'}: the write's answer was lost (${errorText(err)}), but the read-back shows it applied`);
      store.changeSets.recordResult(change.id, { status: 'verified', afterState: applied.raw, afterModel: applied.model });
      return { ...base, status: 'verified', changeId: change.id, changes, error: null };
    }
    // Failed without a read-back: rollback treats it as "maybe written".
    store.changeSets.recordResult(change.id, { status: 'failed', error: `write failed: ${errorText(err)}` });
    return fail(change.id, changes, `write failed: ${errorText(err)}`, err);
  }
  store.changeSets.recordResult(change.id, { status: 'written', afterState: written.raw, afterModel: written.model });

  // 6: trust the read-back, not the write's answer.
  let back: FreshTarget;
  try {
    back = await readTarget(gateway, repo, step.kind, step.target, { withRules: false });
  } catch (err) {
    if (isInterrupt(err, signal)) interruptedAt(err, change.id);
    store.changeSets.recordResult(change.id, { status: 'failed', error: `read-back failed: ${errorText(err)}` });
    return fail(change.id, changes, `read-back failed: ${errorText(err)}`, err);
  }
  if (back.exists && targetModelsEqual(step.kind, back.model, intended)) {
    store.changeSets.recordResult(change.id, { status: 'verified', afterState: back.raw, afterModel: back.model });
    return { ...base, status: 'verified', changeId: change.id, changes, error: null };
  }
  const mismatch = `GitHub accepted the write but the read-back differs from the intent: ${back.exists ? describeMismatch(step.kind, intended, back.model) : 'the target does not exist'}`;
  store.changeSets.recordResult(change.id, { status: 'failed', afterState: back.raw, afterModel: back.model, error: mismatch });
  return fail(change.id, changes, mismatch);
}

// ---------------------------------------------------------------------------
// Orchestration: lock → run → evaluate → plan → confirm → change set → execute

/** What a mutating run (apply, rollback) needs to take the lock and describe itself in runs and audit events. */
export interface MutatingRunDeps {
  /** The authenticated login (the audit actor). */
  viewer: () => Promise<string>;
  /** How the command line reads, for the lock holder's description. */
  command: string;
  apiUrl: string;
  toolVersion: string;
}

export interface RunApplyDeps extends PlanDeps, MutatingRunDeps {
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
  exitCode: number;
}

/**
 * Repositories the plan could not cover because reading them failed: those in scope,
 * and those whose tier is unknown because of the failure (a `--tier` filter cannot
 * tell whether they belong to it).
 */
function unreadableRepos(plan: PlanResult): { repo: string; reason: string }[] {
  return plan.evaluations
    .filter((e) => e.assessment.status === 'error' && (plan.plan.repos.includes(e.live.repo.fullName) || e.classification.tier === null))
    .map((e) => ({ repo: e.live.repo.fullName, reason: e.live.readError ?? 'the read failed' }));
}

export async function runApply(deps: RunApplyDeps, request: RunApplyRequest): Promise<RunApplyResult> {
  if (request.dryRun) {
    const plan = await createPlan(deps, request);
    await deps.showPlan(plan);
    return { plan, apply: null, declined: false, runId: null, exitCode: ExitCode.Ok };
  }
  const { store } = deps;
  if (!store) throw new Error('internal: apply needs the store');
  // The authenticated login is the actor of every audit event, the lock's included
  // (so it is known before the lock is taken: one GET /user).
  const actor = await deps.viewer();
  // One mutating run per store: a second apply stops here (exit 5, naming the holder).
  const lock = store.lock.acquire({ command: deps.command, actor });
  try {
    const run = store.runs.start({
      kind: 'apply',
      org: request.org,
      args: { tier: request.tier ?? null, phase: request.phase ?? null, repos: request.repos ?? [], yes: request.yes },
      actor,
      apiUrl: deps.apiUrl,
      toolVersion: deps.toolVersion,
    });
    let runStatus: 'succeeded' | 'partial' | 'failed' | 'interrupted' = 'failed';
    let summary: unknown = null;
    try {
      const plan = await createPlan(deps, request);
      await deps.showPlan(plan);
      // A repository that could not be read is not enforced: the run is partial (exit 4),
      // never a silent success a cron job would take for "everything protected".
      const unreadable = unreadableRepos(plan);
      for (const u of unreadable.filter((x) => !plan.plan.repos.includes(x.repo))) {
        deps.logger.warn(`${u.repo}: could not be read (tier unknown), nothing applied: ${u.reason}`);
      }
      const readFailed = unreadable.length > 0;
      const warnUnread = () => {
        if (readFailed) deps.logger.warn(`${unreadable.length} repositor${unreadable.length === 1 ? 'y' : 'ies'} could not be read and nothing was applied to ${unreadable.length === 1 ? 'it' : 'them'}: ${unreadable.map((u) => u.repo).join(', ')} (exit 4; run again later)`);
      };
      if (plan.plan.steps.length === 0) {
        runStatus = readFailed ? 'partial' : 'succeeded';
        summary = { steps: 0, ...(readFailed ? { unreadable } : {}) };
        warnUnread();
        return { plan, apply: null, declined: false, runId: run.id, exitCode: readFailed ? ExitCode.Partial : ExitCode.Ok };
      }
      if (deps.signal?.aborted) throw new InterruptedError('interrupted before any write');
      if (!request.yes && !(await deps.confirm(plan))) {
        runStatus = 'succeeded';
        summary = { steps: plan.plan.steps.length, declined: true };
        return { plan, apply: null, declined: true, runId: run.id, exitCode: ExitCode.Ok };
      }
      const changeSet = store.changeSets.create({
        runId: run.id,
        kind: 'apply',
        org: request.org,
        actor,
        details: {
          tier: plan.plan.tier,
          phase: plan.plan.phase,
          repos: request.repos ?? [],
          plan: summarizePlan(plan.plan),
        },
      });
      const repos = new Map(plan.evaluations.map((e) => [e.live.repo.fullName, e.live.repo]));
      const result = await applyPlan(
        { gateway: deps.gateway, store, lock, logger: deps.logger, ...(deps.signal ? { signal: deps.signal } : {}), ...(deps.onStep ? { onStep: deps.onStep } : {}) },
        plan.plan,
        changeSet,
        repos,
      );
      runStatus = result.interrupted
        ? 'interrupted'
        : result.status === 'completed'
          ? readFailed
            ? 'partial'
            : 'succeeded'
          : result.status === 'failed'
            ? 'failed'
            : 'partial';
      summary = { changeSetId: result.changeSetId, status: result.status, counts: result.counts, ...(readFailed ? { unreadable } : {}) };
      warnUnread();
      const exitCode = result.interrupted
        ? ExitCode.Interrupted
        : result.counts.failed + result.counts.not_attempted > 0 || readFailed
          ? ExitCode.Partial
          : ExitCode.Ok;
      return { plan, apply: result, declined: false, runId: run.id, exitCode };
    } catch (err) {
      if (err instanceof InterruptedError) runStatus = 'interrupted';
      summary = { error: errorText(err) };
      throw err;
    } finally {
      store.runs.finish(run.id, runStatus, summary);
    }
  } finally {
    lock.release();
  }
}
