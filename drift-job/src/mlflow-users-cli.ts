/**
 * The MLflow users Job: as MLflow's admin, creates or updates the workload users (trainer,
 * drift-job) with their passwords and permissions (lib/mlflow-auth.ts), and deletes the
 * admin users of earlier rotations. Waits (with backoff) for MLflow to answer.
 *
 *   MLFLOW_TRACKING_URI=... MLFLOW_AUTH_ADMIN_USERNAME=... MLFLOW_AUTH_ADMIN_PASSWORD=... \
 *   MLFLOW_USER_TRAINER_PASSWORD=... MLFLOW_USER_DRIFT_JOB_PASSWORD=... node dist/drift-job/src/mlflow-users-cli.js
 */
import { runMain } from "../../lib/cli";
import { ConfigError, stringEnv, urlEnv, optionalStringEnv } from "../../lib/env";
import { createLogger } from "../../lib/logger";
import { AUTH_SETUP_ENV, MLFLOW_WORKLOAD_USERS, setupMlflowUsers, type MlflowWorkloadUser } from "../../lib/mlflow-auth";
import { MlflowError } from "../../lib/mlflow";
import { withRetry } from "../../lib/retry";

const HELP = `MLflow users: create or update the workload users (${MLFLOW_WORKLOAD_USERS.join(", ")}) with their
permissions, as MLflow's admin; delete earlier admin users.

Environment:
  ${AUTH_SETUP_ENV.trackingUri}, ${AUTH_SETUP_ENV.adminUsername}, ${AUTH_SETUP_ENV.adminPassword}
  ${MLFLOW_WORKLOAD_USERS.map(AUTH_SETUP_ENV.userPassword).join(", ")} (unset: that user is left alone)
Exit codes: 0 done, 2 bad configuration, 1 failed.`;

async function main(): Promise<number> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  const log = createLogger("mlflow-users");
  // A bad value is a ConfigError: runMain prints it and exits 2.
  const passwords: Partial<Record<MlflowWorkloadUser, string>> = {};
  for (const u of MLFLOW_WORKLOAD_USERS) {
    const p = optionalStringEnv(process.env, AUTH_SETUP_ENV.userPassword(u));
    if (p === undefined) continue;
    if (p.length < 12) throw new ConfigError(`${AUTH_SETUP_ENV.userPassword(u)} is ${p.length} characters; allowed: at least 12 (MLflow's rule)`);
    passwords[u] = p;
  }
  const o: Parameters<typeof setupMlflowUsers>[0] = {
    trackingUri: urlEnv(process.env, AUTH_SETUP_ENV.trackingUri),
    admin: { username: stringEnv(process.env, AUTH_SETUP_ENV.adminUsername), password: stringEnv(process.env, AUTH_SETUP_ENV.adminPassword) },
    passwords,
    log,
  };
  // MLflow may still be rolling out; a refused login stays refused.
  await withRetry(() => setupMlflowUsers(o), {
    what: "setting up the MLflow users",
    attempts: 30,
    baseDelayMs: 1000,
    maxDelayMs: 10_000,
    log,
    retryable: (err) => !(err instanceof MlflowError && (err.status === 401 || err.status === 403 || err.status === 400)),
  });
  log.info({ users: Object.keys(o.passwords) }, "MLflow users in place");
  log.flush();
  return 0;
}

runMain("mlflow-users", main, { help: true });
