/**
 * Cleaning and typing of one column, both sides, as Evidently's DataDriftPreset does it
 * on two files read by pandas (README.md "Column type and values"):
 * - the type comes from the reference side: numeric when pandas holds it as numbers,
 *   categorical when it holds text or booleans (Evidently's `process_columns` looks at
 *   the reference only);
 * - a numeric column whose current side holds text cannot be compared (Evidently stops
 *   on it): a ColumnError naming a value;
 * - categorical values are compared as pandas holds them: text by its exact spelling,
 *   numbers by value (1 == 1.0, True == 1), and a number never equals a text ("1.5" read
 *   as text is not the number 1.5 of a numeric side).
 * +-Infinity and NaN (numeric) or null (categorical) are missing and dropped.
 * Numeric sides are sorted once here and reused by every method.
 */
import type { Column, ColumnType, SideSummary } from "../types.js";
import { sortFloat64 } from "./sort.js";

export interface NumericSides {
  kind: "num";
  /** Sorted ascending, finite values only. */
  reference: Float64Array;
  current: Float64Array;
  /** pandas would hold the side as int64 (numpy bins it with width >= 1). */
  referenceInteger: boolean;
  currentInteger: boolean;
  referenceSummary: SideSummary;
  currentSummary: SideSummary;
}

export interface CategoricalSides {
  kind: "cat";
  /** Counts per category key (see `catKey`). */
  reference: Map<string, number>;
  current: Map<string, number>;
  /** What a person sees for each key: the text, or the number as pandas prints it. */
  labels: Map<string, string>;
  /** Non-missing values per side. */
  referenceSize: number;
  currentSize: number;
  referenceSummary: SideSummary;
  currentSummary: SideSummary;
}

export type PreparedColumn = NumericSides | CategoricalSides;

/** A problem with one column: reported for that column, the run goes on. */
export class ColumnError extends Error {}

/** Strings that Number() would accept but that are not numbers in a data file. */
const NUMERIC_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|infinity)$|^nan$/i;

function parseNumber(s: string): number {
  const t = s.trim();
  if (!NUMERIC_RE.test(t)) return NaN;
  const l = t.toLowerCase();
  if (l === "nan") return NaN;
  if (l.endsWith("inf") || l.endsWith("infinity")) return l.startsWith("-") ? -Infinity : Infinity;
  return Number(t);
}

/** null, and "" (pandas reads an empty field as missing; callers of the array API may pass one). */
const isMissingString = (v: string | null): v is null => v === null || v === undefined || v === "";

/** The first non-missing value that does not parse as a number, if any. */
function firstNonNumeric(values: (string | null)[]): string | undefined {
  for (const v of values) {
    if (isMissingString(v)) continue;
    if (!NUMERIC_RE.test(v.trim())) return v;
  }
  return undefined;
}

function toFloat(values: (string | null)[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = isMissingString(v) ? NaN : parseNumber(v);
  }
  return out;
}

/** A user value quoted in a message, shortened so a huge cell cannot flood it. */
export function quoteValue(v: string, max = 60): string {
  return JSON.stringify(v.length > max ? `${v.slice(0, max)}…` : v) + (v.length > max ? ` (${v.length.toLocaleString("en-US")} characters)` : "");
}

function numericSide(values: Float64Array): { sorted: Float64Array; summary: SideSummary } {
  const buf = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v - v is 0 for finite v and NaN for NaN and +-Infinity.
    if (v - v === 0) buf[n++] = v;
  }
  const sorted = sortFloat64(n === values.length ? buf : buf.slice(0, n));
  const summary: SideSummary = { count: values.length, missing: values.length - n };
  if (n > 0) {
    // Summed in sorted order, so the result does not depend on row order.
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i];
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = sorted[i] - mean;
      ss += d * d;
    }
    summary.mean = mean;
    summary.std = Math.sqrt(ss / n);
    summary.min = sorted[0];
    summary.max = sorted[n - 1];
  }
  return { sorted, summary };
}

/**
 * Category keys: "t" + the text for a text value, "n" + the number for a number (a
 * numeric side, or a boolean side: True = 1, False = 0, as Python compares them). So
 * numbers match numbers by value and never match a text.
 */
