import { describe, expect, it } from 'vitest';
import { describeIncomplete, incompleteCauseOf, summarizeIncomplete } from '../../../src/core/completeness.js';

describe('incompleteCauseOf', () => {
  it('names the cause from the status and what the token could see', () => {
    expect(incompleteCauseOf('unknown', 'read-only')).toBe('needs-admin');
    expect(incompleteCauseOf('unknown', 'unknown')).toBe('permission-unknown');
    expect(incompleteCauseOf('unknown', 'admin')).toBe('rules-not-visible');
    expect(incompleteCauseOf('error', 'admin')).toBe('read-failed');
    expect(incompleteCauseOf('error', 'read-only')).toBe('read-failed');
    // Judged, or nothing to judge: not a partial run.
    for (const status of ['assessed', 'not_applicable', 'skipped', 'classified'] as const) {
      expect(incompleteCauseOf(status, 'read-only')).toBeNull();
    }
  });
});

describe('describeIncomplete: the one stderr line of a partial run', () => {
  const six = Array.from({ length: 6 }, (_, i) => ({ repo: `acme/r${i}`, status: 'unknown' as const, access: 'read-only' as const }));

  it('says how many, which permission is missing and what to do', () => {
    const inc = summarizeIncomplete(six);
    expect(inc).toMatchObject({ repos: 6, groups: [{ cause: 'needs-admin', repos: six.map((r) => r.repo) }] });
    expect(describeIncomplete(inc, { total: 6, done: 'fully assessed' })).toBe(
      '6 of 6 repositories could not be fully assessed: classic branch protection needs admin (administration: read) — ' +
        'run with a token that administers them',
    );
  });

  it('says both when findings at or above --fail-on are there too (4 outranks 1)', () => {
    const line = describeIncomplete(summarizeIncomplete(six), { total: 30, done: 'fully assessed', failing: { count: 3, failOn: 'high' } });
    expect(line).toBe(
      '6 of 30 repositories could not be fully assessed: classic branch protection needs admin (administration: read) — ' +
        'run with a token that administers them; also 3 findings at or above --fail-on high (exit 4 outranks 1)',
    );
    // No findings at or above the threshold: nothing more is said.
    const none = describeIncomplete(summarizeIncomplete(six), { total: 6, done: 'fully assessed', failing: { count: 0, failOn: 'high' } });
    expect(none).not.toMatch(/also/);
  });

  it('several causes: counted each, the most common first, every remedy once', () => {
    const entries = [
      ...six.slice(0, 2),
      { repo: 'acme/x', status: 'error' as const, access: 'admin' as const },
      { repo: 'acme/ok', status: 'assessed' as const, access: 'admin' as const },
      { repo: 'acme/y', status: 'unknown' as const, access: 'unknown' as const },
    ];
    const inc = summarizeIncomplete(entries);
    expect(inc.repos).toBe(4);
    expect(inc.groups.map((g) => g.cause)).toEqual(['needs-admin', 'permission-unknown', 'read-failed']);
    expect(describeIncomplete(inc, { total: 5, done: 'fully assessed' })).toBe(
      '4 of 5 repositories could not be fully assessed: 2 because classic branch protection needs admin (administration: read), ' +
        '1 because GitHub did not say whether the token administers them (classic branch protection needs admin), ' +
        '1 because reading them failed (see the warnings above) — run with a token that administers them; run again',
    );
  });

  it('nothing to say when every repository was judged', () => {
    const inc = summarizeIncomplete([{ repo: 'acme/a', status: 'assessed', access: 'admin' }]);
    expect(inc).toEqual({ repos: 0, groups: [] });
    expect(describeIncomplete(inc, { total: 1, done: 'fully assessed' })).toBeNull();
  });

  it('classify uses the same words', () => {
    const inc = summarizeIncomplete([
      { repo: 'acme/a', status: 'classified', access: 'unknown' },
      { repo: 'acme/b', status: 'error', access: 'unknown' },
    ]);
    expect(describeIncomplete(inc, { total: 2, done: 'classified' })).toBe(
      '1 of 2 repositories could not be classified: reading them failed (see the warnings above) — run again',
    );
  });
});
