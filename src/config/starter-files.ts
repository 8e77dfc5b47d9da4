/**
 * The files `qms init` writes: a commented `qms.config.yml` holding the
 * built-in defaults (generated from them, so it cannot drift; a test loads it
 * back and compares), and a commented `.qms/branch-protection.yml` template.
 */
import { Document, isMap, isScalar, isSeq, visit, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { defaultPolicy } from '../core/default-policy.js';
import type { QmsPolicy } from '../core/policy.js';
import { policyToDocument } from './policy-document.js';

const HEADER = `qms policy file: tiers, classification, roles, bypass levels, review
assignment and global policies for the QMS branch-protection programme.

This file holds qms's built-in defaults (the seed framework's values), so it
changes nothing until you edit it. How qms combines it with the defaults: a
JSON merge patch (RFC 7396): mappings merge key by key, lists and values
replace, and "null" removes an entry (a tier, role, bypass level or expertise
area). You may therefore delete every section you do not change; "version: 1"
alone means "the defaults".

Check it with:  qms config validate qms.config.yml
Schema:         schemas/qms-config.schema.json (in the qms package)`;

/** Comments before keys, by path (keys joined with "."). */
const COMMENTS: Record<string, string> = {
  version: 'Format version. 1 is the only one.',
  default_tier:
    'Tier of a repository that no evidence classifies (repo config, the\n"qms_tier" custom property, a "qms-tier-<tier>" topic, or a rule below).',
  tiers: `Tiers, each with a rank (higher is stricter) and the protection every
target branch must have at least. A branch pattern is ~DEFAULT_BRANCH (the
repository's default branch), a branch name, or an fnmatch glob such as
release/*. A protection key that is absent is not required. "merge" lists
the repository merge methods the tier demands; "checks" the qms/* quality
gates it runs; "bypass_levels" the emergency levels its repositories may use;
"tolerated_bypass" (optional) standing GitHub bypasses the tier accepts, e.g.
{ org_admin: true, mode: pull_request } or { qms_role: cto }. Default: none
beyond administrators where the protection does not ask for enforce_admins.`,
  'tiers.mission_critical': `Seed §2.1.1: core business logic, customer-facing, payment, security.
Settings from seed §4.1 and §3.5 ("zero-tolerance merge policies").
Merge methods: the seed lists merge commits only AND linear history, which
GitHub cannot combine (linear history blocks merge commits), so rebase
merging is allowed as well.`,
  'tiers.business_critical': 'Seed §3.4: stricter merge restrictions, expanded compliance, level 3 bypass.',
  'tiers.standard': 'Seed §3.3: one approval and a smaller set of required checks.',
  'tiers.experimental': 'Seed §3.2: minimal; the default branch cannot be force-pushed or deleted.',
  classification: `Classification rules, tried in order. A rule matches when every
criterion it gives holds: a name glob matches, all topics are present, the
visibility and language are among those listed.`,
  pilot_repositories: 'Repositories of the pilot phase (seed §3.2.1), for "qms apply --phase pilot".',
  roles: `Who holds each role: GitHub user logins and team slugs. Bypass levels
name the roles that may approve them; review assignment names specialists.
All empty by default: nobody can approve a bypass until you fill these in.`,
  bypass_levels: `Emergency bypass levels (seed §2.5.1): who approves (roles), for which
incidents, how many signatures, and how long an approved bypass lasts.`,
  review_assignment: `Weighted reviewer assignment (seed §2.4.1). The four weights must add up
to 1. Expertise areas map changed paths (globs) to specialist roles.`,
  global_policies: `System-wide policies (seed §4.2). Periods are written like "7_years",
"18_months", "90_days"; durations like "10_minutes" or "30_seconds".`,
};

function pairIn(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && (p.key as Scalar).value === key) as Pair | undefined;
}

function annotate(doc: Document, path: string, text: string): void {
  const keys = path.split('.');
  let node: unknown = doc.contents;
  let pair: Pair | undefined;
  for (const key of keys) {
    if (!isMap(node)) return;
    pair = pairIn(node, key);
    if (!pair) return;
    node = pair.value;
  }
  if (pair && isScalar(pair.key)) {
    (pair.key as Scalar).commentBefore = comment(text);
    // A blank line before a commented key, except the first of a nested mapping.
    (pair.key as Scalar).spaceBefore = keys.length === 1 || !isFirstItem(doc, keys);
  }
}

function isFirstItem(doc: Document, keys: string[]): boolean {
  const parent = doc.getIn(keys.slice(0, -1), true);
  return isMap(parent) && isScalar(parent.items[0]?.key) && (parent.items[0]!.key as Scalar).value === keys[keys.length - 1];
}

