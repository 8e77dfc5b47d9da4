/**
 * `qms config validate [files...]`: check policy files and repo configs and
 * report every problem, located.
 *
 * Which kind a file is: `--kind`, else its name (`qms.config.yml`,
 * `*.qms.config.yml`; `.qms/branch-protection.yml`, `*branch-protection.yml`),
 * else its content (a top-level `repository` key means a repo config; `version`,
 * `tiers` or another policy section means a policy).
 *
 * Repo configs are checked against the policy in use (their tier must exist):
 * --config, else ./qms.config.yml, else the built-in defaults; the same policy
 * every other command would use. If that policy does not load, the built-in
 * defaults stand in and a warning says so.
 */
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { defaultPolicy } from '../core/default-policy.js';
import type { ConfigProblem } from '../core/errors.js';
import type { QmsPolicy } from '../core/policy.js';
import { readConfigBytes, resolvePolicySource, validatePolicyFile, validatePolicyText } from '../config/load-policy.js';
import { parseRepoConfig, REPO_CONFIG_PATH } from '../config/repo-config.js';
import { parseYamlConfig } from '../config/yaml-source.js';

export type ConfigFileKind = 'policy' | 'repo' | 'unknown';

export interface FileReport {
  /** As given (or as found: `qms.config.yml`, `.qms/branch-protection.yml`). */
  file: string;
  kind: ConfigFileKind;
  valid: boolean;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
  /**
   * What the check could not know, for a valid file. A repo config's tier is a
   * request: it applies only where the org's evidence (the `qms_tier` property, the
   * policy's rules), which a file on its own cannot show, names no higher tier.
   */
  notes: string[];
}

export interface ValidateConfigOptions {
  files: string[];
  cwd: string;
  /** --config / QMS_CONFIG. */
  configPath?: string;
  /** Force the kind of every file. */
  kind?: 'policy' | 'repo';
}

export interface ValidateConfigResult {
  files: FileReport[];
}

/** Label used when no policy file exists and the built-in defaults are in use. */
export const BUILTIN_LABEL = '(built-in defaults)';

const POLICY_KEYS = [
  'version',
  'default_tier',
  'tiers',
  'classification',
  'pilot_repositories',
  'roles',
  'bypass_levels',
  'review_assignment',
  'global_policies',
];

/** Kind from the file name alone, or undefined. */
export function kindFromName(file: string): ConfigFileKind | undefined {
  const normalized = file.replace(/\\/g, '/');
  const base = path.posix.basename(normalized);
  if (/(^|[._-])qms\.config\.ya?ml$/i.test(base)) return 'policy';
  if (/(^|\/)\.qms\/branch-protection\.ya?ml$/i.test(normalized) || /(^|[._-])branch-protection\.ya?ml$/i.test(base)) return 'repo';
  return undefined;
}

/** Kind from the top-level keys of parsed data. */
function kindFromContent(value: unknown): ConfigFileKind {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'unknown';
  const keys = Object.keys(value);
  if (keys.includes('repository')) return 'repo';
  if (keys.some((k) => POLICY_KEYS.includes(k))) return 'policy';
  return 'unknown';
}

function report(
  file: string,
  kind: ConfigFileKind,
  problems: ConfigProblem[],
  warnings: ConfigProblem[],
  notes: string[] = [],
): FileReport {
  return { file, kind, valid: problems.length === 0, problems, warnings, notes };
}

/**
 * The note on a valid repo config: its tier is what it asks for, not what applies
 * (the strictest tier of the policy is the one request no org evidence can outrank).
 */
export function repoTierNote(file: string, tier: string, name: string | undefined, policy: QmsPolicy): string {
  const ranks = Object.values(policy.tiers).map((t) => t.rank);
  if (policy.tiers[tier] !== undefined && policy.tiers[tier].rank >= Math.max(...ranks)) {
    return `${file} asks for tier ${tier}, the policy's strictest: it applies whatever the org's evidence says`;
  }
  const repo = name ?? 'NAME';
  return (
    `${file} asks for tier ${tier}; a repository may raise its tier, not lower it, so ${tier} applies only where the org's ` +
    `qms_tier property and the policy's classification rules name no higher tier, which this check cannot see ` +
    `(qms classify --org ORG --repo ${repo} shows the tier that applies)`
  );
}

