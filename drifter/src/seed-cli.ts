/**
 * The object store's init Job: creates the buckets, the workload users with their policies
 * (lib/storage-access.ts, through MinIO's admin API; the in-cluster MinIO only, where it runs
 * as root), and writes the initial reference dataset. With an external store it gets no
 * user keys: it checks (or creates) the buckets and writes the reference only.
 * Idempotent; never overwrites an existing reference. Waits (with backoff) for MinIO to
 * come up, as the Job may start before the StatefulSet is ready.
 *
 *   S3_ENDPOINT=127.0.0.1 S3_PORT=9000 S3_ACCESS_KEY=... S3_SECRET_KEY=... node dist/drifter/src/seed-cli.js
 */
import { BUCKETS } from "../../lib/contract";
import { runMain } from "../../lib/cli";
import { intEnv, optionalStringEnv } from "../../lib/env";
import { createLogger } from "../../lib/logger";
import { withRetry } from "../../lib/retry";
import { S3_ENV_HELP, ensureBucket, s3Client, s3SettingsFromEnv } from "../../lib/s3";
import { S3_USERS, ensureUsers, userSecretEnv, type S3User } from "../../lib/storage-access";
import { writeInitialReference } from "./reference";

const HELP = `drifter seed CLI: create the buckets (${Object.values(BUCKETS).join(", ")}) and write the initial
reference dataset to ${BUCKETS.datasets}/ (never overwrites an existing one).

Environment:
  ${S3_ENV_HELP}
                  the store (MinIO: its root user; an external store: its key pair, or none
                  for the pod's cloud identity)
  ${S3_USERS.map(userSecretEnv).join(", ")}
                  the secret key of each workload user to create or update (access key = its name:
                  ${S3_USERS.join(", ")}) with its policy; users whose variable is unset are left alone
  SEED_ATTEMPTS   tries while MinIO is not reachable yet, 1..100 (default 30, backoff up to 5 s)
  LOG_LEVEL       pino level (default info)
Exit codes: 0 done (written or kept), 2 bad configuration, 1 failed.`;

async function main(): Promise<number> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  const log = createLogger("drifter-seed");
  // A bad value is a ConfigError: runMain prints it and exits 2.
  const settings = s3SettingsFromEnv();
  const attempts = intEnv(process.env, "SEED_ATTEMPTS", { min: 1, max: 100, fallback: 30 });
  const client = s3Client(settings);
  // Credentials or permissions that are wrong stay wrong: fail at once instead of retrying.
  const retryable = (err: unknown) => !["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"].includes((err as { code?: string }).code ?? "");
  log.info({ endpoint: `${settings.endPoint}:${settings.port}`, buckets: Object.values(BUCKETS) }, "seeding the object store");
  for (const bucket of Object.values(BUCKETS)) {
    try {
      await withRetry(() => ensureBucket(client, bucket), { what: `creating bucket ${bucket}`, attempts, baseDelayMs: 500, maxDelayMs: 5000, log, retryable });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== "AccessDenied") throw err;
      // An external store whose credentials may not create buckets: say what to do.
      throw new Error(`bucket ${bucket} does not exist or cannot be checked, and these credentials may not create it (AccessDenied); create it (e.g. aws s3 mb s3://${bucket}) and allow s3:ListBucket on it, or allow s3:CreateBucket (the stack's s3Policies output lists what each workload needs)`);
    }
  }
  const users = Object.fromEntries(S3_USERS.flatMap((u) => {
    const v = optionalStringEnv(process.env, userSecretEnv(u));
    return v === undefined ? [] : [[u, v]];
  })) as Partial<Record<S3User, string>>;
  if (Object.keys(users).length > 0) {
    await withRetry(() => ensureUsers(settings, users), { what: "creating the workload users and policies", attempts: 5, log, retryable });
    log.info({ users: Object.keys(users) }, "workload users and policies in place");
  }
  const outcome = await withRetry(() => writeInitialReference(client, log), { what: "writing the initial reference", attempts: 5, log, retryable });
  log.info({ outcome }, "seed done");
  log.flush();
  return 0;
}

runMain("seed", main, { help: true });
