/** The simulator's own seeded PRNG (src/random.ts), which generated organizations depend on. */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const next = createRandom(seed);
      return Array.from({ length: 1000 }, () => next());
    };
    expect(draw(42)).toEqual(draw(42));
    const other = draw(43);
    expect(draw(42).filter((v, i) => v === other[i]).length).toBeLessThan(5);
  });

  it('draws from [0, 1), spread evenly', () => {
    const next = createRandom(1);
    const buckets = new Array<number>(10).fill(0);
    let [min, max] = [1, 0];
    for (let i = 0; i < 100_000; i++) {
      const v = next();
      [min, max] = [Math.min(min, v), Math.max(max, v)];
      buckets[Math.floor(v * 10)]!++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // 10,000 expected per bucket; a fixed seed makes this exact, the bound only documents "even".
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});
