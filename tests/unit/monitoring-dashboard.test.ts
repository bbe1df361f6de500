/**
 * The Grafana dashboard (components/monitoring/dashboard.ts). Its shape is checked by tsc
 * against @grafana/schema's Dashboard, Panel and panel option types; here: what it must
 * show, that every query goes through the `datasource` variable, that the layout has no
 * overlaps, and that every metric a PromQL expression names is one our code exports (the
 * drifter's and the model API's registries, the drift job's pushed gauges), so a rename
 * breaks this test rather than the dashboard. No real Grafana runs here (none is in a
 * package registry this project uses): docs/monitoring.md says so.
 */
import { strict as assert } from "node:assert";
import { DASHBOARD_UID, driftLoopDashboard, type PromQuery } from "../../components/monitoring/dashboard";
import { createMetrics as drifterMetrics } from "../../drifter/src/metrics";
import { createMetrics as modelApiMetrics } from "../../model-api/src/serving/metrics";
import { PUSHED_METRICS } from "../../drift-job/src/push-metrics";

/** PromQL functions, aggregations and keywords our expressions may use. */
const PROMQL_WORDS = new Set(["sum", "max", "min", "avg", "count", "rate", "increase", "changes", "histogram_quantile", "time", "by", "without", "and", "or", "unless", "vector"]);

/** The metric names of an expression: every identifier outside label matchers, ranges and grouping clauses that is not a PromQL word. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, "") // strings
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // ranges
    .replace(/\b(by|without)\s*\([^)]*\)/g, "") // grouping labels
    .replace(/\$\w+/g, ""); // Grafana variables
  const ids = bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(ids.filter((id) => !PROMQL_WORDS.has(id)))];
}

/** Every series name our code exports: registries (histograms with their _bucket/_sum/_count) and the pushed gauges. */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>(Object.values(PUSHED_METRICS).map((m) => m.name));
  for (const registry of [drifterMetrics().registry, modelApiMetrics({ defaultMetrics: false }).registry]) {
    for (const m of await registry.getMetricsAsJSON()) {
      names.add(m.name);
      if (String(m.type) === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m.name + s);
    }
  }
  return names;
}

describe("Grafana dashboard (components/monitoring/dashboard.ts)", () => {
  const dash = driftLoopDashboard("drift-loop");
  const panels = dash.panels ?? [];
  /** A panel's queries (every panel of ours is a plain panel with Prometheus queries). */
  const queriesOf = (p: (typeof panels)[number] | undefined): PromQuery[] => ((p as { targets?: unknown[] } | undefined)?.targets ?? []) as PromQuery[];
  const targets = panels.flatMap(queriesOf);
  const annotationTargets = (dash.annotations?.list ?? []).map((a) => a.target as PromQuery);

  it("has a stable uid, a prometheus datasource variable and a namespace variable defaulting to the platform's", () => {
    assert.equal(dash.uid, DASHBOARD_UID);
    const vars = dash.templating?.list ?? [];
    const ds = vars.find((v) => v.name === "datasource");
    assert.equal(ds?.type, "datasource");
    assert.equal(ds?.query, "prometheus");
    const ns = vars.find((v) => v.name === "namespace");
    assert.deepEqual(ns?.current, { text: "drift-loop", value: "drift-loop" });
  });

  it("shows drift share, per-column scores, dataset drift, retrain events, model API latency and error rate, and the request-log backlog", () => {
    const titles = panels.map((p) => p.title);
    for (const t of ["Drift share", "Per-column drift scores", "Dataset drift and retrain policy", "Retrain requests", "Model API latency (p50, p95)", "Model API error rate", "Request-log backlog", "Request-log write failures"]) {
      assert.ok(titles.includes(t), `panel ${t}`);
    }
    const exprOf = (title: string) => queriesOf(panels.find((p) => p.title === title)).map((t) => t.expr).join("\n");
    assert.match(exprOf("Model API latency (p50, p95)"), /histogram_quantile\(0\.5,[\s\S]*histogram_quantile\(0\.95,/);
    assert.match(exprOf("Model API error rate"), /status=~"5\.\."/);
    assert.match(exprOf("Retrain requests"), /time\(\) - drift_loop_last_retrain_request_timestamp_seconds/);
    assert.ok(annotationTargets.some((t) => /drift_loop_last_retrain_request_timestamp_seconds/.test(t.expr)), "retrain requests are annotations too");
  });

  it("queries through the datasource variable only, with unique panel ids and refIds", () => {
    assert.ok(targets.length >= 15);
    for (const p of panels) assert.deepEqual(p.datasource, { type: "prometheus", uid: "${datasource}" }, p.title);
    for (const t of [...targets, ...annotationTargets]) assert.deepEqual(t.datasource, { type: "prometheus", uid: "${datasource}" }, t.expr);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of panels) {
      const refs = queriesOf(p).map((t) => t.refId);
      assert.equal(new Set(refs).size, refs.length, p.title);
    }
  });

  it("lays the panels out on Grafana's 24-column grid without overlaps", () => {
    const boxes = panels.map((p) => ({ title: p.title, ...p.gridPos! }));
    for (const b of boxes) assert.ok(b.x >= 0 && b.w > 0 && b.x + b.w <= 24 && b.h > 0, b.title);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        assert.ok(!overlap, `${a.title} overlaps ${b.title}`);
      }
    }
  });

  it("names only metrics our code exports (a rename breaks this test)", async () => {
    const exported = await exportedNames();
    const used = new Set<string>();
    for (const t of [...targets, ...annotationTargets]) {
      const names = metricNames(t.expr);
      assert.ok(names.length > 0, `no metric in ${t.expr}`);
      for (const n of names) {
        assert.ok(exported.has(n), `${n} (in ${t.expr}) is not exported by the drifter, the model API or the drift job's push`);
        used.add(n);
      }
    }
    // The drift job's decision gauges all reach the dashboard.
    for (const m of [PUSHED_METRICS.driftShare, PUSHED_METRICS.columnScore, PUSHED_METRICS.datasetDrift, PUSHED_METRICS.lastRetrainRequest, PUSHED_METRICS.noDecision]) assert.ok(used.has(m.name), m.name);
  });

  it("finds the metric names of an expression, so the check above is not vacuous", () => {
    assert.deepEqual(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(model_api_http_request_duration_seconds_bucket{namespace="$namespace"}[$__rate_interval])))'), ["model_api_http_request_duration_seconds_bucket"]);
    assert.deepEqual(metricNames('time() - max(drift_loop_last_run_timestamp_seconds{job="x"})'), ["drift_loop_last_run_timestamp_seconds"]);
    assert.deepEqual(metricNames("sum(rate(model_api_requests_total[5m])) / sum(rate(x_total[5m]))"), ["model_api_requests_total", "x_total"]);
  });

  it("is plain JSON (what the ConfigMap carries and the Grafana sidecar writes to a file)", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(dash)), dash);
  });
});
