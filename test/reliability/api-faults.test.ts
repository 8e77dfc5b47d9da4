/**
 * API faults through the built binary (issue 6 §1): the simulator answers 500/502/503,
 * secondary limits (403 and 429 with retry-after), a spent primary limit (x-ratelimit-
 * reset near or far), connection resets before and AFTER the handler ran, answers
 * slower than the client timeout and JSON cut in half — on reads and on every kind of
 * write qms makes (PUT protection, GraphQL rule mutations, PATCH repository), during
 * assess, apply and rollback.
 *
 * Expected: transient faults are retried (with backoff, honouring retry-after) and the
 * run ends as a clean run would; permanent ones fail that repository alone (exit 4); a
 * spent primary limit stops the run (exit 3 before any change, 4 after some); a later
 * `rollback --last` restores every changed branch exactly; every write the simulator
 * carried out has a change row with its before-state (no snapshot missing).
 *
 * Every scenario has its own simulator and store, and they run concurrently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_HINT, isBuilt, makeTempDirs, type QmsRun, type TempDirs } from '../helpers/e2e.js';
import type { FaultRule } from '@qms/github-sim';
import { captureLive, jsonOf } from '../e2e/apply-helpers.js';
import {
  acceptedWrites,
  describeRun,
  expectEveryWriteRecorded,
  expectSoundStore,
  FaultTally,
  isWrite,
  qmsOn,
  startRelSandbox,
  withoutOrigin,
  type RelSandbox,
  type TimedExchange,
} from './helpers.js';

// identity-service: classic rule updated, release/* and hotfix/* rules created, merge
// settings patched; payments-ledger: the same with the classic rule created;
// research-notebooks: a classic rule created. REST writes and GraphQL mutations.
const APPLY_REPOS = ['identity-service', 'payments-ledger', 'research-notebooks'];
const APPLY = ['apply', '--org', 'acme', ...APPLY_REPOS.flatMap((r) => ['--repo', r]), '--yes'];
const ASSESS_REPOS = ['identity-service', 'payments-ledger', 'sales-reporting', 'crm-sync', 'core-payment-system', 'risk-engine'];
const ASSESS = ['--json', 'assess', '--org', 'acme', ...ASSESS_REPOS.flatMap((r) => ['--repo', r])];

const PROTECTION = '/repos/{owner}/{repo}/branches/{branch}/protection';
const REPO = '/repos/{owner}/{repo}';

const tally = new FaultTally();
const sandboxes: RelSandbox[] = [];
const dirsList: TempDirs[] = [];

async function scenario() {
  const sb = await startRelSandbox();
  sandboxes.push(sb);
  const dirs = makeTempDirs('qms-rel-faults-');
  dirsList.push(dirs);
  return { sb, dirs, qms: qmsOn(sb, dirs) };
}

interface AssessDoc {
  repos: { repo: string; status: string; level: string; reason?: string | null }[];
  findings: { repo: string; branch: string | null; setting: string; severity: string }[];
  summary: { exit_code: number; failed_repos: string[] };
}

/** What an assessment concluded, without run ids and times. */
function conclusions(d: AssessDoc) {
  return {
    repos: d.repos.map((r) => ({ repo: r.repo, status: r.status, level: r.level })),
    findings: d.findings.map((f) => `${f.repo} ${f.branch ?? ''} ${f.setting} ${f.severity}`).sort(),
  };
}

/** The gap between a faulted exchange and the next request for the same thing. */
function retryGaps(exchanges: readonly TimedExchange[], match: (e: TimedExchange) => boolean): number[] {
  const gaps: number[] = [];
  exchanges.forEach((e, i) => {
    if (!match(e)) return;
    const next = exchanges
      .slice(i + 1)
      .find(
        (n) =>
          n.method === e.method &&
          n.path === e.path &&
          (n.route !== '/graphql' || JSON.stringify(n.requestBody) === JSON.stringify(e.requestBody)),
      );
    if (next) gaps.push(next.at - e.at);
  });
  return gaps;
}

