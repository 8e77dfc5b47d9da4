/**
 * The per-repository REST reader (plus one GraphQL query for the classic rule
 * list, which REST cannot give): live state for assess, classify, plan and drift.
 *
 * Per repository, in this order:
 *   1. from the org listing: the repository, and the caller's permission (access);
 *   2. the repo config file `.qms/branch-protection.yml` and the custom properties
 *      (from the listing when it carried any, else GET …/properties/values);
 *   3. `targetsFor(live)` — the caller (the policy) says which branch targets the
 *      repository's tier needs; nothing more is read when it answers null
 *      (skipped repositories, other tiers, `qms classify`);
 *   4. branches, rulesets (repository + organization, with conditions), and the
 *      classic rule list with patterns when a target is a pattern and the token is
 *      admin (the only way to know whether future `release/*` branches are covered);
 *   5. per branch the policy targets (the default branch plus existing branches
 *      matching a target): classic protection (GET …/protection, disambiguated by the
 *      gateway) and the rules GitHub applies (GET …/rules/branches/{b}).
 *
 * What this identity cannot see is recorded as such, never as "unprotected":
 * without admin, access is `read-only` and classic protection is not requested (it
 * would be a 404); a plan 403 makes access `plan-unavailable`. A repository whose
 * reads fail after the gateway's retries gets `readError` and the run goes on
 * (STYLE habit 7); only errors about the whole run (common.ts isRunFatal: 401, an
 * interrupt, a rate limit still refusing, a request budget) end it.
 */
import { errorText, InterruptedError, NotFoundError, PermissionError, PlanUnavailableError } from '../../core/errors.js';
import { isWildcardPattern, matchesBranchPattern } from '../../core/branch-patterns.js';
import type {
  AppliedRule,
  ClassicProtectionRead,
  CustomPropertyValue,
  ProtectionRule,
  RepoInfo,
  RepoRef,
  Ruleset,
} from '../../core/github-types.js';
import { createLiveState, REPO_CONFIG_PATH, type RepoConfigFile, type RepoLiveState } from '../../core/live-state.js';
import {
  accessOf,
  appInstallationsFor,
  isRunFatal,
  nameBypassTeams,
  pinsCheckToApp,
  readCustomPropertiesOrNull,
  readRepoConfigFile,
} from './common.js';
import type { GitHubGateway } from '../../github/gateway.js';
import type { Logger } from '../../output/logger.js';
import type { LiveStateReader, ReadOrgOptions } from '../evaluation.js';
import { mapConcurrentOrdered } from './ordered-pool.js';

/** `.qms/branch-protection.yml`. */
export const REPO_CONFIG_FILE = REPO_CONFIG_PATH;

/** What to read for a repository (see the module comment, step 3); null: nothing more. */
export type TargetsFor = (
  live: RepoLiveState,
) => { readonly branches: readonly string[]; readonly mergeSettings: boolean; readonly codeOwners?: boolean } | null;

export interface RestReaderOptions {
  /** Branch targets per repository, from the policy. Default: none (listing, properties and config only). */
  targetsFor?: TargetsFor;
  /** Repositories read at once (default 8). */
  concurrency?: number;
  /** Branch reads at once within one repository (default 4). */
  branchConcurrency?: number;
  logger?: Logger;
}

export const DEFAULT_READ_CONCURRENCY = 8;

