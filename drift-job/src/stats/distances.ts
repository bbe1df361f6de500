/**
 * Scores on binned shares and on sorted samples. Each follows the Evidently
 * stattest named in its comment (evidently/legacy/calculations/stattests/*.py) and the
 * scipy function it calls.
 */
import { fillZeros } from "./binning.js";

/** `psi`: sum (r - c) ln(r / c) over zero-filled shares. */
export function psiFromShares(reference: Float64Array, current: Float64Array): number {
  const r = fillZeros(reference);
  const c = fillZeros(current);
  let s = 0;
  for (let i = 0; i < r.length; i++) s += (r[i] - c[i]) * Math.log(r[i] / c[i]);
  return s;
}

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** `kl_div`: scipy.stats.entropy(r, c) on zero-filled shares (renormalised to 1). */
export function klDivFromShares(reference: Float64Array, current: Float64Array): number {
  const r = fillZeros(reference);
  const c = fillZeros(current);
  const sr = sum(r);
  const sc = sum(c);
  let s = 0;
  for (let i = 0; i < r.length; i++) s += relEntr(r[i] / sr, c[i] / sc);
  return s;
}

/** `jensenshannon`: scipy.spatial.distance.jensenshannon(r, c), natural log, no zero fill. */
export function jensenShannonFromShares(reference: Float64Array, current: Float64Array): number {
  const sr = sum(reference);
  const sc = sum(current);
  let left = 0;
  let right = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i] / sr;
    const q = current[i] / sc;
    const m = (p + q) / 2;
    left += relEntr(p, m);
    right += relEntr(q, m);
  }
  const js = left + right;
  return Math.sqrt(js / 2);
}

/** `hellinger` on categorical shares: sqrt(1 - clip(sum sqrt(p q), 0, 1)). */
export function hellingerFromShares(reference: Float64Array, current: Float64Array): number {
  let s = 0;
  for (let i = 0; i < reference.length; i++) s += Math.sqrt(reference[i] * current[i]);
  s = Math.min(Math.max(s, 0), 1);
  return Math.sqrt(1 - s);
}

/**
 * `hellinger` on numeric data as Evidently: Sturges edges over the *distinct* values of
 * both sides, density histograms, sum sqrt(h1 h2) * mean bin width.
 */
export function hellingerFromDensities(h1: Float64Array, h2: Float64Array, edges: Float64Array): number {
  const k = edges.length - 1;
  const binWidth = (edges[k] - edges[0]) / k;
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.sqrt(h1[i] * h2[i]) * binWidth;
  s = Math.min(Math.max(s, 0), 1);
  return Math.sqrt(1 - s);
}

/** numpy histogram(density=True): count / width / total. */
export function densities(counts: Float64Array, edges: Float64Array): Float64Array {
  const total = sum(counts);
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] / (edges[i + 1] - edges[i]) / total;
  return out;
}

/** scipy.stats.wasserstein_distance of two sorted samples: area between the empirical CDFs. */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error("wasserstein: both samples must have at least one value");
  // Walk the merged order; tied values add |Fa - Fb| * 0, so they need no grouping.
  let i = 0;
  let j = 0;
  let s = 0;
  let prev = a[0] < b[0] ? a[0] : b[0];
  while (i < n1 && j < n2) {
    const x = a[i];
    const y = b[j];
    const v = x <= y ? x : y;
    s += Math.abs(i / n1 - j / n2) * (v - prev);
    prev = v;
    if (x <= y) i++;
    else j++;
  }
  // One side is used up: its CDF is 1 from here on.
  while (i < n1) {
    const v = a[i];
    s += Math.abs(i / n1 - 1) * (v - prev);
    prev = v;
    i++;
  }
  while (j < n2) {
    const v = b[j];
    s += Math.abs(1 - j / n2) * (v - prev);
    prev = v;
    j++;
  }
  return s;
}

/** Population standard deviation (numpy std, ddof=0), two passes. */
export function populationStd(a: ArrayLike<number>): number {
  const n = a.length;
  if (n === 0) return NaN;
  let m = 0;
  for (let i = 0; i < n; i++) m += a[i];
  m /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - m;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/** `wasserstein`: Wasserstein-1 distance / max(population std of reference, 0.001). */
export function wassersteinNormSorted(reference: Float64Array, current: Float64Array): number {
  const norm = Math.max(populationStd(reference), 0.001);
  return wassersteinSorted(reference, current) / norm;
}
