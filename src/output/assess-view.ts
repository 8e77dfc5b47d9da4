/**
 * The forms of an assess report: the JSON document (schemas/assess-output.schema.json),
 * NDJSON (one finding per line), CSV/markdown (finding rows) and the terminal view.
 *
 * The terminal view is built for an 80-column terminal: a per-repository table
 * (tier, level, status, counts by severity), the findings grouped by repository ×
 * branch with expected and actual values, the repositories that could not be
 * fully judged and why, and a summary per tier. Every piece of API text goes
 * through sanitizeForTerminal (repository and branch names, messages).
 */
import Table from 'cli-table3';
import type { Incompleteness } from '../core/completeness.js';
import type { AssessmentStatus, Finding, Severity, TierSummary } from '../core/gap-analysis.js';
import type { AssessedRepo, AssessReport } from '../services/assess.js';
import type { Palette } from './colour.js';
import { cellText, toMarkdown, type Column } from './formats.js';
import { sanitizeForTerminal } from './sanitize.js';
import { mapIterable, StreamedArray } from './stream.js';

export const ASSESS_DOCUMENT_VERSION = 1;

// ---------------------------------------------------------------------------
// JSON

/** One finding as the JSON document, NDJSON and exports write it. */
export interface FindingRecord {
  repo: string;
  branch: string | null;
  target: string | null;
  setting: string;
  expected: string | number | boolean | null;
  actual: string | number | boolean | null;
  severity: Severity;
  tier: string;
  message: string;
  source: string;
  /**
   * The status of the finding's repository: `assessed`, or `unknown`/`error` when the
   * repository could not be fully seen (what could be seen is listed; the rest is not
   * compliant, just not known). Absent when the writer does not know it (exports).
   */
  repo_status?: AssessmentStatus;
}

/** `statusOf`: the repository status per `owner/name` (see {@link repoStatusLookup}). */
export function toFindingRecord(f: Finding, statusOf?: (repo: string) => AssessmentStatus | undefined): FindingRecord {
  const status = statusOf?.(f.repo);
  return {
    repo: f.repo,
    branch: f.branch,
    target: f.target,
    setting: f.setting,
    expected: f.expected,
    actual: f.actual,
    severity: f.severity,
    tier: f.tier,
    message: f.message,
    source: f.source,
    ...(status !== undefined ? { repo_status: status } : {}),
  };
}

/** Each repository's assessment status, for finding rows (CSV, markdown, NDJSON, JSON). */
export function repoStatusLookup(report: Pick<AssessReport, 'repos'>): (repo: string) => AssessmentStatus | undefined {
  const byRepo = new Map(report.repos.map((r) => [r.repo, r.assessment.status]));
  return (repo) => byRepo.get(repo);
}

function incompleteRecord(i: Incompleteness) {
  return { repos: i.repos, causes: i.groups.map((g) => ({ cause: g.cause, needs: g.needs, repos: [...g.repos] })) };
}

function tierSummaryRecord(t: TierSummary) {
  return {
    tier: t.tier,
    repos: t.repos,
    assessed: t.assessed,
    compliant: t.compliant,
    with_gaps: t.withGaps,
    unknown: t.unknown,
    not_applicable: t.notApplicable,
    skipped: t.skipped,
    errors: t.errors,
    findings: { ...t.gaps },
    findings_not_fully_assessed: { ...t.gapsNotFullyAssessed },
    levels: { ...t.levels },
  };
}

function repoRecord(r: AssessedRepo) {
  const a = r.assessment;
  const c = r.classification;
  return {
    repo: r.repo,
    tier: a.tier,
    status: a.status,
    reason: a.reason,
    level: a.level,
    level_reason: a.levelReason,
    compliant: a.compliant,
    access: r.access,
    classification: {
      status: c.status,
      evidence: c.evidence ? { kind: c.evidence.kind, detail: c.evidence.detail } : null,
      reason: c.reason,
      overruled: c.overruled
        ? {
            kind: c.overruled.kind,
            detail: c.overruled.detail,
            tier: c.overruled.tier,
            org_tier: c.overruled.orgTier,
            org_evidence: { kind: c.overruled.orgEvidence.kind, detail: c.overruled.orgEvidence.detail },
          }
        : null,
    },
    findings: { ...r.counts, total: a.findings.length },
    branches: a.branches.map((b) => ({ target: b.target, branch: b.branch, state: b.state, reason: b.reason ?? null })),
    patterns: a.patterns.map((p) => ({
      target: p.target,
      existing_branches: [...p.existingBranches],
      future_covered: p.futureCovered,
      covering_rules: [...p.coveringRules],
      reason: p.reason ?? null,
    })),
    notes: [...a.notes],
  };
}

