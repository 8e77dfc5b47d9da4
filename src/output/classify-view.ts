/**
 * The forms of a classification report: the JSON document
 * (schemas/classify-output.schema.json), NDJSON (one repository per line),
 * CSV/markdown rows and the terminal view (80 columns: a table of repository,
 * tier and evidence with the reason beneath each row, then skipped repositories
 * and the `qms_tier` property changes).
 */
import type { EvidenceKind } from '../core/classify.js';
import type { PolicyOrigin } from '../services/assess.js';
import type { ClassifiedRepo, ClassifySummary, PropertyChange, PropertyPlan, PropertyWriteResult } from '../services/classify.js';
import { propertyValueText } from '../core/classify.js';
import { layoutGrid, renderGrid, wrapText, type GridColumn } from './assess-view.js';
import type { Palette } from './colour.js';
import type { Column } from './formats.js';
import { sanitizeForTerminal } from './sanitize.js';

export const CLASSIFY_DOCUMENT_VERSION = 1;

export interface ClassifyReport {
  org: string;
  generatedAt: string;
  toolVersion: string | null;
  policy: PolicyOrigin;
  repos: ClassifiedRepo[];
  summary: ClassifySummary;
  /** `off`: no --write-properties; `dry-run`: planned only; `write`: attempted. */
  properties: { mode: 'off' | 'dry-run' | 'write'; plan: PropertyPlan; result: PropertyWriteResult | null };
  exitCode: number;
}

const EVIDENCE_LABEL: Record<EvidenceKind, string> = {
  'repo-config': 'repo config',
  'custom-property': 'property',
  topic: 'topic',
  'policy-rule': 'policy rule',
  default: 'default tier',
};

export function evidenceText(r: ClassifiedRepo): string {
  const e = r.classification.evidence;
  if (!e) return '-';
  switch (e.kind) {
    case 'repo-config':
      return `repo config ${e.detail}`;
    case 'custom-property':
      return `property ${e.detail}`;
    case 'topic':
      return `topic ${e.detail}`;
    case 'policy-rule':
      return `policy ${e.detail}`;
    case 'default':
      return 'default tier';
  }
}

function changeRecord(c: PropertyChange) {
  return { repo: c.repo, from: c.from, to: c.to, evidence: c.evidence, status: c.status, error: c.error };
}

function repoRecord(r: ClassifiedRepo) {
  const c = r.classification;
  return {
    repo: r.repo,
    tier: r.status === 'classified' ? c.tier : null,
    status: r.status,
    evidence: c.evidence ? { kind: c.evidence.kind, detail: c.evidence.detail } : null,
    reason: r.status === 'error' ? `Reading the repository failed: ${r.error ?? 'unknown error'}` : c.reason,
    notes: [...c.notes],
    property: { readable: r.property.readable, value: propertyValueText(r.property.value) },
  };
}

/** The `--json` document. */
export function buildClassifyDocument(report: ClassifyReport) {
  const s = report.summary;
  const result = report.properties.result;
  const changes = result ? result.changes : report.properties.plan.changes;
  return {
    version: CLASSIFY_DOCUMENT_VERSION,
    kind: 'classify' as const,
    org: report.org,
    generated_at: report.generatedAt,
    tool_version: report.toolVersion,
    policy:
      report.policy.kind === 'file' ? { source: 'file' as const, path: report.policy.label } : { source: 'builtin' as const, path: null },
    repos: report.repos.map(repoRecord),
    summary: {
      repos: s.repos,
      classified: s.classified,
      skipped: s.skipped,
      errors: s.errors,
      by_tier: { ...s.byTier },
      by_evidence: { ...s.byEvidence },
    },
    properties: {
      mode: report.properties.mode,
      run_id: result?.runId ?? null,
      change_set_id: result?.changeSetId ?? null,
      status: result?.status ?? null,
      changes: changes.map(changeRecord),
      skipped: report.properties.plan.skipped.map((x) => ({ repo: x.repo, reason: x.reason })),
    },
    exit_code: report.exitCode,
  };
}

/** NDJSON: one repository per line. */
export function classifyNdjsonRecords(report: ClassifyReport) {
  return report.repos.map(repoRecord);
}

export const CLASSIFY_COLUMNS: Column<ClassifiedRepo>[] = [
  { key: 'repo', header: 'repo', value: (r) => r.repo },
  { key: 'tier', header: 'tier', value: (r) => (r.status === 'classified' ? r.classification.tier : '') },
  { key: 'status', header: 'status', value: (r) => r.status },
  { key: 'evidence', header: 'evidence', value: (r) => r.classification.evidence?.kind ?? '' },
  { key: 'detail', header: 'detail', value: (r) => r.classification.evidence?.detail ?? '' },
  { key: 'reason', header: 'reason', value: (r) => repoRecord(r).reason },
];