/** One fault per request, on consecutive requests of a route (rule n skips n requests: the retries before it). */
function chain(sb: RelSandbox, route: string, faults: Omit<FaultRule, 'route' | 'times' | 'skip'>[]): void {
  faults.forEach((f, n) => sb.sandbox.faults.add({ ...f, route, times: 1, skip: n } as FaultRule));
}

const results: Record<string, unknown> = {};
let cleanAssess: AssessDoc;
let cleanApplyLive: unknown;

beforeAll(async () => {
  expect(isBuilt(), BUILD_HINT).toBe(true);

  const jobs: Record<string, () => Promise<unknown>> = {
    // Baselines: what a run without faults concludes.
    async cleanAssess() {
      const { qms } = await scenario();
      const run = await qms(ASSESS);
      return { run };
    },
    async cleanApply() {
      const { sb, qms } = await scenario();
      const run = await qms(APPLY);
      return { run, live: await captureLive(sb, 'acme', APPLY_REPOS) };
    },

    // Assess: every transient kind, on the batched GraphQL reader (the default).
    async assessTransient() {
      const { sb, qms } = await scenario();
      // Chained skips: each request's first attempt meets one fault and its retry
      // passes (a request failing more often than the retry budget is "permanent").
      chain(sb, '/graphql', [{ kind: 'status', status: 502 }, { kind: 'reset' }, { kind: 'truncated' }, { kind: 'slow', delayMs: 3500 }]);
      chain(sb, '/repos/{owner}/{repo}/properties/values', [
        { kind: 'status', status: 503 },
        { kind: 'secondary-limit', status: 429, retryAfter: 2 },
        { kind: 'secondary-limit', status: 403, retryAfter: 1 },
        { kind: 'primary-limit', retryAfter: 1 },
      ]);
      sb.sandbox.faults.add({ kind: 'status', status: 500, route: '/repos/{owner}/{repo}/rulesets', times: 1 });
      const run = await qms(ASSESS);
      return { run, exchanges: sb.exchanges };
    },
    // The same on the per-repository REST reader (what plan and apply read with).
    async assessTransientRest() {
      const { sb, qms } = await scenario();
      const f = sb.sandbox.faults;
      f.add({ kind: 'status', status: 500, route: '/repos/{owner}/{repo}/contents/{path}', times: 2 });
      f.add({ kind: 'status', status: 502, route: PROTECTION, method: 'GET', times: 1 });
      f.add({ kind: 'status', status: 503, route: '/repos/{owner}/{repo}/branches', times: 1 });
      f.add({ kind: 'secondary-limit', status: 403, retryAfter: 1, route: REPO, times: 1 });
      f.add({ kind: 'secondary-limit', status: 429, retryAfter: 1, route: '/graphql', times: 1 });
      f.add({ kind: 'primary-limit', retryAfter: 1, route: '/repos/{owner}/{repo}/rulesets', times: 1 });
      f.add({ kind: 'reset', route: PROTECTION, method: 'GET', times: 1 });
      f.add({ kind: 'truncated', route: PROTECTION, method: 'GET', times: 1 });
      f.add({ kind: 'truncated', route: '/graphql', times: 1 });
      f.add({ kind: 'slow', delayMs: 3500, route: '/repos/{owner}/{repo}/properties/values', times: 1 });
      const run = await qms(['--json', 'assess', '--reader', 'rest', '--org', 'acme', ...ASSESS_REPOS.flatMap((r) => ['--repo', r])]);
      return { run, exchanges: sb.exchanges };
    },
    // One repository keeps failing (retries included): it alone is an error.
    async assessPermanent() {
      const { sb, qms } = await scenario();
      sb.sandbox.faults.add({ kind: 'status', status: 502, pathIncludes: '/repos/acme/sales-reporting/', times: 0 });
      const run = await qms(['--json', 'assess', '--reader', 'rest', '--org', 'acme', ...ASSESS_REPOS.flatMap((r) => ['--repo', r])]);
      return { run, exchanges: sb.exchanges };
    },
    async assessPermanentBatched() {
      const { sb, qms } = await scenario();
      sb.sandbox.faults.add({ kind: 'status', status: 502, pathIncludes: '/repos/acme/sales-reporting/', times: 0 });
      const run = await qms(ASSESS);
      return { run, exchanges: sb.exchanges };
    },
    // The hourly limit is spent and resets in an hour: no waiting, exit 3, said clearly.
    async assessPrimaryFar() {
      const { sb, qms, dirs } = await scenario();
      sb.sandbox.faults.add({ kind: 'primary-limit', retryAfter: 3600, times: 0 });
      const run = await qms(ASSESS);
      return { run, exchanges: sb.exchanges, dirs };
    },

    // Apply with transient faults on reads and on every kind of write, then a
    // rollback with faults on its writes: both end as clean runs do.
    async applyTransient() {
      const { sb, qms, dirs } = await scenario();
      const original = await captureLive(sb, 'acme', APPLY_REPOS);
      const f = sb.sandbox.faults;
      // Reads: the plan's (batched GraphQL queries come first), then each step's fresh GET.
      chain(sb, '/graphql', [{ kind: 'status', status: 500 }, { kind: 'slow', delayMs: 3500 }, { kind: 'truncated' }]);
      f.add({ kind: 'slow', delayMs: 3500, route: PROTECTION, method: 'GET', times: 1 });
      f.add({ kind: 'status', status: 502, route: PROTECTION, method: 'PUT', times: 1 });
      f.add({ kind: 'secondary-limit', status: 429, retryAfter: 1, route: PROTECTION, method: 'PUT', times: 1 });
      f.add({ kind: 'reset', route: PROTECTION, method: 'PUT', times: 1 });
      f.add({ kind: 'reset-after', route: PROTECTION, method: 'PUT', times: 1 });
      f.add({ kind: 'status', status: 503, route: '/graphql', bodyIncludes: 'createBranchProtectionRule', times: 1 });
      f.add({ kind: 'reset-after', route: '/graphql', bodyIncludes: 'createBranchProtectionRule', times: 1 });
      f.add({ kind: 'truncated', route: '/graphql', bodyIncludes: 'createBranchProtectionRule', times: 1 });
      f.add({ kind: 'secondary-limit', status: 403, retryAfter: 1, route: REPO, method: 'PATCH', times: 1 });
      f.add({ kind: 'truncated', route: REPO, method: 'PATCH', times: 1 });
      f.add({ kind: 'primary-limit', retryAfter: 1, route: REPO, method: 'PATCH', times: 1 });
      const apply = await qms(['--json', ...APPLY]);
      const applyExchanges = [...sb.exchanges];
      f.clear();
      const afterApply = await captureLive(sb, 'acme', APPLY_REPOS);
      f.add({ kind: 'reset-after', route: PROTECTION, method: 'DELETE', times: 1 });
      f.add({ kind: 'status', status: 502, route: PROTECTION, method: 'PUT', times: 1 });
      f.add({ kind: 'truncated', route: '/graphql', bodyIncludes: 'deleteBranchProtectionRule', times: 1 });
      f.add({ kind: 'reset-after', route: '/graphql', bodyIncludes: 'deleteBranchProtectionRule', times: 1 });
      f.add({ kind: 'secondary-limit', status: 429, retryAfter: 1, route: REPO, method: 'PATCH', times: 1 });
      f.add({ kind: 'reset', route: REPO, method: 'PATCH', times: 1 });
      const rollback = await qms(['--json', 'rollback', '--last', '--yes']);
      f.clear();
      return {
        apply,
        rollback,
        applyExchanges,
        exchanges: sb.exchanges,
        original,
        afterApply,
        after: await captureLive(sb, 'acme', APPLY_REPOS),
        dirs,
        original_rules: Object.values(original),
      };
    },

    // One repository's write keeps failing (502 on every attempt): it fails alone, the
    // others are applied; a rollback whose own restore keeps failing for one repository
    // is partial too; a later rollback completes.
    async permanent() {
      const { sb, qms, dirs } = await scenario();
      const original = await captureLive(sb, 'acme', APPLY_REPOS);
      sb.sandbox.faults.add({ kind: 'status', status: 502, method: 'PUT', pathIncludes: '/repos/acme/payments-ledger/', times: 0 });
      const apply = await qms(['--json', ...APPLY]);
      sb.sandbox.faults.clear();
      sb.sandbox.faults.add({ kind: 'status', status: 503, method: 'PATCH', pathIncludes: '/repos/acme/identity-service', times: 0 });
      const rollback1 = await qms(['--json', 'rollback', '--last', '--yes']);
      sb.sandbox.faults.clear();
      const rollback2 = await qms(['--json', 'rollback', '--last', '--yes']);
      return { apply, rollback1, rollback2, exchanges: sb.exchanges, original, after: await captureLive(sb, 'acme', APPLY_REPOS), dirs };
    },

    // GitHub applies every attempt of a write but its answer never arrives.
    async answerAlwaysLost() {
      const { sb, qms, dirs } = await scenario();
      const original = await captureLive(sb, 'acme', ['research-notebooks']);
      sb.sandbox.faults.add({ kind: 'reset-after', method: 'PUT', route: PROTECTION, times: 0 });
      const apply = await qms(['--json', 'apply', '--org', 'acme', '--repo', 'research-notebooks', '--yes']);
      sb.sandbox.faults.clear();
      sb.sandbox.faults.add({ kind: 'reset-after', method: 'DELETE', route: PROTECTION, times: 0 });
      const rollback = await qms(['--json', 'rollback', '--last', '--yes']);
      return { apply, rollback, exchanges: sb.exchanges, original, after: await captureLive(sb, 'acme', ['research-notebooks']), dirs };
    },

    // The primary limit runs out in the middle of the writes (reset in an hour): the
    // apply stops at once (exit 4); a rollback that meets it stops too; after the
    // reset a rollback restores everything.
    async primaryMidway() {
      let writes = 0;
      let armed = false;
      const holder: { sb?: RelSandbox } = {};
      const sb = await startRelSandbox({
        onExchange: (e) => {
          if (!armed || !isWrite(e) || e.status < 200 || e.status >= 300) return;
          writes += 1;
          if (writes === 3) holder.sb!.sandbox.faults.add({ kind: 'primary-limit', retryAfter: 3600, times: 0 });
        },
      });
      holder.sb = sb;
      sandboxes.push(sb);
      const dirs = makeTempDirs('qms-rel-faults-');
      dirsList.push(dirs);
      const qms = qmsOn(sb, dirs);
      const original = await captureLive(sb, 'acme', APPLY_REPOS);
      armed = true;
      const apply = await qms(['--json', ...APPLY]);
      const applyExchanges = [...sb.exchanges];
      sb.sandbox.faults.clear();
      writes = 0;
      const rollback1 = await qms(['--json', 'rollback', '--last', '--yes']);
      const rollbackExchanges = sb.exchanges.slice(applyExchanges.length);
      armed = false;
      sb.sandbox.faults.clear();
      const rollback2 = await qms(['--json', 'rollback', '--last', '--yes']);
      return {
        apply,
        rollback1,
        rollback2,
        applyExchanges,
        rollbackExchanges,
        exchanges: sb.exchanges,
        original,
        after: await captureLive(sb, 'acme', APPLY_REPOS),
        dirs,
      };
    },

    // Spent before anything was written: exit 3, no change set, no write.
    async primaryBeforeWrites() {
      const { sb, qms, dirs } = await scenario();
      // GET /user answers; everything after it is rate limited for an hour.
      sb.sandbox.faults.add({ kind: 'primary-limit', retryAfter: 3600, times: 0, skip: 1 });
      const apply = await qms(APPLY);
      return { apply, exchanges: sb.exchanges, dirs };
    },
  };

  const names = Object.keys(jobs);
  const settled = await Promise.all(names.map((n) => jobs[n]!().catch((err: unknown) => ({ error: err }))));
  names.forEach((n, i) => (results[n] = settled[i]));
  for (const sb of sandboxes) tally.add(sb.exchanges);
  const ca = results['cleanAssess'] as { run: QmsRun };
  expect(ca.run.code, describeRun(ca.run)).toBe(1);
  cleanAssess = jsonOf<AssessDoc>(ca.run);
  const capply = results['cleanApply'] as { run: QmsRun; live: unknown };
  expect(capply.run.code, describeRun(capply.run)).toBe(0);
  cleanApplyLive = withoutOrigin(capply.live);
}, 240_000);

