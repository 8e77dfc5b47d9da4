/**
 * Checks the schema cannot express, run on the policy after the user's file is
 * merged onto the defaults: every name that refers to something must find it
 * (tiers, bypass levels, roles), branch patterns and globs must be usable,
 * weights must add up, ranks must differ, and a tier must not ask for an
 * impossible combination. Problems in the user's file are located there; a
 * problem that only the defaults contain (e.g. a built-in rule naming a tier
 * the file removed) says so.
 */
import picomatch from 'picomatch';
import { checkBranchPattern } from '../core/branch-patterns.js';
import type { ConfigProblem } from '../core/errors.js';
import { didYouMean, listChoices, quote, toPointer } from './describe.js';
import type { PolicyDocument, TierDoc } from './policy-document.js';
import type { YamlSource } from './yaml-source.js';

/** Collects problems, located in the user's file when the pointer is there. */
export class ProblemReporter {
  readonly errors: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];

  constructor(private readonly source: YamlSource) {}

  private make(pointer: string, message: string, key: boolean): ConfigProblem {
    const file = this.source.file;
    if (this.source.has(pointer)) {
      const pos = this.source.locate(pointer, { key });
      return { file, ...(pos ? { line: pos.line, column: pos.column } : {}), pointer, message };
    }
    return { file, pointer, message: `${message} (this comes from the built-in defaults)` };
  }

  error(pointer: string, message: string, options?: { key?: boolean }): void {
    this.errors.push(this.make(pointer, message, options?.key ?? false));
  }

  warn(pointer: string, message: string, options?: { key?: boolean }): void {
    this.warnings.push(this.make(pointer, message, options?.key ?? false));
  }
}

/** Why a name glob (picomatch, no braces or extglobs) is unusable, or null. */
export function checkNameGlob(glob: string): string | null {
  if (glob.trim() === '') return 'a glob cannot be empty';
  if (/[\u0000-\u001f\u007f]/.test(glob)) return 'a glob cannot contain control characters';
  try {
    const re = picomatch.makeRe(glob, { nobrace: true, noextglob: true, strictBrackets: true, nonegate: true });
    if (re.source === '$^') return 'this glob can never match anything';
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/ - use .*$/, '') : String(err);
    return `not a usable glob (${reason.charAt(0).toLowerCase()}${reason.slice(1)})`;
  }
  return null;
}

const REQUIRED_FOR_NEW: Record<'tiers' | 'bypass_levels' | 'expertise_mapping', string[]> = {
  tiers: ['description', 'rank', 'branches'],
  bypass_levels: ['roles', 'incident_severities', 'signatures_required', 'documentation_level', 'max_duration_hours'],
  expertise_mapping: ['paths', 'primary'],
};

function keysOf(record: Record<string, unknown> | undefined): string[] {
  return Object.entries(record ?? {})
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k]) => k);
}

function checkRemovals(
  report: ProblemReporter,
  path: (string | number)[],
  user: Record<string, unknown> | undefined,
  builtin: Record<string, unknown> | undefined,
  noun: string,
): void {
  for (const [key, value] of Object.entries(user ?? {})) {
    if (value === null && !Object.hasOwn(builtin ?? {}, key)) {
      report.warn(
        toPointer([...path, key]),
        `null removes a built-in ${noun}, but there is no built-in ${noun} ${quote(key)}; nothing to remove`,
        {
          key: true,
        },
      );
    }
  }
}

function checkComplete(
  report: ProblemReporter,
  path: (string | number)[],
  merged: Record<string, unknown> | undefined,
  kind: keyof typeof REQUIRED_FOR_NEW,
  noun: string,
): void {
  for (const [name, entry] of Object.entries(merged ?? {})) {
    if (entry === null || typeof entry !== 'object') continue;
    const missing = REQUIRED_FOR_NEW[kind].filter((k) => (entry as Record<string, unknown>)[k] === undefined);
    if (missing.length > 0) {
      report.error(
        toPointer([...path, name]),
        `${noun} ${quote(name)} is not built in, so it needs ${REQUIRED_FOR_NEW[kind].join(', ')}; missing: ${missing.join(', ')}`,
        { key: true },
      );
    }
  }
}

function tierRefMessage(name: string, tiers: string[], removed: boolean): string {
  if (removed)
    return `tier ${quote(name)} is removed by this file (tiers.${name}: null) but is still used here; replace this reference too`;
  return `tier ${quote(name)} does not exist${didYouMean(name, tiers)}; the policy has ${listChoices(tiers)}`;
}

