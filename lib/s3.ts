import { Client } from "minio";
import type { Readable } from "node:stream";
import { IamAwsProvider } from "minio/dist/main/IamAwsProvider.js";
import { BUCKET_PREFIX_RULE, ENV, bucketPrefixProblem } from "./contract";
import { ConfigError, boolEnv, intEnv, optionalStringEnv, stringEnv } from "./env";
import { parseHttpUrl, urlPort } from "./http-url";

/** The S3 region MinIO reports, and every client's default. */
export const DEFAULT_S3_REGION = "us-east-1";

/** The S3 environment every S3 client reads (s3SettingsFromEnv), for the CLIs' --help. */
export const S3_ENV_HELP = `${ENV.s3Endpoint}, ${ENV.s3Port} (9000), ${ENV.s3UseSsl} (false), ${ENV.s3AccessKey} and ${ENV.s3SecretKey} (both, or
                  neither: the cloud identity), ${ENV.s3Region} (${DEFAULT_S3_REGION}), ${ENV.s3PathStyle} (true), ${ENV.s3BucketPrefix} (none)`;

export interface S3Settings {
  endPoint: string;
  port: number;
  useSSL: boolean;
  /** Both empty: no keys, the pod's cloud identity signs (IRSA, EKS Pod Identity, the node's instance role: minio's IamAwsProvider). */
  accessKey: string;
  secretKey: string;
  region?: string;
  /** Path-style requests (default true; MinIO needs them); false = virtual-hosted. */
  pathStyle?: boolean;
}

/** Reads the S3 connection from the environment, validated (and the bucket prefix that lib/contract.ts BUCKETS applied). */
export function s3SettingsFromEnv(env: Record<string, string | undefined> = process.env): S3Settings {
  const prefix = optionalStringEnv(env, ENV.s3BucketPrefix) ?? "";
  const why = bucketPrefixProblem(prefix);
  if (why) throw new ConfigError(`${ENV.s3BucketPrefix}=${JSON.stringify(prefix)} cannot be used: ${why}; allowed: ${BUCKET_PREFIX_RULE}`);
  const accessKey = optionalStringEnv(env, ENV.s3AccessKey);
  const secretKey = optionalStringEnv(env, ENV.s3SecretKey);
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw new ConfigError(`${accessKey === undefined ? ENV.s3SecretKey : ENV.s3AccessKey} is set without ${accessKey === undefined ? ENV.s3AccessKey : ENV.s3SecretKey}; allowed: both (a key pair), or neither (the pod's cloud identity signs)`);
  }
  return {
    endPoint: stringEnv(env, ENV.s3Endpoint),
    port: intEnv(env, ENV.s3Port, { min: 1, max: 65535, fallback: 9000 }),
    useSSL: boolEnv(env, ENV.s3UseSsl, false),
    accessKey: accessKey ?? "",
    secretKey: secretKey ?? "",
    region: optionalStringEnv(env, ENV.s3Region) ?? DEFAULT_S3_REGION,
    pathStyle: boolEnv(env, ENV.s3PathStyle, true),
  };
}

/** What an S3 endpoint URL may be (the stack's s3Endpoint). */
export const S3_ENDPOINT_RULE = "an http:// or https:// URL of the store's host, with an optional port and no path, e.g. https://s3.eu-west-1.amazonaws.com or http://minio.storage.svc:9000";

/** The parts of an S3 endpoint URL (S3_ENDPOINT_RULE), or undefined when it is not one. */
export function parseS3Endpoint(url: string): { host: string; port: number; useSsl: boolean } | undefined {
  const u = parseHttpUrl(url);
  if (!u || u.hostname === "" || u.username || u.password || (u.pathname !== "/" && u.pathname !== "") || u.search || u.hash) return undefined;
  return { host: u.hostname, port: urlPort(u), useSsl: u.protocol === "https:" };
}

/** A client with the settings' keys, or, without keys, the cloud identity's (refreshed before they expire). */
export function s3Client(s: S3Settings): Client {
  const identity = s.accessKey === "" && s.secretKey === "";
  return new Client({
    endPoint: s.endPoint,
    port: s.port,
    useSSL: s.useSSL,
    region: s.region,
    pathStyle: s.pathStyle ?? true,
    ...(identity ? { credentialsProvider: new IamAwsProvider({}) } : { accessKey: s.accessKey, secretKey: s.secretKey }),
  });
}

/** The environment a process needs to reach this S3 (for child processes and tests). */
export function s3Env(s: S3Settings): Record<string, string> {
  return {
    [ENV.s3Endpoint]: s.endPoint,
    [ENV.s3Port]: String(s.port),
    [ENV.s3UseSsl]: String(s.useSSL),
    [ENV.s3AccessKey]: s.accessKey,
    [ENV.s3SecretKey]: s.secretKey,
    [ENV.s3Region]: s.region ?? DEFAULT_S3_REGION,
    [ENV.s3PathStyle]: String(s.pathStyle ?? true),
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