/**
 * The `--json` document, with `repos` and `findings` streamed item by item
 * ({@link StreamedArray}): a 10,000-repository report is ~50 MB of JSON and is
 * never built as one string or one object graph.
 */
export function buildAssessDocument(report: AssessReport) {
  const s = report.summary;
  const statusOf = repoStatusLookup(report);
  return {
    version: ASSESS_DOCUMENT_VERSION,
    kind: 'assess' as const,
    run_id: report.runId,
    org: report.org,
    generated_at: report.generatedAt,
    tool_version: report.toolVersion,
    policy:
      report.policy.kind === 'file' ? { source: 'file' as const, path: report.policy.label } : { source: 'builtin' as const, path: null },
    filters: { repos: report.filters.repos, tier: report.filters.tier },
    fail_on: report.failOn,
    reader: report.readerKind,
    repos: new StreamedArray(mapIterable(report.repos, repoRecord)),
    findings: new StreamedArray(mapIterable(report.findings, (f) => toFindingRecord(f, statusOf))),
    summary: {
      repos: s.repos,
      by_status: { ...s.byStatus },
      compliant: s.compliant,
      findings: { ...s.findings },
      failing: s.failing,
      failed_repos: [...s.failedRepos],
      not_fully_assessed: incompleteRecord(s.notFullyAssessed),
      tiers: s.tiers.map(tierSummaryRecord),
      exit_code: report.exitCode,
    },
  };
}

/**
 * CSV and markdown: one row per finding, with its repository's status last
 * (`findingColumns`), so a finding from a repository that could not be fully seen
 * is never read as one gap of an assessed repository.
 */
export const FINDING_COLUMNS: Column<Finding>[] = [
  { key: 'repo', header: 'repo', value: (f) => f.repo },
  { key: 'branch', header: 'branch', value: (f) => f.branch ?? '' },
  { key: 'tier', header: 'tier', value: (f) => f.tier },
  { key: 'severity', header: 'severity', value: (f) => f.severity },
  { key: 'setting', header: 'setting', value: (f) => f.setting },
  { key: 'expected', header: 'expected', value: (f) => f.expected },
  { key: 'actual', header: 'actual', value: (f) => f.actual },
  { key: 'message', header: 'message', value: (f) => f.message },
  { key: 'source', header: 'source', value: (f) => f.source },
];

/** {@link FINDING_COLUMNS} plus `repo_status` (assessed, unknown, error, not_applicable). */
export function findingColumns(report: Pick<AssessReport, 'repos'>): Column<Finding>[] {
  const statusOf = repoStatusLookup(report);
  return [...FINDING_COLUMNS, { key: 'repo_status', header: 'repo_status', value: (f) => statusOf(f.repo) ?? '' }];
}

/**
 * The markdown report: the findings table, then (when the run is partial) which
 * repositories could not be fully assessed and why. Unknown is never compliant, so
 * a reader of the table alone must not take a missing repository for a clean one.
 */
export function renderAssessMarkdown(report: AssessReport): string {
  let out = toMarkdown(findingColumns(report), report.findings);
  const incomplete = report.summary.notFullyAssessed;
  if (incomplete.repos > 0) {
    const head = `Not fully assessed: ${incomplete.repos} of ${report.summary.repos} repositories`;
    out += `\n**${head}** (exit ${report.exitCode}; unknown is never compliant)\n\n`;
    out += toMarkdown(
      NOT_ASSESSED_COLUMNS,
      incomplete.groups.flatMap((g) => g.repos.map((repo) => ({ repo, needs: g.needs }))),
    );
  }
  return out;
}

const NOT_ASSESSED_COLUMNS: Column<{ repo: string; needs: string }>[] = [
  { key: 'repo', header: 'repo', value: (r) => r.repo },
  { key: 'why', header: 'why', value: (r) => r.needs },
];

// ---------------------------------------------------------------------------
// Terminal

export interface ViewOptions {
  /** Terminal width (80 when unknown). */
  width: number;
  palette: Palette;
}

/** Plain-text width of a string (code points; the text is sanitised, no escapes). */
function textWidth(text: string): number {
  return [...text].length;
}

/** Word-wrap to `width`, breaking words longer than a line (repository names, paths). */
export function wrapText(text: string, width: number): string {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      if (word === '') continue;
      let rest = [...word];
      if (line !== '' && textWidth(line) + 1 + rest.length <= w) {
        line += ` ${word}`;
        continue;
      }
      if (line !== '') out.push(line);
      line = '';
      while (rest.length > w) {
        out.push(rest.slice(0, w).join(''));
        rest = rest.slice(w);
      }
      line = rest.join('');
    }
    out.push(line);
  }
  return out.join('\n');
}

