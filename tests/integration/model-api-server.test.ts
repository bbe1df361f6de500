import { strict as assert } from "node:assert";
import { createServer, type Socket } from "node:net";
import type { Client } from "minio";
import { BUCKETS } from "../../lib/contract";
import type { Logger } from "../../lib/logger";
import { s3Client } from "../../lib/s3";
import { createMetrics } from "../../model-api/src/serving/metrics";
import { compileModel, type ModelFile } from "../../model-api/src/model";
import { readRequestWindow } from "../../lib/request-log";
import { RequestLogWriter } from "../../model-api/src/serving/request-log-writer";
import { buildServer, type ModelApiServer } from "../../model-api/src/serving/server";
import type { Services } from "../helpers/services";
import { TcpProxy } from "../modelapi/tcp-proxy";
import { creditRows, realClients, trainedModel, validRow } from "../modelapi/fixtures";

interface Api {
  url: string;
  server: ModelApiServer;
  writer: RequestLogWriter;
  close(): Promise<void>;
}

async function startApi(o: { model: ModelFile; s3: Client; log: Logger; pod: string; flushRows?: number; flushSeconds?: number; maxBufferedRows?: number; bodyLimit?: number; maxBatchRows?: number }): Promise<Api> {
  const metrics = createMetrics({ defaultMetrics: false });
  const writer = new RequestLogWriter({
    client: o.s3,
    bucket: BUCKETS.requests,
    pod: o.pod,
    flushRows: o.flushRows ?? 50,
    flushSeconds: o.flushSeconds ?? 1,
    maxBufferedRows: o.maxBufferedRows ?? 10_000,
    maxBackoffMs: 300,
    log: o.log,
  });
  writer.start();
  const server = buildServer({ model: compileModel(o.model), log: o.log, metrics, requestLog: writer, bodyLimit: o.bodyLimit ?? 256 * 1024, maxBatchRows: o.maxBatchRows ?? 500 });
  await server.app.listen({ port: 0, host: "127.0.0.1" });
  const port = (server.app.server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    writer,
    close: async () => {
      await server.app.close();
      await writer.close(Date.now() + 10_000);
    },
  };
}

