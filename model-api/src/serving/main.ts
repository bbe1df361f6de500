/**
 * The model API process: reads the config, loads the baked model, starts the server and
 * the request log writer, and shuts down gracefully on SIGTERM/SIGINT (stop routing,
 * finish in-flight requests, flush the request log).
 */
import { readFileSync } from "node:fs";
import { ENV } from "../../../lib/contract";
import { runMain } from "../../../lib/cli";
import { ConfigError } from "../../../lib/env";
import { createLogger } from "../../../lib/logger";
import { s3Client } from "../../../lib/s3";
import { loadConfig } from "./config";
import { createMetrics } from "./metrics";
import { compileModel, parseModelFile } from "../model";
import { RequestLogWriter } from "./request-log-writer";
import { buildServer } from "./server";

/** Serves until SIGTERM/SIGINT; resolves with the exit code once shut down. A bad setting or model file exits 2. */
async function main(): Promise<number> {
  const log = createLogger("model-api");
  const config = loadConfig();
  let model;
  try {
    model = compileModel(parseModelFile(readFileSync(config.modelPath, "utf8")));
  } catch (err) {
    throw new ConfigError(`cannot load the model ${config.modelPath} (${ENV.modelPath}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const metrics = createMetrics();
  const writer = config.requestLog
    ? new RequestLogWriter({
        ...config.requestLog,
        client: s3Client(config.requestLog.s3),
        log: log.child({ component: "request-log" }),
        onWrite: (ok) => metrics.logWrites.inc({ result: ok ? "ok" : "error" }),
      })
    : undefined;
  if (!config.tokens) log.warn(`${ENV.apiTokensDir} is not set: the API answers without a token (local use only)`);
  if (!writer) log.warn("REQUEST_LOG=false: requests are not logged; the drift check will not see this traffic");
  writer?.start();
  const { app, setShuttingDown } = buildServer({ model, log, metrics, requestLog: writer, bodyLimit: config.bodyLimit, maxBatchRows: config.maxBatchRows, tokens: config.tokens });
  await app.listen({ port: config.port, host: config.host });
  log.info({ port: config.port, modelVersion: model.file.version, modelPath: config.modelPath, clients: config.tokens?.map((t) => t.client) ?? "no auth", requestLog: config.requestLog ? { bucket: config.requestLog.bucket, flushRows: config.requestLog.flushRows, flushSeconds: config.requestLog.flushSeconds } : "off" }, "model API listening");

  let stopping = false;
  let stopped: (code: number) => void = () => undefined;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + config.shutdownTimeoutMs;
    log.info({ signal }, "shutting down: finishing requests and flushing the request log");
    setShuttingDown();
    let code = 0;
    try {
      await app.close(); // stops accepting, waits for in-flight requests
    } catch (err) {
      log.error({ err }, "error while closing the server");
      code = 1;
    }
    if (writer && !(await writer.close(deadline))) code = 1;
    log.info({ code }, "stopped");
    log.flush?.();
    stopped(code);
  };
  return new Promise<number>((resolve) => {
    stopped = resolve;
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    process.on("SIGINT", () => void shutdown("SIGINT"));
  });
}

runMain("model-api", main);
