/** A MinIO server on loopback with a throwaway data directory and generated credentials. */
import { mkdirSync } from "node:fs";
import { Client } from "minio";
import { join } from "node:path";
import { DEFAULT_S3_REGION, ensureBucket, s3Client, type S3Settings } from "../../lib/s3";
import { startProcess, waitHealthy, type ManagedProcess } from "./proc";

export interface MinioOptions {
  bin: string;
  dir: string;
  port: number;
  consolePort: number;
  accessKey: string;
  secretKey: string;
  /** The address to listen on. Defaults to 127.0.0.1 (another: a store pods reach as an external one). */
  host?: string;
  /** Buckets to create once the server is ready. */
  buckets: string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  onStart?: (p: ManagedProcess) => void;
}

export async function startMinio(o: MinioOptions): Promise<{ proc: ManagedProcess; settings: S3Settings }> {
  const data = join(o.dir, "data");
  const host = o.host ?? "127.0.0.1";
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const proc = startProcess(
    "minio",
    o.bin,
    ["server", data, "--address", `${host}:${o.port}`, "--console-address", `${host}:${o.consolePort}`],
    {
      env: {
        ...o.env,
        MINIO_ROOT_USER: o.accessKey,
        MINIO_ROOT_PASSWORD: o.secretKey,
        MINIO_UPDATE: "off",
        MINIO_CONFIG_ENV_FILE: "", // never pick up a user's /etc/default/minio
        HOME: o.dir, // MinIO writes ~/.minio (certs dir) on start
      },
      logFile: join(o.dir, "..", "minio.log"),
      cwd: o.dir,
    },
  );
  o.onStart?.(proc);
  const base = `http://${host}:${o.port}`;
  const settings: S3Settings = { endPoint: host, port: o.port, useSSL: false, accessKey: o.accessKey, secretKey: o.secretKey, region: DEFAULT_S3_REGION };
  // /minio/health/ready can answer 200 a moment before S3 calls stop returning 503; an
  // authenticated call without the client's own retries (and their warnings) settles it.
  const probe = new Client({ ...settings, retryOptions: { disableRetry: true } });
  await waitHealthy(
    proc,
    `${base}/minio/health/ready answering 200 and ListBuckets succeeding`,
    async () => (await fetch(`${base}/minio/health/ready`, { signal: AbortSignal.timeout(2000) })).ok && Array.isArray(await probe.listBuckets()),
    o.timeoutMs,
  );
  const client = s3Client(settings);
  for (const b of o.buckets) await ensureBucket(client, b);
  return { proc, settings };
}
