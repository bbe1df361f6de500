// The platform with the team's own object store and database, in real pods on the real node:
// a MinIO server and a PostgreSQL server of this machine (the test services' binaries) listen
// on the node IP, outside the cluster, as a managed S3 store and a managed database would.
// Postgres takes the pods' connections over TLS only (its own CA; the stack verifies the
// certificate and the host, sslmode verify-full), MinIO through a bucket prefix. The stack
// creates neither a MinIO nor a Postgres; the loop runs on the external ones: traffic, the
// drift check, MLflow, the retrain through with-cluster.ts (no MinIO tunnel), and destroy
// leaves the team's data where it is.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client as PgClient } from "pg";
import type { Client as S3Client } from "minio";

import { type Cluster } from "../../scripts/cluster/cluster";
import { conditionStatus, readiness, waitFor, type KubeObject } from "../../scripts/cluster/kube";
import { LOCAL_IMAGES, podSummary, runCronJobOnce, serviceAddress } from "../../scripts/cluster/loop";
import { NODE } from "../../scripts/cluster/node";
import { createServerPki } from "../../scripts/cluster/pki";
import { pulumiOk } from "../../scripts/cluster/pulumi";
import { locateBinaries } from "../../scripts/services/config";
import { startMinio } from "../../scripts/services/minio";
import { startPostgres } from "../../scripts/services/postgres";
import { freePorts } from "../../scripts/services/ports";
import { stopProcess, type ManagedProcess } from "../../scripts/services/proc";
import { BUCKET_NAMES, MLFLOW, bucketsWithPrefix } from "../../lib/contract";
import { listKeys, s3Client } from "../../lib/s3";
import { clusterForStacks, mlflowApi, retrainThroughWithCluster, stackInCopy, waitForServedModel, type StackCopy } from "./helpers/stack";

const STACK = "external";
const NS = "drift-loop-ext";
const PREFIX = "ext-";
const BUCKETS = bucketsWithPrefix(PREFIX);
const { registry: REGISTRY, tag: TAG } = LOCAL_IMAGES;
const DB = { user: "mlflow_ext", database: "tracking", password: "ExternalDbPassw0rd2026", superPassword: "ExternalSuperPassw0rd2026" };
const S3 = { accessKey: "external-admin", secretKey: "ExternalS3Secret2026xyz" };

