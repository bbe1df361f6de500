/**
 * The drift statistics give the numbers of scipy and Evidently (the tools users come
 * from) on data made here: every method, many shapes of data, 1e-6 relative agreement
 * (absolute near 0). One oracle process serves the whole file.
 */
import assert from "node:assert/strict";
import {
  chi2Sf,
  computeDrift,
  defaultStatTest,
  gammaP,
  gammaQ,
  kolmogorovSf,
  ksTest,
  kstwoSf,
  lgamma,
  normalSf,
  prepareColumn,
  smirnovSf,
  statTest,
  wassersteinSorted,
  sortedFinite,
} from "../../drift-job/src/stats/index.js";
import type { Column, Dataset, StatTestId } from "../../drift-job/src/types.js";
import { agrees, categories, integers, normals, relError, round, uniforms, withMissing } from "./data.js";
import { OracleBatch, oracleNumber } from "./oracle-client.js";

const batch = new OracleBatch();
let results: Record<string, unknown>[] = [];
/** Largest error seen per method, printed after the run (for the report). */
const maxError = new Map<string, number>();

function note(method: string, actual: number, expected: number, absTol: number): void {
  // For the table: relative error, except absolute for distances within 1e-9 of 0.
  const nearZero = absTol > 1e-100 && Math.abs(expected) < 1e-9;
  const e = nearZero ? Math.abs(actual - expected) : relError(actual, expected, 0);
  maxError.set(method, Math.max(maxError.get(method) ?? 0, e));
}

function expectAgree(method: string, label: string, actual: number, expected: number, absTol: number): void {
  note(method, actual, expected, absTol);
  assert.ok(agrees(actual, expected, absTol), `${label}: ours ${actual}, oracle ${expected} (relative error ${relError(actual, expected, absTol)})`);
}

type Sample = Float64Array | (string | null)[];
const col = (v: Sample): Column => (v instanceof Float64Array ? { kind: "num", values: v } : { kind: "cat", values: v });

interface Case {
  title: string;
  index: number;
  verify: (r: Record<string, unknown>) => void;
}
const groups = new Map<string, Case[]>();
function addCase(group: string, title: string, c: Record<string, unknown>, verify: (r: Record<string, unknown>) => void): void {
  const list = groups.get(group) ?? [];
  list.push({ title, index: batch.add(c), verify });
  groups.set(group, list);
}

// ---------------------------------------------------------------- special functions
const fn = (name: string, args: number[], ours: number, method: string, absTol = 0) =>
  addCase("special functions", `${name}(${args.join(", ")})`, { op: "fn", name, args }, (r) => {
    assert.equal(r.error, undefined, String(r.error));
    expectAgree(method, `${name}(${args.join(", ")})`, ours, oracleNumber(r.value), absTol);
  });

