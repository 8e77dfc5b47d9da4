/**
 * Classification: which QMS tier a repository belongs to, and why.
 *
 * Evidence comes from two kinds of source, and who controls each decides what it
 * may do (DESIGN.md "Safety rules"; docs/classification.md argues each choice):
 * - org-controlled: the custom property `qms_tier` (only org actors may set it when
 *   the property is defined so), else the policy's classification rules (first
 *   match wins). The property comes first: it is the org's explicit word.
 * - repository-controlled: the repo config file `.qms/branch-protection.yml`
 *   (`repository.tier`; anyone who can push to the default branch edits it), else a
 *   topic `qms-tier-<tier>` (repository admins edit topics).
 * A repository may RAISE its tier above the org's evidence, never lower it: when
 * both speak, the higher tier applies; a repository-controlled tier below the org's
 * is recorded in `overruled` (assess reports it as a finding) and is not applied.
 * With no org evidence the repository's own declaration decides, and with neither
 * the policy's default tier applies: the default is what holds when nobody said
 * anything, not evidence (an org that wants a floor for every repository adds a
 * catch-all rule, e.g. `match: {names: ['*']}`, as its last rule).
 *
 * Evidence naming a tier the policy does not define is noted and skipped (falls
 * through to the next kind). Other explicit evidence (file, property, topic) that
 * disagrees with the result is recorded as a conflict note, so a coordinator can
 * clean it up; it never changes the result.
 *
 * Decisions:
 * - Archived and disabled repositories are `skipped` (archived repos are read-only,
 *   disabled ones cannot be used); the reason says which.
 * - Forks are classified exactly like other repositories (a fork inside the org is
 *   code the org ships or builds on), with a note so reports can filter them.
 * - Empty repositories (no commits) are classified too, so the tier is known before
 *   the first push; the note says there is nothing to protect yet and assessment
 *   reports them as not applicable rather than as gaps.
 * - Tier names are matched leniently (case, `-` vs `_`): GitHub topics cannot contain
 *   `_`, so `qms-tier-mission-critical` must name `mission_critical`.
 */
import picomatch from 'picomatch';
import type { RepoLiveState, ParsedRepoConfig } from './live-state.js';
import type { ClassificationRule, QmsPolicy } from './policy.js';
import { formatConfigProblem } from './errors.js';
import type { CustomPropertyValue } from './github-types.js';

/** Name of the custom property that declares a repository's tier. */
export const TIER_PROPERTY = 'qms_tier';
/** Prefix of the topic that declares a repository's tier (`qms-tier-standard`). */
export const TIER_TOPIC_PREFIX = 'qms-tier-';

export type EvidenceKind = 'repo-config' | 'custom-property' | 'topic' | 'policy-rule' | 'default';

export interface ClassificationEvidence {
  kind: EvidenceKind;
  /** The concrete evidence: file path, property value, topic, rule description, default tier. */
  detail: string;
}

/** A tier the repository asked for that is below the org's evidence: not applied. */
export interface OverruledDeclaration {
  /** Where the repository asked: its repo config file or a tier topic. */
  kind: 'repo-config' | 'topic';
  /** The file path or the topic. */
  detail: string;
  /** The tier the repository asked for. */
  tier: string;
  /** The org-controlled evidence that outranks it. */
  orgEvidence: { kind: 'custom-property' | 'policy-rule'; detail: string };
  /** The tier that evidence names (the tier that applies). */
  orgTier: string;
}

export interface Classification {
  /** `owner/name`. */
  repo: string;
  /** The tier, or null when skipped. */
  tier: string | null;
  status: 'classified' | 'skipped';
  /** What decided the tier; null when skipped. */
  evidence: ClassificationEvidence | null;
  /** Why, in one sentence a QMS coordinator understands. */
  reason: string;
  /** Side remarks: conflicts, ignored evidence, fork/empty, unreadable config. */
  notes: string[];
  /** Set when the repository asked for a lower tier than the org's evidence (a finding in assess). */
  overruled?: OverruledDeclaration;
}

/** The topic that declares `tier` (underscores become hyphens: topics cannot contain `_`). */
export function tierTopic(tier: string): string {
  return TIER_TOPIC_PREFIX + tier.toLowerCase().replace(/_/g, '-');
}

function normalizeTierName(name: string): string {
  return name.trim().toLowerCase().replace(/-/g, '_');
}

