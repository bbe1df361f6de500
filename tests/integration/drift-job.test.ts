/**
 * The drift CronJob run as a process against real MinIO and MLflow (tests/helpers/services)
 * and the GitHub stand-in: reports stored, MLflow runs logged, one retrain request per drift
 * episode, and the documented exit code for each failing dependency.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import type { Client } from "minio";
import { BUCKETS, DRIFT_EVENT_TYPE, ENV, KEYS, MLFLOW } from "../../lib/contract";
import { MlflowClient } from "../../lib/mlflow";
import { ensureBucket, getText, listKeys, objectExists, putText, s3Client } from "../../lib/s3";
import { FEATURE_NAMES, LABEL } from "../../lib/schema";
import { generateRows } from "../../lib/generator/generate";
import { JOB_EXIT } from "../../drift-job/src/job";
import { getServices, getServicesEnv } from "../helpers/services";
import { startGithubReceiver, type GithubReceiver } from "../helpers/github-receiver";
import { freePort } from "../../scripts/services/ports";
import { GITHUB_STAND_IN, HOUR, RUN_KEYS, csvOf, folderOf, logTraffic, runDriftJob, runEnv, sharedObjects } from "../helpers/drift-job";

const ROOT = resolve(__dirname, "..", "..");
/** Window ends used by the tests (aligned hours, far from "now" so no real traffic mixes in). */
const W = (h: number) => new Date(Date.parse("2026-03-01T00:00:00Z") + h * HOUR);

/** Objects with fixed keys this test replaces (restored afterwards). */
const SHARED_KEYS = RUN_KEYS;
const shared = sharedObjects(SHARED_KEYS);
/** The request-log partition day of W(...): only this test writes there. */
const TEST_DAY = "2026/03/01/";


