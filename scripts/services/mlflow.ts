/**
 * An MLflow tracking server on loopback: Postgres backend store, artifacts proxied by the
 * server (--serve-artifacts) to s3://mlflow in MinIO, as the platform deploys it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_S3_REGION, type S3Settings } from "../../lib/s3";
import { basicAuthIni } from "../../lib/mlflow-auth";
import { startProcess, waitHealthy, type ManagedProcess } from "./proc";
import type { PostgresSettings } from "./types";

export interface MlflowOptions {
  bin: string;
  dir: string;
  port: number;
  postgres: PostgresSettings;
  s3: S3Settings;
  artifactBucket: string;
  workers: number;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  onStart?: (p: ManagedProcess) => void;
  /** Run MLflow's basic-auth app as the platform does (auth tables in the same database). */
  auth?: { adminUsername: string; adminPassword: string; flaskSecretKey: string };
}

export async function startMlflow(o: MlflowOptions): Promise<{ proc: ManagedProcess; url: string }> {
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const pg = o.postgres;
  // No password in the URI (it would show in `ps`); libpq reads it from PGPASSWORD.
  // The driver is named: SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, and the
  // image (like this venv) ships psycopg2-binary.
  const backend = `postgresql+psycopg2://${encodeURIComponent(pg.user)}@${pg.host}:${pg.port}/${encodeURIComponent(pg.database)}`;
  let authEnv: Record<string, string> = {};
  if (o.auth) {
    const ini = join(o.dir, "basic_auth.ini");
    writeFileSync(ini, basicAuthIni(backend), { mode: 0o600 });
    authEnv = {
      MLFLOW_AUTH_CONFIG_PATH: ini,
      MLFLOW_AUTH_ADMIN_USERNAME: o.auth.adminUsername,
      MLFLOW_AUTH_ADMIN_PASSWORD: o.auth.adminPassword,
      MLFLOW_FLASK_SERVER_SECRET_KEY: o.auth.flaskSecretKey,
    };
  }
  const asAdmin = o.auth ? { authorization: `Basic ${Buffer.from(`${o.auth.adminUsername}:${o.auth.adminPassword}`).toString("base64")}` } : undefined;
  const s3Url = `${o.s3.useSSL ? "https" : "http"}://${o.s3.endPoint}:${o.s3.port}`;
  const proc = startProcess(
    "mlflow",
    o.bin,
    [
      "server",
      "--host", "127.0.0.1",
      "--port", String(o.port),
      "--workers", String(o.workers),
      "--backend-store-uri", backend,
      "--serve-artifacts",
      "--artifacts-destination", `s3://${o.artifactBucket}`,
      "--allowed-hosts", `127.0.0.1:${o.port},localhost:${o.port}`,
      ...(o.auth ? ["--app-name", "basic-auth"] : []),
    ],
    {
      env: {
        ...o.env,
        PGPASSWORD: pg.password,
        MLFLOW_S3_ENDPOINT_URL: s3Url,
        AWS_ACCESS_KEY_ID: o.s3.accessKey,
        AWS_SECRET_ACCESS_KEY: o.s3.secretKey,
        AWS_DEFAULT_REGION: o.s3.region ?? DEFAULT_S3_REGION,
        MLFLOW_DISABLE_TELEMETRY: "true",
        // drift-loop uses no MLflow server jobs (GenAI scorers, trace roll-ups); the job
        // executor would start extra Python workers that cost memory and start-up time.
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false",
        DO_NOT_TRACK: "true",
        PYTHONUNBUFFERED: "1",
        HOME: o.dir,
        ...authEnv,
      },
      logFile: join(o.dir, "..", o.auth ? "mlflow-auth.log" : "mlflow.log"),
      cwd: o.dir,
      // uvicorn stops within a second; the `mlflow server` wrapper then spends seconds of CPU
      // tearing down its interpreter, which nothing needs.
      graceMs: 1500,
    },
  );
  o.onStart?.(proc);
  const url = `http://127.0.0.1:${o.port}`;
  // /health answers before the tracking store is up; the default experiment (id 0) only
  // exists once MLflow has connected to Postgres and the schema is migrated.
  await waitHealthy(
    proc,
    `${url}/health and the default experiment answering 200`,
    async () =>
      (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok &&
      (await fetch(`${url}/api/2.0/mlflow/experiments/get?experiment_id=0`, { headers: asAdmin, signal: AbortSignal.timeout(5000) })).ok,
    o.timeoutMs,
  );
  return { proc, url };
}