/** The policy tier a piece of evidence names (lenient on case and `-`/`_`), or null. */
export function resolveTierName(policy: Pick<QmsPolicy, 'tiers'>, name: string): string | null {
  if (Object.prototype.hasOwnProperty.call(policy.tiers, name)) return name;
  const wanted = normalizeTierName(name);
  for (const tier of Object.keys(policy.tiers)) {
    if (normalizeTierName(tier) === wanted) return tier;
  }
  return null;
}

interface Candidate {
  kind: Exclude<EvidenceKind, 'default'>;
  tier: string;
  detail: string;
  reason: string;
  /** How the evidence is named in conflict notes. */
  label: string;
}

function repoConfigCandidate(
  live: RepoLiveState,
  policy: QmsPolicy,
  parsed: ParsedRepoConfig | undefined,
  notes: string[],
): Candidate | null {
  if (parsed === undefined) {
    const file = live.repoConfigFile;
    if (file?.kind === 'found') notes.push(`${file.path} was found but not parsed, so it was not used for classification.`);
    if (file?.kind === 'unreadable') notes.push(`The repo config could not be read (${file.reason}); classified by other evidence.`);
    return null;
  }
  switch (parsed.status) {
    case 'absent':
      return null;
    case 'unreadable':
      notes.push(`The repo config could not be read (${parsed.reason}); classified by other evidence.`);
      return null;
    case 'invalid': {
      const first = parsed.problems[0];
      const text = first ? formatConfigProblem(first) : `${parsed.path}: invalid`;
      notes.push(`The repo config is invalid and was ignored for classification: ${text}`);
      return null;
    }
    case 'valid': {
      const declared = parsed.config.repository.tier;
      const declaredName = parsed.config.repository.name;
      if (declaredName !== undefined && declaredName.toLowerCase() !== live.repo.name.toLowerCase()) {
        notes.push(`${parsed.path} names repository '${declaredName}', not '${live.repo.name}' (copied from another repository?).`);
      }
      const tier = resolveTierName(policy, declared);
      if (tier === null) {
        notes.push(`${parsed.path} declares tier '${declared}', which the policy does not define; ignored.`);
        return null;
      }
      return {
        kind: 'repo-config',
        tier,
        detail: parsed.path,
        reason: `The repo config ${parsed.path} declares tier ${tier}.`,
        label: `the repo config ${parsed.path}`,
      };
    }
  }
}

function propertyCandidate(live: RepoLiveState, policy: QmsPolicy, notes: string[]): Candidate | null {
  const props = live.customProperties ?? live.repo.customProperties;
  const value = props[TIER_PROPERTY];
  if (value === undefined || value === null) return null;
  let single: string;
  if (Array.isArray(value)) {
    const present = value.filter((v) => v.trim() !== '');
    if (present.length === 0) return null;
    if (present.length > 1) {
      notes.push(`Custom property ${TIER_PROPERTY} has several values (${present.join(', ')}); ignored.`);
      return null;
    }
    single = present[0]!;
  } else {
    if (value.trim() === '') return null;
    single = value;
  }
  const tier = resolveTierName(policy, single);
  if (tier === null) {
    notes.push(`Custom property ${TIER_PROPERTY} is '${single}', which the policy does not define; ignored.`);
    return null;
  }
  return {
    kind: 'custom-property',
    tier,
    detail: `${TIER_PROPERTY}=${single}`,
    reason: `The custom property ${TIER_PROPERTY} is '${single}'.`,
    label: `custom property ${TIER_PROPERTY}`,
  };
}

function topicCandidate(live: RepoLiveState, policy: QmsPolicy, notes: string[]): Candidate | null {
  const found: { topic: string; tier: string }[] = [];
  for (const topic of live.repo.topics) {
    if (!topic.toLowerCase().startsWith(TIER_TOPIC_PREFIX)) continue;
    const tier = resolveTierName(policy, topic.slice(TIER_TOPIC_PREFIX.length));
    if (tier === null) notes.push(`Topic ${topic} names a tier the policy does not define; ignored.`);
    else found.push({ topic, tier });
  }
  if (found.length === 0) return null;
  // Several tier topics: the strictest wins (the safe reading), and the ambiguity is noted.
  const chosen = found.reduce((best, f) => ((policy.tiers[f.tier]?.rank ?? 0) > (policy.tiers[best.tier]?.rank ?? 0) ? f : best));
  const others = found.filter((f) => f.tier !== chosen.tier);
  if (others.length > 0) {
    notes.push(`Several tier topics are set (${found.map((f) => f.topic).join(', ')}); the strictest, ${chosen.topic}, was used.`);
  }
  return {
    kind: 'topic',
    tier: chosen.tier,
    detail: chosen.topic,
    reason: `The topic ${chosen.topic} is set.`,
    label: `topic ${chosen.topic}`,
  };
}

