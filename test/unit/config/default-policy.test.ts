import { describe, expect, it } from 'vitest';
import { defaultPolicy, SEED_QMS_CHECKS } from '../../../src/core/default-policy.js';
import { BUILTIN_TIERS } from '../../../src/core/policy.js';

describe('built-in policy (seed numbers)', () => {
  const policy = defaultPolicy();

  it('has the four seed tiers, strictest first by rank', () => {
    expect(Object.keys(policy.tiers)).toEqual([...BUILTIN_TIERS]);
    const ranks = BUILTIN_TIERS.map((t) => policy.tiers[t]!.rank);
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(new Set(ranks).size).toBe(4);
    expect(policy.defaultTier).toBe('standard');
    for (const [name, tier] of Object.entries(policy.tiers)) expect(tier.name).toBe(name);
  });

  it('mission_critical reproduces seed §4.1', () => {
    const mc = policy.tiers['mission_critical']!;
    expect(mc.branches.map((b) => b.pattern)).toEqual(['~DEFAULT_BRANCH', 'release/*', 'hotfix/*']);
    for (const b of mc.branches) {
      expect(b.protection.requiredReviews).toEqual({
        requiredApprovingReviewCount: 2,
        requireCodeOwnerReviews: true,
        dismissStaleReviews: true,
        requireLastPushApproval: true,
      });
      expect(b.protection.requiredStatusChecks).toEqual({
        contexts: [
          'qms/dor-validation',
          'qms/security-scan-critical',
          'qms/code-quality-gate',
          'qms/compliance-audit',
          'qms/dod-validation',
        ],
        strict: true,
      });
      expect(b.protection.enforceAdmins).toBe(true);
      expect(b.protection.requireLinearHistory).toBe(true);
      expect(b.protection.requireConversationResolution).toBe(true);
      expect(b.protection.allowForcePushes).toBe(false);
      expect(b.protection.allowDeletions).toBe(false);
    }
    // §4.1 squash false, merge commit true; rebase allowed because linear history
    // blocks merge commits (see default-policy.ts).
    expect(mc.merge).toEqual({ allowSquashMerge: false, allowMergeCommit: true, allowRebaseMerge: true });
    expect(mc.checks).toEqual([...SEED_QMS_CHECKS]);
    expect(mc.bypassLevels).toEqual(['level_2_architect', 'level_3_qms_coordinator', 'emergency_commander']);
  });

  it('business_critical: default + release/*, two approvals, level 3 bypass', () => {
    const bc = policy.tiers['business_critical']!;
    expect(bc.branches.map((b) => b.pattern)).toEqual(['~DEFAULT_BRANCH', 'release/*']);
    expect(bc.branches[0]!.protection.requiredReviews?.requiredApprovingReviewCount).toBe(2);
    expect(bc.branches[0]!.protection.requiredReviews?.requireCodeOwnerReviews).toBe(true);
    expect(bc.branches[0]!.protection.enforceAdmins).toBe(false);
    expect(bc.bypassLevels).toContain('level_3_qms_coordinator');
    expect(bc.bypassLevels).not.toContain('emergency_commander');
  });

  it('standard: default branch, one approval, a smaller check set', () => {
    const st = policy.tiers['standard']!;
    expect(st.branches.map((b) => b.pattern)).toEqual(['~DEFAULT_BRANCH']);
    expect(st.branches[0]!.protection.requiredReviews?.requiredApprovingReviewCount).toBe(1);
    const contexts = st.branches[0]!.protection.requiredStatusChecks!.contexts;
    expect(contexts.length).toBeLessThan(SEED_QMS_CHECKS.length);
    for (const c of contexts) expect(SEED_QMS_CHECKS).toContain(c);
    expect(st.bypassLevels).toEqual(['level_1_lead', 'level_2_architect']);
  });

  it('experimental: minimal, no force pushes or deletions', () => {
    const ex = policy.tiers['experimental']!;
    expect(ex.branches).toEqual([{ pattern: '~DEFAULT_BRANCH', protection: { allowForcePushes: false, allowDeletions: false } }]);
    expect(ex.checks).toEqual([]);
    expect(ex.bypassLevels).toEqual(['level_1_lead']);
  });

  it('each tier demands at least what the tier below demands on the default branch', () => {
    const order = BUILTIN_TIERS.map((t) => policy.tiers[t]!);
    for (let i = 0; i + 1 < order.length; i++) {
      const upper = order[i]!.branches[0]!.protection;
      const lower = order[i + 1]!.branches[0]!.protection;
      expect(upper.requiredReviews?.requiredApprovingReviewCount ?? 0).toBeGreaterThanOrEqual(
        lower.requiredReviews?.requiredApprovingReviewCount ?? 0,
      );
      for (const c of lower.requiredStatusChecks?.contexts ?? []) expect(upper.requiredStatusChecks?.contexts).toContain(c);
      expect(order[i]!.branches.length).toBeGreaterThanOrEqual(order[i + 1]!.branches.length);
    }
  });

  it('bypass levels of seed §2.5.1', () => {
    expect(Object.keys(policy.bypassLevels)).toEqual([
      'level_1_lead',
      'level_2_architect',
      'level_3_qms_coordinator',
      'emergency_commander',
    ]);
    const l = policy.bypassLevels;
    expect(l['level_1_lead']).toMatchObject({
      roles: ['devops-lead', 'team-lead', 'senior-developer'],
      incidentSeverities: ['low', 'medium'],
      signaturesRequired: 1,
      documentationLevel: 'basic',
      businessHoursOnly: true,
    });
    expect(l['level_2_architect']).toMatchObject({
      roles: ['technical-architect', 'principal-engineer'],
      incidentSeverities: ['medium', 'high'],
      businessImpacts: ['moderate', 'significant'],
      signaturesRequired: 1,
      documentationLevel: 'detailed',
    });
    expect(l['level_3_qms_coordinator']).toMatchObject({
      roles: ['qms-quality-coordinator', 'qms-compliance-coordinator'],
      incidentSeverities: ['high', 'critical'],
      signaturesRequired: 2,
      documentationLevel: 'comprehensive',
      regulatoryImpact: true,
    });
    expect(l['emergency_commander']).toMatchObject({
      roles: ['roo-commander', 'cto', 'engineering-director'],
      incidentSeverities: ['critical'],
      businessImpacts: ['critical'],
      signaturesRequired: 1,
      documentationLevel: 'incident_report',
      postIncidentReview: true,
    });
    for (const level of Object.values(l)) {
      expect(level.maxDurationHours).toBeGreaterThan(0);
      for (const role of level.roles) expect(Object.keys(policy.roles)).toContain(role);
    }
  });

  it('review assignment weights 0.40/0.30/0.20/0.10 and seed §2.4.1 mapping', () => {
    const ra = policy.reviewAssignment;
    expect(ra.weights).toEqual({ expertiseMatch: 0.4, workloadBalance: 0.3, availability: 0.2, contextPreservation: 0.1 });
    expect(ra.maxConcurrentReviews).toBe(5);
    expect(ra.expertise['security_changes']).toMatchObject({
      primary: ['security-specialist', 'senior-developer'],
      secondary: ['qms-security-scanner', 'architect'],
    });
    expect(ra.expertise['database_changes']).toMatchObject({
      primary: ['database-specialist', 'senior-developer'],
      secondary: ['qms-dod-validator', 'architect'],
    });
    expect(ra.expertise['infrastructure_changes']).toMatchObject({
      primary: ['devops-specialist', 'infrastructure-architect'],
      secondary: ['security-specialist', 'senior-developer'],
    });
    for (const area of Object.values(ra.expertise)) expect(area.paths.length).toBeGreaterThan(0);
  });

  it('pilot repositories of seed §3.2.1', () => {
    expect(policy.pilotRepositories).toEqual(['qms-testing-sandbox', 'documentation-system']);
    expect(policy.pilots).toEqual([
      { name: 'qms-testing-sandbox', tier: 'experimental', team: 'qms-team', expectedPrVolume: '5-10/week' },
      { name: 'documentation-system', tier: 'standard', team: 'technical-writing', expectedPrVolume: '3-5/week' },
    ]);
  });

  it('global policies of seed §4.2', () => {
    expect(policy.global.compliance).toEqual({
      auditRetentionDays: 2557,
      regulatoryFrameworks: ['SOX', 'PCI-DSS', 'GDPR'],
      requiredDocumentation: ['change_justification', 'risk_assessment'],
    });
    expect(policy.global.securityBaselines).toEqual({
      mandatoryChecks: ['security-scan-critical', 'dependency-audit'],
      vulnerabilityThresholds: { critical: 0, high: 0, medium: 5, low: 20 },
    });
    expect(policy.global.performanceStandards).toEqual({
      maxCheckDurationMinutes: 10,
      maxReviewAssignmentSeconds: 30,
      availabilityTarget: 99.9,
    });
  });

  it('returns a fresh copy on every call', () => {
    const a = defaultPolicy();
    a.tiers['standard']!.branches[0]!.protection.requiredReviews!.requiredApprovingReviewCount = 6;
    a.reviewAssignment.weights.availability = 0;
    const b = defaultPolicy();
    expect(b.tiers['standard']!.branches[0]!.protection.requiredReviews!.requiredApprovingReviewCount).toBe(1);
    expect(b.reviewAssignment.weights.availability).toBe(0.2);
    // Branch targets of one tier do not share objects either.
    const mc = b.tiers['mission_critical']!;
    expect(mc.branches[0]!.protection).not.toBe(mc.branches[1]!.protection);
  });
});
