/**
 * CONTRACT shared by assess, classify, plan, apply and drift: one evaluated
 * repository, and the readers that produce live state. The assess work owns the
 * implementation (src/services/evaluate.ts, src/services/readers/*); plan/apply
 * consume it.
 */
import type { Classification } from '../core/classify.js';
import type { RepoAssessment } from '../core/gap-analysis.js';
import type { ParsedRepoConfig, RepoLiveState } from '../core/live-state.js';
import type { TierPolicy } from '../core/policy.js';
import type { RepoRef } from '../core/github-types.js';

/** Everything qms concluded about one repository in one pass. */
export interface RepoEvaluation {
  live: RepoLiveState;
  repoConfig: ParsedRepoConfig;
  classification: Classification;
  /** The tier policy after the repo config's tightenings; null when skipped or unclassified. */
  tier: TierPolicy | null;
  assessment: RepoAssessment;
}

export interface ReadOrgOptions {
  /** Only these repositories (names within the org); all when absent. */
  repos?: string[];
  /** Include archived/disabled repos in the stream (they are skipped by classification). Default true. */
  includeArchived?: boolean;
  signal?: AbortSignal;
  /** Called as repositories complete (for progress output). */
  onProgress?: (done: number, total: number | null) => void;
}

/**
 * Produces live state. Two implementations: per-repository REST (plus GraphQL
 * for the classic rule list) and the batched GraphQL reader (issue 5). Assess
 * code must produce the same findings from either.
 */
export interface LiveStateReader {
  readonly kind: 'rest' | 'graphql';
  /** Every repository of the org, in name order. A repo that fails yields a state with `readError`. */
  readOrg(org: string, options?: ReadOrgOptions): AsyncIterable<RepoLiveState>;
  /** One repository, freshly (used right before writes and by rollback). */
  readRepo(repo: RepoRef, options?: { signal?: AbortSignal }): Promise<RepoLiveState>;
}

export interface EvaluateOptions extends ReadOrgOptions {
  org: string;
  /** Only repositories classified into this tier. */
  tier?: string;
}
