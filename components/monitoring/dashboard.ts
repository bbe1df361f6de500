/**
 * The drift-loop Grafana dashboard (the one home of its JSON): drift share and per-column
 * drift scores over time, dataset drift, retrain events, the model API's latency, error rate
 * and request-log backlog. Typed with Grafana's own schema types (@grafana/schema, pinned in
 * package.json): a field Grafana's dashboard model does not have, or a panel option of the
 * wrong shape, fails `tsc`. Every metric a query names is one our code exports (the drifter's
 * and the model API's registries, the drift job's pushed gauges); tests/unit/monitoring-dashboard.test.ts
 * checks, so a rename breaks the test, not the dashboard.
 *
 * Shipped by components/monitoring as a ConfigMap labelled grafana_dashboard: "1", which the
 * kube-prometheus-stack Grafana sidecar loads.
 */
import type { Dashboard, DataQuery, DataSourceRef, MappingType, Panel, VariableModel } from "@grafana/schema";
import type { FieldConfig as TimeSeriesFieldConfig, Options as TimeSeriesOptions } from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";
import type { Options as StatOptions } from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type { FieldConfig as StateTimelineFieldConfig, Options as StateTimelineOptions } from "@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen";
import { PUSH_JOB } from "../../lib/pushgateway";

/** A Prometheus query of a panel (Grafana's Prometheus data source: expr, legend). */
export interface PromQuery extends DataQuery {
  expr: string;
  legendFormat?: string;
  range?: boolean;
  instant?: boolean;
}

/** The dashboard's uid: stable, so a re-provisioned dashboard keeps its URL. */
export const DASHBOARD_UID = "drift-loop";
/** The ConfigMap label the kube-prometheus-stack Grafana sidecar loads dashboards from (its default). */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;
/** Grafana's dashboard model version the JSON is written for (Grafana 11/12 migrate older ones on load). */
export const SCHEMA_VERSION = 41;

const DS: DataSourceRef = { type: "prometheus", uid: "${datasource}" };
/** The selector every query carries: the platform's namespace (a variable, defaulting to the stack's). */
const NS = 'namespace="$namespace"';
const DRIFT = `${NS}, job="${PUSH_JOB}"`;

/** 1 at the steps less than `window` seconds after a retrain request was sent, nothing elsewhere. */
const retrainEvent = (window: string) => `((time() - drift_loop_last_retrain_request_timestamp_seconds{${DRIFT}}) < ${window}) * 0 + 1`;

const q = (refId: string, expr: string, legendFormat?: string): PromQuery => ({ refId, datasource: DS, expr, range: true, ...(legendFormat ? { legendFormat } : {}) });

/**
 * Grafana's Panel keeps `options`, `targets` and `fieldConfig.defaults.custom` open
 * (`Record<string, unknown>`): each panel type's own schema types them. The builders below
 * check those parts against that panel type's schema (`checked<TimeSeriesOptions>(...)`),
 * then hand them to the Panel.
 */
const checked = <T extends object>(x: T): Record<string, unknown> => x as unknown as Record<string, unknown>;
/** A value of one of Grafana's string enums, written as its text and checked against the enum's values. */
const e = <E extends string | undefined>(value: `${NonNullable<E>}`): NonNullable<E> => value as unknown as NonNullable<E>;
const queries = (targets: PromQuery[]) => targets.map((t) => checked<PromQuery>(t));

const timeSeriesOptions: TimeSeriesOptions = {
  legend: { showLegend: true, displayMode: e<TimeSeriesOptions["legend"]["displayMode"]>("list"), placement: e<TimeSeriesOptions["legend"]["placement"]>("bottom"), calcs: [] },
  tooltip: { mode: e<TimeSeriesOptions["tooltip"]["mode"]>("multi"), sort: e<TimeSeriesOptions["tooltip"]["sort"]>("desc") },
};

function timeSeries(id: number, title: string, description: string, gridPos: NonNullable<Panel["gridPos"]>, targets: PromQuery[], unit: string, extra: Partial<TimeSeriesFieldConfig> = {}, range?: { min?: number; max?: number }): Panel {
  return {
    id,
    type: "timeseries",
    title,
    description,
    datasource: DS,
    gridPos,
    targets: queries(targets),
    options: checked<TimeSeriesOptions>(timeSeriesOptions),
    fieldConfig: { defaults: { unit, ...range, custom: checked<TimeSeriesFieldConfig>({ lineWidth: 1, fillOpacity: 0, showPoints: e<TimeSeriesFieldConfig["showPoints"]>("auto"), spanNulls: false, ...extra }) }, overrides: [] },
  };
}

