import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Client } from "minio";
import { BUCKETS, INITIAL_REFERENCE, KEYS } from "../../lib/contract";
import { getText, objectExists, putText, s3Client, s3Env } from "../../lib/s3";
import { referenceCsv } from "../../drifter/src/reference";
import { getServices, type Services } from "../helpers/services";
import { runScript } from "../helpers/script";

const ROOT = join(__dirname, "..", "..");

/** Runs the seed CLI (the MinIO init Job's command) as a process. */
/** Runs the seed CLI (the MinIO init Job's command) as a process. */
const seed = (env: Record<string, string>) => runScript("drifter/src/seed-cli.ts", [], env);

describe("drifter seed CLI against real MinIO (the init Job)", function () {
  this.timeout(180_000);
  let svc: Services;
  let c: Client;
  let env: Record<string, string>;

  async function clearReference(): Promise<void> {
    if (await c.bucketExists(BUCKETS.datasets)) await c.removeObjects(BUCKETS.datasets, [KEYS.reference, KEYS.referenceMeta]);
  }

  before(async () => {
    svc = await getServices();
    c = s3Client(svc.s3);
    env = s3Env(svc.s3);
    await clearReference();
  });
  after(async () => {
    // Leave the initial reference in place, as a fresh deployment has it.
    await clearReference();
    await seed(env);
  });

  it("creates the four buckets and writes the initial reference with its metadata", async () => {
    const r = await seed(env);
    assert.equal(r.code, 0, r.output);
    for (const b of Object.values(BUCKETS)) assert.ok(await c.bucketExists(b), `bucket ${b}`);
    const csv = await getText(c, BUCKETS.datasets, KEYS.reference);
    assert.equal(csv, referenceCsv().toString("utf8"));
    assert.equal(csv.trimEnd().split("\n").length, INITIAL_REFERENCE.rows + 1);
    const meta = JSON.parse(await getText(c, BUCKETS.datasets, KEYS.referenceMeta));
    assert.equal(meta.rows, INITIAL_REFERENCE.rows);
    assert.equal(meta.seed, INITIAL_REFERENCE.seed);
    assert.equal(meta.model_version, null);
    assert.match(meta.sha256, /^[0-9a-f]{64}$/);
    assert.ok(!Number.isNaN(Date.parse(meta.created_at)));
    assert.match(r.output, /initial reference dataset written/);
    assert.ok(!r.output.includes(svc.s3.secretKey), "the secret key is never logged");
  });

  it("is idempotent: a second run keeps the objects as they are", async () => {
    const before = await c.statObject(BUCKETS.datasets, KEYS.reference);
    const metaBefore = await getText(c, BUCKETS.datasets, KEYS.referenceMeta);
    const r = await seed(env);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /already there; kept/);
    assert.equal((await c.statObject(BUCKETS.datasets, KEYS.reference)).etag, before.etag);
    assert.equal(await getText(c, BUCKETS.datasets, KEYS.referenceMeta), metaBefore);
  });

  it("never overwrites a newer reference written by a retrain", async () => {
    const newer = "age,income\n1,2\n";
    const newerMeta = JSON.stringify({ model_version: "7", rows: 1 });
    await putText(c, BUCKETS.datasets, KEYS.reference, newer, "text/csv");
    await putText(c, BUCKETS.datasets, KEYS.referenceMeta, newerMeta, "application/json");
    const r = await seed(env);
    assert.equal(r.code, 0, r.output);
    assert.equal(await getText(c, BUCKETS.datasets, KEYS.reference), newer);
    assert.equal(await getText(c, BUCKETS.datasets, KEYS.referenceMeta), newerMeta);
  });

  it("restores missing metadata only when the stored reference is the initial one", async () => {
    await clearReference();
    await putText(c, BUCKETS.datasets, KEYS.reference, referenceCsv(), "text/csv");
    let r = await seed(env);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /metadata written/);
    assert.equal(JSON.parse(await getText(c, BUCKETS.datasets, KEYS.referenceMeta)).rows, INITIAL_REFERENCE.rows);

    await clearReference();
    await putText(c, BUCKETS.datasets, KEYS.reference, "age\n1\n", "text/csv");
    r = await seed(env);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /not the initial one; kept/);
    assert.equal(await objectExists(c, BUCKETS.datasets, KEYS.referenceMeta), false, "no invented metadata");
    assert.equal(await getText(c, BUCKETS.datasets, KEYS.reference), "age\n1\n");
  });

  it("fails fast and clearly on wrong credentials or a missing setting", async () => {
    const wrong = await seed({ ...env, S3_SECRET_KEY: "definitely-not-the-secret-key", SEED_ATTEMPTS: "3" });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.output, /^seed: failed: .*credentials/im);
    assert.doesNotMatch(wrong.output, /retrying/, "a credentials error is not retried");
    assert.ok(!wrong.output.includes("definitely-not-the-secret-key"), "the secret key is never logged");
    const { S3_ENDPOINT: _omit, ...noEndpoint } = env;
    const missing = await seed(noEndpoint);
    assert.equal(missing.code, 2);
    assert.match(missing.output, /^seed: S3_ENDPOINT is required.*\nRun with --help for the options\.$/m);
  });

  it("waits for MinIO to come up, then gives up with an error after SEED_ATTEMPTS", async () => {
    const r = await seed({ ...env, S3_PORT: "1", SEED_ATTEMPTS: "2" });
    assert.equal(r.code, 1);
    assert.match(r.output, /creating bucket .* failed, retrying/);
    assert.match(r.output, /^seed: failed: /m);
  });

  it("prints --help", async () => {
    const help = await new Promise<string>((resolve) => {
      const p = spawn(process.execPath, ["--import", "tsx", join(ROOT, "drifter", "src", "seed-cli.ts"), "--help"], { cwd: ROOT });
      let out = "";
      p.stdout.on("data", (d) => (out += d));
      p.on("exit", () => resolve(out));
    });
    assert.match(help, /SEED_ATTEMPTS/);
    assert.match(help, /never overwrites/);
  });
});
