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

describe("environment readers: numbers in other notations", () => {
  it("refuses exponents, hex, binary and octal for integers, and hex or Infinity for numbers", () => {
    for (const v of ["1e3", "0x10", "0b11", "0o7", "12.0"]) {
      assert.throws(() => intEnv({ N: v }, "N", { min: 0, max: 100000 }), (e: Error) => e instanceof ConfigError && e.message === `N=${JSON.stringify(v)} is not an integer in decimal digits; allowed: 0..100000`, v);
    }
    for (const v of ["0x1", "0b1", "Infinity", "1e400"]) {
      assert.throws(() => floatEnv({ P: v }, "P", { min: 0, max: 1e300 }), (e: Error) => e instanceof ConfigError && e.message.startsWith(`P=${JSON.stringify(v)} is not a number in decimal notation`), v);
    }
    assert.equal(intEnv({ N: " 42 " }, "N", { min: 0, max: 100 }), 42, "surrounding spaces of an env value are trimmed, as before");
    assert.equal(floatEnv({ P: "5e-1" }, "P", { min: 0, max: 1 }), 0.5);
  });
});
