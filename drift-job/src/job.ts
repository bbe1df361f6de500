/**
 * One in-cluster drift check (what the CronJob runs), from datasets in MinIO to a stored
 * report, an MLflow run and, when the retrain policy fires, one retrain request per
 * drift episode. Steps, in order:
 *   1. read the reference and the current window          (MinIO / drifter)
 *   2. compare them (data, prediction and performance drift; retrain policy)
 *   3. open the MLflow run (its id goes into the retrain event)
 *   4. plan the retrain trigger from the stored state      (MinIO)
 *   5. store report.json + report.html under reports/<window end>/
 *   6. carry out the trigger (repository_dispatch), record its state
 *   7. rebuild the history index (reports/index.{html,json})  (MinIO)
 *   8. log metrics, the decision and the report files to MLflow (the run links the index)
 *   9. push the run's metrics to the Pushgateway, when one is configured (push-metrics.ts)
 * A report is stored before anything is sent, and a failure of MLflow or GitHub never
 * loses it; the exit code says which step failed (JOB_EXIT). A failed push is a warning
 * only: it never changes the exit code.
 */
import type { Client } from "minio";
import { BUCKETS, type DriftDispatchPayload } from "../../lib/contract";
import type { Logger } from "../../lib/logger";
import type { MlflowClient, MlflowRun } from "../../lib/mlflow";
import { EXIT, UsageError } from "../../lib/cli";
import { analyze, type ComputeDrift, type DriftReport } from "./analyze";
import { type JobConfig, windowOf } from "./config";
import { DataError } from "./io/source";
import { finishDriftRun, startDriftRun, type DriftRunInfo } from "./mlflow-log";
import { HISTORY_URI, updateHistory } from "./report/history";
import { reportFiles } from "./report/write";
import { type LoadedData, loadReference } from "./sources";
import { pushRunMetrics, type RunMetrics } from "./push-metrics";
import { minioStateStore, putReport, reportFolder, type RetryTuning, StorageError } from "./storage";
import { type Dispatcher, type PlannedTrigger, planRetrain, type TriggerOutcome } from "./trigger";

/** Exit codes of the drift CronJob (documented in drift-job/README.md): lib/cli.ts's shared three, then its own. */
export const JOB_EXIT = {
  /** Checked (drift or not), report stored, MLflow logged, retrain handled. */
  ok: EXIT.ok,
  /** A bug: unexpected error. */
  internal: EXIT.failed,
  /** Bad configuration or bad input data (env value, malformed reference, no common columns). Nothing stored. */
  badInput: EXIT.usage,
  /** MinIO (or the drifter) unreachable after retries: no report stored. */
  storage: 3,
  /** MLflow failed after retries; the report is stored and the retrain handled. */
  mlflow: 4,
  /** GitHub dispatch failed after retries; the report is stored, the next firing run asks again. */
  github: 5,
  /** Both MLflow and GitHub failed; the report is stored. */
  mlflowAndGithub: 6,
} as const;

export interface JobDeps {
  s3: Client;
  mlflow: MlflowClient;
  dispatcher?: Dispatcher;
  compute: ComputeDrift;
  /** Reads the current data of a window (request logs or a drifter batch). */
  loadCurrent: (window: { start: Date; end: Date }) => Promise<LoadedData>;
  log: Logger;
  now?: () => number;
  retry?: RetryTuning;
}

export interface JobResult {
  code: number;
  /** reports/ folder of the stored report. */
  folder?: string;
  report?: DriftReport;
  trigger?: TriggerOutcome;
  mlflowRunId?: string;
  error?: string;
}

