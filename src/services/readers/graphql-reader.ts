/**
 * The batched reader (issue 5): live state for whole organizations in a few
 * hundred requests instead of ~8 per repository.
 *
 *   - pages of 100 repositories through GraphQL (listing, branch names, config
 *     file, the node ids of classic rules and rulesets), cursor-chained, so read
 *     one after another, the next page already in flight while a window of pages
 *     is completed;
 *   - per window (≈1,000 repositories): follow-ups for connections longer than a
 *     page, rule and ruleset details by node id (each organization ruleset once
 *     per run), configs too large for GraphQL — at most `concurrency` at a time;
 *   - custom property values from the org-wide REST list (100 repositories per
 *     page; GraphQL has none), read once at the start;
 *   - one REST probe per organization with private repositories: GraphQL answers
 *     a plan without protection with empty lists, REST with 403 (pitfall 5).
 *
 * What it records is what the per-repository REST reader records, so assess
 * produces the same findings from either (test/integration/readers): the state
 * as GitHub answered it is kept whole (and checkpointed whole, so a resumed run
 * may use another policy), then shaped like the REST reader's — nothing beyond
 * the listing, properties and config for repositories the policy does not
 * target, nothing at all for archived ones, `plan-unavailable` only for targeted
 * ones. Differences that remain are GitHub's: classic protection comes as rules
 * (with their patterns) instead of per-branch answers, and rulesets are
 * evaluated by qms instead of by GET /rules/branches/{b}.
 */
import { errorText, InterruptedError, NotFoundError, PermissionError } from '../../core/errors.js';
import type { CustomPropertyValue, ProtectionRule, RepoInfo, RepoRef, Ruleset } from '../../core/github-types.js';
import { isWildcardPattern } from '../../core/branch-patterns.js';
import { createLiveState, type RepoConfigFile, type RepoLiveState } from '../../core/live-state.js';
import type { QmsPolicy } from '../../core/policy.js';
import {
  DETAIL_BATCH,
  type BatchRead,
  type BatchRepoNode,
  type ConditionalCache,
  type OrgSize,
  type RepositoryPage,
} from '../../github/batch-read.js';
import type { GitHubGateway } from '../../github/gateway.js';
import type { Logger } from '../../output/logger.js';
import { createBranchTargetsResolver } from '../evaluate.js';
import type { LiveStateReader, ReadOrgOptions } from '../evaluation.js';
import { accessOf, appInstallationsFor, isRunFatal, pinsCheckToApp, readCustomPropertiesOrNull, readRepoConfigFile } from './common.js';
import { REPO_CONFIG_FILE, RestLiveStateReader, type TargetsFor } from './rest-reader.js';

/** One repository as GitHub answered it, before shaping: what a checkpoint keeps. */
export interface ReadRecord {
  /** Position in the org read (GitHub's name order), to restore the order. */
  seq: number;
  state: RepoLiveState;
  /** The plan offers no protection for this (private) repository: GitHub's 403 text. */
  planUnavailable: string | null;
}

/** Facts about the org read at the start, kept so a resumed run need not read them again. */
export interface ReadFacts {
  org: string;
  totalRepositories: number;
  viewerIsOwner: boolean;
  /** Custom property values by repository name (lower case); null when the org list was not readable. */
  properties: Record<string, Record<string, CustomPropertyValue>> | null;
  /** The organization's plan and private repositories: null until probed. */
  privateProtection: { available: boolean; reason: string | null } | null;
}

/** Where an org read keeps its progress (src/services/checkpoint.ts puts it in SQLite). */
export interface ReadCheckpoint {
  /** A previous run's progress to continue from; null for a fresh read. */
  restore(org: string): { facts: ReadFacts; cursor: string | null; done: boolean; records: ReadRecord[] } | null;
  saveFacts(facts: ReadFacts): void;
  /** After a window: its repositories and the cursor after them, atomically. */
  saveWindow(records: readonly ReadRecord[], cursor: string | null, done: boolean): void;
  /** The read completed: the progress is no longer needed. */
  finish(): void;
}

