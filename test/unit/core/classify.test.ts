import { describe, expect, it } from 'vitest';
import { classifyRepo, resolveTierName, ruleForName, tierTopic } from '../../../src/core/classify.js';
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
  it('lets the repo config raise the tier above the property, naming both, and notes a disagreeing topic', () => {
    const repo = repoInfo({ name: 'payment-api', topics: ['qms-tier-bronze'], customProperties: { qms_tier: 'bronze' } });
    const c = classifyRepo(graphqlState(repo), policy, validConfig('gold'));
    expect(c).toMatchObject({
      tier: 'gold',
      status: 'classified',
      evidence: { kind: 'repo-config', detail: '.qms/branch-protection.yml' },
    });
    expect(c.reason).toBe(
      'The repo config .qms/branch-protection.yml asks for gold; ' +
        'org evidence (custom property qms_tier=bronze) says bronze: the higher tier applies.',
    );
    expect(c.overruled).toBeUndefined();
    expect(c.notes.filter((n) => n.startsWith('Conflicting evidence'))).toEqual([
      'Conflicting evidence: topic qms-tier-bronze says bronze, but the repo config .qms/branch-protection.yml decides gold.',
    ]);
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

describe('a repository cannot lower its own tier (issue 11 item 4)', () => {
  const payments = repoInfo({ name: 'payments-ledger' });

  it("a repo config below a policy rule is overruled: the rule's tier applies, with the reason and what was asked", () => {
    const c = classifyRepo(graphqlState(payments), policy, validConfig('bronze'));
    expect(c).toMatchObject({ tier: 'gold', status: 'classified', evidence: { kind: 'policy-rule', detail: 'rule 1: payment systems' } });
    expect(c.reason).toBe(
      'The repo config .qms/branch-protection.yml asks for bronze; ' +
        'org evidence (policy rule 1: payment systems) says gold: the higher tier applies.',
    );
    expect(c.overruled).toEqual({
      kind: 'repo-config',
      detail: '.qms/branch-protection.yml',
      tier: 'bronze',
      orgTier: 'gold',
      orgEvidence: { kind: 'policy-rule', detail: 'rule 1: payment systems' },
    });
  });

  it('a repo config below the qms_tier property is overruled by the property', () => {
    const c = classifyRepo(graphqlState(repoInfo({ name: 'misc', customProperties: { qms_tier: 'gold' } })), policy, validConfig('bronze'));
    expect(c).toMatchObject({ tier: 'gold', evidence: { kind: 'custom-property', detail: 'qms_tier=gold' } });
    expect(c.overruled).toMatchObject({
      kind: 'repo-config',
      tier: 'bronze',
      orgEvidence: { kind: 'custom-property', detail: 'qms_tier=gold' },
    });
    expect(c.reason).toMatch(/asks for bronze; org evidence \(custom property qms_tier=gold\) says gold: the higher tier applies/);
  });

  it('topics are repository-controlled too: a tier topic below a rule is overruled, one above it raises the tier', () => {
    const low = classifyRepo(graphqlState(repoInfo({ name: 'payments-ledger', topics: ['qms-tier-bronze'] })), policy);
    expect(low.tier).toBe('gold');
    expect(low.overruled).toMatchObject({ kind: 'topic', detail: 'qms-tier-bronze', tier: 'bronze', orgTier: 'gold' });
    const goCli = repoInfo({ name: 'cli', visibility: 'public', language: 'Go', topics: ['qms-tier-gold'] });
    const high = classifyRepo(graphqlState(goCli), policy);
    expect(high).toMatchObject({ tier: 'gold', evidence: { kind: 'topic', detail: 'qms-tier-gold' } });
    expect(high.overruled).toBeUndefined();
    expect(high.reason).toBe(
      'The topic qms-tier-gold asks for gold; ' +
        'org evidence (policy rule 3: visibility public, language go) says bronze: the higher tier applies.',
    );
  });

  it("the property is the org's explicit word: it outranks a rule even when lower (no repository evidence involved)", () => {
    const c = classifyRepo(graphqlState(repoInfo({ name: 'payments-ledger', customProperties: { qms_tier: 'bronze' } })), policy);
    expect(c).toMatchObject({ tier: 'bronze', evidence: { kind: 'custom-property' } });
    expect(c.overruled).toBeUndefined();
  });

  it('with no org evidence the repository decides, even below the default tier (the default is not evidence)', () => {
    const p = smallPolicy({ defaultTier: 'gold' });
    const c = classifyRepo(graphqlState(repoInfo({ name: 'misc' })), p, validConfig('bronze'));
    expect(c).toMatchObject({ tier: 'bronze', evidence: { kind: 'repo-config' } });
    expect(c.overruled).toBeUndefined();
    // An org that wants a floor everywhere adds a catch-all rule.
    const floor = smallPolicy({ defaultTier: 'gold', classification: [{ tier: 'gold', match: {} }] });
    const held = classifyRepo(graphqlState(repoInfo({ name: 'misc' })), floor, validConfig('bronze'));
    expect(held).toMatchObject({
      tier: 'gold',
      overruled: { tier: 'bronze', orgEvidence: { kind: 'policy-rule', detail: 'rule 1: matches every repository' } },
    });
  });

  it("equal tiers: the repository's declaration is the evidence, nothing is overruled", () => {
    const c = classifyRepo(graphqlState(payments), policy, validConfig('gold'));
    expect(c).toMatchObject({ tier: 'gold', evidence: { kind: 'repo-config' } });
    expect(c.reason).toBe('The repo config .qms/branch-protection.yml declares tier gold.');
    expect(c.overruled).toBeUndefined();
  });
});

describe('ruleForName (a repo config checked on its own)', () => {
  it('finds the rule a name alone decides, and says undecidable when an earlier rule needs more than the name', () => {
    expect(ruleForName(policy, 'payments-ledger')).toEqual({ index: 0, tier: 'gold', description: 'payment systems' });
    // Rule 2 needs topics: it could match any name, so the answer is not known.
    expect(ruleForName(policy, 'misc')).toBe('undecidable');
    const namesOnly = smallPolicy({
      classification: [
        { tier: 'gold', match: { names: ['*payment*'] } },
        { tier: 'bronze', match: { names: ['acme/x'] } },
      ],
    });
    expect(ruleForName(namesOnly, 'web')).toBe('undecidable');
    expect(ruleForName(smallPolicy({ classification: [{ tier: 'gold', match: { names: ['*payment*'] } }] }), 'web')).toBeNull();
  });
});
