/**
 * computeDrift: every column of two datasets through cleaning, method choice, binning
 * and scoring, then dataset drift by share (drift-methods.md). Pure: no I/O.
 */
import type { Column, ColumnDrift, ColumnType, Dataset, DatasetDrift, DriftOptions, Histogram, SideSummary, StatTestId } from "../types.js";
import {
  MAX_VALUE_BINS,
  distinctSorted,
  distinctUnionSorted,
  histogramSorted,
  sturgesEdges,
  toShares,
  valueCountsMaps,
  valueCountsSorted,
  type ValueCounts,
} from "./binning.js";
import {
  densities,
  hellingerFromDensities,
  hellingerFromShares,
  jensenShannonFromShares,
  klDivFromShares,
  psiFromShares,
  wassersteinNormSorted,
} from "./distances.js";
import { ksTestSorted } from "./ks.js";
import { ColumnError, compareCatKeys, prepareColumn, type PreparedColumn } from "./prepare.js";
import { DRIFT_SETTINGS, MIN_SAMPLE_SIZE } from "../../../lib/settings.js";
import { METHODS, chosenStatTest, chosenThreshold, defaultStatTest, validateOptions } from "./select.js";
import { chiSquareFromCounts, zTestFromCounts } from "./categorical-pvalues.js";

/** Largest number of bins shown in a report histogram (the rest is folded into "(other)"). */
export const MAX_REPORT_BINS = 50;
/** Dataset drift when at least this share of the columns drifted, unless options.driftShare says otherwise. */
export const DEFAULT_DRIFT_SHARE: number = DRIFT_SETTINGS.driftShare.default!;
/** Fewest non-missing values per side for a drift decision, unless options.minSampleSize says otherwise. */
export const DEFAULT_MIN_SAMPLE_SIZE: number = MIN_SAMPLE_SIZE.default;
/** Longest category label in a report; longer values are cut and marked (a cell may be megabytes). */
export const MAX_LABEL_LENGTH = 120;

/** Bins of one column: counts per side on numeric edges or per distinct value. */
export interface Binned {
  edges?: Float64Array;
  keys?: (string | number)[];
  reference: Float64Array;
  current: Float64Array;
  referenceSize: number;
  currentSize: number;
}

/** Counts per distinct value of the union, for either kind of column. */
export function valueCounts(col: PreparedColumn): ValueCounts<string | number> {
  return col.kind === "num" ? valueCountsSorted(col.reference, col.current) : valueCountsMaps(col.reference, col.current);
}

function sizes(col: PreparedColumn): [number, number] {
  return col.kind === "num" ? [col.reference.length, col.current.length] : [col.referenceSize, col.currentSize];
}

/** The psi / kl_div / jensenshannon binning of a prepared column (Evidently `get_binned_data`). */
export function binColumn(col: PreparedColumn): Binned {
  const [nRef, nCur] = sizes(col);
  if (col.kind === "num" && distinctSorted(col.reference, MAX_VALUE_BINS + 1) > MAX_VALUE_BINS) {
    const min = Math.min(col.reference[0], col.current[0]);
    const max = Math.max(col.reference[nRef - 1], col.current[nCur - 1]);
    const edges = sturgesEdges(min, max, nRef + nCur, () => integerData(col));
    return {
      edges,
      reference: histogramSorted(col.reference, edges),
      current: histogramSorted(col.current, edges),
      referenceSize: nRef,
      currentSize: nCur,
    };
  }
  const vc = valueCounts(col);
  return { keys: vc.keys, reference: vc.reference, current: vc.current, referenceSize: nRef, currentSize: nCur };
}

/**
 * Whether numpy bins this column with an integer bin width (width >= 1), as in
 * Evidently's `get_binned_data`: it takes the edges of the reference and current values
 * concatenated by pandas, an int64 array only when both sides are int64 (every value
 * spelled as an integer, none missing, on both sides).
 */
export function integerData(col: PreparedColumn): boolean {
  return col.kind === "num" && col.referenceInteger && col.currentInteger;
}

/**
 * The same for Evidently's numeric hellinger: its edges come from
 * `list(set(reference.unique()) | set(current.unique()))`, where a value present on both
 * sides keeps the reference's element; the list is an int64 array when the reference is
 * int64 and every current value is either int64 too or already in the reference.
 */
export function hellingerIntegerData(col: PreparedColumn): boolean {
  if (col.kind !== "num" || !col.referenceInteger) return false;
  if (col.currentInteger) return true;
  const r = col.reference;
  const c = col.current;
  let i = 0;
  for (let j = 0; j < c.length; j++) {
    while (i < r.length && r[i] < c[j]) i++;
    if (i >= r.length || r[i] !== c[j]) return false;
  }
  return true;
}

