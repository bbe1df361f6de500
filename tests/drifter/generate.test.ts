import { strict as assert } from "node:assert";
import fc from "fast-check";
import { FEATURE_NAMES, LABEL, labelOf, type Row } from "../../lib/schema";
import { BLOCK_ROWS, MAX_ROWS, SCENARIOS, cellOf, rowBuffers, SCENARIO_INFO, ScenarioError, columnsOf, createRowSource, generateChunks, generateRows, type GenerateOptions } from "../../lib/generator/generate";
import { serializeToString } from "../../drifter/src/format";
import { referenceCsv, referenceOptions } from "../../drifter/src/reference";

const rowsOf = (o: GenerateOptions) => [...generateRows(o)];

describe("drifter generator (in-process)", () => {
  it("gives the same rows for the same seed and different rows for another seed", () => {
    const a = rowsOf({ rows: 500, seed: 11, scenario: "mean_shift", magnitude: 0.4 });
    const b = rowsOf({ rows: 500, seed: 11, scenario: "mean_shift", magnitude: 0.4 });
    const c = rowsOf({ rows: 500, seed: 12, scenario: "mean_shift", magnitude: 0.4 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it("makes a short batch the prefix of a longer one with the same options", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 60 }), fc.constantFrom(...SCENARIOS.filter((s) => SCENARIO_INFO[s].schemas.includes("credit"))), (seed, n, scenario) => {
        const short = rowsOf({ rows: n, seed, scenario, magnitude: 0.6 });
        const long = rowsOf({ rows: n + 25, seed, scenario, magnitude: 0.6 });
        assert.deepEqual(short, long.slice(0, n));
      }),
      { numRuns: 40 },
    );
  });

  it("starts a source at any block with exactly the rows the whole batch has there", () => {
    const sourceRows = (o: GenerateOptions, firstRow: number, n: number) => {
      const src = createRowSource(o, firstRow);
      const { nums, texts } = rowBuffers(src);
      return Array.from({ length: n }, () => {
        src.next(nums, texts);
        return src.columns.map((_, j) => cellOf(src, nums, texts, j));
      });
    };
    for (const o of [
      { rows: 3 * BLOCK_ROWS + 10, seed: 77, scenario: "label_prior,missing_spike,new_category,concept", magnitude: 0.8 },
      { schema: "legacy", rows: 3 * BLOCK_ROWS + 10, seed: 78, scenario: "missing_spike,drift_prob", magnitude: 0.3, cols: 5 },
    ] satisfies GenerateOptions[]) {
      const whole = sourceRows(o, 0, o.rows);
      for (const block of [1, 3]) assert.deepEqual(sourceRows(o, block * BLOCK_ROWS, 10), whole.slice(block * BLOCK_ROWS, block * BLOCK_ROWS + 10), `${o.schema ?? "credit"} block ${block}`);
      assert.notDeepEqual(whole.slice(BLOCK_ROWS, BLOCK_ROWS + 10), whole.slice(0, 10), "blocks have their own streams");
      assert.deepEqual(sourceRows({ ...o, rows: BLOCK_ROWS + 5 }, 0, BLOCK_ROWS + 5), whole.slice(0, BLOCK_ROWS + 5), "prefix across a block boundary");
    }
    for (const firstRow of [-BLOCK_ROWS, 5, 4 * BLOCK_ROWS]) assert.throws(() => createRowSource({ rows: 4 * BLOCK_ROWS, seed: 1 }, firstRow), /firstRow must be a multiple of 1024 below rows/);
  });

  it("labels every row with lib/schema labelOf of the published values (base concept without drift)", () => {
    const rows = rowsOf({ rows: 3000, seed: 3 });
    for (const r of rows) assert.equal(r[LABEL], labelOf(r));
    const rate = rows.filter((r) => r[LABEL] === 1).length / rows.length;
    assert.ok(rate > 0.15 && rate < 0.4, `default rate ${rate} should be a realistic minority`);
  });

  it("keeps every value inside the schema's physical bounds, even at the strongest drift", () => {
    for (const scenario of ["mean_shift", "scale_change", "drift_prob"] as const) {
      for (const r of rowsOf({ rows: 2000, seed: 5, scenario, magnitude: 1 })) {
        assert.ok((r.age as number) >= 18 && (r.age as number) <= 100 && Number.isInteger(r.age));
        assert.ok((r.credit_score as number) >= 300 && (r.credit_score as number) <= 850);
        assert.ok((r.debt_to_income as number) >= 0 && (r.debt_to_income as number) <= 10);
        assert.ok((r.months_employed as number) <= 960 && (r.num_open_accounts as number) <= 200);
      }
    }
  });

  it("yields exactly the `none` batch at magnitude 0, for every scenario", () => {
    const none = serializeToString(createRowSource({ rows: 400, seed: 9 }), "csv");
    for (const scenario of SCENARIOS) {
      assert.equal(serializeToString(createRowSource({ rows: 400, seed: 9, scenario, magnitude: 0 }), "csv"), none, scenario);
    }
  });

  it("prints each number in CSV and JSON exactly as String(n) and JSON.stringify do", () => {
    for (const schema of ["credit", "legacy"] as const) {
      for (const scenario of SCENARIOS.filter((s) => SCENARIO_INFO[s].schemas.includes(schema))) {
        const o: GenerateOptions = { schema, rows: 700, seed: 21, scenario, magnitude: 0.7 };
        const rows = rowsOf(o);
        const csv = columnsOf(o).join(",") + "\n" + rows.map((r) => Object.values(r).map((v) => (v === null ? "" : String(v))).join(",") + "\n").join("");
        assert.equal(serializeToString(createRowSource(o), "csv"), csv, `${schema} ${scenario} csv`);
        assert.equal(serializeToString(createRowSource(o), "json"), JSON.stringify(rows) + "\n", `${schema} ${scenario} json`);
        assert.equal(serializeToString(createRowSource(o), "ndjson"), rows.map((r) => JSON.stringify(r) + "\n").join(""), `${schema} ${scenario} ndjson`);
      }
    }
  });

  it("drops the label column when asked and makes feat columns for the legacy table", () => {
    assert.deepEqual(Object.keys(rowsOf({ rows: 1, seed: 1, label: false })[0]), [...FEATURE_NAMES]);
    assert.deepEqual(Object.keys(rowsOf({ rows: 1, seed: 1, schema: "legacy", cols: 3 })[0]), ["feat0", "feat1", "feat2"]);
  });

  it("hands out chunks that add up to the batch", () => {
    const chunks = [...generateChunks({ rows: 2500, seed: 4 }, 1000)];
    assert.deepEqual(chunks.map((c) => c.length), [1000, 1000, 500]);
    assert.deepEqual(chunks.flat(), rowsOf({ rows: 2500, seed: 4 }));
  });

  it("names the parameter and the allowed range for every bad option", () => {
    const bad: [Partial<GenerateOptions>, string, RegExp][] = [
      [{ rows: 0 }, "rows", /1 to 1000000/],
      [{ rows: MAX_ROWS + 1 }, "rows", /1 to 1000000/],
      [{ rows: 1.5 }, "rows", /integer/],
      [{ seed: -1 }, "seed", /0 to 4294967295/],
      [{ seed: 2 ** 32 }, "seed", /0 to 4294967295/],
      [{ magnitude: 1.01 }, "magnitude", /0 to 1/],
      [{ magnitude: Number.NaN }, "magnitude", /0 to 1/],
      [{ scenario: "tsunami" }, "scenario", /allowed: none, mean_shift/],
      [{ scenario: "concept", schema: "legacy" }, "scenario", /needs schema=credit/],
      [{ schema: "xml" as never }, "schema", /credit, legacy/],
      [{ schema: "legacy", cols: 31 }, "cols", /2 to 30/],
      [{ driftProb: 2 }, "driftProb", /0 to 1/],
    ];
    for (const [o, parameter, message] of bad) {
      assert.throws(
        () => createRowSource({ rows: 10, seed: 1, ...o }),
        (e: unknown) => e instanceof ScenarioError && e.parameter === parameter && message.test(e.message),
        JSON.stringify(o),
      );
    }
  });

  it("makes the initial reference the credit batch of INITIAL_REFERENCE, with labels", () => {
    const csv = referenceCsv().toString("utf8");
    const o = referenceOptions();
    assert.equal(csv, serializeToString(createRowSource(o), "csv"));
    const lines = csv.trimEnd().split("\n");
    assert.equal(lines.length, o.rows + 1);
    assert.equal(lines[0], [...FEATURE_NAMES, LABEL].join(","));
    const row: Row = {};
    lines[1].split(",").forEach((v, i) => (row[lines[0].split(",")[i]] = /^-?[\d.]+$/.test(v) ? Number(v) : v));
    assert.equal(row[LABEL], labelOf(row));
  });
});
