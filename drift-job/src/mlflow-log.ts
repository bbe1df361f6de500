/**
 * The drift run in MLflow (experiment `drift-monitoring`): one metric per column and
 * method, the dataset drift, prediction drift, model quality, the retrain decision, and
 * report.json / report.html as artifacts, so data scientists find every check where they
 * already look.
 */
import { MLFLOW } from "../../lib/contract";
import type { MlflowClient, MlflowRun } from "../../lib/mlflow";
import type { DriftReport } from "./analyze";
import { DEFAULT_MIN_SAMPLE_SIZE } from "./stats";

export interface DriftRunInfo {
  runName: string;
  windowStart: string;
  windowEnd: string;
  source: string;
  referenceKey: string;
  reportUri: string;
  modelVersion?: string;
  /** s3:// URI of the history index page, when this run updated it. */
  historyUri?: string;
}

/** Metrics of a report, with MLflow-safe keys (`drift_score.<column>`, ...). */
export function reportMetrics(r: DriftReport): Record<string, number> {
  const m: Record<string, number> = {
    dataset_drift: r.dataset_drift ? 1 : 0,
    share_of_drifted_columns: r.share_of_drifted_columns,
    number_of_drifted_columns: r.number_of_drifted_columns,
    number_of_columns: r.number_of_columns,
    columns_not_compared: Object.keys(r.column_errors).length,
    columns_without_enough_data: r.number_of_columns_without_enough_data,
    max_psi: r.retrain.max_psi,
    retrain_policy_fired: r.retrain.fired ? 1 : 0,
    reference_rows: r.meta.reference.rows,
    current_rows: r.meta.current.rows,
  };
  const add = (prefix: string, cols: Record<string, { drift_score: number | null; psi: number | null; drift_detected: boolean; not_enough_data?: unknown }>) => {
    for (const [name, c] of Object.entries(cols)) {
      if (c.drift_score !== null && Number.isFinite(c.drift_score)) m[`${prefix}drift_score.${name}`] = c.drift_score;
      if (c.psi !== null && Number.isFinite(c.psi)) m[`${prefix}psi.${name}`] = c.psi;
      // No decision for lack of data: no "drifted" value either (0 would read as a decision).
      if (!c.not_enough_data) m[`${prefix}drifted.${name}`] = c.drift_detected ? 1 : 0;
    }
  };
  add("", r.columns);
  if (r.prediction_drift) add("prediction.", r.prediction_drift.columns);
  const p = r.performance;
  for (const side of ["reference", "current"] as const) {
    const s = p?.[side];
    if (s) {
      m[`${side}.accuracy`] = s.accuracy;
      m[`${side}.f1`] = s.f1;
      m[`${side}.precision`] = s.precision;
      m[`${side}.recall`] = s.recall;
    }
  }
  if (p?.accuracy_delta !== null && p?.accuracy_delta !== undefined) m["accuracy_delta"] = p.accuracy_delta;
  return m;
}

/** Creates the run first, so its id can go into the retrain event. */
export async function startDriftRun(client: MlflowClient, info: DriftRunInfo): Promise<MlflowRun["info"]> {
  const exp = await client.getOrCreateExperiment(MLFLOW.driftExperiment);
  return client.createRun(exp, info.runName, {
    "drift.window_start": info.windowStart,
    "drift.window_end": info.windowEnd,
    "drift.source": info.source,
    ...(info.modelVersion ? { "model.version": info.modelVersion } : {}),
  });
}

/** Logs everything about a finished check into an existing run and marks it finished. */
export async function finishDriftRun(
  client: MlflowClient,
  run: MlflowRun["info"],
  r: DriftReport,
  info: DriftRunInfo,
  files: Record<string, string>,
): Promise<void> {
  const params: Record<string, string | number | boolean> = {
    source: info.source,
    reference: info.referenceKey,
    window_start: info.windowStart,
    window_end: info.windowEnd,
    drift_share: r.drift_share,
    retrain_psi_threshold: r.retrain.policy.psiThreshold,
    retrain_drifted_share: r.retrain.policy.driftedShare,
    min_sample_size: r.meta.options.minSampleSize ?? DEFAULT_MIN_SAMPLE_SIZE,
    report: info.reportUri,
  };
  if (r.meta.options.stattest) params.stattest = r.meta.options.stattest;
  if (r.meta.options.threshold !== undefined) params.threshold = r.meta.options.threshold;
  for (const [name, c] of Object.entries(r.columns)) params[`method.${name}`] = `${c.stattest}@${c.stattest_threshold}`;
  await client.logBatch(run.run_id, {
    metrics: reportMetrics(r),
    params,
    tags: {
      "drift.dataset_drift": String(r.dataset_drift),
      "drift.drifted_columns": r.retrain.drifted_columns.join(",").slice(0, 5000),
      "retrain.decision": r.retrain.action.slice(0, 5000),
      "retrain.policy_fired": String(r.retrain.fired),
      ...(info.historyUri ? { "drift.history": info.historyUri } : {}),
      "mlflow.note.content": `Drift check of ${info.windowStart} .. ${info.windowEnd}: ${r.number_of_drifted_columns} of ${r.number_of_columns} columns drifted. Retrain: ${r.retrain.action}. Report: ${info.reportUri}${info.historyUri ? `. All windows: ${info.historyUri}` : ""}`,
    },
  });
  for (const [name, body] of Object.entries(files)) {
    await client.logArtifact(run, name, body, name.endsWith(".html") ? "text/html; charset=utf-8" : "application/json");
  }
  await client.setTerminated(run.run_id, "FINISHED");
}
