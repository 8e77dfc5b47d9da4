import { describe, expect, it } from 'vitest';
import { canonicalJson, digestJson, NotJsonError } from '../../../src/store/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    const a = { b: 1, a: { z: [3, { y: true, x: null }], c: 'é' } };
    expect(canonicalJson(a)).toBe('{"a":{"c":"é","z":[3,{"x":null,"y":true}]},"b":1}');
  });

  it('gives equal text for objects that differ only in key order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2], z: { b: 2, a: 1 } })).toBe(canonicalJson({ z: { a: 1, b: 2 }, y: [1, 2], x: 1 }));
    expect(digestJson({ x: 1, y: 2 })).toBe(digestJson({ y: 2, x: 1 }));
    expect(digestJson({ x: 1 })).not.toBe(digestJson({ x: 2 }));
  });

  it('sorts by UTF-16 code units (RFC 8785), not by locale', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, '\u00e9': 4, '\ud83d\ude00': 5, '\uff61': 6 })).toBe('{"B":2,"a":3,"b":1,"é":4,"😀":5,"｡":6}');
  });

  it('drops undefined members like JSON, and writes them as null in arrays', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
  });

  it('serialises dates through toJSON and escapes control characters', () => {
    expect(canonicalJson({ t: new Date('2026-01-02T03:04:05.000Z'), s: 'a\nb"\u0001' })).toBe(
      '{"s":"a\\nb\\"\\u0001","t":"2026-01-02T03:04:05.000Z"}',
    );
  });

  it('refuses what JSON cannot represent faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(NotJsonError);
    expect(() => canonicalJson({ n: Infinity })).toThrow(/not a JSON number/);
    expect(() => canonicalJson({ n: 10n })).toThrow(NotJsonError);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/circular/);
    expect(() => canonicalJson(undefined)).toThrow(NotJsonError);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"k":1},"b":{"k":1}}');
  });
});
