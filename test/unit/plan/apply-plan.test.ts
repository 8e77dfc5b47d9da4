/**
 * The apply executor (services/apply.ts applyPlan) and the rollback service with a
 * small in-memory fake of the gateway (STYLE habit 10) and a real SQLite store in a
 * temp dir: cases the simulator cannot produce on demand — GitHub answering 200
 * without applying, state changing between plan and write, a lock broken mid-run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { desiredProtection } from '../../../src/core/desired-protection.js';
import { LockHeldError } from '../../../src/core/errors.js';
import type { ClassicProtectionRead, ProtectionRule, RepoInfo, RepoRef } from '../../../src/core/github-types.js';
import { buildPlan, type Plan } from '../../../src/core/plan.js';
import { normalizeProtection, protectionEquals, type BranchProtection, type MergeSettings } from '../../../src/core/protection.js';
import type { GitHubGateway } from '../../../src/github/gateway.js';
import { createLogger } from '../../../src/output/logger.js';
import { applyPlan } from '../../../src/services/apply.js';
import { evaluateLiveState } from '../../../src/services/evaluate.js';
import { runRollback } from '../../../src/services/rollback.js';
import { openStore, type SqliteStore } from '../../../src/store/index.js';
import { graphqlState, protection, repoInfo, reviews } from '../core/helpers.js';

const policy = defaultPolicy();
const logger = createLogger({ level: 'quiet', write: () => undefined });

/** GitHub in memory: classic rules by pattern per repository, merge settings per repository. */
class FakeGitHub {
  rules = new Map<string, ProtectionRule[]>();
  merge = new Map<string, MergeSettings>();
  writes: string[] = [];
  /** Repos whose PUTs answer 200 but change nothing (GitHub "accepting" without applying). */
  ignorePutsFor = new Set<string>();
  private seq = 0;

  constructor(readonly repos: RepoInfo[]) {
    for (const r of repos) {
      this.rules.set(r.fullName, []);
      if (r.merge) this.merge.set(r.fullName, r.merge);
    }
  }

  private key(repo: RepoRef): string {
    return `${repo.owner}/${repo.name}`;
  }

  rule(repo: string, pattern: string): ProtectionRule | undefined {
    return this.rules.get(repo)!.find((r) => r.pattern === pattern);
  }

  setRule(repo: string, pattern: string, p: BranchProtection): void {
    const list = this.rules.get(repo)!;
    const existing = list.find((r) => r.pattern === pattern);
    const protection = normalizeProtection(p);
    if (existing) {
      existing.protection = protection;
      existing.raw = { pattern, protection };
    } else list.push({ id: `BPR_${++this.seq}`, pattern, protection, raw: { pattern, protection } });
  }

