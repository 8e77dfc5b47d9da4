/**
 * A ruleset GitHub lists for a repository but will not show (it is gone by the
 * time it is read, or this token may not read it): both readers keep what they
 * could read and mark that part unknown — the repository is not failed. Here the
 * read of the organization's PCI ruleset is held while the ruleset is deleted, so
 * the read that follows the listing meets GitHub's own "not found".
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { effectiveProtection } from '../../../src/core/effective-protection.js';
import { evaluateLiveState } from '../../../src/services/evaluate.js';
import { createLiveStateReader } from '../../../src/services/readers/graphql-reader.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { gatewayAs } from '../services/helpers.js';

const policy = defaultPolicy();

describe('a listed ruleset that cannot be read', () => {
  let sb: TestSandbox;
  beforeEach(async () => {
    sb = await startTestSandbox();
  });
  afterEach(async () => {
    sb.assertContract();
    await sb.close();
  });

  it.each(['rest', 'graphql'] as const)(
    '%s reader: that ruleset is unknown, the rest is read, the repository is not failed',
    async (kind) => {
      const pci = ((await sb.api('/orgs/acme/rulesets')).body as { id: number; name: string; node_id: string }[]).find(
        (r) => r.name === 'PCI baseline',
      )!;
      // Hold the read of the PCI ruleset (REST: its GET by id; GraphQL: the node query of rulesets).
      sb.sandbox.faults.add(
        kind === 'rest'
          ? {
              kind: 'slow',
              method: 'GET',
              route: '/repos/{owner}/{repo}/rulesets/{ruleset_id}',
              pathIncludes: `/rulesets/${pci.id}`,
              delayMs: 60_000,
            }
          : { kind: 'slow', route: '/graphql', bodyIncludes: 'fragment QmsRuleset on RepositoryRuleset', delayMs: 60_000 },
      );
      const reader = createLiveStateReader(gatewayAs(sb, 'ada'), { kind, policy });
      const reading = reader.readRepo({ owner: 'acme', name: 'payment-gateway' });
      // The fault is used up once the read has arrived and is being held.
      await vi.waitFor(() => expect(sb.sandbox.faults.list()).toEqual([]), { timeout: 30_000, interval: 10 });
      expect((await sb.api(`/orgs/acme/rulesets/${pci.id}`, { method: 'DELETE' })).status).toBe(204);
      sb.sandbox.faults.releaseHeld();
      const live = await reading;

      expect(live.readError).toBeNull();
      expect(live.unreadRulesets).toBe(1);
      expect(live.rulesets?.map((rs) => rs.name)).toEqual(['Linear history trial']);
      const evaluation = evaluateLiveState(live, policy);
      expect(evaluation.assessment.status).not.toBe('error');
      if (kind === 'graphql') {
        // No per-branch answer from GitHub: what could be read is a lower bound, the state unknown.
        const main = effectiveProtection(live, 'main');
        expect(main.state).toBe('unknown');
        expect(main.reason).toMatch(/1 ruleset listed for the repository could not be read/);
      }
    },
  );
});
