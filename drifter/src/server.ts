/**
 * The drifter's HTTP API (Fastify):
 *   GET /api/v1/data     a streamed batch (CSV by default; JSON, NDJSON)
 *   GET /api/v1/schema   the tables, scenarios and parameters
 *   GET /healthz         alive
 *   GET /readyz          ready to serve (503 while shutting down)
 *   GET /metrics         Prometheus
 * The probes, /metrics and the error shape come from lib/http-plugin.ts.
 */
import { randomInt } from "node:crypto";
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import { requireBearer } from "../../lib/auth";
import { httpBasics, sendProblem } from "../../lib/http-plugin";
import { DRIFT_ROWS_HEADER } from "../../lib/contract";
import type { Logger } from "../../lib/logger";
import { CATEGORICAL_FEATURES, FEATURES, LABEL, legacyColumns } from "../../lib/schema";
import { DATA_PARAMS, QueryError, parseDataQuery, type DataParam } from "./api-schema";
import { DEFAULT_SCENARIO, ROWS_ENV_BOUNDS, type DrifterConfig } from "./config";
import { CONTENT_TYPES, serialize, type Format } from "./format";
import { LEGACY_COLS, MAX_ROWS, MAX_SEED, NEW_CATEGORIES, SCENARIOS, SCENARIO_INFO, ScenarioError, createRowSource, parseScenarios, type GenerateOptions } from "../../lib/generator/generate";
import { createMetrics, type CutReason, type DrifterMetrics } from "./metrics";
import { BatchPool, PARALLEL_MIN_ROWS } from "./pool";

export interface ServerOptions {
  config: DrifterConfig;
  logger?: Logger;
}

export interface DrifterServer {
  app: FastifyInstance;
  metrics: DrifterMetrics;
  /** Marks the server not ready (readyz 503), then waits for in-flight batches and closes. */
  shutdown(): Promise<void>;
}

/** The query string of a request (after `?`), for parseDataQuery. */
function queryOf(req: FastifyRequest): string {
  const q = req.url.indexOf("?");
  return q < 0 ? "" : req.url.slice(q + 1);
}

/** Batches up to this many rows are made whole and sent in one write (about 1 MB of credit-table JSON at most). */
const WHOLE_MAX_ROWS = 4096;
const WHOLE_CHUNK_BYTES = 1024 * 1024;

