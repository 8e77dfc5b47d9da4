/**
 * Evaluation: live state -> repo config -> classification -> tier -> gap analysis,
 * for every repository of an org (a stream) or for one repository.
 *
 * Pure orchestration over a {@link LiveStateReader}: no output, no store, no
 * Octokit. assess, classify, plan, apply and drift all start here, so they agree
 * on which tier a repository is in and what it lacks, whichever reader (per-repo
 * REST or batched GraphQL) produced the live state.
 */
import { classifyRepo, resolveTierName } from '../core/classify.js';
import { UsageError } from '../core/errors.js';
import { assessRepo, resolveTierPolicy } from '../core/gap-analysis.js';
import type { RepoRef } from '../core/github-types.js';
import { toParsedRepoConfig, type ParsedRepoConfig, type RepoLiveState } from '../core/live-state.js';
import type { QmsPolicy } from '../core/policy.js';
import { parseRepoConfig } from '../config/repo-config.js';
import type { Logger } from '../output/logger.js';
import type { EvaluateOptions, LiveStateReader, RepoEvaluation } from './evaluation.js';

export type { EvaluateOptions, LiveStateReader, ReadOrgOptions, RepoEvaluation } from './evaluation.js';

export interface EvaluateDeps {
  reader: LiveStateReader;
  policy: QmsPolicy;
  logger?: Logger;
}

/** What a reader must read for one repository so assess can judge it. */
export interface ReadTargets {
  /** Branch targets of the tier: `~DEFAULT_BRANCH`, names, patterns such as `release/*`. */
  branches: string[];
  /** The tier compares merge settings (GitHub's org listing does not carry them). */
  mergeSettings: boolean;
  /**
   * Some tier of the policy asks for code owner review, so whether CODEOWNERS names
   * usable owners matters (for the findings, and for the level against every tier).
   */
  codeOwners: boolean;
}

/**
 * What a reader must read for one repository, decided from what it has read so far
 * (listing, custom properties, repo config file). `null`: nothing more (the
 * repository is skipped, or not in the tier asked for).
 */
export type BranchTargetsResolver = (live: RepoLiveState) => ReadTargets | null;

/** The repo config as src/config parses it, checked against this policy's tiers. */
export function parseLiveRepoConfig(live: RepoLiveState, policy: QmsPolicy): ParsedRepoConfig {
  return toParsedRepoConfig(live.repoConfigFile, (text, path) => parseRepoConfig(text, path, { policy, repository: live.repo.fullName }));
}

/**
 * The policy's name for `--tier` input (lenient on case and `-`/`_`, like tier
 * evidence). UsageError naming the valid tiers when there is no such tier.
 */
export function resolveTierOption(policy: QmsPolicy, tier: string): string {
  const resolved = resolveTierName(policy, tier);
  if (resolved === null) {
    const valid = Object.values(policy.tiers)
      .sort((a, b) => b.rank - a.rank)
      .map((t) => t.name);
    throw new UsageError(`--tier: unknown tier "${tier}"; the policy defines ${valid.join(', ')}`);
  }
  return resolved;
}

/** Evaluate one live state (no I/O beyond parsing the repo config text it carries). */
export function evaluateLiveState(live: RepoLiveState, policy: QmsPolicy): RepoEvaluation {
  const repoConfig = parseLiveRepoConfig(live, policy);
  const classification = classifyRepo(live, policy, repoConfig);
  const tier =
    classification.status === 'classified'
      ? resolveTierPolicy(policy.tiers, classification.tier, repoConfig, live.repo.defaultBranch)
      : null;
  const assessment = assessRepo(live, classification, tier, { tiers: policy.tiers, repoConfig, roles: policy.roles });
  return { live, repoConfig, classification, tier, assessment };
}

/**
 * What a reader must read per repository so assess can judge it: the targets of
 * the repository's tier after its repo config's tightenings. With `tier`, only
 * repositories classified into it are read in full.
 */
export function createBranchTargetsResolver(policy: QmsPolicy, options: { tier?: string } = {}): BranchTargetsResolver {
  const wanted = options.tier === undefined ? undefined : resolveTierOption(policy, options.tier);
  const codeOwners = Object.values(policy.tiers).some((t) =>
    t.branches.some((b) => b.protection.requiredReviews?.requireCodeOwnerReviews === true),
  );
  return (live) => {
    const repoConfig = parseLiveRepoConfig(live, policy);
    const classification = classifyRepo(live, policy, repoConfig);
    if (classification.status !== 'classified' || classification.tier === null) return null;
    if (wanted !== undefined && classification.tier !== wanted) return null;
    const tier = resolveTierPolicy(policy.tiers, classification.tier, repoConfig, live.repo.defaultBranch);
    return tier ? { branches: tier.branches.map((b) => b.pattern), mergeSettings: Object.keys(tier.merge).length > 0, codeOwners } : null;
  };
}

/**
 * Every repository of `options.org` (or `options.repos`), evaluated, in the
 * reader's order (name order). A repository the reader could not read comes out
 * with `assessment.status === 'error'`; the stream goes on. With `options.tier`,
 * repositories classified into another tier (and skipped ones) are left out.
 * Errors that concern the whole run (auth, org not found, interrupt) are thrown.
 */
export async function* evaluateOrg(deps: EvaluateDeps, options: EvaluateOptions): AsyncGenerator<RepoEvaluation> {
  const wanted = options.tier === undefined ? undefined : resolveTierOption(deps.policy, options.tier);
  const { org, tier: _tier, ...readOptions } = options;
  for await (const live of deps.reader.readOrg(org, readOptions)) {
    const evaluation = evaluateLiveState(live, deps.policy);
    if (wanted !== undefined && evaluation.classification.tier !== wanted) {
      deps.logger?.debug(`${live.repo.fullName}: tier ${evaluation.classification.tier ?? 'none'}, not ${wanted}; left out`);
      continue;
    }
    deps.logger?.debug(`${live.repo.fullName}: ${evaluation.classification.tier ?? 'skipped'} -> ${evaluation.assessment.status}`);
    yield evaluation;
  }
}

/** One repository, freshly read and evaluated (before writes, for rollback checks). */
export async function evaluateRepo(deps: EvaluateDeps, repo: RepoRef, options: { signal?: AbortSignal } = {}): Promise<RepoEvaluation> {
  const live = await deps.reader.readRepo(repo, options.signal ? { signal: options.signal } : {});
  return evaluateLiveState(live, deps.policy);
}
