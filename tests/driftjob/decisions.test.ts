import { strict as assert } from "node:assert";
import { UsageError } from "../../lib/cli";
import { CLI_FLAG_NAMES } from "../../drift-job/src/cli-run";
import { buildDriftOptions } from "../../drift-job/src/options";
import { sidePerformance } from "../../drift-job/src/performance";
import { evaluatePolicy } from "../../drift-job/src/policy";
import type { Dataset } from "../../drift-job/src/types";
import { catColumn, datasetDrift, numColumn } from "./fixtures";

const FLAG_NAMES = CLI_FLAG_NAMES;

describe("drift-job options", () => {
  it("builds global, per-type and per-column choices", () => {
    const o = buildDriftOptions(
      { stattest: "psi", threshold: "0.2", numStattest: "ks", catThreshold: "0.3", columnStattest: ["income=wasserstein", "a=b=hellinger"], columnThreshold: ["income=0.05"], driftShare: "0.3", columns: "income, age" },
      FLAG_NAMES,
    );
    assert.deepEqual(o, {
      stattest: "psi",
      threshold: 0.2,
      driftShare: 0.3,
      perType: { num: { stattest: "ks" }, cat: { threshold: 0.3 } },
      perColumn: { income: { stattest: "wasserstein", threshold: 0.05 }, "a=b": { stattest: "hellinger" } },
      columns: ["income", "age"],
    });
  });

  it("names the flag and the allowed methods for an unknown method", () => {
    assert.throws(() => buildDriftOptions({ stattest: "anderson" }, FLAG_NAMES), (e: Error) => e instanceof UsageError && /--stattest: unknown method "anderson"; allowed: ks, chisquare, z, wasserstein, psi, kl_div, jensenshannon, hellinger/.test(e.message));
    assert.throws(() => buildDriftOptions({ columnStattest: ["income=t_test"] }, FLAG_NAMES), /--column-stattest income: unknown method "t_test"/);
  });

  it("rejects thresholds and shares outside their range", () => {
    assert.throws(() => buildDriftOptions({ threshold: "abc" }, FLAG_NAMES), /--threshold="abc" is not a number in decimal notation; allowed: more than 0, up to 1000/);
    assert.throws(() => buildDriftOptions({ threshold: "-1" }, FLAG_NAMES), /--threshold=-1 is out of range; allowed: more than 0, up to 1000/);
    assert.throws(() => buildDriftOptions({ driftShare: "1.5" }, FLAG_NAMES), /--drift-share=1\.5 is out of range; allowed: more than 0, up to 1/);
    assert.throws(() => buildDriftOptions({ columnThreshold: ["income"] }, FLAG_NAMES), /expected COLUMN=VALUE/);
    assert.throws(() => buildDriftOptions({ columns: " , " }, FLAG_NAMES), /comma-separated list/);
    assert.throws(() => buildDriftOptions({ columns: "a,b,a" }, FLAG_NAMES), /"a" is listed twice/);
  });
});

describe("retrain policy", () => {
  it("fires on any PSI above the threshold, naming the columns", () => {
    const d = datasetDrift({
      a: numColumn({ drift_score: 0.05, drift_detected: false, psi: 0.21 }),
      b: numColumn({ drift_score: 0.05, drift_detected: false, psi: 0.1 }),
      c: numColumn({ drift_score: 0.05, drift_detected: false, psi: 0.2 }),
      d: numColumn({ drift_score: 0.05, drift_detected: false, psi: 0.01 }),
    });
    const p = evaluatePolicy(d, { psiThreshold: 0.2, driftedShare: 0.3 });
    assert.equal(p.fired, true);
    assert.deepEqual(p.psi_columns, ["a"], "0.2 is not above 0.2");
    assert.equal(p.max_psi, 0.21);
    assert.equal(p.max_psi_column, "a");
    assert.match(p.reasons[0], /PSI above 0.2 in 1 column \(a 0.210\)/);
  });

  it("fires when more than the share of columns drifted, and not at exactly the share", () => {
    const cols = (k: number) =>
      Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}`, catColumn({ drift_score: 0.2, drift_detected: i < k, psi: 0.05 })]));
    assert.equal(evaluatePolicy(datasetDrift(cols(3)), { psiThreshold: 0.2, driftedShare: 0.3 }).fired, false);
    const p = evaluatePolicy(datasetDrift(cols(4)), { psiThreshold: 0.2, driftedShare: 0.3 });
    assert.equal(p.fired, true);
    assert.match(p.reasons[0], /4 of 10 columns drifted \(40% > 30%\)/);
    assert.deepEqual(p.drifted_columns, ["c0", "c1", "c2", "c3"]);
  });

  it("ignores columns without a PSI (not compared)", () => {
    const d = datasetDrift({ a: { ...numColumn({ drift_score: 0, drift_detected: false, psi: 0 }), psi: null, drift_score: null, error: "empty" } });
    const p = evaluatePolicy(d, { psiThreshold: 0.2, driftedShare: 0.3 });
    assert.equal(p.fired, false);
    assert.equal(p.max_psi_column, null);
  });
});

describe("model quality", () => {
  const ds = (label: number[], pred: number[]): Dataset => ({
    rows: label.length,
    columns: { default: { kind: "num", values: Float64Array.from(label) }, prediction: { kind: "num", values: Float64Array.from(pred) } },
  });

  it("computes accuracy, precision, recall and F1 with class 1 as positive", () => {
    // tp=2 fp=1 fn=1 tn=2
    const p = sidePerformance(ds([1, 1, 1, 0, 0, 0], [1, 1, 0, 1, 0, 0]), "default", "prediction")!;
    assert.equal(p.rows, 6);
    assert.equal(p.accuracy, 4 / 6);
    assert.equal(p.precision, 2 / 3);
    assert.equal(p.recall, 2 / 3);
    assert.ok(Math.abs(p.f1 - 2 / 3) < 1e-12);
    assert.equal(p.average, "binary");
  });

  it("leaves out rows with a missing label and returns null without labels", () => {
    const p = sidePerformance(ds([1, NaN, 0], [1, 0, 1]), "default", "prediction")!;
    assert.equal(p.rows, 2);
    assert.equal(p.accuracy, 0.5);
    assert.equal(sidePerformance({ rows: 1, columns: { prediction: { kind: "num", values: Float64Array.of(1) } } }, "default", "prediction"), null);
  });
});
