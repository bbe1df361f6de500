/**
 * The Fastify plugin both HTTP servers (the drifter and the model API) register: the
 * probes, the Prometheus endpoint, per-request metrics, and one error shape.
 *
 *   app.register(httpBasics, { service: "drifter", routes, metrics, readiness, mapError });
 *
 *   GET /healthz   200 {"status":"ok"} while the process runs
 *   GET /readyz    200 with the service's ready body, 503 with its reason (readiness())
 *   GET /metrics   the service's registry in the Prometheus text format
 *
 * Every error answer is {statusCode, error, message, ...details}: `error` is the HTTP
 * reason phrase, `message` says what is wrong and what is allowed, and the details name
 * the culprit (the drifter's `parameter` and `allowed`, the model API's `field`). The
 * 401 of lib/auth.ts has the same shape. A 404 lists the service's routes; a 500 logs the
 * error and answers with the request id, never the error itself.
 *
 * Registered with Fastify's skip-override (what the fastify-plugin package sets), so its
 * hooks and handlers apply to the whole server, not only to routes inside the plugin.
 * Register it before the service's own routes: a route keeps the error handler in force
 * when it is declared.
 */
import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import type { Counter, Histogram, Registry } from "prom-client";

/** An error answer: its status, message and the fields that name the culprit. */
export interface HttpProblem {
  status: number;
  message: string;
  details?: Record<string, unknown>;
}

/** An error a handler throws to answer with that problem (mapped by the plugin's error handler). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export interface HttpBasicsOptions {
  /** The service's name, in 500 answers ("see the <service> log"). */
  service: string;
  /** The service's own routes ("GET /api/v1/data", ...), listed in 404 answers after its own. */
  routes: readonly string[];
  metrics: {
    registry: Registry;
    /** Counted for every response: route (the pattern, or `unmatched`), method, status. */
    requests: Counter<"route" | "method" | "status">;
    /** Observed for every response when given: seconds by route and method. */
    latency?: Histogram<"route" | "method">;
  };
  /** Called before each scrape of /metrics (to update gauges). */
  beforeScrape?: () => void;
  /** The answer of /readyz: 200 with `body` when ready, else 503 with it. */
  readiness: () => { ready: boolean; body: Record<string, unknown> };
  /**
   * The service's own mapping of an error to an answer (e.g. its query errors); undefined
   * leaves the error to the plugin: HttpError as thrown, Fastify's 4xx with their message,
   * anything else a logged 500.
   */
  mapError?: (err: FastifyError | Error, req: FastifyRequest) => HttpProblem | undefined;
}

/** The routes this plugin serves. */
export const BASIC_ROUTES = ["GET /healthz", "GET /readyz", "GET /metrics"] as const;

/** Sends an error answer in the one shape. */
export function sendProblem(reply: FastifyReply, p: HttpProblem): FastifyReply {
  return reply.code(p.status).send({ statusCode: p.status, error: STATUS_CODES[p.status] ?? "Error", message: p.message, ...p.details });
}

const plugin: FastifyPluginCallback<HttpBasicsOptions> = (app: FastifyInstance, o, done) => {
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    o.metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    o.metrics.latency?.observe({ route, method: req.method }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    const mapped = o.mapError?.(err, req);
    if (mapped) return sendProblem(reply, mapped);
    if (err instanceof HttpError) return sendProblem(reply, { status: err.status, message: err.message, details: err.details });
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) return sendProblem(reply, { status, message: err.message });
    req.log.error({ err }, "request failed");
    return sendProblem(reply, { status: 500, message: `the request failed; see the ${o.service} log`, details: { request_id: req.id } });
  });

  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, { status: 404, message: `${req.method} ${req.url.split("?")[0]} does not exist; routes: ${[...o.routes, ...BASIC_ROUTES].join(", ")}` }),
  );

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const r = o.readiness();
    return reply.code(r.ready ? 200 : 503).send(r.body);
  });
  app.get("/metrics", async (_req, reply) => {
    o.beforeScrape?.();
    reply.header("content-type", o.metrics.registry.contentType);
    return o.metrics.registry.metrics();
  });
  done();
};
(plugin as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;

export const httpBasics = plugin;
