/**
 * `qms history` (a table of runs and their change sets) and `qms snapshots show`
 * (one change with its exact before JSON).
 */
import type { HistoryEntry, SnapshotView } from '../services/history.js';
import { toJson } from './formats.js';
import { toSnakeKeys } from './plan-view.js';
import { sanitizeForTerminal } from './sanitize.js';

function countsText(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

function argsText(args: unknown): string {
  if (!args || typeof args !== 'object') return '';
  const a = args as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof a['tier'] === 'string') parts.push(`tier ${a['tier']}`);
  if (typeof a['phase'] === 'string') parts.push(`phase ${a['phase']}`);
  if (Array.isArray(a['repos']) && a['repos'].length > 0) parts.push(`${a['repos'].length} repo${a['repos'].length === 1 ? '' : 's'}`);
  if (a['force'] === true) parts.push('--force');
  return parts.join(', ');
}

/** ` on https://ghe.example.com/api/v3`: which GitHub (omitted when not recorded). */
function onHost(host: string | null): string {
  return host ? ` on ${sanitizeForTerminal(host)}` : '';
}

/** `2026-11-25 14:32` (UTC): minutes are enough to find a run; ids are exact. */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
}

/** Two lines per change set (one per run without changes): readable at 80 columns and in logs. */
export function historyLines(entries: HistoryEntry[]): string[] {
  const lines: string[] = [];
  for (const e of entries) {
    const args = argsText(e.run.args);
    const org = sanitizeForTerminal(e.run.org ?? '');
    const who = sanitizeForTerminal(e.run.actor ?? 'unknown');
    if (e.changeSets.length === 0) {
      lines.push(
        `run ${e.run.id}  ${shortTime(e.run.startedAt)} UTC  ${e.run.kind} ${org}  by ${who}  ${e.run.status} — no changes${args ? ` (${args})` : ''}${onHost(e.run.apiHost)}`,
      );
      continue;
    }
    for (const cs of e.changeSets) {
      const kind = cs.parentChangeSetId !== null ? `${cs.kind} of ${cs.parentChangeSetId}` : cs.kind;
      const undone = cs.rolledBackBy.length > 0 ? ` — rolled back by ${cs.rolledBackBy.join(', ')}` : '';
      lines.push(
        `change set ${cs.id}  ${shortTime(cs.createdAt)} UTC  ${kind}  by ${sanitizeForTerminal(cs.actor)}  ${cs.status}${undone}`,
      );
      lines.push(
        `  ${org}${args ? ` (${args})` : ''}: ${countsText(cs.counts)} in ${cs.repos.length} repositor${cs.repos.length === 1 ? 'y' : 'ies'} (run ${e.run.id}${onHost(cs.apiHost ?? e.run.apiHost)})`,
      );
    }
  }
  return lines;
}

export function renderHistory(entries: HistoryEntry[]): string {
  if (entries.length === 0) return 'No apply or rollback has been recorded in this store yet.\n';
  return `${historyLines(entries).join('\n')}\n`;
}

export function historyToDocument(entries: HistoryEntry[]): Record<string, unknown> {
  return { version: 1, kind: 'history', runs: toSnakeKeys(entries) };
}

export function renderSnapshot(view: SnapshotView): string {
  const c = view.change;
  const lines = [
    `Snapshot ${c.id}: ${sanitizeForTerminal(c.repo)} ${c.targetKind} ${sanitizeForTerminal(c.targetKey || '(repository)')}`,
    `  change set ${c.changeSetId}${view.changeSet ? ` (${view.changeSet.kind}, ${view.changeSet.status}, by ${sanitizeForTerminal(view.changeSet.actor)})` : ''}, seq ${c.seq}, ${c.operation}`,
    `  status ${c.status}${c.error ? `: ${sanitizeForTerminal(c.error)}` : ''}`,
    `  recorded ${c.createdAt}, updated ${c.updatedAt}`,
  ];
  if (c.targetNodeId) lines.push(`  rule node id ${sanitizeForTerminal(c.targetNodeId)}`);
  if (view.undoes !== null) lines.push(`  undoes snapshot ${view.undoes}`);
  if (view.restoredBy !== null) lines.push(`  restored by snapshot ${view.restoredBy}`);
  const block = (title: string, value: unknown) => {
    lines.push('', `${title}:`);
    const text = value === null || value === undefined ? '(nothing)' : JSON.stringify(value, null, 2);
    for (const l of text.split('\n')) lines.push(`  ${sanitizeForTerminal(l)}`);
  };
  block('Before (exactly as GitHub returned it)', c.beforeState);
  block('Intended', c.intendedModel);
  block('After (as read back)', c.afterState);
  if (view.audit.length > 0) {
    lines.push('', 'Audit:');
    for (const a of view.audit) {
      const digests = Object.entries(a.digests)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => `${k} ${String(v).slice(0, 16)}…`)
        .join(', ');
      lines.push(`  #${a.seq} ${a.ts} ${a.action} by ${sanitizeForTerminal(a.actor)}${digests ? ` — ${digests}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `qms snapshots show --json`. `before` and `after` are GitHub's JSON exactly as
 * returned (never re-keyed); qms's own fields are snake_case like every document.
 */
export function snapshotToDocument(view: SnapshotView): string {
  const c = view.change;
  return toJson({
    version: 1,
    kind: 'snapshot',
    id: c.id,
    change_set_id: c.changeSetId,
    change_set: view.changeSet
      ? {
          id: view.changeSet.id,
          kind: view.changeSet.kind,
          status: view.changeSet.status,
          actor: view.changeSet.actor,
          org: view.changeSet.org,
          parent_change_set_id: view.changeSet.parentChangeSetId,
        }
      : null,
    seq: c.seq,
    repo: c.repo,
    target_kind: c.targetKind,
    target_key: c.targetKey,
    target_node_id: c.targetNodeId,
    operation: c.operation,
    status: c.status,
    error: c.error,
    before: c.beforeState,
    before_model: toSnakeKeys(c.beforeModel),
    intended: toSnakeKeys(c.intendedModel),
    after: c.afterState,
    after_model: toSnakeKeys(c.afterModel),
    undoes: view.undoes,
    restored_by: view.restoredBy,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    audit: view.audit.map((a) => ({
      seq: a.seq,
      ts: a.ts,
      action: a.action,
      actor: a.actor,
      digests: toSnakeKeys(a.digests),
      hash: a.hash,
    })),
  });
}
