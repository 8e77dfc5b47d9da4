/**
 * src/fnmatch.ts against Ruby's File.fnmatch with FNM_PATHNAME: the examples of
 * Ruby's and GitHub's documentation, Ruby's own answers for 1,600 drawn cases
 * (test/fixtures/fnmatch-ruby.json, recorded by scripts/record-fnmatch-oracle.mjs),
 * and properties that must hold for any pattern.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fnmatchPathname } from '../src/fnmatch.js';
import { createRandom } from '../src/random.js';

const match = (pattern: string, name: string): boolean => fnmatchPathname(pattern, name);

describe('Ruby’s documented examples (File.fnmatch with File::FNM_PATHNAME)', () => {
  it.each([
    ['cat', 'cat', true],
    ['cat', 'category', false],
    ['c{at,ub}s', 'cats', false], // no FNM_EXTGLOB: braces are literal
    ['c{at,ub}s', 'c{at,ub}s', true],
    ['c?t', 'cat', true],
    ['c??t', 'cat', false],
    ['c*', 'cats', true],
    ['ca[a-z]', 'cat', true],
    ['ca[^t]', 'cat', false],
    ['ca[!t]', 'cat', false],
    ['cat', 'CAT', false],
    ['?', '/', false],
    ['*', '/', false],
    ['[/]', '/', false],
    ['\\?', '?', true],
    ['\\a', 'a', true],
    ['[\\?]', '?', true],
    ['*', '.profile', false],
    ['.*', '.profile', true],
    ['*', 'dave/.profile', false],
    ['**/foo', 'a/b/c/foo', true],
    ['**/foo', '/a/b/c/foo', true],
    ['**/foo', 'c:/a/b/c/foo', true],
    ['**/foo', 'a/.b/c/foo', false],
    ['**/*.rb', 'main.rb', true],
    ['**/*.rb', 'lib/song.rb', true],
  ] as const)('%s vs %s → %s', (pattern, name, expected) => {
    expect(match(pattern, name)).toBe(expected);
  });
});

describe('GitHub’s documented examples', () => {
  it('`*` stays within one segment: qa/* matches qa/foo, not qa/foo/bar', () => {
    expect(match('qa/*', 'qa/foo')).toBe(true);
    expect(match('qa/*', 'qa/foo/bar')).toBe(false);
    expect(match('*', 'main')).toBe(true);
    expect(match('*', 'feature/login')).toBe(false);
  });

  it('qa/**/* takes any number of slashes after qa/; qa**/**/* is more inclusive', () => {
    expect(match('qa/**/*', 'qa/foo/bar/foobar/hello-world')).toBe(true);
    expect(match('qa/**/*', 'qa/foo')).toBe(true);
    expect(match('qa/**/*', 'qa-team/foo')).toBe(false);
    expect(match('qa**/**/*', 'qa-team/foo/bar')).toBe(true);
    expect(match('qa**/**/*', 'qa/foo/bar')).toBe(true);
  });

  it('*release* protects any branch containing the word release (in one segment)', () => {
    expect(match('*release*', 'release')).toBe(true);
    expect(match('*release*', 'my-release-branch')).toBe(true);
    expect(match('*release*', 'team/release')).toBe(false);
  });

  it('release/* vs release/1/x, **/*, *[0-9]', () => {
    expect(match('release/*', 'release/1')).toBe(true);
    expect(match('release/*', 'release/1/x')).toBe(false);
    expect(match('**/*', 'main')).toBe(true);
    expect(match('**/*', 'release/1/x')).toBe(true);
    expect(match('*[0-9]', 'v1')).toBe(true);
    expect(match('*[0-9]', 'v1a')).toBe(false);
    expect(match('*[0-9]', 'release/1')).toBe(false);
  });
});

