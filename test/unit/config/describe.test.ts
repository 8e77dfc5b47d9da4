import { describe, expect, it } from 'vitest';
import { closestMatch, describeValue, didYouMean, fromPointer, quote, toPointer } from '../../../src/config/describe.js';
import { describePointer, formatConfigProblem } from '../../../src/core/errors.js';

describe('message helpers', () => {
  it('quote escapes control, escape and bidi characters and shortens', () => {
    expect(quote('a\u001b[31mred')).toBe('"a\\u001b[31mred"');
    expect(quote('x\u202ey')).toBe('"x\\u202ey"');
    expect(quote('line\nbreak')).toBe('"line\\nbreak"');
    expect(quote('z'.repeat(100))).toBe(`"${'z'.repeat(60)}…"`);
  });

  it('describeValue says what was found', () => {
    expect(describeValue(null)).toBe('nothing');
    expect(describeValue('')).toBe('empty text ""');
    expect(describeValue(9)).toBe('9');
    expect(describeValue(Infinity)).toBe('"Infinity"');
    expect(describeValue([])).toBe('an empty list');
    expect(describeValue([1])).toBe('a list');
    expect(describeValue({})).toBe('a mapping');
  });

  it('did-you-mean finds typos, not unrelated words', () => {
    expect(closestMatch('requierd_reviews', ['required_reviews', 'required_status_checks'])).toBe('required_reviews');
    expect(closestMatch('tires', ['tiers', 'roles', 'version'])).toBe('tiers');
    expect(closestMatch('Tiers', ['tiers'])).toBe('tiers');
    expect(closestMatch('colour', ['description', 'rank', 'branches'])).toBeUndefined();
    expect(didYouMean('x', [])).toBe('');
  });

  it('pointers round-trip and read as field paths', () => {
    const tokens = ['tiers', 'a/b', 'c~d', '0'];
    expect(fromPointer(toPointer(tokens))).toEqual(tokens);
    expect(describePointer('/tiers/standard/branches/0/protection')).toBe('tiers.standard.branches[0].protection');
    expect(formatConfigProblem({ file: 'qms.config.yml', line: 12, column: 7, pointer: '/tiers/standard/rank', message: 'm' })).toBe(
      'qms.config.yml:12:7: tiers.standard.rank: m',
    );
  });
});
