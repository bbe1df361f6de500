/**
 * The drift CronJob: reads its configuration from the environment, wires MinIO, MLflow and
 * GitHub, runs one check (job.ts) and exits with the code that says how it went (JOB_EXIT).
 */
import { runMain } from "../../lib/cli";
import { createLogger } from "../../lib/logger";
import { MlflowClient } from "../../lib/mlflow";
import { s3Client } from "../../lib/s3";
import { jobConfigFromEnv, type JobConfig } from "./config";
import { computeDrift } from "./stats";
import { githubDispatcher } from "./github";
import { runJob } from "./job";
import { loadRequestWindow } from "./requests";
import { loadDrifterBatch } from "./sources";

async function main(): Promise<number> {
  const log = createLogger("drift-job");
  // A bad value is a ConfigError: runMain prints it and exits JOB_EXIT.badInput (2).
  const cfg: JobConfig = jobConfigFromEnv(process.env);
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

runMain("drift-job", main);
