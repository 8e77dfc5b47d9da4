/**
 * `.qms/branch-protection.yml` (seed §4.1), read from each repository.
 *
 * Unlike the policy, a bad repo config does not stop a command: it is a
 * finding for that one repository. So `parseRepoConfig` returns
 * `{config, warnings, errors}` and never throws (STYLE habit 8).
 *
 * A setting looser than the tier's floor is not an error here: assess reports
 * it (see src/core/repo-config-floor.ts).
 */
import { checkBranchPattern } from '../core/branch-patterns.js';
import { ruleForName } from '../core/classify.js';
import { defaultPolicy } from '../core/default-policy.js';
import type { ConfigProblem } from '../core/errors.js';
import type { QmsPolicy, RepoConfig } from '../core/policy.js';
import { BYPASS_CONTROL_KEYS, BYPASS_CONTROL_LEVELS } from '../core/repo-config-floor.js';
import { didYouMean, listChoices, quote, toPointer } from './describe.js';
import { ProblemReporter } from './policy-checks.js';
import { validateWithSchema } from './schema-validation.js';
import { parseYamlConfig } from './yaml-source.js';

/** Where a repository keeps its QMS config. */
export { REPO_CONFIG_PATH } from '../core/live-state.js';

export interface RepoConfigDocument {
  repository: { name?: string; tier: string };
  branch_protection?: { target_branches?: string[] };
  status_checks?: {
    enabled_checks?: string[];
    bypass_controls?: { level_1_enabled?: boolean; level_2_enabled?: boolean; level_3_enabled?: boolean; emergency_enabled?: boolean };
  };
  review_requirements?: { required_reviewers?: number; require_code_owner_reviews?: boolean; specialty_assignment?: boolean };
  merge_restrictions?: {
    require_up_to_date?: boolean;
    require_linear_history?: boolean;
    allow_squash_merge?: boolean;
    allow_merge_commit?: boolean;
    allow_rebase_merge?: boolean;
  };
  emergency_contacts?: { primary?: string; escalation?: string[]; executive?: string };
}

export interface RepoConfigResult {
  /** The mapped config; undefined when there are errors. */
  config: RepoConfig | undefined;
  warnings: ConfigProblem[];
  errors: ConfigProblem[];
}

export interface ParseRepoConfigOptions {
  /** Tier names and bypass levels are checked against this policy (default: the built-in one). */
  policy?: QmsPolicy;
  /** The repository the file was read from, to warn when `repository.name` names another. */
  repository?: string;
  /**
   * The file is checked on its own (`qms config validate`), away from the org: warn
   * when a policy rule that needs only `repository.name` puts the repository in a
   * higher tier than the file asks for (that tier will not apply). Off when the
   * org's evidence is at hand (assess reports an overruled tier as a finding).
   */
  standalone?: boolean;
}

function defined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function section<T extends object>(obj: T): T | undefined {
  const d = defined(obj);
  return Object.keys(d).length > 0 ? d : undefined;
}

/** The document (schema-valid) in qms terms. */
export function repoDocumentToConfig(doc: RepoConfigDocument): RepoConfig {
  const sc = doc.status_checks;
  const bc = sc?.bypass_controls;
  return defined<RepoConfig>({
    repository: defined({ name: doc.repository.name, tier: doc.repository.tier }),
    branchProtection: doc.branch_protection
      ? defined({ targetBranches: doc.branch_protection.target_branches && [...doc.branch_protection.target_branches] })
      : undefined,
    statusChecks: sc
      ? defined({
          enabledChecks: sc.enabled_checks && [...sc.enabled_checks],
          bypassControls: bc
            ? defined({
                level1Enabled: bc.level_1_enabled,
                level2Enabled: bc.level_2_enabled,
                level3Enabled: bc.level_3_enabled,
                emergencyEnabled: bc.emergency_enabled,
              })
            : undefined,
        })
      : undefined,
    reviewRequirements: doc.review_requirements
      ? defined({
          requiredReviewers: doc.review_requirements.required_reviewers,
          requireCodeOwnerReviews: doc.review_requirements.require_code_owner_reviews,
          specialtyAssignment: doc.review_requirements.specialty_assignment,
        })
      : undefined,
    mergeRestrictions: doc.merge_restrictions
      ? defined({
          requireUpToDate: doc.merge_restrictions.require_up_to_date,
          requireLinearHistory: doc.merge_restrictions.require_linear_history,
          allowSquashMerge: doc.merge_restrictions.allow_squash_merge,
          allowMergeCommit: doc.merge_restrictions.allow_merge_commit,
          allowRebaseMerge: doc.merge_restrictions.allow_rebase_merge,
        })
      : undefined,
    emergencyContacts: doc.emergency_contacts
      ? section({
          primary: doc.emergency_contacts.primary,
          escalation: doc.emergency_contacts.escalation && [...doc.emergency_contacts.escalation],
          executive: doc.emergency_contacts.executive,
        })
      : undefined,
  });
}

/**
 * Parse and check one repo config. `fileLabel` names it in problems (e.g.
 * `acme/payments:.qms/branch-protection.yml`). Never throws for bad input.
 */
