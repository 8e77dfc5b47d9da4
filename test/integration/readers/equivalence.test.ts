/**
 * The batched GraphQL reader against the per-repository REST reader (the
 * baseline): the same evaluations — classification, tier, status, protection
 * level, every finding — on the fixture org `acme` as its owner, as a read-only
 * member and as a maintainer who is admin on a few repositories, on the Free-plan
 * org `acme-labs`, and on a generated 1,000-repository org (fixed seed). Also the
 * same classification output (`qms classify`), and far fewer requests.
 * Differences GitHub itself makes are normalised in ./equivalence.ts, nowhere else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { generateOrg, startSandbox, type Sandbox } from '@qms/github-sim';
import { classifyOrg } from '../../../src/services/classify.js';
import { evaluateOrg } from '../../../src/services/evaluate.js';
import type { RepoEvaluation } from '../../../src/services/evaluation.js';
import { createLiveStateReader } from '../../../src/services/readers/graphql-reader.js';
import { useContractSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { collect, gatewayAs } from '../services/helpers.js';
import { comparable, countClassicRenames, describeDifferences } from './equivalence.js';

const policy = defaultPolicy();
/** The simulator, contract-checked when the file ends. */
const sb = useContractSandbox();

async function evaluateWith(
  url: { url: string },
  login: string,
  org: string,
  kind: 'rest' | 'graphql',
): Promise<{ evaluations: RepoEvaluation[] }> {
  const gateway = gatewayAs(url as TestSandbox, login);
  const reader = createLiveStateReader(gateway, { kind, policy });
  return { evaluations: await collect(evaluateOrg({ reader, policy }, { org })) };
}

function expectSameEvaluations(rest: RepoEvaluation[], graphql: RepoEvaluation[]): void {
  const r = rest.map((e) => comparable(e, 'rest'));
  const g = graphql.map((e) => comparable(e, 'graphql'));
  expect(describeDifferences(r, g)).toEqual([]);
  expect(g).toEqual(r);
}

describe.each([
  ['ada', 'the org owner (admin everywhere)', 20],
  ['rita', 'a read-only member (no classic protection visible)', 1],
  ['max', 'a maintainer, admin on three repositories', 5],
])('acme as %s — %s', (login, _who, minFindings) => {
  let rest: RepoEvaluation[];
  let graphql: RepoEvaluation[];
  beforeAll(async () => {
    rest = (await evaluateWith(sb, login, 'acme', 'rest')).evaluations;
    graphql = (await evaluateWith(sb, login, 'acme', 'graphql')).evaluations;
  });

  it('evaluates every repository, in the same order, to the same result', () => {
    expect(rest).toHaveLength(30);
    expect(graphql.map((e) => e.live.repo.fullName)).toEqual(rest.map((e) => e.live.repo.fullName));
    expectSameEvaluations(rest, graphql);
    expect(graphql.every((e) => e.live.reader === 'graphql')).toBe(true);
  });

  it('has findings to compare (the fixture is not trivially compliant)', () => {
    const findings = rest.reduce((n, e) => n + e.assessment.findings.length, 0);
    expect(findings).toBeGreaterThanOrEqual(minFindings);
    expect(new Set(rest.map((e) => e.assessment.status)).size).toBeGreaterThan(2);
  });
});

