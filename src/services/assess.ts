/**
 * `qms assess`: evaluate every repository of an org against its tier, store the
 * run (runs, findings, repo_results, summary) and return the data to render.
 *
 * Exit codes (DESIGN.md): 0 nothing at or above `failOn`; 1 findings at or above
 * it; 4 some repositories could not be read or fully seen (status `error` or
 * `unknown`: unknown is never compliant; the rest assessed and recorded). 4 outranks
 * 1 (src/core/completeness.ts says why); `summary.failing` still counts the findings.
 * Errors about the whole run (401, org not found, interrupt) are thrown after the
 * run is marked failed/interrupted; the CLI's error handler turns them into 3/130.
 */
import { ExitCode, InterruptedError, UsageError } from '../core/errors.js';
import type { Classification } from '../core/classify.js';
import { describeIncomplete, summarizeIncomplete, type Incompleteness } from '../core/completeness.js';
import {
  SEVERITIES,
  meetsFailOn,
  summarizeByTier,
  type AssessmentStatus,
  type Finding,
  type RepoAssessment,
  type Severity,
  type TierSummary,
} from '../core/gap-analysis.js';
import type { RepoAccess } from '../core/live-state.js';
import type { QmsPolicy } from '../core/policy.js';
import type { Logger } from '../output/logger.js';
import type { FindingInput, RepoResultInput, RepoResultStatus, Store } from '../store/types.js';
import { evaluateOrg, resolveTierOption } from './evaluate.js';
import type { LiveStateReader } from './evaluation.js';

export const FAIL_ON_VALUES = ['critical', 'high', 'medium', 'low', 'none'] as const;
export type FailOn = (typeof FAIL_ON_VALUES)[number];

/** What the user asked for. */
export interface AssessRequest {
  org: string;
  /** Only these repository names (within the org). */
  repos?: string[];
  /** Only repositories classified into this tier. */
  tier?: string;
  failOn: FailOn;
  /** Repositories read at once (recorded with the run). */
  concurrency?: number;
}

/** Where the policy came from, as reports name it. */
export type PolicyOrigin = { kind: 'builtin' } | { kind: 'file'; label: string };

export interface AssessDeps {
  reader: LiveStateReader;
  policy: QmsPolicy;
  policyOrigin: PolicyOrigin;
  store: Store;
  /** The authenticated login (the run's actor). */
  actor: string | null;
  apiUrl: string | null;
  toolVersion: string | null;
  logger?: Logger;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number | null) => void;
  now?: () => Date;
}

/** One repository in the report: its classification and assessment, without the raw live state. */
export interface AssessedRepo {
  repo: string;
  name: string;
  access: RepoAccess;
  classification: Classification;
  assessment: RepoAssessment;
  counts: Record<Severity, number>;
}

export interface AssessSummary {
  repos: number;
  byStatus: Record<AssessmentStatus, number>;
  compliant: number;
  findings: Record<Severity, number> & { total: number };
  /** Findings at or above `failOn`. */
  failing: number;
  tiers: TierSummary[];
  /** Repositories that could not be read. */
  failedRepos: string[];
  /** Repositories not fully assessed (unknown or error), by cause: any makes the run partial (exit 4). */
  notFullyAssessed: Incompleteness;
}

export interface AssessReport {
  runId: number;
  org: string;
  generatedAt: string;
  toolVersion: string | null;
  policy: PolicyOrigin;
  filters: { repos: string[] | null; tier: string | null };
  failOn: FailOn;
  readerKind: LiveStateReader['kind'];
  repos: AssessedRepo[];
  findings: Finding[];
  summary: AssessSummary;
  exitCode: number;
}

/** `--fail-on` value, or a UsageError naming the valid ones. */
export function parseFailOn(value: string | undefined): FailOn {
  if (value === undefined) return 'high';
  const v = value.trim().toLowerCase();
  if ((FAIL_ON_VALUES as readonly string[]).includes(v)) return v as FailOn;
  throw new UsageError(`--fail-on must be one of ${FAIL_ON_VALUES.join(', ')}; got "${value}"`);
}

function emptyCounts(): Record<Severity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0 };
}

