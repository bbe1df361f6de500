import { strict as assert } from "node:assert";
import { execFile, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { s3Client, s3SettingsFromEnv } from "../../lib/s3";
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
});
