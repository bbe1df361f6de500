/**
 * The model API's HTTP server (Fastify): `POST /predict`, `GET /model`, and `/healthz`,
 * `/readyz`, `/metrics` with the error shape from lib/http-plugin.ts. Built from its dependencies so tests and the benchmark can start
 * it in-process; `main.ts` wires it to the environment.
 */
import { randomUUID } from "node:crypto";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from "fastify";
import { requireBearer, type ApiToken } from "../../../lib/auth";
import { HttpError, httpBasics, sendProblem, type HttpProblem } from "../../../lib/http-plugin";
import type { Logger } from "../../../lib/logger";
import { FEATURE_NAMES, LABEL } from "../../../lib/schema";
import type { ApiMetrics } from "./metrics";
import type { CompiledModel } from "../model";
import type { RequestLogRecord } from "../../../lib/request-log";
import { checkRow, featuresOf, fieldPath } from "../validate";

/** Where scored rows go (the request log writer); `append` is all-or-nothing. */
export interface RequestLogSink {
  append(records: RequestLogRecord[]): boolean;
  readonly healthy: boolean;
  readonly buffered: number;
}

export interface ServerOptions {
  model: CompiledModel;
  log: Logger;
  metrics: ApiMetrics;
  /** Absent when request logging is switched off (local use only). */
  requestLog?: RequestLogSink;
  /** Largest accepted body in bytes (413 above). */
  bodyLimit: number;
  /** Most rows in one batch request (413 above). */
  maxBatchRows: number;
  /** Client tokens: every route but /healthz and /readyz needs one (lib/auth.ts). Absent = open (local runs only). */
  tokens?: readonly ApiToken[];
}

