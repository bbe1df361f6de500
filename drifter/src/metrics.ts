/** Prometheus metrics of the drifter, on a registry of their own (one per server). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Why a batch's stream is cut (server.ts): the client read too slowly in all, or stopped reading. */
export const CUT_REASONS = ["stream_timeout", "idle_timeout"] as const;
export type CutReason = (typeof CUT_REASONS)[number];

export interface DrifterMetrics {
  registry: Registry;
  requests: Counter<"route" | "method" | "status">;
  rows: Counter<"schema" | "scenario" | "format">;
  batches: Counter<"schema" | "scenario" | "format" | "outcome">;
  batchSeconds: Histogram<"format">;
  inFlight: Gauge;
  cut: Counter<"reason">;
}

export function createMetrics(): DrifterMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const cut = new Counter({ name: "drifter_batches_cut_total", help: "Batches cut because the client read too slowly (stream_timeout) or stopped reading (idle_timeout)", labelNames: ["reason"], registers: [registry] });
  // Each reason's series exists from the start, at 0: "no cut yet" is a 0, not a missing series.
  for (const reason of CUT_REASONS) cut.labels({ reason }).inc(0);
  return {
    registry,
    requests: new Counter({ name: "drifter_http_requests_total", help: "HTTP requests by route, method and status", labelNames: ["route", "method", "status"], registers: [registry] }),
    rows: new Counter({ name: "drifter_rows_served_total", help: "Rows written to clients, by table, scenario and format", labelNames: ["schema", "scenario", "format"], registers: [registry] }),
    batches: new Counter({
      name: "drifter_batches_total",
      help: "Batches by table, scenario, format and outcome (complete, aborted: the client went away, error)",
      labelNames: ["schema", "scenario", "format", "outcome"],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: "drifter_batch_duration_seconds",
      help: "Time to stream one batch",
      labelNames: ["format"],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
    inFlight: new Gauge({ name: "drifter_batches_in_flight", help: "Batches being streamed now", registers: [registry] }),
    cut,
  };
}
