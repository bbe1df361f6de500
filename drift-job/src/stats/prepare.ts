/**
 * Cleaning and typing of one column, both sides (drift-methods.md "Cleaning"):
 * +-Infinity and NaN (numeric) or null / "" (categorical) are missing and dropped; the
 * column is numeric when every non-missing value of both sides is a number.
 * Numeric sides are sorted once here and reused by every method.
 */
import type { Column, ColumnType, SideSummary } from "../types.js";
import { sortFloat64 } from "./sort.js";

export interface NumericSides {
  kind: "num";
  /** Sorted ascending, finite values only. */
  reference: Float64Array;
  current: Float64Array;
  referenceSummary: SideSummary;
  currentSummary: SideSummary;
}

export interface CategoricalSides {
  kind: "cat";
  reference: Map<string, number>;
  current: Map<string, number>;
  /** Non-missing values per side. */
  referenceSize: number;
  currentSize: number;
  referenceSummary: SideSummary;
  currentSummary: SideSummary;
}

export type PreparedColumn = NumericSides | CategoricalSides;

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

const isMissingString = (v: string | null): v is null => v === null || v === "" || v === undefined;

/** True when every non-missing string parses as a number. */
function allNumeric(values: (string | null)[]): boolean {
  for (const v of values) {
    if (isMissingString(v)) continue;
    const t = v.trim().toLowerCase();
    if (t === "nan") continue;
    if (!NUMERIC_RE.test(t)) return false;
  }
  return true;
}

function toFloat(values: (string | null)[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = isMissingString(v) ? NaN : parseNumber(v);
  }
  return out;
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

function numberKey(v: number): string {
  return String(v);
}

function categoricalSide(values: (string | null)[] | Float64Array): { counts: Map<string, number>; size: number; summary: SideSummary } {
  const counts = new Map<string, number>();
  let size = 0;
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      const key = numberKey(v);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      size++;
    }
  } else {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (isMissingString(v)) continue;
      const c = counts.get(v);
      counts.set(v, c === undefined ? 1 : c + 1);
      size++;
    }
  }
  return { counts, size, summary: { count: values.length, missing: values.length - size, distinct: counts.size } };
}

/**
 * Decide the column type from both sides and clean them. `forceType` (from the
 * options) overrides the decision: "cat" turns numbers into their decimal strings;
 * "num" on non-numeric values is an error.
 */
export function prepareColumn(reference: Column, current: Column, forceType?: ColumnType): PreparedColumn {
  let ref: Column = reference;
  let cur: Column = current;
  // A side read as text whose values are all numbers after all is numeric.
  if (ref.kind === "cat" && cur.kind === "num" && allNumeric(ref.values)) ref = { kind: "num", values: toFloat(ref.values) };
  if (cur.kind === "cat" && ref.kind === "num" && allNumeric(cur.values)) cur = { kind: "num", values: toFloat(cur.values) };
  let type: ColumnType = ref.kind === "num" && cur.kind === "num" ? "num" : "cat";
  if (forceType === "num" && type === "cat") {
    if (ref.kind === "cat" && !allNumeric(ref.values)) throw new ColumnError("is forced numeric but has non-numeric values in the reference");
    if (cur.kind === "cat" && !allNumeric(cur.values)) throw new ColumnError("is forced numeric but has non-numeric values in the current data");
    if (ref.kind === "cat") ref = { kind: "num", values: toFloat(ref.values) };
    if (cur.kind === "cat") cur = { kind: "num", values: toFloat(cur.values) };
    type = "num";
  } else if (forceType === "cat") {
    type = "cat";
  }
  if (type === "num" && ref.kind === "num" && cur.kind === "num") {
    const r = numericSide(ref.values);
    const c = numericSide(cur.values);
    return { kind: "num", reference: r.sorted, current: c.sorted, referenceSummary: r.summary, currentSummary: c.summary };
  }
  const r = categoricalSide(ref.values);
  const c = categoricalSide(cur.values);
  return {
    kind: "cat",
    reference: r.counts,
    current: c.counts,
    referenceSize: r.size,
    currentSize: c.size,
    referenceSummary: r.summary,
    currentSummary: c.summary,
  };
}

/** A problem with one column: reported for that column, the run goes on. */
export class ColumnError extends Error {}