export function parseRepoConfig(text: string | Uint8Array, fileLabel: string, options: ParseRepoConfigOptions = {}): RepoConfigResult {
  const parsed = parseYamlConfig(text, fileLabel);
  if (parsed.problems.length > 0)
    return { config: undefined, warnings: capProblems(parsed.warnings), errors: capProblems(parsed.problems) };
  const schemaProblems = validateWithSchema('repo', parsed.value, parsed.source);
  if (schemaProblems.length > 0) return { config: undefined, warnings: capProblems(parsed.warnings), errors: capProblems(schemaProblems) };

  const doc = parsed.value as RepoConfigDocument;
  const policy = options.policy ?? defaultPolicy();
  const report = new ProblemReporter(parsed.source);
  const tiers = Object.keys(policy.tiers);

  if (!Object.hasOwn(policy.tiers, doc.repository.tier)) {
    report.error(
      '/repository/tier',
      `tier ${quote(doc.repository.tier)} does not exist in the policy${didYouMean(doc.repository.tier, tiers)}; the policy has ${listChoices(tiers)}`,
    );
  }
  (doc.branch_protection?.target_branches ?? []).forEach((pattern, i) => {
    const reason = checkBranchPattern(pattern);
    if (reason) report.error(toPointer(['branch_protection', 'target_branches', i]), `${reason}; got ${quote(pattern)}`);
  });

  const config = repoDocumentToConfig(doc);
  const controls = config.statusChecks?.bypassControls ?? {};
  for (const key of Object.keys(BYPASS_CONTROL_LEVELS) as (keyof typeof BYPASS_CONTROL_LEVELS)[]) {
    const level = BYPASS_CONTROL_LEVELS[key];
    if (controls[key] === true && !Object.hasOwn(policy.bypassLevels, level)) {
      report.warn(
        toPointer(['status_checks', 'bypass_controls', BYPASS_CONTROL_KEYS[key]]),
        `the policy has no bypass level ${quote(level)}, so enabling it has no effect`,
      );
    }
  }
  const mr = doc.merge_restrictions;
  if (mr && mr.allow_squash_merge === false && mr.allow_rebase_merge === false) {
    if (mr.require_linear_history === true && mr.allow_merge_commit !== false) {
      report.warn(
        '/merge_restrictions',
        "require_linear_history blocks merge commits, and squash and rebase merging are off: no pull request could be merged; qms keeps the tier's merge methods instead",
      );
    } else if (mr.allow_merge_commit === false) {
      report.warn(
        '/merge_restrictions',
        "all three merge methods are off; GitHub needs at least one, so qms keeps the tier's merge methods instead",
      );
    }
  }
  if (options.repository !== undefined && doc.repository.name !== undefined) {
    const actual = options.repository.includes('/') ? options.repository.split('/').pop()! : options.repository;
    if (actual.toLowerCase() !== doc.repository.name.toLowerCase()) {
      report.warn(
        '/repository/name',
        `names repository ${quote(doc.repository.name)} but the file is in ${quote(actual)}; copied from another repository?`,
      );
    }
  }

  if (options.standalone && doc.repository.name !== undefined && Object.hasOwn(policy.tiers, doc.repository.tier)) {
    const rule = ruleForName(policy, doc.repository.name);
    const asked = policy.tiers[doc.repository.tier]!;
    if (rule !== null && rule !== 'undecidable' && (policy.tiers[rule.tier]?.rank ?? 0) > asked.rank) {
      report.warn(
        '/repository/tier',
        `policy rule ${rule.index + 1} (${rule.description}) puts ${quote(doc.repository.name)} in tier ${rule.tier}: ` +
          `a repository may raise its tier, not lower it, so ${quote(doc.repository.tier)} will not apply ` +
          "unless the org's qms_tier property says otherwise (assess reports it as a finding)",
      );
    }
  }

  if (report.errors.length > 0)
    return { config: undefined, warnings: capProblems([...parsed.warnings, ...report.warnings]), errors: capProblems(report.errors) };
  return { config, warnings: capProblems([...parsed.warnings, ...report.warnings]), errors: [] };
}

/** Problems listed per repo config; the rest are counted in one more. */
export const MAX_REPO_CONFIG_PROBLEMS = 20;

/**
 * A repository's config is anyone-with-push's text, and each problem becomes a finding
 * (stored, printed, exported): 150 KB of `k: v` lines would be 30,000 duplicate-key
 * findings. Keep the first ones, located, and say how many more there are.
 */
function capProblems(problems: ConfigProblem[]): ConfigProblem[] {
  if (problems.length <= MAX_REPO_CONFIG_PROBLEMS) return problems;
  const rest = problems.length - MAX_REPO_CONFIG_PROBLEMS;
  const next = problems[MAX_REPO_CONFIG_PROBLEMS]!;
  return [
    ...problems.slice(0, MAX_REPO_CONFIG_PROBLEMS),
    { ...next, message: `and ${rest} more problem${rest === 1 ? '' : 's'} from here on, not listed one by one; fix the ones above first` },
  ];
}
