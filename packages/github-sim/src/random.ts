/**
 * The simulator's seeded PRNG (mulberry32: 32-bit state, full period, plenty
 * for generating organizations): same seed, same sequence, so a generated
 * organization is reproducible from its options.
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}