  gateway(): GitHubGateway {
    const g: Partial<GitHubGateway> = {
      getRepo: async (repo) => ({
        ...this.repos.find((r) => r.fullName === this.key(repo))!,
        merge: this.merge.get(this.key(repo)) ?? null,
      }),
      getBranchProtection: async (repo, branch): Promise<ClassicProtectionRead> => {
        const rule = this.rule(this.key(repo), branch);
        return rule ? { kind: 'protected', protection: rule.protection, raw: { branch, ...rule.protection } } : { kind: 'unprotected' };
      },
      listProtectionRules: async (repo) => structuredClone(this.rules.get(this.key(repo))!),
      putBranchProtection: async (repo, branch, p) => {
        this.writes.push(`PUT ${this.key(repo)} ${branch}`);
        if (!this.ignorePutsFor.has(this.key(repo))) this.setRule(this.key(repo), branch, p);
        return { protection: p, raw: { branch, ...p } };
      },
      deleteBranchProtection: async (repo, branch) => {
        this.writes.push(`DELETE ${this.key(repo)} ${branch}`);
        this.rules.set(
          this.key(repo),
          this.rules.get(this.key(repo))!.filter((r) => r.pattern !== branch),
        );
      },
      createProtectionRule: async (nodeId, pattern, p) => {
        const repo = this.repos.find((r) => r.nodeId === nodeId)!.fullName;
        this.writes.push(`CREATE ${repo} ${pattern}`);
        this.setRule(repo, pattern, p);
        return structuredClone(this.rule(repo, pattern)!);
      },
      updateProtectionRule: async (id, pattern, p) => {
        const [repo] = [...this.rules.entries()].find(([, list]) => list.some((r) => r.id === id))!;
        this.writes.push(`UPDATE ${repo} ${pattern}`);
        this.setRule(repo, pattern, p);
        return structuredClone(this.rule(repo, pattern)!);
      },
      deleteProtectionRule: async (id) => {
        for (const [repo, list] of this.rules) {
          if (list.some((r) => r.id === id)) {
            this.writes.push(`DELETE_RULE ${repo}`);
            this.rules.set(
              repo,
              list.filter((r) => r.id !== id),
            );
          }
        }
      },
      readMergeSettings: async (repo) => ({
        settings: this.merge.get(this.key(repo)) ?? null,
        raw: { merge: this.merge.get(this.key(repo)) ?? null },
      }),
      ensureMergeSettings: async (repo, settings) => {
        this.writes.push(`PATCH ${this.key(repo)}`);
        this.merge.set(this.key(repo), settings);
        return { outcome: 'updated', settings, raw: { merge: settings } };
      },
      // The engine writes through ensure*: the fake applies them as GitHub would.
      ensureBranchProtection: async (repo, branch, p) => {
        if (p === null) {
          this.writes.push(`DELETE ${this.key(repo)} ${branch}`);
          this.rules.set(
            this.key(repo),
            this.rules.get(this.key(repo))!.filter((r) => r.pattern !== branch),
          );
          return { outcome: 'deleted', protection: null, raw: null };
        }
        this.writes.push(`PUT ${this.key(repo)} ${branch}`);
        const existed = this.rule(this.key(repo), branch) !== undefined;
        if (!this.ignorePutsFor.has(this.key(repo))) this.setRule(this.key(repo), branch, p);
        return { outcome: existed ? 'updated' : 'created', protection: p, raw: { branch, ...p } };
      },
      ensureProtectionRule: async (repo, pattern, p, current) => {
        const full = this.key(repo);
        if (p === null) {
          this.writes.push(`DELETE_RULE ${full}`);
          this.rules.set(
            full,
            this.rules.get(full)!.filter((r) => r.id !== current?.id),
          );
          return { outcome: 'deleted', rule: null };
        }
        this.writes.push(`${current ? 'UPDATE' : 'CREATE'} ${full} ${pattern}`);
        this.setRule(full, pattern, p);
        return { outcome: current ? 'updated' : 'created', rule: structuredClone(this.rule(full, pattern)!) };
      },
    };
    return g as GitHubGateway;
  }
}

function standardRepo(name: string): RepoInfo {
  return repoInfo({ name, nodeId: `R_${name}`, customProperties: { qms_tier: 'standard' } });
}

function planFor(gh: FakeGitHub): Plan {
  const evaluations = gh.repos.map((repo) =>
    evaluateLiveState(
      graphqlState(repo, {
        customProperties: repo.customProperties,
        classicRules: structuredClone(gh.rules.get(repo.fullName)!),
      }),
      policy,
    ),
  );
  return buildPlan(evaluations, { pilotRepositories: [], tiers: policy.tiers });
}

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qms-apply-plan-'));
  store = openStore(path.join(dir, 'qms.db'));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function startSet() {
  const run = store.runs.start({ kind: 'apply', org: 'acme', actor: 'ada' });
  return store.changeSets.create({ runId: run.id, kind: 'apply', org: 'acme', actor: 'ada' });
}

