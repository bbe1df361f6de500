/**
 * The S3 connection every workload reads (lib/s3.ts) and the bucket names (lib/contract.ts):
 * the external store's settings, the bucket prefix, and the cloud identity when no keys are set.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { IamAwsProvider } from "minio/dist/main/IamAwsProvider.js";
import { BUCKET_NAMES, MAX_BUCKET_PREFIX, bucketPrefixProblem, bucketsWithPrefix } from "../../lib/contract";
import { ConfigError } from "../../lib/env";
import { parseS3Endpoint, s3Client, s3Env, s3SettingsFromEnv } from "../../lib/s3";

const base = { S3_ENDPOINT: "s3.eu-west-1.amazonaws.com", S3_PORT: "443", S3_USE_SSL: "true" };

describe("the S3 connection of a workload", () => {
  it("reads an external store: region, virtual-hosted requests, and keys or none", () => {
    const s = s3SettingsFromEnv({ ...base, S3_REGION: "eu-west-1", S3_PATH_STYLE: "false", S3_ACCESS_KEY: "AKIA", S3_SECRET_KEY: "secret" });
    assert.deepEqual(s, { endPoint: "s3.eu-west-1.amazonaws.com", port: 443, useSSL: true, accessKey: "AKIA", secretKey: "secret", region: "eu-west-1", pathStyle: false });
    const identity = s3SettingsFromEnv(base);
    assert.deepEqual([identity.accessKey, identity.secretKey, identity.region, identity.pathStyle], ["", "", "us-east-1", true]);
    // The round trip a child process gets.
    assert.deepEqual(s3SettingsFromEnv(s3Env(s)), s);
  });

  it("refuses one key without the other, and a bucket prefix S3 would refuse, saying what is allowed", () => {
    assert.throws(() => s3SettingsFromEnv({ ...base, S3_ACCESS_KEY: "AKIA" }), (e: Error) => e instanceof ConfigError && /S3_ACCESS_KEY is set without S3_SECRET_KEY; allowed: both .* or neither/.test(e.message));
    assert.throws(() => s3SettingsFromEnv({ ...base, S3_SECRET_KEY: "x" }), /S3_SECRET_KEY is set without S3_ACCESS_KEY/);
    assert.throws(() => s3SettingsFromEnv({ ...base, S3_BUCKET_PREFIX: "Acme_" }), (e: Error) => e instanceof ConfigError && /S3_BUCKET_PREFIX="Acme_" cannot be used: .*; allowed: lowercase letters/.test(e.message));
  });

  it("signs with the cloud identity's provider when no keys are set, with the keys otherwise", () => {
    const identity = s3Client(s3SettingsFromEnv(base)) as unknown as { credentialsProvider?: unknown; accessKey?: string };
    assert.ok(identity.credentialsProvider instanceof IamAwsProvider);
    const keys = s3Client(s3SettingsFromEnv({ ...base, S3_ACCESS_KEY: "AKIA", S3_SECRET_KEY: "secret" })) as unknown as { credentialsProvider?: unknown; accessKey?: string };
    assert.equal(keys.credentialsProvider, undefined);
    assert.equal(keys.accessKey, "AKIA");
  });

  it("parses an endpoint URL, and refuses what is not one", () => {
    assert.deepEqual(parseS3Endpoint("https://s3.eu-west-1.amazonaws.com"), { host: "s3.eu-west-1.amazonaws.com", port: 443, useSsl: true });
    assert.deepEqual(parseS3Endpoint("http://minio.storage.svc:9000"), { host: "minio.storage.svc", port: 9000, useSsl: false });
    assert.deepEqual(parseS3Endpoint("http://10.0.0.5"), { host: "10.0.0.5", port: 80, useSsl: false });
    for (const bad of ["s3.amazonaws.com", "ftp://s3.amazonaws.com", "https://s3.amazonaws.com/bucket", "https://key:secret@s3.amazonaws.com", "https://s3.amazonaws.com?x=1", ""]) {
      assert.equal(parseS3Endpoint(bad), undefined, bad);
    }
  });
});

describe("bucket names with a prefix", () => {
  it("keeps every name a valid S3 bucket name, up to the longest prefix allowed", () => {
    const longest = "a".repeat(MAX_BUCKET_PREFIX);
    for (const name of Object.values(bucketsWithPrefix(longest))) assert.ok(name.length <= 63 && /^[a-z0-9][a-z0-9.-]+$/.test(name), name);
    assert.match(bucketPrefixProblem(`${longest}a`) ?? "", /at most 55/);
    for (const bad of ["-acme", "acme..ml", "acme.-ml", "ACME", "acme_ml", "xn--acme"]) assert.ok(bucketPrefixProblem(bad), bad);
    for (const good of ["", "acme-ml-", "acme.ml.", "a1"]) assert.equal(bucketPrefixProblem(good), undefined, good);
    assert.deepEqual(bucketsWithPrefix(""), { ...BUCKET_NAMES });
  });

  it("names a workload's buckets from its S3_BUCKET_PREFIX", () => {
    const code = `console.log(JSON.stringify(require("./lib/contract").BUCKETS));`;
    const out = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", code], { env: { ...process.env, S3_BUCKET_PREFIX: "acme-ml-" }, encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), bucketsWithPrefix("acme-ml-"));
  });
});
