import { Client } from "minio";
import type { Readable } from "node:stream";
import { ENV } from "./contract";
import { boolEnv, intEnv, stringEnv } from "./env";

export interface S3Settings {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  region?: string;
}

/** Reads the S3 (MinIO) connection from the environment, validated. */
export function s3SettingsFromEnv(env: Record<string, string | undefined> = process.env): S3Settings {
  return {
    endPoint: stringEnv(env, ENV.s3Endpoint),
    port: intEnv(env, ENV.s3Port, { min: 1, max: 65535, fallback: 9000 }),
    useSSL: boolEnv(env, ENV.s3UseSsl, false),
    accessKey: stringEnv(env, ENV.s3AccessKey),
    secretKey: stringEnv(env, ENV.s3SecretKey),
    region: env[ENV.s3Region] || "us-east-1",
  };
}

export function s3Client(s: S3Settings): Client {
  return new Client({ endPoint: s.endPoint, port: s.port, useSSL: s.useSSL, accessKey: s.accessKey, secretKey: s.secretKey, region: s.region });
}

/** The environment a process needs to reach this S3 (for child processes and tests). */
export function s3Env(s: S3Settings): Record<string, string> {
  return {
    [ENV.s3Endpoint]: s.endPoint,
    [ENV.s3Port]: String(s.port),
    [ENV.s3UseSsl]: String(s.useSSL),
    [ENV.s3AccessKey]: s.accessKey,
    [ENV.s3SecretKey]: s.secretKey,
  };
}

export async function ensureBucket(c: Client, bucket: string): Promise<void> {
  if (!(await c.bucketExists(bucket))) {
    try {
      await c.makeBucket(bucket);
    } catch (err) {
      // Another process may have created it between the check and the call.
      if (!(await c.bucketExists(bucket))) throw err;
    }
  }
}

export async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export async function getText(c: Client, bucket: string, key: string): Promise<string> {
  return (await streamToBuffer(await c.getObject(bucket, key))).toString("utf8");
}

export async function putText(c: Client, bucket: string, key: string, body: string | Buffer, contentType = "text/plain"): Promise<void> {
  const buf = typeof body === "string" ? Buffer.from(body) : body;
  await c.putObject(bucket, key, buf, buf.length, { "Content-Type": contentType });
}

/** True when the object exists; false on NoSuchKey/NotFound; other errors are thrown. */
export async function objectExists(c: Client, bucket: string, key: string): Promise<boolean> {
  try {
    await c.statObject(bucket, key);
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "NotFound" || code === "NoSuchKey") return false;
    throw err;
  }
}

/** All object keys under a prefix, sorted. */
export async function listKeys(c: Client, bucket: string, prefix: string, recursive = true): Promise<string[]> {
  const keys: string[] = [];
  const stream = c.listObjectsV2(bucket, prefix, recursive);
  for await (const item of stream as AsyncIterable<{ name?: string; prefix?: string }>) {
    if (item.name) keys.push(item.name);
    else if (item.prefix) keys.push(item.prefix);
  }
  return keys.sort();
}
