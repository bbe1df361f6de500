import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { Client as PgClient } from "pg";
import { BUCKETS } from "../../lib/contract";
import { MlflowClient } from "../../lib/mlflow";
import { getText, listKeys, putText, s3Client } from "../../lib/s3";
import { getServices, type Services } from "../helpers/services";

describe("real services for tests (MinIO, MLflow on Postgres)", function () {
  this.timeout(180_000);
  let svc: Services;

  before(async () => {
    svc = await getServices();
  });

  it("hands out loopback endpoints and per-run credentials", async () => {
    assert.equal(svc.s3.endPoint, "127.0.0.1");
    assert.match(svc.mlflowUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(svc.postgres.host, "127.0.0.1");
    assert.ok(svc.s3.secretKey.length >= 32 && svc.postgres.password.length >= 16);
    assert.equal(svc.postgres.url, `postgresql://${svc.postgres.user}:${svc.postgres.password}@127.0.0.1:${svc.postgres.port}/${svc.postgres.database}`);
    assert.deepEqual(await getServices(), svc, "a second call returns the same servers");
  });

  it("stores and lists objects in MinIO through the minio client", async () => {
    const c = s3Client(svc.s3);
    const bucket = `probe-${randomBytes(4).toString("hex")}`;
    await c.makeBucket(bucket);
    await putText(c, bucket, "a/b.txt", "hello minio");
    assert.equal(await getText(c, bucket, "a/b.txt"), "hello minio");
    assert.deepEqual(await listKeys(c, bucket, "a/"), ["a/b.txt"]);
    assert.ok(await c.bucketExists(BUCKETS.mlflow), "the mlflow artifact bucket exists before MLflow writes to it");
  });

  it("rejects wrong MinIO credentials", async () => {
    const c = s3Client({ ...svc.s3, secretKey: "not-the-secret-key-0123456789" });
    await assert.rejects(c.listBuckets(), (e: { code?: string }) => e.code === "SignatureDoesNotMatch");
  });

  it("keeps MLflow runs in Postgres and its artifacts in MinIO behind the artifact proxy", async () => {
    const mlflow = new MlflowClient(svc.mlflowUrl);
    const name = `wiring-${randomBytes(4).toString("hex")}`;
    const experimentId = await mlflow.getOrCreateExperiment(name);
    assert.equal(await mlflow.getOrCreateExperiment(name), experimentId, "get-or-create is idempotent");
    const run = await mlflow.createRun(experimentId, "probe", { purpose: "services-test" });
    await mlflow.logBatch(run.run_id, { metrics: { psi_age: 0.31, drift_share: 0.5 }, params: { stattest: "psi" } });

    const report = `<html><body>drift report ${randomBytes(8).toString("hex")}</body></html>`;
    await mlflow.logArtifact(run, "reports/report.html", report, "text/html");
    await mlflow.setTerminated(run.run_id);

    // Metrics and params round-trip through the tracking API.
    const got = await mlflow.getRun(run.run_id);
    assert.equal(got.info.status, "FINISHED");
    assert.deepEqual(
      Object.fromEntries((got.data.metrics ?? []).map((m) => [m.key, m.value])),
      { psi_age: 0.31, drift_share: 0.5 },
    );
    assert.match(got.info.artifact_uri, /^mlflow-artifacts:\//, "artifacts go through the server's proxy");

    // The artifact landed in MinIO under s3://mlflow/<experiment>/<run>/artifacts/.
    const c = s3Client(svc.s3);
    const keys = await listKeys(c, BUCKETS.mlflow, `${experimentId}/${run.run_id}/`);
    assert.deepEqual(keys, [`${experimentId}/${run.run_id}/artifacts/reports/report.html`]);
    assert.equal(await getText(c, BUCKETS.mlflow, keys[0]), report);

    // And MLflow lists and serves it back.
    const listed = await mlflow.listArtifacts(run.run_id, "reports");
    assert.deepEqual(listed.map((f) => f.path), ["reports/report.html"]);
    assert.equal((await mlflow.downloadArtifact(run, "reports/report.html")).toString("utf8"), report);

    // The tracking data is in Postgres (MLflow's backend store), not in a local file store.
    const pg = new PgClient({ connectionString: svc.postgres.url });
    await pg.connect();
    try {
      const r = await pg.query("select e.name, m.key, m.value from experiments e join runs r on r.experiment_id = e.experiment_id join metrics m on m.run_uuid = r.run_uuid where r.run_uuid = $1 order by m.key", [run.run_id]);
      assert.deepEqual(r.rows.map((x) => [x.name, x.key, Number(x.value)]), [[name, "drift_share", 0.5], [name, "psi_age", 0.31]]);
    } finally {
      await pg.end();
    }
  });

  it("refuses requests whose Host header is not the server's own (DNS-rebinding guard)", async () => {
    const { request } = await import("node:http");
    const u = new URL(`${svc.mlflowUrl}/api/2.0/mlflow/experiments/search?max_results=1`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers: { host: "evil.example.com" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 403);
  });
});
