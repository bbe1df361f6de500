/** The model API's configuration, read and validated once from the environment. */
import { hostname } from "node:os";
import { BAKED_MODEL_PATH, BUCKETS, ENV, PORTS } from "../../../lib/contract";
import { boolEnv, intEnv, optionalStringEnv, stringEnv } from "../../../lib/env";
import { readTokenDir, type ApiToken } from "../../../lib/auth";
import { s3SettingsFromEnv, type S3Settings } from "../../../lib/s3";

/** Model-API-only variables (not set by the Pulumi program; defaults suit it). */
export const LOCAL_ENV = {
  requestLog: "REQUEST_LOG",
  requestLogMaxBufferedRows: "REQUEST_LOG_MAX_BUFFERED_ROWS",
  bodyLimitBytes: "BODY_LIMIT_BYTES",
  maxBatchRows: "MAX_BATCH_ROWS",
  shutdownTimeoutSeconds: "SHUTDOWN_TIMEOUT_SECONDS",
  podName: "POD_NAME",
} as const;

export interface ApiConfig {
  port: number;
  host: string;
  modelPath: string;
  /** Undefined when REQUEST_LOG=false (local use; production always logs). */
  requestLog?: {
    s3: S3Settings;
    bucket: string;
    pod: string;
    flushRows: number;
    flushSeconds: number;
    maxBufferedRows: number;
  };
  bodyLimit: number;
  maxBatchRows: number;
  shutdownTimeoutMs: number;
  /** Client tokens (API_TOKENS_DIR); undefined = no authentication (local runs only). */
  tokens?: ApiToken[];
}

export function loadConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const logOn = boolEnv(env, LOCAL_ENV.requestLog, true);
  const tokensDir = optionalStringEnv(env, ENV.apiTokensDir);
  const flushRows = intEnv(env, ENV.requestLogFlushRows, { min: 1, max: 100_000, fallback: 1000 });
  return {
    port: intEnv(env, ENV.port, { min: 1, max: 65535, fallback: PORTS.modelApi }),
    host: optionalStringEnv(env, "HOST") ?? "0.0.0.0",
    modelPath: stringEnv(env, ENV.modelPath, BAKED_MODEL_PATH),
    requestLog: logOn
      ? {
          s3: s3SettingsFromEnv(env),
          bucket: BUCKETS.requests,
          pod: optionalStringEnv(env, LOCAL_ENV.podName) ?? optionalStringEnv(env, "HOSTNAME") ?? hostname(),
          flushRows,
          flushSeconds: intEnv(env, ENV.requestLogFlushSeconds, { min: 1, max: 3600, fallback: 10 }),
          maxBufferedRows: intEnv(env, LOCAL_ENV.requestLogMaxBufferedRows, { min: Math.max(1000, flushRows), max: 10_000_000, fallback: Math.max(100_000, flushRows) }),
        }
      : undefined,
    bodyLimit: intEnv(env, LOCAL_ENV.bodyLimitBytes, { min: 1024, max: 64 * 1024 * 1024, fallback: 1024 * 1024 }),
    maxBatchRows: intEnv(env, LOCAL_ENV.maxBatchRows, { min: 1, max: 100_000, fallback: 1000 }),
    shutdownTimeoutMs: intEnv(env, LOCAL_ENV.shutdownTimeoutSeconds, { min: 1, max: 3600, fallback: 25 }) * 1000,
    tokens: tokensDir === undefined ? undefined : readTokenDir(tokensDir, ENV.apiTokensDir),
  };
}
