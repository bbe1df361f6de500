/**
 * MinIO least privilege against a real MinIO: the init Job (the seed CLI, as root) creates
 * one user per workload with its policy (lib/storage-access.ts) through MinIO's admin API,
 * and each user can do what its workload does and nothing outside its prefixes.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import { Client } from "minio";
import { BUCKETS, KEYS } from "../../lib/contract";
import { MinioAdmin, encryptAdminPayload } from "../../lib/minio-admin";
import { ensureBucket, getText, objectExists, putText, s3Client, s3Env } from "../../lib/s3";
import { S3_USERS, ensureUsers, policyName, userSecretEnv, type S3User } from "../../lib/storage-access";
import { getServices, type Services } from "../helpers/services";
import { runScript } from "../helpers/script";


/** Runs the seed CLI (the MinIO init Job's command) as a process. */
const seed = (env: Record<string, string>) => runScript("drifter/src/seed-cli.ts", [], env);

const outcomeOf = (p: Promise<unknown>) =>
  p.then(
    () => "allowed",
    (err: { code?: string; message?: string }) => err.code ?? err.message ?? String(err),
  );

/** A read or call the user may not make: MinIO answers AccessDenied. */
const denied = async (what: string, p: Promise<unknown>) => assert.equal(await outcomeOf(p), "AccessDenied", `${what} must be denied`);