const globCache = new Map<string, (s: string) => boolean>();
function globMatches(glob: string, value: string): boolean {
  let fn = globCache.get(glob);
  if (!fn) {
    // Repository names are case-insensitive on GitHub.
    fn = picomatch(glob, { nocase: true, dot: true, nobrace: false });
    globCache.set(glob, fn);
  }
  return fn(value);
}

/** Does a policy classification rule match this repository? Every given criterion must hold. */
export function classificationRuleMatches(rule: ClassificationRule, live: RepoLiveState): boolean {
  const repo = live.repo;
  const m = rule.match;
  if (m.names && m.names.length > 0) {
    // A glob with a slash is matched against `owner/name`, otherwise against the name.
    const ok = m.names.some((g) => globMatches(g, g.includes('/') ? repo.fullName : repo.name));
    if (!ok) return false;
  }
  if (m.topics && m.topics.length > 0) {
    const topics = new Set(repo.topics.map((t) => t.toLowerCase()));
    if (!m.topics.every((t) => topics.has(t.toLowerCase()))) return false;
  }
  if (m.visibility && m.visibility.length > 0 && !m.visibility.includes(repo.visibility)) return false;
  if (m.languages && m.languages.length > 0) {
    if (repo.language === null) return false;
    const lang = repo.language.toLowerCase();
    if (!m.languages.some((l) => l.toLowerCase() === lang)) return false;
  }
  return true;
}

/**
 * The policy rule that classifies a repository known only by its name (no topics,
 * visibility or language: `qms config validate` on a repo config file). Rules are
 * tried in order like {@link classifyRepo}: one whose name globs miss cannot match;
 * one that needs more than the name could match, so the answer is `undecidable`.
 * null: no rule matches. The `qms_tier` property, which this cannot see, still
 * comes first.
 */
export function ruleForName(policy: QmsPolicy, name: string): { index: number; tier: string; description: string } | 'undecidable' | null {
  for (const [index, rule] of policy.classification.entries()) {
    const m = rule.match;
    const names = m.names ?? [];
    if (names.length > 0 && !names.some((g) => !g.includes('/') && globMatches(g, name))) {
      // A glob with a slash is matched against owner/name, which the file does not give.
      if (names.some((g) => g.includes('/'))) return 'undecidable';
      continue;
    }
    const other = (m.topics?.length ?? 0) + (m.visibility?.length ?? 0) + (m.languages?.length ?? 0);
    if (other > 0) return 'undecidable';
    const tier = resolveTierName(policy, rule.tier);
    if (tier === null) continue;
    return { index, tier, description: describeRule(rule) };
  }
  return null;
}

function describeRule(rule: ClassificationRule): string {
  if (rule.description) return rule.description;
  const parts: string[] = [];
  if (rule.match.names?.length) parts.push(`name ${rule.match.names.join(' or ')}`);
  if (rule.match.topics?.length) parts.push(`topics ${rule.match.topics.join(' and ')}`);
  if (rule.match.visibility?.length) parts.push(`visibility ${rule.match.visibility.join(' or ')}`);
  if (rule.match.languages?.length) parts.push(`language ${rule.match.languages.join(' or ')}`);
  return parts.length > 0 ? parts.join(', ') : 'matches every repository';
}

/** The first policy rule that matches and names a defined tier (org-controlled evidence). */
function ruleCandidate(live: RepoLiveState, policy: QmsPolicy, notes: string[]): Candidate | null {
  for (const [index, rule] of policy.classification.entries()) {
    if (!classificationRuleMatches(rule, live)) continue;
    const tier = resolveTierName(policy, rule.tier);
    const what = describeRule(rule);
    if (tier === null) {
      notes.push(`Policy rule ${index + 1} (${what}) matches but names tier '${rule.tier}', which the policy does not define; ignored.`);
      continue;
    }
    return {
      kind: 'policy-rule',
      tier,
      detail: `rule ${index + 1}: ${what}`,
      reason: `Policy rule ${index + 1} (${what}) puts it in tier ${tier}.`,
      label: `policy rule ${index + 1} (${what})`,
    };
  }
  return null;
}

