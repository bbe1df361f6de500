/** Prometheus metrics of the model API (one registry per server, so tests can build several). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface ApiMetrics {
  registry: Registry;
  requests: Counter<"route" | "method" | "status">;
  latency: Histogram<"route" | "method">;
  rowsPerRequest: Histogram;
  predictions: Counter<"prediction">;
  probability: Histogram;
  invalid: Counter<"field">;
  logBuffered: Gauge;
  logWrites: Counter<"result">;
  logRejected: Counter;
  modelInfo: Gauge<"version" | "format">;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: "model_api_http_requests_total", help: "HTTP requests by route, method and status", labelNames: ["route", "method", "status"], registers }),
    latency: new Histogram({
      name: "model_api_http_request_duration_seconds",
      help: "HTTP request latency",
      labelNames: ["route", "method"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    rowsPerRequest: new Histogram({ name: "model_api_predict_rows", help: "Rows per /predict request", buckets: [1, 2, 5, 10, 50, 100, 500, 1000], registers }),
    predictions: new Counter({ name: "model_api_predictions_total", help: "Predictions by predicted class", labelNames: ["prediction"], registers }),
    probability: new Histogram({ name: "model_api_prediction_probability", help: "Predicted probability of class 1", buckets: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95], registers }),
    invalid: new Counter({ name: "model_api_invalid_requests_total", help: "Rejected /predict requests by the first bad field", labelNames: ["field"], registers }),
    logBuffered: new Gauge({ name: "model_api_request_log_buffered_rows", help: "Scored rows waiting to be written to the request log", registers }),
    logWrites: new Counter({ name: "model_api_request_log_writes_total", help: "Request log object writes by result", labelNames: ["result"], registers }),
    logRejected: new Counter({ name: "model_api_request_log_full_rejections_total", help: "Requests answered 503 because the request log buffer was full", registers }),
    modelInfo: new Gauge({ name: "model_api_model_info", help: "The loaded model (value 1)", labelNames: ["version", "format"], registers }),
  };
}