export function textKey(v: string): string {
  return "t" + v;
}
export function numberKey(v: number): string {
  return "n" + String(v === 0 ? 0 : v); // -0 == 0
}
/** Order of keys: numbers ascending, then texts by code unit (deterministic results). */
export function compareCatKeys(a: string, b: string): number {
  const na = a.charCodeAt(0) === 0x6e;
  const nb = b.charCodeAt(0) === 0x6e;
  if (na && nb) return Number(a.slice(1)) - Number(b.slice(1));
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Python's repr of a float ("7.0", "1.5", "1e+16", "1e-05"): how pandas shows a float64 value. */
export function pythonFloatRepr(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const [mant, e] = v.toExponential().split("e");
  const exp = Number(e);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  let out: string;
  if (exp >= -4 && exp < 16) {
    if (exp >= digits.length - 1) out = digits + "0".repeat(exp - digits.length + 1) + ".0";
    else if (exp >= 0) out = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
    else out = "0." + "0".repeat(-exp - 1) + digits;
  } else {
    const m = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    out = `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return neg ? "-" + out : out;
}

function categoricalSide(col: Column, labels: Map<string, string>): { counts: Map<string, number>; size: number; summary: SideSummary } {
  const values = col.values;
  const counts = new Map<string, number>();
  let size = 0;
  if (col.kind === "num") {
    const raw = new Map<number, number>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) continue;
      const k = v === 0 ? 0 : v;
      raw.set(k, (raw.get(k) ?? 0) + 1);
      size++;
    }
    for (const [v, c] of raw) {
      const key = numberKey(v);
      counts.set(key, c);
      if (!labels.has(key)) labels.set(key, col.integer ? String(v) : pythonFloatRepr(v));
    }
  } else {
    const raw = new Map<string, number>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as string | null;
      if (isMissingString(v)) continue;
      const c = raw.get(v);
      raw.set(v, c === undefined ? 1 : c + 1);
      size++;
    }
    for (const [v, c] of raw) {
      const key = col.bool ? numberKey(v === "True" ? 1 : 0) : textKey(v);
      counts.set(key, (counts.get(key) ?? 0) + c);
      if (!labels.has(key)) labels.set(key, v);
    }
  }
  return { counts, size, summary: { count: values.length, missing: values.length - size, distinct: counts.size } };
}

/** The numbers of a boolean side (True = 1, False = 0, missing = NaN), as numpy sees a bool column. */
function boolAsNumbers(values: (string | null)[]): Float64Array {
  return Float64Array.from(values, (v) => (v === null ? NaN : v === "True" ? 1 : 0));
}

/**
 * Decide the column type from both sides and clean them. `forceType` (from the options,
 * like Evidently's column mapping) overrides the decision: "cat" compares the values as
 * categories (numbers by value, texts by spelling); "num" on non-numeric values is an error.
 */
export function prepareColumn(reference: Column, current: Column, forceType?: ColumnType): PreparedColumn {
  let ref: Column = reference;
  let cur: Column = current;
  // Evidently: numeric when the reference side is numeric (booleans are categorical).
  const type: ColumnType = forceType ?? (ref.kind === "num" ? "num" : "cat");
  if (type === "num") {
    for (const [side, where] of [
      [ref, "the reference"],
      [cur, "the current data"],
    ] as const) {
      if (side.kind !== "cat") continue;
      // numpy holds a boolean side without missing values as 0/1 numbers; with one, as objects.
      if (side.bool && !side.values.includes(null)) continue;
      const bad = firstNonNumeric(side.values);
      if (bad !== undefined || side.bool) {
        const value = bad !== undefined ? `text such as ${quoteValue(bad)}` : "booleans and missing values";
        if (forceType === "num") throw new ColumnError(`is forced numeric but ${where} has ${value}`);
        throw new ColumnError(
          `is numeric in the reference but ${where} has ${value}; a numeric column is compared only with numbers, and Evidently refuses such a column too (to compare it as categories, force its type to cat: --column-type COLUMN=cat)`,
        );
      }
    }
    const asNum = (c: Column): Column => (c.kind === "num" ? c : c.bool ? { kind: "num", values: boolAsNumbers(c.values) } : { kind: "num", values: toFloat(c.values) });
    ref = asNum(ref);
    cur = asNum(cur);
    if (ref.kind === "num" && cur.kind === "num") {
      const r = numericSide(ref.values);
      const c = numericSide(cur.values);
      return {
        kind: "num",
        reference: r.sorted,
        current: c.sorted,
        referenceInteger: ref.integer === true,
        currentInteger: cur.integer === true,
        referenceSummary: r.summary,
        currentSummary: c.summary,
      };
    }
  }
  const labels = new Map<string, string>();
  const r = categoricalSide(ref, labels);
  const c = categoricalSide(cur, labels);
  return {
    kind: "cat",
    reference: r.counts,
    current: c.counts,
    labels,
    referenceSize: r.size,
    currentSize: c.size,
    referenceSummary: r.summary,
    currentSummary: c.summary,
  };
}
