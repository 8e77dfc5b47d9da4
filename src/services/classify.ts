/**
 * `qms classify`: the tier of every repository with its evidence and reason, and
 * optionally (`--write-properties`) the custom property `qms_tier` set to match.
 *
 * Classification reads only what it needs: the org listing, custom properties and
 * the repo config file (no branch protection). Writing is restricted to
 * repositories classified by evidence weaker than the property itself (topic,
 * policy rule, default tier) and whose property differs: the property then records
 * what qms inferred, where GitHub can see it (org rulesets target by property).
 * It never overrides a property that decided the tier, and never follows a repo
 * config (a file repository writers may edit) into an org-controlled property.
 *
 * Writes follow the store's rules: one mutating run at a time (lock), the
 * before-value committed as a change before each write, read back afterwards.
 */
import { classifyRepo, TIER_PROPERTY, type Classification, type EvidenceKind } from '../core/classify.js';
import { describeIncomplete, summarizeIncomplete } from '../core/completeness.js';
import { ExitCode, InterruptedError } from '../core/errors.js';
import type { CustomPropertyValue, RepoInfo } from '../core/github-types.js';
import type { QmsPolicy } from '../core/policy.js';
import type { GitHubGateway } from '../github/gateway.js';
import type { Logger } from '../output/logger.js';
import type { ChangeRecord, Store } from '../store/types.js';
import type { PolicyOrigin } from './assess.js';
import { parseLiveRepoConfig } from './evaluate.js';
import type { LiveStateReader } from './evaluation.js';
import { mapConcurrentOrdered } from './readers/ordered-pool.js';

/** Evidence the `qms_tier` property may be written from (weaker than the property). */
export const PROPERTY_WRITABLE_EVIDENCE: readonly EvidenceKind[] = ['topic', 'policy-rule', 'default'];

/** GitHub takes at most 30 repositories per PATCH /orgs/{org}/properties/values. */
export const PROPERTY_BATCH_SIZE = 30;

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