for (const df of [1, 2, 3, 7, 10, 30, 99, 500, 5000]) {
  for (const x of [1e-8, 0.01, 0.5, 1, df * 0.5, df, df + 3 * Math.sqrt(2 * df), df * 3, df * 10 + 100, df * 40 + 1000]) {
    fn("chi2.sf", [x, df], chi2Sf(x, df), "chi2.sf");
  }
}
for (const z of [0, 1e-6, 0.3, 1, 1.96, 3, 5, 8.3, 10, 20, 30, 37.5]) fn("norm.sf", [z], normalSf(z), "norm.sf");
for (const [a, x] of [[0.5, 0.1], [0.5, 3], [1, 0.5], [2.5, 2.5], [10, 3], [10, 25], [100, 90], [100, 130], [1000, 1000], [2500, 2600]]) {
  fn("gammaincc", [a, x], gammaQ(a, x), "gammaincc");
  fn("gammainc", [a, x], gammaP(a, x), "gammainc");
}
for (const x of [0.1, 0.5, 1, 1.5, 2, 3.7, 9.99, 10, 25.5, 100, 12345.6, 1e6]) fn("gammaln", [x], lgamma(x), "gammaln", 1e-14);
for (const x of [0.05, 0.2, 0.5, 0.82, 0.83, 1, 1.5, 2.5, 5, 8]) fn("kolmogorov", [x], kolmogorovSf(x), "kolmogorov");
// Every branch of kstwo.sf: Ruben-Gambino, exact Smirnov, Durbin matrix, Pomeranz, Pelz-Good, tails.
for (const n of [1, 2, 3, 5, 10, 37, 100, 140, 141, 500, 1000, 9999, 50000, 100000, 100001, 1500000]) {
  const r = Math.sqrt(n);
  // Large n: scipy's own evaluation is slow (pure Python / long sums), so fewer points.
  const xs = n >= 50000 ? [0.7 / n, 0.6 / r, 1.3 / r, 2.1 / r, 5 / r, 0.3] : [0.4 / n, 0.7 / n, 1 / n, 1.5 / n, 0.3 / r, 0.6 / r, 0.86 / r, 1 / r, 1.3 / r, 1.6 / r, 2.1 / r, 3 / r, 5 / r, 12 / r, 25 / r, 0.3, 0.5, 0.7, 1 - 1.5 / n, 1 - 0.5 / n];
  for (const x of xs) if (x > 0 && x < 1) fn("kstwo.sf", [x, n], kstwoSf(x, n), "kstwo.sf");
}
for (const n of [2, 10, 140, 1000, 100000, 2000000]) {
  for (const x of [0.5 / n, 2 / n, 1 / Math.sqrt(n), 3 / Math.sqrt(n), 10 / Math.sqrt(n), 0.5, 0.9]) if (x < 1) fn("smirnov", [n, x], smirnovSf(n, x), "smirnov");
}

// ---------------------------------------------------------------- ks_2samp
const ksCase = (title: string, a: Float64Array, b: Float64Array) => {
  const ours = ksTest(a, b);
  addCase("ks_2samp (scipy)", title, { op: "ks_2samp", reference: batch.sample(a), current: batch.sample(b) }, (r) => {
    assert.equal(r.error, undefined, String(r.error));
    expectAgree("ks statistic", `${title} statistic`, ours.statistic, oracleNumber(r.statistic), 1e-15);
    expectAgree(`ks p-value (${ours.method})`, `${title} p-value [${ours.method}]`, ours.pvalue, oracleNumber(r.pvalue), 1e-300);
  });
};
ksCase("equal n=5, disjoint", normals(5, 1), normals(5, 2, 10));
ksCase("equal n=20, same distribution", normals(20, 3), normals(20, 4));
ksCase("equal n=100, shift 0.5", normals(100, 5), normals(100, 6, 0.5));
ksCase("equal n=1000, shift 0.1", normals(1000, 7), normals(1000, 8, 0.1));
ksCase("equal n=3000, tail (shift 1.5, p ~ 1e-250)", normals(3000, 9), normals(3000, 10, 1.5));
ksCase("equal n=10000, shift 0.02 (largest exact)", normals(10000, 11), normals(10000, 12, 0.02));
ksCase("unequal 37 vs 53", normals(37, 13), normals(53, 14, 0.4));
ksCase("unequal 100 vs 1000", normals(100, 15), normals(1000, 16, 0.2));
ksCase("unequal 999 vs 1000, shift 0.1", normals(999, 17), normals(1000, 18, 0.1));
ksCase("unequal 200 vs 300, tail (shift 3)", normals(200, 19), normals(300, 20, 3));
ksCase("unequal 1500 vs 4000, tail (shift 0.8)", normals(1500, 21), normals(4000, 22, 0.8));
ksCase("unequal 9999 vs 10000 (largest exact, g=1)", normals(9999, 23), normals(10000, 24, 0.03));
ksCase("ties: integers 0..9, 400 vs 600", integers(400, 25, 10), integers(600, 26, 10, [2, 1, 1, 1, 1, 1, 1, 1, 1, 1]));
ksCase("ties: rounded normals, equal n=800", round(normals(800, 27), 1), round(normals(800, 28, 0.05), 1));
ksCase("missing and infinite values are dropped", withMissing(normals(500, 29), 30, 0.1), withMissing(normals(450, 31, 0.2), 32, 0.2));
ksCase("both sides constant and equal", new Float64Array(50).fill(3), new Float64Array(70).fill(3));
ksCase("constant sides that differ", new Float64Array(50).fill(3), new Float64Array(70).fill(4));
ksCase("single values", Float64Array.of(1), Float64Array.of(2));
ksCase("asymptotic 20000 vs 15000, shift 0.03", normals(20000, 33), normals(15000, 34, 0.03));
ksCase("asymptotic 20000 vs 15000, same distribution", normals(20000, 35), normals(15000, 36));
ksCase("asymptotic 50000 vs 50000, tail (shift 0.2)", normals(50000, 37), normals(50000, 38, 0.2));
ksCase("asymptotic 12000 vs 8 (small effective n)", normals(12000, 39), normals(8, 40, 1));
ksCase("asymptotic 15000 vs 120 (effective n <= 140)", normals(15000, 41), normals(120, 42, 0.15));
ksCase("asymptotic 30000 vs 500", normals(30000, 43), normals(500, 44, 0.05));
{
  // Nearly equal samples: effective n 10000, d = 0.002 -> Durbin matrix branch.
  const a = normals(20000, 45);
  const b = Float64Array.from(a).sort();
  for (let i = 0; i < 40; i++) b[i] = 100 + i;
  ksCase("asymptotic, d = 0.002 at effective n 10000 (Durbin matrix)", a, b);
}