describe('applyPlan', () => {
  it('fails a step whose read-back differs from the intent, skips the rest of that repository, and goes on', async () => {
    const alpha = repoInfo({ name: 'alpha', nodeId: 'R_alpha', customProperties: { qms_tier: 'mission_critical' } });
    const gh = new FakeGitHub([alpha, standardRepo('beta')]);
    gh.setRule('acme/alpha', 'main', protection({ requiredReviews: reviews(1) }));
    gh.ignorePutsFor.add('acme/alpha');
    const plan = planFor(gh);
    expect(plan.steps.map((s) => `${s.repo} ${s.kind}`)).toEqual([
      'acme/alpha classic_protection',
      'acme/alpha protection_rule',
      'acme/alpha protection_rule',
      'acme/alpha merge_settings',
      'acme/beta classic_protection',
    ]);
    const lock = store.lock.acquire({ command: 'test', heartbeatMs: 0 });
    const result = await applyPlan(
      { gateway: gh.gateway(), store, lock, logger },
      plan,
      startSet(),
      new Map(gh.repos.map((r) => [r.fullName, r])),
    );
    expect(result.status).toBe('partial');
    expect(result.results.map((r) => [r.repo, r.status])).toEqual([
      ['acme/alpha', 'failed'],
      ['acme/alpha', 'not_attempted'],
      ['acme/alpha', 'not_attempted'],
      ['acme/alpha', 'not_attempted'],
      ['acme/beta', 'verified'],
    ]);
    expect(result.results[1]!.error).toMatch(/^an earlier step of acme\/alpha failed/);
    expect(gh.writes).toEqual(['PUT acme/alpha main', 'PUT acme/beta main']);
    expect(result.results[0]!.error).toMatch(/read-back differs from the intent: .*requiredReviews\.dismissStaleReviews: true → false/);
    const changes = [...store.changeSets.iterateChanges(result.changeSetId)];
    expect(changes.map((c) => c.status)).toEqual(['failed', 'verified']);
    // Every write is audited with the actor and digests.
    const actions = [...store.audit.iterate({ changeSetId: result.changeSetId })].map((e) => `${e.action} ${e.actor}`);
    expect(actions).toContain('change.intent ada');
    expect(actions).toContain('change.written ada');
    expect(actions).toContain('change.failed ada');
    expect(actions).toContain('change.verified ada');
    expect(store.audit.verify().ok).toBe(true);
  });

  it('recomputes the intent from the state right before the write: unchanged when someone already fixed it, stricter settings kept', async () => {
    const gh = new FakeGitHub([standardRepo('alpha'), standardRepo('beta')]);
    const plan = planFor(gh);
    const floor = policy.tiers['standard']!.branches[0]!.protection;
    // Between plan and apply: alpha fixed by hand; beta gets 4 reviewers.
    gh.setRule('acme/alpha', 'main', desiredProtection(null, floor));
    gh.setRule('acme/beta', 'main', protection({ requiredReviews: reviews(4), allowForcePushes: true }));
    const lock = store.lock.acquire({ command: 'test', heartbeatMs: 0 });
    const result = await applyPlan(
      { gateway: gh.gateway(), store, lock, logger },
      plan,
      startSet(),
      new Map(gh.repos.map((r) => [r.fullName, r])),
    );
    expect(result.results.map((r) => r.status)).toEqual(['unchanged', 'verified']);
    expect(gh.writes).toEqual(['PUT acme/beta main']);
    expect(gh.rule('acme/beta', 'main')!.protection.requiredReviews?.requiredApprovingReviewCount).toBe(4);
    const [change] = [...store.changeSets.iterateChanges(result.changeSetId)];
    expect((change!.beforeModel as BranchProtection).requiredReviews?.requiredApprovingReviewCount).toBe(4);
  });

  it('stops before writing when the lock was broken, and closes the change set', async () => {
    const gh = new FakeGitHub([standardRepo('alpha')]);
    const plan = planFor(gh);
    const lock = store.lock.acquire({ command: 'test', heartbeatMs: 0 });
    const set = startSet();
    lock.release(); // as if someone ran --force-unlock
    await expect(
      applyPlan({ gateway: gh.gateway(), store, lock, logger }, plan, set, new Map(gh.repos.map((r) => [r.fullName, r]))),
    ).rejects.toBeInstanceOf(LockHeldError);
    expect(gh.writes).toEqual([]);
    expect(store.changeSets.get(set.id)!.status).toBe('interrupted');
    // The intent was committed first: rollback sees a pending change and nothing to undo.
    expect([...store.changeSets.iterateChanges(set.id)].map((c) => c.status)).toEqual(['pending']);
  });

  it('stops at an interrupt: later steps are not attempted, the set is interrupted', async () => {
    const gh = new FakeGitHub([standardRepo('alpha'), standardRepo('beta')]);
    const plan = planFor(gh);
    const lock = store.lock.acquire({ command: 'test', heartbeatMs: 0 });
    const abort = new AbortController();
    const result = await applyPlan(
      { gateway: gh.gateway(), store, lock, logger, signal: abort.signal, onStep: () => abort.abort() },
      plan,
      startSet(),
      new Map(gh.repos.map((r) => [r.fullName, r])),
    );
    expect(result.interrupted).toBe(true);
    expect(result.status).toBe('interrupted');
    expect(result.results.map((r) => r.status)).toEqual(['verified', 'not_attempted']);
    expect(gh.writes).toEqual(['PUT acme/alpha main']);
  });
});