export function propertyValueText(value: CustomPropertyValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  return Array.isArray(value) ? value.join(', ') : value;
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

export interface ApplyPropertyDeps {
  gateway: GitHubGateway;
  store: Store;
  actor: string;
  apiUrl: string | null;
  toolVersion: string | null;
  /** The command line for the lock (`qms classify --org acme --write-properties`). */
  command: string;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface PropertyWriteResult {
  runId: number;
  changeSetId: number;
  changes: PropertyChange[];
  status: 'completed' | 'partial' | 'failed';
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}

/**
 * Write the plan: lock, run, change set; per batch of ≤30 repositories with the
 * same value: intents committed, PATCH, results; then read each value back.
 */
export async function applyPropertyWrites(deps: ApplyPropertyDeps, org: string, plan: PropertyPlan): Promise<PropertyWriteResult> {
  const { store } = deps;
  const lock = store.lock.acquire({ command: deps.command, actor: deps.actor });
  try {
    const run = store.runs.start({
      kind: 'classify',
      org,
      args: { writeProperties: true, property: TIER_PROPERTY, repos: plan.changes.map((c) => c.repo) },
      actor: deps.actor,
      apiUrl: deps.apiUrl,
      toolVersion: deps.toolVersion,
    });
    const set = store.changeSets.create({
      runId: run.id,
      kind: 'properties',
      org,
      actor: deps.actor,
      details: { property: TIER_PROPERTY, repositories: plan.changes.length },
    });
    store.changeSets.start(set.id);
    const changes = plan.changes.map((c) => ({ ...c }));
    const records = new Map<string, ChangeRecord>();

    const finish = (status: 'completed' | 'partial' | 'failed' | 'interrupted') => {
      const counts = { verified: 0, failed: 0, written: 0, planned: 0 };
      for (const c of changes) counts[c.status] += 1;
      store.changeSets.finish(set.id, status, counts);
      store.runs.finish(run.id, status === 'completed' ? 'succeeded' : status === 'interrupted' ? 'interrupted' : status === 'partial' ? 'partial' : 'failed', counts);
    };

    try {
      // Same value, same request: group by target tier, then batches of 30.
      const byValue = new Map<string, PropertyChange[]>();
      for (const c of changes) byValue.set(c.to, [...(byValue.get(c.to) ?? []), c]);
      for (const [value, group] of byValue) {
        for (let i = 0; i < group.length; i += PROPERTY_BATCH_SIZE) {
          if (deps.signal?.aborted) throw deps.signal.reason instanceof Error ? deps.signal.reason : new InterruptedError();
          const batch = group.slice(i, i + PROPERTY_BATCH_SIZE);
          lock.assertHeld();
          store.transaction(() => {
            for (const c of batch) {
              records.set(
                c.repo,
                store.changeSets.recordIntent({
                  changeSetId: set.id,
                  repo: c.repo,
                  targetKind: 'custom_property',
                  targetKey: TIER_PROPERTY,
                  beforeState: c.from === null ? null : { property_name: TIER_PROPERTY, value: c.from },
                  beforeModel: c.from === null ? null : { [TIER_PROPERTY]: c.from },
                  intendedModel: { [TIER_PROPERTY]: value },
                }),
              );
            }
          });
          try {
            await deps.gateway.setCustomProperties(org, batch.map((c) => c.name), { [TIER_PROPERTY]: value });
            store.transaction(() => {
              for (const c of batch) {
                c.status = 'written';
                store.changeSets.recordResult(records.get(c.repo)!.id, { status: 'written' });
              }
            });
          } catch (err) {
            if (err instanceof InterruptedError) throw err;
            const text = message(err);
            deps.logger?.warn(`setting ${TIER_PROPERTY} on ${batch.length} repositories failed: ${text}`);
            store.transaction(() => {
              for (const c of batch) {
                c.status = 'failed';
                c.error = text;
                store.changeSets.recordResult(records.get(c.repo)!.id, { status: 'failed', error: text });
              }
            });
          }
        }
      }

      // Read back what was written.
      const written = changes.filter((c) => c.status === 'written');
      const owner = org;
      const readBack = mapConcurrentOrdered(written, 4, async (c) => {
        try {
          const props = await deps.gateway.getCustomProperties({ owner, name: c.name });
          return { c, value: propertyValueText(props[TIER_PROPERTY]), error: null as string | null };
        } catch (err) {
          if (err instanceof InterruptedError) throw err;
          return { c, value: null, error: message(err) };
        }
      });
      for await (const { c, value, error } of readBack) {
        const record = records.get(c.repo)!;
        if (error === null && value === c.to) {
          c.status = 'verified';
          store.changeSets.recordResult(record.id, {
            status: 'verified',
            afterState: { property_name: TIER_PROPERTY, value },
            afterModel: { [TIER_PROPERTY]: value },
          });
        } else {
          c.status = 'failed';
          c.error = error ?? `read back ${value === null ? 'no value' : `"${value}"`} instead of "${c.to}"`;
          store.changeSets.recordResult(record.id, { status: 'failed', error: c.error, afterModel: { [TIER_PROPERTY]: value } });
        }
      }
    } catch (err) {
      finish(err instanceof InterruptedError ? 'interrupted' : 'failed');
      throw err;
    }

    const failed = changes.filter((c) => c.status !== 'verified').length;
    const status = failed === 0 ? 'completed' : failed === changes.length ? 'failed' : 'partial';
    finish(status);
    return { runId: run.id, changeSetId: set.id, changes, status };
  } finally {
    lock.release();
  }
}

/** 4 when a repository could not be read or a write failed; else 0. */
export function classifyExitCode(summary: ClassifySummary, writes: PropertyWriteResult | null): number {
  if (summary.errors > 0) return ExitCode.Partial;
  if (writes && writes.status !== 'completed') return ExitCode.Partial;
  return ExitCode.Ok;
}

export type { PolicyOrigin };