afterAll(async () => {
  for (const sb of sandboxes) await sb.close();
  for (const d of dirsList) d.cleanup();
  // Part of the closing summary.
  console.log(`[reliability] api-faults: ${tally.total()} faults injected — ${tally.toString()}`);
});

function get<T = any>(name: string): T {
  const r = results[name] as { error?: unknown };
  if (r && 'error' in r && r.error) throw r.error;
  return r as T;
}

describe('assess under API faults', () => {
  it('transient faults on the batched reader (5xx, 403/429 with retry-after, a near reset, reset, cut-off JSON, a slow answer) are absorbed: same result as a clean run', () => {
    const { run, exchanges } = get<{ run: QmsRun; exchanges: TimedExchange[] }>('assessTransient');
    expect(run.code, describeRun(run)).toBe(1);
    expect(conclusions(jsonOf<AssessDoc>(run))).toEqual(conclusions(cleanAssess));
    const kinds = new Set(exchanges.map((e) => e.fault).filter(Boolean));
    expect([...kinds].sort()).toEqual(['primary-limit', 'reset', 'secondary-limit', 'slow', 'status', 'truncated']);
    // retry-after honoured (1 s and 2 s), 5xx retried after a backoff, not at once.
    for (const e of exchanges.filter((x) => x.fault === 'secondary-limit')) {
      const wanted = Number(e.responseHeaders['retry-after']) * 1000;
      const [gap] = retryGaps(exchanges, (x) => x === e);
      expect(gap, `${e.method} ${e.path} retry-after ${wanted}`).toBeGreaterThanOrEqual(wanted - 100);
    }
    for (const gap of retryGaps(exchanges, (x) => x.fault === 'status')) expect(gap).toBeGreaterThanOrEqual(900);
    expect(run.stderr).toMatch(/secondary rate limit .* waiting 1s/);
  });

  it('the same on the per-repository REST reader', () => {
    const { run, exchanges } = get<{ run: QmsRun; exchanges: TimedExchange[] }>('assessTransientRest');
    expect(run.code, describeRun(run)).toBe(1);
    expect(conclusions(jsonOf<AssessDoc>(run))).toEqual(conclusions(cleanAssess));
    expect(exchanges.filter((e) => e.fault === 'truncated')).toHaveLength(2);
    // The answer slower than --request-timeout was abandoned and asked again.
    const slow = exchanges.find((e) => e.fault === 'slow')!;
    expect(exchanges.filter((e) => e.path === slow.path).length).toBeGreaterThanOrEqual(2);
  });

  it('a repository that keeps failing is an error on its own (REST reader): exit 4, the others as in a clean run', () => {
    expectFailsAlone(get<{ run: QmsRun }>('assessPermanent').run);
  });

  it('the same on the batched reader (default)', () => {
    expectFailsAlone(get<{ run: QmsRun }>('assessPermanentBatched').run);
  });

  function expectFailsAlone(run: QmsRun): void {
    expect(run.code, describeRun(run)).toBe(4);
    const d = jsonOf<AssessDoc>(run);
    expect(d.summary.failed_repos).toEqual(['acme/sales-reporting']);
    const failed = d.repos.find((r) => r.repo === 'acme/sales-reporting')!;
    expect(failed.status).toBe('error');
    expect(failed.reason).toMatch(/502/);
    const others = (x: AssessDoc) => {
      const c = conclusions(x);
      return {
        repos: c.repos.filter((r) => r.repo !== 'acme/sales-reporting'),
        findings: c.findings.filter((f) => !f.startsWith('acme/sales-reporting ')),
      };
    };
    expect(others(d)).toEqual(others(cleanAssess));
  }

  it('a primary limit that resets in an hour: no waiting, exit 3 with one clear line naming the reset', () => {
    const { run, exchanges } = get<{ run: QmsRun; exchanges: TimedExchange[] }>('assessPrimaryFar');
    expect(run.code, describeRun(run)).toBe(3);
    expect(run.ms).toBeLessThan(20_000);
    // On a loaded machine an attempt may outlive the 2 s --request-timeout and be retried,
    // which qms reports in a warning line of its own; the error is still the first other line.
    const lines = run.stderr.split('\n').filter((l) => !/^warning: .* retrying in /.test(l));
    expect(lines[0]).toMatch(/^qms: GitHub (GraphQL|API) rate limit exhausted.*(resets at \d{4}-|$)/);
    expect(run.stdout).toBe('');
    // It stopped at the first refusal instead of asking again and again.
    expect(exchanges.length).toBeLessThanOrEqual(2);
  });
});