export interface GraphqlReaderOptions {
  /** Branch targets per repository, from the policy (as for the REST reader). Default: none. */
  targetsFor?: TargetsFor;
  /** The batch to read through (the budget step may have measured the org with it). */
  batch?: BatchRead;
  /** The org size, when already measured. */
  orgSize?: OrgSize;
  /** Follow-up queries at once (default 4, at most 8: far inside GitHub's 100 concurrent). */
  concurrency?: number;
  /** Repositories per GraphQL page (default 100, GitHub's maximum). */
  pageSize?: number;
  /** Repositories completed (follow-ups, checkpoint) together (default 1000). */
  windowSize?: number;
  checkpoint?: ReadCheckpoint;
  /** ETag cache for the custom property pages (conditional requests). */
  propertyCache?: ConditionalCache;
  logger?: Logger;
}

const DEFAULT_CONCURRENCY = 4;
/** Node ids per detail call: one query each (DETAIL_BATCH aliases), several at once. */
const DETAIL_CHUNK = DETAIL_BATCH;

/**
 * What one read (an org read, or one readRepo) learns once and reuses; never
 * kept between reads, so a read right before a write is fresh.
 */
interface ReadSession {
  /** Rulesets by node id: organization rulesets recur under every repository they target. */
  rulesets: Map<string, Promise<Ruleset | Error>>;
  /** Per organization (lower case): does its plan offer protection for private repositories? */
  planByOrg: Map<string, { available: boolean; reason: string | null }>;
  /** Per organization (lower case): may the viewer see org rulesets' bypass lists (org owner)? */
  ownerOf: Map<string, boolean>;
  /** Full names (lower case) of repositories the viewer administers: their own rulesets' bypass lists are visible. */
  adminRepos: Set<string>;
  /** Per organization (lower case): its app installations, read once when a check is pinned to an app. */
  installations: Map<string, Promise<RepoLiveState['appInstallations']>>;
}

const newSession = (): ReadSession => ({
  rulesets: new Map(),
  planByOrg: new Map(),
  ownerOf: new Map(),
  adminRepos: new Set(),
  installations: new Map(),
});

/** A repository of a window while its follow-ups complete. */
interface WindowItem {
  node: BatchRepoNode;
  errors: string[];
  branches: string[];
  ruleIds: string[];
  rulesetIds: string[];
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}
const MAX_CONCURRENCY = 8;

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new InterruptedError();
}

