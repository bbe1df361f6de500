/** computeDrift behaviour: cleaning, typing, method choice, errors, histograms, dataset verdict. */
import assert from "node:assert/strict";
import { binColumn, computeDrift, MAX_REPORT_BINS, prepareColumn, psi, sturgesEdges } from "../../drift-job/src/stats/index.js";
import type { Column, Dataset } from "../../drift-job/src/types.js";
import { categories, integers, normals } from "./data.js";

const num = (values: ArrayLike<number>): Column => ({ kind: "num", values: Float64Array.from(values) });
const cat = (values: (string | null)[]): Column => ({ kind: "cat", values });
const ds = (columns: Record<string, Column>): Dataset => ({ rows: Object.values(columns)[0]?.values.length ?? 0, columns });

describe("computeDrift", () => {
  it("picks Evidently's default methods and thresholds per column", () => {
    const small = computeDrift(
      ds({ x: num(normals(500, 1)), few: num(integers(500, 2, 4)), bin: cat(categories(500, 3, ["a", "b"])), c: cat(categories(500, 4, ["a", "b", "c"])) }),
      ds({ x: num(normals(400, 5)), few: num(integers(400, 6, 4)), bin: cat(categories(400, 7, ["a", "b"])), c: cat(categories(400, 8, ["a", "b", "c"])) }),
    );
    assert.deepEqual(
      Object.fromEntries(Object.entries(small.columns).map(([k, v]) => [k, [v.column_type, v.stattest, v.stattest_threshold]])),
      { x: ["num", "ks", 0.05], few: ["num", "chisquare", 0.05], bin: ["cat", "z", 0.05], c: ["cat", "chisquare", 0.05] },
    );
    const large = computeDrift(ds({ x: num(normals(1001, 1)), few: num(integers(1001, 2, 4)), c: cat(categories(1001, 3, ["a", "b", "c"])) }), ds({ x: num(normals(10, 5)), few: num(integers(10, 6, 4)), c: cat(categories(10, 7, ["a", "b", "c"])) }));
    assert.deepEqual(
      Object.fromEntries(Object.entries(large.columns).map(([k, v]) => [k, [v.stattest, v.stattest_threshold]])),
      { x: ["wasserstein", 0.1], few: ["jensenshannon", 0.1], c: ["jensenshannon", 0.1] },
    );
  });

  it("lets a column override its type, a type override the global choice, and the global choice override the default", () => {
    const ref = ds({ a: num(normals(300, 1)), b: num(normals(300, 2)), c: cat(categories(300, 3, ["x", "y", "z"])) });
    const cur = ds({ a: num(normals(300, 4)), b: num(normals(300, 5)), c: cat(categories(300, 6, ["x", "y", "z"])) });
    const r = computeDrift(ref, cur, { stattest: "psi", threshold: 0.3, perType: { num: { stattest: "kl_div" } }, perColumn: { b: { stattest: "hellinger", threshold: 0.25 } } });
    assert.equal(r.columns.a.stattest, "kl_div");
    assert.equal(r.columns.a.stattest_threshold, 0.3);
    assert.equal(r.columns.b.stattest, "hellinger");
    assert.equal(r.columns.b.stattest_threshold, 0.25);
    assert.equal(r.columns.c.stattest, "psi");
    assert.equal(r.columns.c.stattest_threshold, 0.3);
    // Without a threshold the chosen method's own default applies.
    const d = computeDrift(ref, cur, { perColumn: { a: { stattest: "ks" }, c: { stattest: "jensenshannon" } } });
    assert.equal(d.columns.a.stattest_threshold, 0.05);
    assert.equal(d.columns.c.stattest_threshold, 0.1);
  });

  it("computes psi for every column, whatever its drift method", () => {
    const r = computeDrift(ds({ a: num(normals(2000, 1)), c: cat(categories(2000, 2, ["x", "y"])) }), ds({ a: num(normals(2000, 3, 0.5)), c: cat(categories(2000, 4, ["x", "y"], [3, 1])) }));
    assert.equal(r.columns.a.stattest, "wasserstein");
    assert.equal(r.columns.c.stattest, "jensenshannon");
    assert.ok((r.columns.a.psi ?? 0) > 0.1, `psi ${r.columns.a.psi}`);
    assert.ok((r.columns.c.psi ?? 0) > 0.1, `psi ${r.columns.c.psi}`);
    assert.equal(r.columns.a.psi, psi(normals(2000, 1), normals(2000, 3, 0.5)));
  });

  it("treats NaN, +-Infinity, null and empty strings as missing and counts them", () => {
    const r = computeDrift(ds({ a: num([1, 2, NaN, Infinity, -Infinity, 3]), c: cat(["x", null, "", "y"]) }), ds({ a: num([1, 2, 3, NaN]), c: cat(["x", "y", null, "y"]) }), { minSampleSize: 1 });
    assert.deepEqual([r.columns.a.reference.count, r.columns.a.reference.missing, r.columns.a.current.missing], [6, 3, 1]);
    assert.deepEqual([r.columns.c.reference.count, r.columns.c.reference.missing, r.columns.c.current.missing], [4, 2, 1]);
    assert.deepEqual([r.columns.a.reference.min, r.columns.a.reference.max, r.columns.a.reference.mean], [1, 3, 2]);
    assert.equal(r.columns.a.drift_score, 1); // ks on [1,2,3] vs [1,2,3]
  });

  it("reports a column that is empty after cleaning as an error and still compares the others", () => {
    const r = computeDrift(ds({ empty: num([NaN, Infinity]), ok: num([1, 2, 3]), nocur: cat(["a"]) }), ds({ empty: num([1, 2]), ok: num([1, 2, 4]), nocur: cat([null, ""]) }), { minSampleSize: 1 });
    assert.match(r.columns.empty.error ?? "", /"empty" has no values in the reference after dropping missing values/);
    assert.match(r.columns.nocur.error ?? "", /"nocur" has no values in the current data/);
    assert.equal(r.columns.empty.drift_score, null);
    assert.equal(r.columns.empty.psi, null);
    assert.equal(r.columns.empty.drift_detected, false);
    assert.equal(r.columns.ok.error, undefined);
    assert.equal(typeof r.columns.ok.drift_score, "number");
    assert.equal(r.number_of_failed_columns, 2);
    assert.equal(r.number_of_columns, 3);
  });

  it("reports a numeric range too wide to bin as an error for that column", () => {
    const wide = Float64Array.from({ length: 50 }, (_, i) => (i % 2 ? 1.5e308 : -1.5e308) * (i / 50));
    const r = computeDrift(ds({ wide: num(wide), ok: num(normals(50, 1)) }), ds({ wide: num(wide), ok: num(normals(50, 2)) }));
    assert.match(r.columns.wide.error ?? "", /column "wide" has values from .* a range too wide for equal-width bins/);
    assert.equal(r.columns.wide.reference.count, 50);
    assert.equal(r.columns.ok.error, undefined);
  });

  it("decides the column type as Evidently does: from the reference side, values compared as pandas holds them", () => {
    // Text in the reference: categorical, whatever the current side holds.
    assert.equal(prepareColumn(cat(["1", "x"]), num([1, 2, 3])).kind, "cat");
    // Numbers in the reference and text in the current data: Evidently refuses the column.
    assert.throws(() => prepareColumn(num([1, 2, 3]), cat(["1.50", "x"])), /numeric in the reference but the current data has text such as "x"/);
    // A number never equals a text: "1.5" read as text is not the number 1.5.
    const mixed = prepareColumn(cat(["1.5", "a"]), num([1.5, 1.5]));
    assert.equal(mixed.kind, "cat");
    assert.deepEqual(mixed.kind === "cat" && [mixed.reference.size, mixed.current.size, mixed.labels.get("n1.5"), mixed.labels.get("t1.5")], [2, 1, "1.5", "1.5"]);
    // Booleans equal the numbers 1 and 0 (Python: True == 1).
    const bools = prepareColumn({ kind: "cat", values: ["True", "False"], bool: true }, num([1, 0, 0]), "cat");
    assert.deepEqual(bools.kind === "cat" && [...bools.reference.keys()].sort(), ["n0", "n1"]);
    assert.deepEqual(bools.kind === "cat" && bools.current.get("n0"), 2);
    // A forced type wins.
    assert.equal(prepareColumn(num([1, 2]), num([2, 3]), "cat").kind, "cat");
    const r = computeDrift(ds({ code: num([1, 2, 2, 3]) }), ds({ code: num([1, 1, 3, 3]) }), { columnTypes: { code: "cat" }, minSampleSize: 1 });
    assert.equal(r.columns.code.column_type, "cat");
    assert.deepEqual(r.columns.code.histogram.bins, ["1.0", "3.0", "2.0"]); // categories by total count, most frequent first; float64 values as pandas prints them
  });

  it("refuses a method that does not fit the column type, for that column only", () => {
    const r = computeDrift(ds({ c: cat(["a", "b"]), x: num([1, 2, 3]) }), ds({ c: cat(["a", "a"]), x: num([2, 3, 4]) }), { stattest: "wasserstein" });
    assert.match(r.columns.c.error ?? "", /column "c" cannot use stattest "wasserstein": it is not defined for categorical columns; allowed: chisquare, z, psi, kl_div, jensenshannon, hellinger/);
    assert.equal(r.columns.c.histogram.bins.length, 2); // the data is still shown
    assert.equal(r.columns.x.error, undefined);
  });

  it("rejects invalid options with the name of the field and what is allowed", () => {
    const a = ds({ x: num([1, 2]) });
    assert.throws(() => computeDrift(a, a, { stattest: "anderson" as never }), /options\.stattest is "anderson"; allowed: ks, chisquare, z, wasserstein, psi, kl_div, jensenshannon, hellinger/);
    assert.throws(() => computeDrift(a, a, { threshold: -1 }), /options\.threshold is -1; it must be a finite number >= 0/);
    assert.throws(() => computeDrift(a, a, { perType: { num: { threshold: NaN } } }), /options\.perType\.num\.threshold is NaN/);
    assert.throws(() => computeDrift(a, a, { driftShare: 1.5 }), /options\.driftShare is 1\.5; it must be a number between 0 and 1/);
    assert.throws(() => computeDrift(a, a, { columns: ["x", "y"] }), /options\.columns names columns that cannot be compared: "y" \(in neither side\); columns on both sides: x/);
    assert.throws(() => computeDrift(a, a, { perColumn: { nope: { stattest: "psi" } } }), /options\.perColumn names columns that are not compared: nope/);
  });

  it("rejects a malformed column with its name and the expected shape", () => {
    const bad = { rows: 2, columns: { x: { kind: "num", values: [1, 2] } } } as unknown as Dataset;
    assert.throws(() => computeDrift(bad, ds({ x: num([1, 2]) })), /column "x" of the reference dataset is not a Column: expected \{ kind: "num", values: Float64Array \}/);
  });

  it("compares only the columns on both sides and lists the others", () => {
    const r = computeDrift(ds({ a: num([1]), onlyRef: num([1]) }), ds({ a: num([1]), onlyCur: num([1]) }));
    assert.deepEqual(Object.keys(r.columns), ["a"]);
    assert.deepEqual(r.columns_only_in_reference, ["onlyRef"]);
    assert.deepEqual(r.columns_only_in_current, ["onlyCur"]);
  });

  it("declares dataset drift when the share of drifted columns reaches drift_share", () => {
    const ref = ds({ a: num(normals(300, 1)), b: num(normals(300, 2)), c: num(normals(300, 3)), d: num(normals(300, 4)) });
    const cur = ds({ a: num(normals(300, 5, 3)), b: num(normals(300, 6)), c: num(normals(300, 7)), d: num(normals(300, 8)) });
    const r = computeDrift(ref, cur);
    assert.equal(r.number_of_drifted_columns, 1);
    assert.equal(r.share_of_drifted_columns, 0.25);
    assert.equal(r.dataset_drift, false);
    assert.equal(computeDrift(ref, cur, { driftShare: 0.25 }).dataset_drift, true);
  });

  it("shows both sides on the same bins: Sturges edges above 20 distinct values, one bin per value otherwise", () => {
    const r = computeDrift(ds({ x: num(normals(3000, 1)), k: num(integers(3000, 2, 20)) }), ds({ x: num(normals(2000, 3, 0.3)), k: num(integers(2000, 4, 22)) }));
    const hx = r.columns.x.histogram;
    const edges = sturgesEdges(Math.min(r.columns.x.reference.min!, r.columns.x.current.min!), Math.max(r.columns.x.reference.max!, r.columns.x.current.max!), 5000);
    assert.deepEqual(hx.edges, Array.from(edges));
    assert.equal(hx.bins.length, edges.length - 1); // ceil(log2(5000) + 1) = 14 bins
    assert.equal(hx.bins.length, 14);
    assert.match(hx.bins.at(-1)!, /\]$/); // last bin closed
    assert.equal(hx.referenceCounts.reduce((s, c) => s + c, 0), 3000);
    assert.equal(hx.currentCounts.reduce((s, c) => s + c, 0), 2000);
    const hk = r.columns.k.histogram;
    assert.deepEqual(hk.bins, Array.from({ length: 22 }, (_, i) => String(i)));
    assert.equal(hk.edges, undefined);
    assert.equal(hk.currentCounts.reduce((s, c) => s + c, 0), 2000);
    assert.ok(Math.abs(hk.reference.reduce((s, c) => s + c, 0) - 1) < 1e-12);
  });

  it("keeps report histograms small however many categories there are", () => {
    const labels = Array.from({ length: 500 }, (_, i) => `id${i}`);
    const r = computeDrift(ds({ id: cat(categories(5000, 1, labels)), v: num(integers(5000, 2, 10)) }), ds({ id: cat(categories(5000, 2, labels)), v: num(normals(5000, 3)) }));
    const h = r.columns.id.histogram;
    assert.equal(h.bins.length, MAX_REPORT_BINS);
    assert.equal(h.bins.at(-1), "(other)");
    assert.equal(h.referenceCounts.reduce((s, c) => s + c, 0), 5000);
    // Numeric column whose reference has few values but the current many: Sturges bins for display.
    assert.ok(r.columns.v.histogram.edges && r.columns.v.histogram.bins.length <= MAX_REPORT_BINS);
    // The psi binning itself keeps one bin per value of the union (as Evidently).
    const p = prepareColumn(num(integers(5000, 2, 10)), num(normals(5000, 3)));
    assert.equal(binColumn(p).keys?.length, 10 + 5000 - countShared(p));
  });

  it("handles a million rows per side without building per-row objects", () => {
    const n = 1_000_000;
    const r = computeDrift(ds({ x: num(normals(n, 1)) }), ds({ x: num(normals(n, 2, 0.01)) }), { perColumn: { x: { stattest: "ks" } } });
    assert.equal(r.columns.x.stattest, "ks");
    assert.ok(r.columns.x.drift_score! < 0.05, `p ${r.columns.x.drift_score}`);
    assert.equal(r.columns.x.histogram.bins.length, 22); // ceil(log2(2e6) + 1)
  });
});

function countShared(p: ReturnType<typeof prepareColumn>): number {
  if (p.kind !== "num") return 0;
  const ref = new Set(p.reference);
  return new Set(Array.from(p.current).filter((v) => ref.has(v))).size;
}
