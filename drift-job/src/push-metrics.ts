/**
 * The drift check's per-run metrics, pushed to a Prometheus Pushgateway (PUSHGATEWAY_URL)
 * after each run so Prometheus keeps their history (docs/monitoring.md). They are read off
 * the report the run already computed, never computed again.
 *
 * Every push replaces the whole group (HTTP PUT, grouping job=drift-loop-drift plus the
 * namespace), so the gateway always holds exactly the last run's values: a run without a
 * decision (no current data, or too few values in every column) pushes no decision gauges
 * and `drift_loop_no_decision 1` instead of a made-up 0, and a column without a score has
 * no score series.
 *
 * A push is best effort: a failure is logged as a warning with the reason and never
 * changes the run's exit code (the report and the MLflow run are already stored); the
 * stale `drift_loop_last_run_timestamp_seconds` shows it on the dashboard.
 */
import { Gauge, Pushgateway, Registry } from "prom-client";
import type { Logger } from "../../lib/logger";
import type { DriftReport } from "./analyze";
import type { PushgatewaySettings } from "./config";

/** Every gauge the drift check pushes (the dashboard's queries use these names; a test checks). */
export const PUSHED_METRICS = {
  lastRun: { name: "drift_loop_last_run_timestamp_seconds", help: "When the last drift check finished (Unix seconds)" },
  windowEnd: { name: "drift_loop_window_end_timestamp_seconds", help: "End of the window the last drift check compared (Unix seconds)" },
  noDecision: { name: "drift_loop_no_decision", help: "1 when the last run made no drift decision (no current data, or too few values in every column): the decision gauges are absent" },
  columns: { name: "drift_loop_columns", help: "Columns the last run compared" },
  datasetDrift: { name: "drift_loop_dataset_drift", help: "Dataset drift of the last run (1 = at least the drift share of the columns drifted)" },
  driftShare: { name: "drift_loop_drift_share", help: "Share of the compared columns that drifted in the last run (0..1)" },
  driftShareThreshold: { name: "drift_loop_drift_share_threshold", help: "Share of drifted columns at which the dataset counts as drifted (DRIFT_SHARE)" },
  driftedColumns: { name: "drift_loop_drifted_columns", help: "Columns that drifted in the last run" },
  columnsWithoutEnoughData: { name: "drift_loop_columns_without_enough_data", help: "Columns with too few values for a decision in the last run" },
  columnScore: { name: "drift_loop_column_drift_score", help: "Drift score of a column in the last run (p-value for ks/chisquare/z, a distance otherwise; see stattest)", labelNames: ["column", "stattest"] },
  columnDrifted: { name: "drift_loop_column_drifted", help: "1 when the column drifted in the last run", labelNames: ["column"] },
  columnPsi: { name: "drift_loop_column_psi", help: "PSI of a column in the last run (what the retrain policy compares with RETRAIN_PSI_THRESHOLD)", labelNames: ["column"] },
  policyFired: { name: "drift_loop_retrain_policy_fired", help: "1 when the retrain policy fired in the last run" },
  retrainRequested: { name: "drift_loop_retrain_requested", help: "1 when the last run sent a retrain request (repository_dispatch)" },
  lastRetrainRequest: { name: "drift_loop_last_retrain_request_timestamp_seconds", help: "When the last retrain request was sent (Unix seconds); absent until one was" },
} as const;

/** What one run yields for the push. */
export interface RunMetrics {
  /** When the run finished (ms since the epoch). */
  finishedAt: number;
  windowEnd: Date;
  /** The run's report; absent when there was no current data (no report). */
  report?: DriftReport;
  /** Whether this run sent a retrain request. */
  retrainRequested: boolean;
  /** When the last retrain request was sent (ms), this run's or an earlier one's; absent when none is known. */
  lastRetrainRequestAt?: number;
}

const seconds = (ms: number) => ms / 1000;

/** The run's gauges in a registry of their own (pure: no I/O). */
export function runMetricsRegistry(run: RunMetrics): Registry {
  const registry = new Registry();
  const gauge = <K extends keyof typeof PUSHED_METRICS>(key: K) => new Gauge({ ...PUSHED_METRICS[key], registers: [registry] } as ConstructorParameters<typeof Gauge>[0]);
  gauge("lastRun").set(seconds(run.finishedAt));
  gauge("windowEnd").set(seconds(run.windowEnd.getTime()));
  if (run.lastRetrainRequestAt !== undefined) gauge("lastRetrainRequest").set(seconds(run.lastRetrainRequestAt));
  gauge("retrainRequested").set(run.retrainRequested ? 1 : 0);
  const r = run.report;
  const decided = r !== undefined && !r.retrain.undecided;
  gauge("noDecision").set(decided ? 0 : 1);
  if (!r) return registry;
  gauge("columns").set(r.number_of_columns);
  gauge("columnsWithoutEnoughData").set(r.number_of_columns_without_enough_data);
  gauge("driftShareThreshold").set(r.drift_share);
  if (decided) {
    gauge("datasetDrift").set(r.dataset_drift ? 1 : 0);
    gauge("driftShare").set(r.share_of_drifted_columns);
    gauge("driftedColumns").set(r.number_of_drifted_columns);
    gauge("policyFired").set(r.retrain.fired ? 1 : 0);
  }
  const score = gauge("columnScore");
  const drifted = gauge("columnDrifted");
  const psi = gauge("columnPsi");
  for (const [column, c] of Object.entries(r.columns)) {
    // A column without a decision (an error, too few values) has no score: no series, not a 0.
    if (c.error !== undefined || c.not_enough_data !== undefined || c.drift_score === null) continue;
    score.set({ column, stattest: c.stattest }, c.drift_score);
    drifted.set({ column }, c.drift_detected ? 1 : 0);
    if (c.psi !== null) psi.set({ column }, c.psi);
  }
  return registry;
}

/** How long one push may take before it counts as failed. */
export const PUSH_TIMEOUT_MS = 10_000;

/**
 * Pushes the run's metrics (PUT: the group is replaced). Never throws: a failure is logged
 * as a warning with the reason and returned, the caller's exit code stays what it was.
 */
export async function pushRunMetrics(settings: PushgatewaySettings, run: RunMetrics, log: Logger, timeoutMs = PUSH_TIMEOUT_MS): Promise<{ ok: true } | { ok: false; error: string }> {
  const { job, ...groupings } = settings.grouping;
  try {
    const gateway = new Pushgateway(settings.url, { timeout: timeoutMs }, runMetricsRegistry(run));
    await gateway.push({ jobName: job, groupings: groupings as Record<string, string> });
    log.info({ pushgateway: settings.url, grouping: settings.grouping }, "run metrics pushed");
    return { ok: true };
  } catch (err) {
    const error = (err as Error).message ?? String(err);
    log.warn({ pushgateway: settings.url, err: error }, "could not push the run metrics to the Pushgateway: the report and the MLflow run are stored; the exit code is unchanged");
    return { ok: false, error };
  }
}
