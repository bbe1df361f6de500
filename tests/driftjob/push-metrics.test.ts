/**
 * The drift job's pushed gauges, read off a report (drift-job/src/push-metrics.ts; the
 * integration test pushes them to a real Pushgateway): the decision gauges carry the report's
 * values, a column without a score has no series, a run without a decision has no decision
 * gauges and says so.
 */
import { strict as assert } from "node:assert";
import { PUSHED_METRICS, runMetricsRegistry, type RunMetrics } from "../../drift-job/src/push-metrics";
import { parseExposition } from "../../scripts/services/pushgateway";
import { sampleReport } from "./fixtures";

async function samples(run: RunMetrics) {
  return parseExposition(await runMetricsRegistry(run).metrics());
}
const value = (s: Awaited<ReturnType<typeof samples>>, name: string, labels: Record<string, string> = {}) =>
  s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

describe("drift job pushed metrics", () => {
  const base = { finishedAt: Date.parse("2026-03-01T01:02:03Z"), windowEnd: new Date("2026-03-01T01:00:00Z"), retrainRequested: false };

  it("carries the report's decision and each scored column's score, drift and PSI", async () => {
    const report = sampleReport();
    const s = await samples({ ...base, report, retrainRequested: true, lastRetrainRequestAt: Date.parse("2026-03-01T01:02:00Z") });
    assert.equal(value(s, PUSHED_METRICS.datasetDrift.name), report.dataset_drift ? 1 : 0);
    assert.equal(value(s, PUSHED_METRICS.driftShare.name), report.share_of_drifted_columns);
    assert.equal(value(s, PUSHED_METRICS.driftedColumns.name), report.number_of_drifted_columns);
    assert.equal(value(s, PUSHED_METRICS.noDecision.name), 0);
    assert.equal(value(s, PUSHED_METRICS.retrainRequested.name), 1);
    assert.equal(value(s, PUSHED_METRICS.lastRetrainRequest.name), Date.parse("2026-03-01T01:02:00Z") / 1000);
    assert.equal(value(s, PUSHED_METRICS.lastRun.name), base.finishedAt / 1000);
    assert.equal(value(s, PUSHED_METRICS.windowEnd.name), base.windowEnd.getTime() / 1000);
    assert.equal(value(s, PUSHED_METRICS.columnScore.name, { column: "income", stattest: report.columns.income!.stattest }), 0.42);
    assert.equal(value(s, PUSHED_METRICS.columnDrifted.name, { column: "income" }), 1);
    assert.equal(value(s, PUSHED_METRICS.columnPsi.name, { column: "region" }), 0.004);
    assert.ok(!s.some((x) => x.labels.column === "credit_score"), "a column that could not be compared has no series");
  });

  it("pushes no decision gauges for a run without a decision, and the marker instead of a 0", async () => {
    const report = sampleReport();
    report.retrain.undecided = true;
    for (const run of [{ ...base, report }, base]) {
      const s = await samples(run);
      assert.equal(value(s, PUSHED_METRICS.noDecision.name), 1);
      for (const m of [PUSHED_METRICS.datasetDrift, PUSHED_METRICS.driftShare, PUSHED_METRICS.driftedColumns, PUSHED_METRICS.policyFired]) assert.equal(value(s, m.name), undefined, m.name);
      assert.equal(value(s, PUSHED_METRICS.lastRetrainRequest.name), undefined, "no request known: absent");
    }
  });

  it("names every gauge drift_loop_* with a help text", () => {
    for (const m of Object.values(PUSHED_METRICS)) {
      assert.match(m.name, /^drift_loop_[a-z_]+$/);
      assert.ok(m.help.length > 10);
    }
  });
});