export interface GridColumn<R> {
  header: string;
  value: (row: R) => string | number | null | undefined;
  align?: 'left' | 'right';
  /** Never narrower than this (headers, counts); flexible columns shrink to it first. */
  min?: number;
  /** Keeps its natural width; the table shrinks other columns first. */
  fixed?: boolean;
  /** Colour for a cell's (single-line) text. */
  style?: (row: R, text: string) => string;
}

/** Rows per cli-table3 table when drawing a long grid (see layoutGrid). */
const GRID_CHUNK = 200;

/**
 * A borderless table (cli-table3) that fits `width`: columns sized by content,
 * the widest flexible column shrunk first, long cells wrapped. Columns are two
 * spaces apart; the first column starts at `indent`. Returns the header and each
 * row's lines separately, so callers can put text between rows.
 */
export function layoutGrid<R>(
  columns: GridColumn<R>[],
  rows: readonly R[],
  options: { width: number; indent?: number; palette?: Palette },
): { header: string; rows: string[] } {
  const gap = 2;
  const indent = options.indent ?? 0;
  const texts = rows.map((r) => columns.map((c) => cellText(c.value(r) ?? '')));
  const widths = columns.map((c, i) => Math.max(textWidth(c.header), ...texts.map((t) => textWidth(t[i] ?? ''))));
  const available = Math.max(20, options.width) - indent - gap * (columns.length - 1);
  const total = () => widths.reduce((a, b) => a + b, 0);
  // Shrink the widest flexible column first; only when that is not enough, the
  // fixed ones too (their cells then wrap), so no line is ever wider than `width`.
  for (const pass of ['flexible', 'all'] as const) {
    while (total() > available) {
      let widest = -1;
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i]!;
        const floor = pass === 'flexible' ? Math.max(c.min ?? 6, c.fixed ? widths[i]! : 0) : 1;
        if (widths[i]! <= floor) continue;
        if (widest === -1 || widths[i]! > widths[widest]!) widest = i;
      }
      if (widest === -1) break;
      widths[widest] = widths[widest]! - 1;
    }
  }
  const headers = columns.map((c, i) => wrapText(c.header, widths[i]!));
  const cells = texts.map((t) => t.map((text, i) => wrapText(text, widths[i]!)));
  const height = (row: string[]) => Math.max(1, ...row.map((c) => c.split('\n').length));
  const tableOptions: ConstructorParameters<typeof Table>[0] = {
    head: headers.map((h) => (options.palette && !h.includes('\n') ? options.palette.heading(h) : h)),
    colWidths: widths,
    colAligns: columns.map((c) => c.align ?? 'left'),
    wordWrap: false,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: ' '.repeat(gap),
    },
  };
  const pad = ' '.repeat(indent);
  // cli-table3 lays a table out in time quadratic in its rows (a 10,000-row table
  // takes half a minute); the widths are fixed above, so drawing GRID_CHUNK rows at a
  // time gives the same lines. Each chunk repeats the header, kept from the first.
  const headerHeight = height(headers);
  const lines: string[] = [];
  for (let start = 0; start === 0 || start < rows.length; start += GRID_CHUNK) {
    const table = new Table(tableOptions);
    for (let r = start; r < Math.min(rows.length, start + GRID_CHUNK); r++) {
      table.push(
        cells[r]!.map((text, i) => {
          const style = columns[i]!.style;
          return style && !text.includes('\n') ? style(rows[r]!, text) : text;
        }),
      );
    }
    const drawn = table
      .toString()
      .split('\n')
      .map((l) => `${pad}${l}`.trimEnd());
    lines.push(...(start === 0 ? drawn : drawn.slice(headerHeight)));
  }
  const out: string[] = [];
  let at = headerHeight;
  for (const row of cells) {
    const h = height(row);
    out.push(lines.slice(at, at + h).join('\n'));
    at += h;
  }
  return { header: lines.slice(0, headerHeight).join('\n'), rows: out };
}

/** {@link layoutGrid} as one block of text. */
export function renderGrid<R>(
  columns: GridColumn<R>[],
  rows: readonly R[],
  options: { width: number; indent?: number; palette?: Palette },
): string {
  const { header, rows: body } = layoutGrid(columns, rows, options);
  return `${[header, ...body].join('\n')}\n`;
}

const LEVEL_SHOWN = new Set(['assessed', 'unknown']);

const STATUS_LABEL: Record<string, string> = {
  assessed: 'assessed',
  unknown: 'unknown',
  not_applicable: 'n/a',
  skipped: 'skipped',
  error: 'error',
};