// ---------------------------------------------------------------- wasserstein_distance (scipy)
const wdCase = (title: string, a: Float64Array, b: Float64Array) => {
  const ours = wassersteinSorted(sortedFinite(a), sortedFinite(b));
  addCase("wasserstein_distance (scipy)", title, { op: "wasserstein_distance", reference: batch.sample(a), current: batch.sample(b) }, (r) => {
    expectAgree("wasserstein_distance", title, ours, oracleNumber(r.value), 1e-12);
  });
};
wdCase("normal vs shifted", normals(700, 50), normals(900, 51, 0.3));
wdCase("ties", integers(300, 52, 5), integers(200, 53, 7));
wdCase("identical samples", normals(100, 54), normals(100, 54));

// ---------------------------------------------------------------- Evidently stattests
const stCase = (method: StatTestId, title: string, a: Sample, b: Sample, threshold?: number) => {
  const type = a instanceof Float64Array && b instanceof Float64Array ? "num" : "cat";
  addCase(`Evidently stattest ${method}`, title, { op: "stattest", stattest: method, type, threshold, reference: batch.sample(a), current: batch.sample(b) }, (r) => {
    assert.equal(r.error, undefined, String(r.error));
    const ours = statTest(method, a, b, threshold);
    const expected = oracleNumber(r.score);
    const pValue = method === "ks" || method === "chisquare" || method === "z";
    // Evidently's z computes 2 * (1 - Phi(|z|)): exact only to ~1e-16 absolute.
    const absTol = method === "z" ? 1e-15 : pValue ? 1e-300 : 1e-12;
    expectAgree(method, `${method}: ${title}`, ours.score, expected, absTol);
    assert.equal(ours.detected, r.detected, `${method}: ${title}: drift detected ${ours.detected}, Evidently ${String(r.detected)}`);
    assert.equal(ours.threshold, oracleNumber(r.threshold));
  });
};

