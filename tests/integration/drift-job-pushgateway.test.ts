/**
 * The drift CronJob's per-run metrics, pushed by the real job process (drift-job/src/main.ts)
 * to a real Pushgateway (scripts/setup.d/80-monitoring.sh) after runs against real MinIO and
 * MLflow, and read back from the gateway's /metrics: the values are the report.json's, a
 * run without a decision pushes no decision gauges, and a push that fails changes nothing
 * but a warning.
 */
import { strict as assert } from "node:assert";
import type { Client } from "minio";
import { BUCKETS, ENV, KEYS } from "../../lib/contract";
import { PUSH_JOB } from "../../lib/pushgateway";
import { ensureBucket, getText, listKeys, putText, s3Client } from "../../lib/s3";
import { FEATURE_NAMES, LABEL } from "../../lib/schema";
import { generateRows } from "../../lib/generator/generate";
import { JOB_EXIT } from "../../drift-job/src/job";
import { PUSHED_METRICS } from "../../drift-job/src/push-metrics";
import type { DriftReport } from "../../drift-job/src/analyze";
import { getServices, getServicesEnv } from "../helpers/services";
import { startGithubReceiver, type GithubReceiver } from "../helpers/github-receiver";
import { GITHUB_STAND_IN, HOUR, RUN_KEYS, csvOf, folderOf, logTraffic, runDriftJob, runEnv, sharedObjects } from "../helpers/drift-job";
import { freePort } from "../../scripts/services/ports";
import { parseExposition, startPushgateway, type RunningPushgateway, type Sample } from "../../scripts/services/pushgateway";

/** Window ends of this file (its own day, so no other test's traffic or reports mix in). */
const W = (h: number) => new Date(Date.parse("2026-04-02T00:00:00Z") + h * HOUR);
const TEST_DAY = "2026/04/02/";
const NAMESPACE = "drift-loop-test";
const M = PUSHED_METRICS;

const SHARED_KEYS = RUN_KEYS;

