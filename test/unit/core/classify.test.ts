import { describe, expect, it } from 'vitest';
import { classifyRepo, tierTopic, resolveTierName } from '../../../src/core/classify.js';
import type { ParsedRepoConfig } from '../../../src/core/live-state.js';
import { graphqlState, repoInfo, smallPolicy } from './helpers.js';

const validConfig = (tier: string, name?: string): ParsedRepoConfig => ({
  status: 'valid',
  path: '.qms/branch-protection.yml',
  config: { repository: name === undefined ? { tier } : { tier, name } },
});

const policy = smallPolicy({
  classification: [
    { tier: 'gold', description: 'payment systems', match: { names: ['*payment*'] } },
    { tier: 'gold', match: { topics: ['customer-facing', 'prod'] } },
    { tier: 'bronze', match: { visibility: ['public'], languages: ['go'] } },
  ],
});

describe('classifyRepo evidence order', () => {
  it('uses the repo config first and notes a disagreeing custom property and topic', () => {
    const repo = repoInfo({ name: 'payment-api', topics: ['qms-tier-bronze'], customProperties: { qms_tier: 'bronze' } });
    const c = classifyRepo(graphqlState(repo), policy, validConfig('gold'));
    expect(c).toMatchObject({ tier: 'gold', status: 'classified', evidence: { kind: 'repo-config', detail: '.qms/branch-protection.yml' } });
    expect(c.reason).toContain('.qms/branch-protection.yml');
    expect(c.notes.filter((n) => n.startsWith('Conflicting evidence'))).toHaveLength(2);
    expect(c.notes.join('\n')).toMatch(/custom property qms_tier says bronze/);
  });

  it('uses the custom property when there is no repo config', () => {
    const repo = repoInfo({ name: 'payment-api', customProperties: { qms_tier: 'gold' } });
    const c = classifyRepo(graphqlState(repo), policy, { status: 'absent' });
    expect(c.evidence).toEqual({ kind: 'custom-property', detail: 'qms_tier=gold' });
    expect(c.notes).toEqual([]);
  });

  it('uses a tier topic (hyphenated, since topics cannot contain underscores)', () => {
    const p = smallPolicy();
    p.tiers['mission_critical'] = { ...p.tiers['gold']!, name: 'mission_critical', rank: 40 };
    expect(tierTopic('mission_critical')).toBe('qms-tier-mission-critical');
    const c = classifyRepo(graphqlState(repoInfo({ topics: ['qms-tier-mission-critical'] })), p);
    expect(c).toMatchObject({ tier: 'mission_critical', evidence: { kind: 'topic', detail: 'qms-tier-mission-critical' } });
  });

  it('picks the strictest of several tier topics and says so', () => {
    const c = classifyRepo(graphqlState(repoInfo({ topics: ['qms-tier-bronze', 'qms-tier-gold'] })), policy);
    expect(c.tier).toBe('gold');
    expect(c.notes.join('\n')).toMatch(/Several tier topics/);
  });

  it('falls back to the first matching policy rule (name glob, all topics, visibility+language)', () => {
    const byName = classifyRepo(graphqlState(repoInfo({ name: 'Legacy-PAYMENT-gw' })), policy);
    expect(byName).toMatchObject({ tier: 'gold', evidence: { kind: 'policy-rule', detail: 'rule 1: payment systems' } });

    const oneTopic = classifyRepo(graphqlState(repoInfo({ name: 'web', topics: ['customer-facing'] })), policy);
    expect(oneTopic.evidence?.kind).toBe('default');
    const bothTopics = classifyRepo(graphqlState(repoInfo({ name: 'web', topics: ['prod', 'customer-facing'] })), policy);
    expect(bothTopics.evidence?.detail).toMatch(/^rule 2:/);

    const goPublic = classifyRepo(graphqlState(repoInfo({ name: 'cli', visibility: 'public', language: 'Go' })), policy);
    expect(goPublic).toMatchObject({ tier: 'bronze', evidence: { kind: 'policy-rule' } });
    const goPrivate = classifyRepo(graphqlState(repoInfo({ name: 'cli', visibility: 'private', language: 'Go' })), policy);
    expect(goPrivate.evidence?.kind).toBe('default');
  });

  it('uses the default tier when nothing else matches, with a reason', () => {
    const c = classifyRepo(graphqlState(repoInfo({ name: 'misc' })), policy);
    expect(c).toMatchObject({ tier: 'bronze', status: 'classified', evidence: { kind: 'default', detail: 'bronze' } });
    expect(c.reason).toMatch(/default tier bronze/);
  });

  it('skips to the next kind when evidence names an unknown tier', () => {
    const repo = repoInfo({ name: 'misc', customProperties: { qms_tier: 'platinum' }, topics: ['qms-tier-gold'] });
    const c = classifyRepo(graphqlState(repo), policy, validConfig('diamond'));
    expect(c.evidence?.kind).toBe('topic');
    expect(c.tier).toBe('gold');
    expect(c.notes.some((n) => n.includes("'diamond'"))).toBe(true);
    expect(c.notes.some((n) => n.includes("'platinum'"))).toBe(true);
  });

  it('ignores an invalid repo config for classification and carries its located error in a note', () => {
    const parsed: ParsedRepoConfig = {
      status: 'invalid',
      path: '.qms/branch-protection.yml',
      problems: [{ file: '.qms/branch-protection.yml', line: 3, column: 9, pointer: '/repository/tier', message: 'must be a string' }],
    };
    const c = classifyRepo(graphqlState(repoInfo({ customProperties: { qms_tier: 'gold' } })), policy, parsed);
    expect(c.evidence?.kind).toBe('custom-property');
    expect(c.notes[0]).toContain('.qms/branch-protection.yml:3:9: repository.tier: must be a string');
  });

  it('notes a found but unparsed config file and a config naming another repository', () => {
    const live = graphqlState(repoInfo(), { repoConfigFile: { kind: 'found', path: '.qms/branch-protection.yml', text: 'x' } });
    expect(classifyRepo(live, policy).notes.join()).toMatch(/not parsed/);
    const c = classifyRepo(graphqlState(repoInfo({ name: 'svc' })), policy, validConfig('gold', 'core-payment-system'));
    expect(c.tier).toBe('gold');
    expect(c.notes.join()).toMatch(/names repository 'core-payment-system'/);
  });

  it('accepts a single-valued multi-select property and ignores several values', () => {
    expect(classifyRepo(graphqlState(repoInfo({ customProperties: { qms_tier: ['gold'] } })), policy).tier).toBe('gold');
    const many = classifyRepo(graphqlState(repoInfo({ name: 'x', customProperties: { qms_tier: ['gold', 'bronze'] } })), policy);
    expect(many.evidence?.kind).toBe('default');
    expect(many.notes.join()).toMatch(/several values/);
  });

  it('resolves tier names leniently but not loosely', () => {
    expect(resolveTierName(policy, 'GOLD')).toBe('gold');
    expect(resolveTierName(policy, 'golden')).toBeNull();
  });
});