const numericShapes: [string, Float64Array, Float64Array][] = [
  ["n=60 vs 80, shift 0.3", normals(60, 100), normals(80, 101, 0.3)],
  ["n=800, same distribution", normals(800, 102), normals(800, 103)],
  ["n=5000 vs 3000, shift 0.05", normals(5000, 104), normals(3000, 105, 0.05)],
  ["n=2000, scale change", normals(2000, 106), normals(2000, 107, 0, 1.6)],
  ["with NaN and +-Inf", withMissing(normals(1200, 108), 109, 0.1), withMissing(normals(900, 110, 0.2), 111, 0.05)],
  ["integers 0..9 (<= 20 distinct: one bin per value)", integers(1500, 112, 10), integers(1300, 113, 10, [3, 1, 1, 1, 1, 1, 1, 1, 1, 2])],
  ["exactly 20 distinct values in the reference", integers(900, 114, 20), integers(700, 115, 24)],
  ["exactly 21 distinct values (Sturges bins)", integers(900, 116, 21), integers(700, 117, 21, Array.from({ length: 21 }, (_, i) => 1 + i / 10))],
  ["current has values the reference never had (new bins)", integers(600, 118, 4), integers(600, 119, 8)],
  ["uniform vs uniform on a wider range", uniforms(3000, 120), uniforms(2500, 121, -0.2, 1.3)],
  ["tiny sample sizes", Float64Array.of(1, 2, 3), Float64Array.of(2.5, 7)],
  ["reference constant, current varies", new Float64Array(300).fill(2), normals(300, 122, 2)],
  ["both constant, equal", new Float64Array(200).fill(5), new Float64Array(100).fill(5)],
  ["heavy right tail", normals(2000, 123).map((v) => Math.exp(2 * v)), normals(2000, 124, 0.1).map((v) => Math.exp(2 * v))],
];
for (const method of ["ks", "wasserstein", "psi", "kl_div", "jensenshannon", "hellinger"] as StatTestId[]) {
  for (const [title, a, b] of numericShapes) {
    if (method === "ks" && title.startsWith("both constant")) continue;
    stCase(method, `numeric, ${title}`, a, b);
  }
}
{
  // pandas holds whole numbers without gaps as int64, and numpy then bins with width >= 1:
  // 22 values 0..21 over 1.1M rows give 21 bins instead of 22.
  const a = integers(600000, 130, 22);
  const b = integers(500000, 131, 22, Array.from({ length: 22 }, (_, i) => 1 + i / 30));
  for (const method of ["psi", "jensenshannon"] as StatTestId[]) {
    addCase(`Evidently stattest ${method}`, `numeric int64 column, 22 values over 1.1M rows (bin width clamped to 1)`, { op: "stattest", stattest: method, type: "num", reference: { ...batch.sample(a), dtype: "int64" }, current: { ...batch.sample(b), dtype: "int64" } }, (r) => {
      assert.equal(r.error, undefined, String(r.error));
      expectAgree(method, `${method} int64`, statTest(method, { kind: "num", values: a, integer: true }, { kind: "num", values: b, integer: true }).score, oracleNumber(r.score), 1e-12);
    });
  }
}
stCase("ks", "numeric, custom threshold 0.2", normals(300, 125), normals(300, 126, 0.15), 0.2);
stCase("psi", "numeric, custom threshold 0.01", normals(300, 127), normals(300, 128, 0.15), 0.01);

