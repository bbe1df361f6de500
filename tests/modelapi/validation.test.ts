import { strict as assert } from "node:assert";
import { DatasetError, parseCsvDataset, parseDataset, parseNdjsonDataset, toCsv } from "../../model-api/src/training/dataset";
import { checkRow } from "../../model-api/src/validate";
import { hourPrefix, hourPrefixes, keyTimestamp, parseRecord, recordsToRows, requestLogKey, REQUEST_ROW_COLUMNS } from "../../lib/request-log";
import { decidePromotion } from "../../model-api/src/training/training";
import { imageTagFor } from "../../model-api/src/training/retrain";
import { creditRows, validRow } from "./fixtures";

describe("model-api input validation", () => {
  it("accepts a complete row, nulls for missing values, unseen categories and an optional label", () => {
    assert.equal(checkRow(validRow(), ""), undefined);
    assert.equal(checkRow({ ...validRow(), income: null, region: null }, ""), undefined);
    assert.equal(checkRow({ ...validRow(), region: "mars" }, ""), undefined);
    assert.equal(checkRow({ ...validRow(), default: 1 }, ""), undefined);
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["an out-of-range number", { age: 17 }, "age", /17 is out of range; allowed: an integer from 18 to 100/],
    ["a fractional integer feature", { credit_score: 700.5 }, "credit_score", /not an integer/],
    ["a string for a number", { income: "50000" }, "income", /"50000" is not a number/],
    ["a number for a category", { region: 3 }, "region", /3 is not a string/],
    ["a malformed category", { region: "North West" }, "region", /not a valid category/],
    ["a bad label", { default: 2 }, "default", /2 is not a label; allowed: 0 or 1 or null/],
  ];
  for (const [what, patch, field, msg] of bad) {
    it(`rejects ${what}, naming the field and what is allowed`, () => {
      const err = checkRow({ ...validRow(), ...patch }, "rows[2]");
      assert.ok(err);
      assert.equal(err.field, `rows[2].${field}`);
      assert.match(err.message, msg);
    });
  }

  it("rejects unknown and absent fields, listing the allowed ones", () => {
    const unknown = checkRow({ ...validRow(), salary: 1 }, "");
    assert.equal(unknown?.field, "salary");
    assert.match(unknown!.message, /unknown field; allowed fields: age, income/);
    const { age: _age, ...rest } = validRow();
    const absent = checkRow(rest, "");
    assert.equal(absent?.field, "age");
    assert.match(absent!.message, /is required/);
    assert.equal(checkRow([1, 2], "rows[0]")?.field, "rows[0]");
  });
});

describe("model-api training data files", () => {
  it("round-trips rows through the canonical CSV, missing values included", () => {
    const rows = creditRows(200, 4, "missing_spike", 1);
    assert.ok(rows.some((r) => Object.values(r.features).includes(null)), "the scenario produces missing values");
    const back = parseCsvDataset(toCsv(rows), "x.csv").rows;
    assert.deepEqual(back, rows);
  });

  it("names the file, line and field of bad training data", () => {
    const csv = toCsv(creditRows(5, 1)).split("\n");
    csv[3] = csv[3].replace(/^\d+,/, "12,");
    assert.throws(() => parseCsvDataset(csv.join("\n"), "train.csv"), (e: Error) => e instanceof DatasetError && /train\.csv line 4: age: 12 is out of range/.test(e.message));
    assert.throws(() => parseCsvDataset("age,income\n1,2\n", "t.csv"), /lacks the columns loan_amount/);
    assert.throws(() => parseNdjsonDataset('{"age": 1}\nnot json\n', "t.ndjson"), /t\.ndjson line 2 is not a JSON object/);
    const noLabel = toCsv(creditRows(3, 1)).replace(/,([01])\n/g, ",\n");
    assert.throws(() => parseDataset(noLabel, "n.csv"), /default: the label is required for training and is missing/);
  });

  it("reads NDJSON as the drifter serves it, ignoring columns outside the schema", () => {
    const rows = creditRows(10, 2);
    const nd = rows.map((r) => JSON.stringify({ ...r.features, default: r.label, batch_id: "x" })).join("\n");
    const parsed = parseDataset(nd, "d");
    assert.deepEqual(parsed.rows, rows);
    assert.deepEqual(parsed.ignoredColumns, ["batch_id"]);
  });
});

describe("model-api request log layout", () => {
  it("partitions keys by the UTC hour of the first row", () => {
    const t = Date.UTC(2026, 10, 21, 23, 59, 59, 500);
    assert.equal(hourPrefix(t), "2026/11/21/23/");
    assert.equal(requestLogKey("model-api-7c9/x", t, 12), `2026/11/21/23/model-api-7c9_x-${t}-000012.ndjson`);
    assert.equal(keyTimestamp(requestLogKey("p", t, 1)), t);
  });

  it("lists every hour that overlaps a window, across a day boundary", () => {
    const s = new Date(Date.UTC(2026, 10, 21, 22, 30));
    const e = new Date(Date.UTC(2026, 10, 22, 0, 10));
    assert.deepEqual(hourPrefixes(s, e), ["2026/11/21/22/", "2026/11/21/23/", "2026/11/22/00/"]);
    assert.throws(() => hourPrefixes(e, s), /end .* is before start/);
  });

  it("parses records strictly and flattens them for the drift check", () => {
    const line = JSON.stringify({ request_id: "r1", row: 0, ts: "2026-11-21T23:00:00.000Z", model_version: "3", features: validRow(), prediction: 1, probability: 0.7, label: 0 });
    const rec = parseRecord(line);
    const [row] = recordsToRows([rec]);
    assert.deepEqual(Object.keys(row), REQUEST_ROW_COLUMNS);
    assert.equal(row.prediction, 1);
    assert.equal(row.age, 35);
    assert.equal(row.default, undefined, "no label column unless asked");
    assert.equal(recordsToRows([rec], { includeLabel: true })[0].default, 0);
    assert.throws(() => parseRecord(JSON.stringify({ ...JSON.parse(line), probability: 2 })), /probability must be a number in \[0, 1\]/);
  });
});

describe("model-api promotion rule", () => {
  const m = (auc: number, log_loss = 0.2) => ({ rows: 1, accuracy: 0.9, precision: 0.9, recall: 0.9, f1: 0.9, auc, log_loss, brier: 0.1, positive_rate: 0.3, predicted_positive_rate: 0.3 });
  it("promotes when there is no champion, or the candidate is not worse", () => {
    assert.equal(decidePromotion("auc", m(0.9), undefined).promoted, true);
    assert.equal(decidePromotion("auc", m(0.9), { version: "3", metrics: m(0.9) }).promoted, true, "equal is not worse");
    const worse = decidePromotion("auc", m(0.89), { version: "3", metrics: m(0.9) });
    assert.equal(worse.promoted, false);
    assert.match(worse.reason, /worse: auc 0\.89000 vs champion v3 0\.90000/);
    assert.equal(decidePromotion("auc", m(0.89), { version: "3", metrics: m(0.9) }, 0.02).promoted, true, "within tolerance");
  });
  it("treats lower log loss as better", () => {
    assert.equal(decidePromotion("log_loss", m(0.9, 0.3), { version: "1", metrics: m(0.9, 0.2) }).promoted, false);
    assert.equal(decidePromotion("log_loss", m(0.9, 0.1), { version: "1", metrics: m(0.9, 0.2) }).promoted, true);
  });
  it("derives the image tag from the registry version only", () => {
    assert.equal(imageTagFor("7"), "model-v7");
    assert.throws(() => imageTagFor("candidate-abc"), /not a registry version/);
  });
});