function byName(a: RepoInfo, b: RepoInfo): number {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Run `fn` over `items`, at most `limit` at a time; results in input order. The first failure stops the rest. */
async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      throwIfAborted(signal);
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A single-producer queue of pages with a bound, so the page loop runs ahead of the windows but not unboundedly. */
class PageQueue {
  private items: RepositoryPage[] = [];
  private waiting: (() => void) | null = null;
  private spaceWaiting: (() => void) | null = null;
  private closed = false;
  private failure: unknown = null;

  constructor(private readonly bound: number) {}

  async push(page: RepositoryPage): Promise<void> {
    while (this.items.length >= this.bound && !this.closed) await new Promise<void>((r) => (this.spaceWaiting = r));
    this.items.push(page);
    this.wake();
  }

  close(failure: unknown = null): void {
    this.closed = true;
    this.failure = failure;
    this.wake();
    const s = this.spaceWaiting;
    this.spaceWaiting = null;
    s?.();
  }

  /** The next page, or null when the producer is done. */
  async take(): Promise<RepositoryPage | null> {
    for (;;) {
      const page = this.items.shift();
      if (page) {
        const s = this.spaceWaiting;
        this.spaceWaiting = null;
        s?.();
        return page;
      }
      if (this.closed) {
        if (this.failure !== null) throw this.failure;
        return null;
      }
      await new Promise<void>((r) => (this.waiting = r));
    }
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
}

export class GraphqlLiveStateReader implements LiveStateReader {
  readonly kind = 'graphql' as const;
  readonly batch: BatchRead;
  private readonly targetsFor: TargetsFor;
  private readonly concurrency: number;
  private readonly pageSize: number;
  private readonly windowSize: number;
  private readonly options: GraphqlReaderOptions;
  private readonly logger: Logger | undefined;
  /** No policy targets: classification only (listing, topics, config, properties). */
  private readonly listingOnly: boolean;

  constructor(gateway: GitHubGateway, options: GraphqlReaderOptions = {}) {
    this.batch = options.batch ?? gateway.batchRead();
    this.targetsFor = options.targetsFor ?? (() => null);
    this.listingOnly = options.targetsFor === undefined;
    this.concurrency = Math.min(MAX_CONCURRENCY, Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY));
    this.pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
    this.windowSize = Math.max(this.pageSize, options.windowSize ?? 1000);
    this.options = options;
    this.logger = options.logger;
  }

  /** Requests sent so far (the budget and the benchmark read it). */
  get requests(): number {
    return this.batch.requests;
  }

  async *readOrg(org: string, options: ReadOrgOptions = {}): AsyncGenerator<RepoLiveState> {
    if (options.repos && options.repos.length > 0) {
      yield* this.readNamed(org, options);
      return;
    }
    const { signal } = options;
    const checkpoint = this.options.checkpoint;
    const restored = checkpoint?.restore(org) ?? null;
    let facts: ReadFacts;
    // Custom property values are read while the first pages arrive; a window waits for them.
    let propertiesRead: Promise<ReadFacts['properties']> | null = null;
    if (restored) {
      facts = restored.facts;
      this.logger?.info(`resuming: ${restored.records.length} repositories of ${org} already read`);
    } else {
      const size = this.options.orgSize ?? (await this.batch.measureOrg(org));
      facts = {
        org,
        totalRepositories: size.totalRepositories,
        viewerIsOwner: size.viewerIsOwner,
        properties: null,
        privateProtection: null,
      };
      propertiesRead = this.readOrgProperties(org, facts.totalRepositories, signal);
      propertiesRead.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    }
    const session = newSession();
    session.ownerOf.set(org.toLowerCase(), facts.viewerIsOwner);
    if (facts.privateProtection) session.planByOrg.set(org.toLowerCase(), facts.privateProtection);

    const total = facts.totalRepositories;
    let done = 0;
    options.onProgress?.(0, total);
    const emit = (record: ReadRecord): RepoLiveState | null => {
      done++;
      options.onProgress?.(done, Math.max(total, done));
      const shaped = this.shape(record);
      if (options.includeArchived === false && (shaped.repo.archived || shaped.repo.disabled)) return null;
      return shaped;
    };

    let seq = 0;
    for (const record of restored?.records ?? []) {
      seq = Math.max(seq, record.seq + 1);
      const s = emit(record);
      if (s) yield s;
    }
    if (restored?.done) {
      checkpoint?.finish();
      return;
    }

    // The page loop: sequential (each page needs the previous cursor), one window ahead.
    const queue = new PageQueue(Math.ceil((this.windowSize * 2) / this.pageSize));
    let stop = false;
    const producer = (async () => {
      let after = restored?.cursor ?? null;
      for (;;) {
        if (stop) return;
        throwIfAborted(signal);
        const page = await this.batch.readRepositoryPage(org, { after, first: this.pageSize, listing: this.listingOnly });
        await queue.push(page);
        if (!page.hasNextPage || page.endCursor === null) return;
        after = page.endCursor;
      }
    })().then(
      () => queue.close(),
      (err: unknown) => queue.close(err),
    );

    try {
      let window: RepositoryPage[] = [];
      let count = 0;
      for (;;) {
        const page = await queue.take();
        if (page) {
          window.push(page);
          count += page.entries.length;
        }
        const last = page === null || !page.hasNextPage;
        if (propertiesRead) {
          facts.properties = await propertiesRead;
          propertiesRead = null;
          checkpoint?.saveFacts(facts);
        }
        if (window.length > 0 && (count >= this.windowSize || last)) {
          const entries = window.flatMap((p) => p.entries);
          const cursor = window[window.length - 1]!.endCursor;
          window = [];
          count = 0;
          const records = await this.completeWindow(session, entries, facts, seq, signal);
          seq += records.length;
          if (facts.privateProtection === null && session.planByOrg.has(org.toLowerCase())) {
            facts.privateProtection = session.planByOrg.get(org.toLowerCase()) ?? null;
            checkpoint?.saveFacts(facts);
          }
          checkpoint?.saveWindow(records, cursor, last);
          for (const record of records) {
            const s = emit(record);
            if (s) yield s;
          }
        }
        if (last) break;
      }
      await producer;
      checkpoint?.finish();
    } finally {
      stop = true;
      queue.close();
    }
  }

  async readRepo(repo: RepoRef, options: { signal?: AbortSignal } = {}): Promise<RepoLiveState> {
    throwIfAborted(options.signal);
    const [state] = await this.readNamedStates(repo.owner, [repo.name], options.signal);
    return state!;
  }

  private async *readNamed(org: string, options: ReadOrgOptions): AsyncGenerator<RepoLiveState> {
    const names = [...new Set(options.repos ?? [])];
    let states = await this.readNamedStates(org, names, options.signal);
    if (options.includeArchived === false) states = states.filter((s) => !s.repo.archived && !s.repo.disabled);
    states.sort((a, b) => byName(a.repo, b.repo));
    options.onProgress?.(0, states.length);
    let done = 0;
    for (const s of states) {
      done++;
      options.onProgress?.(done, states.length);
      yield s;
    }
  }

  /** Named repositories (`--repo`, readRepo): one aliased query, properties per repository as REST reads them. */
  private async readNamedStates(owner: string, names: readonly string[], signal: AbortSignal | undefined): Promise<RepoLiveState[]> {
    const found = await this.batch.readRepositories(
      names.map((name) => ({ owner, name })),
      { listing: this.listingOnly },
    );
    const entries = found.map((entry, i) => {
      if (entry === null) {
        throw new NotFoundError(
          `repository ${owner}/${names[i]} does not exist or this token cannot see it`,
          { status: 200, route: 'POST /graphql' },
          { hint: 'check the name (--repo takes the name within --org); GitHub answers 404 for repositories a token may not see' },
        );
      }
      return entry;
    });
    const facts: ReadFacts = {
      org: owner,
      totalRepositories: entries.length,
      viewerIsOwner: false,
      properties: null,
      privateProtection: null,
    };
    const key = owner.toLowerCase();
    const session = newSession();
    if (!session.ownerOf.has(key) && entries.some((e) => e.node.rulesetIds.items.length > 0 || e.node.rulesetIds.hasNextPage)) {
      // Bypass lists of org rulesets are visible to org owners only: ask once.
      try {
        session.ownerOf.set(key, (await this.batch.measureOrg(owner)).viewerIsOwner);
      } catch (err) {
        if (!(err instanceof NotFoundError || err instanceof PermissionError)) throw err;
        session.ownerOf.set(key, false); // a user account, or an org this token cannot list
      }
    }
    facts.viewerIsOwner = session.ownerOf.get(key) ?? false;
    const records = await this.completeWindow(session, entries, facts, 0, signal);
    return records.map((r) => this.shape(r));
  }

  /** Custom property values of every repository, 100 per REST page, a few pages at once. */
  private async readOrgProperties(org: string, total: number, signal: AbortSignal | undefined): Promise<ReadFacts['properties']> {
    const out: NonNullable<ReadFacts['properties']> = {};
    const pages = Math.max(1, Math.ceil(total / 100));
    try {
      const read = await mapPool(
        Array.from({ length: pages }, (_, i) => i + 1),
        this.concurrency,
        (page) => this.batch.readOrgPropertyPage(org, page, this.options.propertyCache),
        signal,
      );
      for (const page of read) for (const item of page.items) out[item.repo.toLowerCase()] = item.properties;
      // Repositories created since the count: keep reading until a short page.
      let next = pages + 1;
      let last = read[read.length - 1];
      while (last && last.items.length === 100) {
        last = await this.batch.readOrgPropertyPage(org, next++, this.options.propertyCache);
        for (const item of last.items) out[item.repo.toLowerCase()] = item.properties;
      }
      const notModified = read.filter((p) => p.notModified).length;
      if (notModified > 0)
        this.logger?.debug(`${org}: ${notModified} of ${read.length} custom property pages unchanged (304, not charged)`);
      this.options.propertyCache?.flush?.();
      return out;
    } catch (err) {
      // Outside collaborators may not list the org's values: read them per repository instead.
      if (err instanceof NotFoundError || err instanceof PermissionError) {
        this.logger?.debug(`${org}: custom property values not listable org-wide (${errorText(err)}); reading them per repository`);
        return null;
      }
      throw err;
    }
  }

  /** Everything a window of repositories still needs, then their read records. */
  private async completeWindow(
    session: ReadSession,
    entries: readonly { node: BatchRepoNode; error: string | null }[],
    facts: ReadFacts,
    seq: number,
    signal: AbortSignal | undefined,
  ): Promise<ReadRecord[]> {
    throwIfAborted(signal);
    const work: WindowItem[] = entries.map((e) => ({
      node: e.node,
      errors: e.error === null ? [] : [e.error],
      branches: [...e.node.branches.items],
      ruleIds: [...e.node.ruleIds.items],
      rulesetIds: [...e.node.rulesetIds.items],
    }));
    const live = (w: WindowItem) => !w.node.repo.archived && !w.node.repo.disabled;
    for (const w of work) if (w.node.repo.viewerPermission === 'admin') session.adminRepos.add(w.node.repo.fullName.toLowerCase());

    // 1. Connections longer than one page (rare): the rest, per repository.
    const overflow = work.filter(live).flatMap((w) => {
      const jobs: { w: WindowItem; kind: 'branches' | 'rules' | 'rulesets'; after: string | null }[] = [];
      if (w.node.branches.hasNextPage) jobs.push({ w, kind: 'branches', after: w.node.branches.endCursor });
      if (w.node.ruleIds.hasNextPage) jobs.push({ w, kind: 'rules', after: w.node.ruleIds.endCursor });
      if (w.node.rulesetIds.hasNextPage) jobs.push({ w, kind: 'rulesets', after: w.node.rulesetIds.endCursor });
      return jobs;
    });
    await mapPool(
      overflow,
      this.concurrency,
      async (job) => {
        try {
          const more = await this.batch.listRemaining(job.kind, job.w.node.repo.nodeId, job.after);
          (job.kind === 'branches' ? job.w.branches : job.kind === 'rules' ? job.w.ruleIds : job.w.rulesetIds).push(...more);
        } catch (err) {
          if (isRunFatal(err)) throw err;
          job.w.errors.push(`listing more ${job.kind}: ${errorText(err)}`);
        }
      },
      signal,
    );

    // 2. Details by node id, the org's plan, large configs and missing properties, concurrently.
    const ruleIds = work.filter(live).flatMap((w) => w.ruleIds);
    const newRulesetIds = [...new Set(work.filter(live).flatMap((w) => w.rulesetIds))].filter((id) => !session.rulesets.has(id));
    const rulesetsRead = this.readRulesetsCached(session, newRulesetIds, facts, signal);
    // A detail query that fails after the gateway's retries fails its repositories, not the run.
    const readRules = (ids: string[]) =>
      this.batch.readProtectionRules(ids).catch((err: unknown): Map<string, ProtectionRule | Error> => {
        if (isRunFatal(err)) throw err;
        return new Map(ids.map((id) => [id, err instanceof Error ? err : new Error(String(err))]));
      });
    const rulesRead = mapPool(chunk(ruleIds, DETAIL_CHUNK), this.concurrency, readRules, signal).then((maps) => {
      const all = new Map<string, ProtectionRule | Error>();
      for (const m of maps) for (const [k, v] of m) all.set(k, v);
      return all;
    });
    // Per repository, as the REST reader treats them: a refusal is "unreadable"/"not read",
    // any other failure is that repository's read error.
    const perRepo = <R>(w: WindowItem, what: string, read: () => Promise<R>): Promise<[WindowItem, R | null]> =>
      read().then(
        (value): [WindowItem, R | null] => [w, value],
        (err: unknown): [WindowItem, R | null] => {
          if (isRunFatal(err)) throw err;
          w.errors.push(`${what}: ${errorText(err)}`);
          return [w, null];
        },
      );
    const configs = mapPool(
      work.filter((w) => live(w) && w.node.config.kind === 'fetch-by-rest'),
      this.concurrency,
      (w) => perRepo(w, 'reading the repo config', () => this.readConfigByRest(w.node.repo)),
      signal,
    );
    const props = mapPool(
      work.filter(
        (w) => live(w) && w.node.repo.ownerType === 'Organization' && facts.properties?.[w.node.repo.name.toLowerCase()] === undefined,
      ),
      this.concurrency,
      (w) => perRepo(w, 'reading custom properties', () => this.readRepoProperties(w.node.repo)),
      signal,
    );
    const plan = this.listingOnly
      ? Promise.resolve(null)
      : this.ensurePlanKnown(
          session,
          work.filter(live).map((w) => w.node),
          signal,
        );
    const [rules, , configList, propList, planError] = await Promise.all([rulesRead, rulesetsRead, configs, props, plan]);
    const configBy = new Map(configList.filter((e): e is [WindowItem, RepoConfigFile] => e[1] !== null));
    const propsBy = new Map(propList);

    const records: ReadRecord[] = [];
    for (const [i, w] of work.entries()) {
      const repo = w.node.repo;
      const state = createLiveState(repo, { reader: 'graphql', ...accessOf(repo) });
      const record: ReadRecord = { seq: seq + i, state, planUnavailable: null };
      records.push(record);
      const listed = repo.ownerType === 'Organization' ? facts.properties?.[repo.name.toLowerCase()] : undefined;
      if (listed) state.repo = { ...repo, customProperties: Object.fromEntries(Object.entries(listed).filter(([, v]) => v !== null)) };
      if (!live(w)) continue;
      let properties: Record<string, CustomPropertyValue> | null;
      if (repo.ownerType !== 'Organization') properties = {};
      else properties = facts.properties?.[repo.name.toLowerCase()] ?? (propsBy.has(w) ? propsBy.get(w)! : null);
      if (properties !== null) {
        state.customProperties = { ...properties };
        // What the REST listing's `custom_properties` carries: the values that are set.
        state.repo = { ...state.repo, customProperties: Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== null)) };
      }
      // A config that failed to read leaves the state "not read" (null), with the read error.
      state.repoConfigFile = w.node.config.kind === 'fetch-by-rest' ? (configBy.get(w) ?? null) : w.node.config;
      if (repo.empty) state.repoConfigFile = { kind: 'absent' };
      if (this.listingOnly) {
        if (w.errors.length > 0) state.readError = w.errors.join('; ');
        continue;
      }
      state.branches = [...w.branches].sort();
      const classic: ProtectionRule[] = [];
      for (const id of w.ruleIds) {
        const rule = rules.get(id);
        if (rule instanceof Error || rule === undefined) w.errors.push(`classic rule ${id}: ${rule ? rule.message : 'not read'}`);
        else classic.push(rule);
      }
      // GitHub shows classic rules to admins only; others get an empty list, kept as
      // what GitHub said (the access flag says it is not to be trusted, pitfall 9).
      state.classicRules = classic;
      const rulesets: Ruleset[] = [];
      let unread = 0;
      for (const id of w.rulesetIds) {
        const rs = await session.rulesets.get(id);
        if (rs instanceof NotFoundError || rs instanceof PermissionError) {
          // Listed, but GitHub will not show it to this token: that part is unknown, the
          // rest still counts (as the REST reader does).
          unread++;
          this.logger?.debug(`${repo.fullName}: ruleset ${id} not readable: ${rs.message}`);
        } else if (rs instanceof Error || rs === undefined) w.errors.push(`ruleset ${id}: ${rs ? rs.message : 'not read'}`);
        else rulesets.push(rs);
      }
      state.rulesets = rulesets;
      if (unread > 0) state.unreadRulesets = unread;
      state.codeOwners = w.node.codeOwners;
      // Which apps could post a check pinned to one: one REST request per organization (owners only), when a check is pinned.
      if (pinsCheckToApp(state)) {
        state.appInstallations = await appInstallationsFor(repo, session.installations, (org) => this.batch.readOrgInstallations(org));
      }
      if (repo.visibility !== 'public' && repo.ownerType === 'Organization' && !repo.empty) {
        const p = session.planByOrg.get(repo.owner.toLowerCase());
        if (p && !p.available) record.planUnavailable = p.reason ?? 'branch protection is not available on this plan';
        else if (!p && planError) w.errors.push(`could not establish whether the plan offers branch protection: ${planError}`);
      }
      if (w.errors.length > 0) state.readError = w.errors.join('; ');
    }
    return records;
  }

  private readRulesetsCached(session: ReadSession, ids: string[], facts: ReadFacts, signal: AbortSignal | undefined): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    const owners = session.ownerOf;
    const canSeeBypass = (source: { type: 'Repository' | 'Organization'; name: string }): boolean => {
      if (source.type === 'Organization') return owners.get(source.name.toLowerCase()) ?? facts.viewerIsOwner;
      // A repository ruleset: its repository's admins may edit it.
      return session.adminRepos.has(source.name.toLowerCase());
    };
    const all = mapPool(chunk(ids, DETAIL_CHUNK), this.concurrency, (part) => this.batch.readRulesets(part, canSeeBypass), signal);
    for (const id of ids) {
      session.rulesets.set(
        id,
        // Never rejects (nobody might await it): a run-fatal error surfaces through the promise returned below.
        all.then(
          (maps) => maps.find((m) => m.has(id))?.get(id) ?? new Error('not returned'),
          (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
        ),
      );
    }
    return all.then(
      () => undefined,
      (err: unknown) => {
        if (isRunFatal(err)) throw err; // otherwise each id holds the error (above)
      },
    );
  }

  private async ensurePlanKnown(
    session: ReadSession,
    nodes: readonly BatchRepoNode[],
    signal: AbortSignal | undefined,
  ): Promise<string | null> {
    const candidate = nodes.find(
      (n) =>
        n.repo.visibility !== 'public' &&
        n.repo.ownerType === 'Organization' &&
        !n.repo.empty &&
        !session.planByOrg.has(n.repo.owner.toLowerCase()),
    );
    if (!candidate) return null;
    throwIfAborted(signal);
    try {
      const result = await this.batch.probeProtectionPlan(candidate.repo);
      session.planByOrg.set(
        candidate.repo.owner.toLowerCase(),
        result.available ? { available: true, reason: null } : { available: false, reason: result.reason },
      );
      return null;
    } catch (err) {
      if (isRunFatal(err)) throw err;
      // Unknown plan: the private repositories of this window are not judged.
      return errorText(err);
    }
  }

  private readConfigByRest(repo: RepoInfo): Promise<RepoConfigFile> {
    return readRepoConfigFile(() => this.batch.readFileByRest(repo, REPO_CONFIG_FILE));
  }

  private readRepoProperties(repo: RepoInfo): Promise<Record<string, CustomPropertyValue> | null> {
    return readCustomPropertiesOrNull(repo, () => this.batch.readRepoProperties(repo), this.logger);
  }

  /**
   * The read record as the REST reader would have recorded it (rest-reader.ts
   * `fill`): only what the policy asks for, so both readers feed assess the same.
   */
  private shape(record: ReadRecord): RepoLiveState {
    const full = record.state;
    const live = createLiveState(full.repo, { reader: 'graphql', ...accessOf(full.repo), readError: full.readError });
    if (full.repo.archived || full.repo.disabled) return live;
    live.repoConfigFile = full.repoConfigFile;
    live.customProperties = full.customProperties;
    if (full.repo.empty) {
      live.branches = [];
      return live;
    }
    const plan = this.targetsFor(live);
    if (plan === null) return live;
    live.branches = full.branches;
    live.codeOwners = plan.codeOwners ? full.codeOwners : null;
    // Without admin GitHub answers the rule list empty: recorded as the REST reader
    // records it (an answer only where patterns are asked about), never "unprotected".
    const wantsPatterns = plan.branches.some((t) => t !== '~DEFAULT_BRANCH' && isWildcardPattern(t));
    live.classicRules = live.access === 'admin' || wantsPatterns ? full.classicRules : null;
    if (record.planUnavailable !== null) {
      live.access = 'plan-unavailable';
      live.accessReason = record.planUnavailable;
      return live;
    }
    live.rulesets = full.rulesets;
    if (full.unreadRulesets !== undefined) live.unreadRulesets = full.unreadRulesets;
    live.appInstallations = full.appInstallations;
    return live;
  }
}

