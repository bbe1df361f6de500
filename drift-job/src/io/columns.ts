/**
 * Building one column of a `Dataset` from text values, as they come from a CSV or NDJSON
 * file, the way pandas' `read_csv` reads them with its defaults (so a file reads here the
 * way it reads for Evidently):
 * - a value is missing when it is exactly one of pandas' NA spellings (`NA_STRINGS`, no
 *   trimming: " NA" is text);
 * - a side is numeric while every non-missing value is a decimal number (spaces and tabs
 *   around it allowed, as pandas' parser allows them) or exactly inf / infinity (any case,
 *   optional sign), not beyond float64 ("1e400" is text, as pandas keeps it); it is an
 *   integer column (pandas int64) when every value is spelled as an integer ("0.0" is a
 *   float) and none is missing;
 * - otherwise the side is text and every value keeps its exact spelling (" red" stays
 *   " red", "1.50" stays "1.50"); a text side whose values are all True/TRUE/true/False/
 *   FALSE/false is read as booleans ("True" / "False").
 */
import type { Column } from "../types";

/** pandas' default `na_values` (plus the empty field): exactly these read as missing. */
export const NA_STRINGS: ReadonlySet<string> = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
]);

/** pandas' default true_values / false_values. */
const TRUE_STRINGS: ReadonlySet<string> = new Set(["True", "TRUE", "true"]);
const FALSE_STRINGS: ReadonlySet<string> = new Set(["False", "FALSE", "false"]);

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;
/** The whitespace pandas' number parser skips around a number (C isspace). */
const EDGE_SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/** Whether the last number parsed by `parseNumberText` or the byte fast path was spelled as an integer. */
let lastIntegerSpelling = false;

/**
 * The number a text value stands for, as pandas' parser reads it: a finite number,
 * +-Infinity, NaN for a missing value, or undefined when the text is not a number (the
 * side is text). Decimal notation with an optional exponent, spaces around it allowed;
 * not hex, not "1_000", not " inf".
 */
export function parseNumberText(text: string): number | undefined {
  if (NA_STRINGS.has(text)) return NaN;
  const t = text.replace(EDGE_SPACE, "");
  if (DECIMAL.test(t)) {
    const v = Number(t);
    // Beyond float64 ("1e400"): pandas' parser fails and keeps the side as text.
    if (!Number.isFinite(v)) return undefined;
    lastIntegerSpelling = INTEGER.test(t);
    return v;
  }
  const inf = INFINITY.exec(text);
  if (inf) {
    lastIntegerSpelling = false;
    return inf[1] === "-" ? -Infinity : Infinity;
  }
  return undefined;
}

/** True when `text` is one of pandas' boolean spellings. */
export function isBoolText(text: string): boolean {
  return TRUE_STRINGS.has(text) || FALSE_STRINGS.has(text);
}

/** 10^k for k = 0..22: exactly representable, so mantissa / 10^k is correctly rounded. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

const SPACE = 0x20;
const TAB = 0x09;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Fast path of `parseNumberText` for bytes: plain decimals ("-12.5", "0.000123", "42",
 * "1378.1309361001252"). The result equals `Number(text)` exactly: up to 15 digits the
 * integer mantissa and 10^k are exact doubles and one IEEE division rounds correctly; 16
 * to 17 digits go through an exact double-double residual check (`longDecimal`), which
 * falls back to `Number()` whenever the answer is within a hair of a rounding tie.
 * Returns undefined when the field needs the general path.
 */
function fastNumber(buf: Buffer, start: number, end: number): number | undefined {
  let i = start;
  let neg = false;
  const c0 = buf[i];
  if (c0 === MINUS) {
    neg = true;
    i++;
  } else if (c0 === PLUS) i++;
  const unsigned = i; // the fallbacks parse the digits without the sign, which is applied below
  let mantissa = 0;
  let low = 0; // digits after the 15th, as an integer
  let lowDigits = 0;
  let digits = 0;
  let frac = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = buf[i];
    if (c >= ZERO && c <= NINE) {
      if (digits < 15) mantissa = mantissa * 10 + (c - ZERO);
      else {
        low = low * 10 + (c - ZERO);
        lowDigits++;
      }
      digits++;
      if (dot) frac++;
    } else if (c === DOT && !dot) dot = true;
    else return undefined;
  }
  if (digits === 0) return undefined;
  lastIntegerSpelling = !dot;
  let v: number;
  if (digits <= 15) v = frac === 0 ? mantissa : mantissa / POW10[frac];
  else if (digits <= 17 && frac <= 22) v = longDecimal(mantissa, low, lowDigits, frac, buf, unsigned, end);
  else v = Number(buf.toString("latin1", unsigned, end));
  if (v === Infinity) return undefined; // beyond float64: the general path decides (text, as pandas)
  return neg ? -v : v;
}