const catShapes: [string, Sample, Sample][] = [
  ["three categories, same distribution", categories(1000, 200, ["a", "b", "c"]), categories(1200, 201, ["a", "b", "c"])],
  ["three categories, shifted weights", categories(800, 202, ["a", "b", "c"]), categories(900, 203, ["a", "b", "c"], [3, 1, 1])],
  ["new category in current", categories(700, 204, ["a", "b", "c"]), categories(700, 205, ["a", "b", "c", "d"])],
  ["category gone from current", categories(700, 206, ["a", "b", "c", "d"]), categories(600, 207, ["a", "b", "c"])],
  ["many categories with missing values", withNulls(categories(3000, 208, Array.from({ length: 40 }, (_, i) => `k${i}`)), 209), withNulls(categories(2000, 210, Array.from({ length: 45 }, (_, i) => `k${i}`)), 211)],
  ["strong drift (tiny p-value)", categories(5000, 212, ["x", "y", "z"], [1, 1, 1]), categories(5000, 213, ["x", "y", "z"], [1, 2, 4])],
];
for (const method of ["chisquare", "psi", "kl_div", "jensenshannon", "hellinger"] as StatTestId[]) {
  for (const [title, a, b] of catShapes) stCase(method, `categorical, ${title}`, a, b);
}
const binShapes: [string, Sample, Sample][] = [
  ["binary, same distribution", categories(500, 300, ["no", "yes"]), categories(400, 301, ["no", "yes"])],
  ["binary, shifted", categories(500, 302, ["no", "yes"]), categories(400, 303, ["no", "yes"], [1, 3])],
  ["binary, extreme shift (|z| > 8.3)", categories(5000, 304, ["no", "yes"], [9, 1]), categories(5000, 305, ["no", "yes"], [1, 9])],
  ["both sides constant and equal", Array(100).fill("a") as string[], Array(80).fill("a") as string[]],
  ["constant sides that differ", Array(100).fill("a") as string[], Array(80).fill("b") as string[]],
  ["reference constant, current binary", Array(100).fill("a") as string[], categories(90, 306, ["a", "b"])],
];
for (const [title, a, b] of binShapes) stCase("z", `categorical, ${title}`, a, b);
// Item 4 of issue 15: no deliberate difference may flip a flag. The z-test's far tail is
// 0 in Evidently (2 (1 - Phi)); a more accurate p-value (2 sf ~ 1e-25) would not be below
// a threshold of 1e-300 where Evidently's 0 is.
stCase("z", "categorical, extreme shift with threshold 1e-300 (the tail is 0 as in Evidently)", categories(5000, 309, ["no", "yes"], [9, 1]), categories(5000, 310, ["no", "yes"], [1, 9]), 1e-300);
// chisquare on one category on both sides: Evidently's score is NaN (scipy), ours 1; the flag is "no drift" in both.
{
  const a = Array(120).fill("only") as string[];
  const b = Array(90).fill("only") as string[];
  addCase("Evidently stattest chisquare", "categorical, one category on both sides: score 1 here, NaN in Evidently, never drift in either", { op: "stattest", stattest: "chisquare", type: "cat", reference: batch.sample(a), current: batch.sample(b) }, (r) => {
    assert.equal(r.error, undefined, String(r.error));
    assert.ok(Number.isNaN(oracleNumber(r.score)), `Evidently's score ${String(r.score)}`);
    const ours = statTest("chisquare", a, b);
    assert.equal(ours.score, 1);
    assert.equal(ours.detected, false);
    assert.equal(r.detected, false);
  });
}
stCase("chisquare", "categorical, custom threshold 0.5", categories(300, 307, ["a", "b", "c"]), categories(300, 308, ["a", "b", "c"], [1.2, 1, 1]), 0.5);

function withNulls(values: string[], seed: number): (string | null)[] {
  const r = uniforms(values.length, seed);
  return values.map((v, i) => (r[i] < 0.05 ? null : v));
}

// ---------------------------------------------------------------- default method selection
const defaultCase = (title: string, a: Sample, b: Sample) => {
  const p = prepareColumn(col(a), col(b));
  const nRef = p.kind === "num" ? p.reference.length : p.referenceSize;
  const keys = p.kind === "num" ? new Set([...p.reference, ...p.current]) : new Set([...p.reference.keys(), ...p.current.keys()]);
  const ours = defaultStatTest(p.kind, nRef, keys.size);
  addCase("default method selection (Evidently)", title, { op: "default", type: p.kind, reference: batch.sample(a), current: batch.sample(b) }, (r) => {
    assert.equal(ours, r.stattest);
  });
};
for (const rows of [200, 1000, 1001, 3000]) {
  for (const k of [1, 2, 3, 5, 6, 30]) {
    defaultCase(`numeric, ${rows} reference rows, ${k} distinct values`, integers(rows, rows + k, k), integers(500, rows * k, k));
    defaultCase(`categorical, ${rows} reference rows, ${k} distinct values`, categories(rows, rows + k + 1, Array.from({ length: k }, (_, i) => `c${i}`)), categories(500, rows * k + 1, Array.from({ length: k }, (_, i) => `c${i}`)));
  }
}
defaultCase("numeric, 1000 rows after dropping missing values of 1100", withMissing(normals(1100, 400), 401, 0.0909), normals(900, 402));
defaultCase("numeric, 5 distinct in reference + 1 new in current", integers(800, 403, 5), integers(800, 404, 6));

