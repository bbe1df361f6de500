/**
 * Hand-written drift results for testing what the drift job does with them (reports,
 * policy, trigger). Values are fixtures, not statistics: the statistics have their own
 * tests against scipy and Evidently in tests/stats/.
 */
import type { DriftReport } from "../../drift-job/src/analyze";
import { evaluatePolicy, DEFAULT_POLICY } from "../../drift-job/src/policy";
import type { ColumnDrift, DatasetDrift } from "../../drift-job/src/types";

export function numColumn(o: Partial<ColumnDrift> & { drift_score: number; drift_detected: boolean; psi: number }): ColumnDrift {
  return {
    column_type: "num",
    stattest_name: "Wasserstein distance (normed)",
    stattest: "wasserstein",
    stattest_threshold: 0.1,
    reference: { count: 1000, missing: 10, mean: 1, std: 1, min: -3, max: 5 },
    current: { count: 1000, missing: 50, mean: 1.5, std: 1, min: -2, max: 6 },
    histogram: {
      bins: ["[-3, -1)", "[-1, 1)", "[1, 3)", "[3, 6]"],
      edges: [-3, -1, 1, 3, 6],
      referenceCounts: [100, 500, 350, 40],
      currentCounts: [50, 300, 450, 150],
      reference: [0.101, 0.505, 0.354, 0.04],
      current: [0.053, 0.316, 0.474, 0.158],
    },
    ...o,
  };
}

export function catColumn(o: Partial<ColumnDrift> & { drift_score: number; drift_detected: boolean; psi: number }, categories = ["rent", "own", "mortgage"]): ColumnDrift {
  const k = categories.length;
  return {
    column_type: "cat",
    stattest_name: "Jensen-Shannon distance",
    stattest: "jensenshannon",
    stattest_threshold: 0.1,
    reference: { count: 1000, missing: 0, distinct: k },
    current: { count: 1000, missing: 0, distinct: k },
    histogram: {
      bins: categories,
      referenceCounts: categories.map(() => Math.round(1000 / k)),
      currentCounts: categories.map((_, i) => Math.round((2000 * (i + 1)) / (k * (k + 1)))),
      reference: categories.map(() => 1 / k),
      current: categories.map((_, i) => (2 * (i + 1)) / (k * (k + 1))),
    },
    ...o,
  };
}

export function datasetDrift(columns: Record<string, ColumnDrift>, driftShare = 0.5): DatasetDrift {
  const n = Object.keys(columns).length;
  const d = Object.values(columns).filter((c) => c.drift_detected).length;
  return {
    dataset_drift: d / n >= driftShare,
    drift_share: driftShare,
    number_of_columns: n,
    number_of_drifted_columns: d,
    share_of_drifted_columns: d / n,
    number_of_failed_columns: Object.values(columns).filter((c) => c.error).length,
    number_of_columns_without_enough_data: Object.values(columns).filter((c) => c.not_enough_data).length,
    columns_only_in_reference: [],
    columns_only_in_current: [],
    columns,
  };
}

export function sampleReport(overrides: Partial<DriftReport> = {}): DriftReport {
  const columns = {
    income: numColumn({ drift_score: 0.42, drift_detected: true, psi: 0.35 }),
    age: numColumn({ drift_score: 0.03, drift_detected: false, psi: 0.01 }),
    home_ownership: catColumn({ drift_score: 0.21, drift_detected: true, psi: 0.15 }),
    region: catColumn({ drift_score: 0.02, drift_detected: false, psi: 0.004 }, ["north", "south", "east", "west"]),
    credit_score: {
      ...numColumn({ drift_score: 0, drift_detected: false, psi: 0 }),
      drift_score: null,
      psi: null,
      error: "no values on the current side after removing missing values",
    },
  };
  const drift = datasetDrift(columns);
  return {
    ...drift,
    prediction_drift: {
      columns: { prediction: { ...catColumn({ drift_score: 0.3, drift_detected: true, psi: 0.4, stattest_name: "Z-test p_value", stattest: "z", stattest_threshold: 0.05 }, ["0", "1"]), reference_column: "default" } },
      notes: ['the reference has no "prediction" column: current predictions are compared with the reference labels "default"'],
    },
    performance: {
      label_column: "default",
      prediction_column: "prediction",
      reference: null,
      current: { rows: 800, accuracy: 0.81, precision: 0.7, recall: 0.6, f1: 0.646, average: "binary" },
      accuracy_delta: null,
      f1_delta: null,
      notes: ['reference has no prediction column "prediction"'],
    },
    retrain: { ...evaluatePolicy(drift, DEFAULT_POLICY), action: "retrain requested (repository_dispatch to acme/loop)" },
    columns_only_in_reference: ["default"],
    columns_only_in_current: ["request_id"],
    column_errors: { credit_score: "no values on the current side after removing missing values" },
    meta: {
      generated_at: "2026-11-21T12:00:00.000Z",
      generator: "drift-loop drift-job",
      reference: { name: "s3://datasets/reference/current.csv", rows: 5000, columns: 12 },
      current: { name: "s3://requests/ window", rows: 1000, columns: 14 },
      options: {},
      duration_ms: 12,
    },
    ...overrides,
  };
}
