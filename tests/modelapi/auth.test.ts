/**
 * The model API's bearer tokens and what `GET /model` tells, over real HTTP: a missing or
 * wrong token gets 401 (the row is neither scored nor logged), the right one is served,
 * the probes stay open, and the model's description names no path of the training machine.
 */
import { strict as assert } from "node:assert";
import { METRICS_CLIENT, apiTokens } from "../../lib/auth";
import { createLogger } from "../../lib/logger";
import { createMetrics } from "../../model-api/src/serving/metrics";
import { compileModel } from "../../model-api/src/model";
import type { RequestLogRecord } from "../../lib/request-log";
import { buildServer, type ModelApiServer } from "../../model-api/src/serving/server";
import { trainedModel, validRow } from "./fixtures";

const TRAFFIC = "T".repeat(47) + "1";
const SMOKE = "S".repeat(47) + "2";
const SCRAPER = "P".repeat(47) + "3";

describe("model API: bearer tokens and GET /model", function () {
  this.timeout(30_000);
  let server: ModelApiServer;
  let base: string;
  const logged: RequestLogRecord[] = [];

  before(async () => {
    const model = trainedModel(1000);
    model.training.source = "file:/home/trainer/secret-project/data/reference.csv";
    server = buildServer({
      model: compileModel(model),
      log: createLogger("test", "silent"),
      metrics: createMetrics({ defaultMetrics: false }),
      requestLog: { append: (r) => (logged.push(...r), true), healthy: true, buffered: 0 },
      bodyLimit: 256 * 1024,
      maxBatchRows: 100,
      tokens: apiTokens({ traffic: TRAFFIC, smoke: SMOKE, [METRICS_CLIENT]: SCRAPER }),
    });
    await server.app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
  });
  after(async () => server?.app.close());

  const predict = (headers: Record<string, string>) =>
    fetch(`${base}/predict`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(validRow()) });

  it("refuses a missing or wrong token with 401 and WWW-Authenticate, scoring and logging nothing", async () => {
    for (const headers of [{} as Record<string, string>, { authorization: "Bearer " }, { authorization: `Bearer ${TRAFFIC.slice(0, -1)}` }, { authorization: `Bearer ${TRAFFIC}0` }, { authorization: TRAFFIC }, { authorization: `Basic ${TRAFFIC}` }]) {
      const res = await predict(headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="model-api"');
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.error, "Unauthorized");
      assert.equal(body.prediction, undefined);
    }
    for (const path of ["/model", "/metrics"]) assert.equal((await fetch(`${base}${path}`)).status, 401, path);
    assert.equal(logged.length, 0, "no refused row reaches the request log");
  });

  it("serves each client with its own token", async () => {
    for (const token of [TRAFFIC, SMOKE]) {
      const res = await predict({ authorization: `Bearer ${token}` });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { prediction: number; probability: number };
      assert.ok(body.prediction === 0 || body.prediction === 1);
    }
    assert.equal(logged.length, 2);
    assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: `bearer ${SMOKE}` } })).status, 200, "the scheme is case-insensitive");
  });

  it("lets Prometheus' token read /metrics and nothing else (403), scoring and logging nothing", async () => {
    const auth = { authorization: `Bearer ${SCRAPER}` };
    const metrics = await fetch(`${base}/metrics`, { headers: auth });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /model_api_http_requests_total/);
    const before = logged.length;
    const res = await predict(auth);
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { message: string }).message, /the prometheus token opens \/metrics only/);
    assert.equal((await fetch(`${base}/model`, { headers: auth })).status, 403);
    assert.equal(logged.length, before);
  });

  it("keeps /healthz and /readyz open for the kubelet", async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  });

  it("GET /model tells the kind of training data, not the training machine's path", async () => {
    const res = await fetch(`${base}/model`, { headers: { authorization: `Bearer ${SMOKE}` } });
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(text) as { training: { source: string } }).training.source, "file");
    assert.doesNotMatch(text, /\/home\/trainer|secret-project|reference\.csv/);
  });
});
