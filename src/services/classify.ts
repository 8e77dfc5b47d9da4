/**
 * `qms classify`: the tier of every repository with its evidence and reason, and
 * optionally (`--write-properties`) the custom property `qms_tier` set to match.
 *
 * Classification reads only what it needs: the org listing, custom properties and
 * the repo config file (no branch protection). Writing is restricted to
 * repositories classified by the policy's own evidence (a policy rule, the default
 * tier) and whose property differs: the property then records what qms inferred,
 * where GitHub can see it (org rulesets target by property). It never overrides a
 * property that decided the tier, and never follows a repo config or a topic (which
 * repository admins edit) into an org-controlled property.
 *
 * Writes go through the change engine (src/engine): one mutating run at a time
 * (lock), the run recorded first, the before-value committed as a change before
 * each write (up to 30 repositories share a PATCH), every value read back.
 */
import type { PlannedChange } from '../core/changes.js';
import { classifyRepo, propertyValueText, TIER_PROPERTY, type Classification, type EvidenceKind } from '../core/classify.js';
import { describeIncomplete, summarizeIncomplete } from '../core/completeness.js';
import { ExitCode } from '../core/errors.js';
import { executePlan } from '../engine/executor.js';
import { withMutatingRun, type MutatingRun, type MutatingRunDeps } from '../engine/mutating-run.js';
import type { CustomPropertyValue, RepoInfo } from '../core/github-types.js';
import type { QmsPolicy } from '../core/policy.js';
import type { GitHubGateway } from '../github/gateway.js';
import type { Logger } from '../output/logger.js';
import type { PolicyOrigin } from './assess.js';
import { parseLiveRepoConfig } from './evaluate.js';
import type { LiveStateReader } from './evaluation.js';

/** Evidence the `qms_tier` property may be written from (weaker than the property). */
/**
 * Evidence the `qms_tier` property may be written from: the policy's own conclusions. Not
 * a topic (repository admins set topics; copying one into the org-controlled property
 * would let a repository's own choice outrank the org's future rules), not a repo config.
 */
export const PROPERTY_WRITABLE_EVIDENCE: readonly EvidenceKind[] = ['policy-rule', 'default'];

export interface ClassifyRequest {
  org: string;
  repos?: string[];
}

export interface ClassifyDeps {
  reader: LiveStateReader;
  policy: QmsPolicy;
  logger?: Logger;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number | null) => void;
}

export interface ClassifiedRepo {
  repo: string;
  name: string;
  owner: string;
  ownerType: RepoInfo['ownerType'];
  classification: Classification;
  /** `classified`/`skipped` from classification, or `error` when the repository could not be read. */
  status: 'classified' | 'skipped' | 'error';
  /** The read failure, for `error`. */
  error: string | null;
  /** The current `qms_tier` value; undefined when unset; null when the properties were not readable. */
  property: { readable: boolean; value: CustomPropertyValue | undefined };
}

export interface PropertyChange {
  repo: string;
  name: string;
  from: string | null;
  to: string;
  evidence: EvidenceKind;
  status: 'planned' | 'written' | 'verified' | 'failed';
  error: string | null;
}

export interface PropertyPlan {
  changes: PropertyChange[];
  /** Repositories with weak evidence that will not be written, and why. */
  skipped: { repo: string; reason: string }[];
}

export interface ClassifySummary {
  repos: number;
  classified: number;
  skipped: number;
  errors: number;
  byTier: Record<string, number>;
  byEvidence: Record<string, number>;
}