function stat(id: number, title: string, description: string, gridPos: NonNullable<Panel["gridPos"]>, targets: PromQuery[], unit: string): Panel {
  return {
    id,
    type: "stat",
    title,
    description,
    datasource: DS,
    gridPos,
    targets: queries(targets),
    options: checked<StatOptions>({
      reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
      colorMode: e<StatOptions["colorMode"]>("value"),
      graphMode: e<StatOptions["graphMode"]>("none"),
      justifyMode: e<StatOptions["justifyMode"]>("auto"),
      textMode: e<StatOptions["textMode"]>("auto"),
      orientation: e<StatOptions["orientation"]>("auto"),
      wideLayout: true,
      showPercentChange: false,
      percentChangeColorMode: e<StatOptions["percentChangeColorMode"]>("standard"),
    }),
    fieldConfig: { defaults: { unit }, overrides: [] },
  };
}

function stateTimeline(id: number, title: string, description: string, gridPos: NonNullable<Panel["gridPos"]>, targets: PromQuery[]): Panel {
  return {
    id,
    type: "state-timeline",
    title,
    description,
    datasource: DS,
    gridPos,
    targets: queries(targets),
    options: checked<StateTimelineOptions>({
      showValue: e<StateTimelineOptions["showValue"]>("auto"),
      mergeValues: true,
      rowHeight: 0.9,
      alignValue: "left",
      legend: { showLegend: true, displayMode: e<StateTimelineOptions["legend"]["displayMode"]>("list"), placement: e<StateTimelineOptions["legend"]["placement"]>("bottom"), calcs: [] },
      tooltip: { mode: e<StateTimelineOptions["tooltip"]["mode"]>("single"), sort: e<StateTimelineOptions["tooltip"]["sort"]>("none") },
    }),
    fieldConfig: {
      defaults: {
        mappings: [{ type: e<MappingType.ValueToText>("value"), options: { "0": { text: "no", color: "green", index: 0 }, "1": { text: "yes", color: "red", index: 1 } } }],
        custom: checked<StateTimelineFieldConfig>({ lineWidth: 0, fillOpacity: 70 }),
      },
      overrides: [],
    },
  };
}