export function buildServer(opts: ServerOptions): DrifterServer {
  const cfg = opts.config;
  const maxConcurrent = cfg.slots.total;
  const metrics = createMetrics();
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger as FastifyBaseLogger } : { logger: false }),
    // Each batch gets its own log line (with seed and scenario); probes and scrapes none.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });
  requireBearer(app, cfg.tokens, "drifter");
  let ready = true;
  let inFlight = 0;
  /** Slots held per client (its token's name; its address while auth is off). */
  const perClient = new Map<string, number>();
  /** Buffers small batches are made in, kept for the next ones (at most maxConcurrent). */
  const scratchBuffers: Buffer[] = [];
  // Large batches are made on worker threads; their streams stay in order and bounded.
  const pool = cfg.threads > 0 ? new BatchPool(cfg.threads, (err) => app.log.error({ err }, "a batch worker thread failed; replaced it")) : null;
  app.addHook("onClose", async () => pool?.close());

  // Probes, /metrics, request metrics and the error shape (lib/http-plugin.ts); a bad
  // query parameter is a 400 naming it and what it allows.
  app.register(httpBasics, {
    service: "drifter",
    routes: ["GET /api/v1/data", "GET /api/v1/schema"],
    metrics,
    readiness: () => (ready ? { ready: true, body: { status: "ready" } } : { ready: false, body: { status: "shutting down" } }),
    mapError: (err) => {
      if (!(err instanceof QueryError || err instanceof ScenarioError)) return undefined;
      const allowed = err.parameter in DATA_PARAMS ? DATA_PARAMS[err.parameter as DataParam] : undefined;
      return { status: 400, message: err.message, details: { parameter: err.parameter, ...(allowed ? { allowed } : {}) } };
    },
  });

  app.addHook("onResponse", async (req, reply) => {
    // While shutting down, a keep-alive connection that just finished its response would
    // otherwise hold close() open until the keep-alive timeout.
    if (!ready) setImmediate(() => app.server.closeIdleConnections());
    if (reply.statusCode >= 500) req.log.warn({ url: req.url, status: reply.statusCode }, "request failed");
  });

  app.get("/api/v1/schema", async () => schemaDocument(cfg));

  app.get("/api/v1/data", async (req, reply) => {
    // Our own parser, not Fastify's schema coercion: that reads rows=1e3, 0x10 and 0b11 as numbers.
    const q = parseDataQuery(queryOf(req));
    const schema = q.schema ?? cfg.schema;
    if (q.cols !== undefined && schema !== "legacy") throw new QueryError("cols", `cols applies to schema=legacy only (this request is schema=${schema})`);
    if (q.label !== undefined && schema !== "credit") throw new QueryError("label", `label applies to schema=credit only (this request is schema=${schema})`);
    const scenarios = q.scenario !== undefined ? parseScenarios(q.scenario, schema) : schema === cfg.schema ? cfg.scenario : DEFAULT_SCENARIO[schema];
    const format: Format = q.format ?? "csv";
    const seed = q.seed ?? randomInt(0, MAX_SEED + 1);
    const rows = q.rows ?? cfg.rows;
    const options: GenerateOptions = {
      schema,
      rows,
      seed,
      scenario: scenarios,
      magnitude: q.magnitude ?? cfg.magnitude,
      driftProb: q.magnitude ?? cfg.driftProb,
      cols: schema === "legacy" ? (q.cols ?? cfg.cols) : undefined,
      label: q.label,
    };
    const src = createRowSource(options);
    if (inFlight >= maxConcurrent) {
      reply.header("retry-after", "1");
      return sendProblem(reply, { status: 503, message: `${inFlight} batches are being streamed (limit ${maxConcurrent}); retry shortly` });
    }
    const client = req.apiClient || req.ip;
    const held = perClient.get(client) ?? 0;
    if (held >= cfg.slots.perClient && req.method !== "HEAD") {
      reply.header("retry-after", "1");
      return sendProblem(reply, { status: 503, message: `this client already streams ${held} batches (limit ${cfg.slots.perClient} per client); retry when one is done` });
    }
    const scenarioLabel = scenarios.length ? scenarios.join(",") : "none";
    const o = src.options;
    reply
      .header("content-type", CONTENT_TYPES[format])
      .header("cache-control", "no-store")
      .header("x-drift-schema", schema)
      .header("x-drift-seed", String(seed))
      .header(DRIFT_ROWS_HEADER, String(rows))
      .header("x-drift-scenario", scenarioLabel)
      .header("x-drift-magnitude", String(o.magnitude));
    if (o.scenarios.includes("drift_prob")) {
      reply.header("x-drift-prob", String(o.driftProb));
      const drifted = (src.details.driftedColumns ?? {}) as Record<string, number>;
      reply.header("x-drift-drifted-columns", Object.entries(drifted).map(([k, v]) => `${k}=${v}`).join(",") || "none");
    }
    // HEAD (Fastify answers it with this handler): the headers, without making the batch.
    if (req.method === "HEAD") return reply.send();
    const labels = { schema, scenario: scenarioLabel, format };
    const started = process.hrtime.bigint();
    let served = 0;
    let finished = false;
    inFlight++;
    perClient.set(client, held + 1);
    metrics.inFlight.inc();
    // A reader that takes too long in all, or stops taking data, loses its slot: the
    // response is cut (the client sees a batch shorter than X-Drift-Rows, an error).
    const cut = (why: CutReason) => {
      if (finished) return;
      req.log.warn({ client, rows, why }, "batch cut: the client read too slowly");
      metrics.cut.inc({ reason: why });
      reply.raw.destroy();
    };
    const totalTimer = setTimeout(() => cut("stream_timeout"), cfg.streamMaxMs);
    const socket = reply.raw.socket;
    const onIdle = () => cut("idle_timeout");
    socket?.setTimeout(cfg.streamIdleMs, onIdle);
    const onRows = (n: number) => {
      served += n;
      metrics.rows.inc(labels, n);
    };
    const done = (outcome: "complete" | "aborted" | "error") => {
      if (finished) return;
      finished = true;
      clearTimeout(totalTimer);
      if (socket && !socket.destroyed) {
        socket.setTimeout(0);
        socket.off("timeout", onIdle);
      }
      if (!ready) setImmediate(() => app.server.closeIdleConnections());
      inFlight--;
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
      metrics.inFlight.dec();
      metrics.batches.inc({ ...labels, outcome });
      metrics.batchSeconds.observe({ format }, Number(process.hrtime.bigint() - started) / 1e9);
      req.log.info({ schema, scenario: scenarioLabel, magnitude: o.magnitude, seed, rows, served, format, outcome }, "batch");
    };
    reply.raw.on("close", () => done(reply.raw.writableFinished ? "complete" : "aborted"));
    if (rows <= WHOLE_MAX_ROWS) {
      // A small batch is made whole in a reused buffer and goes out in one write with a
      // Content-Length: no stream machinery and no allocation. The buffer is reused only
      // once the response has been handed to the OS.
      const scratch = scratchBuffers.pop() ?? Buffer.allocUnsafe(WHOLE_CHUNK_BYTES);
      const parts = [...serialize(src, format, { chunkBytes: WHOLE_CHUNK_BYTES, onRows, scratch })];
      reply.raw.once("finish", () => {
        if (scratchBuffers.length < maxConcurrent) scratchBuffers.push(scratch);
      });
      return reply.send(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    }
    if (pool && rows >= PARALLEL_MIN_ROWS) {
      // Parts made on worker threads go out with their own write callbacks, so each chunk's
      // buffer goes back to the workers once the OS has it (no allocation, no GC per batch).
      reply.hijack();
      reply.raw.writeHead(200, reply.getHeaders() as OutgoingHttpHeaders);
      pump(reply.raw, pool.stream(options, format, rows, onRows), (chunk) => pool.recycle(chunk)).catch((err: unknown) => {
        req.log.error({ err }, "batch failed while streaming");
        done("error");
        reply.raw.destroy();
      });
      return reply;
    }
    const body = Readable.from(serialize(src, format, { onRows }), { objectMode: false, highWaterMark: 64 * 1024 });
    body.on("error", () => done("error"));
    return reply.send(body);
  });

  return {
    app,
    metrics,
    async shutdown() {
      ready = false;
      await app.close();
    },
  };
}