/** A category label as shown in a report: cut at MAX_LABEL_LENGTH characters, the cut marked with the full length. */
export function clipLabel(label: string): string {
  if (label.length <= MAX_LABEL_LENGTH) return label;
  return `${label.slice(0, MAX_LABEL_LENGTH)}… (${label.length.toLocaleString("en-US")} characters)`;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/** A report histogram (at most MAX_REPORT_BINS bins) from a column's bins. */
export function reportHistogram(col: PreparedColumn, binned: Binned): Histogram {
  let bins: string[];
  let rc: number[];
  let cc: number[];
  let edges: number[] | undefined;
  if (binned.edges) {
    edges = Array.from(binned.edges);
    const k = edges.length - 1;
    bins = [];
    for (let i = 0; i < k; i++) bins.push(`[${fmt(edges[i])}, ${fmt(edges[i + 1])}${i === k - 1 ? "]" : ")"}`);
    rc = Array.from(binned.reference);
    cc = Array.from(binned.current);
  } else if (col.kind === "num" && binned.keys && binned.keys.length > MAX_REPORT_BINS) {
    // Too many distinct values to show one bar each: show Sturges bins instead.
    const [nRef, nCur] = sizes(col);
    const e = sturgesEdges(Math.min(col.reference[0], col.current[0]), Math.max(col.reference[nRef - 1], col.current[nCur - 1]), nRef + nCur);
    return reportHistogram(col, { ...binned, keys: undefined, edges: e, reference: histogramSorted(col.reference, e), current: histogramSorted(col.current, e) });
  } else {
    const keys = binned.keys ?? [];
    let order = keys.map((_, i) => i);
    if (col.kind === "cat") order.sort((a, b) => binned.reference[b] + binned.current[b] - (binned.reference[a] + binned.current[a]) || compareCatKeys(String(keys[a]), String(keys[b])));
    else order.sort((a, b) => (keys[a] as number) - (keys[b] as number));
    let otherR = 0;
    let otherC = 0;
    if (order.length > MAX_REPORT_BINS) {
      for (const i of order.slice(MAX_REPORT_BINS - 1)) {
        otherR += binned.reference[i];
        otherC += binned.current[i];
      }
      order = order.slice(0, MAX_REPORT_BINS - 1);
    }
    const labels = col.kind === "cat" ? col.labels : undefined;
    bins = order.map((i) => (typeof keys[i] === "number" ? fmt(keys[i] as number) : clipLabel(labels?.get(keys[i] as string) ?? String(keys[i]))));
    rc = order.map((i) => binned.reference[i]);
    cc = order.map((i) => binned.current[i]);
    if (otherR + otherC > 0) {
      bins.push("(other)");
      rc.push(otherR);
      cc.push(otherC);
    }
  }
  const share = (c: number[], n: number) => c.map((x) => (n > 0 ? x / n : 0));
  const h: Histogram = {
    bins,
    referenceCounts: rc,
    currentCounts: cc,
    reference: share(rc, binned.referenceSize),
    current: share(cc, binned.currentSize),
  };
  if (edges) h.edges = edges;
  return h;
}

/** Score of `method` on a prepared column; `binned` is its psi binning. */
export function scoreColumn(method: StatTestId, col: PreparedColumn, binned: Binned): number {
  const [nRef, nCur] = sizes(col);
  switch (method) {
    case "psi":
      return psiFromShares(toShares(binned.reference, nRef), toShares(binned.current, nCur));
    case "kl_div":
      return klDivFromShares(toShares(binned.reference, nRef), toShares(binned.current, nCur));
    case "jensenshannon":
      return jensenShannonFromShares(toShares(binned.reference, nRef), toShares(binned.current, nCur));
    case "wasserstein":
      if (col.kind !== "num") throw new ColumnError("wasserstein needs a numeric column");
      return wassersteinNormSorted(col.reference, col.current);
    case "ks":
      if (col.kind !== "num") throw new ColumnError("ks needs a numeric column");
      return ksTestSorted(col.reference, col.current).pvalue;
    case "chisquare": {
      const vc = binned.edges ? valueCounts(col) : binned;
      return chiSquareFromCounts(vc.reference, vc.current).pvalue;
    }
    case "z": {
      const vc = binned.edges || !binned.keys ? valueCounts(col) : { keys: binned.keys, reference: binned.reference, current: binned.current };
      let zero = 0;
      for (let i = 1; i < vc.keys.length; i++) if (compareKeys(vc.keys[i], vc.keys[zero]) < 0) zero = i;
      const refDistinct = countNonZero(vc.reference);
      const curDistinct = countNonZero(vc.current);
      let same = false;
      if (refDistinct === 1 && curDistinct === 1) {
        for (let i = 0; i < vc.keys.length; i++) if (vc.reference[i] > 0 && vc.current[i] > 0) same = true;
      }
      return zTestFromCounts(vc.reference[zero], nRef, vc.current[zero], nCur, same).pvalue;
    }
    case "hellinger": {
      if (col.kind === "cat") {
        const vc = binned.edges ? valueCounts(col) : binned;
        return hellingerFromShares(toShares(vc.reference, nRef), toShares(vc.current, nCur));
      }
      // Evidently's numeric variant: Sturges edges over the distinct values of both sides.
      const nDistinct = distinctUnionSorted(col.reference, col.current);
      const edges = sturgesEdges(Math.min(col.reference[0], col.current[0]), Math.max(col.reference[nRef - 1], col.current[nCur - 1]), nDistinct, () => hellingerIntegerData(col));
      const h1 = densities(histogramSorted(col.reference, edges), edges);
      const h2 = densities(histogramSorted(col.current, edges), edges);
      return hellingerFromDensities(h1, h2, edges);
    }
  }
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return compareCatKeys(String(a), String(b));
}

function countNonZero(a: Float64Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > 0) n++;
  return n;
}