/** Read and classify (no protection reads). Repositories in name order. */
export async function classifyOrg(deps: ClassifyDeps, request: ClassifyRequest): Promise<ClassifiedRepo[]> {
  const out: ClassifiedRepo[] = [];
  const stream = deps.reader.readOrg(request.org, {
    ...(request.repos && request.repos.length > 0 ? { repos: request.repos } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
  });
  for await (const live of stream) {
    const repoConfig = parseLiveRepoConfig(live, deps.policy);
    const classification = classifyRepo(live, deps.policy, repoConfig);
    const props = live.customProperties;
    out.push({
      repo: live.repo.fullName,
      name: live.repo.name,
      owner: live.repo.owner,
      ownerType: live.repo.ownerType,
      classification,
      status: live.readError !== null && classification.status === 'classified' ? 'error' : classification.status,
      error: live.readError,
      property: { readable: props !== null, value: props === null ? undefined : props[TIER_PROPERTY] },
    });
  }
  return out;
}

/**
 * The one stderr line when repositories could not be read (exit 4), in the words
 * assess uses (src/core/completeness.ts); null when every repository was read.
 * Classification reads no protection, so the only cause here is a failed read.
 */
export function describePartialClassify(repos: readonly ClassifiedRepo[]): string | null {
  const incomplete = summarizeIncomplete(repos.map((r) => ({ repo: r.repo, status: r.status, access: 'unknown' as const })));
  return describeIncomplete(incomplete, { total: repos.length, done: 'classified' });
}

export function summarizeClassification(repos: readonly ClassifiedRepo[]): ClassifySummary {
  const byTier: Record<string, number> = {};
  const byEvidence: Record<string, number> = {};
  for (const r of repos) {
    if (r.status !== 'classified' || r.classification.tier === null) continue;
    byTier[r.classification.tier] = (byTier[r.classification.tier] ?? 0) + 1;
    const kind = r.classification.evidence?.kind ?? 'none';
    byEvidence[kind] = (byEvidence[kind] ?? 0) + 1;
  }
  return {
    repos: repos.length,
    classified: repos.filter((r) => r.status === 'classified').length,
    skipped: repos.filter((r) => r.status === 'skipped').length,
    errors: repos.filter((r) => r.status === 'error').length,
    byTier,
    byEvidence,
  };
}

/** Which `qms_tier` values to write (pure). */
export function planPropertyWrites(repos: readonly ClassifiedRepo[]): PropertyPlan {
  const plan: PropertyPlan = { changes: [], skipped: [] };
  for (const r of repos) {
    const c = r.classification;
    if (r.status !== 'classified' || c.tier === null || !c.evidence) continue;
    if (!PROPERTY_WRITABLE_EVIDENCE.includes(c.evidence.kind)) continue;
    if (r.ownerType !== 'Organization') {
      plan.skipped.push({ repo: r.repo, reason: 'owned by a user account, which has no custom properties' });
      continue;
    }
    if (!r.property.readable) {
      plan.skipped.push({ repo: r.repo, reason: 'its custom properties could not be read, so the current value is unknown' });
      continue;
    }
    const current = propertyValueText(r.property.value);
    if (current === c.tier) continue;
    plan.changes.push({ repo: r.repo, name: r.name, from: current, to: c.tier, evidence: c.evidence.kind, status: 'planned', error: null });
  }
  return plan;
}

export interface PropertyWriteResult {
  runId: number;
  changeSetId: number;
  changes: PropertyChange[];
  status: 'completed' | 'partial' | 'failed' | 'interrupted';
}

export interface PropertyRunDeps extends MutatingRunDeps {
  gateway: GitHubGateway;
  logger: Logger;
  signal?: AbortSignal;
}

export interface PropertyRunResult {
  repos: ClassifiedRepo[];
  plan: PropertyPlan;
  /** null: nothing to write, or not confirmed. */
  result: PropertyWriteResult | null;
  declined: boolean;
}

/** The property plan as the engine's planned changes (`set` intents, batched by the executor). */
export function toPlannedPropertyChanges(org: string, plan: PropertyPlan): PlannedChange[] {
  // Same value, same request: ordered by target value so the executor batches them (≤30 a PATCH).
  const ordered = [...plan.changes].sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
  return ordered.map((c, i) => ({
    id: i + 1,
    kind: 'custom_property',
    repo: `${org}/${c.name}`,
    key: TIER_PROPERTY,
    intent: { mode: 'set', value: c.to },
  }));
}

/** The property plan run through the change engine inside a mutating run. */
async function executePropertyPlan(deps: PropertyRunDeps, run: MutatingRun, org: string, plan: PropertyPlan): Promise<PropertyWriteResult> {
  const set = run.createChangeSet({ kind: 'properties', org, details: { property: TIER_PROPERTY, repositories: plan.changes.length } });
  const executed = await executePlan(
    {
      gateway: deps.gateway,
      store: deps.store,
      lock: run.lock,
      logger: deps.logger,
      ...(deps.signal ? { signal: deps.signal } : {}),
      // Property values are set through the organization: only the owner and name matter.
      repo: async (full) => {
        const i = full.indexOf('/');
        return { owner: full.slice(0, i), name: full.slice(i + 1), fullName: full, ownerType: 'Organization' } as RepoInfo;
      },
    },
    toPlannedPropertyChanges(org, plan),
    set,
    { isolateRepos: false, summary: { property: TIER_PROPERTY } },
  );
  const byRepo = new Map(executed.results.map((r) => [r.change.repo.toLowerCase(), r]));
  const changes = plan.changes.map((c): PropertyChange => {
    const r = byRepo.get(`${org}/${c.name}`.toLowerCase());
    if (!r) return { ...c };
    const ok = r.status === 'verified' || r.status === 'unchanged';
    const status = ok ? 'verified' : r.status === 'pending' ? 'written' : r.status === 'not_attempted' ? 'planned' : 'failed';
    return { ...c, status, error: ok ? null : (r.error ?? r.reason) };
  });
  return { runId: run.run.id, changeSetId: executed.changeSetId, changes, status: executed.status };
}

function runStatusOf(result: PropertyWriteResult): 'succeeded' | 'partial' | 'failed' | 'interrupted' {
  return result.status === 'completed' ? 'succeeded' : result.status;
}

const PROPERTY_RUN = { kind: 'classify', args: { writeProperties: true, property: TIER_PROPERTY } } as const;

/** Write a property plan (a mutating run of its own). */
export async function applyPropertyWrites(deps: PropertyRunDeps, org: string, plan: PropertyPlan): Promise<PropertyWriteResult> {
  return withMutatingRun<PropertyWriteResult>(deps, { ...PROPERTY_RUN, org }, async (run) => {
    const result = await executePropertyPlan(deps, run, org, plan);
    return { value: result, status: runStatusOf(result), summary: { changeSetId: result.changeSetId, status: result.status } };
  });
}

/**
 * `classify --write-properties`: a mutating run (recorded before anything is read), the
 * classification (`classify`, the caller's read), the plan, a confirmation, then the
 * writes through the change engine — snapshotted, verified and roll-back-able like any
 * other change.
 */
export async function runPropertyWrites(
  deps: PropertyRunDeps,
  org: string,
  classify: () => Promise<ClassifiedRepo[]>,
  confirm: (plan: PropertyPlan) => Promise<boolean>,
): Promise<PropertyRunResult> {
  return withMutatingRun<PropertyRunResult>(deps, { ...PROPERTY_RUN, org }, async (run) => {
    const repos = await classify();
    const plan = planPropertyWrites(repos);
    if (plan.changes.length === 0)
      return { value: { repos, plan, result: null, declined: false }, status: 'succeeded', summary: { changes: 0 } };
    if (!(await confirm(plan)))
      return {
        value: { repos, plan, result: null, declined: true },
        status: 'succeeded',
        summary: { changes: plan.changes.length, declined: true },
      };
    const result = await executePropertyPlan(deps, run, org, plan);
    return {
      value: { repos, plan, result, declined: false },
      status: runStatusOf(result),
      summary: { changeSetId: result.changeSetId, status: result.status },
    };
  });
}

/** 4 when a repository could not be read or a write failed; else 0. */
export function classifyExitCode(summary: ClassifySummary, writes: PropertyWriteResult | null): number {
  if (summary.errors > 0) return ExitCode.Partial;
  if (writes && writes.status !== 'completed') return ExitCode.Partial;
  return ExitCode.Ok;
}

export type { PolicyOrigin };
