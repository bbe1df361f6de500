/**
 * The few calls of MinIO's admin API (the one `mc admin` uses) that the init Job needs:
 * create or update a user, write a canned policy, attach it to a user. Requests are signed
 * with the `minio` package's own SigV4 signer, as root (only the init Job holds it).
 *
 * `add-user` takes its body encrypted with the caller's secret key, in the format MinIO
 * reads with madmin's DecryptData (madmin-go encrypt.go, sio-go framing):
 *   salt (32) | algorithm id 0x02 = PBKDF2-SHA256(8192) + AES-256-GCM | nonce (8) | sealed
 * where the payload (under one 16 KiB fragment) is sealed once as the stream's final
 * fragment: AES-GCM with nonce = nonce8 | uint32le(1) and associated data
 * 0x80 | tag, tag being the GCM tag of nothing under nonce8 | uint32le(0).
 */
import { createCipheriv, createHash, pbkdf2Sync, randomBytes } from "node:crypto";
import { signV4 } from "minio/dist/main/signing.js";
import { DEFAULT_S3_REGION, type S3Settings } from "./s3";

export class MinioAdminError extends Error {
  constructor(message: string, readonly status: number, readonly code?: string) {
    super(message);
    this.name = "MinioAdminError";
  }
}

const PBKDF2_AES_GCM = 0x02;
const PBKDF2_ROUNDS = 8192;
const FRAGMENT = 16 * 1024;

/** `data` encrypted for an admin call made with `secretKey` (see the file comment). */
export function encryptAdminPayload(secretKey: string, data: Buffer): Buffer {
  if (data.length > FRAGMENT) throw new Error(`admin payload of ${data.length} bytes is over one ${FRAGMENT}-byte fragment`);
  const salt = randomBytes(32);
  const key = pbkdf2Sync(Buffer.from(secretKey, "utf8"), salt, PBKDF2_ROUNDS, 32, "sha256");
  const nonce8 = randomBytes(8);
  const nonce = (seq: number) => {
    const n = Buffer.alloc(12);
    nonce8.copy(n, 0);
    n.writeUInt32LE(seq, 8);
    return n;
  };
  const header = createCipheriv("aes-256-gcm", key, nonce(0));
  header.final();
  const associated = Buffer.concat([Buffer.from([0x80]), header.getAuthTag()]);
  const c = createCipheriv("aes-256-gcm", key, nonce(1));
  c.setAAD(associated);
  const sealed = Buffer.concat([c.update(data), c.final(), c.getAuthTag()]);
  return Buffer.concat([salt, Buffer.from([PBKDF2_AES_GCM]), nonce8, sealed]);
}

/** An S3 bucket policy document (the subset drift-loop writes). */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: { Effect: "Allow" | "Deny"; Action: string[]; Resource: string[]; Condition?: Record<string, Record<string, string[]>> }[];
}

export class MinioAdmin {
  constructor(private readonly s: S3Settings) {}

  private async call(method: "GET" | "PUT", path: string, query: Record<string, string>, body: Buffer = Buffer.alloc(0)): Promise<string> {
    const q = Object.entries(query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join("&");
    const fullPath = `/minio/admin/v3/${path}${q ? `?${q}` : ""}`;
    const host = `${this.s.endPoint}:${this.s.port}`;
    const date = new Date();
    const amzDate = date.toISOString().replace(/[:-]|\.\d{3}/g, "");
    const sha = createHash("sha256").update(body).digest("hex");
    const headers: Record<string, string> = { host, "x-amz-date": amzDate, "x-amz-content-sha256": sha };
    const protocol = this.s.useSSL ? "https:" : "http:";
    headers.authorization = signV4({ protocol, method, path: fullPath, headers }, this.s.accessKey, this.s.secretKey, this.s.region ?? DEFAULT_S3_REGION, date, sha, "s3");
    const { host: _host, ...sent } = headers;
    const res = await fetch(`${protocol}//${host}${fullPath}`, { method, headers: sent, body: method === "GET" ? undefined : body, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (!res.ok) {
      let code: string | undefined;
      let message = text;
      try {
        const j = JSON.parse(text) as { Code?: string; Message?: string };
        code = j.Code;
        message = j.Message ?? text;
      } catch {
        /* not JSON */
      }
      throw new MinioAdminError(`MinIO admin ${method} ${path} failed with ${res.status}${code ? ` ${code}` : ""}: ${message.slice(0, 300)}`, res.status, code);
    }
    return text;
  }

  /** Creates the user, or sets its secret key and enables it when it exists. */
  async setUser(accessKey: string, secretKey: string): Promise<void> {
    const payload = Buffer.from(JSON.stringify({ secretKey, status: "enabled" }));
    await this.call("PUT", "add-user", { accessKey }, encryptAdminPayload(this.s.secretKey, payload));
  }

  /** Writes (or replaces) a canned policy. */
  async setPolicy(name: string, doc: PolicyDocument): Promise<void> {
    await this.call("PUT", "add-canned-policy", { name }, Buffer.from(JSON.stringify(doc)));
  }

  /** Makes `policy` the user's only policy. */
  async attachPolicy(user: string, policy: string): Promise<void> {
    await this.call("PUT", "set-user-or-group-policy", { policyName: policy, userOrGroup: user, isGroup: "false" });
  }

  /** The user's policy names (empty when it has none); throws 404 for an unknown user. */
  async userPolicies(user: string): Promise<string[]> {
    const info = JSON.parse(await this.call("GET", "user-info", { accessKey: user })) as { policyName?: string };
    return info.policyName ? info.policyName.split(",") : [];
  }
}