/** Distinct values of both sides together; counting stops at 6 (the default selection only asks "> 5?"). */
function nValuesOf(col: PreparedColumn): number {
  if (col.kind === "num") return distinctUnionSorted(col.reference, col.current, 6);
  let n = col.reference.size;
  for (const k of col.current.keys()) if (!col.reference.has(k)) n++;
  return n;
}

const emptyHistogram = (): Histogram => ({ bins: [], referenceCounts: [], currentCounts: [], reference: [], current: [] });

function undecidedColumn(type: ColumnType, method: StatTestId, threshold: number, ref: SideSummary, cur: SideSummary, histogram: Histogram | undefined, extra: Pick<ColumnDrift, "error" | "not_enough_data">): ColumnDrift {
  return {
    column_type: type,
    stattest_name: METHODS[method].displayName,
    stattest: method,
    stattest_threshold: threshold,
    drift_score: null,
    drift_detected: false,
    psi: null,
    reference: ref,
    current: cur,
    histogram: histogram ?? emptyHistogram(),
    ...extra,
  };
}

function failedColumn(type: ColumnType, method: StatTestId, threshold: number, error: string, ref: SideSummary, cur: SideSummary, histogram?: Histogram): ColumnDrift {
  return undecidedColumn(type, method, threshold, ref, cur, histogram, { error });
}

/** Drift of one prepared column under the options. */
export function columnDrift(name: string, col: PreparedColumn, options: DriftOptions = {}): ColumnDrift {
  const type = col.kind;
  const [nRef, nCur] = sizes(col);
  const explicit = chosenStatTest(options, name, type);
  const method = explicit ?? defaultStatTest(type, nRef, nValuesOf(col));
  const threshold = chosenThreshold(options, name, type, method);
  const empty: string[] = [];
  if (nRef === 0) empty.push("reference");
  if (nCur === 0) empty.push("current data");
  if (empty.length > 0) {
    return failedColumn(type, method, threshold, `column "${name}" has no values in the ${empty.join(" and the ")} after dropping missing values (empty, null, NaN, +-Infinity)`, col.referenceSummary, col.currentSummary);
  }
  let binned: Binned;
  let histogram: Histogram | undefined;
  let psi: number;
  let score: number;
  try {
    binned = binColumn(col);
    histogram = reportHistogram(col, binned);
    if (!METHODS[method].types.includes(type)) {
      const allowed = (Object.keys(METHODS) as StatTestId[]).filter((m) => METHODS[m].types.includes(type));
      throw new ColumnError(`cannot use stattest "${method}": it is not defined for ${type === "num" ? "numeric" : "categorical"} columns; allowed: ${allowed.join(", ")}`);
    }
    const minimum = options.minSampleSize ?? DEFAULT_MIN_SAMPLE_SIZE;
    if (nRef < minimum || nCur < minimum) {
      // Too few values for a decision: shown, never counted as drift (a one-row window is not evidence).
      return undecidedColumn(type, method, threshold, col.referenceSummary, col.currentSummary, histogram, { not_enough_data: { minimum, reference: nRef, current: nCur } });
    }
    psi = scoreColumn("psi", col, binned);
    score = method === "psi" ? psi : scoreColumn(method, col, binned);
    if (!Number.isFinite(score) || !Number.isFinite(psi)) throw new ColumnError(`gave no finite score (${method} ${score}, psi ${psi})`);
  } catch (err) {
    if (!(err instanceof ColumnError)) throw err;
    return failedColumn(type, method, threshold, `column "${name}" ${err.message}`, col.referenceSummary, col.currentSummary, histogram);
  }
  return {
    column_type: type,
    stattest_name: METHODS[method].displayName,
    stattest: method,
    stattest_threshold: threshold,
    drift_score: score,
    drift_detected: Number.isNaN(score) ? false : METHODS[method].detect(score, threshold),
    psi,
    reference: col.referenceSummary,
    current: col.currentSummary,
    histogram,
  };
}