describe("MinIO users and policies created by the init Job (real MinIO)", function () {
  this.timeout(180_000);
  let svc: Services;
  let root: Client;
  /**
   * A write the user may not make: AccessDenied, and the object is unchanged. The body is
   * empty: MinIO answers 403 before reading a body and resets the connection one is still
   * being sent on, which the client reports late, as an uncaught error.
   */
  const deniedWrite = async (what: string, c: Client, bucket: string, key: string) => {
    const existed = await objectExists(root, bucket, key);
    const before = existed ? await getText(root, bucket, key) : undefined;
    assert.equal(await outcomeOf(putText(c, bucket, key, "")), "AccessDenied", `${what} must be denied`);
    assert.equal(existed ? await getText(root, bucket, key) : await objectExists(root, bucket, key), existed ? before : false, `${what}: the object is unchanged`);
  };
  /**
   * A client of one user on connections of its own, not kept alive: MinIO closes the
   * connection of a refused GET, and a pooled one would fail the next request.
   */
  const userClient = (user: S3User, secretKey: string) =>
    new Client({ endPoint: svc.s3.endPoint, port: svc.s3.port, useSSL: false, accessKey: user, secretKey, region: svc.s3.region, transportAgent: new Agent({ keepAlive: false }) });
  const secrets = Object.fromEntries(S3_USERS.map((u) => [u, randomBytes(15).toString("hex")])) as Record<S3User, string>;
  const as = {} as Record<S3User, Client>;

  before(async () => {
    svc = await getServices();
    root = s3Client(svc.s3);
    const env = { ...s3Env(svc.s3), ...Object.fromEntries(S3_USERS.map((u) => [userSecretEnv(u), secrets[u]])), SEED_ATTEMPTS: "3" };
    const r = await seed(env);
    assert.equal(r.code, 0, r.output);
    for (const u of S3_USERS) as[u] = userClient(u, secrets[u]);
  });

  it("gives each user exactly its own policy", async () => {
    const admin = new MinioAdmin(svc.s3);
    for (const u of S3_USERS) assert.deepEqual(await admin.userPolicies(u), [policyName(u)]);
  });

  it("model-api writes requests/ and nothing else (not even reads)", async () => {
    const c = as["model-api"];
    await putText(c, BUCKETS.requests, "test/minio-users/a.ndjson", "{}\n");
    await denied("reading requests/", getText(c, BUCKETS.requests, "test/minio-users/a.ndjson"));
    await deniedWrite("writing the reference", c, BUCKETS.datasets, KEYS.reference);
    await deniedWrite("writing reports/", c, BUCKETS.reports, "x.json");
    await deniedWrite("writing MLflow artifacts", c, BUCKETS.mlflow, "x");
    await denied("creating a bucket", c.makeBucket("model-api-own"));
  });

  it("drift-job reads requests/ and the reference, writes reports/ and its cooldown state, and writes nothing else", async () => {
    const c = as["drift-job"];
    assert.equal(await getText(c, BUCKETS.requests, "test/minio-users/a.ndjson"), "{}\n");
    assert.ok((await c.listObjectsV2(BUCKETS.requests, "test/", true).toArray()).length >= 1);
    assert.match(await getText(c, BUCKETS.datasets, KEYS.reference), /,/);
    // A missing cooldown state reads as missing (what the job expects on its first run), not as denied.
    assert.equal(await outcomeOf(getText(c, BUCKETS.reports, KEYS.retrainState)), "NoSuchKey");
    await putText(c, BUCKETS.reports, "test/minio-users/report.json", "{}");
    // The history index is rebuilt from a listing of reports/.
    assert.ok((await c.listObjectsV2(BUCKETS.reports, "test/minio-users/", true).toArray()).some((o: { name?: string }) => o.name === "test/minio-users/report.json"));
    await putText(c, BUCKETS.reports, KEYS.retrainState, '{"test":true}\n');
    assert.equal(await getText(c, BUCKETS.reports, KEYS.retrainState), '{"test":true}\n');
    await deniedWrite("writing requests/", c, BUCKETS.requests, "forged.ndjson");
    await deniedWrite("writing the reference", c, BUCKETS.datasets, KEYS.reference);
    await denied("reading datasets outside reference/", getText(c, BUCKETS.datasets, "other/x.csv"));
    await deniedWrite("writing MLflow artifacts", c, BUCKETS.mlflow, "x");
    await root.removeObject(BUCKETS.reports, KEYS.retrainState);
  });

  it("trainer writes reference/ (and its archive) and nothing outside it", async () => {
    const c = as.trainer;
    await ensureBucket(c, BUCKETS.datasets);
    const before = await getText(c, BUCKETS.datasets, KEYS.reference);
    await putText(c, BUCKETS.datasets, "reference/archive/test-minio-users.csv", before);
    await deniedWrite("writing datasets outside reference/", c, BUCKETS.datasets, "elsewhere.csv");
    await denied("reading requests/", getText(c, BUCKETS.requests, "test/minio-users/a.ndjson"));
    await deniedWrite("writing reports/", c, BUCKETS.reports, "x.json");
    await deniedWrite("writing MLflow's bucket directly", c, BUCKETS.mlflow, "x");
  });

  it("mlflow reads and writes its artifact bucket only", async () => {
    const c = as.mlflow;
    await putText(c, BUCKETS.mlflow, "test/minio-users/artifact.txt", "a");
    assert.equal(await getText(c, BUCKETS.mlflow, "test/minio-users/artifact.txt"), "a");
    await denied("reading the reference", getText(c, BUCKETS.datasets, KEYS.reference));
    await deniedWrite("writing requests/", c, BUCKETS.requests, "x");
  });

  it("backup writes, lists, reads and deletes in the backups bucket only", async () => {
    const c = as.backup;
    await putText(c, BUCKETS.backups, "test/minio-users/dump.bin", "d");
    assert.equal(await getText(c, BUCKETS.backups, "test/minio-users/dump.bin"), "d");
    const listed: string[] = [];
    for await (const o of c.listObjectsV2(BUCKETS.backups, "test/minio-users/", true)) listed.push((o as { name: string }).name);
    assert.deepEqual(listed, ["test/minio-users/dump.bin"]);
    await c.removeObject(BUCKETS.backups, "test/minio-users/dump.bin");
    assert.equal(await objectExists(root, BUCKETS.backups, "test/minio-users/dump.bin"), false);
    await denied("reading the reference", getText(c, BUCKETS.datasets, KEYS.reference));
    await denied("listing MLflow's bucket", (async () => { for await (const _ of c.listObjectsV2(BUCKETS.mlflow, "", true)) void _; })());
    await deniedWrite("writing MLflow's bucket", c, BUCKETS.mlflow, "x");
    await deniedWrite("writing reports/", c, BUCKETS.reports, "x.json");
  });

  it("rotates: a second run with a new secret key replaces the old one", async () => {
    const fresh = randomBytes(15).toString("hex");
    await ensureUsers(svc.s3, { "model-api": fresh });
    assert.equal(await outcomeOf(putText(as["model-api"], BUCKETS.requests, "test/minio-users/old.ndjson", "{}")), "SignatureDoesNotMatch", "the old key is refused");
    await putText(userClient("model-api", fresh), BUCKETS.requests, "test/minio-users/new.ndjson", "{}");
  });

  it("encrypts admin payloads so that another key cannot be used to add a user", async () => {
    const admin = new MinioAdmin({ ...svc.s3 });
    // Encrypted for a wrong key: MinIO cannot decrypt it and refuses.
    const bad = encryptAdminPayload("not-the-root-secret", Buffer.from(JSON.stringify({ secretKey: "x".repeat(20), status: "enabled" })));
    assert.ok(bad.length > 32 + 1 + 8 + 16);
    await assert.rejects(
      (admin as unknown as { call(m: string, p: string, q: Record<string, string>, b: Buffer): Promise<string> }).call("PUT", "add-user", { accessKey: "intruder" }, bad),
      /400|XMinioAdminConfigBadJSON|ConfigBadJSON/,
    );
  });
});
