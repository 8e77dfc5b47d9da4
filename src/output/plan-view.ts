/**
 * The plan as a readable diff (per repository and target: `+` added, `-` removed,
 * `~` changed; colour only when the caller says the terminal wants it) and as the
 * JSON document described by schemas/plan-output.schema.json. `qms plan` and
 * `qms apply --dry-run` print exactly this.
 */
import { Chalk } from 'chalk';
import { summarizePlan, type DiffValue, type Plan, type PlanStep, type SettingChange } from '../core/plan.js';
import { sanitizeForTerminal } from './sanitize.js';

export const PLAN_DOCUMENT_VERSION = 1;

export interface Palette {
  add(text: string): string;
  remove(text: string): string;
  change(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function createPalette(color: boolean): Palette {
  const c = new Chalk({ level: color ? 1 : 0 });
  return { add: c.green, remove: c.red, change: c.yellow, dim: c.dim, bold: c.bold };
}

const KIND_LABEL: Record<PlanStep['kind'], string> = {
  classic_protection: 'branch protection',
  protection_rule: 'branch protection rule (pattern)',
  merge_settings: 'merge settings',
};

export function formatValue(v: DiffValue): string {
  if (v === null) return '(none)';
  return sanitizeForTerminal(String(v));
}

/** One diff line, indented: `~ allowForcePushes: true → false`. */
export function formatChange(c: SettingChange, palette: Palette, indent = '      '): string {
  const setting = sanitizeForTerminal(c.setting);
  const text =
    c.op === '+'
      ? `+ ${setting}: ${formatValue(c.after)}`
      : c.op === '-'
        ? `- ${setting}: ${formatValue(c.before)}`
        : `~ ${setting}: ${formatValue(c.before)} → ${formatValue(c.after)}`;
  const paint = c.op === '+' ? palette.add : c.op === '-' ? palette.remove : palette.change;
  return `${indent}${paint(text)}`;
}

function stepHeading(step: PlanStep, palette: Palette): string {
  const symbol = step.operation === 'create' ? palette.add('+') : palette.change('~');
  const target = step.kind === 'merge_settings' ? 'repository' : sanitizeForTerminal(step.target);
  return `  ${symbol} ${palette.bold(target)}  ${KIND_LABEL[step.kind]} (${step.operation})`;
}

function scopeText(plan: Plan): string {
  const parts: string[] = [];
  if (plan.tier) parts.push(`tier ${plan.tier}`);
  if (plan.phase) parts.push(`phase ${plan.phase}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** The human diff. */
export function renderPlanText(org: string, plan: Plan, options: { color: boolean }): string {
  const p = createPalette(options.color);
  const s = summarizePlan(plan);
  const lines: string[] = [];
  const repoCount = plan.repos.length;
  if (s.steps === 0) {
    lines.push(
      `Plan for ${sanitizeForTerminal(org)}${scopeText(plan)}: no changes — ${repoCount} repositor${repoCount === 1 ? 'y' : 'ies'} in scope, nothing to write.`,
    );
  } else {
    lines.push(
      `Plan for ${sanitizeForTerminal(org)}${scopeText(plan)}: ${s.steps} write${s.steps === 1 ? '' : 's'} in ${s.repos} of ${repoCount} repositor${repoCount === 1 ? 'y' : 'ies'} ` +
        `(${s.byKind.classic_protection} branch, ${s.byKind.protection_rule} pattern rule, ${s.byKind.merge_settings} merge settings)`,
    );
  }
  let currentRepo: string | null = null;
  for (const step of plan.steps) {
    if (step.repo !== currentRepo) {
      currentRepo = step.repo;
      lines.push('', `${p.bold(sanitizeForTerminal(step.repo))}  ${p.dim(`[${step.tier}]`)}`);
    }
    lines.push(stepHeading(step, p));
    for (const c of step.changes) lines.push(formatChange(c, p));
  }
  if (plan.skipped.length > 0) {
    lines.push('', `Not planned (${plan.skipped.length}):`);
    for (const k of plan.skipped) {
      lines.push(
        `  ${sanitizeForTerminal(k.repo)}${k.target ? ` ${sanitizeForTerminal(k.target)}` : ''}: ${sanitizeForTerminal(k.reason)}`,
      );
    }
  }
  if (plan.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const n of plan.notes)
      lines.push(
        `  ${sanitizeForTerminal(n.repo)}${n.target ? ` ${sanitizeForTerminal(n.target)}` : ''}: ${sanitizeForTerminal(n.message)}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** `requiredApprovingReviewCount` → `required_approving_review_count`. */
export function snakeKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * A qms value (model, result) with snake_case keys, like every qms JSON document.
 * Only keys change: values (setting paths such as `requiredReviews.requiredApprovingReviewCount`,
 * which name settings the same way assess findings do) stay as they are.
 */
export function toSnakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSnakeKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [snakeKey(k), toSnakeKeys(v)]));
}

export interface DocumentMeta {
  generatedAt?: Date;
  toolVersion?: string | null;
  repos?: string[];
}

/** The JSON document (schemas/plan-output.schema.json). */
export function planToDocument(org: string, plan: Plan, meta: DocumentMeta = {}): Record<string, unknown> {
  const s = summarizePlan(plan);
  return {
    version: PLAN_DOCUMENT_VERSION,
    kind: 'plan',
    org,
    generated_at: (meta.generatedAt ?? new Date()).toISOString(),
    tool_version: meta.toolVersion ?? null,
    filters: { tier: plan.tier, phase: plan.phase, repos: meta.repos && meta.repos.length > 0 ? meta.repos : null },
    summary: {
      steps: s.steps,
      repos_with_changes: s.repos,
      repos_in_scope: plan.repos.length,
      by_kind: s.byKind,
      skipped: s.skipped,
      out_of_scope: plan.outOfScope,
    },
    repos: plan.repos,
    steps: plan.steps.map((step) => ({
      id: step.id,
      repo: step.repo,
      kind: step.kind,
      target: step.target,
      tier: step.tier,
      tier_targets: step.tierTargets,
      operation: step.operation,
      rule_id: step.kind === 'merge_settings' ? null : step.ruleId,
      before: toSnakeKeys(step.before),
      after: toSnakeKeys(step.after),
      changes: step.changes,
    })),
    skipped: plan.skipped,
    notes: plan.notes,
  };
}