/** Comment text as yaml wants it: each line gets "#" from yaml; keep a space after it. */
function comment(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? '' : ` ${l}`))
    .join('\n');
}

/** The starter policy file for a policy (the built-in defaults unless given). */
export function renderStarterPolicy(policy: QmsPolicy = defaultPolicy()): string {
  const doc = new Document(policyToDocument(policy));
  // Short lists of plain values read better on one line: [a, b, c].
  visit(doc, {
    Seq(_key, seq) {
      if (seq.items.every((i) => isScalar(i)) && seq.items.map((i) => String((i as Scalar).value)).join(', ').length <= 70) {
        seq.flow = true;
      }
    },
  });
  const root = doc.contents as YAMLMap;
  // A tier's branches usually share one protection profile: write it once (&anchor)
  // and refer to it (*alias), as a coordinator editing the file would.
  const tiers = pairIn(root, 'tiers')?.value;
  if (isMap(tiers)) {
    for (const tierPair of tiers.items) {
      const branches = isMap(tierPair.value) ? pairIn(tierPair.value, 'branches')?.value : undefined;
      if (!isSeq(branches) || branches.items.length < 2) continue;
      const first = branches.items[0];
      const firstProtection = isMap(first) ? pairIn(first, 'protection') : undefined;
      if (!firstProtection || !isMap(firstProtection.value)) continue;
      const shape = JSON.stringify(firstProtection.value.toJSON());
      for (const item of branches.items.slice(1)) {
        const protection = isMap(item) ? pairIn(item, 'protection') : undefined;
        if (!protection || !isMap(protection.value) || JSON.stringify(protection.value.toJSON()) !== shape) continue;
        firstProtection.value.anchor ??= `${String((tierPair.key as Scalar).value)}_protection`;
        protection.value = doc.createAlias(firstProtection.value);
      }
    }
  }
  // Roles on one line each: {users: [...], teams: [...]}.
  const roles = pairIn(root, 'roles')?.value;
  if (isMap(roles)) for (const role of roles.items) if (isMap(role.value)) role.value.flow = true;

  doc.commentBefore = comment(HEADER);
  for (const [path, text] of Object.entries(COMMENTS)) annotate(doc, path, text);
  // A blank line between top-level sections.
  for (const pair of root.items) if (isScalar(pair.key)) (pair.key as Scalar).spaceBefore = true;
  return doc.toString({ lineWidth: 0, indentSeq: true, flowCollectionPadding: false });
}

/** The `.qms/branch-protection.yml` template (seed §4.1, commented). */
export function renderRepoConfigTemplate(): string {
  return `# .qms/branch-protection.yml: this repository's QMS settings (seed §4.1).
#
# It asks for the repository's tier and may make the tier's protection
# stricter, never looser: a setting looser than the tier is reported by
# "qms assess" as a finding and is not applied. Likewise the tier may be
# raised, never lowered below what the organization says (the qms_tier
# custom property, the policy's classification rules). Check it with:
#   qms config validate .qms/branch-protection.yml
# Every section except "repository.tier" is optional; unknown keys are errors.

repository:
  name: "core-payment-system"
  # mission_critical, business_critical, standard or experimental (or a tier
  # your qms.config.yml defines).
  tier: "mission_critical"

branch_protection:
  # Branches to protect, on top of the tier's own targets: names or fnmatch
  # patterns; ~DEFAULT_BRANCH is the default branch, whatever it is called.
  target_branches: ["main", "release/*", "hotfix/*"]

status_checks:
  # Status checks required on the target branches (the tier's, plus any extra).
  enabled_checks:
    - "qms/dor-validation"
    - "qms/security-scan-critical"
    - "qms/code-quality-gate"
    - "qms/compliance-audit"
    - "qms/dod-validation"

  # Emergency bypass levels this repository accepts (seed §2.5.1). Turning off
  # a level the tier allows is stricter; turning on one it does not is looser.
  bypass_controls:
    level_1_enabled: false
    level_2_enabled: true
    level_3_enabled: true
    emergency_enabled: true

review_requirements:
  # Approvals needed (0-6, GitHub's limit); at least the tier's.
  required_reviewers: 2
  require_code_owner_reviews: true
  # Ask qms assign for specialists (seed §2.4).
  specialty_assignment: true

merge_restrictions:
  require_up_to_date: true
  require_linear_history: true
  # Linear history blocks merge commits, so squash or rebase merging must stay
  # allowed for pull requests to merge (the seed's example turns both off).
  allow_squash_merge: false
  allow_merge_commit: true
  allow_rebase_merge: true

emergency_contacts:
  primary: "payment-team-lead"
  escalation: ["payment-architect", "security-lead"]
  executive: "cto"
`;
}
