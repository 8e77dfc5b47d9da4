/**
 * What `qms apply` and `qms rollback` print: per-step results (text), the
 * rollback preview as a diff, and their JSON documents.
 */
import type { RollbackPreview, RollbackResult, RollbackStepResult } from '../services/rollback.js';
import type { ApplyResult, StepResult } from '../services/apply.js';
import { createPalette, formatChange, planToDocument, toSnakeKeys, type DocumentMeta, type Palette } from './plan-view.js';
import type { Plan } from '../core/plan.js';
import { sanitizeForTerminal } from './sanitize.js';

const s = (t: string) => sanitizeForTerminal(t);

function targetLabel(kind: string, key: string): string {
  if (kind === 'merge_settings') return 'merge settings';
  if (kind === 'protection_rule') return `${key} (pattern rule)`;
  return key;
}

function paintStatus(status: string, p: Palette): string {
  if (status === 'verified' || status === 'restored' || status === 'already_restored') return p.add(status);
  if (status === 'unchanged' || status === 'nothing_to_undo') return p.dim(status);
  if (status === 'failed' || status === 'skipped_drift') return p.remove(status);
  return p.change(status);
}

/** One progress line per finished step (stderr). */
export function formatApplyStep(r: StepResult, index: number, total: number): string {
  return `[${index + 1}/${total}] ${s(r.repo)} ${s(targetLabel(r.kind, r.target))}: ${r.status}${r.error ? ` — ${s(r.error)}` : ''}`;
}

export function renderApplyResult(result: ApplyResult, options: { color: boolean }): string {
  const p = createPalette(options.color);
  const lines = [`Change set ${result.changeSetId}: ${result.status}`];
  let notReached = 0;
  for (const r of result.results) {
    // Steps an interrupt kept from starting are counted below, not listed one by one.
    if (r.status === 'not_attempted' && result.interrupted && r.error === 'interrupted before this step') {
      notReached += 1;
      continue;
    }
    lines.push(
      `  ${paintStatus(r.status, p)}  ${s(r.repo)} ${s(targetLabel(r.kind, r.target))}${r.changeId !== null ? p.dim(` (snapshot ${r.changeId})`) : ''}`,
    );
    if (r.error) lines.push(`      ${p.remove(s(r.error))}`);
  }
  if (notReached > 0) lines.push(`  ${p.change(`${notReached} more step${notReached === 1 ? '' : 's'} not started (interrupted)`)}`);
  const c = result.counts;
  lines.push(
    '',
    `${c.verified} verified, ${c.unchanged} already as wanted, ${c.failed} failed, ${c.not_attempted} not attempted${c.pending > 0 ? `, ${c.pending} maybe written` : ''}.`,
  );
  if (result.interrupted) lines.push(`Interrupted: what was written is recorded; \`qms rollback ${result.changeSetId}\` undoes it.`);
  else if (c.failed > 0) lines.push(`Some steps failed; \`qms rollback ${result.changeSetId}\` undoes what was written.`);
  return `${lines.join('\n')}\n`;
}

/** `qms apply --json`: the plan document, then what happened to each step. */
export function applyToDocument(
  org: string,
  plan: Plan,
  result: ApplyResult | null,
  extra: DocumentMeta & { declined: boolean },
): Record<string, unknown> {
  const planDoc = planToDocument(org, plan, extra);
  return {
    version: 1,
    kind: 'apply',
    org,
    generated_at: planDoc['generated_at'],
    tool_version: planDoc['tool_version'],
    plan: planDoc,
    declined: extra.declined,
    change_set: result ? { id: result.changeSetId, status: result.status, interrupted: result.interrupted } : null,
    counts: result?.counts ?? null,
    results: toSnakeKeys(result?.results ?? []),
  };
}

const DECISION_TEXT: Record<string, string> = {
  restore: 'restore',
  already_restored: 'already at its before-state',
  skip_drift: 'SKIP: changed by someone else since',
  nothing_to_undo: 'nothing to undo',
  unsupported: 'not supported',
};

