/**
 * What qms knows about one repository's live protection, in qms terms: the single
 * input of classification, effective protection and gap analysis.
 *
 * Two readers fill it (issue 5, item 2), and the assess code must not care which:
 * - the per-repository REST reader knows classic protection per branch
 *   (`classicByBranch`, from GET …/branches/{b}/protection, already disambiguated
 *   into protected / unprotected / unknown / not_applicable) and the rulesets that
 *   apply to each branch (`rulesByBranch`, from GET /rules/branches/{b}); it may
 *   also list rulesets with their conditions (`rulesets`) to answer pattern questions;
 * - the batched GraphQL reader knows every classic rule with its pattern and
 *   matching refs (`classicRules`) and the repository + organization rulesets with
 *   their conditions (`rulesets`).
 *
 * Every "could not see" is `null` (or an explicit `unknown` read), never an empty
 * list: an empty list means "looked, and there is none" (GITHUB-API.md pitfalls 3, 9).
 * No GitHub JSON here, only the opaque `raw` fields of the types it embeds.
 */
import type { ConfigProblem } from './errors.js';
import type {
  AppInstallationsRead,
  AppliedRule,
  ClassicProtectionRead,
  CodeOwnersRead,
  CustomPropertyValue,
  ProtectionRule,
  RepoInfo,
  Ruleset,
} from './github-types.js';
import type { RepoConfig } from './policy.js';

/**
 * How far the reading identity can see this repository's protection.
 * - `admin`: classic protection is visible (REST `permissions.admin`, GraphQL `viewerPermission: ADMIN`).
 * - `read-only`: the repository is visible but classic protection is not: REST answers
 *   404 and GraphQL an empty rule list, which must not be read as "unprotected".
 *   Rulesets stay readable (anyone with read access may read them).
 * - `plan-unavailable`: GitHub answered that protection is not available on this plan
 *   (403 "Upgrade to GitHub Pro…", private repository on Free): not applicable.
 * - `unknown`: the reader could not establish the permission.
 */
export type RepoAccess = 'admin' | 'read-only' | 'plan-unavailable' | 'unknown';

/** Where a repository declares its tier and tightenings (seed §4.1), from its default branch. */
export const REPO_CONFIG_PATH = '.qms/branch-protection.yml';

/** The raw `.qms/branch-protection.yml` (seed §4.1) as the reader found it. */
export type RepoConfigFile =
  | { kind: 'found'; path: string; text: string }
  | { kind: 'absent' }
  /** The file may exist but could not be read (permission, API error, too large). */
  | { kind: 'unreadable'; reason: string };

/**
 * The repo config after src/config parsed and validated it. Produced outside core
 * (YAML + ajv live in src/config) and handed to classification and assessment.
 */
export type ParsedRepoConfig =
  | { status: 'absent' }
  | { status: 'unreadable'; reason: string }
  /** Problems carry file, line, column and field (errors.ts `formatConfigProblem`). */
  | { status: 'invalid'; path: string; problems: ConfigProblem[] }
  /** `warnings` (e.g. a bypass level the policy lacks) become assessment notes. */
  | { status: 'valid'; path: string; config: RepoConfig; warnings?: ConfigProblem[] };

/**
 * Map what src/config's `parseRepoConfig` returns (`{config, warnings, errors}`,
 * taken structurally so core does not import src/config) for the file the reader
 * found. Any error makes the config invalid; it is then never used for tightening.
 */
export function toParsedRepoConfig(
  file: RepoConfigFile | null,
  parse: (text: string, path: string) => { config: RepoConfig | undefined; warnings: ConfigProblem[]; errors: ConfigProblem[] },
): ParsedRepoConfig {
  if (file === null || file.kind === 'absent') return { status: 'absent' };
  if (file.kind === 'unreadable') return { status: 'unreadable', reason: file.reason };
  const result = parse(file.text, file.path);
  if (result.errors.length > 0 || result.config === undefined) {
    return {
      status: 'invalid',
      path: file.path,
      problems: result.errors.length > 0 ? result.errors : [{ file: file.path, message: 'invalid repo config' }],
    };
  }
  const parsed: ParsedRepoConfig = { status: 'valid', path: file.path, config: result.config };
  if (result.warnings.length > 0) parsed.warnings = result.warnings;
  return parsed;
}

