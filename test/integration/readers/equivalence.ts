/**
 * Comparing what assess concludes from the two readers (issue 5, "exactly the
 * same findings"): per repository the access, classification, tier, status,
 * reason, protection level, findings (every field), branch and pattern
 * assessments and notes.
 *
 * Two differences are GitHub's, not qms's, and are the only ones normalised:
 * 1. Classic protection: REST answers per branch (GET …/branches/{b}/protection)
 *    without saying which rule applies, so a finding names the rule by the branch it
 *    covers (`classic rule covering 'release/1.0'`); GraphQL lists the rules with
 *    their patterns (`classic rule 'release/*'`). Both become `classic rule for
 *    'release/1.0'`, the pattern only when it matches the branch (in sources and messages).
 * 2. A private repository on a plan without protection: REST meets the 403 on each
 *    repository, the batched reader probes once per organization, so the reason
 *    quotes the probed repository's request.
 */
import { matchesBranchPattern } from '../../../src/core/branch-patterns.js';
import type { Finding } from '../../../src/core/gap-analysis.js';
import type { RepoEvaluation } from '../../../src/services/evaluation.js';

const CLASSIC = /classic rule '([^']*)'/g;
const COVERING = /classic rule covering '([^']*)'/g;
const PLAN_REQUEST = /\(GET \/repos\/[^/\s]+\/[^/\s]+\/rulesets\)/g;

/** A classic rule named by its pattern (GraphQL) or by the branch it covers (REST) → `classic rule for '<branch>'`. */
function classicByBranch(text: string, branch: string): string {
  return text
    .replace(COVERING, (_all, covered: string) => `classic rule for '${covered}'`)
    .replace(CLASSIC, (all, pattern: string) =>
      pattern === branch || matchesBranchPattern(pattern, branch) ? `classic rule for '${branch}'` : all,
    );
}

function asRestNamesClassic(f: Finding): Finding {
  const branch = f.branch;
  if (branch === null) return f;
  return { ...f, source: classicByBranch(f.source, branch), message: classicByBranch(f.message, branch) };
}

const samePlanRequest = (text: string): string => text.replace(PLAN_REQUEST, '(GET /repos/…/rulesets)');

export interface Comparable {
  repo: string;
  access: string;
  classification: unknown;
  tier: string | null;
  assessment: unknown;
}

export function comparable(e: RepoEvaluation, _reader: 'rest' | 'graphql'): Comparable {
  const a = e.assessment;
  const plan = a.status === 'not_applicable';
  return {
    repo: e.live.repo.fullName,
    access: e.live.access,
    classification: e.classification,
    tier: e.tier?.name ?? null,
    assessment: {
      ...a,
      reason: plan ? samePlanRequest(a.reason) : a.reason,
      levelReason: plan ? samePlanRequest(a.levelReason) : a.levelReason,
      findings: a.findings.map(asRestNamesClassic),
    },
  };
}

/** Per repository, the first differing line of the two JSON renderings (for a readable failure). */
export function describeDifferences(rest: readonly Comparable[], graphql: readonly Comparable[], max = 5): string[] {
  const out: string[] = [];
  const byRepo = new Map(graphql.map((g) => [g.repo, g]));
  for (const r of rest) {
    const g = byRepo.get(r.repo);
    if (!g) {
      out.push(`${r.repo}: missing from the batched reader`);
      continue;
    }
    const a = JSON.stringify(r, null, 1).split('\n');
    const b = JSON.stringify(g, null, 1).split('\n');
    const i = a.findIndex((line, k) => line !== b[k]);
    if (i !== -1 || a.length !== b.length) out.push(`${r.repo}: rest ${a[i] ?? '(end)'} / graphql ${b[i] ?? '(end)'}`);
    if (out.length >= max) break;
  }
  return out;
}

/** How many GraphQL findings needed normalisation 1 (reported by the tests, so it stays visible). */
export function countClassicRenames(evaluations: readonly RepoEvaluation[]): number {
  let n = 0;
  for (const e of evaluations) for (const f of e.assessment.findings) if (asRestNamesClassic(f).source !== f.source) n++;
  return n;
}
