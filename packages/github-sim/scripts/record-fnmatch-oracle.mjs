#!/usr/bin/env node
/**
 * Records Ruby's own answers for `File.fnmatch(pattern, name, File::FNM_PATHNAME)`
 * (and with File::FNM_NOESCAPE) into test/fixtures/fnmatch-ruby.json, the oracle
 * test/fnmatch.test.ts checks src/fnmatch.ts against. Needs `ruby` on PATH; the
 * tests themselves do not.
 *
 *   npm run build && node scripts/record-fnmatch-oracle.mjs
 *
 * Patterns and names are drawn (seeded, so the file is reproducible) from pieces
 * that exercise every rule: `*`, `**`, `**` + `/`, `?`, classes (ranges,
 * complements, empty, unclosed, containing `/` or `.`), escapes, leading dots,
 * empty segments, non-ASCII. Equal numbers of matches and non-matches are kept.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = join(ROOT, 'test', 'fixtures', 'fnmatch-ruby.json');
const PER_OUTCOME = 400;

const PATTERN_PIECES = [
  'a',
  'b',
  'v',
  '1',
  '/',
  '.',
  '-',
  '*',
  '**',
  '**/',
  '?',
  '[a-c]',
  '[!a]',
  '[^b]',
  '[]',
  '[!]',
  '[a-',
  '[/]',
  '[.]',
  '[0-9]',
  '\\*',
  '\\',
  '\\a',
  ']',
  '[z-a]',
  'ü',
  'release',
  'refs/heads/',
];
const NAME_PIECES = ['a', 'b', 'c', 'v', '1', '/', '.', '-', ']', '*', 'ü', 'z', 'release', 'main', 'refs/heads/', '\\'];

const { createRandom } = await import(pathToFileURL(join(ROOT, 'dist', 'random.js')).href);
const random = createRandom(20_240_601);
const pick = (list) => list[Math.floor(random() * list.length)];
const draw = (pieces, max) => Array.from({ length: Math.floor(random() * (max + 1)) }, () => pick(pieces)).join('');

const RUBY = `
require 'json'
flags = ARGV[0] == 'noescape' ? File::FNM_PATHNAME | File::FNM_NOESCAPE : File::FNM_PATHNAME
STDIN.each_line { |l| p, n = JSON.parse(l); puts(File.fnmatch(p, n, flags) ? '1' : '0') }`;

function ask(mode, pairs) {
  const input = pairs.map((pair) => JSON.stringify(pair)).join('\n') + '\n';
  return execFileSync('ruby', ['-e', RUBY, mode], { input, maxBuffer: 64 * 1024 * 1024 })
    .toString()
    .trim()
    .split('\n');
}

const cases = [];
const rubyVersion = execFileSync('ruby', ['-e', 'print RUBY_VERSION']).toString();
for (const mode of ['default', 'noescape']) {
  const kept = { true: 0, false: 0 };
  const seen = new Set();
  while (kept.true < PER_OUTCOME || kept.false < PER_OUTCOME) {
    const batch = Array.from({ length: 5000 }, () => [draw(PATTERN_PIECES, 5), draw(NAME_PIECES, 5)]);
    const answers = ask(mode, batch);
    batch.forEach(([pattern, name], i) => {
      const matches = answers[i] === '1';
      const key = `${pattern}\u0000${name}`;
      if (kept[matches] >= PER_OUTCOME || seen.has(key)) return;
      seen.add(key);
      kept[matches]++;
      cases.push([mode === 'noescape' ? 1 : 0, pattern, name, matches ? 1 : 0]);
    });
  }
}
const file = {
  source: `ruby ${rubyVersion} File.fnmatch with FNM_PATHNAME (noEscape 1: also FNM_NOESCAPE)`,
  columns: ['noEscape', 'pattern', 'name', 'matches'],
  cases,
};
writeFileSync(
  OUTPUT,
  `{\n  "source": ${JSON.stringify(file.source)},\n  "columns": ${JSON.stringify(file.columns)},\n  "cases": [\n${cases.map((c) => `    ${JSON.stringify(c)}`).join(',\n')}\n  ]\n}\n`,
);
console.log(`wrote ${OUTPUT}: ${cases.length} cases from ruby ${rubyVersion}`);