export interface RepoLiveState {
  /** The repository as listed (visibility, archived, fork, empty, topics, default branch, merge settings…). */
  repo: RepoInfo;
  /** Which reader produced this state; informational only (assess must not branch on it). */
  reader: 'rest' | 'graphql' | 'other';
  /** How far the reader could see classic protection (see {@link RepoAccess}). */
  access: RepoAccess;
  /** Why access is not `admin`, in words (e.g. the plan 403 message). */
  accessReason?: string;
  /**
   * Names of every existing branch; `null` when the reader did not list branches.
   * Used to expand branch patterns (`release/*`) into existing branches.
   */
  branches: string[] | null;
  /**
   * Every classic branch protection rule, in creation order (GraphQL
   * `branchProtectionRules`, with `matchingBranches` from `matchingRefs`).
   * `null`: not read. With `access` other than `admin` the list (possibly empty)
   * is never trusted as complete.
   */
  classicRules: ProtectionRule[] | null;
  /**
   * Classic protection per branch, as the REST reader found it (GET …/protection,
   * disambiguated). A branch absent from the record was not read. `null`: the
   * reader does not read per branch. When both this and `classicRules` are present,
   * the per-branch read wins for that branch (it is GitHub's own answer).
   */
  classicByBranch: Record<string, ClassicProtectionRead> | null;
  /**
   * Repository and organization rulesets with their conditions, full detail (rules
   * included). `null`: not read. Includes disabled and evaluate rulesets; they are
   * filtered where they are evaluated, never here.
   */
  rulesets: Ruleset[] | null;
  /**
   * How many rulesets listed for the repository GitHub would not show the reader (their
   * rules, conditions and bypass list unseen); `rulesets` holds the others. Absent or 0:
   * every listed ruleset was read. Where such a ruleset could apply, the protection seen
   * is a lower bound and its state unknown — never a failed repository.
   */
  unreadRulesets?: number;
  /**
   * Active rules that apply to a branch, per branch (GET /rules/branches/{b}), as
   * GitHub evaluated them: only active rules, conditions already applied. A branch
   * absent from the record was not read. `null`: the reader does not use it.
   * Preferred over evaluating `rulesets` for that branch.
   */
  rulesByBranch: Record<string, AppliedRule[]> | null;
  /**
   * Custom property values of the repository (org repos), authoritative for
   * classification and for org rulesets that target by property. `null`: not read
   * (property-targeted rulesets are then undecidable, never assumed absent).
   */
  customProperties: Record<string, CustomPropertyValue> | null;
  /** The repo config file as found; `null` when the reader did not look. */
  repoConfigFile: RepoConfigFile | null;
  /**
   * The CODEOWNERS file of the default branch and its errors; `null`: not read
   * (the policy asks for no code owner review). Other branches are assumed to carry
   * the same file (assess says so in a note).
   */
  codeOwners: CodeOwnersRead | null;
  /**
   * Apps installed in the owning organization; `null`: not read (no required check
   * is pinned to an app, or a user-owned repository).
   */
  appInstallations: AppInstallationsRead | null;
  /**
   * The reader failed for this repository (after retries); the other fields hold
   * whatever it had read before. Assessment reports the repository as `error`.
   */
  readError: string | null;
}

/**
 * A live state with nothing read yet: every collection `null`, access `unknown`.
 * Readers (and tests) start here and fill what they know, so a forgotten field
 * can only make the result `unknown`, never "unprotected".
 */
export function createLiveState(repo: RepoInfo, fields: Partial<Omit<RepoLiveState, 'repo'>> = {}): RepoLiveState {
  return {
    repo,
    reader: 'other',
    access: 'unknown',
    branches: null,
    classicRules: null,
    classicByBranch: null,
    rulesets: null,
    rulesByBranch: null,
    customProperties: null,
    repoConfigFile: null,
    codeOwners: null,
    appInstallations: null,
    readError: null,
    ...fields,
  };
}
