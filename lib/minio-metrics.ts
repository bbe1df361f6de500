/**
 * MinIO's Prometheus endpoint and the bearer token it asks for: a JWT (HS512) with
 * `iss: prometheus`, `sub: <access key>` and an expiry, signed with that access key's secret,
 * as `mc admin prometheus generate` makes it. MinIO answers 200 only when the key exists and
 * may `admin:Prometheus`; the token opens the metrics endpoints only (S3 calls sign
 * requests with SigV4, not a bearer token).
 */
import { createHmac } from "node:crypto";

/** Cluster-wide metrics (v2), what a ServiceMonitor scrapes. */
export const MINIO_METRICS_PATH = "/minio/v2/metrics/cluster";

/** The token's expiry: fixed (1 January 2100), so the token only changes when the key does. */
export const MINIO_METRICS_TOKEN_EXPIRY = Date.UTC(2100, 0, 1) / 1000;

const b64url = (s: string | Buffer) => Buffer.from(s).toString("base64url");

/** The bearer token for MINIO_METRICS_PATH, signed with `secretKey`. */
export function minioMetricsToken(accessKey: string, secretKey: string, expiresAt = MINIO_METRICS_TOKEN_EXPIRY): string {
  const head = `${b64url(JSON.stringify({ alg: "HS512", typ: "JWT" }))}.${b64url(JSON.stringify({ exp: expiresAt, sub: accessKey, iss: "prometheus" }))}`;
  return `${head}.${b64url(createHmac("sha512", secretKey).update(head).digest())}`;
}
