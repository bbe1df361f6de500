import { strict as assert } from "node:assert";
import { ConfigError, boolEnv, enumEnv, floatEnv, intEnv, urlEnv } from "../../lib/env";

describe("environment readers", () => {
  it("names the variable and the allowed range when an integer is out of bounds", () => {
    assert.throws(() => intEnv({ DRIFT_ROWS: "99" }, "DRIFT_ROWS", { min: 100, max: 10000 }), (e: Error) => e instanceof ConfigError && /DRIFT_ROWS=99 .*100\.\.10000/.test(e.message));
    assert.throws(() => intEnv({ DRIFT_ROWS: "1.5" }, "DRIFT_ROWS", { min: 100, max: 10000 }), /not an integer/);
    assert.equal(intEnv({}, "DRIFT_ROWS", { min: 100, max: 10000, fallback: 1000 }), 1000);
  });

  it("rejects non-finite floats and unknown enum values with the allowed set", () => {
    assert.throws(() => floatEnv({ P: "NaN" }, "P", { min: 0, max: 1 }), /P="NaN" is not a number/);
    assert.equal(floatEnv({ P: "0.25" }, "P", { min: 0, max: 1 }), 0.25);
    assert.throws(() => enumEnv({ F: "xml" }, "F", ["csv", "json"] as const), /allowed: csv, json/);
  });

  it("parses booleans strictly and URLs without a trailing slash", () => {
    assert.equal(boolEnv({ B: "yes" }, "B", false), true);
    assert.throws(() => boolEnv({ B: "maybe" }, "B", false), /not a boolean/);
    assert.equal(urlEnv({ U: "http://mlflow:5000/" }, "U"), "http://mlflow:5000");
    assert.throws(() => urlEnv({ U: "ftp://x" }, "U"), /http/);
  });
});
