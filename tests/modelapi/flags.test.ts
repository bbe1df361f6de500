import { strict as assert } from "node:assert";
import { UsageError, floatFlag, intFlag } from "../../lib/cli";
import { parseCsvDataset, toCsv } from "../../model-api/src/training/dataset";
import { resolveTraining } from "../../model-api/src/training/train-options";
import { creditRows } from "./fixtures";

describe("model-api flags and data cells: decimal numbers only", () => {
  it("refuses exponent, hex, binary and octal integers, naming the flag and the range", () => {
    for (const v of ["1e3", "0x10", "0b11", "0o7", " 5"]) {
      assert.throws(() => intFlag("rows", v, 100, 1_000_000, 20_000), (e: Error) => e instanceof UsageError && e.message === `--rows must be an integer from 100 to 1000000; got ${JSON.stringify(v)} (decimal digits only)`, v);
    }
    assert.equal(intFlag("rows", "5000", 100, 1_000_000, 20_000), 5000);
  });

  it("refuses hex and Infinity for numbers and accepts decimal fractions and exponents", () => {
    for (const v of ["0x0", "Infinity", "1e400", ""]) {
      assert.throws(() => floatFlag("magnitude", v, 0, 1, 0), (e: Error) => e instanceof UsageError && /^--magnitude must be a number in \[0, 1\]; got .* \(decimal notation only\)$/.test(e.message), v);
    }
    assert.equal(floatFlag("magnitude", "5e-1", 0, 1, 0), 0.5);
  });

  it("checks --scenario with the drifter's own parser: no empty items, no unknown names", () => {
    assert.throws(() => resolveTraining({ generate: true, scenario: "none,,mean_shift" }, {}), (e: Error) => e instanceof UsageError && /--scenario="none,,mean_shift": item 2 of the scenario list "none,,mean_shift" is empty/.test(e.message));
    assert.throws(() => resolveTraining({ generate: true, scenario: "flood" }, {}), /--scenario="flood": scenario "flood" is unknown; allowed: none, mean_shift/);
    const ok = resolveTraining({ generate: true, scenario: "mean_shift,concept" }, {});
    assert.equal(ok.source.kind === "generate" && ok.source.scenario, "mean_shift,concept");
  });

  it("reads a training cell like 0x10 as text, not as 16, and names it", () => {
    const csv = toCsv(creditRows(3, 1)).split("\n");
    csv[2] = csv[2].replace(/^\d+,/, "0x1e,");
    assert.throws(() => parseCsvDataset(csv.join("\n"), "t.csv"), /t\.csv line 3: age: "0x1e" is not a number/);
  });
});
