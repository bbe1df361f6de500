/**
 * The drifter service: wires config, logger and server. `npm run drifter`.
 * Env: PORT, DRIFT_SCHEMA, DRIFT_ROWS, DRIFT_COLS, DRIFT_PROB, DRIFT_SCENARIO, DRIFT_MAGNITUDE,
 * DRIFTER_THREADS, LOG_LEVEL.
 */
import { runMain } from "../../lib/cli";
import { createLogger } from "../../lib/logger";
import { loadConfig } from "./config";
import { buildServer } from "./server";

/** How long in-flight batches may take to finish after SIGTERM (under Kubernetes' 30 s grace). */
const SHUTDOWN_GRACE_MS = 25_000;

/** Serves until SIGTERM/SIGINT; resolves with the exit code once shut down. A bad setting is a ConfigError (exit 2). */
async function main(): Promise<number> {
  const log = createLogger("drifter");
  const config = loadConfig();
  const server = buildServer({ config, logger: log });
  const address = await server.app.listen({ port: config.port, host: config.host });
  log.info({ address, schema: config.schema, rows: config.rows, cols: config.cols, driftProb: config.driftProb, scenario: config.scenario, magnitude: config.magnitude, threads: config.threads }, "drifter listening");

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "shutting down: not ready, finishing in-flight batches");
      const force = setTimeout(() => {
        log.error({ graceMs: SHUTDOWN_GRACE_MS }, "in-flight batches did not finish in time; exiting");
        log.flush();
        resolve(1);
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      server
        .shutdown()
        .then(() => {
          log.info("stopped");
          log.flush();
          resolve(0);
        })
        .catch((err) => {
          log.error({ err }, "error while shutting down");
          log.flush();
          resolve(1);
        });
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
}

runMain("drifter", main);