describe("drift job metrics pushed to a real Pushgateway (real MinIO + MLflow)", function () {
  this.timeout(180_000);
  let s3: Client;
  let baseEnv: Record<string, string>;
  let gh: GithubReceiver;
  let gateway: RunningPushgateway;
  const shared = sharedObjects(SHARED_KEYS);

  const envFor = (windowEnd: Date, extra: Record<string, string> = {}) => ({
    ...runEnv(baseEnv, windowEnd, gh.url),
    [ENV.pushgatewayUrl]: gateway.url,
    [ENV.podNamespace]: NAMESPACE,
    LOG_LEVEL: "info",
    ...extra,
  });

  /** The samples of our group (job, namespace) on the gateway's /metrics. */
  async function pushed(): Promise<Sample[]> {
    const res = await fetch(`${gateway.url}/metrics`);
    assert.equal(res.status, 200);
    return parseExposition(await res.text()).filter((s) => s.labels.job === PUSH_JOB && s.labels.namespace === NAMESPACE && s.name.startsWith("drift_loop_"));
  }
  const one = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined => {
    const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    assert.ok(hits.length <= 1, `${name} ${JSON.stringify(labels)}: ${hits.length} series`);
    return hits[0]?.value;
  };
  const reportOf = async (w: Date): Promise<DriftReport> => JSON.parse(await getText(s3, BUCKETS.reports, `${folderOf(w)}/report.json`)) as DriftReport;

  before(async () => {
    const svc = await getServices();
    baseEnv = await getServicesEnv();
    s3 = s3Client(svc.s3);
    for (const b of Object.values(BUCKETS)) await ensureBucket(s3, b);
    gh = await startGithubReceiver(GITHUB_STAND_IN);
    gateway = await startPushgateway();
    await shared.save(s3);
    await s3.removeObject(BUCKETS.reports, KEYS.retrainState).catch(() => undefined);
    const reference = [...generateRows({ rows: 3000, seed: 111, scenario: "none" })];
    await putText(s3, BUCKETS.datasets, KEYS.reference, csvOf(reference, [...FEATURE_NAMES, LABEL]), "text/csv");
    await putText(s3, BUCKETS.datasets, KEYS.referenceMeta, JSON.stringify({ model_version: "3", rows: 3000 }), "application/json");
    // Hour 1: drifted traffic; hour 2: calm; hour 3: a handful of rows (too few for any decision); hour 5: none.
    await logTraffic(s3, [...generateRows({ rows: 1500, seed: 211, scenario: "mean_shift", magnitude: 1 })], W(1));
    await logTraffic(s3, [...generateRows({ rows: 1500, seed: 212, scenario: "none" })], W(2));
    await logTraffic(s3, [...generateRows({ rows: 5, seed: 213, scenario: "none" })], W(3));
  });
  after(async () => {
    await gh?.close();
    await gateway?.stop();
    if (!s3) return;
    await shared.restore(s3);
    for (const key of await listKeys(s3, BUCKETS.requests, TEST_DAY)) await s3.removeObject(BUCKETS.requests, key);
    for (const key of await listKeys(s3, BUCKETS.reports, TEST_DAY.replace(/\//g, "-").slice(0, 10))) await s3.removeObject(BUCKETS.reports, key);
  });

  let requestedAt: number | undefined;

  it("pushes the drifted run's decision and every column's score as report.json has them", async () => {
    const started = Date.now();
    const r = await runDriftJob(envFor(W(1)));
    assert.equal(r.code, JOB_EXIT.ok, r.stderr + JSON.stringify(r.logs.slice(-5)));
    assert.ok(r.logs.some((l) => l.msg === "run metrics pushed"));
    const report = await reportOf(W(1));
    const s = await pushed();
    assert.equal(one(s, M.datasetDrift.name), report.dataset_drift ? 1 : 0);
    assert.equal(one(s, M.datasetDrift.name), 1);
    assert.equal(one(s, M.driftShare.name), report.share_of_drifted_columns);
    assert.equal(one(s, M.driftShareThreshold.name), report.drift_share);
    assert.equal(one(s, M.driftedColumns.name), report.number_of_drifted_columns);
    assert.equal(one(s, M.columns.name), report.number_of_columns);
    assert.equal(one(s, M.noDecision.name), 0);
    assert.equal(one(s, M.policyFired.name), 1);
    assert.equal(one(s, M.retrainRequested.name), 1);
    assert.equal(gh.dispatches.length, 1, "one repository_dispatch");
    requestedAt = one(s, M.lastRetrainRequest.name);
    assert.ok(requestedAt !== undefined && requestedAt * 1000 >= started - 1000 && requestedAt * 1000 <= Date.now(), `last retrain request ${requestedAt}`);
    assert.equal(one(s, M.windowEnd.name), W(1).getTime() / 1000);
    const columns = Object.entries(report.columns);
    assert.ok(columns.length >= 5);
    for (const [column, c] of columns) {
      assert.equal(one(s, M.columnScore.name, { column, stattest: c.stattest }), c.drift_score, `score of ${column}`);
      assert.equal(one(s, M.columnDrifted.name, { column }), c.drift_detected ? 1 : 0, `drifted ${column}`);
      assert.equal(one(s, M.columnPsi.name, { column }), c.psi ?? undefined, `psi of ${column}`);
    }
    assert.equal(s.filter((x) => x.name === M.columnScore.name).length, columns.length);
  });

  it("replaces the group with the next run's values and keeps the last retrain request's time", async () => {
    const r = await runDriftJob(envFor(W(2)));
    assert.equal(r.code, JOB_EXIT.ok, r.stderr);
    const report = await reportOf(W(2));
    const s = await pushed();
    assert.equal(one(s, M.datasetDrift.name), 0);
    assert.equal(one(s, M.driftShare.name), report.share_of_drifted_columns);
    assert.equal(one(s, M.retrainRequested.name), 0);
    assert.equal(one(s, M.lastRetrainRequest.name), requestedAt, "the time of the request the first run sent (from the trigger state)");
    assert.equal(one(s, M.windowEnd.name), W(2).getTime() / 1000);
  });

  it("pushes no decision gauges (and no column scores) for a window with too few values, only the marker", async () => {
    const r = await runDriftJob(envFor(W(3)));
    assert.equal(r.code, JOB_EXIT.ok, r.stderr);
    const report = await reportOf(W(3));
    assert.equal(report.retrain.undecided, true, "the fixture is a window without a decision");
    const s = await pushed();
    assert.equal(one(s, M.noDecision.name), 1);
    for (const m of [M.datasetDrift, M.driftShare, M.driftedColumns, M.policyFired, M.columnScore, M.columnDrifted, M.columnPsi]) {
      assert.equal(s.filter((x) => x.name === m.name).length, 0, `${m.name} is absent, not 0`);
    }
    assert.equal(one(s, M.columnsWithoutEnoughData.name), report.number_of_columns_without_enough_data);
    assert.equal(one(s, M.windowEnd.name), W(3).getTime() / 1000);
  });

  it("pushes the marker for a window without any data (no report)", async () => {
    const r = await runDriftJob(envFor(W(5)));
    assert.equal(r.code, JOB_EXIT.ok, r.stderr);
    const s = await pushed();
    assert.equal(one(s, M.noDecision.name), 1);
    assert.equal(one(s, M.datasetDrift.name), undefined);
    assert.equal(one(s, M.windowEnd.name), W(5).getTime() / 1000);
  });

  it("keeps the report, the MLflow run and the exit code when the Pushgateway is unreachable, and warns with the reason", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await runDriftJob(envFor(W(1), { [ENV.pushgatewayUrl]: dead }));
    assert.equal(r.code, JOB_EXIT.ok, r.stderr);
    const warn = r.logs.find((l) => /could not push the run metrics/.test(String(l.msg)));
    assert.ok(warn, JSON.stringify(r.logs.slice(-4)));
    assert.equal(warn.level, 40);
    assert.match(String(warn.err), /ECONNREFUSED/);
    assert.ok((await reportOf(W(1))).meta.mlflow_run_id, "the stored report names its MLflow run");
    assert.ok(r.logs.some((l) => l.msg === "MLflow run logged"));
  });

  it("refuses a PUSHGATEWAY_URL that is not an http(s) URL before doing anything, naming what is allowed", async () => {
    const r = await runDriftJob(envFor(W(1), { [ENV.pushgatewayUrl]: "pushgateway:9091" }));
    assert.equal(r.code, JOB_EXIT.badInput);
    assert.match(r.stderr, /PUSHGATEWAY_URL="pushgateway:9091" is not valid; allowed: an http\(s\) URL of a Pushgateway/);
  });
});