const post = async (url: string, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) => {
  const res = await fetch(`${url}/predict`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
};

describe("model API server against real MinIO", function () {
  this.timeout(120_000);
  let s3: Client;
  let log: Logger;
  let svc: Services;
  let api: Api;
  const model = { ...trainedModel(), version: "42" };

  before(async () => {
    ({ s3, log, svc } = await realClients());
    api = await startApi({ model, s3, log, pod: `server-test-${process.pid}` });
  });
  after(async () => api?.close());

  it("scores one row and answers the model version, probability and class", async () => {
    const r = await post(api.url, validRow());
    assert.equal(r.status, 200);
    assert.equal(r.body.model_version, "42");
    assert.ok(r.body.probability > 0 && r.body.probability < 1);
    assert.equal(r.body.prediction, r.body.probability >= 0.5 ? 1 : 0);
    assert.equal(r.headers.get("x-request-id"), r.body.request_id);
    assert.equal(r.body.probability, compileModel(model).probability(validRow()));
  });

  it("scores a batch in order, with missing values and unseen categories", async () => {
    const rows = creditRows(100, 7).map((r) => ({ ...r.features }));
    rows[3].region = "atlantis";
    rows[4].income = null;
    const r = await post(api.url, { rows });
    assert.equal(r.status, 200);
    assert.equal(r.body.predictions.length, 100);
    const c = compileModel(model);
    rows.forEach((row, i) => assert.equal(r.body.predictions[i].probability, c.probability(row)));
  });

  const badInputs: [string, unknown, number, string | undefined, RegExp][] = [
    ["an out-of-range value", { ...validRow(), credit_score: 900 }, 400, "credit_score", /900 is out of range; allowed: an integer from 300 to 850/],
    ["a wrong type", { ...validRow(), age: "forty" }, 400, "age", /"forty" is not a number/],
    ["an unknown field", { ...validRow(), ssn: "x" }, 400, "ssn", /unknown field/],
    ["a missing field", (() => { const { region: _r, ...rest } = validRow(); return rest; })(), 400, "region", /is required/],
    ["a bad row inside a batch", { rows: [validRow(), { ...validRow(), debt_to_income: -1 }] }, 400, "rows[1].debt_to_income", /-1 is out of range/],
    ["an empty batch", { rows: [] }, 400, "rows", /must hold 1 to 500 rows; got none/],
    ["rows that are not an array", { rows: { a: 1 } }, 400, "rows", /must be an array/],
    ["a field next to rows", { rows: [validRow()], model: "x" }, 400, "model", /unknown field next to "rows"/],
    ["a JSON array body", [validRow()], 400, "body", /must be a JSON object/],
    ["a JSON string body", '"hello"', 400, "body", /must be a JSON object/],
    ["too many rows", { rows: Array.from({ length: 501 }, validRow) }, 413, "rows", /holds 501 rows; at most 500 rows per request/],
    ["a body over the size limit", { rows: Array.from({ length: 400 }, () => ({ ...validRow(), region: "x".repeat(40) })), pad: "y".repeat(300_000) }, 413, undefined, /larger than 262144 bytes/],
  ];
  for (const [what, body, status, field, message] of badInputs) {
    it(`answers ${status} for ${what}${field ? `, naming ${field}` : ""}`, async () => {
      const r = await post(api.url, body);
      assert.equal(r.status, status, JSON.stringify(r.body));
      if (field) assert.equal(r.body.field, field);
      assert.match(r.body.message, message);
    });
  }

  it("answers 400 for malformed JSON and 415 for another media type", async () => {
    const broken = await post(api.url, '{"rows": [');
    assert.equal(broken.status, 400);
    assert.match(broken.body.message, /not valid JSON/);
    const text = await post(api.url, "age=1", { "content-type": "text/plain" });
    assert.equal(text.status, 415);
    assert.match(text.body.message, /application\/json/);
  });

  it("serves the model's version and training metrics, health, readiness and metrics", async () => {
    const m = (await (await fetch(`${api.url}/model`)).json()) as Record<string, any>;
    assert.equal(m.version, "42");
    assert.equal(m.metrics.auc, model.metrics.auc);
    assert.equal(m.training.rows, model.training.rows);
    assert.equal((await fetch(`${api.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
    const text = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(text, /model_api_http_requests_total\{route="\/predict",method="POST",status="200"\} \d+/);
    assert.match(text, /model_api_http_request_duration_seconds_bucket\{le="0.001",route="\/predict",method="POST"\}/);
    assert.match(text, /model_api_predictions_total\{prediction="[01]"\} \d+/);
    assert.match(text, /model_api_prediction_probability_bucket/);
    assert.match(text, /model_api_invalid_requests_total\{field="credit_score"\} 1/);
    assert.match(text, /model_api_model_info\{version="42"/);
    assert.equal((await fetch(`${api.url}/nope`)).status, 404);
  });

  it("logs every scored row to MinIO under requests/YYYY/MM/DD/HH/, readable as a time window", async () => {
    const start = new Date(Date.now() - 1000);
    const rows = creditRows(30, 8).map((r) => ({ ...r.features, default: r.label }));
    const batch = await post(api.url, { rows });
    const single = await post(api.url, validRow());
    assert.ok(await api.writer.flushAll(Date.now() + 10_000));
    const { records, keys, invalid } = await readRequestWindow(s3, { start, end: new Date(Date.now() + 1000) });
    assert.deepEqual(invalid, []);
    assert.ok(keys.every((k) => /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/server-test-\d+-\d+-\d{6}\.ndjson$/.test(k) || !k.includes("server-test")), keys.join(","));
    const mine = records.filter((r) => r.request_id === batch.body.request_id);
    assert.equal(mine.length, 30);
    mine.forEach((rec, i) => {
      assert.equal(rec.row, i);
      assert.equal(rec.model_version, "42");
      assert.equal(rec.probability, batch.body.predictions[i].probability);
      assert.equal(rec.prediction, batch.body.predictions[i].prediction);
      assert.equal(rec.label, rows[i].default, "the label sent by simulated traffic is kept");
      const { default: _l, ...features } = rows[i];
      assert.deepEqual(rec.features, features);
    });
    const one = records.filter((r) => r.request_id === single.body.request_id);
    assert.equal(one.length, 1);
    assert.equal(one[0].label, undefined);
  });

  it("keeps rows while MinIO is unreachable, fails readiness, answers 503 when full, and loses nothing on recovery", async () => {
    const proxy = new TcpProxy(svc.s3.endPoint, svc.s3.port);
    await proxy.start();
    const viaProxy = s3Client({ ...svc.s3, port: proxy.port });
    const pod = `outage-test-${process.pid}`;
    const small = await startApi({ model, s3: viaProxy, log, pod, flushRows: 10, flushSeconds: 1, maxBufferedRows: 1000 });
    try {
      const start = new Date(Date.now() - 1000);
      await proxy.stop(); // MinIO unreachable from the API
      const accepted: string[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await post(small.url, { rows: Array.from({ length: 100 }, validRow) });
        assert.equal(r.status, 200, "accepted while the buffer has room");
        accepted.push(r.body.request_id);
      }
      await new Promise((r) => setTimeout(r, 1500)); // a flush attempt fails meanwhile
      assert.equal(small.writer.buffered, 700, "nothing dropped, nothing written");
      assert.ok(small.writer.lastError, "the write error is kept");
      assert.equal((await fetch(`${small.url}/readyz`)).status, 200, "below the high-water mark (80%) the pod stays ready");
      for (let i = 0; i < 3; i++) {
        const r = await post(small.url, { rows: Array.from({ length: 100 }, validRow) });
        assert.equal(r.status, 200);
        accepted.push(r.body.request_id);
        if (i === 0) {
          const ready = await fetch(`${small.url}/readyz`);
          assert.equal(ready.status, 503, "at the high-water mark the pod is not ready");
          assert.match(await ready.text(), /request log backlog/);
        }
      }
      const full = await post(small.url, validRow());
      assert.equal(full.status, 503, "a full buffer refuses new rows instead of losing logs");
      assert.equal(full.headers.get("retry-after"), "5");
      assert.match(full.body.message, /request log buffer is full/);

      await proxy.start(); // MinIO is back
      assert.ok(await small.writer.flushAll(Date.now() + 20_000), "the backlog drains");
      assert.equal(small.writer.buffered, 0);
      const { records } = await readRequestWindow(s3, { start, end: new Date(Date.now() + 1000) });
      const stored = records.filter((r) => accepted.includes(r.request_id));
      assert.equal(stored.length, 1000, "every accepted row is stored");
      assert.equal(new Set(stored.map((r) => `${r.request_id}/${r.row}`)).size, 1000, "and none twice");
      assert.equal((await fetch(`${small.url}/readyz`)).status, 200);
    } finally {
      await small.close();
      await proxy.stop();
    }
  });

  it("does not hang on shutdown when MinIO accepts connections but never answers", async () => {
    // A socket that accepts and stays silent: the worst kind of outage for a client.
    const held: Socket[] = [];
    const silent = createServer((sock) => held.push(sock));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as { port: number }).port;
    const lines: string[] = [];
    const capture = { ...log, error: (o: unknown, m?: string) => lines.push(`${m} ${JSON.stringify(o)}`), warn: () => undefined, info: () => undefined, debug: () => undefined } as unknown as Logger;
    const writer = new RequestLogWriter({ client: s3Client({ ...svc.s3, port }), bucket: BUCKETS.requests, pod: "hung", flushRows: 10, flushSeconds: 1, maxBufferedRows: 1000, writeTimeoutMs: 300, maxBackoffMs: 200, log: capture });
    try {
      const rec = { request_id: "r", row: 0, ts: new Date().toISOString(), model_version: "1", features: validRow(), prediction: 0 as const, probability: 0.1 };
      assert.ok(writer.append(Array.from({ length: 25 }, (_, i) => ({ ...rec, row: i }))));
      const t0 = Date.now();
      const ok = await writer.close(Date.now() + 2000);
      assert.equal(ok, false, "it reports that rows could not be written");
      assert.ok(Date.now() - t0 < 6000, `close returned after ${Date.now() - t0} ms, not never`);
      assert.equal(writer.buffered, 25, "the rows are still accounted for");
      assert.match(lines.join("\n"), /could not be flushed before the shutdown deadline.*"unwrittenRows":25/);
      assert.match(writer.lastError ?? "", /took longer than 300 ms/);
    } finally {
      for (const sck of held) sck.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
