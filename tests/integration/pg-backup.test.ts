/**
 * The Postgres backup and restore against the real Postgres, MinIO and MLflow: MLflow holds
 * runs and a registered model with the `champion` alias; the backup CronJob's two steps run
 * as in the cluster (pg_dump with the init container's command, then the backup CLI's
 * upload as the `backup` MinIO user); the database is lost (emptied, as a new volume leaves
 * it); `npm run backup -- restore` brings it back, and MLflow serves the alias and the runs
 * again. Retention deletes exactly the expired dumps, and a failed upload deletes nothing.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "minio";
import { Client as PgClient } from "pg";
import { BUCKETS, ENV } from "../../lib/contract";
import { MlflowClient } from "../../lib/mlflow";
import { dumpKey, dumpPrefix, listDumps, pgDumpCommand, pruneDumps, runPgTool, uploadDump } from "../../lib/pg-backup";
import { ensureBucket, s3Client, s3Env } from "../../lib/s3";
import { ensureUsers } from "../../lib/storage-access";
import { getServices, getServicesEnv, type Services } from "../helpers/services";
import { runScript } from "../helpers/script";

const DAY = 24 * 60 * 60 * 1000;

const cli = (args: string[], env: Record<string, string>) => runScript("drift-job/src/backup-cli.ts", args, env);

describe("Postgres backup and restore (real Postgres, MinIO and MLflow)", function () {
  this.timeout(180_000);
  let svc: Services;
  let root: Client;
  let dir: string;
  /** The backup user's S3 environment (its own key, as the CronJob has it). */
  let backupS3: Record<string, string>;
  let pgEnv: Record<string, string>;
  const backupKey = randomBytes(15).toString("hex");

  before(async () => {
    svc = await getServices();
    root = s3Client(svc.s3);
    await ensureBucket(root, BUCKETS.backups);
    await ensureUsers(svc.s3, { backup: backupKey });
    backupS3 = { ...s3Env({ ...svc.s3, accessKey: "backup", secretKey: backupKey }), [ENV.s3Region]: svc.s3.region ?? "us-east-1" };
    const all = await getServicesEnv();
    pgEnv = { PGHOST: all.PGHOST!, PGPORT: all.PGPORT!, PGUSER: all.PGUSER!, PGPASSWORD: all.PGPASSWORD!, PGDATABASE: all.PGDATABASE! };
    dir = mkdtempSync(join(tmpdir(), "pg-backup-test-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("brings back MLflow's runs and the champion alias after the database is lost", async () => {
    const mlflow = new MlflowClient(svc.mlflowUrl, undefined, 4, null);
    const suffix = randomBytes(4).toString("hex");
    const model = `backup-test-${suffix}`;
    const exp = await mlflow.getOrCreateExperiment(`backup-test-${suffix}`);
    const runs = [await mlflow.createRun(exp, "train-1"), await mlflow.createRun(exp, "train-2")];
    await mlflow.logBatch(runs[1]!.run_id, { metrics: { auc: 0.91 }, params: { rows: 1000 } });
    await mlflow.ensureRegisteredModel(model);
    await mlflow.createModelVersion(model, `mlflow-artifacts:/${exp}/${runs[0]!.run_id}/artifacts/model`, runs[0]!.run_id);
    const v2 = await mlflow.createModelVersion(model, `mlflow-artifacts:/${exp}/${runs[1]!.run_id}/artifacts/model`, runs[1]!.run_id);
    await mlflow.setAlias(model, "champion", v2.version);

    // The CronJob: its init container's pg_dump, then its main container's upload.
    const file = join(dir, "mlflow.dump");
    await runPgTool(pgDumpCommand(file), { PATH: process.env.PATH ?? "", ...pgEnv });
    const up = await cli(["upload", file], { ...backupS3, PGDATABASE: pgEnv.PGDATABASE! });
    assert.equal(up.code, 0, up.output);
    assert.ok(!up.output.includes(backupKey) && !up.output.includes(pgEnv.PGPASSWORD!), "no credential in the log");
    const dumps = await listDumps(root, pgEnv.PGDATABASE!);
    assert.ok(dumps.length >= 1, "the dump is in MinIO");

    // The volume is lost: Postgres starts on an empty database of the same name.
    const pg = new PgClient({ host: pgEnv.PGHOST, port: Number(pgEnv.PGPORT), user: pgEnv.PGUSER, password: pgEnv.PGPASSWORD, database: pgEnv.PGDATABASE });
    await pg.connect();
    try {
      await pg.query("DROP SCHEMA public CASCADE");
      await pg.query("CREATE SCHEMA public");
      const tables = await pg.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
      assert.equal(tables.rows[0].n, 0, "the database is empty");
    } finally {
      await pg.end();
    }
    const lost = await fetch(`${svc.mlflowUrl}/api/2.0/mlflow/registered-models/alias?name=${model}&alias=champion`);
    assert.ok(!lost.ok, `MLflow has lost the registry (HTTP ${lost.status})`);

    const restored = await cli(["restore"], { ...backupS3, ...pgEnv });
    assert.equal(restored.code, 0, restored.output);
    assert.ok(!restored.output.includes(backupKey) && !restored.output.includes(pgEnv.PGPASSWORD!), "no credential in the log");

    const champion = await mlflow.getVersionByAlias(model, "champion");
    assert.equal(champion?.version, v2.version);
    assert.equal(champion?.run_id, runs[1]!.run_id);
    const back = await mlflow.searchRuns([exp]);
    assert.deepEqual(back.map((r) => r.info.run_id).sort(), runs.map((r) => r.run_id).sort());
    const run2 = await mlflow.getRun(runs[1]!.run_id);
    assert.equal(run2.data.metrics?.find((m) => m.key === "auc")?.value, 0.91);
    // MLflow writes again after the restore.
    await mlflow.createRun(exp, "after-restore");
  });

  describe("retention", () => {
    const database = `retention_${randomBytes(4).toString("hex")}`;
    const now = new Date("2026-12-07T02:30:00.000Z");
    const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY);
    let file: string;
    let c: Client;

    before(async () => {
      file = join(dir, "retention.dump");
      await runPgTool(pgDumpCommand(file), { PATH: process.env.PATH ?? "", ...pgEnv });
      c = s3Client({ ...svc.s3, accessKey: "backup", secretKey: backupKey });
      // Dumps of 0, 1, 2, 5, 10, 40 and 41 days ago.
      for (const d of [41, 40, 10, 5, 2, 1, 0]) await uploadDump(c, database, file, at(d));
      // An object in the prefix that is not a dump of ours: never deleted.
      await c.putObject(BUCKETS.backups, `${dumpPrefix(database)}notes.txt`, Buffer.from("x"));
    });

    it("keeps the newest N and those younger than D days, and deletes exactly the others", async () => {
      const deleted = await pruneDumps(c, database, { keepLast: 3, maxAgeDays: 7 }, now);
      assert.deepEqual(deleted.sort(), [dumpKey(database, at(41)), dumpKey(database, at(40)), dumpKey(database, at(10))].sort());
      assert.deepEqual((await listDumps(c, database)).map((d) => d.key), [5, 2, 1, 0].map((d) => dumpKey(database, at(d))));
      // Age 0: only the newest keepLast stay.
      const more = await pruneDumps(c, database, { keepLast: 2, maxAgeDays: 0 }, now);
      assert.deepEqual(more.sort(), [dumpKey(database, at(5)), dumpKey(database, at(2))].sort());
      assert.deepEqual((await listDumps(c, database)).map((d) => d.key), [1, 0].map((d) => dumpKey(database, at(d))));
      await root.statObject(BUCKETS.backups, `${dumpPrefix(database)}notes.txt`);
    });

    it("a failed backup (no complete dump) uploads nothing and deletes nothing", async () => {
      const before = (await listDumps(c, database)).map((d) => d.key);
      const bad = join(dir, "cut.dump");
      writeFileSync(bad, "");
      const r = await cli(["upload", bad], { ...backupS3, PGDATABASE: database, BACKUP_KEEP_LAST: "1", BACKUP_MAX_AGE_DAYS: "0" });
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /not a pg_dump custom-format dump/);
      assert.deepEqual((await listDumps(c, database)).map((d) => d.key), before);
    });

    it("a bad retention setting is refused with the variable and what is allowed, before anything is written", async () => {
      const before = (await listDumps(c, database)).map((d) => d.key);
      const r = await cli(["upload", file], { ...backupS3, PGDATABASE: database, BACKUP_KEEP_LAST: "0" });
      assert.equal(r.code, 2, r.output);
      assert.match(r.output, /BACKUP_KEEP_LAST=0 is out of range; allowed: 1\.\.1000/);
      assert.deepEqual((await listDumps(c, database)).map((d) => d.key), before);
    });
  });
});
