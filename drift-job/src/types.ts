/**
 * The boundary between the drift statistics (pure functions in `stats/`) and the I/O
 * around them (CLI, in-cluster job, reports). Field names of the report follow
 * ../../docs/drift-methods.md and Evidently.
 */

import { DRIFT_METHODS, type DriftMethod } from "../../lib/settings.js";

/** A drift method id (lib/settings.ts DRIFT_METHODS, shared with the Pulumi config). */
export type StatTestId = DriftMethod;

export const STATTEST_IDS: readonly StatTestId[] = DRIFT_METHODS;

export type ColumnType = "num" | "cat";

/**
 * One column of one side, as read from a file (io/columns.ts: pandas' `read_csv` rules).
 * `num`: every non-empty value on that side is a number (NaN marks a missing value;
 * +-Infinity is kept and cleaned by the statistics); `integer` when pandas would hold the
 * side as int64 (every value spelled as an integer, none missing), which changes numpy's
 * bins. `cat`: text, each value with its exact spelling (null = missing); `bool` when
 * pandas would read the side as booleans (values "True" / "False").
 * The statistics decide the final type from both sides (stats/prepare.ts).
 */
export type Column = { kind: "num"; values: Float64Array; integer?: boolean } | { kind: "cat"; values: (string | null)[]; bool?: boolean };

export interface Dataset {
  rows: number;
  columns: Record<string, Column>;
}

export interface MethodChoice {
  stattest?: StatTestId;
  threshold?: number;
}

export interface DriftOptions extends MethodChoice {
  /** Per column type; overrides the global choice. */
  perType?: Partial<Record<ColumnType, MethodChoice>>;
  /** Per column; overrides per type and global. */
  perColumn?: Record<string, MethodChoice>;
  /** Dataset drift when share of drifted columns >= this. Default 0.5. */
  driftShare?: number;
  /**
   * Fewest non-missing values a column needs on each side for a drift decision
   * (default DEFAULT_MIN_SAMPLE_SIZE); below it the column is reported as "not enough data".
   */
  minSampleSize?: number;
  /** Columns to compare; default: every column present on both sides. */
  columns?: string[];
  /**
   * Force a column's type (e.g. "cat" for integer-coded categories), like Evidently's
   * column mapping. By default a column is numeric when its reference side is numeric
   * (Evidently decides from the reference).
   */
  columnTypes?: Record<string, ColumnType>;
}

export interface Histogram {
  /** Bin labels: "[a, b)" for numeric bins, the value for categorical ones. */
  bins: string[];
  /** Numeric bin edges (bins.length + 1 of them), absent for categorical bins. */
  edges?: number[];
  referenceCounts: number[];
  currentCounts: number[];
  /** Shares of each side's non-missing values. */
  reference: number[];
  current: number[];
}

export interface SideSummary {
  /** Rows of the side (missing included). */
  count: number;
  /** Missing values (empty, null, NaN, +-Infinity). */
  missing: number;
  /** Numeric columns only. */
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  /** Categorical columns only: distinct values. */
  distinct?: number;
}

export interface ColumnDrift {
  column_type: ColumnType;
  /** Evidently's name of the method, as in its DataDriftTable (e.g. "K-S p_value"). */
  stattest_name: string;
  /** The method id (e.g. "ks"), as given to --stattest or Evidently's `stattest=`. */
  stattest: StatTestId;
  stattest_threshold: number;
  /** p-value for ks/chisquare/z, distance otherwise; null when the column could not be compared. */
  drift_score: number | null;
  drift_detected: boolean;
  /** PSI on this column's bins, always computed (for the retrain policy). Null on error. */
  psi: number | null;
  reference: SideSummary;
  current: SideSummary;
  histogram: Histogram;
  /** Set when the column could not be compared (e.g. a side is empty after cleaning). */
  error?: string;
  /**
   * Set when a side has fewer non-missing values than the minimum sample size: no
   * decision is made (drift_detected false, drift_score and psi null), and the retrain
   * policy ignores the column.
   */
  not_enough_data?: { minimum: number; reference: number; current: number };
}

export interface DatasetDrift {
  dataset_drift: boolean;
  drift_share: number;
  number_of_columns: number;
  number_of_drifted_columns: number;
  share_of_drifted_columns: number;
  /** Columns that could not be compared (they count as not drifted). */
  number_of_failed_columns: number;
  /** Columns with too few values for a decision (they count as not drifted). */
  number_of_columns_without_enough_data: number;
  /** Columns present on one side only (not compared). */
  columns_only_in_reference: string[];
  columns_only_in_current: string[];
  columns: Record<string, ColumnDrift>;
}
