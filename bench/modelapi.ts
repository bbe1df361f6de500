/**
 * `npm run bench -- modelapi`: throughput and latency of `POST /predict` (one row, and
 * 100-row batches) of our model API against the usual FastAPI + scikit-learn service of
 * the same model (bench/peers/modelapi_fastapi.py), in the same run, under autocannon.
 *
 * Fairness on 2 cores: each server is one process pinned to CPU 1 (taskset, when present),
 * the load generator runs in this process pinned to CPU 0; the same connections, duration,
 * bodies and rounds for both, rounds interleaved (ours, peer, ours, peer, ...). Our server
 * runs as in production, logging every row to a real MinIO when the test services are
 * installed (the peer logs nothing). Target: >= 3x the peer's throughput at a lower p99.
 */
import autocannon from "autocannon";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { ENV, INITIAL_REFERENCE } from "../lib/contract";
import { s3Env } from "../lib/s3";
import { generateRows } from "../lib/generator/generate";
import { sha256, toCsv, toLabelledRows } from "../model-api/src/training/dataset";
import { trainModel } from "../model-api/src/training/trainer";
import { getServices, stopServices as stopTestServices } from "../tests/helpers/services";
import { freePort } from "../scripts/services/ports";

const repoRoot = join(__dirname, "..");
const PEER_REQUIREMENTS = ["fastapi==0.115.14", "uvicorn==0.34.3", "scikit-learn==1.7.2", "pandas==2.3.3", "numpy==2.4.6", "scipy==1.17.1", "pydantic==2.14.3", "starlette==0.46.2"];
const CONNECTIONS = 16;
const ROUND_SECONDS = 5;
const ROUNDS = 3;