// Error-free transformations (Dekker, Knuth) for the exact residual of a 16-17 digit decimal.
const SPLITTER = 134217729; // 2^27 + 1
let prodErr = 0;
function twoProd(a: number, b: number): number {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  prodErr = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}
let sumErr = 0;
function twoSum(a: number, b: number): number {
  const s = a + b;
  const bb = s - a;
  sumErr = a - (s - bb) + (b - bb);
  return s;
}
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1; // little-endian: low word first
/** The next double above a positive finite `x`. */
function nextUp(x: number): number {
  F64[0] = x;
  if (U32[LO] === 0xffffffff) {
    U32[LO] = 0;
    U32[1 - LO]++;
  } else U32[LO]++;
  return F64[0];
}
/** The next double below a positive finite `x`. */
function nextDown(x: number): number {
  F64[0] = x;
  if (U32[LO] === 0) {
    U32[LO] = 0xffffffff;
    U32[1 - LO]--;
  } else U32[LO]--;
  return F64[0];
}

/**
 * The correctly rounded value of (hi * 10^lowDigits + low) / 10^frac, where hi holds the
 * first 15 digits and lowDigits is 1 or 2: the mantissa is held exactly as a double-double,
 * the quotient's residual decides between the two nearest doubles, and a near-tie is left
 * to `Number()`.
 */
function longDecimal(hi: number, low: number, lowDigits: number, frac: number, buf: Buffer, start: number, end: number): number {
  const p = twoProd(hi, POW10[lowDigits]);
  const pe = prodErr;
  const s = twoSum(p, low);
  const mH = twoSum(s, sumErr + pe); // m = mH + mL exactly, mH = the double nearest m
  const mL = sumErr;
  if (frac === 0) return mH;
  const P = POW10[frac];
  const q = mH / P;
  if (!(q > 0) || !Number.isFinite(q)) return Number(buf.toString("latin1", start, end));
  // r = m - q * P, accurate far beyond what the comparison with half the gap needs.
  const qp = twoProd(q, P);
  const r = mH - qp + (mL - prodErr);
  const other = r > 0 ? nextUp(q) : nextDown(q);
  const half = (Math.abs(other - q) / 2) * P;
  const ar = Math.abs(r);
  if (ar < half * (1 - 1e-9)) return q;
  if (ar > half * (1 + 1e-9) && ar < half * 3) return other;
  return Number(buf.toString("latin1", start, end));
}

/** Known values of a low-cardinality categorical column, matched on bytes to avoid decoding. */
const DICT_LIMIT = 64;

const isEdgeSpace = (c: number) => c === SPACE || c === TAB || (c >= 0x0a && c <= 0x0d);

/** Accumulates one column's values; see the module comment for the typing rule. */
export class ColumnBuilder {
  private nums: Float64Array;
  private cats: (string | null)[] | undefined;
  private n = 0;
  /** A numeric (non-missing) value was stored before the column turned categorical. */
  private numericBeforeCat = false;
  private sawNumber = false;
  /** Every number so far was spelled as an integer. */
  private integerSpelling = true;
  private missing = 0;
  /** Every non-missing text value so far is a boolean spelling. */
  private allBool = true;
  private dictBytes: Uint8Array[] = [];
  private dictStrings: string[] = [];
  private intern = new Map<string, string>();

  constructor(
    readonly name: string,
    capacity = 16,
    /** Store as categorical from the start (a re-read after a late non-numeric value). */
    forceCat = false,
  ) {
    this.nums = new Float64Array(forceCat ? 0 : Math.max(16, capacity));
    if (forceCat) this.cats = [];
  }

  get length(): number {
    return this.n;
  }

  /** True when the column turned categorical after numbers were stored: the text of those is lost, re-read it as categorical. */
  get needsReread(): boolean {
    return this.numericBeforeCat;
  }

  get isCat(): boolean {
    return this.cats !== undefined;
  }

  /** Appends missing values until the column has `rows` values (a key absent from earlier NDJSON rows). */
  padTo(rows: number): void {
    while (this.n < rows) this.pushMissing();
  }

  pushMissing(): void {
    this.missing++;
    if (this.cats) {
      this.cats.push(null);
      this.n++;
    } else this.pushNum(NaN);
  }

