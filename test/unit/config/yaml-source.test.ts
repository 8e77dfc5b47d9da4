import { describe, expect, it } from 'vitest';
import { findInvalidUtf8, MAX_CONFIG_BYTES, parseYamlConfig } from '../../../src/config/yaml-source.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

function only(input: string | Uint8Array) {
  const r = parseYamlConfig(input, 'f.yml');
  expect(r.value).toBeUndefined();
  expect(r.problems).toHaveLength(1);
  return r.problems[0]!;
}

describe('parseYamlConfig: hostile and malformed input', () => {
  it('parses a plain mapping and keeps positions for pointers', () => {
    const r = parseYamlConfig('version: 1\ntiers:\n  standard:\n    branches:\n      - pattern: main\n', 'f.yml');
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual({ version: 1, tiers: { standard: { branches: [{ pattern: 'main' }] } } });
    expect(r.source.locate('/tiers/standard/branches/0/pattern')).toEqual({ line: 5, column: 18 });
    expect(r.source.locate('/tiers/standard', { key: true })).toEqual({ line: 3, column: 3 });
    expect(r.source.has('/tiers/standard/rank')).toBe(false);
    // A missing key: the deepest ancestor that exists.
    expect(r.source.locate('/tiers/standard/rank')).toEqual({ line: 4, column: 5 });
  });

  it('locates through aliases at the anchored value', () => {
    const r = parseYamlConfig('a: &x\n  n: 1\nb: *x\n', 'f.yml');
    expect(r.problems).toEqual([]);
    expect(r.source.locate('/b/n')).toEqual({ line: 2, column: 6 });
  });

  it('refuses files over 1 MB, as text or bytes, before parsing', () => {
    const big = `version: 1\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`;
    expect(only(big).message).toBe(`the file is ${Buffer.byteLength(big)} bytes; qms reads config files of at most 1 MB (1048576 bytes)`);
    expect(only(Buffer.from(big)).message).toMatch(/at most 1 MB/);
    // Exactly at the limit is fine.
    const edge = `a: 1\n#${'x'.repeat(MAX_CONFIG_BYTES - 7)}\n`;
    expect(Buffer.byteLength(edge)).toBe(MAX_CONFIG_BYTES);
    expect(parseYamlConfig(edge, 'f.yml').problems).toEqual([]);
  });

  it('refuses an alias bomb quickly, located at the first alias', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const started = Date.now();
    const p = only(`${levels.join('\n')}\n`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(p).toMatchObject({ line: 2, column: 8 });
    expect(p.message).toMatch(/alias bomb/);
  });

  it('allows modest alias use (a shared protection profile)', () => {
    const r = parseYamlConfig('p: &p {x: 1}\nq: [*p, *p, *p, *p, *p]\n', 'f.yml');
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual({ p: { x: 1 }, q: Array(5).fill({ x: 1 }) });
  });

  it('refuses deep flow nesting before the parser sees it', () => {
    const started = Date.now();
    const p = only(`a: ${'['.repeat(400_000)}${']'.repeat(400_000)}\n`);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(p).toMatchObject({ line: 1, column: 4 + 64 });
    // Brackets inside quotes and comments do not count.
    const fine = `a: "${'['.repeat(100)}"\nb: '${'{'.repeat(100)}'\n# ${'['.repeat(100)}\nc: [[1]]\n`;
    expect(parseYamlConfig(fine, 'f.yml').problems).toEqual([]);
  });

  it('refuses non-UTF-8 bytes, UTF-16 and binary data, located', () => {
    expect(only(bytes('a: 1\nb: caf', [0xe9], '\n'))).toEqual({
      file: 'f.yml',
      line: 2,
      column: 7,
      message: 'the file is not UTF-8 text (byte 0xE9 here); save it as UTF-8',
    });
    expect(only(bytes([0xff, 0xfe], 'a'))).toMatchObject({ line: 1, column: 1, message: 'the file is UTF-16 text; save it as UTF-8' });
    expect(only(bytes('a: 1\n\n  x', [0], 'y'))).toEqual({
      file: 'f.yml',
      line: 3,
      column: 4,
      message: 'the file contains a NUL byte: it looks like a binary file, not YAML text',
    });
    // A UTF-8 byte order mark is harmless.
    expect(parseYamlConfig(bytes([0xef, 0xbb, 0xbf], 'a: é\n'), 'f.yml').value).toEqual({ a: 'é' });
  });

  it('findInvalidUtf8 agrees with a strict TextDecoder on random bytes', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (let n = 0; n < 3000; n++) {
      const len = rand() % 12;
      const buf = new Uint8Array(len);
      for (let i = 0; i < len; i++) buf[i] = rand() % 4 === 0 ? 0x20 + (rand() % 90) : rand() % 256;
      let ok = true;
      try {
        strict.decode(buf);
      } catch {
        ok = false;
      }
      expect({ buf: [...buf], ok: findInvalidUtf8(buf) === -1 }).toEqual({ buf: [...buf], ok });
    }
  });

  it('duplicate keys name both lines', () => {
    expect(only('a: 1\nb:\n  c: 1\n  "c": 2\n')).toEqual({
      file: 'f.yml',
      line: 4,
      column: 3,
      message: 'key "c" appears twice in the same mapping (first on line 3); each key may appear only once',
    });
  });

  it('one document only; empty files and comment-only files are empty', () => {
    expect(only('a: 1\n---\nb: 2\n')).toMatchObject({ line: 2, column: 1 }); // the "---" that starts it
    expect(only('')).toEqual({ file: 'f.yml', message: 'the file is empty; it needs at least one key' });
    expect(only('# nothing here\n\n')).toEqual({ file: 'f.yml', message: 'the file is empty; it needs at least one key' });
    expect(only('---\n')).toEqual({ file: 'f.yml', message: 'the file is empty; it needs at least one key' });
  });

  it('tabs, syntax errors, tags, complex keys and non-mappings are located problems', () => {
    expect(only('a:\n\tb: 1\n')).toEqual({
      file: 'f.yml',
      line: 2,
      column: 1,
      message: 'a tab is used for indentation; YAML allows only spaces there',
    });
    expect(only('a: "unterminated\n').message).toMatch(/^not valid YAML: /);
    expect(only('a: !secret x\n')).toMatchObject({
      line: 1,
      column: 4,
      message: 'YAML tags such as "!secret" are not used in qms files; remove the tag',
    });
    expect(only('? [a, b]\n: 1\n')).toMatchObject({ line: 1, column: 3, message: 'keys must be plain names, not lists or mappings' });
    expect(only('- a\n- b\n').message).toBe('the top level must be a mapping of keys (such as "version: 1"), not a list');
    expect(only('just text\n').message).toBe('the top level must be a mapping of keys (such as "version: 1"), not a single value');
    expect(only('a: *nowhere\n')).toMatchObject({
      line: 1,
      column: 4,
      message: 'alias *nowhere refers to no anchor &nowhere defined before it',
    });
  });

  it('a "__proto__" key stays an ordinary key', () => {
    const r = parseYamlConfig('__proto__: {polluted: true}\n', 'f.yml');
    expect(r.problems).toEqual([]);
    expect(Object.keys(r.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('never throws on mutated input', () => {
    const base =
      'version: 1\ntiers:\n  standard:\n    branches:\n      - pattern: "release/*"\n        protection: {required_reviews: {count: 2}}\n';
    let seed = 7;
    const rand = () => {
      seed = (seed * 48271) % 2147483647;
      return seed;
    };
    const alphabet = [
      '[',
      ']',
      '{',
      '}',
      ':',
      '-',
      '&a',
      '*a',
      '!',
      '"',
      "'",
      '\t',
      '\n',
      ' ',
      '#',
      '|',
      '>',
      '?',
      ',',
      '%',
      '@',
      '`',
      '\u0000',
      '\u00e9',
    ];
    for (let n = 0; n < 400; n++) {
      const chars = [...base];
      for (let k = 0; k < 1 + (rand() % 4); k++) chars.splice(rand() % chars.length, rand() % 3, alphabet[rand() % alphabet.length]!);
      const text = chars.join('');
      const r = parseYamlConfig(text, 'f.yml');
      expect(r.problems.length > 0 || (r.value !== null && typeof r.value === 'object')).toBe(true);
      for (const p of r.problems) expect(p.message).not.toMatch(/\n/);
    }
  });
});