export interface ClassifyViewOptions {
  width: number;
  palette: Palette;
}

function indentLines(text: string, width: number, indent: string): string {
  return wrapText(text, width - indent.length)
    .split('\n')
    .map((l) => `${indent}${l}`)
    .join('\n');
}

/** The default terminal view. */
export function renderClassifyTable(report: ClassifyReport, options: ClassifyViewOptions): string {
  const p = options.palette;
  const width = Math.max(40, options.width);
  const policy = report.policy.kind === 'file' ? report.policy.label : 'built-in defaults';
  const s = report.summary;
  const sections: string[] = [];
  const head = `Classification of ${report.org}: ${s.repos === 1 ? '1 repository' : `${s.repos} repositories`}, ${s.classified} classified, ${s.skipped} skipped${s.errors ? `, ${s.errors} unreadable` : ''} (policy ${policy})`;
  sections.push(`${wrapText(sanitizeForTerminal(head), width)}\n`);

  const listed = report.repos.filter((r) => r.status !== 'skipped');
  if (listed.length > 0) {
    const columns: GridColumn<ClassifiedRepo>[] = [
      { header: 'REPOSITORY', value: (r) => r.name, min: 12 },
      {
        header: 'TIER',
        value: (r) => (r.status === 'classified' ? r.classification.tier : 'error'),
        min: 8,
        style: (r, t) => (r.status === 'error' ? p.bad(t) : t),
      },
      {
        header: 'EVIDENCE',
        value: (r) => (r.status === 'error' ? '-' : EVIDENCE_LABEL[r.classification.evidence?.kind ?? 'default']),
        fixed: true,
      },
    ];
    const grid = layoutGrid(columns, listed, { width, palette: p });
    let out = `${grid.header}\n`;
    listed.forEach((r, i) => {
      out += `${grid.rows[i]}\n`;
      const reason = r.status === 'error' ? `Reading the repository failed: ${r.error ?? 'unknown error'}` : r.classification.reason;
      out += `${p.dim(indentLines(sanitizeForTerminal(reason), width, '  '))}\n`;
      for (const note of r.classification.notes) out += `${p.dim(indentLines(sanitizeForTerminal(`note: ${note}`), width, '  '))}\n`;
    });
    sections.push(out);
  }

  const skipped = report.repos.filter((r) => r.status === 'skipped');
  if (skipped.length > 0) {
    let out = `${p.heading(`Skipped (${skipped.length})`)}\n`;
    for (const r of skipped)
      out += `${indentLines(sanitizeForTerminal(`${r.name}: ${r.classification.reason}`), width, '- ').replace(/\n- /g, '\n  ')}\n`;
    sections.push(out);
  }

  const props = report.properties;
  if (props.mode !== 'off') {
    const changes = props.result ? props.result.changes : props.plan.changes;
    const title =
      props.mode === 'dry-run'
        ? `qms_tier property: ${changes.length} change(s) planned (dry run, nothing written)`
        : `qms_tier property: ${changes.filter((c) => c.status === 'verified').length} of ${changes.length} set${props.result ? ` (change set ${props.result.changeSetId})` : ''}`;
    let out = `${p.heading(wrapText(title, width))}\n`;
    if (changes.length > 0) {
      const columns: GridColumn<PropertyChange>[] = [
        { header: 'REPOSITORY', value: (c) => c.name, min: 12 },
        { header: 'FROM', value: (c) => c.from ?? '(unset)', min: 7 },
        { header: 'TO', value: (c) => c.to, min: 8 },
        {
          header: 'STATUS',
          value: (c) => c.status,
          fixed: true,
          style: (c, t) => (c.status === 'verified' ? p.good(t) : c.status === 'failed' ? p.bad(t) : t),
        },
      ];
      out += renderGrid(columns, changes, { width, palette: p });
      for (const c of changes.filter((x) => x.error)) out += `${indentLines(sanitizeForTerminal(`${c.name}: ${c.error}`), width, '  ')}\n`;
    } else {
      out += `${wrapText('Nothing to change: every repository the policy classified (by a rule or the default tier) already has the right value.', width)}\n`;
    }
    for (const x of props.plan.skipped) out += `${indentLines(sanitizeForTerminal(`not written: ${x.repo}: ${x.reason}`), width, '  ')}\n`;
    sections.push(out);
  }
  return sections.join('\n');
}
