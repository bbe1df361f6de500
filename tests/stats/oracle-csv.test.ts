/**
 * From files to decisions, against Evidently on the same files: each case writes two CSV
 * files, reads them with our reader and with pandas' `read_csv` (defaults), and compares
 * what was read (names, types, values) and the DataDriftPreset result (method, Evidently's
 * method name, score, flag) column by column. The cases are the ones where reading or
 * typing used to differ: spaces kept in values and names, a column typed from the two
 * files, integer vs float binning (issue 15, items 1-3).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readDatasetFile } from "../../drift-job/src/io/read.js";
import { computeDrift } from "../../drift-job/src/stats/index.js";
import type { Column, Dataset, StatTestId } from "../../drift-job/src/types.js";
import { agrees, integers, relError, uniforms } from "./data.js";
import { OracleBatch, oracleNumber } from "./oracle-client.js";

const batch = new OracleBatch();
let results: Record<string, unknown>[] = [];
let maxRelError = 0;
let compared = 0;

type Cell = string | number | boolean | null;
type Read = Record<string, { dtype: string; values: Cell[] }>;
type EvColumn = { column_type: string; stattest_name: string; stattest: string; stattest_threshold: unknown; drift_score: unknown; drift_detected: boolean };

interface CsvCase {
  title: string;
  index: number;
  reference: string;
  current: string;
  stattest?: StatTestId;
  /** Checks beyond agreement (e.g. the case really exercises the rule it is about). */
  extra?: (ours: ReturnType<typeof computeDrift>, ev: Record<string, unknown>, ref: Dataset, cur: Dataset) => void;
}
const cases: CsvCase[] = [];

function csvCase(title: string, reference: string, current: string, opts: { stattest?: StatTestId; values?: boolean; extra?: CsvCase["extra"] } = {}): void {
  const ref = join(batch.dir, `c${cases.length}-ref.csv`);
  const cur = join(batch.dir, `c${cases.length}-cur.csv`);
  writeFileSync(ref, reference);
  writeFileSync(cur, current);
  const index = batch.add({ op: "csv", reference: ref, current: cur, values: opts.values ?? true, ...(opts.stattest ? { stattest: opts.stattest } : {}) });
  cases.push({ title, index, reference: ref, current: cur, stattest: opts.stattest, extra: opts.extra });
}

const table = (header: string[], cols: string[][]): string => [header.join(","), ...cols[0].map((_, i) => cols.map((c) => c[i]).join(","))].join("\n") + "\n";
const pick = <T>(xs: T[], n: number, seed: number): T[] => Array.from(uniforms(n, seed), (u) => xs[Math.floor(u * xs.length)]);

/** Our column against pandas' (dtype and every value). */
function assertSameColumn(name: string, side: string, ours: Column | undefined, theirs: { dtype: string; values: Cell[] }): void {
  const where = `${side} column ${JSON.stringify(name)} (pandas ${theirs.dtype})`;
  assert.ok(ours, `${where}: missing from our read`);
  const numeric = /^(int|uint|float)/.test(theirs.dtype);
  const bools = theirs.dtype === "bool" || (theirs.dtype === "object" && theirs.values.some((v) => typeof v === "boolean") && theirs.values.every((v) => v === null || typeof v === "boolean"));
  if (numeric) {
    assert.equal(ours.kind, "num", `${where}: we read text`);
    assert.equal(ours.kind === "num" && ours.integer === true, theirs.dtype.startsWith("int") || theirs.dtype.startsWith("uint"), `${where}: integer flag`);
    const got = Array.from(ours.values as Float64Array, (v) => (Number.isNaN(v) ? null : v));
    assert.deepEqual(got, theirs.values.map((v) => (v === null ? null : typeof v === "string" ? oracleNumber(v) : v)), where);
  } else if (bools) {
    assert.ok(ours.kind === "cat" && ours.bool, `${where}: not read as booleans`);
    assert.deepEqual(ours.values, theirs.values.map((v) => (v === null ? null : v ? "True" : "False")), where);
  } else {
    assert.equal(ours.kind, "cat", `${where}: we read numbers`);
    assert.ok(!(ours.kind === "cat" && ours.bool), `${where}: we read booleans`);
    assert.deepEqual(ours.values, theirs.values, where);
  }
}

