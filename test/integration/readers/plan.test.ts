/**
 * For `qms plan`/`apply` at scale (src/services/plan.ts reads through the REST
 * reader today): the plan built from the batched reader's evaluations is the
 * plan built from the REST reader's — same steps, same before/after protection,
 * same skips and notes — so switching plan.ts to the batched reader changes what
 * it costs, not what it writes. The only difference allowed is `ruleId`, which
 * the batched reader knows more often (it always reads the rule list).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { buildPlan, type Plan } from '../../../src/core/plan.js';
import { evaluateOrg } from '../../../src/services/evaluate.js';
import { createLiveStateReader } from '../../../src/services/readers/graphql-reader.js';
import { generateOrg, startSandbox, type Sandbox } from '@qms/github-sim';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { collect, gatewayAs } from '../services/helpers.js';

const policy = defaultPolicy();

async function planWith(url: string, org: string, kind: 'rest' | 'graphql'): Promise<Plan> {
  const reader = createLiveStateReader(gatewayAs({ url } as TestSandbox, 'ada'), { kind, policy });
  const evaluations = await collect(evaluateOrg({ reader, policy }, { org }));
  return buildPlan(evaluations, { pilotRepositories: policy.pilotRepositories, tiers: policy.tiers });
}

function withoutRuleIds(plan: Plan): Plan {
  return { ...plan, steps: plan.steps.map((s) => ('ruleId' in s ? { ...s, ruleId: null } : s)) };
}

describe('the plan does not depend on the reader', () => {
  let sb: TestSandbox;
  let gen: Sandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
    gen = await startSandbox({ state: generateOrg({ login: 'planco', repos: 200, seed: 21 }), rateLimit: { core: 1e6, graphql: 1e6 } });
  });
  afterAll(async () => {
    try {
      sb.assertContract();
    } finally {
      await sb.close();
      await gen.close();
    }
  });

  it.each([
    ['acme', () => sb.url],
    ['planco', () => gen.url],
  ])('%s: same steps, before and after states, skips and notes', async (org, url) => {
    const rest = await planWith(url(), org, 'rest');
    const graphql = await planWith(url(), org, 'graphql');
    expect(rest.steps.length).toBeGreaterThan(10);
    expect(withoutRuleIds(graphql)).toEqual(withoutRuleIds(rest));
  });
});