/** The impossible combination: linear history demanded, squash and rebase merging both forbidden. */
function linearHistoryConflict(tier: TierDoc): string | undefined {
  const linear = (tier.branches ?? []).find((b) => b.protection.require_linear_history === true);
  if (!linear) return undefined;
  if (tier.merge?.allow_squash_merge === false && tier.merge?.allow_rebase_merge === false) return linear.pattern;
  return undefined;
}

/**
 * Semantic checks on the merged policy document. `user` is the file as
 * written, `builtin` the defaults as a document.
 */
export function checkPolicyDocument(merged: PolicyDocument, user: PolicyDocument, builtin: PolicyDocument, report: ProblemReporter): void {
  checkRemovals(report, ['tiers'], user.tiers, builtin.tiers, 'tier');
  checkRemovals(report, ['roles'], user.roles, builtin.roles, 'role');
  checkRemovals(report, ['bypass_levels'], user.bypass_levels, builtin.bypass_levels, 'bypass level');
  checkRemovals(
    report,
    ['review_assignment', 'expertise_mapping'],
    user.review_assignment?.expertise_mapping,
    builtin.review_assignment?.expertise_mapping,
    'expertise area',
  );

  checkComplete(report, ['tiers'], merged.tiers, 'tiers', 'tier');
  checkComplete(report, ['bypass_levels'], merged.bypass_levels, 'bypass_levels', 'bypass level');
  checkComplete(
    report,
    ['review_assignment', 'expertise_mapping'],
    merged.review_assignment?.expertise_mapping,
    'expertise_mapping',
    'expertise area',
  );

  const tierNames = keysOf(merged.tiers);
  const tierRef = (name: string) => tierRefMessage(name, tierNames, user.tiers?.[name] === null);
  const levelNames = keysOf(merged.bypass_levels);
  const roleNames = keysOf(merged.roles);

  if (tierNames.length === 0) report.error('/tiers', 'the policy needs at least one tier');
  else if (merged.default_tier !== undefined && !tierNames.includes(merged.default_tier)) {
    report.error('/default_tier', tierRef(merged.default_tier));
  } else if (merged.default_tier === undefined) {
    report.error('', 'missing required key "default_tier"');
  }

  // Tiers: ranks, branch patterns, bypass levels, merge combination.
  const rankOwner = new Map<number, string>();
  for (const name of tierNames) {
    const tier = merged.tiers![name]!;
    const base = ['tiers', name];
    if (typeof tier.rank === 'number') {
      const other = rankOwner.get(tier.rank);
      if (other !== undefined) {
        report.error(
          toPointer([...base, 'rank']),
          `rank ${tier.rank} is also the rank of tier ${quote(other)}; each tier needs its own rank (higher is stricter)`,
        );
      } else rankOwner.set(tier.rank, name);
    }
    const seenPatterns = new Map<string, number>();
    (tier.branches ?? []).forEach((branch, i) => {
      const at = toPointer([...base, 'branches', i, 'pattern']);
      const reason = checkBranchPattern(branch.pattern);
      if (reason) report.error(at, `${reason}; got ${quote(branch.pattern)}`);
      const first = seenPatterns.get(branch.pattern);
      if (first !== undefined)
        report.error(at, `branch pattern ${quote(branch.pattern)} is already listed as branches[${first}]; list each pattern once`);
      else seenPatterns.set(branch.pattern, i);
    });
    (tier.bypass_levels ?? []).forEach((level, i) => {
      if (!levelNames.includes(level)) {
        report.error(
          toPointer([...base, 'bypass_levels', i]),
          `bypass level ${quote(level)} does not exist${didYouMean(level, levelNames)}; the policy has ${levelNames.length > 0 ? listChoices(levelNames) : 'none'}`,
        );
      }
    });
    (tier.tolerated_bypass ?? []).forEach((t, i) => {
      const keys = ['org_admin', 'role', 'team', 'user', 'app', 'deploy_key', 'qms_role'].filter(
        (k) => (t as Record<string, unknown>)[k] !== undefined,
      );
      if (keys.length !== 1) {
        report.error(
          toPointer([...base, 'tolerated_bypass', i]),
          `name exactly one actor (org_admin, role, team, user, app, deploy_key or qms_role); got ${keys.length === 0 ? 'none' : keys.join(', ')}`,
        );
      }
      if (t.qms_role !== undefined && !roleNames.includes(t.qms_role)) {
        report.error(
          toPointer([...base, 'tolerated_bypass', i, 'qms_role']),
          `role ${quote(t.qms_role)} does not exist${didYouMean(t.qms_role, roleNames)}; add it under "roles"`,
        );
      }
    });
    const conflict = linearHistoryConflict(tier);
    if (conflict !== undefined) {
      report.error(
        toPointer([...base, 'merge']),
        `branch ${quote(conflict)} requires linear history, which blocks merge commits, but squash and rebase merging are both off: no pull request could be merged; allow squash or rebase merging`,
      );
    }
  }

  // Classification rules.
  (merged.classification ?? []).forEach((rule, i) => {
    if (!tierNames.includes(rule.tier)) report.error(toPointer(['classification', i, 'tier']), tierRef(rule.tier));
    (rule.match.names ?? []).forEach((glob, j) => {
      const reason = checkNameGlob(glob);
      if (reason) report.error(toPointer(['classification', i, 'match', 'names', j]), `${reason}; got ${quote(glob)}`);
    });
  });

  // Pilot repositories.
  const pilotNames = new Map<string, number>();
  (merged.pilot_repositories ?? []).forEach((pilot, i) => {
    const name = typeof pilot === 'string' ? pilot : pilot.name;
    if (typeof pilot !== 'string' && pilot.tier !== undefined && !tierNames.includes(pilot.tier)) {
      report.error(toPointer(['pilot_repositories', i, 'tier']), tierRef(pilot.tier));
    }
    const first = pilotNames.get(name.toLowerCase());
    if (first !== undefined)
      report.warn(toPointer(['pilot_repositories', i]), `repository ${quote(name)} is already listed as pilot_repositories[${first}]`);
    else pilotNames.set(name.toLowerCase(), i);
  });

  // Bypass levels name roles that exist.
  const unheld: string[] = [];
  for (const level of levelNames) {
    const roles = merged.bypass_levels![level]!.roles ?? [];
    roles.forEach((role, i) => {
      if (!roleNames.includes(role)) {
        report.error(
          toPointer(['bypass_levels', level, 'roles', i]),
          `role ${quote(role)} does not exist${didYouMean(role, roleNames)}; add it under "roles"`,
        );
      }
    });
    const held = roles.some((role) => {
      const binding = merged.roles?.[role];
      return binding !== null && binding !== undefined && ((binding.users ?? []).length > 0 || (binding.teams ?? []).length > 0);
    });
    if (!held) unheld.push(level);
  }
  // Only when the file deals with roles or bypass levels: the defaults have no
  // holders by design, and a file that changes something else should not nag.
  if (unheld.length > 0 && (user.roles !== undefined || user.bypass_levels !== undefined)) {
    report.warn(
      '/roles',
      `no user or team holds a role that can approve ${unheld.length === 1 ? 'bypass level' : 'bypass levels'} ${listChoices(unheld)}; nobody can approve ${unheld.length === 1 ? 'it' : 'them'} until "roles" names people or teams`,
    );
  }

  // Review assignment.
  const ra = merged.review_assignment ?? {};
  for (const [area, spec] of Object.entries(ra.expertise_mapping ?? {})) {
    if (spec === null) continue;
    const base = ['review_assignment', 'expertise_mapping', area];
    for (const field of ['primary', 'secondary'] as const) {
      (spec[field] ?? []).forEach((role, i) => {
        if (!roleNames.includes(role)) {
          report.error(
            toPointer([...base, field, i]),
            `role ${quote(role)} does not exist${didYouMean(role, roleNames)}; add it under "roles"`,
          );
        }
      });
    }
    (spec.paths ?? []).forEach((glob, i) => {
      const reason = checkNameGlob(glob);
      if (reason) report.error(toPointer([...base, 'paths', i]), `${reason}; got ${quote(glob)}`);
    });
  }
  const w = ra.weights ?? {};
  const parts: [string, number][] = [
    ['expertise_match', w.expertise_match ?? 0],
    ['workload_balance', w.workload_balance ?? 0],
    ['availability', w.availability ?? 0],
    ['context_preservation', w.context_preservation ?? 0],
  ];
  const sum = parts.reduce((acc, [, v]) => acc + v, 0);
  if (Math.abs(sum - 1) > 0.001) {
    report.error(
      '/review_assignment/weights',
      `the weights must add up to 1; they add up to ${Number(sum.toFixed(6))} (${parts.map(([k, v]) => `${k} ${v}`).join(' + ')})`,
    );
  }
}