// ---------------------------------------------------------------- 1. values and names as pandas reads them
{
  const colours = ["red", " red", "blue", "red ", "blue"];
  csvCase(
    "spaces in values and header names are kept (3 categories, not 2: chisquare, not z)",
    table([" colour", "size ", "note", "flag"], [pick(colours.slice(0, 3), 300, 1), Array.from(integers(300, 2, 30), (v) => (v % 3 ? ` ${v / 2} ` : `${v}\t`)), pick(["a", "NA ", " NA", "nan ", " "], 300, 3), pick(["True", "false", "TRUE"], 300, 4)]),
    table([" colour", "size ", "note", "flag"], [pick(["red", "blue", "blue"], 250, 5), Array.from(integers(250, 6, 32), (v) => String(v / 2)), pick(["a", "NA", "b", "-nan"], 250, 7), pick(["True", "False", "", "true"], 250, 8)]),
    {
      extra: (ours) => {
        assert.equal(ours.columns[" colour"].stattest, "chisquare");
        assert.equal(ours.columns[" colour"].reference.distinct, 3);
      },
    },
  );
  csvCase(
    "NA spellings only when exact, inf spellings, exponents, numbers beyond float64, quoted numbers, an empty header cell, a repeated name",
    table(["", "v", "v", "w", "huge"], [Array.from({ length: 200 }, (_, i) => String(i)), pick(["1e3", "-inf", "Infinity", "+2.5", ".5", "5.", '"7"', "#N/A", "NULL"], 200, 9), pick(["x", "None", "none", "<NA>", "n/a"], 200, 10), pick(["1.5", "2", "3.25", "", "NaN"], 200, 11), pick(["1e400", "2", "3"], 200, 15)]),
    table(["", "v", "v", "w", "huge"], [Array.from({ length: 180 }, (_, i) => String(i)), pick(["1e3", "-INF", "2.5", "1E-2", "NA"], 180, 12), pick(["x", "y", "None", "N/A"], 180, 13), pick(["1.5", "4", "3.25", "-1.#IND"], 180, 14), pick(["2", "3", "1e-400"], 180, 16)]),
  );
}

// ---------------------------------------------------------------- 2. the type from the two files
csvCase(
  "text in the reference, numbers in the current data: categorical, and a number never equals a text",
  table(["code", "k"], [pick(["1.50", "1.5", "abc", "2", "02"], 400, 20), pick(["a", "b"], 400, 21)]),
  table(["code", "k"], [pick(["1.5", "2", "2.0", "3"], 300, 22), pick(["a", "b"], 300, 23)]),
  { stattest: "jensenshannon", extra: (ours) => assert.equal(ours.columns.code.column_type, "cat") },
);
csvCase(
  "booleans in the reference, 0/1 in the current data: True equals 1 as in Python",
  table(["b", "k"], [pick(["True", "False", "False"], 300, 24), pick(["a", "b"], 300, 25)]),
  table(["b", "k"], [pick(["1", "0"], 300, 26), pick(["a", "b"], 300, 27)]),
  { extra: (ours) => assert.equal(ours.columns.b.current.distinct, 2) },
);
csvCase(
  "numbers in the reference, text in the current data: Evidently refuses the column, we report why",
  table(["x"], [Array.from(integers(300, 28, 40), (v) => (v / 4).toFixed(2))]),
  table(["x"], [[...Array.from(integers(299, 29, 40), (v) => (v / 4).toFixed(2)), "abc"]]),
  {
    extra: (ours, ev) => {
      // Evidently stops on such a column (here with a TypeError from its numeric code).
      assert.ok(ev.error && !ev.columns, "Evidently compared the column");
      assert.match(ours.columns.x.error ?? "", /column "x" is numeric in the reference but the current data has text such as "abc"/);
      assert.equal(ours.columns.x.drift_detected, false);
      assert.equal(ours.columns.x.column_type, "num");
    },
  },
);