describe("external S3 store and Postgres (TLS) on a real node: up, the loop, retrain, destroy keeps the data", function () {
  let cluster: Cluster;
  let stack: StackCopy;
  let dir: string;
  let servers: ManagedProcess[] = [];
  let pgPort: number;
  let s3: S3Client;
  let secrets: Record<string, string>;
  const args = (...a: string[]) => stack.args(...a);
  const pulumiIn = (a: string[], timeoutMs?: number) => pulumiOk(a, stack.work, stack.penv.env, timeoutMs);
  const admin = () => new PgClient({ host: "127.0.0.1", port: pgPort, user: "postgres", password: DB.superPassword, database: DB.database });
  const sql = async (query: string): Promise<Record<string, unknown>[]> => {
    const c = admin();
    await c.connect();
    try {
      return (await c.query(query)).rows;
    } finally {
      await c.end();
    }
  };

  before(async function () {
    this.timeout(0);
    cluster = await clusterForStacks();

    // The "managed" services, on the node IP: the pods reach them as they would a cloud's.
    dir = mkdtempSync(path.join(tmpdir(), "drift-loop-e2e-external-"));
    chmodSync(dir, 0o755); // Postgres runs as its own user and must reach its directory
    const bins = locateBinaries();
    const pki = createServerPki(path.join(dir, "pki"), "external-postgres", [`IP:${NODE.ip}`]);
    const [p, minioPort, consolePort] = await freePorts(3);
    pgPort = p!;
    const pg = await startPostgres({
      bin: bins.postgresBin,
      dir: path.join(dir, "postgres"),
      port: pgPort,
      superPassword: DB.superPassword,
      user: DB.user,
      password: DB.password,
      database: DB.database,
      env: process.env,
      timeoutMs: 120_000,
      listen: { host: NODE.ip, clientCidr: NODE.clusterCidr, tls: { certFile: pki.server.cert, keyFile: pki.server.key } },
      onStart: (proc) => servers.push(proc),
    });
    const minio = await startMinio({
      bin: bins.minio,
      dir: path.join(dir, "minio"),
      port: minioPort!,
      consolePort: consolePort!,
      accessKey: S3.accessKey,
      secretKey: S3.secretKey,
      host: NODE.ip,
      buckets: [], // the stack's init Job creates them
      env: process.env,
      timeoutMs: 120_000,
      onStart: (proc) => servers.push(proc),
    });
    s3 = s3Client(minio.settings);
    assert.equal(pg.settings.port, pgPort);

    stack = await stackInCopy(
      STACK,
      cluster.kubeconfig,
      [
        ["namespace", NS],
        ["buildImages", "false"],
        ["imageRegistry", REGISTRY],
        ["imageTag", TAG],
        ["storageClass", cluster.storageClass],
        ["s3Endpoint", `http://${NODE.ip}:${minioPort}`],
        ["s3BucketPrefix", PREFIX],
        ["postgresHost", NODE.ip],
        ["postgresPort", String(pgPort)],
        ["postgresDatabase", DB.database],
        ["postgresUser", DB.user],
        ["postgresSslMode", "verify-full"],
        ["postgresCaCert", readFileSync(pki.ca.cert, "utf8")],
        ["trafficScenario", "mean_shift"],
        ["trafficRows", "1200"],
        ["requestLogFlushRows", "200"],
        ["requestLogFlushSeconds", "5"],
      ],
      [
        ["s3AccessKeyId", S3.accessKey],
        ["s3SecretAccessKey", S3.secretKey],
        ["postgresPassword", DB.password],
      ],
    );
  });

  after(async function () {
    this.timeout(600_000);
    await stack?.remove();
    for (const s of servers) await stopProcess(s).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const pods = () => cluster.client.list(`/api/v1/namespaces/${NS}/pods`);
  const runCronJob = async (container: string, timeoutMs: number, env?: Record<string, string>) => {
    const run = await runCronJobOnce(cluster.client, NS, container, timeoutMs, env);
    assert.ok(run.succeeded, `Job ${run.name} failed: ${JSON.stringify(run.job.status?.conditions)}\n${run.logs}`);
    return run;
  };
  const objects = async (bucket: string) => listKeys(s3, bucket, "");

  it("comes up with no MinIO, Postgres or backup of its own, every pod Ready, the buckets made with the prefix", async () => {
    await pulumiIn(args("up", "--yes", "--skip-preview"), 1_800_000).catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${await podSummary(cluster.client, NS)}`);
    });
    assert.deepEqual(await cluster.client.list(`/apis/apps/v1/namespaces/${NS}/statefulsets`), [], "no StatefulSet: the data lives outside");
    const cronJobs = (await cluster.client.list(`/apis/batch/v1/namespaces/${NS}/cronjobs`)).map((c: KubeObject) => c.metadata.name as string);
    assert.ok(!cronJobs.some((n) => n.includes("backup")), `no backup CronJob for a managed database: ${cronJobs.join(", ")}`);
    for (const p of await pods()) {
      if (p.status.phase === "Succeeded") continue;
      assert.equal(p.status.phase, "Running", `${p.metadata.name}: ${JSON.stringify(p.status)}`);
      assert.equal(conditionStatus(p, "Ready"), "True", `${p.metadata.name} is not Ready`);
    }
    const buckets = (await s3.listBuckets()).map((b) => b.name).sort();
    assert.deepEqual(buckets, Object.values(BUCKETS).sort());
    assert.deepEqual(await objects(BUCKETS.datasets), ["reference/current.csv", "reference/current.json"], "the init Job wrote the initial reference");
    secrets = JSON.parse(await pulumiIn(args("stack", "output", "--json", "--show-secrets")));
    assert.equal(secrets.minioRootPassword, undefined, "no MinIO root credentials in an external stack");
    assert.equal(secrets.postgresPassword, undefined, "the stack does not repeat the database password it was given");
    assert.deepEqual(Object.keys(secrets.s3Policies ?? {}).sort(), ["backup", "drift-job", "init", "mlflow", "model-api", "trainer"]);
  });

  it("keeps MLflow's tables in the external database, reached over verified TLS only", async () => {
    const tables = (await sql("select tablename from pg_tables where schemaname = 'public'")).map((r) => r.tablename as string);
    for (const t of ["experiments", "runs", "registered_models", "users"]) assert.ok(tables.includes(t), `table ${t} in ${DB.database}: ${tables.join(", ")}`);
    const fromPods = await sql(
      `select a.client_addr::text as addr, s.ssl, s.version from pg_stat_activity a join pg_stat_ssl s on s.pid = a.pid where a.usename = '${DB.user}' and a.client_addr is not null`,
    );
    assert.ok(fromPods.length > 0, "MLflow holds connections to the database");
    for (const c of fromPods) assert.equal(c.ssl, true, `a connection without TLS from ${c.addr}`);
    // The server refuses plain connections from the pods' network (no hostnossl rule): TLS is
    // not just offered but required, so MLflow could only have got in with TLS.
    const hba = await sql("select type, address, netmask from pg_hba_file_rules where database = '{all}' and type like 'host%'");
    assert.ok(hba.some((r) => r.type === "hostssl"), JSON.stringify(hba));
  });

  it("runs the loop on the external store: request logs, the drift report and an MLflow run", async () => {
    await runCronJob("traffic", 300_000);
    await waitFor("request log objects", async () => ((await objects(BUCKETS.requests)).length > 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 2000 });
    await new Promise((r) => setTimeout(r, 7000)); // the last rows flush within requestLogFlushSeconds
    await runCronJob("drift-check", 600_000, { DRIFT_WINDOW_END: new Date().toISOString() });
    const reports = await objects(BUCKETS.reports);
    assert.ok(reports.some((n) => n.endsWith("report.json")) && reports.some((n) => n.endsWith("report.html")), `reports: ${reports.join(", ")}`);
    assert.ok(reports.includes("index.html"), "the drift history page");
    for (const name of Object.values(BUCKET_NAMES)) assert.ok(!(await s3.bucketExists(name)), `no unprefixed bucket ${name}`);
    const ask = mlflowApi(await serviceAddress(cluster.client, NS, "mlflow", 5000), secrets.mlflowUrl, secrets);
    const exp = await ask("GET", `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${MLFLOW.driftExperiment}`);
    const runs = await ask("POST", "/api/2.0/mlflow/runs/search", { experiment_ids: [exp.experiment.experiment_id] });
    assert.ok((runs.runs ?? []).length >= 1, `no drift run in MLflow: ${JSON.stringify(runs)}`);
    const rows = await sql(`select count(*)::int as n from runs where experiment_id = ${Number(exp.experiment.experiment_id)}`);
    assert.ok(Number(rows[0]!.n) >= 1, "the run is a row of the external database");
  });

  it("retrains through with-cluster.ts straight to the external store (no MinIO tunnel), and serves the new model", async () => {
    const out = await retrainThroughWithCluster(cluster, stack, STACK);
    assert.match(out, /^mlflow: svc\//m);
    assert.doesNotMatch(out, /^minio: svc\//m, "no MinIO tunnel with an external store");
    const tag = /model-v\d+/.exec(out)?.[0];
    assert.ok(tag, `no model tag in the retrain output:\n${out}`);
    assert.ok((await objects(BUCKETS.mlflow)).length > 0, "the model's artifacts are in the external store's mlflow bucket");
    assert.ok((await objects(BUCKETS.datasets)).some((k) => k.startsWith("reference/archive/") || k === "reference/current.csv"));
    const deployment = (await cluster.client.list(`/apis/apps/v1/namespaces/${NS}/deployments`)).find((d: KubeObject) =>
      (d.spec.template.spec.containers as Array<{ image: string }>).some((c) => c.image === `${REGISTRY}/model-api:${tag}`),
    );
    assert.ok(deployment && readiness(deployment)?.ready, "the model API rolled to the new image and is ready");
    await waitForServedModel(cluster, NS, secrets.modelApiToken, tag);
  });

  it("destroys the stack and leaves the team's data in its store and database", async () => {
    const before = { reports: await objects(BUCKETS.reports), runs: await sql("select count(*)::int as n from runs") };
    await pulumiIn(args("destroy", "--yes", "--skip-preview"), 900_000);
    await waitFor(`namespace ${NS} gone`, async () => ((await cluster.client.find(`/api/v1/namespaces/${NS}`)) === undefined ? true : undefined), { timeoutMs: 180_000, intervalMs: 1000 });
    assert.deepEqual(await objects(BUCKETS.reports), before.reports);
    assert.deepEqual(await sql("select count(*)::int as n from runs"), before.runs);
  });
});
