import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { Client } from "minio";
import { BUCKETS, ENV } from "../../lib/contract";
import type { Logger } from "../../lib/logger";
import { createMetrics } from "../../model-api/src/serving/metrics";
import { compileModel } from "../../model-api/src/model";
import { readRequestWindow } from "../../lib/request-log";
import { RequestLogWriter } from "../../model-api/src/serving/request-log-writer";
import { buildServer, type ModelApiServer } from "../../model-api/src/serving/server";
import { fetchFromDrifter } from "../../model-api/src/training/dataset";
import { creditRows, realClients, runTs, trainedModel } from "../modelapi/fixtures";
import { freePort } from "../../scripts/services/ports";

const repoRoot = join(__dirname, "..", "..");

/** The run's summary log line (log lines of one process may reach the pipe out of order). */
function summaryOf(stdout: string): Record<string, any> {
  const lines = stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, any>);
  const summary = lines.find((l) => typeof l.msg === "string" && l.msg.startsWith("traffic run finished"));
  assert.ok(summary, `no summary line in:\n${stdout}`);
  return summary;
}

describe("traffic CronJob entry point (npm run traffic) with the real drifter", function () {
  this.timeout(120_000);
  let s3: Client;
  let log: Logger;
  let drifter: ChildProcess;
  let drifterUrl: string;
  let api: ModelApiServer;
  let apiUrl: string;
  let writer: RequestLogWriter;

  before(async () => {
    ({ s3, log } = await realClients());
    const port = await freePort();
    drifterUrl = `http://127.0.0.1:${port}`;
    drifter = spawn(process.execPath, ["--import", "tsx", "drifter/src/main.ts"], { cwd: repoRoot, env: { ...process.env, [ENV.port]: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" }, stdio: "ignore" });
    writer = new RequestLogWriter({ client: s3, bucket: BUCKETS.requests, pod: `traffic-test-${process.pid}`, flushRows: 1000, flushSeconds: 1, maxBufferedRows: 100_000, log });
    writer.start();
    api = buildServer({ model: compileModel({ ...trainedModel(), version: "5" }), log, metrics: createMetrics({ defaultMetrics: false }), requestLog: writer, bodyLimit: 1024 * 1024, maxBatchRows: 1000 });
    await api.app.listen({ port: 0, host: "127.0.0.1" });
    apiUrl = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${drifterUrl}/healthz`)).ok) return;
      } catch {
        /* starting */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("the drifter did not start");
  });
  after(async () => {
    drifter?.kill("SIGTERM");
    await api?.app.close();
    await writer?.close(Date.now() + 5000);
  });

  const traffic = (env: Record<string, string>) => runTs("model-api/src/traffic/traffic-cli.ts", [], { LOG_LEVEL: "info", ...env }, repoRoot);

  it("posts a drifter batch to the model API in batches and logs one summary line", async () => {
    const start = new Date(Date.now() - 1000);
    const r = await traffic({ [ENV.drifterUrl]: drifterUrl, [ENV.modelApiUrl]: apiUrl, [ENV.trafficRows]: "450", [ENV.trafficBatchSize]: "100", [ENV.trafficScenario]: "mean_shift" });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const summary = summaryOf(r.stdout);
    assert.equal(summary.msg, "traffic run finished");
    assert.equal(summary.rows, 450);
    assert.equal(summary.requests, 5);
    assert.equal(summary.ok_rows, 450);
    assert.equal(summary.failed_requests, 0);
    assert.deepEqual(summary.model_versions, ["5"]);
    assert.ok(await writer.flushAll(Date.now() + 10_000));
    const { records } = await readRequestWindow(s3, { start, end: new Date(Date.now() + 1000) });
    const mine = records.filter((x) => x.model_version === "5");
    assert.ok(mine.length >= 450, `rows logged: ${mine.length}`);
    assert.ok(mine.every((x) => x.label === 0 || x.label === 1), "the drifter's ground truth is logged with each row");
  });

  it("fetches labelled training rows from the drifter's API in seeded pages, exactly the generator's rows", async () => {
    const got = await fetchFromDrifter(drifterUrl, { rows: 2500, seed: 5, pageRows: 1000, scenario: "missing_spike", magnitude: 0.8 });
    assert.equal(got.rows.length, 2500);
    assert.deepEqual(got.rows.slice(0, 1000), creditRows(1000, 5, "missing_spike", 0.8), "page 1 = seed 5");
    assert.deepEqual(got.rows.slice(1000, 2000), creditRows(1000, 6, "missing_spike", 0.8), "page 2 = seed 6");
    assert.ok(got.rows.some((r) => Object.values(r.features).includes(null)), "missing values arrive as null");
    assert.match(got.source, /seed=5 scenario=missing_spike/);
    await assert.rejects(fetchFromDrifter(drifterUrl, { rows: 10, scenario: "earthquake" }), /the drifter answered 400/);
  });

  it("exits 1 with the failures in its summary when the model API is unreachable", async () => {
    const r = await traffic({ [ENV.drifterUrl]: drifterUrl, [ENV.modelApiUrl]: "http://127.0.0.1:9", [ENV.trafficRows]: "20", [ENV.trafficBatchSize]: "10", TRAFFIC_CONCURRENCY: "1" });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const summary = summaryOf(r.stdout);
    assert.equal(summary.failed_requests, 2, r.stdout);
    assert.equal(summary.ok_rows, 0);
    assert.ok(summary.errors.length > 0);
  });

  it("exits 2 naming the variable when its configuration is wrong", async () => {
    const r = await traffic({ [ENV.drifterUrl]: drifterUrl, [ENV.modelApiUrl]: apiUrl, [ENV.trafficBatchSize]: "5000" });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /TRAFFIC_BATCH_SIZE=5000 is out of range; allowed: 1\.\.1000/);
    const s = await traffic({ [ENV.drifterUrl]: drifterUrl, [ENV.modelApiUrl]: apiUrl, [ENV.trafficScenario]: "earthquake" });
    assert.equal(s.status, 2);
    assert.match(s.stderr, /TRAFFIC_SCENARIO: .*earthquake/);
  });
});