export function renderRollbackPreview(preview: RollbackPreview, options: { color: boolean }): string {
  const p = createPalette(options.color);
  const set = preview.changeSet;
  const c = preview.counts;
  const lines = [
    `Rollback of change set ${set.id} (${set.kind}, ${set.status}, ${s(set.org ?? '')}, by ${s(set.actor)} at ${set.createdAt}): ` +
      `${c.restore} to restore, ${c.already_restored} already restored, ${c.skip_drift} drifted${preview.force ? ' (forced)' : ''}, ${c.nothing_to_undo} nothing to undo`,
  ];
  for (const step of preview.plan.steps) {
    if (step.decision === 'nothing_to_undo') continue;
    const paint = step.decision === 'restore' ? p.change : step.decision === 'skip_drift' ? p.remove : p.dim;
    lines.push(
      `  ${paint(DECISION_TEXT[step.decision] ?? step.decision)}  ${s(step.repo)} ${s(targetLabel(step.targetKind, step.targetKey))}${p.dim(` (snapshot ${step.changeId})`)}`,
    );
    if (step.decision === 'restore') for (const ch of step.changes) lines.push(formatChange(ch, p));
    if (step.decision === 'skip_drift' || (step.drift && step.drift.length > 0)) {
      lines.push(`      ${p.dim('changed since qms applied it:')}`);
      for (const ch of step.drift ?? []) lines.push(formatChange(ch, p, '        '));
    }
  }
  return `${lines.join('\n')}\n`;
}

export function formatRollbackStep(r: RollbackStepResult, index: number, total: number): string {
  return `[${index + 1}/${total}] ${s(r.repo)} ${s(targetLabel(r.targetKind, r.targetKey))}: ${r.status}${r.status === 'restored' || r.status === 'already_restored' ? '' : ` — ${s(r.reason)}`}`;
}

export function renderRollbackResult(result: RollbackResult, options: { color: boolean }): string {
  const p = createPalette(options.color);
  if (result.changeSetId === null) {
    return result.declined ? 'Nothing changed (not confirmed).\n' : '';
  }
  const lines = [`Rollback change set ${result.changeSetId} (undoes ${result.preview.changeSet.id}): ${result.status}`];
  for (const r of result.results) {
    if (r.status === 'nothing_to_undo') continue;
    lines.push(
      `  ${paintStatus(r.status, p)}  ${s(r.repo)} ${s(targetLabel(r.targetKind, r.targetKey))}${p.dim(` (snapshot ${r.changeId})`)}`,
    );
    if (r.status === 'failed' || r.status === 'skipped_drift') lines.push(`      ${p.remove(s(r.reason))}`);
  }
  const c = result.counts;
  lines.push('', `${c.restored} restored, ${c.already_restored} already restored, ${c.skipped_drift} skipped (drift), ${c.failed} failed.`);
  if (c.skipped_drift > 0) lines.push('Drifted targets were left as they are; `--force` restores them anyway.');
  return `${lines.join('\n')}\n`;
}

/** `qms rollback --json`: the decisions per change, then what happened. */
export function rollbackToDocument(
  preview: RollbackPreview,
  result: RollbackResult | null,
  meta: DocumentMeta & { dryRun: boolean },
): Record<string, unknown> {
  return {
    version: 1,
    kind: 'rollback',
    generated_at: (meta.generatedAt ?? new Date()).toISOString(),
    tool_version: meta.toolVersion ?? null,
    dry_run: meta.dryRun,
    undoes: { id: preview.changeSet.id, kind: preview.changeSet.kind, status: preview.changeSet.status, org: preview.changeSet.org },
    force: preview.force,
    plan: toSnakeKeys(preview.plan.steps),
    planned: preview.counts,
    change_set:
      result && result.changeSetId !== null ? { id: result.changeSetId, status: result.status, interrupted: result.interrupted } : null,
    results: toSnakeKeys(result?.results ?? []),
    counts: result && result.changeSetId !== null ? result.counts : null,
  };
}