  /** Appends the field `buf[start, end)` (already unquoted, no line terminator). */
  addBytes(buf: Buffer, start: number, end: number): void {
    if (start === end) {
      this.pushMissing();
      return;
    }
    if (!this.cats) {
      // pandas' number parser skips spaces around a number; the text keeps them.
      let s = start;
      let e = end;
      while (s < e && isEdgeSpace(buf[s])) s++;
      while (e > s && isEdgeSpace(buf[e - 1])) e--;
      const v = s < e ? fastNumber(buf, s, e) : undefined;
      if (v !== undefined) {
        this.sawNumber = true;
        if (!lastIntegerSpelling) this.integerSpelling = false;
        this.pushNum(v);
        return;
      }
    } else {
      // Low-cardinality categorical columns: reuse the string of a known byte sequence.
      const len = end - start;
      const dict = this.dictBytes;
      for (let d = 0; d < dict.length; d++) {
        const b = dict[d];
        if (b.length !== len) continue;
        let k = 0;
        while (k < len && b[k] === buf[start + k]) k++;
        if (k === len) {
          this.cats.push(this.dictStrings[d]);
          this.n++;
          return;
        }
      }
    }
    const text = buf.toString("utf8", start, end);
    const pushed = this.addText(text);
    if (pushed !== null && this.cats && this.dictBytes.length < DICT_LIMIT) {
      this.dictBytes.push(Uint8Array.prototype.slice.call(buf, start, end)); // a copy, not a view of the chunk
      this.dictStrings.push(pushed);
    }
  }

  /**
   * Appends one text value (its exact spelling). Returns the stored string when it went
   * into a categorical column, null otherwise.
   */
  addText(text: string): string | null {
    if (NA_STRINGS.has(text)) {
      this.pushMissing();
      return null;
    }
    if (!this.cats) {
      const v = parseNumberText(text);
      if (v !== undefined) {
        this.sawNumber = true;
        if (!lastIntegerSpelling) this.integerSpelling = false;
        this.pushNum(v);
        return null;
      }
      this.toCat();
    }
    if (this.allBool && !isBoolText(text)) this.allBool = false;
    let s = this.intern.get(text);
    if (s === undefined) {
      s = text;
      if (this.intern.size < 100_000) this.intern.set(text, text);
    }
    this.cats!.push(s);
    this.n++;
    return s;
  }

  /** Appends a value that is already a number (NDJSON). */
  addNumber(v: number): void {
    if (Number.isNaN(v)) {
      this.pushMissing();
      return;
    }
    if (this.cats) {
      this.allBool = false;
      this.addText(String(v));
      return;
    }
    this.sawNumber = true;
    if (!Number.isInteger(v)) this.integerSpelling = false;
    this.pushNum(v);
  }

  private pushNum(v: number): void {
    if (this.cats) {
      this.cats.push(Number.isNaN(v) ? null : String(v));
      this.n++;
      return;
    }
    if (this.n === this.nums.length) {
      const grown = new Float64Array(this.nums.length * 2);
      grown.set(this.nums);
      this.nums = grown;
    }
    this.nums[this.n++] = v;
  }

  private toCat(): void {
    if (this.sawNumber) {
      this.numericBeforeCat = true;
      this.allBool = false;
    }
    // Earlier values are kept as their shortest number text (only used when the caller cannot re-read).
    const cats: (string | null)[] = new Array(this.n);
    for (let i = 0; i < this.n; i++) cats[i] = Number.isNaN(this.nums[i]) ? null : String(this.nums[i]);
    this.cats = cats;
    this.nums = new Float64Array(0);
  }

  /** The finished column; numeric storage is trimmed to its length. */
  finish(): Column {
    if (this.cats) {
      if (this.allBool && this.missing < this.n) {
        // pandas reads a side of True/true/TRUE/False/... as booleans.
        return { kind: "cat", values: this.cats.map((v) => (v === null ? null : TRUE_STRINGS.has(v) ? "True" : "False")), bool: true };
      }
      return { kind: "cat", values: this.cats };
    }
    // A view when the buffer is nearly full (sized from the file up front): no copy of every column at the end.
    const values = this.nums.length === this.n ? this.nums : this.nums.length - this.n <= this.nums.length / 8 ? this.nums.subarray(0, this.n) : this.nums.slice(0, this.n);
    this.nums = new Float64Array(0);
    // pandas holds a side of integers without missing values as int64 (numpy then bins it with width >= 1).
    const integer = this.n > 0 && this.missing === 0 && this.integerSpelling && this.sawNumber;
    return integer ? { kind: "num", values, integer: true } : { kind: "num", values };
  }
}
