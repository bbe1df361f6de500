/**
 * lib/http-plugin.ts: the probes, /metrics and the one error shape, on a bare Fastify
 * server and on both real servers (the drifter and the model API answer alike).
 */
import { strict as assert } from "node:assert";
import Fastify, { type FastifyInstance } from "fastify";
import { Counter, Histogram, Registry } from "prom-client";
import { createLogger } from "../../lib/logger";
import { HttpError, httpBasics } from "../../lib/http-plugin";
import { buildServer as buildDrifter } from "../../drifter/src/server";
import { loadConfig as drifterConfig } from "../../drifter/src/config";
import { buildServer as buildModelApi } from "../../model-api/src/serving/server";
import { createMetrics as modelApiMetrics } from "../../model-api/src/serving/metrics";
import { compileModel } from "../../model-api/src/model";
import { trainedModel, validRow } from "../modelapi/fixtures";

function bare(state: { ready: boolean }): { app: FastifyInstance; registry: Registry } {
  const registry = new Registry();
  const requests = new Counter({ name: "t_requests_total", help: "t", labelNames: ["route", "method", "status"], registers: [registry] });
  const latency = new Histogram({ name: "t_seconds", help: "t", labelNames: ["route", "method"], registers: [registry] });
  const app = Fastify({ logger: false });
  app.register(httpBasics, {
    service: "tester",
    routes: ["GET /teapot"],
    metrics: { registry, requests, latency },
    readiness: () => (state.ready ? { ready: true, body: { status: "ready" } } : { ready: false, body: { status: "shutting down" } }),
    mapError: (err) => (err instanceof RangeError ? { status: 422, message: err.message, details: { parameter: "x" } } : undefined),
  });
  // The service's routes come after the plugin, so its error handler is theirs.
  app.get("/teapot", async () => {
    throw new HttpError(418, "short and stout", { field: "spout" });
  });
  app.get("/boom", async () => {
    throw new Error("secret detail");
  });
  app.get("/mine", async () => {
    throw new RangeError("mapped by the service");
  });
  return { app, registry };
}

describe("lib/http-plugin.ts", () => {
  it("answers /healthz, and /readyz 200 or 503 from readiness()", async () => {
    const state = { ready: true };
    const { app } = bare(state);
    assert.deepEqual((await app.inject("/healthz")).json(), { status: "ok" });
    const ready = await app.inject("/readyz");
    assert.deepEqual([ready.statusCode, ready.json()], [200, { status: "ready" }]);
    state.ready = false;
    const not = await app.inject("/readyz");
    assert.deepEqual([not.statusCode, not.json()], [503, { status: "shutting down" }]);
    assert.equal((await app.inject("/healthz")).statusCode, 200, "alive while not ready");
  });

  it("answers every error as {statusCode, error, message, ...details}; a 500 hides the error and gives the request id", async () => {
    const { app } = bare({ ready: true });
    const teapot = await app.inject("/teapot");
    assert.deepEqual([teapot.statusCode, teapot.json()], [418, { statusCode: 418, error: "I'm a Teapot", message: "short and stout", field: "spout" }]);
    const mine = await app.inject("/mine");
    assert.deepEqual([mine.statusCode, mine.json()], [422, { statusCode: 422, error: "Unprocessable Entity", message: "mapped by the service", parameter: "x" }]);
    const boom = await app.inject("/boom");
    assert.equal(boom.statusCode, 500);
    assert.deepEqual(Object.keys(boom.json()).sort(), ["error", "message", "request_id", "statusCode"]);
    assert.doesNotMatch(boom.body, /secret detail/);
    assert.match(boom.json().message, /see the tester log/);
    const missing = await app.inject("/nowhere?x=1");
    assert.deepEqual([missing.statusCode, missing.json()], [404, { statusCode: 404, error: "Not Found", message: "GET /nowhere does not exist; routes: GET /teapot, GET /healthz, GET /readyz, GET /metrics" }]);
  });

  it("counts every response by route pattern and serves the registry at /metrics", async () => {
    const { app, registry } = bare({ ready: true });
    await app.inject("/teapot");
    await app.inject("/nowhere");
    const m = await app.inject("/metrics");
    assert.equal(m.headers["content-type"], registry.contentType);
    assert.match(m.body, /t_requests_total\{route="\/teapot",method="GET",status="418"\} 1/);
    assert.match(m.body, /t_requests_total\{route="unmatched",method="GET",status="404"\} 1/);
    assert.match(m.body, /t_seconds_count\{route="\/teapot",method="GET"\} 1/);
  });

  it("gives the drifter and the model API the same probes and error shape, each naming its own culprit", async () => {
    const drifter = buildDrifter({ config: drifterConfig({}) });
    const api = buildModelApi({
      model: compileModel(trainedModel(500)),
      log: createLogger("test", "silent"),
      metrics: modelApiMetrics({ defaultMetrics: false }),
      bodyLimit: 64 * 1024,
      maxBatchRows: 10,
    });
    try {
      for (const app of [drifter.app, api.app]) {
        assert.deepEqual((await app.inject("/healthz")).json(), { status: "ok" });
        assert.equal((await app.inject("/readyz")).json().status, "ready");
        assert.match((await app.inject("/metrics")).body, /_http_requests_total\{/);
        const nf = (await app.inject("/nowhere")).json();
        assert.deepEqual(Object.keys(nf).sort(), ["error", "message", "statusCode"]);
        assert.equal(nf.error, "Not Found");
      }
      const badQuery = (await drifter.app.inject("/api/v1/data?rows=0")).json();
      assert.deepEqual(Object.keys(badQuery).sort(), ["allowed", "error", "message", "parameter", "statusCode"]);
      assert.deepEqual([badQuery.statusCode, badQuery.error, badQuery.parameter], [400, "Bad Request", "rows"]);
      const badRow = (await api.app.inject({ method: "POST", url: "/predict", payload: { ...validRow(), age: "old" } })).json();
      assert.deepEqual(Object.keys(badRow).sort(), ["error", "field", "message", "statusCode"]);
      assert.deepEqual([badRow.statusCode, badRow.error, badRow.field], [400, "Bad Request", "age"]);
      const tooMany = (await api.app.inject({ method: "POST", url: "/predict", payload: { rows: Array.from({ length: 11 }, validRow) } })).json();
      assert.deepEqual([tooMany.statusCode, tooMany.error, tooMany.field], [413, "Payload Too Large", "rows"]);
      const media = (await api.app.inject({ method: "POST", url: "/predict", payload: "x", headers: { "content-type": "text/plain" } })).json();
      assert.deepEqual([media.statusCode, media.error, media.field], [415, "Unsupported Media Type", "content-type"]);
      api.setShuttingDown();
      const down = await api.app.inject("/readyz");
      assert.deepEqual([down.statusCode, down.json()], [503, { status: "shutting down" }]);
    } finally {
      await drifter.shutdown();
      await api.app.close();
    }
  });
});
