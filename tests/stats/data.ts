/** Seeded data for the stats tests (reproducible, no Math.random). */
import { mulberry32 } from "../../lib/random";

export const rng = mulberry32;

export function normals(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - r();
    const v = r();
    out[i] = mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

export function uniforms(n: number, seed: number, lo = 0, hi = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** Integers 0..k-1 with the given weights (default uniform), as floats. */
export function integers(n: number, seed: number, k: number, weights?: number[]): Float64Array {
  const r = rng(seed);
  const w = weights ?? Array.from({ length: k }, () => 1);
  const total = w.reduce((a, b) => a + b, 0);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let u = r() * total;
    let j = 0;
    while (j < k - 1 && u >= w[j]) u -= w[j++];
    out[i] = j;
  }
  return out;
}

export function categories(n: number, seed: number, labels: string[], weights?: number[]): string[] {
  return Array.from(integers(n, seed, labels.length, weights), (i) => labels[i]);
}

export function round(values: Float64Array, digits: number): Float64Array {
  const f = 10 ** digits;
  return values.map((v) => Math.round(v * f) / f);
}

export function withMissing(values: Float64Array, seed: number, share: number): Float64Array {
  const r = rng(seed);
  const out = Float64Array.from(values);
  for (let i = 0; i < out.length; i++) {
    const u = r();
    if (u < share / 2) out[i] = NaN;
    else if (u < share * 0.75) out[i] = Infinity;
    else if (u < share) out[i] = -Infinity;
  }
  return out;
}

/** Error used in reports: relative, or absolute when the expected value is within absTol of 0. */
export function relError(actual: number, expected: number, absTol = 0): number {
  if (actual === expected || (Number.isNaN(actual) && Number.isNaN(expected))) return 0;
  const diff = Math.abs(actual - expected);
  if (diff <= absTol) return 0;
  return expected === 0 ? diff : diff / Math.abs(expected);
}

/** True when actual equals expected within 1e-6 relative (or absTol absolute, for values near 0). */
export function agrees(actual: number, expected: number, absTol = 0, rel = 1e-6): boolean {
  if (actual === expected || (Number.isNaN(actual) && Number.isNaN(expected))) return true;
  const diff = Math.abs(actual - expected);
  return diff <= absTol || diff <= rel * Math.abs(expected);
}