// ---------------------------------------------------------------- whole dataset vs DataDriftPreset
function table(rows: number, seed: number, drift: number): { data: Dataset; samples: Record<string, Sample> } {
  const samples: Record<string, Sample> = {};
  for (let i = 0; i < 16; i++) {
    const shift = i < Math.round(16 * drift) ? 0.4 : 0;
    if (i % 4 === 3) samples[`num${i}`] = integers(rows, seed + i, 4 + (i % 5), shift ? [2, 1, 1, 1, 1, 1, 1, 1] : undefined);
    else if (i % 5 === 4) samples[`num${i}`] = withMissing(normals(rows, seed + i, shift), seed + 100 + i, 0.05);
    else samples[`num${i}`] = normals(rows, seed + i, shift, 1 + i / 10);
  }
  for (let i = 0; i < 4; i++) {
    const labels = Array.from({ length: 2 + i * 3 }, (_, j) => `v${j}`);
    samples[`cat${i}`] = categories(rows, seed + 50 + i, labels, i < Math.round(4 * drift) ? labels.map((_, j) => 1 + j) : undefined);
  }
  const columns: Record<string, Column> = {};
  for (const [k, v] of Object.entries(samples)) columns[k] = col(v);
  return { data: { rows, columns }, samples };
}
const presetCase = (title: string, refRows: number, curRows: number, drift: number, options: { ours?: Parameters<typeof computeDrift>[2]; evidently?: Record<string, unknown> } = {}) => {
  const ref = table(refRows, 1000, 0);
  const cur = table(curRows, 2000, drift);
  const c: Record<string, unknown> = {
    op: "preset",
    numerical: Object.keys(ref.samples).filter((k) => k.startsWith("num")),
    categorical: Object.keys(ref.samples).filter((k) => k.startsWith("cat")),
    reference: Object.fromEntries(Object.entries(ref.samples).map(([k, v]) => [k, batch.sample(v)])),
    current: Object.fromEntries(Object.entries(cur.samples).map(([k, v]) => [k, batch.sample(v)])),
    ...options.evidently,
  };
  addCase("dataset drift vs Evidently DataDriftPreset (20 columns)", title, c, (r) => {
    assert.equal(r.error, undefined, String(r.error));
    const ours = computeDrift(ref.data, cur.data, options.ours);
    const ev = r as { dataset_drift: boolean; number_of_columns: number; number_of_drifted_columns: number; share_of_drifted_columns: number; columns: Record<string, { stattest_name: string; stattest: string; stattest_threshold: number; drift_score: number; drift_detected: boolean; column_type: string }> };
    for (const [name, e] of Object.entries(ev.columns)) {
      const o = ours.columns[name];
      assert.ok(o, `column ${name} missing from our result`);
      assert.equal(o.column_type, e.column_type, `${name} column type`);
      assert.equal(o.stattest_name, e.stattest_name, `${name} stattest_name (Evidently's display name)`);
      assert.equal(o.stattest, e.stattest, `${name} stattest (method id)`);
      assert.equal(o.stattest_threshold, oracleNumber(e.stattest_threshold), `${name} threshold`);
      const pValue = ["ks", "chisquare", "z"].includes(o.stattest);
      expectAgree(`preset ${o.stattest}`, `${title}: ${name} (${o.stattest})`, o.drift_score ?? NaN, oracleNumber(e.drift_score), o.stattest === "z" ? 1e-15 : pValue ? 1e-300 : 1e-12);
      assert.equal(o.drift_detected, e.drift_detected, `${name} drift detected`);
    }
    assert.equal(ours.number_of_columns, ev.number_of_columns);
    assert.equal(ours.number_of_drifted_columns, ev.number_of_drifted_columns);
    assert.equal(ours.share_of_drifted_columns, oracleNumber(ev.share_of_drifted_columns));
    assert.equal(ours.dataset_drift, ev.dataset_drift);
  });
};
{
  // Numeric columns with <= 2 values get the z-test by default (Evidently allows it only that way).
  const mk = (rows: number, seed: number, w: number[]) => ({
    bin: integers(rows, seed, 2, w),
    const5: new Float64Array(rows).fill(5),
    flag: integers(rows, seed + 1, 2).map((v) => v * 7 - 3),
    few: integers(rows, seed + 2, 3),
  });
  const ref = mk(400, 1, [1, 1]);
  const cur = mk(350, 9, [2, 1]);
  const toDs = (m: Record<string, Float64Array>): Dataset => ({ rows: 0, columns: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, col(v)])) });
  addCase("dataset drift vs Evidently DataDriftPreset (20 columns)", "numeric binary and constant columns (z-test on numbers)", {
    op: "preset",
    numerical: Object.keys(ref),
    categorical: [],
    reference: Object.fromEntries(Object.entries(ref).map(([k, v]) => [k, batch.sample(v)])),
    current: Object.fromEntries(Object.entries(cur).map(([k, v]) => [k, batch.sample(v)])),
  }, (r) => {
    assert.equal(r.error, undefined, String(r.error));
    const ours = computeDrift(toDs(ref), toDs(cur));
    const ev = r.columns as Record<string, { stattest_name: string; stattest: string; drift_score: number; drift_detected: boolean }>;
    for (const [name, e] of Object.entries(ev)) {
      assert.equal(ours.columns[name].stattest_name, e.stattest_name, name);
      assert.equal(ours.columns[name].stattest, e.stattest, name);
      expectAgree(`preset ${e.stattest}`, name, ours.columns[name].drift_score ?? NaN, oracleNumber(e.drift_score), e.stattest === "z" ? 1e-15 : 1e-300);
      assert.equal(ours.columns[name].drift_detected, e.drift_detected, name);
    }
    assert.deepEqual(Object.fromEntries(Object.entries(ev).map(([k, e]) => [k, e.stattest])), { bin: "z", const5: "z", flag: "z", few: "chisquare" });
  });
}
presetCase("3000 rows per side, no drift (wasserstein / jensenshannon)", 3000, 3000, 0);
presetCase("3000 vs 2500 rows, 60% of columns drifted", 3000, 2500, 0.6);
presetCase("600 vs 700 rows (ks / chisquare / z)", 600, 700, 0.5);
presetCase("2000 rows, drift share 0.3", 2000, 2000, 0.35, { ours: { driftShare: 0.3 }, evidently: { drift_share: 0.3 } });
presetCase("2000 rows, psi for every column with threshold 0.05", 2000, 2000, 0.3, { ours: { stattest: "psi", threshold: 0.05 }, evidently: { stattest: "psi", stattest_threshold: 0.05 } });
presetCase("800 rows, per-column methods", 800, 800, 0.5, {
  ours: { perColumn: { num0: { stattest: "kl_div" }, num1: { stattest: "hellinger" }, cat1: { stattest: "psi" } } },
  evidently: { per_column_stattest: { num0: "kl_div", num1: "hellinger", cat1: "psi" } },
});