function byName(a: RepoInfo, b: RepoInfo): number {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Which existing branches the targets select; the default branch always (it decides the protection level). */
export function selectBranchesToRead(repo: RepoInfo, branches: readonly string[] | null, targets: readonly string[]): string[] {
  const out = new Set<string>([repo.defaultBranch]);
  for (const target of targets) {
    if (target === '~DEFAULT_BRANCH') continue;
    if (!isWildcardPattern(target)) {
      if (branches === null || branches.includes(target)) out.add(target);
      continue;
    }
    for (const b of branches ?? []) if (matchesBranchPattern(target, b)) out.add(b);
  }
  return [...out].sort();
}

export class RestLiveStateReader implements LiveStateReader {
  readonly kind = 'rest' as const;
  private readonly gateway: GitHubGateway;
  private readonly targetsFor: TargetsFor;
  private readonly concurrency: number;
  private readonly branchConcurrency: number;
  private readonly logger: Logger | undefined;
  /** Per organization (lower case), once per reader: team id → slug, and app installations. */
  private readonly teamSlugs = new Map<string, Promise<Map<number, string>>>();
  private readonly installations = new Map<string, Promise<RepoLiveState['appInstallations']>>();

  constructor(gateway: GitHubGateway, options: RestReaderOptions = {}) {
    this.gateway = gateway;
    this.targetsFor = options.targetsFor ?? (() => null);
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_READ_CONCURRENCY);
    this.branchConcurrency = Math.max(1, options.branchConcurrency ?? 4);
    this.logger = options.logger;
  }

  async *readOrg(org: string, options: ReadOrgOptions = {}): AsyncGenerator<RepoLiveState> {
    const { signal } = options;
    let repos = await this.listRepos(org, options.repos, signal);
    if (options.includeArchived === false) repos = repos.filter((r) => !r.archived && !r.disabled);
    repos.sort(byName);
    const total = repos.length;
    options.onProgress?.(0, total);
    let done = 0;
    const states = mapConcurrentOrdered(
      repos,
      this.concurrency,
      async (repo) => {
        const state = await this.readState(repo, signal);
        done++;
        options.onProgress?.(done, total);
        return state;
      },
      signal ? { signal } : {},
    );
    for await (const state of states) yield state;
  }

  async readRepo(repo: RepoRef, options: { signal?: AbortSignal } = {}): Promise<RepoLiveState> {
    if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new InterruptedError();
    const info = await this.getRepoOrExplain(repo);
    return this.readState(info, options.signal);
  }

  private async getRepoOrExplain(repo: RepoRef): Promise<RepoInfo> {
    try {
      return await this.gateway.getRepo(repo);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new NotFoundError(
          `repository ${repo.owner}/${repo.name} does not exist or this token cannot see it`,
          { status: err.status, ...(err.route ? { route: err.route } : {}), ...(err.requestId ? { requestId: err.requestId } : {}) },
          { hint: 'check the name (--repo takes the name within --org); GitHub answers 404 for repositories a token may not see' },
        );
      }
      throw err;
    }
  }

  private async listRepos(org: string, names: readonly string[] | undefined, signal: AbortSignal | undefined): Promise<RepoInfo[]> {
    if (names && names.length > 0) {
      const unique = [...new Set(names)];
      const out: RepoInfo[] = [];
      const infos = mapConcurrentOrdered(
        unique,
        this.concurrency,
        (name) => this.getRepoOrExplain({ owner: org, name }),
        signal ? { signal } : {},
      );
      for await (const info of infos) out.push(info);
      return out;
    }
    const out: RepoInfo[] = [];
    try {
      for await (const repo of this.gateway.listOrgRepos(org)) {
        out.push(repo);
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new InterruptedError();
      }
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new NotFoundError(
          `organization ${org} does not exist or this token cannot see it`,
          { status: err.status, ...(err.route ? { route: err.route } : {}), ...(err.requestId ? { requestId: err.requestId } : {}) },
          { hint: '--org takes an organization login; GitHub answers 404 for organizations a token may not see' },
        );
      }
      throw err;
    }
    return out;
  }

  /** Everything assess needs for one repository; failures become `readError`. */
  private async readState(repo: RepoInfo, signal: AbortSignal | undefined): Promise<RepoLiveState> {
    const live = createLiveState(repo, { reader: 'rest', ...accessOf(repo) });
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new InterruptedError();
    try {
      await this.fill(live);
    } catch (err) {
      if (isRunFatal(err)) throw err;
      live.readError = errorText(err);
      this.logger?.debug(`${repo.fullName}: read failed: ${live.readError}`);
    }
    return live;
  }

  private markPlanUnavailable(live: RepoLiveState, reason: string): void {
    live.access = 'plan-unavailable';
    live.accessReason = reason;
  }

  private async fill(live: RepoLiveState): Promise<void> {
    // Archived and disabled repositories are skipped by classification: nothing to read.
    if (live.repo.archived || live.repo.disabled) return;

    // REST has no "empty" flag; the gateway infers it from `size: 0`, which a small
    // repository can report too. An empty repository has no branch: check before
    // judging it "nothing to protect".
    let listed: string[] | null = null;
    if (live.repo.empty) {
      listed = await this.listBranchNames(live.repo);
      if (listed.length > 0) live.repo = { ...live.repo, empty: false };
    }
    const [file, properties] = await Promise.all([this.readRepoConfig(live.repo), this.readCustomProperties(live.repo)]);
    live.repoConfigFile = file;
    live.customProperties = properties;
    if (live.repo.empty) {
      // No commits: no branch, nothing to protect yet (assess says not applicable).
      live.branches = [];
      return;
    }

    const plan = this.targetsFor(live);
    if (plan === null) return;
    const targets = plan.branches;
    const repo = live.repo;

    const wantsPatterns = targets.some((t) => t !== '~DEFAULT_BRANCH' && isWildcardPattern(t));
    const [branches, rulesets, classicRules, merge, codeOwners] = await Promise.all([
      listed ?? this.listBranchNames(repo),
      this.readRulesets(live),
      wantsPatterns && live.access === 'admin' ? this.readClassicRules(live) : Promise.resolve(null),
      // The org listing has no merge settings; GET /repos/{o}/{r} has them for callers with push access.
      plan.mergeSettings && repo.merge === null ? this.readMergeSettings(repo) : Promise.resolve(repo.merge),
      // Code owner review binds something only with a usable CODEOWNERS file (1–4 requests).
      plan.codeOwners ? this.gateway.getCodeOwners(repo) : Promise.resolve(null),
    ]);
    if (merge !== repo.merge) live.repo = { ...live.repo, merge };
    live.branches = branches;
    live.rulesets = rulesets === null ? null : await nameBypassTeams(rulesets, repo, (org) => this.teamSlugsOf(org));
    live.codeOwners = codeOwners;
    // Without admin GitHub answers the rule list empty (GITHUB-API.md §3, pitfall 9):
    // record that answer without spending a paced GraphQL request on it. Core never
    // trusts a list as complete without admin access, so this reads as "not visible".
    live.classicRules = classicRules ?? (wantsPatterns && live.access === 'read-only' ? [] : null);
    if (live.access === 'plan-unavailable') return;

    const toRead = selectBranchesToRead(repo, branches, targets);
    const classicByBranch: Record<string, ClassicProtectionRead> = {};
    const rulesByBranch: Record<string, AppliedRule[]> = {};
    const reads = mapConcurrentOrdered(toRead, this.branchConcurrency, async (branch) => {
      const [classic, rules] = await Promise.all([
        live.access === 'admin' ? this.readClassic(repo, branch) : Promise.resolve(null),
        this.readAppliedRules(live, branch),
      ]);
      return { branch, classic, rules };
    });
    for await (const { branch, classic, rules } of reads) {
      if (classic !== null) {
        classicByBranch[branch] = classic;
        if (classic.kind === 'not_applicable') this.markPlanUnavailable(live, classic.reason);
      }
      if (rules !== null) rulesByBranch[branch] = rules;
    }
    // Without admin nothing was asked: leave `classicByBranch` null ("not read").
    live.classicByBranch = live.access === 'admin' || Object.keys(classicByBranch).length > 0 ? classicByBranch : null;
    live.rulesByBranch = rulesByBranch;
    // Which apps could post a check pinned to one: one request per organization, when a check is pinned.
    if (pinsCheckToApp(live))
      live.appInstallations = await appInstallationsFor(repo, this.installations, (org) => this.gateway.listOrgInstallations(org));
  }

  /** Team id → slug for naming ruleset bypass teams (REST names them by id only); empty when the teams cannot be listed. */
  private teamSlugsOf(org: string): Promise<Map<number, string>> {
    const key = org.toLowerCase();
    let found = this.teamSlugs.get(key);
    if (!found) {
      found = this.gateway.listTeams(org).then(
        (teams) => new Map(teams.map((t) => [t.id, t.slug])),
        (err: unknown) => {
          if (isRunFatal(err)) throw err;
          this.logger?.debug(`${org}: teams not listable (${errorText(err)}); bypass teams are named by id`);
          return new Map<number, string>();
        },
      );
      this.teamSlugs.set(key, found);
    }
    return found;
  }

  private async readRepoConfig(repo: RepoInfo): Promise<RepoConfigFile> {
    if (repo.empty) return { kind: 'absent' };
    return readRepoConfigFile(() => this.gateway.getFile(repo, REPO_CONFIG_FILE));
  }

  private async readCustomProperties(repo: RepoInfo): Promise<Record<string, CustomPropertyValue> | null> {
    if (repo.ownerType !== 'Organization') return {};
    // The listing carries `custom_properties` for org repositories; RepoInfo cannot
    // tell "carried, none set" from "not carried", so an empty record is checked.
    if (Object.keys(repo.customProperties).length > 0) return { ...repo.customProperties };
    return readCustomPropertiesOrNull(repo, () => this.gateway.getCustomProperties(repo), this.logger);
  }

  private async readMergeSettings(repo: RepoInfo): Promise<RepoInfo['merge']> {
    return (await this.gateway.getRepo(repo)).merge;
  }

  private async listBranchNames(repo: RepoInfo): Promise<string[]> {
    const names: string[] = [];
    for await (const b of this.gateway.listBranches(repo)) names.push(b.name);
    return names.sort();
  }

  private async readRulesets(live: RepoLiveState): Promise<Ruleset[] | null> {
    let unread = 0;
    // A listed ruleset GitHub will not show: that part is unknown, the rest still counts.
    const onUnreadable = (id: number, reason: string) => {
      unread++;
      this.logger?.debug(`${live.repo.fullName}: ruleset ${id} not readable: ${reason}`);
    };
    try {
      const rulesets = await this.gateway.listRepoRulesets(live.repo, { includeParents: true, onUnreadable });
      if (unread > 0) live.unreadRulesets = unread;
      return rulesets;
    } catch (err) {
      if (err instanceof PlanUnavailableError) {
        this.markPlanUnavailable(live, err.message);
        return null;
      }
      // Unreadable rulesets leave the state "not read": assess says unknown, not unprotected.
      if (err instanceof PermissionError || err instanceof NotFoundError) {
        this.logger?.debug(`${live.repo.fullName}: rulesets not readable: ${errorText(err)}`);
        return null;
      }
      throw err;
    }
  }

  private async readClassicRules(live: RepoLiveState): Promise<ProtectionRule[] | null> {
    try {
      return await this.gateway.listProtectionRules(live.repo);
    } catch (err) {
      if (err instanceof PermissionError || err instanceof NotFoundError) {
        this.logger?.debug(`${live.repo.fullName}: classic rules not readable: ${errorText(err)}`);
        return null;
      }
      throw err;
    }
  }

  private async readClassic(repo: RepoInfo, branch: string): Promise<ClassicProtectionRead> {
    try {
      return await this.gateway.getBranchProtection(repo, branch);
    } catch (err) {
      if (err instanceof PlanUnavailableError) return { kind: 'not_applicable', reason: err.message };
      // A branch deleted since it was listed, or a 404 the gateway could not place.
      if (err instanceof NotFoundError || err instanceof PermissionError) return { kind: 'unknown', reason: errorText(err) };
      throw err;
    }
  }

  private async readAppliedRules(live: RepoLiveState, branch: string): Promise<AppliedRule[] | null> {
    try {
      return await this.gateway.getRulesForBranch(live.repo, branch);
    } catch (err) {
      if (err instanceof PlanUnavailableError) {
        this.markPlanUnavailable(live, err.message);
        return null;
      }
      if (err instanceof PermissionError || err instanceof NotFoundError) return null;
      throw err;
    }
  }
}
