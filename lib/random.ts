/**
 * mulberry32: a small, fast, seedable PRNG for reproducible splits and test data (the same
 * seed gives the same sequence on every machine). Not for secrets. The drifter's generator
 * has its own (xoshiro128**, lib/generator/prng.ts) because its byte-for-byte batches depend on it.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
