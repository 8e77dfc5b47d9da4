/**
 * The assess and classify terminal views with hostile API data (escape sequences
 * and control characters in repository and branch names) and narrow terminals:
 * nothing executable reaches the terminal and no line is wider than the terminal.
 */
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/core/default-policy.js';
import { createLiveState, type RepoLiveState } from '../../../src/core/live-state.js';
import type { RepoInfo } from '../../../src/core/github-types.js';
import { runAssess } from '../../../src/services/assess.js';
import type { LiveStateReader } from '../../../src/services/evaluation.js';
import { buildAssessDocument, renderAssessTable, renderGrid, wrapText } from '../../../src/output/assess-view.js';
import { createPalette } from '../../../src/output/colour.js';
import { renderClassifyTable } from '../../../src/output/classify-view.js';
import { classifyOrg, planPropertyWrites, summarizeClassification } from '../../../src/services/classify.js';
import { tempStore } from './helpers.js';

const policy = defaultPolicy();
const EVIL_REPO = 'pay\u001b]8;;http://evil\u0007ments-\u009bcore';
const EVIL_BRANCH = 'release/\u001b[2J\u001b[31mred\u202e';

function info(name: string): RepoInfo {
  return {
    owner: 'acme',
    name,
    id: 7,
    nodeId: 'R_7',
    ownerType: 'Organization',
    fullName: `acme/${name}`,
    visibility: 'private',
    archived: false,
    disabled: false,
    fork: false,
    empty: false,
    defaultBranch: 'main',
    topics: ['qms-tier-mission_critical'],
    language: null,
    customProperties: {},
    viewerPermission: 'admin',
    merge: null,
  };
}

function states(): RepoLiveState[] {
  return [
    createLiveState(info(EVIL_REPO), {
      access: 'admin',
      branches: ['main', EVIL_BRANCH],
      classicByBranch: { main: { kind: 'unprotected' }, [EVIL_BRANCH]: { kind: 'unprotected' } },
      classicRules: [],
      rulesets: [],
      rulesByBranch: { main: [], [EVIL_BRANCH]: [] },
      customProperties: {},
      repoConfigFile: { kind: 'absent' },
    }),
  ];
}
const reader: LiveStateReader = {
  kind: 'rest',
  async *readOrg() {
    yield* states();
  },
  readRepo: () => Promise.reject(new Error('unused')),
};

const visible = (text: string) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/.test(text);

describe('assess view', () => {
  it('shows hostile names safely and fits the width, with and without colour', async () => {
    const temp = tempStore();
    try {
      const report = await runAssess(
        { reader, policy, policyOrigin: { kind: 'builtin' }, store: temp.store, actor: 'ada', apiUrl: null, toolVersion: null },
        { org: 'acme', failOn: 'high' },
      );
      expect(report.findings.some((f) => f.branch === EVIL_BRANCH)).toBe(true);
      for (const width of [80, 60, 40]) {
        const text = renderAssessTable(report, { width, palette: createPalette(false) });
        for (const line of text.split('\n')) {
          expect(visible(line), JSON.stringify(line)).toBe(true);
          expect([...line].length, line).toBeLessThanOrEqual(width);
        }
        // Escape sequences are replaced, lone controls shown as code points: visible, not executed.
        expect(text).toContain('pay\ufffdments-\\u009bcore');
        expect(text).toContain('release/\ufffd\ufffdred\\u202e');
      }
      const coloured = renderAssessTable(report, { width: 80, palette: createPalette(true) });
      expect(coloured).toMatch(/\u001b\[31m/); // severities in colour…
      // …and once the palette's own codes are removed, nothing else is left.
      expect(visible(coloured.replace(/\u001b\[[0-9;]*m/g, ''))).toBe(true);
      // The JSON keeps the exact names (JSON escapes them).
      expect([...buildAssessDocument(report).findings.items].some((f) => f.branch === EVIL_BRANCH)).toBe(true);
    } finally {
      temp.dispose();
    }
  });

  it('wraps long cells inside their column', () => {
    expect(wrapText('a-very-long-repository-name-without-spaces', 10).split('\n')).toEqual([
      'a-very-lon',
      'g-reposito',
      'ry-name-wi',
      'thout-spac',
      'es',
    ]);
    expect(wrapText('one two three four', 9)).toBe('one two\nthree\nfour');
    const grid = renderGrid(
      [
        { header: 'NAME', value: (r: { n: string; m: string }) => r.n },
        { header: 'MESSAGE', value: (r: { n: string; m: string }) => r.m },
      ],
      [{ n: 'x', m: 'word '.repeat(40).trim() }],
      { width: 40 },
    );
    for (const line of grid.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
    expect(grid.split('\n').length).toBeGreaterThan(4);
  });

  it('a grid longer than one drawing chunk (200 rows) reads as one table: one header, every row in order, same columns', () => {
    type Row = { n: string; c: number; note: string };
    // Every 7th row wraps onto two lines, so chunk boundaries fall inside and between multi-line rows.
    const rows: Row[] = Array.from({ length: 450 }, (_, i) => ({
      n: `repo-${String(i).padStart(3, '0')}${'x'.repeat(i % 5)}`,
      c: i,
      note: i % 7 === 0 ? 'wrapped text that is long' : 'ok',
    }));
    const columns = [
      { header: 'NAME', value: (r: Row) => r.n },
      { header: 'N', value: (r: Row) => r.c, align: 'right' as const, fixed: true },
      { header: 'NOTE', value: (r: Row) => r.note, min: 6 },
    ];
    const lines = renderGrid(columns, rows, { width: 40 }).trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('NAME'))).toHaveLength(1);
    const named = lines.filter((l) => l.startsWith('repo-'));
    expect(named.map((l) => l.split(/\s+/)[0])).toEqual(rows.map((r) => r.n));
    // Fixed widths: NAME is 12 wide (the longest name), then two spaces, then N right-aligned in 3.
    for (const [i, line] of named.entries()) expect(line.slice(12, 17)).toBe(`  ${String(i).padStart(3)}`);
    expect(lines).toHaveLength(1 + 450 + rows.filter((r) => r.c % 7 === 0).length);
  });
});

describe('classify view', () => {
  it('shows hostile names safely and fits 80 columns', async () => {
    const repos = await classifyOrg({ reader, policy }, { org: 'acme' });
    const text = renderClassifyTable(
      {
        org: 'acme',
        generatedAt: new Date().toISOString(),
        toolVersion: null,
        policy: { kind: 'builtin' },
        repos,
        summary: summarizeClassification(repos),
        properties: { mode: 'dry-run', plan: planPropertyWrites(repos), result: null },
        exitCode: 0,
      },
      { width: 80, palette: createPalette(false) },
    );
    for (const line of text.split('\n')) {
      expect(visible(line), JSON.stringify(line)).toBe(true);
      expect([...line].length).toBeLessThanOrEqual(80);
    }
    // Its tier comes from a topic (repository-controlled): never copied into the property.
    expect(text).toMatch(/qms_tier property: 0 change\(s\) planned/);
    expect(text).toMatch(/^Classification of acme: 1 repository, 1 classified/);
  });
});