/** Short, readable names for finding settings (the JSON keeps the exact key). */
const SETTING_LABEL: Record<string, string> = {
  requiredReviews: 'pull request required',
  'requiredReviews.requiredApprovingReviewCount': 'approving reviews',
  'requiredReviews.requireCodeOwnerReviews': 'code owner review',
  'requiredReviews.dismissStaleReviews': 'dismiss stale approvals',
  'requiredReviews.requireLastPushApproval': 'last-push approval',
  'requiredStatusChecks.contexts': 'required check',
  'requiredStatusChecks.strict': 'up-to-date branches',
  enforceAdmins: 'enforce for admins',
  requireLinearHistory: 'linear history',
  allowForcePushes: 'force pushes allowed',
  allowDeletions: 'deletion allowed',
  blockCreations: 'creation restricted',
  requireConversationResolution: 'resolve conversations',
  requireSignedCommits: 'signed commits',
  lockBranch: 'branch locked',
  restrictions: 'push restrictions',
  coverage: 'new branches covered',
  repoConfig: 'repo config',
  'merge.allowSquashMerge': 'squash merging allowed',
  'merge.allowMergeCommit': 'merge commits allowed',
  'merge.allowRebaseMerge': 'rebase merging allowed',
  tierTopic: 'tier topic',
};

export function settingLabel(setting: string): string {
  const known = SETTING_LABEL[setting];
  if (known) return known;
  if (setting.startsWith('repoConfig.')) return `repo config ${setting.slice('repoConfig.'.length).split('.').pop()}`;
  return setting;
}