export async function validateConfigFiles(options: ValidateConfigOptions): Promise<ValidateConfigResult> {
  const { cwd } = options;
  const inputs: { file: string; builtin?: boolean }[] = [];
  if (options.files.length > 0) {
    for (const f of options.files) inputs.push({ file: f });
  } else {
    const source = await resolvePolicySource(options.configPath, { cwd });
    inputs.push(source.kind === 'builtin' ? { file: BUILTIN_LABEL, builtin: true } : { file: source.label });
    try {
      await stat(path.join(cwd, REPO_CONFIG_PATH));
      inputs.push({ file: REPO_CONFIG_PATH });
    } catch {
      // No repo config here: nothing more to check.
    }
  }

  // Read and classify every file first; policies are checked before repo configs need one.
  const pending: { file: string; kind: ConfigFileKind; bytes?: Uint8Array; early?: FileReport }[] = [];
  for (const input of inputs) {
    if (input.builtin) {
      pending.push({ file: input.file, kind: 'policy', early: report(input.file, 'policy', [], []) });
      continue;
    }
    const { bytes, problem } = await readConfigBytes(path.resolve(cwd, input.file), input.file);
    const named = options.kind ?? kindFromName(input.file);
    if (problem) {
      pending.push({ file: input.file, kind: named ?? 'unknown', early: report(input.file, named ?? 'unknown', [problem], []) });
      continue;
    }
    if (named) {
      pending.push({ file: input.file, kind: named, bytes: bytes! });
      continue;
    }
    const parsed = parseYamlConfig(bytes!, input.file);
    if (parsed.problems.length > 0) {
      pending.push({ file: input.file, kind: 'unknown', early: report(input.file, 'unknown', parsed.problems, parsed.warnings) });
      continue;
    }
    const kind = kindFromContent(parsed.value);
    if (kind === 'unknown') {
      const problem: ConfigProblem = {
        file: input.file,
        message:
          'cannot tell whether this is a policy file (qms.config.yml) or a repo config (.qms/branch-protection.yml): it has neither "version" nor "repository"; name the file accordingly or pass --kind',
      };
      pending.push({ file: input.file, kind, early: report(input.file, kind, [problem], parsed.warnings) });
      continue;
    }
    pending.push({ file: input.file, kind, bytes: bytes! });
  }

  const results = new Map<number, FileReport>();
  pending.forEach((p, i) => {
    if (p.early) results.set(i, p.early);
  });
  pending.forEach((p, i) => {
    if (p.early || p.kind !== 'policy') return;
    const result = validatePolicyText(p.bytes!, p.file);
    results.set(i, report(p.file, 'policy', result.errors, result.warnings));
  });

  const repoIndexes = pending.map((p, i) => (!p.early && p.kind === 'repo' ? i : -1)).filter((i) => i >= 0);
  if (repoIndexes.length > 0) {
    const extraWarnings: ConfigProblem[] = [];
    let policyForRepos: QmsPolicy;
    const source = await resolvePolicySource(options.configPath, { cwd });
    if (source.kind === 'builtin') policyForRepos = defaultPolicy();
    else {
      const inUse = await validatePolicyFile(source.path, { cwd, label: source.label });
      if (inUse.policy) policyForRepos = inUse.policy;
      else {
        policyForRepos = defaultPolicy();
        extraWarnings.push({
          file: source.label,
          message: `this policy does not load (run "qms config validate ${source.label}"), so tiers were checked against the built-in defaults`,
        });
      }
    }
    for (const i of repoIndexes) {
      const p = pending[i]!;
      const result = parseRepoConfig(p.bytes!, p.file, { policy: policyForRepos, standalone: true });
      const declared = result.config?.repository;
      const notes = declared ? [repoTierNote(p.file, declared.tier, declared.name, policyForRepos)] : [];
      results.set(i, report(p.file, 'repo', result.errors, [...extraWarnings, ...result.warnings], notes));
    }
  }

  return { files: pending.map((_, i) => results.get(i)!) };
}
