import { strict as assert } from "node:assert";
import { CATEGORICAL_FEATURES, NUMERIC_FEATURES, labelOf } from "../../lib/schema";
import { compileModel, encodedColumnNames, parseModelFile } from "../../model-api/src/model";
import { designMatrix, evaluate, evaluateModel, fitLogistic, fitPreprocessing, rocAuc, splitIndices, trainModel } from "../../model-api/src/training/trainer";
import { creditRows, trainedModel, validRow } from "./fixtures";

describe("model-api trainer", () => {
  it("learns the credit label function well on a seeded batch (holdout AUC > 0.97)", () => {
    const m = trainedModel();
    assert.ok(m.metrics.auc > 0.97, `auc ${m.metrics.auc}`);
    assert.ok(m.metrics.accuracy > 0.9, `accuracy ${m.metrics.accuracy}`);
    assert.ok(m.training.converged, "L-BFGS converged");
    assert.equal(m.training.rows + m.training.holdout_rows, 4000);
    assert.equal(m.metrics.rows, m.training.holdout_rows);
  });

  it("reaches a stationary point: the gradient of the regularised loss is ~0 at the fit", () => {
    const rows = creditRows(2000, 3);
    const pre = fitPreprocessing(rows.map((r) => r.features));
    const { x, d } = designMatrix(pre, rows.map((r) => r.features));
    const y = Uint8Array.from(rows, (r) => r.label);
    const l2 = 0.01;
    const fit = fitLogistic(x, y, d, { l2, gradientTolerance: 1e-8, maxIter: 500 });
    // Gradient computed independently here.
    const g = new Float64Array(d + 1);
    for (let i = 0; i < y.length; i++) {
      let z = fit.intercept;
      for (let j = 0; j < d; j++) z += x[i * d + j] * fit.coefficients[j];
      const r = 1 / (1 + Math.exp(-z)) - y[i];
      for (let j = 0; j < d; j++) g[j] += (r * x[i * d + j]) / y.length;
      g[d] += r / y.length;
    }
    for (let j = 0; j < d; j++) g[j] += l2 * fit.coefficients[j];
    const worst = Math.max(...Array.from(g, Math.abs));
    assert.ok(worst < 1e-5, `largest gradient component ${worst}`);
  });

  it("is deterministic: the same data and seed give the same coefficients", () => {
    const rows = creditRows(1500, 5);
    const a = trainModel(rows, { seed: 9, version: "a", source: "t", dataSha256: "x", now: new Date(0) }).model;
    const b = trainModel(rows, { seed: 9, version: "a", source: "t", dataSha256: "x", now: new Date(0) }).model;
    assert.deepEqual(a, b);
    const c = trainModel(rows, { seed: 10, version: "a", source: "t", dataSha256: "x", now: new Date(0) }).model;
    assert.notDeepEqual(a.coefficients, c.coefficients, "another split seed gives another fit");
  });

  it("gives an uninformative baseline with --max-iter 0 (AUC 0.5)", () => {
    const rows = creditRows(1000, 6);
    const m = trainModel(rows, { seed: 1, version: "b", source: "t", dataSha256: "x", maxIter: 0 }).model;
    assert.equal(m.metrics.auc, 0.5);
    assert.ok(m.coefficients.every((w) => w === 0));
  });

  it("imputes and standardises numeric features with a missing indicator", () => {
    const m = trainedModel();
    const c = compileModel(m);
    const buf = new Float64Array(c.width);
    const row = { ...validRow(), income: null };
    c.encode(row, buf);
    const names = encodedColumnNames(m);
    const inc = m.numeric.find((n) => n.name === "income")!;
    assert.equal(buf[names.indexOf("income__missing")], 1);
    assert.equal(buf[names.indexOf("income")], 0, "imputed with the mean, 0 after standardising");
    const age = m.numeric.find((n) => n.name === "age")!;
    assert.ok(Math.abs(buf[names.indexOf("age")] - (35 - age.mean) / age.std) < 1e-12);
    assert.ok(inc.std > 0);
    assert.equal(NUMERIC_FEATURES.length, m.numeric.length);
  });

  it("puts unseen categories in the `other` column and null in the `missing` column", () => {
    const m = trainedModel();
    const c = compileModel(m);
    const names = encodedColumnNames(m);
    const buf = new Float64Array(c.width);
    c.encode({ ...validRow(), region: "atlantis", loan_purpose: null }, buf);
    assert.equal(buf[names.indexOf("region__other")], 1);
    assert.equal(buf[names.indexOf("region=north")], 0);
    assert.equal(buf[names.indexOf("loan_purpose__missing")], 1);
    for (const f of CATEGORICAL_FEATURES) {
      const ones = names.filter((n, j) => n.startsWith(`${f.name}=`) || n.startsWith(`${f.name}__`) ? buf[j] === 1 : false);
      assert.equal(ones.length, 1, `exactly one active column for ${f.name}`);
    }
    // And the probability is still defined.
    const p = c.probability({ ...validRow(), region: "atlantis" });
    assert.ok(p > 0 && p < 1);
  });

  it("sends categories rarer than the minimum count to `other` at training time", () => {
    const rows = creditRows(300, 8).map((r) => r.features);
    rows[0] = { ...rows[0], region: "rare_one" };
    const pre = fitPreprocessing(rows, 5);
    assert.ok(!pre.categorical.find((c) => c.name === "region")!.categories.includes("rare_one"));
    const pre1 = fitPreprocessing(rows, 1);
    assert.ok(pre1.categorical.find((c) => c.name === "region")!.categories.includes("rare_one"));
  });

  it("computes ROC AUC with ties counted half, and the usual classification metrics", () => {
    assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    assert.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
    assert.equal(rocAuc([0.2, 0.3], [1, 1]), 0.5, "one class only");
    const m = evaluate([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]);
    assert.equal(m.accuracy, 0.5);
    assert.equal(m.precision, 0.5);
    assert.equal(m.recall, 0.5);
    assert.ok(Math.abs(m.log_loss - -(Math.log(0.9) + Math.log(0.2) + Math.log(0.3) + Math.log(0.9)) / 4) < 1e-12);
  });

  it("splits by a seeded shuffle into disjoint train and holdout sets", () => {
    const s = splitIndices(1000, 0.2, 42);
    assert.equal(s.holdout.length, 200);
    assert.equal(new Set([...s.train, ...s.holdout]).size, 1000);
    assert.deepEqual(splitIndices(1000, 0.2, 42), s);
    assert.throws(() => splitIndices(10, 0, 1), /holdout fraction/);
  });

  it("scores the champion on other data consistently with the label function", () => {
    const m = trainedModel();
    const fresh = creditRows(2000, 99);
    const metrics = evaluateModel(m, fresh);
    assert.ok(metrics.auc > 0.97);
    // Concept drift makes the old model clearly worse on the new world.
    const shifted = creditRows(2000, 99, "concept", 1);
    assert.ok(shifted.some((r) => r.label !== labelOf(r.features)), "the concept scenario changes labels");
    assert.ok(evaluateModel(m, shifted).auc < metrics.auc - 0.02);
  });

  it("rejects a model file with a wrong coefficient count, naming the field", () => {
    const m = trainedModel();
    m.coefficients.pop();
    assert.throws(() => parseModelFile(JSON.stringify(m)), /coefficients must be \d+ finite numbers/);
    assert.throws(() => parseModelFile("{"), /not JSON/);
    assert.throws(() => parseModelFile(JSON.stringify({ ...trainedModel(), format: "pickle" })), /format is "pickle"/);
    const n = trainedModel();
    n.numeric = n.numeric.filter((x) => x.name !== "age");
    n.coefficients = n.coefficients.slice(2);
    assert.throws(() => parseModelFile(JSON.stringify(n)), /feature age of the schema has no encoding/);
  });
});
