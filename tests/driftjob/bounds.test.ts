/**
 * Inputs that must not hurt the drift job (issue 15): a header with very many columns,
 * huge cell values, a window with a handful of rows, negative numbers for flags. Each
 * gets a clear error or a bounded, honest report; the bounds are checked with fast-check.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { MIN_SAMPLE_SIZE } from "../../lib/settings";
import { analyze, type AnalysisSettings } from "../../drift-job/src/analyze";
import { joinNegativeValues } from "../../drift-job/src/cli-run";
import { jobConfigFromEnv } from "../../drift-job/src/config";
import { MAX_COLUMNS, MAX_COLUMN_NAME_LENGTH } from "../../drift-job/src/io/csv";
import { DataError, readDatasetBuffer } from "../../drift-job/src/io/read";
import { reportMetrics } from "../../drift-job/src/mlflow-log";
import { DEFAULT_POLICY, evaluatePolicy } from "../../drift-job/src/policy";
import { REPORT_HARD_LIMIT_BYTES, REPORT_TARGET_BYTES, reportFiles } from "../../drift-job/src/report/write";
import { computeDrift, MAX_LABEL_LENGTH } from "../../drift-job/src/stats";
import { planTrigger, EMPTY_STATE } from "../../drift-job/src/trigger";
import type { Column, Dataset } from "../../drift-job/src/types";
import { runDriftCli } from "./run-cli";

const settings = (minSampleSize?: number): AnalysisSettings => ({
  drift: minSampleSize === undefined ? {} : { minSampleSize },
  model: { prediction: "prediction", probability: "probability", label: "default" },
  policy: DEFAULT_POLICY,
});
const num = (xs: number[]): Column => ({ kind: "num", values: Float64Array.from(xs) });
const ds = (columns: Record<string, Column>): Dataset => ({ rows: Object.values(columns)[0].values.length, columns });

describe("drift job: inputs that must not hurt", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-bounds-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe("column count and names", () => {
    it("refuses a header with more than MAX_COLUMNS columns, naming the count and the limit (CSV and NDJSON)", async () => {
      const header = Array.from({ length: 145_000 }, (_, i) => `c${i}`).join(",");
      await assert.rejects(readDatasetBuffer("wide.csv", Buffer.from(header + "\n")), (e: Error) => e instanceof DataError && /wide\.csv: has 145,000 columns; at most 10,000 are allowed/.test(e.message));
      const obj = JSON.stringify(Object.fromEntries(Array.from({ length: MAX_COLUMNS + 1 }, (_, i) => [`k${i}`, i])));
      await assert.rejects(readDatasetBuffer("wide.ndjson", Buffer.from(obj + "\n")), /wide\.ndjson: line 1: has 10,001 columns; at most 10,000 are allowed/);
    });

    it("refuses a column name longer than MAX_COLUMN_NAME_LENGTH", async () => {
      await assert.rejects(readDatasetBuffer("long.csv", Buffer.from("a," + "n".repeat(MAX_COLUMN_NAME_LENGTH + 1) + "\n1,2\n")), /a column name has 1,001 characters .*at most 1,000 are allowed/);
    });

    it("reads a header-only file of MAX_COLUMNS columns into buffers sized by the data read, not the file", async () => {
      const header = Array.from({ length: MAX_COLUMNS }, (_, i) => `column_number_${i}`).join(",");
      const before = process.memoryUsage().arrayBuffers;
      const d = await readDatasetBuffer("header.csv", Buffer.from(header + "\n"));
      const grown = process.memoryUsage().arrayBuffers - before;
      assert.equal(d.rows, 0);
      assert.equal(Object.keys(d.columns).length, MAX_COLUMNS);
      // 16 values per column at most before any row: 10,000 x 16 x 8 bytes = 1.3 MB.
      assert.ok(grown < 8 << 20, `column buffers took ${grown} bytes`);
    });
  });

  describe("report size", () => {
    it("cuts category labels and keeps both report files small whatever the cell values (property)", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 400_000 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 12 }), (labelLength, distinct, columns) => {
          const cols: Record<string, Column> = {};
          for (let c = 0; c < columns; c++) cols[`c${c}`] = { kind: "cat", values: Array.from({ length: 60 }, (_, i) => `${i % distinct}:${c}:` + "x".repeat(labelLength)) };
          const cur: Record<string, Column> = {};
          for (let c = 0; c < columns; c++) cur[`c${c}`] = { kind: "cat", values: Array.from({ length: 60 }, (_, i) => `${(i * 7) % distinct}:${c}:` + "y".repeat(labelLength)) };
          const report = analyze({ reference: ds(cols), current: ds(cur), referenceName: "r", currentName: "c" }, settings(), computeDrift);
          for (const c of Object.values(report.columns)) for (const b of c.histogram.bins) assert.ok(b.length <= MAX_LABEL_LENGTH + 40, `label of ${b.length} characters`);
          const files = reportFiles(report);
          for (const [name, body] of Object.entries(files)) assert.ok(Buffer.byteLength(body) <= REPORT_TARGET_BYTES, `${name}: ${Buffer.byteLength(body)} bytes`);
        }),
        { numRuns: 25 },
      );
    });

    it("keeps a report of the widest allowed input (every limit reached) under the hard limit", () => {
      const n = MAX_COLUMNS;
      const name = (i: number) => `${i}_` + "é".repeat(MAX_COLUMN_NAME_LENGTH - 8);
      const cols: Record<string, Column> = {};
      const cur: Record<string, Column> = {};
      for (let i = 0; i < n; i++) {
        cols[name(i)] = { kind: "cat", values: Array.from({ length: 40 }, (_, k) => `${k}` + "\u0001".repeat(300)) };
        cur[name(i)] = { kind: "cat", values: Array.from({ length: 40 }, (_, k) => `${k + 20}` + "\u0001".repeat(300)) };
      }
      const report = analyze({ reference: ds(cols), current: ds(cur), referenceName: "r", currentName: "c" }, settings(), computeDrift);
      const files = reportFiles(report);
      for (const [f, body] of Object.entries(files)) assert.ok(Buffer.byteLength(body) <= REPORT_HARD_LIMIT_BYTES, `${f}: ${Buffer.byteLength(body)} bytes`);
    });

    it("does not copy a 50 MB cell value into the reports (CLI, end to end)", async () => {
      const big = "v".repeat(50 << 20);
      const ref = join(dir, "big-ref.csv");
      const cur = join(dir, "big-cur.csv");
      writeFileSync(ref, "k,n\n" + Array.from({ length: 200 }, (_, i) => `${i % 3 ? "a" : "b"},${i}`).join("\n") + `\n${big},5\n`);
      writeFileSync(cur, "k,n\n" + Array.from({ length: 200 }, (_, i) => `${i % 2 ? "a" : "b"},${i}`).join("\n") + "\n");
      const out = join(dir, "big-out");
      const r = await runDriftCli(["--reference", ref, "--current", cur, "--out", out, "--quiet"]);
      assert.equal(r.code, 0, r.stderr);
      for (const f of ["report.json", "report.html"]) assert.ok(statSync(join(out, f)).size < 1 << 20, `${f}: ${statSync(join(out, f)).size} bytes`);
      assert.match(readFileSync(join(out, "report.json"), "utf8"), /v{120}… \(52,428,800 characters\)/);
    });
  });

  describe("minimum sample size", () => {
    it("gives no decision for a one-row window and never fires the retrain policy, whatever the data (property)", () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 50, maxLength: 200 }),
          fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: MIN_SAMPLE_SIZE.default - 1 }),
          fc.integer({ min: 1, max: 12 }),
          (ref, cur, columns) => {
            const r: Record<string, Column> = {};
            const c: Record<string, Column> = {};
            for (let k = 0; k < columns; k++) {
              r[`x${k}`] = num(ref.map((v) => v + k));
              c[`x${k}`] = num(cur.map((v) => v * (k + 1)));
            }
            const report = analyze({ reference: ds(r), current: ds(c), referenceName: "r", currentName: "c" }, settings(), computeDrift);
            assert.equal(report.number_of_drifted_columns, 0);
            assert.equal(report.number_of_columns_without_enough_data, columns);
            assert.equal(report.retrain.fired, false);
            assert.equal(report.retrain.undecided, true);
            for (const col of Object.values(report.columns)) {
              assert.deepEqual([col.drift_detected, col.drift_score, col.psi], [false, null, null]);
              assert.deepEqual(col.not_enough_data, { minimum: MIN_SAMPLE_SIZE.default, reference: ref.length, current: cur.length });
            }
            // An undecided window neither sends a request nor ends a drift episode.
            const ep = { started_at: "2026-01-01T00:00:00Z", window_end: "2026-01-01T01:00:00Z", dispatched_at: "2026-01-01T01:00:00Z", status: "sent" as const, attempts: 1, report: "r", reasons: [] };
            for (const state of [EMPTY_STATE, { ...EMPTY_STATE, episode: ep }]) {
              const plan = planTrigger(state, { fired: report.retrain.fired, undecided: report.retrain.undecided, windowEnd: "2026-01-01T02:00:00Z", now: Date.parse("2026-01-01T02:00:00Z"), cooldownMinutes: 0 });
              assert.equal(plan.kind, "suppressed");
            }
          },
        ),
        { numRuns: 60 },
      );
    });

    it("decides columns with enough values and skips only the thin ones; the minimum is configurable", () => {
      const ref = ds({ a: num(Array.from({ length: 100 }, (_, i) => i)), b: num(Array.from({ length: 100 }, (_, i) => i)) });
      const cur = ds({ a: num(Array.from({ length: 40 }, (_, i) => 500 + i)), b: num([...Array.from({ length: 10 }, (_, i) => 500 + i), ...Array(30).fill(NaN)]) });
      const d = computeDrift(ref, cur);
      assert.equal(d.columns.a.drift_detected, true);
      assert.equal(d.columns.b.not_enough_data?.current, 10);
      const policy = evaluatePolicy(d);
      assert.deepEqual([policy.fired, policy.undecided, policy.columns_without_enough_data], [true, false, ["b"]]);
      assert.equal(computeDrift(ref, cur, { minSampleSize: 10 }).columns.b.drift_detected, true);
      assert.throws(() => computeDrift(ref, cur, { minSampleSize: 0 }), /options\.minSampleSize is 0; it must be an integer from 1 to 1000000/);
    });

    it("logs no drift flag to MLflow for a column without a decision, and counts such columns", () => {
      const ref = ds({ a: num(Array.from({ length: 100 }, (_, i) => i)), b: num(Array.from({ length: 100 }, (_, i) => i)) });
      const cur = ds({ a: num(Array.from({ length: 40 }, (_, i) => i)), b: num([...Array.from({ length: 10 }, (_, i) => i), ...Array(30).fill(NaN)]) });
      const m = reportMetrics(analyze({ reference: ref, current: cur, referenceName: "r", currentName: "c" }, settings(), computeDrift));
      assert.equal(typeof m["drifted.a"], "number");
      assert.ok(!("drifted.b" in m) && !("drift_score.b" in m) && !("psi.b" in m), JSON.stringify(m));
      assert.equal(m.columns_without_enough_data, 1);
    });

    it("reads DRIFT_MIN_SAMPLE_SIZE with the shared bounds", () => {
      const base = { S3_ENDPOINT: "localhost", S3_ACCESS_KEY: "a", S3_SECRET_KEY: "b", MLFLOW_TRACKING_URI: "http://localhost:5000" };
      assert.equal(jobConfigFromEnv(base).analysis.drift.minSampleSize, undefined);
      assert.equal(jobConfigFromEnv({ ...base, DRIFT_MIN_SAMPLE_SIZE: "200" }).analysis.drift.minSampleSize, 200);
      assert.throws(() => jobConfigFromEnv({ ...base, DRIFT_MIN_SAMPLE_SIZE: "0" }), /DRIFT_MIN_SAMPLE_SIZE=0 is out of range; allowed: 1\.\.1000000/);
      assert.throws(() => jobConfigFromEnv({ ...base, DRIFT_MIN_SAMPLE_SIZE: String(MIN_SAMPLE_SIZE.max + 1) }), /DRIFT_MIN_SAMPLE_SIZE/);
    });

    it("shows 'not enough data' in both reports and the summary, and exits 0 without a retrain (CLI)", async () => {
      const ref = join(dir, "ms-ref.csv");
      const cur = join(dir, "ms-cur.csv");
      writeFileSync(ref, "x,y,default\n" + Array.from({ length: 300 }, (_, i) => `${i},${i % 7},${i % 2}`).join("\n") + "\n");
      writeFileSync(cur, "x,y,default\n9999,99,1\n");
      const out = join(dir, "ms-out");
      const r = await runDriftCli(["--reference", ref, "--current", cur, "--out", out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /not enough data \(300 \/ 1 values, needs 30\)/);
      assert.match(r.stdout, /Retrain policy: not fired/);
      const j = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
      assert.equal(j.number_of_drifted_columns, 0);
      assert.equal(j.retrain.fired, false);
      assert.equal(j.number_of_columns_without_enough_data, 3);
      const html = readFileSync(join(out, "report.html"), "utf8");
      assert.ok(html.includes("not enough data") && html.includes("Not enough data"));
      const lower = await runDriftCli(["--reference", ref, "--current", cur, "--out", join(dir, "ms-out1"), "--min-sample-size", "1"]);
      assert.equal(lower.code, 0, lower.stderr);
      assert.ok(JSON.parse(readFileSync(join(dir, "ms-out1", "report.json"), "utf8")).number_of_drifted_columns > 0);
    });
  });

  describe("negative numbers as flag values", () => {
    it("names the problem with --threshold -1 instead of 'argument is ambiguous'", async () => {
      const r = await runDriftCli(["--reference", "a.csv", "--current", "b.csv", "--out", join(dir, "neg"), "--threshold", "-1"]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--threshold=-1 is out of range; allowed: more than 0, up to 1000/);
      assert.ok(!/ambiguous/.test(r.stderr), r.stderr);
      const m = await runDriftCli(["--reference", "a.csv", "--current", "b.csv", "--out", join(dir, "neg"), "--min-sample-size", "-5"]);
      assert.match(m.stderr, /--min-sample-size=-5 is out of range; allowed: 1\.\.1000000/);
    });

    it("joins a negative number to its flag and leaves everything else alone (property)", () => {
      fc.assert(
        fc.property(fc.double({ noNaN: true, max: -1e-300 }), fc.constantFrom("--threshold", "--drift-share", "--retrain-psi", "--min-sample-size"), (x, flag) => {
          assert.deepEqual(joinNegativeValues([flag, String(x), "--quiet"]), [`${flag}=${x}`, "--quiet"]);
        }),
      );
      assert.deepEqual(joinNegativeValues(["--quiet", "-h"]), ["--quiet", "-h"]);
      assert.deepEqual(joinNegativeValues(["--out", "--quiet"]), ["--out", "--quiet"]);
    });
  });
});