// ---------------------------------------------------------------- run
// Start the oracle as soon as mocha loads this file, so that it runs alongside the
// other test files; the hook below waits for it.
const t0 = Date.now();
const pending = batch.run();
pending.catch(() => undefined); // reported by the hook, not as an unhandled rejection
// Also when mocha's --grep skips this file's hooks.
process.once("exit", () => {
  if (!process.env.STATS_KEEP_ORACLE) batch.cleanup();
});

describe("drift statistics agree with scipy and Evidently", function () {
  this.timeout(120000);
  before(async () => {
    results = await pending;
    if (process.env.STATS_ERROR_TABLE) console.log(`  oracle: ${Date.now() - t0} ms`);
  });
  after(() => {
    if (!process.env.STATS_KEEP_ORACLE) batch.cleanup();
    if (process.env.STATS_ERROR_TABLE) {
      const rows = [...maxError.entries()].sort().map(([m, e]) => `  ${m.padEnd(28)} ${e.toExponential(2)}`);
      console.log(`\n  max relative error per method (vs oracle; absolute for distances near 0):\n${rows.join("\n")}`);
    }
  });
  for (const [group, cases] of groups) {
    describe(group, () => {
      for (const c of cases) it(c.title, () => c.verify(results[c.index]));
    });
  }
});