describe.each([
  ['ada', 'the org owner: every bypass list is visible'],
  ['max', "admin of hidden-bypass only: the org ruleset's bypass list is hidden"],
])('acme-rules (who a rule binds, docs/effective-protection.md) as %s — %s', (login) => {
  it('evaluates every scenario to the same result: bypass actors, allowances, code owners, pinned checks, locks', async () => {
    const rest = (await evaluateWith(sb, login, 'acme-rules', 'rest')).evaluations;
    const graphql = (await evaluateWith(sb, login, 'acme-rules', 'graphql')).evaluations;
    expect(rest).toHaveLength(12);
    expectSameEvaluations(rest, graphql);
    const settings = new Set(rest.flatMap((e) => e.assessment.findings.map((f) => f.setting)));
    if (login === 'ada') {
      // Every new kind of finding is among what the two readers agree on.
      for (const s of ['bypass', 'enforceAdmins', 'codeOwners', 'requiredStatusChecks.unsatisfiable', 'requiredStatusChecks.strict'])
        expect(settings, s).toContain(s);
      // The user bypass actor: GraphQL cannot name users, the batched reader asks REST for that ruleset.
      expect(
        graphql
          .find((e) => e.live.repo.name === 'bypass-actors')!
          .assessment.findings.some((f) => /^main: user #\d+ can bypass/.test(f.message)),
      ).toBe(true);
    } else {
      const hidden = graphql.find((e) => e.live.repo.name === 'hidden-bypass')!.assessment;
      expect(hidden.level).toBe('at least standard');
    }
  });
});

describe('acme as rita: what a non-admin cannot see stays unseen', () => {
  it('records read-only access and never an "unprotected" classic side', async () => {
    const { evaluations } = await evaluateWith(sb, 'rita', 'acme', 'graphql');
    const seen = evaluations.filter((e) => !e.live.repo.archived);
    expect(seen.every((e) => e.live.access === 'read-only')).toBe(true);
    for (const e of seen) {
      expect(e.live.classicByBranch).toBeNull();
      // GitHub's empty answer is recorded only where patterns are asked about, as REST does.
      if (e.live.classicRules !== null) expect(e.live.classicRules).toEqual([]);
      // Bypass lists are REST's "only for those who can edit the ruleset": unknown, not empty.
      for (const rs of e.live.rulesets ?? []) expect(rs.bypassActors).toBeNull();
    }
    expect(seen.filter((e) => !e.live.repo.empty && e.assessment.status === 'assessed')).toEqual([]);
  });
});

describe('acme as eve — an outsider: public repositories only, rulesets read through them', () => {
  it('both readers assess the same five repositories alike, none failed; bypass lists unknown, never empty', async () => {
    const rest = (await evaluateWith(sb, 'eve', 'acme', 'rest')).evaluations;
    const graphql = (await evaluateWith(sb, 'eve', 'acme', 'graphql')).evaluations;
    const publicRepos = ['design-system', 'documentation-system', 'forked-lib', 'hackathon-2025', 'platform-docs'];
    expect(rest.map((e) => e.live.repo.fullName)).toEqual(publicRepos.map((n) => `acme/${n}`));
    expectSameEvaluations(rest, graphql);
    for (const e of graphql) {
      expect(e.live.readError, e.live.repo.fullName).toBeNull();
      expect(e.assessment.status).not.toBe('error');
      // The org's rulesets are read through the public repository; their bypass lists stay unknown.
      expect(e.live.rulesets?.some((rs) => rs.source.type === 'Organization')).toBe(true);
      for (const rs of e.live.rulesets ?? []) expect(rs.bypassActors).toBeNull();
    }
  });
});

describe('acme-labs (Free plan) as ada', () => {
  it('private repositories are plan-unavailable, as REST finds them, with one probe for the org', async () => {
    const rest = (await evaluateWith(sb, 'ada', 'acme-labs', 'rest')).evaluations;
    const from = sb.exchanges.length;
    const graphql = (await evaluateWith(sb, 'ada', 'acme-labs', 'graphql')).evaluations;
    expectSameEvaluations(rest, graphql);
    const planless = graphql.filter((e) => e.live.access === 'plan-unavailable');
    expect(planless.length).toBeGreaterThanOrEqual(2);
    expect(planless.every((e) => e.assessment.status === 'not_applicable')).toBe(true);
    const probes = sb.exchanges.slice(from).filter((e) => e.route === '/repos/{owner}/{repo}/rulesets');
    expect(probes).toHaveLength(1);
    expect(probes[0]!.status).toBe(403);
  });
});

describe('qms classify: the same classification from either reader', () => {
  it.each(['ada', 'rita'])('as %s', async (login) => {
    const gateway = gatewayAs(sb, login);
    const run = (kind: 'rest' | 'graphql') => classifyOrg({ reader: createLiveStateReader(gateway, { kind }), policy }, { org: 'acme' });
    const rest = await run('rest');
    const from = sb.exchanges.length;
    const graphql = await run('graphql');
    expect(graphql).toEqual(rest);
    // Classification needs no protection: listing pages (1 point each), properties, nothing per repository.
    const requests = sb.exchanges.slice(from);
    expect(requests.length).toBeLessThanOrEqual(4);
  });
});

describe('a generated organization of 1,000 repositories (seed 7)', () => {
  let gen: Sandbox;
  let rest: RepoEvaluation[];
  let graphql: RepoEvaluation[];
  let restRequests: number;
  let graphqlRequests: number;
  let graphqlPoints: number;

  beforeAll(async () => {
    // Not contract-checked: the REST baseline alone sends ~7,000 requests; the
    // documents and routes involved are checked on acme above.
    gen = await startSandbox({ state: generateOrg({ login: 'bigco', repos: 1000, seed: 7 }), rateLimit: { core: 1e6, graphql: 1e6 } });
    rest = (await evaluateWith(gen, 'ada', 'bigco', 'rest')).evaluations;
    restRequests = gen.stats.snapshot().total;
    gen.stats.reset();
    graphql = (await evaluateWith(gen, 'ada', 'bigco', 'graphql')).evaluations;
    const stats = gen.stats.snapshot();
    graphqlRequests = stats.total;
    graphqlPoints = stats.graphqlPoints;
  }, 180_000);
  afterAll(async () => {
    await gen?.close();
  });

  it('gives the same evaluation for every repository', () => {
    expect(rest).toHaveLength(1000);
    expect(graphql.map((e) => e.live.repo.fullName)).toEqual(rest.map((e) => e.live.repo.fullName));
    expectSameEvaluations(rest, graphql);
    const findings = rest.reduce((n, e) => n + e.assessment.findings.length, 0);
    const renamed = countClassicRenames(graphql);
    console.info(`bigco: ${findings} findings equal; ${renamed} name the classic rule's pattern where REST names the branch`);
    expect(findings).toBeGreaterThan(1000);
  });

  it('with about 30× fewer requests and a few points per 100 repositories', () => {
    console.info(
      `bigco: REST reader ${restRequests} requests; batched reader ${graphqlRequests} requests, ${graphqlPoints} GraphQL points`,
    );
    expect(graphqlRequests * 30).toBeLessThan(restRequests);
    expect(graphqlRequests).toBeLessThanOrEqual(40);
    expect(graphqlPoints).toBeLessThanOrEqual(100);
  });
});
