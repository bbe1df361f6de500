/**
 * The methods on plain arrays, for tests and for callers outside computeDrift (e.g.
 * prediction drift). Numbers (NaN = missing) make a numeric column, strings (null =
 * missing) a categorical one; cleaning and binning are the same as in computeDrift.
 */
import type { Column, StatTestId } from "../types.js";
import { binColumn, scoreColumn } from "./compute.js";
import { ColumnError, prepareColumn, type PreparedColumn } from "./prepare.js";
import { METHODS } from "./select.js";

/** A Float64Array is a float64 column; pass a `Column` to say more (e.g. `integer: true` for int64 data). */
export type Values = ArrayLike<number> | readonly (string | null)[] | Column;

function toColumn(values: Values): Column {
  if (isColumn(values)) return values;
  if (values instanceof Float64Array) return { kind: "num", values };
  const arr = Array.from(values as ArrayLike<number | string | null>);
  if (arr.every((v) => typeof v === "number")) return { kind: "num", values: Float64Array.from(arr as number[]) };
  return { kind: "cat", values: arr.map((v) => (v === null || v === undefined ? null : String(v))) };
}

function isColumn(v: Values): v is Column {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && "kind" in v;
}

function prepared(reference: Values, current: Values): PreparedColumn {
  const col = prepareColumn(toColumn(reference), toColumn(current));
  const nRef = col.kind === "num" ? col.reference.length : col.referenceSize;
  const nCur = col.kind === "num" ? col.current.length : col.currentSize;
  if (nRef === 0 || nCur === 0) throw new ColumnError(`no values in the ${nRef === 0 ? "reference" : "current"} sample after dropping missing values`);
  return col;
}

export interface StatTestResult {
  stattest: StatTestId;
  score: number;
  threshold: number;
  detected: boolean;
}

/** Run one method on two samples, as Evidently's stattest of that id. */
export function statTest(method: StatTestId, reference: Values, current: Values, threshold?: number): StatTestResult {
  const info = METHODS[method];
  if (!info) throw new Error(`unknown stattest "${String(method)}"; allowed: ${Object.keys(METHODS).join(", ")}`);
  const col = prepared(reference, current);
  if (!info.types.includes(col.kind)) throw new ColumnError(`stattest "${method}" cannot be used on ${col.kind === "num" ? "numeric" : "categorical"} data`);
  const score = scoreColumn(method, col, binColumn(col));
  const t = threshold ?? info.defaultThreshold;
  return { stattest: method, score, threshold: t, detected: Number.isNaN(score) ? false : info.detect(score, t) };
}

/** Population Stability Index on Evidently's bins. */
export const psi = (reference: Values, current: Values): number => statTest("psi", reference, current).score;
/** Kullback-Leibler divergence KL(reference || current) on Evidently's bins. */
export const klDiv = (reference: Values, current: Values): number => statTest("kl_div", reference, current).score;
/** Jensen-Shannon distance (natural log) on Evidently's bins. */
export const jensenShannon = (reference: Values, current: Values): number => statTest("jensenshannon", reference, current).score;
/** Wasserstein-1 distance divided by max(std of reference, 0.001). */
export const wasserstein = (reference: Values, current: Values): number => statTest("wasserstein", reference, current).score;
/** Hellinger distance (Evidently's categorical or numeric variant). */
export const hellinger = (reference: Values, current: Values): number => statTest("hellinger", reference, current).score;
/** Chi-square test p-value of current counts against reference shares. */
export const chiSquareTest = (reference: Values, current: Values): number => statTest("chisquare", reference, current).score;
/** Two-proportion z-test p-value (smallest value vs the rest). */
export const zTest = (reference: Values, current: Values): number => statTest("z", reference, current).score;