export function countBySeverity(findings: readonly Pick<Finding, 'severity'>[]): Record<Severity, number> {
  const counts = emptyCounts();
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

function storeStatus(status: AssessmentStatus): RepoResultStatus {
  switch (status) {
    case 'assessed':
      return 'ok';
    case 'error':
      return 'failed';
    case 'unknown':
      return 'unknown';
    case 'skipped':
    case 'not_applicable':
      // The store has no "not applicable": nothing was judged, like a skip; the
      // assessment status is kept in the details.
      return 'skipped';
  }
}

function toRepoResult(r: AssessedRepo): RepoResultInput {
  const a = r.assessment;
  return {
    repo: r.repo,
    status: storeStatus(a.status),
    reason: a.reason,
    tier: a.tier,
    level: a.level,
    details: {
      status: a.status,
      access: r.access,
      compliant: a.compliant,
      levelReason: a.levelReason,
      classification: {
        status: r.classification.status,
        evidence: r.classification.evidence,
        reason: r.classification.reason,
      },
      counts: r.counts,
      branches: a.branches,
      patterns: a.patterns,
      notes: a.notes,
    },
  };
}

function toFindingInput(f: Finding): FindingInput {
  return {
    repo: f.repo,
    branch: f.branch,
    setting: f.setting,
    expected: f.expected,
    actual: f.actual,
    severity: f.severity,
    tier: f.tier,
    status: 'gap',
    message: f.message,
  };
}

/** Per-run summary: what the store keeps in `runs.summary` and the reports show. */
export function summarize(repos: readonly AssessedRepo[], findings: readonly Finding[], policy: QmsPolicy, failOn: FailOn): AssessSummary {
  const byStatus: Record<AssessmentStatus, number> = { assessed: 0, unknown: 0, not_applicable: 0, skipped: 0, error: 0 };
  for (const r of repos) byStatus[r.assessment.status] += 1;
  const counts = countBySeverity(findings);
  const failing = failOn === 'none' ? 0 : findings.filter((f) => meetsFailOn([f], failOn)).length;
  return {
    repos: repos.length,
    byStatus,
    compliant: repos.filter((r) => r.assessment.compliant).length,
    findings: { ...counts, total: findings.length },
    failing,
    tiers: summarizeByTier(
      repos.map((r) => r.assessment),
      policy.tiers,
    ),
    failedRepos: repos.filter((r) => r.assessment.status === 'error').map((r) => r.repo),
    notFullyAssessed: summarizeIncomplete(repos.map((r) => ({ repo: r.repo, status: r.assessment.status, access: r.access }))),
  };
}

/**
 * 4 when a repository could not be read or fully seen (unknown is never compliant),
 * else 1 when a finding is at or above `failOn`, else 0.
 */
export function exitCodeFor(summary: AssessSummary): number {
  if (summary.notFullyAssessed.repos > 0) return ExitCode.Partial;
  if (summary.failing > 0) return ExitCode.Findings;
  return ExitCode.Ok;
}

/** The one stderr line of a partial run (null when every repository was fully assessed). */
export function describePartialAssess(summary: AssessSummary, failOn: FailOn): string | null {
  return describeIncomplete(summary.notFullyAssessed, {
    total: summary.repos,
    done: 'fully assessed',
    failing: { count: summary.failing, failOn },
  });
}

/** Flush stored results every this many repositories: one fsync per batch, not per row. */
const STORE_BATCH = 50;

export async function runAssess(deps: AssessDeps, request: AssessRequest): Promise<AssessReport> {
  const tier = request.tier === undefined ? undefined : resolveTierOption(deps.policy, request.tier);
  const now = deps.now ?? (() => new Date());
  const run = deps.store.runs.start({
    kind: 'assess',
    org: request.org,
    args: {
      repos: request.repos ?? null,
      tier: tier ?? null,
      failOn: request.failOn,
      concurrency: request.concurrency ?? null,
      reader: deps.reader.kind,
      policy: deps.policyOrigin.kind === 'file' ? deps.policyOrigin.label : 'builtin',
    },
    actor: deps.actor,
    apiUrl: deps.apiUrl,
    toolVersion: deps.toolVersion,
  });

  const repos: AssessedRepo[] = [];
  const findings: Finding[] = [];
  let pending: AssessedRepo[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    deps.store.transaction(() => {
      for (const r of batch) {
        deps.store.runs.setRepoResult(run.id, toRepoResult(r));
        if (r.assessment.findings.length > 0) deps.store.runs.addFindings(run.id, r.assessment.findings.map(toFindingInput));
      }
    });
  };

  try {
    const stream = evaluateOrg(
      { reader: deps.reader, policy: deps.policy, ...(deps.logger ? { logger: deps.logger } : {}) },
      {
        org: request.org,
        ...(request.repos && request.repos.length > 0 ? { repos: request.repos } : {}),
        ...(tier !== undefined ? { tier } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      },
    );
    for await (const evaluation of stream) {
      const a = evaluation.assessment;
      const entry: AssessedRepo = {
        repo: a.repo,
        name: evaluation.live.repo.name,
        access: evaluation.live.access,
        classification: evaluation.classification,
        assessment: a,
        counts: countBySeverity(a.findings),
      };
      repos.push(entry);
      findings.push(...a.findings);
      pending.push(entry);
      if (pending.length >= STORE_BATCH) flush();
    }
    flush();
  } catch (err) {
    // Keep what was assessed; say how the run ended.
    try {
      flush();
      const status = err instanceof InterruptedError ? 'interrupted' : 'failed';
      const partial = summarize(repos, findings, deps.policy, request.failOn);
      deps.store.runs.finish(run.id, status, { ...partial, error: err instanceof Error ? err.message : String(err) });
    } catch (storeErr) {
      deps.logger?.debug(`could not record the end of run ${run.id}: ${storeErr instanceof Error ? storeErr.message : String(storeErr)}`);
    }
    throw err;
  }

  const summary = summarize(repos, findings, deps.policy, request.failOn);
  const exitCode = exitCodeFor(summary);
  const status = summary.notFullyAssessed.repos > 0 ? 'partial' : 'succeeded';
  deps.store.runs.finish(run.id, status, { ...summary, failOn: request.failOn, exitCode });

  return {
    runId: run.id,
    org: request.org,
    generatedAt: now().toISOString(),
    toolVersion: deps.toolVersion,
    policy: deps.policyOrigin,
    filters: { repos: request.repos && request.repos.length > 0 ? [...request.repos] : null, tier: tier ?? null },
    failOn: request.failOn,
    readerKind: deps.reader.kind,
    repos,
    findings,
    summary,
    exitCode,
  };
}

export { SEVERITIES };

// ---------------------------------------------------------------------------
// Arguments shared by the org commands (assess, classify)

/** GitHub logins: alphanumerics and single hyphens, at most 39 characters. */
const ORG_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** GitHub repository names: letters, digits, `.`, `-`, `_`; at most 100 characters. */
const REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/;

function shown(value: string): string {
  const cut = value.length > 60 ? `${value.slice(0, 59)}…` : value;
  return JSON.stringify(cut);
}

/** `--org`, required and a valid login; UsageError otherwise (nothing reaches the API). */
export function parseOrgOption(org: string | undefined): string {
  if (org === undefined || org.trim() === '') throw new UsageError('--org is required (the organization login, e.g. --org acme)');
  if (!ORG_LOGIN.test(org))
    throw new UsageError(`--org must be an organization login (letters, digits, single hyphens); got ${shown(org)}`);
  return org;
}

/** `--repo` values: names within `org` (or `org/name`); de-duplicated, in the order given. */
export function parseRepoOptions(org: string, repos: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const raw of repos ?? []) {
    let name = raw.trim();
    const slash = name.indexOf('/');
    if (slash !== -1) {
      const owner = name.slice(0, slash);
      if (owner.toLowerCase() !== org.toLowerCase()) {
        throw new UsageError(`--repo ${shown(raw)} is not in --org ${org}; give the name within the organization`);
      }
      name = name.slice(slash + 1);
    }
    if (!REPO_NAME.test(name) || name === '.' || name === '..') {
      throw new UsageError(`--repo must be a repository name (letters, digits, ".", "-", "_"); got ${shown(raw)}`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** `--concurrency`: an integer from 1 to 32 (GitHub allows 100 concurrent requests per token, shared with everything else). */
export function parseConcurrencyOption(value: string | undefined, fallback = 8): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 32)
    throw new UsageError(`--concurrency must be a whole number from 1 to 32; got ${shown(value)}`);
  return n;
}