/** The dashboard, with `namespace` the platform's namespace (the default of the `namespace` variable). */
export function driftLoopDashboard(namespace: string): Dashboard {
  const variables: VariableModel[] = [
    {
      name: "datasource",
      label: "Prometheus",
      type: "datasource",
      query: "prometheus",
      current: { text: "Prometheus", value: "prometheus" },
      hide: 0,
      refresh: 1,
    },
    {
      name: "namespace",
      label: "Namespace",
      type: "custom",
      query: namespace,
      current: { text: namespace, value: namespace },
      options: [{ text: namespace, value: namespace, selected: true }],
      allowCustomValue: true,
      hide: 0,
    },
  ];
  const rateWindow = "$__rate_interval";
  const panels: Panel[] = [
    // Row 1: the drift check, from the drift job's pushed gauges.
    timeSeries(
      1,
      "Drift share",
      "Share of the compared columns that drifted in each drift check (drift_loop_drift_share), and the share at which the dataset counts as drifted (DRIFT_SHARE). Absent for runs without a decision (not enough data).",
      { x: 0, y: 0, w: 12, h: 8 },
      [q("A", `drift_loop_drift_share{${DRIFT}}`, "drifted share"), q("B", `drift_loop_drift_share_threshold{${DRIFT}}`, "dataset drift at")],
      "percentunit",
      {},
      { min: 0, max: 1 },
    ),
    stateTimeline(
      2,
      "Dataset drift and retrain policy",
      "Per drift check: dataset drift (drift_loop_dataset_drift), the retrain policy firing (drift_loop_retrain_policy_fired), and runs without a decision (drift_loop_no_decision).",
      { x: 12, y: 0, w: 12, h: 8 },
      [
        q("A", `drift_loop_dataset_drift{${DRIFT}}`, "dataset drift"),
        q("B", `drift_loop_retrain_policy_fired{${DRIFT}}`, "retrain policy fired"),
        q("C", `drift_loop_no_decision{${DRIFT}}`, "no decision (not enough data)"),
      ],
    ),
    timeSeries(
      3,
      "Per-column drift scores",
      "Each column's drift score in each drift check (drift_loop_column_drift_score): a p-value for ks, chisquare and z (drift when below the threshold), a distance for the others (drift when above). The legend names the method.",
      { x: 0, y: 8, w: 12, h: 9 },
      [q("A", `drift_loop_column_drift_score{${DRIFT}}`, "{{column}} ({{stattest}})")],
      "none",
    ),
    timeSeries(
      4,
      "Per-column PSI",
      "Each column's PSI (drift_loop_column_psi), what the retrain policy compares with RETRAIN_PSI_THRESHOLD.",
      { x: 12, y: 8, w: 12, h: 9 },
      [q("A", `drift_loop_column_psi{${DRIFT}}`, "{{column}}")],
      "none",
    ),
    timeSeries(
      5,
      "Retrain requests",
      "Retrain requests sent (repository_dispatch drift-detected): a bar in the interval of each drift_loop_last_retrain_request_timestamp_seconds (the first request too, which changes() would miss).",
      { x: 0, y: 17, w: 12, h: 6 },
      [q("A", retrainEvent("($__interval_ms / 1000)"), "retrain requested")],
      "none",
      { drawStyle: e<TimeSeriesFieldConfig["drawStyle"]>("bars"), fillOpacity: 80 },
      { min: 0 },
    ),
    stat(
      6,
      "Since the last drift check",
      "Time since the drift job last pushed (drift_loop_last_run_timestamp_seconds): far above the drift schedule means runs fail or pushes do not arrive.",
      { x: 12, y: 17, w: 6, h: 6 },
      [q("A", `time() - max(drift_loop_last_run_timestamp_seconds{${DRIFT}})`)],
      "s",
    ),
    stat(
      7,
      "Drifted columns (last run)",
      "Columns that drifted in the last drift check, of the columns compared (drift_loop_drifted_columns, drift_loop_columns).",
      { x: 18, y: 17, w: 6, h: 6 },
      [q("A", `max(drift_loop_drifted_columns{${DRIFT}})`, "drifted"), q("B", `max(drift_loop_columns{${DRIFT}})`, "compared")],
      "none",
    ),
    // Row 2: the model API, from its /metrics (ServiceMonitor).
    timeSeries(
      8,
      "Model API latency (p50, p95)",
      "Request latency of the model API by route, from model_api_http_request_duration_seconds.",
      { x: 0, y: 23, w: 12, h: 8 },
      [
        q("A", `histogram_quantile(0.5, sum by (le, route) (rate(model_api_http_request_duration_seconds_bucket{${NS}}[${rateWindow}])))`, "p50 {{route}}"),
        q("B", `histogram_quantile(0.95, sum by (le, route) (rate(model_api_http_request_duration_seconds_bucket{${NS}}[${rateWindow}])))`, "p95 {{route}}"),
      ],
      "s",
    ),
    timeSeries(
      9,
      "Model API error rate",
      "Share of the model API's responses with a 5xx status (model_api_http_requests_total), and requests per second.",
      { x: 12, y: 23, w: 12, h: 8 },
      [
        // "or vector(0)": no 5xx series yet means no errors (0), not "No data".
        q("A", `(sum(rate(model_api_http_requests_total{${NS}, status=~"5.."}[${rateWindow}])) or vector(0)) / sum(rate(model_api_http_requests_total{${NS}}[${rateWindow}]))`, "5xx share"),
        q("B", `sum(rate(model_api_http_requests_total{${NS}}[${rateWindow}]))`, "requests/s"),
      ],
      "percentunit",
      {},
      { min: 0 },
    ),
    timeSeries(
      10,
      "Request-log backlog",
      "Scored rows each model API pod holds before writing them to the request log (model_api_request_log_buffered_rows); the drift check reads only what was written.",
      { x: 0, y: 31, w: 12, h: 8 },
      [q("A", `model_api_request_log_buffered_rows{${NS}}`, "{{pod}}")],
      "none",
      {},
      { min: 0 },
    ),
    timeSeries(
      11,
      "Request-log write failures",
      "Failed request-log writes per second (model_api_request_log_writes_total, result=error) and requests refused because the buffer was full (model_api_request_log_full_rejections_total).",
      { x: 12, y: 31, w: 12, h: 8 },
      [
        q("A", `sum(rate(model_api_request_log_writes_total{${NS}, result="error"}[${rateWindow}])) or vector(0)`, "failed writes/s"),
        q("B", `sum(rate(model_api_request_log_full_rejections_total{${NS}}[${rateWindow}]))`, "refused (buffer full)/s"),
      ],
      "ops",
      {},
      { min: 0 },
    ),
    // Row 3: the drifter (the data generator the traffic job reads).
    timeSeries(
      12,
      "Drifter batches",
      "Batches the drifter served per second by outcome (drifter_batches_total), and batches cut for slow clients (drifter_batches_cut_total).",
      { x: 0, y: 39, w: 24, h: 7 },
      [
        q("A", `sum by (outcome) (rate(drifter_batches_total{${NS}}[${rateWindow}]))`, "{{outcome}}"),
        q("B", `sum by (reason) (rate(drifter_batches_cut_total{${NS}}[${rateWindow}]))`, "cut: {{reason}}"),
      ],
      "ops",
      {},
      { min: 0 },
    ),
  ];
  return {
    uid: DASHBOARD_UID,
    title: "drift-loop",
    description: "Data drift, retraining and the model API of a drift-loop platform (docs/monitoring.md)",
    tags: ["drift-loop", "ml", "drift"],
    timezone: "utc",
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: "1m",
    time: { from: "now-24h", to: "now" },
    templating: { list: variables },
    annotations: {
      list: [
        {
          name: "Retrain requests",
          enable: true,
          iconColor: "orange",
          datasource: DS,
          target: q("Anno", retrainEvent("120")),
        },
      ],
    },
    panels,
  };
}