interface Round {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const hasTaskset = () => spawnSync("taskset", ["-V"]).status === 0;

/** The peer's virtualenv, created on first use with pinned versions. */
function ensureVenv(): string {
  const cache = process.env.DRIFT_LOOP_CACHE || join(homedir(), ".cache", "drift-loop");
  const venv = join(cache, "bench-modelapi-venv");
  const py = join(venv, "bin", "python");
  const stamp = join(venv, ".requirements");
  const want = PEER_REQUIREMENTS.join("\n");
  if (existsSync(stamp) && spawnSync("cat", [stamp], { encoding: "utf8" }).stdout === want) return py;
  mkdirSync(cache, { recursive: true });
  const python = ["python3.11", "python3"].find((p) => spawnSync(p, ["--version"]).status === 0);
  if (!python) throw new Error("the peer needs Python 3 (python3.11 or python3) to create its virtualenv");
  console.log(`installing the peer's virtualenv into ${venv} (${PEER_REQUIREMENTS.join(" ")}) ...`);
  if (!existsSync(py)) {
    const r = spawnSync(python, ["-m", "venv", venv], { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`cannot create the virtualenv ${venv}`);
  }
  const r = spawnSync(py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...PEER_REQUIREMENTS], { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`pip install into ${venv} failed`);
  writeFileSync(stamp, want);
  return py;
}

async function waitFor(url: string, child: ChildProcess, name: string, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not become ready at ${url}`);
}

function load(url: string, body: string, seconds: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `${url}/predict`, method: "POST", headers: { "content-type": "application/json" }, body, connections: CONNECTIONS, pipelining: 1, duration: seconds },
      (err, r) => {
        if (err) return reject(err);
        resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
      },
    );
  });
}

export async function run(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "bench-modelapi-"));
  const children: ChildProcess[] = [];
  let stopServices: (() => Promise<void>) | undefined;
  let originalMask: string | undefined;
  try {
    // The model of the first image: INITIAL_REFERENCE rows, trained by our trainer.
    const rows = toLabelledRows([...generateRows({ schema: "credit", rows: INITIAL_REFERENCE.rows, seed: INITIAL_REFERENCE.seed, label: true })], "bench").rows;
    const csv = toCsv(rows);
    const trainPath = join(work, "train.csv");
    writeFileSync(trainPath, csv);
    const t0 = Date.now();
    const model = trainModel(rows, { seed: 1, version: "bench", source: "bench", dataSha256: sha256(csv) }).model;
    const trainMs = Date.now() - t0;
    const big = toLabelledRows([...generateRows({ schema: "credit", rows: 50_000, seed: 7, label: true })], "bench").rows;
    const t1 = Date.now();
    trainModel(big, { seed: 1, version: "bench50k", source: "bench", dataSha256: "x" });
    const train50kMs = Date.now() - t1;
    const modelPath = join(work, "model.json");
    writeFileSync(modelPath, JSON.stringify(model));

    const py = ensureVenv();
    const pin = hasTaskset();
    if (pin) {
      // Remember this process's CPU mask: later benchmarks of the same run get it back.
      originalMask = spawnSync("taskset", ["-p", String(process.pid)], { encoding: "utf8" }).stdout.match(/mask: ([0-9a-f]+)/)?.[1];
      spawnSync("taskset", ["-pc", "0", String(process.pid)], { stdio: "ignore" });
    }
    const wrap = (cmd: string, args: string[]): [string, string[]] => (pin ? ["taskset", ["-c", "1", cmd, ...args]] : [cmd, args]);

    // Our server, as in production: request logging to a real MinIO when available.
    let logEnv: Record<string, string> = { REQUEST_LOG: "false" };
    let logNote = "request logging OFF (test services not installed)";
    try {
      const s = await getServices();
      stopServices = stopTestServices;
      logEnv = { ...s3Env(s.s3), [ENV.requestLogFlushRows]: "5000", [ENV.requestLogFlushSeconds]: "2" };
      logNote = "request logging ON to a real MinIO (every row)";
    } catch (err) {
      console.log(`note: cannot start MinIO (${(err as Error).message.split("\n")[0]}); our server runs without request logging`);
    }
    const ourPort = await freePort();
    const ours = spawn(...wrap(process.execPath, ["--import", "tsx", "model-api/src/serving/main.ts"]), {
      cwd: repoRoot,
      env: { ...process.env, ...logEnv, [ENV.port]: String(ourPort), HOST: "127.0.0.1", [ENV.modelPath]: modelPath, LOG_LEVEL: "warn", POD_NAME: "bench", REQUEST_LOG_MAX_BUFFERED_ROWS: "2000000" },
      stdio: "ignore",
    });
    children.push(ours);
    const peerPort = await freePort();
    const peer = spawn(...wrap(py, [join(__dirname, "peers", "modelapi_fastapi.py"), "--train", trainPath, "--model", modelPath, "--port", String(peerPort)]), { stdio: ["ignore", "ignore", "inherit"] });
    children.push(peer);
    const urls = { ours: `http://127.0.0.1:${ourPort}`, peer: `http://127.0.0.1:${peerPort}` };
    await waitFor(`${urls.ours}/readyz`, ours, "our model API");
    await waitFor(`${urls.peer}/healthz`, peer, "the FastAPI peer");

    // Same model? Compare both servers' answers on 1000 fresh rows.
    const fresh = [...generateRows({ schema: "credit", rows: 1000, seed: 99, label: false })];
    const ask = async (u: string) => ((await (await fetch(`${u}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rows: fresh }) })).json()) as { predictions: { prediction: number; probability: number }[] }).predictions;
    const [a, b] = [await ask(urls.ours), await ask(urls.peer)];
    const agree = a.filter((p, i) => p.prediction === b[i].prediction).length / a.length;
    const maxDiff = Math.max(...a.map((p, i) => Math.abs(p.probability - b[i].probability)));

    const bodies = { "1 row": JSON.stringify(fresh[0]), "100-row batch": JSON.stringify({ rows: fresh.slice(0, 100) }) };
    const results: Record<string, Record<"ours" | "peer", Round[]>> = {};
    for (const [scenario, body] of Object.entries(bodies)) {
      results[scenario] = { ours: [], peer: [] };
      for (const who of ["ours", "peer"] as const) await load(urls[who], body, 2); // warm-up
      for (let i = 0; i < ROUNDS; i++) {
        for (const who of ["ours", "peer"] as const) {
          const r = await load(urls[who], body, ROUND_SECONDS);
          if (r.non2xx || r.errors) throw new Error(`${who} answered ${r.non2xx} non-2xx and ${r.errors} errors under load (${scenario})`);
          results[scenario][who].push(r);
        }
      }
    }

    console.log(`model API: POST /predict, autocannon ${CONNECTIONS} connections, ${ROUNDS} x ${ROUND_SECONDS}s rounds interleaved, medians; servers ${pin ? "pinned to CPU 1, load on CPU 0" : "unpinned (no taskset)"}`);
    console.log(`ours: Fastify + JSON logistic regression, ${logNote}; peer: FastAPI ${PEER_REQUIREMENTS[0].split("==")[1]} + scikit-learn ${PEER_REQUIREMENTS[2].split("==")[1]} pipeline, uvicorn 1 worker`);
    console.log(`same model check on 1000 rows: class agreement ${(agree * 100).toFixed(1)}%, max |p_ours - p_peer| ${maxDiff.toFixed(4)}`);
    const head = ["case", "ours req/s", "peer req/s", "ratio", "ours p50 ms", "peer p50 ms", "ours p99 ms", "peer p99 ms", "p99 ratio (peer/ours)", "target"];
    const table: string[][] = [head];
    for (const [scenario, r] of Object.entries(results)) {
      const o = { rps: median(r.ours.map((x) => x.rps)), p50: median(r.ours.map((x) => x.p50)), p99: median(r.ours.map((x) => x.p99)) };
      const p = { rps: median(r.peer.map((x) => x.rps)), p50: median(r.peer.map((x) => x.p50)), p99: median(r.peer.map((x) => x.p99)) };
      const ratio = o.rps / p.rps;
      const met = ratio >= 3 && o.p99 < p.p99;
      table.push([scenario, o.rps.toFixed(0), p.rps.toFixed(0), `${ratio.toFixed(1)}x`, o.p50.toFixed(1), p.p50.toFixed(1), o.p99.toFixed(1), p.p99.toFixed(1), `${(p.p99 / Math.max(o.p99, 0.001)).toFixed(1)}x`, met ? "met (>=3x, lower p99)" : "MISSED"]);
    }
    const widths = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i])).join("  "));
    const batch = results["100-row batch"];
    console.log(`100-row batches in rows/s: ours ${(median(batch.ours.map((x) => x.rps)) * 100).toFixed(0)}, peer ${(median(batch.peer.map((x) => x.rps)) * 100).toFixed(0)}`);
    console.log(`training (pure TS, L-BFGS): ${INITIAL_REFERENCE.rows} rows ${trainMs} ms, 50000 rows ${train50kMs} ms (holdout AUC ${model.metrics.auc.toFixed(4)})`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : undefined)));
    await stopServices?.();
    if (originalMask) spawnSync("taskset", ["-p", originalMask, String(process.pid)], { stdio: "ignore" });
  }
}