describe('the rules behind the examples', () => {
  it('`**` is a recursive wildcard only when a `/` follows it; otherwise it is `*`', () => {
    expect(match('**', 'main')).toBe(true);
    expect(match('**', 'a/b')).toBe(false);
    expect(match('release/**', 'release/1')).toBe(true);
    expect(match('release/**', 'release/1/x')).toBe(false);
    expect(match('release/**/*', 'release/1/x')).toBe(true);
    expect(match('**/**/x', 'x')).toBe(true);
  });

  it('classes: ranges, complements with ! or ^, an empty class, an unclosed one', () => {
    expect(match('v[0-9].[0-9]', 'v1.2')).toBe(true);
    expect(match('[!m]*', 'dev')).toBe(true);
    expect(match('[!m]*', 'main')).toBe(false);
    expect(match('[^m]*', 'main')).toBe(false);
    // Ruby reads up to the first `]`: `[]` is empty, `[!]` is any one character.
    expect(match('[]a]', 'a')).toBe(false);
    expect(match('[!]', 'x')).toBe(true);
    // An inverted range still matches its two ends.
    expect(match('[z-a]', 'z')).toBe(true);
    expect(match('[z-a]', 'm')).toBe(false);
    // Never closed: matches nothing, not even itself.
    expect(match('foo[', 'foo[')).toBe(false);
    // A class may span a `/` of the pattern; it never matches a `/` of the name.
    expect(match('a[b/c]d', 'abd')).toBe(true);
    expect(match('a[b/c]d', 'a/d')).toBe(false);
  });

  it('a leading dot needs a literal dot, and `**` never crosses a dot directory', () => {
    expect(match('?foo', '.foo')).toBe(false);
    expect(match('[.]foo', '.foo')).toBe(false);
    expect(match('.foo', '.foo')).toBe(true);
    expect(match('a/.*', 'a/.x')).toBe(true);
    expect(match('a.*', 'a.x')).toBe(true);
  });

  it('noEscape (FNM_NOESCAPE) makes `\\` an ordinary character', () => {
    expect(fnmatchPathname('\\a', 'a', { noEscape: true })).toBe(false);
    expect(fnmatchPathname('\\a', '\\a', { noEscape: true })).toBe(true);
    expect(fnmatchPathname('a\\*', 'a\\bc', { noEscape: true })).toBe(true);
  });

  it('caretIsLiteral makes `[^…]` a class that contains `^`', () => {
    expect(fnmatchPathname('[^m]*', 'main', { caretIsLiteral: true })).toBe(true);
    expect(fnmatchPathname('[^m]*', '^x', { caretIsLiteral: true })).toBe(true);
    expect(fnmatchPathname('[^m]*', 'dev', { caretIsLiteral: true })).toBe(false);
    expect(fnmatchPathname('[!m]*', 'dev', { caretIsLiteral: true })).toBe(true);
  });

  it('works on characters, not UTF-16 units', () => {
    expect(match('feature/?nïcødé', 'feature/ünïcødé')).toBe(true);
    expect(match('?', '😀')).toBe(true);
  });
});

describe('Ruby’s own answers', () => {
  const oracle = JSON.parse(readFileSync(new URL('./fixtures/fnmatch-ruby.json', import.meta.url), 'utf8')) as {
    source: string;
    cases: [number, string, string, number][];
  };

  it(`agrees with every recorded case (${oracle.cases.length})`, () => {
    const wrong = oracle.cases
      .filter(([noEscape, pattern, name, matches]) => fnmatchPathname(pattern, name, { noEscape: noEscape === 1 }) !== (matches === 1))
      .map(
        ([noEscape, pattern, name, matches]) =>
          `${JSON.stringify(pattern)} vs ${JSON.stringify(name)} (noEscape ${noEscape}): Ruby says ${matches}`,
      );
    expect(wrong).toEqual([]);
    // Both outcomes, in both modes, are represented.
    for (const mode of [0, 1]) {
      for (const outcome of [0, 1]) expect(oracle.cases.filter((c) => c[0] === mode && c[3] === outcome).length).toBeGreaterThan(100);
    }
  });
});

describe('properties', () => {
  const random = createRandom(7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const word = (): string =>
    Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(['a', 'b', 'x', '1', '-', '_', '.', 'é'])).join('');
  const branch = (): string =>
    Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(['a', 'b', 'x', '1', '-', 'é']) + word()).join('/');
  const segmentPattern = (): string =>
    Array.from({ length: Math.floor(random() * 4) }, () => pick(['a', 'b', 'x', '*', '?', '[a-b]', '[!x]', '.'])).join('');
  const names = Array.from({ length: 400 }, branch);

  it('a name without special characters matches itself and only itself', () => {
    for (const name of names) {
      expect(match(name, name)).toBe(true);
      expect(match(name, `${name}x`)).toBe(false);
      expect(match(`${name}x`, name)).toBe(false);
    }
  });

  it('`*` and `?` never match a `/`; `**/*` matches every branch-shaped name', () => {
    for (const name of names) {
      expect(match('*', name)).toBe(!name.includes('/'));
      expect(match('**/*', name)).toBe(true);
      expect(match('?'.repeat([...name].length), name)).toBe(!name.includes('/'));
    }
  });

  it('segments match independently: p1/p2 matches n1/n2 exactly when p1 matches n1 and p2 matches n2', () => {
    for (let i = 0; i < 2000; i++) {
      const [p1, p2] = [segmentPattern(), segmentPattern()];
      const [n1, n2] = [word(), word()];
      expect(match(`${p1}/${p2}`, `${n1}/${n2}`), `${p1}/${p2} vs ${n1}/${n2}`).toBe(match(p1, n1) && match(p2, n2));
    }
  });

  it('`**/` + p matches a name exactly when p matches some suffix of whole segments', () => {
    for (let i = 0; i < 1000; i++) {
      const p = segmentPattern();
      const name = branch();
      const segments = name.split('/');
      const suffixes = segments.map((_, k) => segments.slice(k).join('/'));
      expect(match(`**/${p}`, name), `**/${p} vs ${name}`).toBe(suffixes.some((s) => !s.includes('/') && match(p, s)));
    }
  });
});