describe('runRollback with the fake', () => {
  it('restores, records a rollback change set whose parent is the apply, and marks the originals restored', async () => {
    const gh = new FakeGitHub([standardRepo('alpha'), standardRepo('beta')]);
    gh.setRule('acme/beta', 'main', protection({ requiredReviews: reviews(1) }));
    const before = structuredClone([...gh.rules.entries()]);
    const plan = planFor(gh);
    const lock = store.lock.acquire({ command: 'test', heartbeatMs: 0 });
    const applied = await applyPlan(
      { gateway: gh.gateway(), store, lock, logger },
      plan,
      startSet(),
      new Map(gh.repos.map((r) => [r.fullName, r])),
    );
    lock.release();
    expect(applied.status).toBe('completed');
    const rollbackLast = () =>
      runRollback(
        {
          gateway: gh.gateway(),
          store,
          logger,
          viewer: async () => 'ada',
          command: 'qms rollback --last',
          apiHost: 'http://127.0.0.1:1',
          toolVersion: 'test',
          showPlan: () => undefined,
          confirm: async () => true,
        },
        { last: true, force: false, yes: true, dryRun: false },
      );
    gh.writes = [];
    const result = await rollbackLast();
    expect(result.exitCode).toBe(0);
    // beta had a rule: PUT back; alpha had none: DELETE. Newest first.
    expect(gh.writes).toEqual(['PUT acme/beta main', 'DELETE acme/alpha main']);
    expect([...gh.rules.entries()].map(([k, v]) => [k, v.map((r) => r.pattern)])).toEqual(
      before.map(([k, v]) => [k, v.map((r) => r.pattern)]),
    );
    expect(protectionEquals(gh.rule('acme/beta', 'main')!.protection, before.find(([k]) => k === 'acme/beta')![1][0]!.protection)).toBe(
      true,
    );
    const set = store.changeSets.get(result.changeSetId!)!;
    expect(set).toMatchObject({ kind: 'rollback', parentChangeSetId: applied.changeSetId, status: 'completed' });
    expect([...store.changeSets.iterateChanges(applied.changeSetId)].map((c) => c.status)).toEqual(['restored', 'restored']);
    // A second rollback of the same set has nothing to undo.
    gh.writes = [];
    const again = await rollbackLast();
    expect(again.exitCode).toBe(0);
    expect(again.changeSetId).toBeNull();
    expect(gh.writes).toEqual([]);
  });
});