/** A programming error in the caller: a column that is not a `Column` (see types.ts). */
function checkColumn(name: string, side: string, col: Column | undefined): void {
  const ok = col && ((col.kind === "num" && col.values instanceof Float64Array) || (col.kind === "cat" && Array.isArray(col.values)));
  if (!ok) throw new Error(`column "${name}" of the ${side} dataset is not a Column: expected { kind: "num", values: Float64Array } or { kind: "cat", values: (string | null)[] }`);
}

/**
 * Drift of every compared column and of the dataset. Throws only for invalid options or
 * requested columns that do not exist; a column that cannot be compared gets `error`.
 */
export function computeDrift(reference: Dataset, current: Dataset, options: DriftOptions = {}): DatasetDrift {
  validateOptions(options);
  const refCols = Object.keys(reference.columns);
  const curCols = Object.keys(current.columns);
  const curSet = new Set(curCols);
  const refSet = new Set(refCols);
  let names: string[];
  if (options.columns) {
    const missing = options.columns.filter((c) => !refSet.has(c) || !curSet.has(c));
    if (missing.length > 0) {
      const where = missing.map((c) => `"${c}" (${!refSet.has(c) && !curSet.has(c) ? "in neither side" : !refSet.has(c) ? "not in the reference" : "not in the current data"})`);
      throw new Error(`options.columns names columns that cannot be compared: ${where.join(", ")}; columns on both sides: ${refCols.filter((c) => curSet.has(c)).join(", ")}`);
    }
    names = [...new Set(options.columns)];
  } else {
    names = refCols.filter((c) => curSet.has(c));
  }
  const unknownPerColumn = Object.keys(options.perColumn ?? {}).filter((c) => !names.includes(c));
  if (unknownPerColumn.length > 0) {
    throw new Error(`options.perColumn names columns that are not compared: ${unknownPerColumn.join(", ")}; compared columns: ${names.join(", ")}`);
  }
  for (const name of names) {
    checkColumn(name, "reference", reference.columns[name]);
    checkColumn(name, "current", current.columns[name]);
  }
  const columns: Record<string, ColumnDrift> = {};
  let drifted = 0;
  let failed = 0;
  let undecided = 0;
  for (const name of names) {
    let result: ColumnDrift;
    try {
      const col = prepareColumn(reference.columns[name], current.columns[name], options.columnTypes?.[name]);
      result = columnDrift(name, col, options);
    } catch (err) {
      if (!(err instanceof ColumnError)) throw err;
      // The type Evidently gives the column: from the reference side unless forced.
      const type: ColumnType = options.columnTypes?.[name] ?? (reference.columns[name].kind === "num" ? "num" : "cat");
      const method = chosenStatTest(options, name, type) ?? "jensenshannon";
      const blank = { count: 0, missing: 0 };
      result = failedColumn(type, method, chosenThreshold(options, name, type, method), `column "${name}" ${err.message}`, blank, blank);
    }
    if (result.error) failed++;
    if (result.not_enough_data) undecided++;
    if (result.drift_detected) drifted++;
    columns[name] = result;
  }
  const driftShare = options.driftShare ?? DEFAULT_DRIFT_SHARE;
  const share = names.length > 0 ? drifted / names.length : 0;
  return {
    dataset_drift: names.length > 0 && share >= driftShare,
    drift_share: driftShare,
    number_of_columns: names.length,
    number_of_drifted_columns: drifted,
    share_of_drifted_columns: share,
    number_of_failed_columns: failed,
    number_of_columns_without_enough_data: undecided,
    columns_only_in_reference: refCols.filter((c) => !curSet.has(c)),
    columns_only_in_current: curCols.filter((c) => !refSet.has(c)),
    columns,
  };
}