/**
 * Writes chunks to a response with backpressure; `written` is called with each chunk once
 * the OS has taken it (never for a chunk a failed or aborted response dropped). A client
 * that goes away ends the loop, which stops the chunks' producer.
 */
async function pump(res: ServerResponse, chunks: AsyncIterable<Buffer>, written: (chunk: Buffer) => void): Promise<void> {
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    const more = res.write(chunk, (err) => {
      if (!err) written(chunk);
    });
    if (!more) {
      await new Promise<void>((resolve) => {
        const go = () => {
          res.off("drain", go);
          res.off("close", go);
          resolve();
        };
        res.on("drain", go);
        res.on("close", go);
      });
    }
  }
  if (!res.destroyed) res.end();
}

/** The document served at /api/v1/schema: tables, scenarios, parameters and defaults. */
export function schemaDocument(cfg: DrifterConfig) {
  return {
    tables: {
      credit: {
        description: "credit-risk applications: numeric and categorical features and the ground-truth label `default` (lib/schema.ts labelOf)",
        columns: FEATURES.map((f) => (f.kind === "num" ? { name: f.name, type: "num", description: f.description, min: f.min, max: f.max, integer: f.integer } : { name: f.name, type: "cat", description: f.description, categories: f.categories })),
        label: { name: LABEL, type: "num", values: [0, 1], description: "1 when the applicant defaults; a fixed function of the features (concept drift changes it)" },
        newCategories: Object.fromEntries(CATEGORICAL_FEATURES.map((f) => [f.name, NEW_CATEGORIES[f.name]])),
      },
      legacy: {
        description: "the classic drifter table: independent N(0, 1) floats feat0..featN-1",
        columns: legacyColumns(cfg.cols).map((name) => ({ name, type: "num" })),
        cols: { min: LEGACY_COLS.min, max: LEGACY_COLS.max, default: cfg.cols },
      },
    },
    scenarios: Object.fromEntries(SCENARIOS.map((s) => [s, SCENARIO_INFO[s]])),
    parameters: DATA_PARAMS,
    limits: { maxRows: MAX_ROWS, envRows: ROWS_ENV_BOUNDS },
    defaults: {
      schema: cfg.schema,
      rows: cfg.rows,
      cols: cfg.cols,
      scenario: cfg.scenario.length ? cfg.scenario.join(",") : "none",
      magnitude: cfg.magnitude,
      driftProb: cfg.driftProb,
      format: "csv",
    },
  };
}