describe("drift job in-cluster run (real MinIO + MLflow, GitHub stand-in)", function () {
  this.timeout(180_000);
  let s3: Client;
  let baseEnv: Record<string, string>;
  let gh: GithubReceiver;
  let mlflow: MlflowClient;

  const envFor = (windowEnd: Date, extra: Record<string, string> = {}) => ({
    ...runEnv(baseEnv, windowEnd, gh.url),
    LOG_LEVEL: "info",
    ...extra,
  });

  before(async () => {
    const svc = await getServices();
    baseEnv = await getServicesEnv();
    s3 = s3Client(svc.s3);
    mlflow = new MlflowClient(svc.mlflowUrl);
    for (const b of Object.values(BUCKETS)) await ensureBucket(s3, b);
    gh = await startGithubReceiver(GITHUB_STAND_IN);
    // The servers are shared by every test file: keep what others stored under the fixed keys, restore it after.
    await shared.save(s3);
    const reference = [...generateRows({ rows: 3000, seed: 101, scenario: "none" })];
    await putText(s3, BUCKETS.datasets, KEYS.reference, csvOf(reference, [...FEATURE_NAMES, LABEL]), "text/csv");
    await putText(s3, BUCKETS.datasets, KEYS.referenceMeta, JSON.stringify({ model_version: "3", rows: 3000 }), "application/json");
    // Hours 1..4: drifted traffic; hour 6: calm traffic; hour 8: no traffic.
    for (const h of [1, 2, 3, 4]) await logTraffic(s3, [...generateRows({ rows: 1500, seed: 200 + h, scenario: "mean_shift", magnitude: 1 })], W(h), { objects: 2 });
    await logTraffic(s3, [...generateRows({ rows: 1500, seed: 300, scenario: "none" })], W(6), { objects: 2 });
  });
  after(async () => {
    await gh?.close();
    if (!s3) return;
    await shared.restore(s3);
    for (const key of await listKeys(s3, BUCKETS.requests, TEST_DAY)) await s3.removeObject(BUCKETS.requests, key);
    for (const key of await listKeys(s3, BUCKETS.reports, TEST_DAY.replace(/\//g, "-").slice(0, 10))) await s3.removeObject(BUCKETS.reports, key);
  });

  it("stores the report, logs an MLflow run and asks GitHub for one retrain when traffic drifted", async () => {
    const r = await runDriftJob(envFor(W(1)));
    assert.equal(r.code, JOB_EXIT.ok, r.stderr + JSON.stringify(r.logs.slice(-5)));
    const folder = folderOf(W(1));
    const report = JSON.parse(await getText(s3, BUCKETS.reports, `${folder}/report.json`));
    assert.ok(await objectExists(s3, BUCKETS.reports, `${folder}/report.html`));
    assert.equal(report.retrain.fired, true);
    assert.ok(report.number_of_drifted_columns >= 1);
    assert.equal(report.meta.current.rows, 1500);
    assert.ok(report.prediction_drift.columns.prediction, "prediction drift computed");
    assert.ok(report.performance === null || typeof report.performance === "object");
    assert.match(report.retrain.action, /retrain requested/);

    assert.equal(gh.dispatches.length, 1);
    const d = gh.dispatches[0];
    assert.equal(d.event_type, DRIFT_EVENT_TYPE);
    const p = d.client_payload!;
    assert.ok(Object.keys(p).length <= 10);
    assert.equal(p.report, `s3://${BUCKETS.reports}/${folder}/report.json`);
    assert.equal(p.window_end, W(1).toISOString());
    assert.equal(p.model_version, "3");
    assert.ok(Array.isArray(p.drifted_columns) && (p.drifted_columns as string[]).length >= 1);

    const exp = await mlflow.getOrCreateExperiment(MLFLOW.driftExperiment);
    const run = await mlflow.getRun(String(p.mlflow_run_id));
    assert.equal(run.info.experiment_id, exp);
    assert.equal(run.info.status, "FINISHED");
    const metrics = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
    assert.equal(metrics.retrain_policy_fired, 1);
    assert.equal(metrics.share_of_drifted_columns, report.share_of_drifted_columns);
    assert.equal(metrics["drift_score.income"], report.columns.income.drift_score);
    assert.equal(metrics["psi.income"], report.columns.income.psi);
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.match(tags["retrain.decision"], /retrain requested/);
    const files = (await mlflow.listArtifacts(run.info.run_id)).map((f) => f.path).sort();
    assert.deepEqual(files, ["report.html", "report.json"]);
    const html = (await mlflow.downloadArtifact(run.info, "report.html")).toString("utf8");
    assert.match(html, /Data drift report/);

    const state = JSON.parse(await getText(s3, BUCKETS.reports, KEYS.retrainState));
    assert.equal(state.episode.status, "sent");
  });

  it("sends nothing when the same window runs again, and nothing for the next drifted window of the episode", async () => {
    const again = await runDriftJob(envFor(W(1)));
    assert.equal(again.code, JOB_EXIT.ok, again.stderr);
    assert.equal(gh.dispatches.length, 1);
    const report = JSON.parse(await getText(s3, BUCKETS.reports, `${folderOf(W(1))}/report.json`));
    assert.match(report.retrain.action, /already requested for this window/);
    const next = await runDriftJob(envFor(W(2)));
    assert.equal(next.code, JOB_EXIT.ok, next.stderr);
    assert.equal(gh.dispatches.length, 1, "one drift episode, one retrain");
    const r2 = JSON.parse(await getText(s3, BUCKETS.reports, `${folderOf(W(2))}/report.json`));
    assert.match(r2.retrain.action, /cooldown until/);
  });

  it("ends the episode on a calm window, and skips a window without traffic", async () => {
    const calm = await runDriftJob(envFor(W(6)));
    assert.equal(calm.code, JOB_EXIT.ok, calm.stderr);
    const report = JSON.parse(await getText(s3, BUCKETS.reports, `${folderOf(W(6))}/report.json`));
    assert.equal(report.retrain.fired, false);
    assert.equal(JSON.parse(await getText(s3, BUCKETS.reports, KEYS.retrainState)).episode, null);
    const empty = await runDriftJob(envFor(W(8)));
    assert.equal(empty.code, JOB_EXIT.ok);
    assert.ok(!(await objectExists(s3, BUCKETS.reports, `${folderOf(W(8))}/report.json`)));
    assert.ok(empty.logs.some((l) => /no current data in the window/.test(String(l.msg))));
  });

  it("stores the report and exits 4 when MLflow stays down; the retrain request still goes out", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await runDriftJob(envFor(W(3), { [ENV.mlflowTrackingUri]: dead }));
    assert.equal(r.code, JOB_EXIT.mlflow, r.stderr);
    const report = JSON.parse(await getText(s3, BUCKETS.reports, `${folderOf(W(3))}/report.json`));
    assert.equal(report.retrain.fired, true);
    assert.equal(gh.dispatches.length, 2, "a new episode after the calm window");
    assert.equal(gh.dispatches[1].client_payload?.mlflow_run_id, "");
  });

  it("exits 5 when GitHub stays down, keeps the report, and the next run asks again", async () => {
    await putText(s3, BUCKETS.reports, KEYS.retrainState, JSON.stringify({ version: 1, episode: null, history: [], updated_at: new Date(0).toISOString() }), "application/json");
    gh.failNext(100, 503);
    const r = await runDriftJob(envFor(W(4)));
    gh.failNext(0);
    assert.equal(r.code, JOB_EXIT.github, r.stderr);
    const report = JSON.parse(await getText(s3, BUCKETS.reports, `${folderOf(W(4))}/report.json`));
    assert.match(report.retrain.action, /failed/);
    assert.equal(JSON.parse(await getText(s3, BUCKETS.reports, KEYS.retrainState)).episode.status, "failed");
    const before = gh.dispatches.length;
    const retry = await runDriftJob(envFor(W(4)));
    assert.equal(retry.code, JOB_EXIT.ok, retry.stderr);
    assert.equal(gh.dispatches.length, before + 1);
  });

  it("exits 6 when MLflow and GitHub are both down, with the report stored", async () => {
    await putText(s3, BUCKETS.reports, KEYS.retrainState, JSON.stringify({ version: 1, episode: null, history: [], updated_at: new Date(0).toISOString() }), "application/json");
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await runDriftJob(envFor(W(2), { [ENV.mlflowTrackingUri]: dead, [ENV.githubApiUrl]: `http://127.0.0.1:${await freePort()}` }));
    assert.equal(r.code, JOB_EXIT.mlflowAndGithub, r.stderr);
    assert.ok(await objectExists(s3, BUCKETS.reports, `${folderOf(W(2))}/report.json`));
  });

  it("exits 3 and stores nothing when MinIO is unreachable, and 2 on a bad setting", async () => {
    const before = (await listKeys(s3, BUCKETS.reports, "")).length;
    const r = await runDriftJob(envFor(W(1), { [ENV.s3Port]: String(await freePort()) }));
    assert.equal(r.code, JOB_EXIT.storage, r.stderr);
    const bad = await runDriftJob(envFor(W(1), { [ENV.driftStattest]: "anderson" }));
    assert.equal(bad.code, JOB_EXIT.badInput);
    // Printed the way every entry point prints a usage error (lib/cli.ts runMain).
    assert.match(bad.stderr, /^drift-job: DRIFT_STATTEST="anderson" is not allowed; allowed: auto, ks/m);
    assert.equal((await listKeys(s3, BUCKETS.reports, "")).length, before);
  });

  it("checks a fresh drifter batch instead of request logs when DRIFT_CURRENT_SOURCE=drifter", async () => {
    const port = await freePort();
    const drifter = spawn(process.execPath, ["--import", "tsx", join(ROOT, "drifter/src/main.ts")], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", [ENV.port]: String(port), HOST: "127.0.0.1", [ENV.driftRows]: "800", LOG_LEVEL: "warn" },
      stdio: "ignore",
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
        if (ok) break;
        if (i > 150) throw new Error("drifter did not start");
        await new Promise((r) => setTimeout(r, 200));
      }
      const r = await runDriftJob(envFor(W(10), { [ENV.driftCurrentSource]: "drifter", [ENV.drifterUrl]: url }));
      assert.equal(r.code, JOB_EXIT.ok, r.stderr);
      const report = JSON.parse(await getText(s3, BUCKETS.reports, `${folderOf(W(10))}/report.json`));
      assert.equal(report.meta.current.rows, 800);
      assert.match(report.meta.current.name, /api\/v1\/data/);
      assert.ok(report.columns[LABEL], "the label is compared too (label drift) when both sides have it");
      assert.equal(report.meta.window.source, "drifter");
    } finally {
      drifter.kill("SIGTERM");
    }
  });
});