function rankOf(policy: QmsPolicy, tier: string): number {
  return policy.tiers[tier]?.rank ?? Number.NEGATIVE_INFINITY;
}

/** How the org's evidence is named in reasons: `custom property qms_tier=gold`, `policy rule 1: payment systems`. */
function orgEvidenceText(c: Candidate): string {
  return c.kind === 'custom-property' ? `custom property ${c.detail}` : `policy rule ${c.detail.replace(/^rule /, '')}`;
}

/** What the repository asked for, in reasons: `repo config .qms/branch-protection.yml`, `topic qms-tier-gold`. */
function declarationText(c: Candidate): string {
  return c.kind === 'repo-config' ? `repo config ${c.detail}` : `topic ${c.detail}`;
}

/**
 * Classify one repository. `parsedRepoConfig` is the repo config as src/config
 * parsed it; when omitted, a found-but-unparsed file is noted and ignored.
 */
export function classifyRepo(live: RepoLiveState, policy: QmsPolicy, parsedRepoConfig?: ParsedRepoConfig): Classification {
  const repo = live.repo;
  const notes: string[] = [];
  const base = { repo: repo.fullName };

  if (repo.archived) {
    return {
      ...base,
      tier: null,
      status: 'skipped',
      evidence: null,
      reason: 'Archived repositories are read-only, so they are skipped.',
      notes,
    };
  }
  if (repo.disabled) {
    return { ...base, tier: null, status: 'skipped', evidence: null, reason: 'The repository is disabled, so it is skipped.', notes };
  }
  if (repo.fork) notes.push('This repository is a fork; it is classified and assessed like any other repository.');
  if (repo.empty) notes.push('This repository is empty (no commits): it has a tier but no branch to protect yet.');

  // Repository-controlled: the file first, then a tier topic. Org-controlled: the
  // property first, then the policy's rules. Every candidate is computed, so every
  // disagreement can be noted.
  const fileCandidate = repoConfigCandidate(live, policy, parsedRepoConfig, notes);
  const propCandidate = propertyCandidate(live, policy, notes);
  const topic = topicCandidate(live, policy, notes);
  const declared = fileCandidate ?? topic;
  const org = propCandidate ?? ruleCandidate(live, policy, notes);

  let winner: Candidate | null = declared ?? org;
  let reason = winner?.reason ?? '';
  let overruled: OverruledDeclaration | undefined;
  if (declared && org && declared.tier !== org.tier) {
    const higher = rankOf(policy, declared.tier) > rankOf(policy, org.tier) ? declared : org;
    winner = higher;
    reason =
      `The ${declarationText(declared)} asks for ${declared.tier}; org evidence (${orgEvidenceText(org)}) says ${org.tier}: ` +
      'the higher tier applies.';
    if (higher === org) {
      overruled = {
        kind: declared === fileCandidate ? 'repo-config' : 'topic',
        detail: declared.detail,
        tier: declared.tier,
        orgEvidence: { kind: org === propCandidate ? 'custom-property' : 'policy-rule', detail: org.detail },
        orgTier: org.tier,
      };
    }
  }
  if (winner) {
    // The declaration and the org evidence the reason names are not repeated as notes.
    const named = new Set<Candidate | null>([winner, declared, org]);
    for (const other of [fileCandidate, propCandidate, topic]) {
      if (other === null || named.has(other) || other.tier === winner.tier) continue;
      notes.push(`Conflicting evidence: ${other.label} says ${other.tier}, but ${winner.label} decides ${winner.tier}.`);
    }
    const result: Classification = {
      ...base,
      tier: winner.tier,
      status: 'classified',
      evidence: { kind: winner.kind, detail: winner.detail },
      reason,
      notes,
    };
    if (overruled) result.overruled = overruled;
    return result;
  }

  const fallback = resolveTierName(policy, policy.defaultTier);
  if (fallback === null) {
    return {
      ...base,
      tier: null,
      status: 'skipped',
      evidence: null,
      reason: `No evidence names a tier and the default tier '${policy.defaultTier}' is not defined in the policy.`,
      notes,
    };
  }
  return {
    ...base,
    tier: fallback,
    status: 'classified',
    evidence: { kind: 'default', detail: fallback },
    reason: `No repo config, ${TIER_PROPERTY} property, tier topic or policy rule names a tier, so the default tier ${fallback} applies.`,
    notes,
  };
}

/** A custom property value as one line of text (lists comma-separated); null when unset. */
export function propertyValueText(value: CustomPropertyValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