// ---------------------------------------------------------------- 3. integer or float bins
{
  const ints = (n: number, seed: number, k: number) => Array.from(integers(n, seed, k), (v) => String(v));
  const floats = (n: number, seed: number, k: number) => Array.from(integers(n, seed, k), (v) => v.toFixed(1));
  csvCase("hellinger, int64 reference and '0.0'/'1.0' current with no new value: integer edges (keyed on the reference)", table(["h"], [ints(300, 30, 3)]), table(["h"], [floats(300, 31, 3)]), { stattest: "hellinger" });
  csvCase("hellinger, int64 reference, current with a missing value: still integer edges", table(["h"], [ints(300, 32, 3)]), table(["h"], [[...ints(299, 33, 3), "NA"]]), { stattest: "hellinger" });
  csvCase("hellinger, int64 reference, float current with a new value: float edges", table(["h"], [ints(300, 34, 2)]), table(["h"], [floats(300, 35, 3)]), { stattest: "hellinger" });
  csvCase("hellinger, '0.0'/'1.0' reference, int64 current: float edges", table(["h"], [floats(300, 36, 3)]), table(["h"], [ints(300, 37, 3)]), { stattest: "hellinger" });
  csvCase("hellinger, binary int64 on both sides: integer edges (one bin)", table(["h"], [ints(300, 38, 2)]), table(["h"], [ints(300, 39, 2)]), { stattest: "hellinger" });
  // Sturges' width drops below 1 for 22 integer values only above 2^20 values: 1.1M rows.
  const w = Array.from({ length: 22 }, (_, i) => 1 + i / 30);
  const big = (n: number, seed: number, f: (v: number) => string, weights?: number[]) => Array.from(integers(n, seed, 22, weights), f);
  csvCase("psi, 1.1M rows, int64 reference and '3.0'-spelled current: numpy's float bins (22), not integer bins (21)", table(["p"], [big(600000, 40, String)]), table(["p"], [big(500000, 41, (v) => v.toFixed(1), w)]), {
    stattest: "psi",
    values: false,
    extra: (ours) => assert.equal(ours.columns.p.histogram.bins.length, 22),
  });
  csvCase("psi, 1.1M rows, int64 on both sides: integer bins (21)", table(["p"], [big(600000, 42, String)]), table(["p"], [big(500000, 43, String, w)]), {
    stattest: "psi",
    values: false,
    extra: (ours) => assert.equal(ours.columns.p.histogram.bins.length, 21),
  });
  csvCase("psi, 1.1M rows, int64 reference and a current with one missing value: float bins", table(["p"], [big(600000, 44, String)]), table(["p"], [["NA", ...big(499999, 45, String, w)]]), {
    stattest: "psi",
    values: false,
    extra: (ours) => assert.equal(ours.columns.p.histogram.bins.length, 22),
  });
}

const pending = batch.run();
pending.catch(() => undefined);
process.once("exit", () => batch.cleanup());

describe("files to decisions agree with pandas.read_csv + Evidently DataDriftPreset", function () {
  this.timeout(300000);
  before(async () => {
    results = await pending;
  });
  after(() => {
    batch.cleanup();
    if (process.env.STATS_ERROR_TABLE) console.log(`\n  ${compared} column scores compared with Evidently; largest relative error ${maxRelError.toExponential(2)}`);
  });
  for (const c of cases) {
    it(c.title, async () => {
      const r = results[c.index] as { read?: { reference: Read; current: Read }; columns?: Record<string, EvColumn>; error?: string };
      const [ref, cur] = [await readDatasetFile(c.reference), await readDatasetFile(c.current)];
      if (r.read) {
        for (const [side, data, theirs] of [["reference", ref, r.read.reference], ["current", cur, r.read.current]] as const) {
          assert.deepEqual(Object.keys(data.columns), Object.keys(theirs), `${side} column names`);
          for (const [name, col] of Object.entries(theirs)) assertSameColumn(name, side, data.columns[name], col);
        }
      }
      const ours = computeDrift(ref, cur, { minSampleSize: 1, ...(c.stattest ? { stattest: c.stattest } : {}) });
      if (r.columns) {
        assert.equal(r.error, undefined, String(r.error));
        for (const [name, e] of Object.entries(r.columns)) {
          const o = ours.columns[name];
          assert.ok(o, `column ${name} missing from our result`);
          assert.equal(o.error, undefined, `${name}: ${o.error}`);
          assert.equal(o.column_type, e.column_type, `${name} column type`);
          assert.equal(o.stattest_name, e.stattest_name, `${name} stattest_name`);
          assert.equal(o.stattest, e.stattest, `${name} stattest`);
          const expected = oracleNumber(e.drift_score);
          const absTol = o.stattest === "z" ? 1e-15 : ["ks", "chisquare"].includes(o.stattest) ? 1e-300 : 1e-12;
          const actual = o.drift_score ?? NaN;
          compared++;
          maxRelError = Math.max(maxRelError, relError(actual, expected, absTol));
          assert.ok(agrees(actual, expected, absTol), `${name} (${o.stattest}): ours ${actual}, Evidently ${expected}`);
          assert.equal(o.drift_detected, e.drift_detected, `${name} drift detected`);
        }
        assert.equal(Object.keys(ours.columns).length, Object.keys(r.columns).length, "same columns compared");
      } else {
        assert.ok(r.error, "Evidently gave neither a result nor an error");
      }
      c.extra?.(ours, r, ref, cur);
    });
  }
});
