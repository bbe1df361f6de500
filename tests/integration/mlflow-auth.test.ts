/**
 * MLflow's basic-auth app as the platform runs it (auth tables in the Postgres database,
 * no permissions by default, the admin from MLFLOW_AUTH_ADMIN_*), against the real server:
 * anonymous clients can write nothing, and each workload user (set up by
 * lib/mlflow-auth.ts, the MLflow users Job's code) can do what its workload does and no more.
 * Experiment and model names are this test's own: the server shares its database with the
 * other tests' MLflow.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../lib/logger";
import { MlflowClient, MlflowError, type MlflowCredentials } from "../../lib/mlflow";
import { setupMlflowUsers, workloadGrants } from "../../lib/mlflow-auth";
import { locateBinaries } from "../../scripts/services/config";
import { startMlflow } from "../../scripts/services/mlflow";
import { freePort } from "../../scripts/services/ports";
import { stopProcess, type ManagedProcess } from "../../scripts/services/proc";
import { getServices } from "../helpers/services";

const id = randomBytes(4).toString("hex");
const NAMES = { trainingExperiment: `auth-test-training-${id}`, driftExperiment: `auth-test-drift-${id}`, registeredModel: `auth-test-model-${id}` };
const pw = () => randomBytes(18).toString("base64url");

describe("MLflow basic auth: anonymous clients and each workload's user (real MLflow and Postgres)", function () {
  this.timeout(240_000);
  let proc: ManagedProcess | undefined;
  let dir: string;
  let url: string;
  const admin: MlflowCredentials = { username: `admin-${randomBytes(4).toString("hex")}`, password: pw() };
  const passwords = { trainer: pw(), "drift-job": pw() };
  const log = createLogger("test", "silent");
  const as = (c: MlflowCredentials | null) => new MlflowClient(url, log, 1, c);
  const trainer = () => as({ username: "trainer", password: passwords.trainer });
  const driftJob = () => as({ username: "drift-job", password: passwords["drift-job"] });

  const status = async (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (err: unknown) => {
        if (err instanceof MlflowError) return err.status;
        throw err;
      },
    );

  before(async () => {
    const svc = await getServices();
    dir = mkdtempSync(join(tmpdir(), "mlflow-auth-"));
    const started = await startMlflow({
      bin: locateBinaries().mlflow,
      dir: join(dir, "mlflow"),
      port: await freePort(),
      postgres: svc.postgres,
      s3: svc.s3,
      artifactBucket: "mlflow",
      workers: 1,
      env: { ...process.env },
      timeoutMs: 180_000,
      auth: { adminUsername: admin.username, adminPassword: admin.password, flaskSecretKey: pw() },
    });
    proc = started.proc;
    url = started.url;
    await setupMlflowUsers({ trackingUri: url, admin, passwords, grants: workloadGrants(NAMES), log });
  });
  after(async () => {
    if (proc) await stopProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses anonymous clients and wrong passwords with 401, and keeps /health open", async () => {
    assert.equal(await status(as(null).getOrCreateExperiment(`anonymous-${id}`)), 401);
    assert.equal(await status(as(null).searchRuns(["0"])), 401);
    assert.equal(await status(as({ username: "trainer", password: `${passwords.trainer}x` }).getOrCreateExperiment(NAMES.trainingExperiment)), 401);
    assert.equal(await status(as({ username: admin.username, password: "password1234" }).getOrCreateExperiment(NAMES.trainingExperiment)), 401);
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const alias = await fetch(`${url}/api/2.0/mlflow/registered-models/alias`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: NAMES.registeredModel, alias: "champion", version: "1" }) });
    assert.equal(alias.status, 401, "nobody anonymous moves the champion alias");
  });

  it("lets the trainer run, log artifacts, register a version and move the champion alias", async () => {
    const c = trainer();
    const exp = await c.getOrCreateExperiment(NAMES.trainingExperiment);
    const run = await c.createRun(exp, "auth-test");
    await c.logBatch(run.run_id, { metrics: { auc: 0.9 }, params: { rows: 10 } });
    await c.logArtifact(run, "model/model.json", '{"ok":true}', "application/json");
    assert.equal((await c.downloadArtifact(run, "model/model.json")).toString(), '{"ok":true}');
    await c.setTerminated(run.run_id);
    await c.ensureRegisteredModel(NAMES.registeredModel);
    const v = await c.createModelVersion(NAMES.registeredModel, `mlflow-artifacts:/${exp}/${run.run_id}/artifacts/model`, run.run_id);
    await c.setAlias(NAMES.registeredModel, "champion", v.version);
    assert.equal((await c.getVersionByAlias(NAMES.registeredModel, "champion"))?.version, v.version);
  });

  it("keeps the trainer out of the drift experiment", async () => {
    const driftExp = await driftJob().getOrCreateExperiment(NAMES.driftExperiment);
    assert.equal(await status(trainer().createRun(driftExp, "not-mine")), 403);
  });

  it("lets the drift job log its runs and artifacts, and nothing else: no training runs, no alias", async () => {
    const c = driftJob();
    const exp = await c.getOrCreateExperiment(NAMES.driftExperiment);
    const run = await c.createRun(exp, "drift-check");
    await c.logBatch(run.run_id, { metrics: { share_of_drifted_columns: 0.1 } });
    await c.logArtifact(run, "report.html", "<html></html>", "text/html");
    await c.setTerminated(run.run_id);
    const trainingExp = await trainer().getOrCreateExperiment(NAMES.trainingExperiment);
    assert.equal(await status(c.createRun(trainingExp, "not-mine")), 403);
    assert.equal(await status(c.setAlias(NAMES.registeredModel, "champion", "1")), 403);
    assert.equal(await status(c.getVersionByAlias(NAMES.registeredModel, "champion")), 403);
  });

  it("rotates: a second setup with new passwords locks the old ones out, and deletes earlier admins", async () => {
    // An admin of an earlier rotation, as the platform would have left it.
    const earlier = `admin-${randomBytes(4).toString("hex")}`;
    const res = await fetch(`${url}/api/2.0/mlflow/users/create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}` },
      body: JSON.stringify({ username: earlier, password: pw() }),
    });
    assert.equal(res.status, 200, await res.text());
    const old = passwords.trainer;
    passwords.trainer = pw();
    await setupMlflowUsers({ trackingUri: url, admin, passwords, grants: workloadGrants(NAMES), log });
    assert.equal(await status(as({ username: "trainer", password: old }).getOrCreateExperiment(NAMES.trainingExperiment)), 401);
    await trainer().getOrCreateExperiment(NAMES.trainingExperiment);
    const users = await fetch(`${url}/api/2.0/mlflow/users/list`, { headers: { authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}` } });
    const names = ((await users.json()) as { users: { username: string }[] }).users.map((u) => u.username);
    assert.ok(!names.includes(earlier), `the earlier admin ${earlier} is deleted: ${names.join(", ")}`);
    assert.ok(names.includes(admin.username) && names.includes("trainer") && names.includes("drift-job"));
  });
});
