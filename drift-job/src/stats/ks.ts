/**
 * Two-sample two-sided Kolmogorov-Smirnov test as scipy's `ks_2samp(a, b)` (method
 * "auto"): exact p-value when both sides have at most 10000 values, asymptotic
 * (`kstwo.sf(d, round(n1 n2 / (n1 + n2)))`) otherwise or when the exact computation
 * fails. Inputs of the *Sorted functions must be sorted ascending without NaN.
 */
import { kstwoSf } from "./kolmogorov.js";
import { sortFloat64 } from "./sort.js";

export const KS_MAX_EXACT_N = 10000;

export interface KsResult {
  statistic: number;
  pvalue: number;
  method: "exact" | "asymp";
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Round half to even, as numpy's np.round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/**
 * The KS statistic max |F_a - F_b| of two sorted samples, computed with the same
 * floating-point operations as scipy (count/n1 - count/n2 at every data point).
 */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxS = -Infinity;
  let minS = Infinity;
  while (i < n1 || j < n2) {
    let v: number;
    if (j >= n2 || (i < n1 && a[i] <= b[j])) v = a[i];
    else v = b[j];
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  let negMin = -minS;
  if (negMin < 0) negMin = 0;
  if (negMin > 1) negMin = 1;
  return negMin > maxS ? negMin : maxS;
}

/** Pr(D_{n,n} >= h/n), scipy's `_compute_prob_outside_square`. */
export function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * Proportion of lattice paths from (0,0) to (m,n) that leave the band
 * |x/m - y/n| < h/lcm(m,n) (scipy's `_compute_outer_prob_inside_method`, Hodges'
 * inside method rewritten for 1 - p as in Viehmann 2021).
 */
export function outerProbInsideMethod(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1.0;
    let val = minj === 0 ? 0.0 : 1.0;
    const off = minj - lastminj;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + off] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      for (let q = maxj - minj; q < maxj - minj + (lastlen - curlen); q++) A[q] = 1;
    }
  }
  return A[maxj - minj - 1];
}

/**
 * Exact two-sided p-value (scipy's `_attempt_exact_2kssamp`): d is rounded to a multiple
 * of 1/lcm(n1, n2); `p` is null when the exact computation fails (scipy then goes
 * asymptotic, with the rounded d).
 */
export function ksExactPValue(n1: number, n2: number, d: number): { d: number; p: number | null } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dd = h / lcm;
  if (h === 0) return { d: dd, p: 1.0 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInsideMethod(n1, n2, g, h);
  if (!Number.isFinite(p) || !(p >= 0 && p <= 1)) return { d: dd, p: null };
  return { d: dd, p };
}

/** Asymptotic two-sided p-value of scipy's ks_2samp. */
export function ksAsymptoticPValue(n1: number, n2: number, d: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  return kstwoSf(d, roundHalfEven(en));
}

/** KS test on two sorted samples (no NaN), method "auto" as scipy. */
export function ksTestSorted(a: Float64Array, b: Float64Array): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error("ks: both samples must have at least one value");
  let d = ksStatisticSorted(a, b);
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const exact = ksExactPValue(n1, n2, d);
    if (exact.p !== null) return { statistic: exact.d, pvalue: clip(exact.p), method: "exact" };
    d = exact.d;
  }
  return { statistic: d, pvalue: clip(ksAsymptoticPValue(n1, n2, d)), method: "asymp" };
}

function clip(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** Sorted copy of the finite values of `x`. */
export function sortedFinite(x: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isFinite(v)) out[k++] = v;
  }
  return sortFloat64(out);
}

/** Two-sample two-sided KS test (scipy ks_2samp, method "auto"); NaN and +-Inf are dropped. */
export function ksTest(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  return ksTestSorted(sortedFinite(a), sortedFinite(b));
}