describe('apply and rollback under API faults', () => {
  it('transient faults on reads and on every kind of write: apply verifies everything, the result equals a clean apply, no snapshot missing', () => {
    const r = get('applyTransient');
    expect(r.apply.code, describeRun(r.apply)).toBe(0);
    const doc = jsonOf(r.apply);
    expect(doc.counts).toMatchObject({ failed: 0, not_attempted: 0, pending: 0 });
    expect(doc.counts.verified).toBeGreaterThanOrEqual(9);
    expect(withoutOrigin(r.afterApply)).toEqual(cleanApplyLive);
    // Faults on each write route, and on both sides of the handler.
    const faulted = (r.applyExchanges as TimedExchange[])
      .filter((e) => e.fault && isWrite(e))
      .map((e) => `${e.method} ${e.route === '/graphql' ? 'mutation' : e.route} ${e.fault}`);
    for (const want of [
      `PUT ${PROTECTION} status`,
      `PUT ${PROTECTION} reset`,
      `PUT ${PROTECTION} reset-after`,
      'POST mutation reset-after',
      'POST mutation truncated',
      `PATCH ${REPO} truncated`,
      `PATCH ${REPO} secondary-limit`,
    ]) {
      expect(faulted).toContain(want);
    }
    // A lost answer is settled by the read-back, and said so.
    expect(r.apply.stderr).toMatch(/answer was lost .* read-back shows it applied/);
    const facts = expectSoundStore(r.dirs.db, 'applyTransient');
    expectEveryWriteRecorded(r.exchanges, facts, 'applyTransient', r.original_rules);
  });

  it('… and the rollback, with resets after its deletes, cut-off and 5xx answers, restores every branch exactly', () => {
    const r = get('applyTransient');
    expect(r.rollback.code, describeRun(r.rollback)).toBe(0);
    expect(r.after).toEqual(r.original);
    const facts = expectSoundStore(r.dirs.db);
    expect(facts.sets.map((s) => [s.kind, s.status])).toEqual([
      ['rollback', 'completed'],
      ['apply', 'completed'],
    ]);
    expect(facts.changes.filter((c) => c.set === facts.sets[1]!.id).every((c) => c.status === 'restored')).toBe(true);
  });

  it('a write that keeps failing fails its repository alone (exit 4); a rollback that cannot restore one target is partial (exit 4); the next rollback completes exactly', () => {
    const r = get('permanent');
    expect(r.apply.code, describeRun(r.apply)).toBe(4);
    const doc = jsonOf(r.apply);
    const byRepo = (repo: string) =>
      doc.results.filter((x: { repo: string }) => x.repo === `acme/${repo}`).map((x: { status: string }) => x.status);
    expect(byRepo('payments-ledger')[0]).toBe('failed');
    expect(
      byRepo('payments-ledger')
        .slice(1)
        .every((s: string) => s === 'not_attempted'),
    ).toBe(true);
    expect(byRepo('identity-service').every((s: string) => s === 'verified')).toBe(true);
    expect(byRepo('research-notebooks')).toEqual(['verified']);
    expect(doc.results.find((x: { status: string }) => x.status === 'failed').error).toMatch(/502/);

    expect(r.rollback1.code, describeRun(r.rollback1)).toBe(4);
    const rb1 = jsonOf(r.rollback1);
    expect(rb1.counts.failed).toBe(1);
    expect(r.rollback2.code, describeRun(r.rollback2)).toBe(0);
    expect(r.after).toEqual(r.original);
    const facts = expectSoundStore(r.dirs.db, 'permanent');
    expectEveryWriteRecorded(r.exchanges, facts, 'permanent');
  });

  it('GitHub applies every attempt but no answer ever arrives: the read-back proves the write, and the rollback’s', () => {
    const r = get('answerAlwaysLost');
    const lost = (r.exchanges as TimedExchange[]).filter((e) => e.fault === 'reset-after');
    expect(lost.length).toBeGreaterThanOrEqual(8); // 1 + 3 retries, for the PUT and for the DELETE
    expect(r.apply.code, describeRun(r.apply)).toBe(0);
    expect(jsonOf(r.apply).counts.verified).toBe(1);
    expect(r.rollback.code, describeRun(r.rollback)).toBe(0);
    expect(r.after).toEqual(r.original);
    expectEveryWriteRecorded(r.exchanges, expectSoundStore(r.dirs.db));
  });

  it('a primary limit spent in the middle of the writes stops the apply at once (exit 4), then the rollback (exit 4); after the reset, rollback restores everything', () => {
    const r = get('primaryMidway');
    expect(r.apply.code, describeRun(r.apply)).toBe(4);
    expect(r.apply.stderr).toMatch(/GitHub API rate limit exhausted until \d{4}-\d\d-\d\dT.*stopping/);
    const limited = (r.applyExchanges as TimedExchange[]).findIndex((e) => e.fault === 'primary-limit');
    expect(limited).toBeGreaterThan(0);
    // Nothing more was asked once GitHub said the limit was spent.
    expect(r.applyExchanges.length - limited).toBe(1);
    const doc = jsonOf(r.apply);
    expect(doc.counts.verified).toBe(2);
    expect(doc.counts.failed).toBe(1);
    expect(doc.counts.not_attempted).toBeGreaterThan(0);

    expect(r.rollback1.code, describeRun(r.rollback1)).toBe(4);
    const limitedRb = (r.rollbackExchanges as TimedExchange[]).findIndex((e) => e.fault === 'primary-limit');
    expect(r.rollbackExchanges.length - limitedRb).toBe(1);
    expect(r.rollback2.code, describeRun(r.rollback2)).toBe(0);
    expect(r.after).toEqual(r.original);
    expectEveryWriteRecorded(r.exchanges, expectSoundStore(r.dirs.db, 'primaryMidway'));
  });

  it('a primary limit spent before any write: exit 3, one clear line, no write, no change set', () => {
    const r = get('primaryBeforeWrites');
    expect(r.apply.code, describeRun(r.apply)).toBe(3);
    // The plan reads through GraphQL (batched) or REST: either names the limit and its reset.
    expect(r.apply.stderr.split('\n').filter((l: string) => !/^warning: .* retrying in /.test(l))[0]).toMatch(
      /^qms: GitHub (GraphQL rate limit exhausted|API rate limit exhausted \(0\/5000 left\); it resets at \d{4}-)/,
    );
    expect(acceptedWrites(r.exchanges)).toEqual([]);
    expect((r.exchanges as TimedExchange[]).filter(isWrite)).toEqual([]);
    const facts = expectSoundStore(r.dirs.db);
    expect(facts.sets).toEqual([]);
  });
});
