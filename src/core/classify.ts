/**
 * Classification: which QMS tier a repository belongs to, and why.
 *
 * Evidence is considered in the order DESIGN.md fixes (an explicit declaration
 * beats an inference):
 *   1. the repo config file `.qms/branch-protection.yml` (`repository.tier`),
 *   2. the custom property `qms_tier`,
 *   3. a topic `qms-tier-<tier>`,
 *   4. the policy's classification rules (first match wins),
 *   5. the policy's default tier.
 * The first usable piece of evidence decides. Evidence naming a tier the policy does
 * not define is noted and skipped (falls through to the next kind). Later explicit
 * evidence (1–3) that disagrees with the winner is recorded as a conflict note, so a
 * coordinator can clean it up; it never changes the result.
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
  kind: Exclude<EvidenceKind, 'policy-rule' | 'default'>;
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
    notes.push(
      `Several tier topics are set (${found.map((f) => f.topic).join(', ')}); the strictest, ${chosen.topic}, was used.`,
    );
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

function describeRule(rule: ClassificationRule): string {
  if (rule.description) return rule.description;
  const parts: string[] = [];
  if (rule.match.names?.length) parts.push(`name ${rule.match.names.join(' or ')}`);
  if (rule.match.topics?.length) parts.push(`topics ${rule.match.topics.join(' and ')}`);
  if (rule.match.visibility?.length) parts.push(`visibility ${rule.match.visibility.join(' or ')}`);
  if (rule.match.languages?.length) parts.push(`language ${rule.match.languages.join(' or ')}`);
  return parts.length > 0 ? parts.join(', ') : 'matches every repository';
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
    return { ...base, tier: null, status: 'skipped', evidence: null, reason: 'Archived repositories are read-only, so they are skipped.', notes };
  }
  if (repo.disabled) {
    return { ...base, tier: null, status: 'skipped', evidence: null, reason: 'The repository is disabled, so it is skipped.', notes };
  }
  if (repo.fork) notes.push('This repository is a fork; it is classified and assessed like any other repository.');
  if (repo.empty) notes.push('This repository is empty (no commits): it has a tier but no branch to protect yet.');

  const explicit = [
    repoConfigCandidate(live, policy, parsedRepoConfig, notes),
    propertyCandidate(live, policy, notes),
    topicCandidate(live, policy, notes),
  ].filter((c): c is Candidate => c !== null);

  const winner = explicit[0];
  if (winner) {
    for (const other of explicit.slice(1)) {
      if (other.tier !== winner.tier) {
        notes.push(`Conflicting evidence: ${other.label} says ${other.tier}, but ${winner.label} comes first and says ${winner.tier}.`);
      }
    }
    return { ...base, tier: winner.tier, status: 'classified', evidence: { kind: winner.kind, detail: winner.detail }, reason: winner.reason, notes };
  }

  for (const [index, rule] of policy.classification.entries()) {
    if (!classificationRuleMatches(rule, live)) continue;
    const tier = resolveTierName(policy, rule.tier);
    if (tier === null) {
      notes.push(`Policy rule ${index + 1} (${describeRule(rule)}) matches but names tier '${rule.tier}', which the policy does not define; ignored.`);
      continue;
    }
    const what = describeRule(rule);
    return {
      ...base,
      tier,
      status: 'classified',
      evidence: { kind: 'policy-rule', detail: `rule ${index + 1}: ${what}` },
      reason: `Policy rule ${index + 1} (${what}) puts it in tier ${tier}.`,
      notes,
    };
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
