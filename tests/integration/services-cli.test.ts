import { strict as assert } from "node:assert";
import { execFile, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Client as PgClient } from "pg";
import { ensureBucket, s3Client, s3SettingsFromEnv } from "../../lib/s3";
import { REPO_ROOT } from "../../scripts/services/config";

const CLI = join(REPO_ROOT, "scripts", "services-cli.ts");

describe("npm run services (local runs)", function () {
  this.timeout(240_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "drift-loop-cli-test-"));
    env = { ...process.env, DRIFT_LOOP_SERVICES_STATE: join(dir, "services.json") };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { env, encoding: "utf8", timeout: 60_000 });

  it("starts the three servers, prints their environment, and removes everything on stop", async () => {
    const start = spawn(process.execPath, ["--import", "tsx", CLI, "start", "--json"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    start.stdout.on("data", (b: Buffer) => (out += b.toString()));
    start.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => start.once("exit", (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (/ready in [\d.]+s/.test(err)) {
            clearInterval(t);
            resolve();
          }
        }, 200);
        void exited.then((code) => {
          clearInterval(t);
          reject(new Error(`services start exited ${code}:\n${err}`));
        });
      });
      const printed = JSON.parse(out) as Record<string, string>;
      assert.match(printed.MLFLOW_TRACKING_URI, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${printed.MLFLOW_TRACKING_URI}/health`)).status, 200);
      const buckets = await s3Client(s3SettingsFromEnv(printed)).listBuckets();
      assert.deepEqual(buckets.map((b) => b.name), ["mlflow"]);
      assert.doesNotMatch(err, new RegExp(printed.S3_SECRET_KEY), "progress output carries no secret");

      // Another terminal gets the same environment, as shell exports or JSON.
      const again = cli("env", "--json");
      assert.equal(again.status, 0, again.stderr);
      assert.deepEqual(JSON.parse(again.stdout), printed);
      assert.match(cli("env").stdout, new RegExp(`^export MLFLOW_TRACKING_URI='${printed.MLFLOW_TRACKING_URI}'$`, "m"));
      const state = JSON.parse(readFileSync(env.DRIFT_LOOP_SERVICES_STATE!, "utf8")) as { runDir: string };
      assert.equal(statSync(env.DRIFT_LOOP_SERVICES_STATE!).mode & 0o077, 0, "the state file (with credentials) is private");
      assert.ok(existsSync(state.runDir));

      // A second start refuses instead of starting a second set.
      const second = cli("start");
      assert.equal(second.status, 1);
      assert.match(second.stderr, /already running .*npm run services -- stop/);

      // Asynchronously, so this process can reap the exiting `start` child meanwhile.
      const stop = await promisify(execFile)(process.execPath, ["--import", "tsx", CLI, "stop"], { env, encoding: "utf8", timeout: 60_000 });
      assert.match(stop.stderr, /stopped the servers of process \d+/);
      assert.equal(await exited, 0);
      assert.match(err, /stopped; data removed/);
      assert.equal(existsSync(state.runDir), false, "data and logs removed");
      await assert.rejects(fetch(`${printed.MLFLOW_TRACKING_URI}/health`), "MLflow no longer answers");
      assert.equal(cli("env").status, 1, "no environment once stopped");
    } finally {
      start.kill("SIGKILL");
    }
  });
  it("refuses a bad DRIFT_LOOP_SERVICES_RESTARTS before starting anything, naming it and the range", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", CLI, "start"], { env: { ...env, DRIFT_LOOP_SERVICES_RESTARTS: "often" }, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /DRIFT_LOOP_SERVICES_RESTARTS="often" is not an integer in decimal digits; allowed: 0\.\.100/);
    assert.equal(existsSync(env.DRIFT_LOOP_SERVICES_STATE!), false, "nothing started");
  });

  it("restarts a server that dies on the same port with the same credentials and data, and keeps everything when it gives up", async () => {
    const start = spawn(process.execPath, ["--import", "tsx", CLI, "start", "--json"], { env: { ...env, DRIFT_LOOP_SERVICES_RESTARTS: "2" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    start.stdout.on("data", (b: Buffer) => (out += b.toString()));
    start.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => start.once("exit", (code) => resolve(code)));
    /** Waits until stderr matches `re` `times` times; fails early when the CLI exits. */
    const said = async (re: RegExp, times = 1) => {
      const g = new RegExp(re.source, "g");
      const deadline = Date.now() + 180_000;
      let gone = false;
      void exited.then(() => (gone = true));
      for (;;) {
        const hits = [...err.matchAll(g)];
        if (hits.length >= times) return hits[times - 1]!;
        if (gone || Date.now() > deadline) throw new Error(`no ${re} (x${times}) in the output:\n${err}`);
        await sleep(200);
      }
    };
    const state = () => JSON.parse(readFileSync(env.DRIFT_LOOP_SERVICES_STATE!, "utf8")) as { runDir: string; servers: Record<"postgres" | "minio" | "mlflow", { pid: number; port: number; dataDir: string }> };
    let runDir = "";
    try {
      await said(/ready in [\d.]+s/);
      const printed = JSON.parse(out) as Record<string, string>;
      runDir = state().runDir;
      // Stored request rows in MinIO and a table in Postgres: what must survive.
      const s3 = s3Client(s3SettingsFromEnv(printed));
      await ensureBucket(s3, "requests");
      const key = "2026/12/07/08/model-api-0-1-000001.ndjson";
      const rows = Array.from({ length: 500 }, (_, i) => JSON.stringify({ request_id: `r${i}`, row: 0 })).join("\n") + "\n";
      await s3.putObject("requests", key, rows);
      const pg = () => new PgClient({ host: printed.PGHOST, port: Number(printed.PGPORT), user: printed.PGUSER, password: printed.PGPASSWORD, database: printed.PGDATABASE });
      const c1 = pg();
      await c1.connect();
      await c1.query("CREATE TABLE kept (n int); INSERT INTO kept VALUES (83537)");
      await c1.end();

      // MinIO killed outright: back on its port, with the same credentials and the objects.
      const minioBefore = state().servers.minio;
      assert.equal(String(minioBefore.port), printed.S3_PORT);
      process.kill(-minioBefore.pid, "SIGKILL");
      await said(/minio exited unexpectedly \(signal SIGKILL\)/);
      assert.match((await said(/restarting minio on 127\.0\.0\.1:(\d+) with the same credentials; its data in (\S+) is kept/))[1]!, new RegExp(`^${printed.S3_PORT}$`));
      await said(/minio is back on 127\.0\.0\.1:\d+ \(pid \d+\) after [\d.]+s; the environment is unchanged/);
      const back = await s3.getObject("requests", key);
      let text = "";
      for await (const chunk of back) text += chunk.toString();
      assert.equal(text, rows, "the stored rows are still there, through the same endpoint and keys");
      assert.notEqual(state().servers.minio.pid, minioBefore.pid, "the state file names the new process");
      assert.equal(state().servers.minio.port, minioBefore.port);

      // Postgres killed outright: back on its port with its databases (no second initdb).
      process.kill(-state().servers.postgres.pid, "SIGKILL");
      await said(/postgres is back on 127\.0\.0\.1:\d+/);
      const c2 = pg();
      await c2.connect();
      assert.deepEqual((await c2.query("SELECT n FROM kept")).rows, [{ n: 83537 }]);
      await c2.end();
      assert.equal((await fetch(`${printed.MLFLOW_TRACKING_URI}/health`)).status, 200, "MLflow kept running");

      // MLflow killed outright (its workers too): back on its URL, its experiments (in Postgres) there.
      const mlflowApi = `${printed.MLFLOW_TRACKING_URI}/api/2.0/mlflow/experiments`;
      const created = await fetch(`${mlflowApi}/create`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "kept-experiment" }) });
      assert.equal(created.status, 200, await created.clone().text());
      const { experiment_id } = (await created.json()) as { experiment_id: string };
      process.kill(-state().servers.mlflow.pid, "SIGKILL");
      await said(/mlflow is back on 127\.0\.0\.1:\d+/);
      const found = await fetch(`${mlflowApi}/get-by-name?experiment_name=kept-experiment`);
      assert.equal(found.status, 200);
      assert.equal(((await found.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id, experiment_id);

      // A third death of MinIO within the window (DRIFT_LOOP_SERVICES_RESTARTS=2): give up,
      // stop the others, keep every byte and say where.
      process.kill(-state().servers.minio.pid, "SIGKILL");
      await said(/minio is back on/, 2);
      const lastDataDir = state().servers.minio.dataDir;
      process.kill(-state().servers.minio.pid, "SIGKILL");
      await said(/minio died 3 times within 10 minutes; not restarting it again/);
      assert.equal(await exited, 1);
      const kept = await said(/stopped; data and logs kept in (\S+) \(postgres: \S+, minio: (\S+), mlflow: \S+\)/);
      assert.equal(kept[1], runDir);
      assert.equal(kept[2], lastDataDir);
      await sleep(3000); // the watchdog would remove the data about a second after the CLI exits
      assert.ok(existsSync(join(lastDataDir, "requests", key)), "MinIO's copy of the object is still on disk");
      assert.ok(existsSync(join(runDir, "postgres", "data", "PG_VERSION")), "Postgres's data is still on disk");
      assert.ok(existsSync(join(runDir, "minio.log")));
      await assert.rejects(fetch(`${printed.MLFLOW_TRACKING_URI}/health`), "the others were stopped");
      assert.equal(cli("env").status, 1, "no environment once stopped");
    } finally {
      start.kill("SIGKILL");
      if (runDir) rmSync(runDir, { recursive: true, force: true });
    }
  });
});
