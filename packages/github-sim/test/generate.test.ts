import { describe, expect, it } from 'vitest';
import { generateOrg, loadFixture, startSandbox } from '../src/index.js';
import { apiFor, parseLink } from './helpers.js';

describe('generateOrg', () => {
  it('is deterministic for a seed and varies with it', () => {
    const a = generateOrg({ login: 'bigco', repos: 200, seed: 7 });
    const b = generateOrg({ login: 'bigco', repos: 200, seed: 7 });
    const c = generateOrg({ login: 'bigco', repos: 200, seed: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('produces a realistic mix', () => {
    const { repos } = generateOrg({ login: 'bigco', repos: 2000, seed: 1 });
    const share = (f: (r: (typeof repos)[number]) => boolean) => repos.filter(f).length / repos.length;
    expect(share((r) => r.protectionRules.length > 0)).toBeGreaterThan(0.3);
    expect(share((r) => r.protectionRules.length === 0 && r.rulesets.length === 0)).toBeGreaterThan(0.2);
    expect(share((r) => r.rulesets.length > 0)).toBeGreaterThan(0.01);
    expect(share((r) => r.protectionRules.some((p) => p.pattern === 'release/*'))).toBeGreaterThan(0.05);
    expect(share((r) => r.archived)).toBeGreaterThan(0.005);
    expect(share((r) => r.fork)).toBeGreaterThan(0.005);
    expect(share((r) => Object.keys(r.branches).length === 0)).toBeGreaterThan(0.001);
    expect(share((r) => r.customProperties['qms_tier'] !== undefined)).toBeGreaterThan(0.1);
    expect(share((r) => r.topics.some((t) => t.startsWith('qms-tier-')))).toBeGreaterThan(0.1);
    expect(share((r) => r.files['.qms/branch-protection.yml'] !== undefined)).toBeGreaterThan(0.05);
    expect(share((r) => /^poc-|-reporting$|^payments-|-docs$/.test(r.name))).toBeGreaterThan(0.05);
    expect(new Set(repos.map((r) => r.name)).size).toBe(repos.length);
  });

  it('can add an org to the fixture state', () => {
    const state = generateOrg({ login: 'bigco', repos: 10, seed: 1, into: loadFixture() });
    expect(state.orgs.map((o) => o.login)).toEqual(['acme', 'acme-labs', 'acme-rules', 'bigco']);
    expect(state.orgs.at(-1)!.members['max']).toBe('member');
  });

  it('serves a 10,000-repository org through the paginated listing', async () => {
    const state = generateOrg({ login: 'bigco', repos: 10_000, seed: 42 });
    const sb = await startSandbox({ state });
    const api = apiFor(sb);
    try {
      const first = await api('/orgs/bigco/repos?per_page=100');
      expect(first.body).toHaveLength(100);
      const last = parseLink(first.headers.get('link'))['last']!;
      expect(new URL(last).searchParams.get('page')).toBe('100');
      const end = await api('/orgs/bigco/repos?per_page=100&page=100');
      expect(end.body).toHaveLength(100);
      expect((await api('/orgs/bigco/repos')).body).toHaveLength(30); // default per_page
      expect((await api('/orgs/bigco/repos?per_page=1000')).body).toHaveLength(100); // max per_page
      const name = end.body[0].name as string;
      expect((await api(`/repos/bigco/${name}`)).status).toBe(200);
      expect((await api('/orgs/bigco/repos?per_page=100', { as: 'rita' })).body).toHaveLength(100);
    } finally {
      await sb.close();
    }
  });
});
