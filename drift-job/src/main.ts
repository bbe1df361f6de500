/**
 * The drift CronJob: reads its configuration from the environment, wires MinIO, MLflow and
 * GitHub, runs one check (job.ts) and exits with the code that says how it went (JOB_EXIT).
 */
import { ConfigError } from "../../lib/env";
import { createLogger } from "../../lib/logger";
import { MlflowClient } from "../../lib/mlflow";
import { s3Client } from "../../lib/s3";
import { jobConfigFromEnv, type JobConfig } from "./config";
import { computeDrift } from "./stats";
import { githubDispatcher } from "./github";
import { JOB_EXIT, runJob } from "./job";
import { loadRequestWindow } from "./requests";
import { loadDrifterBatch } from "./sources";

async function main(): Promise<number> {
  const log = createLogger("drift-job");
  let cfg: JobConfig;
  try {
    cfg = jobConfigFromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error({ err: err.message }, "invalid configuration");
      return JOB_EXIT.badInput;
    }
    throw err;
  }
  const s3 = s3Client(cfg.s3);
  const result = await runJob(cfg, {
    s3,
    mlflow: new MlflowClient(cfg.mlflowUrl, log),
    dispatcher: cfg.github ? githubDispatcher(cfg.github, log) : undefined,
    compute: computeDrift,
    loadCurrent: (w) => (cfg.source === "drifter" ? loadDrifterBatch(cfg.drifterUrl!, log) : loadRequestWindow(s3, w, log)),
    log,
  });
  return result.code;
}

// A CronJob run is one process: stop on SIGTERM (deadline or node drain) with a clear log line.
process.once("SIGTERM", () => {
  process.stderr.write(JSON.stringify({ level: 40, msg: "SIGTERM: drift check interrupted; the next scheduled run checks again" }) + "\n");
  process.exit(143);
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`drift-job: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = JOB_EXIT.internal;
  },
);