export async function runJob(cfg: JobConfig, deps: JobDeps): Promise<JobResult> {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const window = windowOf(cfg, now());
  const folder = reportFolder(window.end);
  const reportUri = `s3://${BUCKETS.reports}/${folder}/report.json`;
  log.info({ windowStart: window.start.toISOString(), windowEnd: window.end.toISOString(), source: cfg.source }, "drift check starting");

  // 1. Inputs.
  let reference: LoadedData;
  let current: LoadedData;
  const readStart = now();
  try {
    reference = await loadReference(deps.s3, log, deps.retry);
    log.info({ reference: reference.name, rows: reference.dataset.rows, columns: Object.keys(reference.dataset.columns).length }, "reference read");
    for (const n of reference.notes) log.info(n);
    current = await deps.loadCurrent(window);
    log.info({ current: current.name, rows: current.dataset.rows, columns: Object.keys(current.dataset.columns).length }, "current data read");
    for (const n of current.notes) log.warn(n);
  } catch (err) {
    return failed(log, err);
  }
  if (current.dataset.rows === 0) {
    log.warn({ current: current.name }, "no current data in the window: nothing to compare, no report written");
    await pushMetrics(cfg, log, { finishedAt: now(), windowEnd: window.end, retrainRequested: false });
    return { code: JOB_EXIT.ok };
  }

  // 2. Compare.
  const readMs = now() - readStart;
  let report: DriftReport;
  try {
    report = analyze({ reference: reference.dataset, current: current.dataset, referenceName: reference.name, currentName: current.name }, cfg.analysis, deps.compute, now);
  } catch (err) {
    return failed(log, err);
  }
  report.meta.read_ms = readMs;
  report.meta.window = { start: window.start.toISOString(), end: window.end.toISOString(), source: cfg.source };
  const modelVersion = current.modelVersion ?? reference.modelVersion ?? "unknown";
  report.meta.model_version = modelVersion;
  log.info(
    { datasetDrift: report.dataset_drift, drifted: report.number_of_drifted_columns, columns: report.number_of_columns, maxPsi: report.retrain.max_psi, policyFired: report.retrain.fired },
    `drift: ${report.number_of_drifted_columns} of ${report.number_of_columns} columns drifted`,
  );

  // 3. MLflow run (best effort: a failure is remembered, not fatal).
  const info: DriftRunInfo = {
    runName: `drift-${folder}`,
    windowStart: window.start.toISOString(),
    windowEnd: window.end.toISOString(),
    source: cfg.source,
    referenceKey: reference.name,
    reportUri,
    modelVersion,
  };
  let run: MlflowRun["info"] | undefined;
  let mlflowError: string | undefined;
  try {
    run = await startDriftRun(deps.mlflow, info);
    report.meta.mlflow_run_id = run.run_id;
  } catch (err) {
    mlflowError = (err as Error).message;
    log.error({ err: mlflowError }, "MLflow unavailable: the report is still stored");
  }

  // 4. Plan the trigger.
  const store = minioStateStore(deps.s3, log, deps.retry);
  const windowEnd = window.end.toISOString();
  let planned: PlannedTrigger;
  const planNow = now();
  try {
    planned = await planRetrain(store, deps.dispatcher, { fired: report.retrain.fired, undecided: report.retrain.undecided, windowEnd, now: planNow, cooldownMinutes: cfg.cooldownMinutes, report: reportUri, reasons: report.retrain.reasons }, log);
  } catch (err) {
    await abandonRun(deps.mlflow, run);
    return failed(log, err);
  }
  report.retrain.action = planned.message;

  // 5. Store the report before anything is sent.
  try {
    await putReport(deps.s3, folder, reportFiles(report), log, deps.retry);
    log.info({ report: reportUri }, "report stored");
  } catch (err) {
    await abandonRun(deps.mlflow, run);
    return failed(log, err);
  }

  // 6. Retrain trigger.
  let outcome: TriggerOutcome;
  try {
    outcome = await planned.execute(() => payloadOf(report, reportUri, run?.run_id ?? "", window, modelVersion));
  } catch (err) {
    // Recording the state failed (MinIO): nothing was sent. The report is stored: list it.
    await abandonRun(deps.mlflow, run);
    await refreshHistory(deps, now);
    return { ...failed(log, err), folder, report };
  }
  if (outcome.action !== planned.action) {
    report.retrain.action = outcome.message;
    try {
      await putReport(deps.s3, folder, reportFiles(report), log, deps.retry);
    } catch (err) {
      log.warn({ err: String(err) }, "could not update the stored report with the retrain outcome");
    }
  }
  const githubFailed = outcome.action === "failed";
  if (githubFailed) log.error({ err: outcome.message }, "retrain request failed");

  // 7. History index.
  info.historyUri = await refreshHistory(deps, now);

  // 8. MLflow: metrics, decision, report files.
  if (run) {
    try {
      await finishDriftRun(deps.mlflow, run, report, info, reportFiles(report));
      log.info({ runId: run.run_id }, "MLflow run logged");
    } catch (err) {
      mlflowError = (err as Error).message;
      log.error({ err: mlflowError }, "logging to MLflow failed: the report is still stored");
      await deps.mlflow.setTerminated(run.run_id, "FAILED").catch(() => {});
    }
  }
  const code = mlflowError && githubFailed ? JOB_EXIT.mlflowAndGithub : mlflowError ? JOB_EXIT.mlflow : githubFailed ? JOB_EXIT.github : JOB_EXIT.ok;

  // 9. Metrics for Prometheus (best effort).
  const dispatched = outcome.action === "dispatched";
  await pushMetrics(cfg, log, { finishedAt: now(), windowEnd: window.end, report, retrainRequested: dispatched, lastRetrainRequestAt: dispatched ? planNow : planned.lastSentAt });
  log.info({ code, report: reportUri, retrain: outcome.action }, "drift check finished");
  return { code, folder, report, trigger: outcome, mlflowRunId: run?.run_id, error: [mlflowError, githubFailed ? outcome.message : undefined].filter(Boolean).join("; ") || undefined };
}

