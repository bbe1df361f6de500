/**
 * Numbers written as text (query parameters, environment variables, command-line flags,
 * Pulumi config, training data cells): the one reading every workload and the Pulumi
 * program use. Only plain decimal notation is a number. JavaScript's Number() also reads
 * "0x10", "0b11", "0o7", "Infinity", " 5 " and "" (as 0), and an integer check after it lets
 * "1e3" through: none of that is what a documented setting allows.
 */

/** A decimal integer: an optional sign and digits ("42", "-3", "007"). No exponent, fraction, prefix or spaces. */
export const DECIMAL_INTEGER = /^[+-]?\d+$/;

/** A decimal number: an optional sign, digits with an optional fraction, an optional exponent ("0.25", ".5", "1e-3", "-2E+2"). */
export const DECIMAL_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The integer `text` spells in decimal, or undefined when it is anything else (a fraction,
 * an exponent, hex/binary/octal, spaces, empty). Callers check the range: digits beyond
 * 2^53 read as a large number that no range here allows.
 */
export function parseDecimalInteger(text: string): number | undefined {
  if (!DECIMAL_INTEGER.test(text)) return undefined;
  const n = Number(text);
  return n === 0 ? 0 : n; // "-0" is 0
}

/**
 * The number `text` spells in decimal, or undefined when it is anything else, including a
 * number beyond the range of a 64-bit float ("1e400", which Number() reads as Infinity).
 */
export function parseDecimalNumber(text: string): number | undefined {
  if (!DECIMAL_NUMBER.test(text)) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  return n === 0 ? 0 : n;
}