function valueText(setting: string, value: string | number | boolean | null): string {
  if (value === null) return setting === 'requiredStatusChecks.contexts' ? 'missing' : 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function repoTable(report: AssessReport, options: ViewOptions): string {
  const p = options.palette;
  const count = (sev: Severity) => (r: AssessedRepo) => r.counts[sev] || '-';
  const countStyle = (sev: Severity) => (r: AssessedRepo, text: string) => (r.counts[sev] > 0 ? p.severity(sev, text) : p.dim(text));
  const columns: GridColumn<AssessedRepo>[] = [
    { header: 'REPOSITORY', value: (r) => r.name, min: 12 },
    { header: 'TIER', value: (r) => r.assessment.tier ?? '-', min: 8 },
    { header: 'LEVEL', value: (r) => (LEVEL_SHOWN.has(r.assessment.status) ? r.assessment.level : '-'), min: 7 },
    {
      header: 'STATUS',
      value: (r) => STATUS_LABEL[r.assessment.status] ?? r.assessment.status,
      fixed: true,
      style: (r, t) => p.status(r.assessment.compliant ? 'compliant' : r.assessment.status, t),
    },
    { header: 'C', value: count('critical'), align: 'right', fixed: true, min: 1, style: countStyle('critical') },
    { header: 'H', value: count('high'), align: 'right', fixed: true, min: 1, style: countStyle('high') },
    { header: 'M', value: count('medium'), align: 'right', fixed: true, min: 1, style: countStyle('medium') },
    { header: 'L', value: count('low'), align: 'right', fixed: true, min: 1, style: countStyle('low') },
  ];
  return renderGrid(columns, report.repos, { width: options.width, palette: p });
}

interface FindingGroup {
  repo: AssessedRepo;
  branch: string | null;
  findings: Finding[];
}

function groupFindings(report: AssessReport): FindingGroup[] {
  const groups: FindingGroup[] = [];
  for (const repo of report.repos) {
    const byBranch = new Map<string, Finding[]>();
    for (const f of repo.assessment.findings) {
      const key = f.branch ?? '';
      const list = byBranch.get(key) ?? [];
      list.push(f);
      byBranch.set(key, list);
    }
    // Repository-level findings first, then branches by name.
    const keys = [...byBranch.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
    for (const key of keys) groups.push({ repo, branch: key === '' ? null : key, findings: byBranch.get(key)! });
  }
  return groups;
}

function findingsSection(report: AssessReport, options: ViewOptions): string {
  const p = options.palette;
  const groups = groupFindings(report);
  if (groups.length === 0) return '';
  const columns: GridColumn<Finding>[] = [
    { header: 'SEVERITY', value: (f) => f.severity, fixed: true, style: (f, t) => p.severity(f.severity, t) },
    { header: 'SETTING', value: (f) => settingLabel(f.setting), min: 10 },
    { header: 'EXPECTED', value: (f) => valueText(f.setting, f.expected), min: 8 },
    { header: 'ACTUAL', value: (f) => valueText(f.setting, f.actual), min: 8 },
  ];
  let out = `${p.heading(`Findings (${report.findings.length})`)}\n`;
  for (const g of groups) {
    const where = g.branch === null ? 'repository' : g.branch;
    const tier = g.repo.assessment.tier ? ` (${g.repo.assessment.tier})` : '';
    out += `\n${wrapText(sanitizeForTerminal(`${g.repo.name} · ${where}${tier}`), options.width)}\n`;
    out += renderGrid(columns, g.findings, { width: options.width, indent: 2, palette: p });
  }
  return out;
}

function notJudgedSection(report: AssessReport, options: ViewOptions): string {
  const p = options.palette;
  const rows = report.repos.filter((r) => r.assessment.status !== 'assessed');
  if (rows.length === 0) return '';
  let out = `${p.heading('Not fully assessed')}\n`;
  for (const r of rows) {
    const label = STATUS_LABEL[r.assessment.status] ?? r.assessment.status;
    const line = sanitizeForTerminal(`${r.name} (${label}): ${r.assessment.reason}`);
    const wrapped = wrapText(line, options.width - 2)
      .split('\n')
      .map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`))
      .join('\n');
    out += `${p.status(r.assessment.status, wrapped)}\n`;
  }
  return out;
}

function tierSection(report: AssessReport, options: ViewOptions): string {
  const p = options.palette;
  // Full headers fit 80 columns; narrower terminals get the short ones.
  const short = options.width < 72;
  const columns: GridColumn<TierSummary>[] = [
    { header: 'TIER', value: (t) => t.tier, min: 8 },
    { header: 'REPOS', value: (t) => t.repos, align: 'right', fixed: true },
    { header: short ? 'OK' : 'COMPLIANT', value: (t) => t.compliant, align: 'right', fixed: true },
    { header: 'GAPS', value: (t) => t.withGaps, align: 'right', fixed: true },
    { header: short ? 'UNKN' : 'UNKNOWN', value: (t) => t.unknown, align: 'right', fixed: true },
    { header: 'N/A', value: (t) => t.notApplicable, align: 'right', fixed: true },
    { header: short ? 'SKIP' : 'SKIPPED', value: (t) => t.skipped, align: 'right', fixed: true },
    { header: short ? 'ERR' : 'ERRORS', value: (t) => t.errors, align: 'right', fixed: true },
  ];
  const legend =
    'Each repository counts once: GAPS are assessed repositories with findings; UNKNOWN and ERRORS could not be fully assessed ' +
    'and are never compliant.';
  const grid = renderGrid(columns, report.summary.tiers, { width: options.width, palette: p });
  return `${p.heading('Summary by tier')}\n${grid}${p.dim(wrapText(legend, options.width))}\n`;
}

function headline(report: AssessReport): string {
  const policy = report.policy.kind === 'file' ? report.policy.label : 'built-in defaults';
  const scope = [
    report.filters.tier ? `tier ${report.filters.tier}` : null,
    report.filters.repos ? plural(report.filters.repos.length, 'selected repo') : null,
  ]
    .filter(Boolean)
    .join(', ');
  return `Assessment of ${report.org}${scope ? ` (${scope})` : ''}: run ${report.runId}, policy ${policy}`;
}

function totalsLine(report: AssessReport): string {
  const f = report.summary.findings;
  const repos = report.summary.repos === 1 ? '1 repository' : `${report.summary.repos} repositories`;
  const partial = report.summary.notFullyAssessed.repos;
  const scope = partial > 0 ? ` (${partial} not fully assessed: unknown, not compliant)` : '';
  return `${repos}${scope}, ${plural(f.total, 'finding')}: ${f.critical} critical, ${f.high} high, ${f.medium} medium, ${f.low} low`;
}

/** The default terminal view. */
export function renderAssessTable(report: AssessReport, options: ViewOptions): string {
  const p = options.palette;
  const width = Math.max(40, options.width);
  const o = { ...options, width };
  const sections: string[] = [];
  sections.push(`${wrapText(sanitizeForTerminal(headline(report)), width)}\n${wrapText(totalsLine(report), width)}\n`);
  if (report.repos.length === 0) {
    sections.push('No repositories matched.\n');
    return sections.join('\n');
  }
  sections.push(repoTable(report, o) + p.dim(wrapText('C/H/M/L: findings by severity (critical, high, medium, low)', width)) + '\n');
  const findings = findingsSection(report, o);
  if (findings) sections.push(findings);
  const notJudged = notJudgedSection(report, o);
  if (notJudged) sections.push(notJudged);
  sections.push(tierSection(report, o));
  return sections.join('\n');
}