/** The client_payload of `drift-detected` (at most 10 top-level keys). */
export function payloadOf(r: DriftReport, reportUri: string, runId: string, window: { start: Date; end: Date }, modelVersion: string): DriftDispatchPayload {
  return {
    reason: r.retrain.reasons.join("; ").slice(0, 1000),
    report: reportUri,
    mlflow_run_id: runId,
    share_of_drifted_columns: r.share_of_drifted_columns,
    max_psi: r.retrain.max_psi,
    drifted_columns: r.retrain.drifted_columns.slice(0, 50),
    window_start: window.start.toISOString(),
    window_end: window.end.toISOString(),
    model_version: modelVersion,
  };
}

/**
 * Rebuilds the history index after a report was stored. It is derived from the stored
 * reports, so a failure here loses nothing and the next run repairs it: logged, and the
 * exit code is left alone. Returns the index's URI when it was updated.
 */
async function refreshHistory(deps: JobDeps, now: () => number): Promise<string | undefined> {
  try {
    await updateHistory(deps.s3, { log: deps.log, retry: deps.retry, now });
    deps.log.info({ index: HISTORY_URI }, "history index updated");
    return HISTORY_URI;
  } catch (err) {
    deps.log.error({ err: String(err) }, "could not update the history index: the report is stored, the next run rebuilds the index");
    return undefined;
  }
}

/** Pushes the run's metrics when a Pushgateway is configured; a failure is logged by pushRunMetrics and changes nothing. */
async function pushMetrics(cfg: JobConfig, log: Logger, run: RunMetrics): Promise<void> {
  if (cfg.pushgateway) await pushRunMetrics(cfg.pushgateway, run, log);
}

/** Marks a started MLflow run FAILED when a later step stops the check (best effort). */
async function abandonRun(mlflow: MlflowClient, run: MlflowRun["info"] | undefined): Promise<void> {
  if (run) await mlflow.setTerminated(run.run_id, "FAILED").catch(() => undefined);
}

function failed(log: Logger, err: unknown): JobResult {
  const message = (err as Error).message ?? String(err);
  if (err instanceof DataError || err instanceof UsageError) {
    log.error({ err: message }, "bad input data");
    return { code: JOB_EXIT.badInput, error: message };
  }
  if (err instanceof StorageError) {
    log.error({ err: message }, "storage unavailable");
    return { code: JOB_EXIT.storage, error: message };
  }
  log.error({ err: (err as Error).stack ?? message }, "unexpected error");
  return { code: JOB_EXIT.internal, error: message };
}
