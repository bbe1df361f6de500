/** Invariants of the drift statistics on arbitrary data (fast-check). */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  chiSquareTest,
  computeDrift,
  hellinger,
  jensenShannon,
  klDiv,
  ksTest,
  psi,
  radixSortFloat64,
  sortFloat64,
  wasserstein,
  zTest,
} from "../../drift-job/src/stats/index.js";
import type { Dataset } from "../../drift-job/src/types.js";
import { uniforms } from "./data.js";

const RUNS = { numRuns: 150 };
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const sample = fc.array(finite, { minLength: 1, maxLength: 80 });
const intSample = fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 1, maxLength: 80 });
const smallIntSample = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 80 });
const catSample = fc.array(fc.constantFrom("a", "b", "c", "d", "e"), { minLength: 1, maxLength: 80 });
const binarySample = fc.array(fc.constantFrom("no", "yes"), { minLength: 1, maxLength: 80 });
const numOrInt = fc.oneof(sample, intSample, smallIntSample);

const inUnit = (p: number) => p >= 0 && p <= 1;

describe("drift statistics invariants (property-based)", () => {
  it("the fast sorts order values exactly like Float64Array.prototype.sort", () => {
    const extremes = fc.constantFrom(0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Infinity, Infinity);
    const shapes = [
      fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -5, max: 5 }), extremes), // whole range: radix path
      fc.oneof(fc.double({ noNaN: true, min: -100, max: 100 }), fc.constantFrom(0, -0, 1, -1)), // bucket path
      fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0)), // long runs of equal values
      fc.oneof(fc.double({ noNaN: true, min: 0, max: 1e-3 }), fc.double({ noNaN: true, min: 0, max: 1e9 })), // skewed: big buckets
    ];
    for (const shape of shapes) {
      fc.assert(
        fc.property(fc.array(shape, { minLength: 2048, maxLength: 6000 }), (xs) => {
          const expected = Float64Array.from(xs).sort();
          for (const sorted of [sortFloat64(Float64Array.from(xs)), radixSortFloat64(Float64Array.from(xs))]) {
            for (let i = 0; i < xs.length; i++) if (!Object.is(sorted[i], expected[i])) return false;
          }
          return true;
        }),
        { numRuns: 15 },
      );
    }
  });

  it("the bucket sort puts -0 before +0 inside a small bucket", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4999 }), { minLength: 2, maxLength: 8 }), fc.integer(), (positions, seed) => {
        const xs = uniforms(5000, seed, -1, 1);
        positions.forEach((p, i) => (xs[p] = i % 2 ? -0 : 0));
        const expected = Float64Array.from(xs).sort();
        const actual = sortFloat64(Float64Array.from(xs));
        return actual.every((v, i) => Object.is(v, expected[i]));
      }),
      { numRuns: 30 },
    );
  });

  it("p-values of ks, chisquare and z lie in [0, 1]", () => {
    fc.assert(fc.property(numOrInt, numOrInt, (a, b) => inUnit(ksTest(a, b).pvalue)), RUNS);
    fc.assert(fc.property(catSample, catSample, (a, b) => inUnit(chiSquareTest(a, b))), RUNS);
    fc.assert(fc.property(binarySample, binarySample, (a, b) => inUnit(zTest(a, b))), RUNS);
  });

  it("distances are >= 0 on numeric and categorical data", () => {
    // Numeric hellinger divides counts by bin widths (numpy's density histogram): when the
    // values span less than ~1e-300 the densities overflow and Evidently's score is NaN
    // (a NaN score never flags drift). Ours is NaN there too (see the case below), nowhere else.
    const densitiesOverflow = (a: number[], b: number[]) => {
      const all = [...a, ...b];
      const span = Math.max(...all) - Math.min(...all);
      return span > 0 && span < 1e-290;
    };
    for (const f of [psi, klDiv, jensenShannon, hellinger]) {
      fc.assert(
        fc.property(numOrInt, numOrInt, (a, b) => {
          const d = f(a, b);
          return d >= 0 || (f === hellinger && Number.isNaN(d) && densitiesOverflow(a, b));
        }),
        { numRuns: 60 },
      );
      fc.assert(fc.property(catSample, catSample, (a, b) => f(a, b) >= 0), { numRuns: 60 });
    }
    fc.assert(fc.property(numOrInt, numOrInt, (a, b) => wasserstein(a, b) >= 0), RUNS);
  });

  it("numeric hellinger over a subnormal span is NaN and no drift, as in Evidently (numpy's densities overflow)", () => {
    // Evidently 0.7.23: hellinger_stat_test.func([0.0], [-1e-323], num, 0.1) == (nan, False).
    assert.ok(Number.isNaN(hellinger([0], [-1e-323])));
    const one = (v: number): Dataset => ({ rows: 1, columns: { x: { kind: "num", values: Float64Array.of(v) } } });
    const r = computeDrift(one(0), one(-1e-323), { stattest: "hellinger", minSampleSize: 1 });
    assert.equal(r.columns.x.drift_detected, false);
    assert.equal(r.dataset_drift, false);
  });

  it("a sample compared with itself has psi 0, kl_div 0, distance 0 and ks p-value 1", () => {
    fc.assert(
      fc.property(fc.oneof(numOrInt, catSample), (a) => {
        assert.equal(psi(a, a), 0);
        assert.equal(klDiv(a, a), 0);
        assert.ok(jensenShannon(a, a) < 1e-7); // sqrt of a rounding-level sum
        assert.ok(hellinger(a, a) < 1e-7);
        if (typeof a[0] === "number") {
          assert.equal(ksTest(a as number[], a as number[]).pvalue, 1);
          assert.equal(wasserstein(a as number[], a as number[]), 0);
        }
      }),
      RUNS,
    );
  });

  it("jensenshannon and hellinger are symmetric", () => {
    const close = (x: number, y: number) => Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(x));
    fc.assert(fc.property(catSample, catSample, (a, b) => close(jensenShannon(a, b), jensenShannon(b, a)) && close(hellinger(a, b), hellinger(b, a))), RUNS);
    // Numeric columns are binned on the union, so they are symmetric too when both sides have <= 20 values.
    fc.assert(fc.property(smallIntSample, smallIntSample, (a, b) => close(jensenShannon(a, b), jensenShannon(b, a))), RUNS);
  });

  it("shifting both sides by a constant leaves ks and wasserstein unchanged", () => {
    fc.assert(
      fc.property(intSample, intSample, fc.integer({ min: -1000, max: 1000 }), (a, b, c) => {
        const sa = a.map((v) => v + c);
        const sb = b.map((v) => v + c);
        const k1 = ksTest(a, b);
        const k2 = ksTest(sa, sb);
        assert.equal(k2.statistic, k1.statistic);
        assert.equal(k2.pvalue, k1.pvalue);
        const w1 = wasserstein(a, b);
        const w2 = wasserstein(sa, sb);
        assert.ok(Math.abs(w1 - w2) <= 1e-9 * Math.max(1, w1), `${w1} vs ${w2}`);
      }),
      RUNS,
    );
  });

  const dataset = (cols: (number[] | string[])[]): Dataset => ({
    rows: cols[0]?.length ?? 0,
    columns: Object.fromEntries(
      cols.map((c, i) => [`c${i}`, typeof c[0] === "number" ? { kind: "num" as const, values: Float64Array.from(c as number[]) } : { kind: "cat" as const, values: c as string[] }]),
    ),
  });
  const table = (rows: number) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: 12 }), { minLength: rows, maxLength: rows }),
      fc.array(finite, { minLength: rows, maxLength: rows }),
      fc.array(fc.constantFrom("a", "b", "c"), { minLength: rows, maxLength: rows }),
    );

  it("dataset drift is monotonic in the drift share threshold", () => {
    fc.assert(
      fc.property(table(40), table(30), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (r, c, s1, s2) => {
        const [lo, hi] = s1 <= s2 ? [s1, s2] : [s2, s1];
        const dLo = computeDrift(dataset(r), dataset(c), { driftShare: lo });
        const dHi = computeDrift(dataset(r), dataset(c), { driftShare: hi });
        assert.equal(dLo.share_of_drifted_columns, dHi.share_of_drifted_columns);
        if (dHi.dataset_drift) assert.ok(dLo.dataset_drift);
      }),
      { numRuns: 60 },
    );
  });

  it("more drifted columns never lower the share of drifted columns", () => {
    fc.assert(
      fc.property(table(50), fc.integer({ min: 1, max: 3 }), (r, k) => {
        const base = computeDrift(dataset(r), dataset(r));
        // Replace k columns of the current data by far-away values: those columns drift.
        const cur = r.map((c, i) => (i < k ? (typeof c[0] === "number" ? (c as number[]).map((v) => v + 1e7) : (c as string[]).map(() => "zz")) : c)) as typeof r;
        const drifted = computeDrift(dataset(r), dataset(cur));
        assert.equal(base.number_of_drifted_columns, 0);
        assert.ok(drifted.share_of_drifted_columns >= base.share_of_drifted_columns);
        assert.equal(drifted.number_of_drifted_columns, k);
      }),
      { numRuns: 60 },
    );
  });

  it("permuting rows changes nothing", () => {
    fc.assert(
      fc.property(table(45), table(35), fc.integer(), (r, c, seed) => {
        const perm = <T>(arr: T[]): T[] => {
          const out = arr.slice();
          let s = seed >>> 0;
          for (let i = out.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            const j = s % (i + 1);
            [out[i], out[j]] = [out[j], out[i]];
          }
          return out;
        };
        const a = computeDrift(dataset(r), dataset(c));
        const b = computeDrift(dataset(r.map((x) => perm(x as unknown[])) as typeof r), dataset(c.map((x) => perm(x as unknown[])) as typeof c));
        assert.deepEqual(b, a);
      }),
      { numRuns: 60 },
    );
  });
});