export interface ModelApiServer {
  app: FastifyInstance;
  /** Makes /readyz fail (called first on SIGTERM, so the Service stops routing here). */
  setShuttingDown(): void;
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

interface Prediction {
  prediction: 0 | 1;
  probability: number;
}

/** A request the API refuses, naming the field at fault (answered by lib/http-plugin.ts: {statusCode, error, message, field}). */
class BadInput extends HttpError {
  constructor(status: number, readonly field: string, message: string) {
    super(status, message, { field });
  }
}

const BODY_SHAPE = 'one row ({"age": 42, ...}) or a batch ({"rows": [{...}, ...]})';

/**
 * The `field` label of the invalid-request counter: the schema's field names (row index
 * dropped), or `unknown_field`, so a client sending made-up keys cannot grow the label set.
 */
const METRIC_FIELDS = new Set(["body", "rows", "rows[]", ...[...FEATURE_NAMES, LABEL].flatMap((n) => [n, `rows[].${n}`])]);
function metricField(field: string): string {
  const f = field.replace(/^rows\[\d+\]/, "rows[]");
  return METRIC_FIELDS.has(f) ? f : "unknown_field";
}

/** The kind of a training source (`file:/path`, `generate:...`, `drifter:http://...`), without its details. */
export function sourceKind(source: string): string {
  const kind = source.split(":", 1)[0]!;
  return /^[a-z]{1,20}$/.test(kind) ? kind : "unknown";
}

export function buildServer(o: ServerOptions): ModelApiServer {
  let shuttingDown = false;
  const app = Fastify({
    loggerInstance: o.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: o.bodyLimit,
    genReqId: (req) => {
      const h = req.headers["x-request-id"];
      return typeof h === "string" && REQUEST_ID.test(h) ? h : randomUUID();
    },
  });
  // JSON only: a text/plain body gets 415 instead of being parsed as a string.
  app.removeContentTypeParser("text/plain");
  // Our own JSON parser. Fastify's refuses a `__proto__` or `constructor` key as "not valid
  // JSON"; JSON.parse keeps such a key as a plain own property (no prototype is touched),
  // and the validation names it as an unknown field: every key of a body is checked
  // against the schema before anything reads it. JSON.parse is not recursive, so nesting
  // depth is bounded only by the body limit.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text, done) => {
    if ((text as string).trim() === "") return done(new BadInput(400, "body", `the body is empty; send ${BODY_SHAPE}`), undefined);
    try {
      // A leading byte order mark is ignored, as RFC 8259 allows.
      done(null, JSON.parse((text as string).charCodeAt(0) === 0xfeff ? (text as string).slice(1) : (text as string)));
    } catch (err) {
      done(new BadInput(400, "body", `the body is not valid JSON (${(err as Error).message}); send ${BODY_SHAPE}`), undefined);
    }
  });
  requireBearer(app, o.tokens, "model-api");
  const { model, metrics } = o;
  const version = model.file.version;
  const threshold = model.file.threshold;
  metrics.modelInfo.set({ version, format: model.file.format }, 1);

  // Probes, /metrics, request metrics and the error shape (lib/http-plugin.ts); every 4xx
  // names the field at fault.
  app.register(httpBasics, {
    service: "model-api",
    routes: ["POST /predict", "GET /model"],
    metrics,
    beforeScrape: () => {
      if (o.requestLog) metrics.logBuffered.set(o.requestLog.buffered);
    },
    readiness: () => {
      if (shuttingDown) return { ready: false, body: { status: "shutting down" } };
      if (o.requestLog && !o.requestLog.healthy) return { ready: false, body: { status: "request log backlog", buffered_rows: o.requestLog.buffered } };
      return { ready: true, body: { status: "ready", model_version: version } };
    },
    mapError: (err, req): HttpProblem | undefined => {
      if (err instanceof BadInput) {
        metrics.invalid.inc({ field: metricField(err.field) });
        return undefined; // answered as thrown
      }
      const code = (err as FastifyError).code;
      if (code === "FST_ERR_CTP_BODY_TOO_LARGE") {
        return { status: 413, message: `the body is larger than ${o.bodyLimit} bytes; send at most ${o.maxBatchRows} rows per request`, details: { field: "body" } };
      }
      if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
        return { status: 415, message: `${JSON.stringify((req.headers["content-type"] ?? "").slice(0, 100))} is not accepted; send Content-Type: application/json`, details: { field: "content-type" } };
      }
      const status = (err as FastifyError).statusCode;
      // Other client errors Fastify finds in the body (a wrong Content-Length, ...): its message says what is wrong.
      if (status && status >= 400 && status < 500) return { status, message: err.message, details: { field: "body" } };
      return undefined;
    },
  });

  const score = (row: Record<string, unknown>): Prediction => {
    const probability = model.probability(row as never);
    return { prediction: probability >= threshold ? 1 : 0, probability };
  };

  app.post("/predict", async (req, reply) => {
    const body = req.body as unknown;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new BadInput(400, "body", `the body must be a JSON object: ${BODY_SHAPE}`);
    }
    const b = body as Record<string, unknown>;
    const batch = Object.hasOwn(b, "rows");
    let rows: Record<string, unknown>[];
    if (batch) {
      const extra = Object.keys(b).filter((k) => k !== "rows");
      if (extra.length) throw new BadInput(400, fieldPath("", extra[0]), 'unknown field next to "rows"; a batch body is {"rows": [...]} only');
      if (!Array.isArray(b.rows)) throw new BadInput(400, "rows", "must be an array of row objects");
      if (b.rows.length === 0) throw new BadInput(400, "rows", `must hold 1 to ${o.maxBatchRows} rows; got none`);
      if (b.rows.length > o.maxBatchRows) throw new BadInput(413, "rows", `holds ${b.rows.length} rows; at most ${o.maxBatchRows} rows per request`);
      rows = b.rows as Record<string, unknown>[];
      for (let i = 0; i < rows.length; i++) {
        const err = checkRow(rows[i], `rows[${i}]`);
        if (err) throw new BadInput(400, err.field, err.message);
      }
    } else {
      const err = checkRow(b, "");
      if (err) throw new BadInput(400, err.field, err.message);
      rows = [b];
    }

    const ts = new Date().toISOString();
    const preds: Prediction[] = new Array(rows.length);
    const records: RequestLogRecord[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const p = score(r);
      preds[i] = p;
      const label = r[LABEL] as 0 | 1 | null | undefined;
      records[i] = {
        request_id: req.id,
        row: i,
        ts,
        model_version: version,
        features: featuresOf(r),
        prediction: p.prediction,
        probability: p.probability,
        ...(label !== undefined ? { label } : {}),
      };
    }
    if (o.requestLog && !o.requestLog.append(records)) {
      metrics.logRejected.inc();
      reply.header("retry-after", "5");
      return sendProblem(reply, { status: 503, message: "the request log buffer is full (object storage unreachable); retry later - the request was not scored" });
    }
    metrics.rowsPerRequest.observe(rows.length);
    let ones = 0;
    for (const p of preds) {
      ones += p.prediction;
      metrics.probability.observe(p.probability);
    }
    if (ones) metrics.predictions.inc({ prediction: "1" }, ones);
    if (rows.length - ones) metrics.predictions.inc({ prediction: "0" }, rows.length - ones);
    reply.header("x-request-id", req.id);
    if (batch) return { request_id: req.id, model_version: version, predictions: preds };
    return { request_id: req.id, model_version: version, prediction: preds[0].prediction, probability: preds[0].probability };
  });

  app.get("/model", async () => {
    const f = model.file;
    return {
      version: f.version,
      format: f.format,
      created_at: f.created_at,
      threshold: f.threshold,
      features: { numeric: f.numeric.map((n) => n.name), categorical: f.categorical.map((c) => ({ name: c.name, categories: c.categories })) },
      // The kind of data only (file, generate, drifter): the rest names a path or a host of
      // the machine that trained the model.
      training: { ...f.training, source: sourceKind(f.training.source) },
      metrics: f.metrics,
      tags: f.tags,
    };
  });

  return { app, setShuttingDown: () => (shuttingDown = true) };
}
