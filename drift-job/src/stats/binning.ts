/**
 * Binning shared by psi, kl_div and jensenshannon (drift-methods.md "Binning"), as
 * Evidently's `get_binned_data`: Sturges edges over both sides (numpy
 * `histogram_bin_edges(x, "sturges")`) for numeric columns with more than 20 distinct
 * reference values, otherwise one bin per distinct value of the union.
 */

import { ColumnError, compareCatKeys } from "./prepare.js";

/** Evidently switches from one-bin-per-value to Sturges bins above this many distinct reference values. */
export const MAX_VALUE_BINS = 20;

/**
 * numpy `histogram_bin_edges(x, "sturges")` given min, max and size of x.
 * `isIntegerData` tells whether numpy would see an integer array (pandas int64 column:
 * every value integral and none missing); numpy then uses a bin width of at least 1.
 * It is only called when that matters.
 */
export function sturgesEdges(min: number, max: number, size: number, isIntegerData?: () => boolean): Float64Array {
  let first = min;
  let last = max;
  const ptp = max - min;
  if (!Number.isFinite(ptp)) {
    throw new ColumnError(`has values from ${min} to ${max}, a range too wide for equal-width bins (max - min is not a finite number)`);
  }
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let bins = 1;
  if (size > 0) {
    let width = ptp / (Math.log2(size) + 1);
    if (width && width < 1 && isIntegerData?.()) width = 1;
    bins = width ? Math.ceil((last - first) / width) : 1;
  }
  // np.linspace(first, last, bins + 1): i * step + first, last edge = last exactly.
  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  if (step === 0) {
    for (let i = 0; i <= bins; i++) edges[i] = ((i / bins) * (last - first)) + first;
  } else {
    for (let i = 0; i <= bins; i++) edges[i] = i * step + first;
  }
  edges[bins] = last;
  return edges;
}

/** First index i with a[i] >= v (searchsorted "left"). */
export function lowerBound(a: Float64Array, v: number, lo = 0): number {
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with a[i] > v (searchsorted "right"). */
export function upperBound(a: Float64Array, v: number, lo = 0): number {
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * numpy `histogram(sorted, edges)[0]`: bins [e_i, e_i+1), last bin closed; values
 * outside the edges are not counted.
 */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const k = edges.length - 1;
  const counts = new Float64Array(k);
  let prev = lowerBound(sorted, edges[0]);
  for (let i = 1; i <= k; i++) {
    const c = i === k ? upperBound(sorted, edges[i], prev) : lowerBound(sorted, edges[i], prev);
    counts[i - 1] = c - prev;
    prev = c;
  }
  return counts;
}

/** End (exclusive) of the run of equal values starting at i: O(1) for distinct values, O(log n) for long runs. */
function runEnd(a: Float64Array, i: number): number {
  const v = a[i];
  if (i + 1 >= a.length || a[i + 1] !== v) return i + 1;
  return upperBound(a, v, i + 1);
}

/** Number of distinct values of a sorted array, counting stops above `limit`. */
export function distinctSorted(a: Float64Array, limit = Infinity): number {
  if (a.length === 0) return 0;
  let d = 1;
  let i = 0;
  while (d <= limit) {
    // Jump over the run of a[i] by binary search (fast for few distinct values).
    i = runEnd(a, i);
    if (i >= a.length) break;
    d++;
  }
  return d;
}

/** Number of distinct values of the union of two sorted arrays, counting stops above `limit`. */
export function distinctUnionSorted(a: Float64Array, b: Float64Array, limit = Infinity): number {
  let i = 0;
  let j = 0;
  let d = 0;
  const n1 = a.length;
  const n2 = b.length;
  while ((i < n1 || j < n2) && d <= limit) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    d++;
    if (i < n1 && a[i] === v) i = runEnd(a, i);
    if (j < n2 && b[j] === v) j = runEnd(b, j);
  }
  return d;
}

export interface ValueCounts<K> {
  keys: K[];
  reference: Float64Array;
  current: Float64Array;
}

/** Counts per distinct value of the union of two sorted arrays, keys ascending. */
export function valueCountsSorted(a: Float64Array, b: Float64Array): ValueCounts<number> {
  const keys: number[] = [];
  const ra: number[] = [];
  const ca: number[] = [];
  let i = 0;
  let j = 0;
  const n1 = a.length;
  const n2 = b.length;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    const i0 = i;
    const j0 = j;
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    keys.push(v);
    ra.push(i - i0);
    ca.push(j - j0);
  }
  return { keys, reference: Float64Array.from(ra), current: Float64Array.from(ca) };
}

/**
 * Counts per distinct value of the union of two categorical count maps, keys sorted
 * (numbers ascending, then texts; so results do not depend on row order).
 */
export function valueCountsMaps(ref: Map<string, number>, cur: Map<string, number>): ValueCounts<string> {
  const keys = [...ref.keys()];
  for (const k of cur.keys()) if (!ref.has(k)) keys.push(k);
  keys.sort(compareCatKeys);
  const reference = new Float64Array(keys.length);
  const current = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    reference[i] = ref.get(k) ?? 0;
    current[i] = cur.get(k) ?? 0;
  });
  return { keys, reference, current };
}

/** Divide counts by the side size. */
export function toShares(counts: Float64Array, size: number): Float64Array {
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] / size;
  return out;
}

/**
 * Evidently's zero fill (psi, kl_div): zeros become m/1e6 if m <= 1e-4 else 1e-4,
 * m = smallest non-zero share of that side. Not renormalised. Returns a copy.
 */
export function fillZeros(shares: Float64Array): Float64Array {
  let m = Infinity;
  for (let i = 0; i < shares.length; i++) if (shares[i] !== 0 && shares[i] < m) m = shares[i];
  const out = Float64Array.from(shares);
  if (m === Infinity) return out;
  const fill = m <= 0.0001 ? m / 10 ** 6 : 0.0001;
  for (let i = 0; i < out.length; i++) if (out[i] === 0) out[i] = fill;
  return out;
}