describe('classifyRepo skipped and special repositories', () => {
  it('skips archived and disabled repositories with a reason', () => {
    const archived = classifyRepo(graphqlState(repoInfo({ archived: true, customProperties: { qms_tier: 'gold' } })), policy);
    expect(archived).toMatchObject({ status: 'skipped', tier: null, evidence: null });
    expect(archived.reason).toMatch(/Archived/);
    const disabled = classifyRepo(graphqlState(repoInfo({ disabled: true })), policy);
    expect(disabled).toMatchObject({ status: 'skipped', tier: null });
    expect(disabled.reason).toMatch(/disabled/);
  });

  it('classifies forks and empty repositories, with notes', () => {
    const fork = classifyRepo(graphqlState(repoInfo({ fork: true, name: 'payment-fork' })), policy);
    expect(fork).toMatchObject({ status: 'classified', tier: 'gold' });
    expect(fork.notes.join()).toMatch(/fork/);
    const empty = classifyRepo(graphqlState(repoInfo({ empty: true })), policy);
    expect(empty.status).toBe('classified');
    expect(empty.notes.join()).toMatch(/empty/);
  });

  it('skips when no evidence applies and the default tier does not exist', () => {
    const c = classifyRepo(graphqlState(repoInfo({ name: 'misc' })), smallPolicy({ defaultTier: 'nope' }));
    expect(c).toMatchObject({ status: 'skipped', tier: null });
    expect(c.reason).toMatch(/'nope' is not defined/);
  });
});
