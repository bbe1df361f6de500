import { strict as assert } from "node:assert";
import fc from "fast-check";
import { parseDecimalInteger, parseDecimalNumber } from "../../lib/numbers";

describe("numbers written as text (lib/numbers.ts)", () => {
  it("reads plain decimal integers only", () => {
    const ok: [string, number][] = [["0", 0], ["42", 42], ["-3", -3], ["+7", 7], ["007", 7], ["-0", 0], ["4294967295", 4294967295]];
    for (const [text, n] of ok) assert.equal(parseDecimalInteger(text), n, text);
    assert.ok(Object.is(parseDecimalInteger("-0"), 0), "-0 reads as 0");
    for (const text of ["1e3", "0x10", "0b11", "0o7", "1.5", "1.", ".5", "", " ", " 5", "5 ", "Infinity", "NaN", "--1", "+-1", "1_000", "١٢"]) {
      assert.equal(parseDecimalInteger(text), undefined, JSON.stringify(text));
    }
  });

  it("reads plain decimal numbers, with a fraction and exponent, and refuses what overflows a double", () => {
    const ok: [string, number][] = [["0.25", 0.25], [".5", 0.5], ["5.", 5], ["1e-3", 0.001], ["-2E+2", -200], ["+1", 1], ["1e308", 1e308]];
    for (const [text, n] of ok) assert.equal(parseDecimalNumber(text), n, text);
    for (const text of ["0x10", "0b11", "0o7", "Infinity", "-Infinity", "NaN", "1e400", "-1e400", "", " 0.5", "0.5 ", ".", "e5", "1e", "1,5"]) {
      assert.equal(parseDecimalNumber(text), undefined, JSON.stringify(text));
    }
  });

  it("gives back every integer and double as JavaScript prints it, and nothing Number() reads in another notation", () => {
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => parseDecimalInteger(String(n)) === (n === 0 ? 0 : n)));
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => parseDecimalNumber(String(d)) === (d === 0 ? 0 : d)));
    const other = fc.oneof(
      fc.nat().map((n) => `0x${n.toString(16)}`),
      fc.nat().map((n) => `0b${n.toString(2)}`),
      fc.nat().map((n) => `0o${n.toString(8)}`),
      fc.nat().map((n) => ` ${n}`),
      fc.nat().map((n) => `${n}\n`),
    );
    fc.assert(fc.property(other, (text) => Number.isFinite(Number(text)) && parseDecimalNumber(text) === undefined && parseDecimalInteger(text) === undefined));
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 9 }), (m, e) => parseDecimalInteger(`${m}e${e}`) === undefined));
  });
});