export type LiveStateReaderKind = 'rest' | 'graphql';
export const READER_KINDS: readonly LiveStateReaderKind[] = ['graphql', 'rest'];

export interface CreateLiveStateReaderOptions extends Omit<GraphqlReaderOptions, 'targetsFor'> {
  kind?: LiveStateReaderKind;
  /** The policy decides which branches matter per repository; without it, listing, properties and config only. */
  policy?: QmsPolicy;
  /** Read protection only for repositories classified into this tier. */
  tier?: string;
}

/**
 * The reader for org commands: the batched GraphQL reader by default, the
 * per-repository REST reader with `kind: 'rest'` (`--reader rest`).
 */
export function createLiveStateReader(gateway: GitHubGateway, options: CreateLiveStateReaderOptions = {}): LiveStateReader {
  const targetsFor = options.policy
    ? createBranchTargetsResolver(options.policy, options.tier === undefined ? {} : { tier: options.tier })
    : undefined;
  if (options.kind === 'rest') {
    return new RestLiveStateReader(gateway, {
      ...(targetsFor ? { targetsFor } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }
  const { kind: _kind, policy: _policy, tier: _tier, ...rest } = options;
  return new GraphqlLiveStateReader(gateway, { ...rest, ...(targetsFor ? { targetsFor } : {}) });
}
