import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "minio";
import { ENV } from "../../lib/contract";
import { s3Env } from "../../lib/s3";
import { readRequestWindow } from "../../lib/request-log";
import type { Services } from "../helpers/services";
import { realClients, trainedModel, validRow } from "../modelapi/fixtures";
import { freePort } from "../../scripts/services/ports";

const repoRoot = join(__dirname, "..", "..");

async function waitReady(url: string, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the model API exited with ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the model API did not become ready");
}

describe("model API process: SIGTERM under load", function () {
  this.timeout(180_000);
  let s3: Client;
  let svc: Services;

  before(async () => {
    ({ s3, svc } = await realClients());
  });

  it("stores every accepted row, and only those, when stopped with SIGTERM in the middle of traffic", async () => {
    const dir = mkdtempSync(join(tmpdir(), "model-api-sigterm-"));
    const modelPath = join(dir, "model.json");
    writeFileSync(modelPath, JSON.stringify({ ...trainedModel(), version: "7" }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const tag = `sigterm-${process.pid}-${Date.now()}`;
    const child = spawn(process.execPath, ["--import", "tsx", "model-api/src/serving/main.ts"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...s3Env(svc.s3),
        [ENV.port]: String(port),
        HOST: "127.0.0.1",
        [ENV.modelPath]: modelPath,
        // Nothing is written before the shutdown: the SIGTERM flush must write it all.
        [ENV.requestLogFlushRows]: "100000",
        [ENV.requestLogFlushSeconds]: "3600",
        REQUEST_LOG_MAX_BUFFERED_ROWS: "1000000",
        POD_NAME: tag,
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const start = new Date(Date.now() - 1000);
    await waitReady(url, child, 60_000);

    const accepted = new Map<string, number>(); // request id -> rows
    const refused = { count: 0 };
    let n = 0;
    let sigtermSent = false;
    const worker = async (w: number) => {
      for (;;) {
        const id = `${tag}-${w}-${n++}`;
        const rows = 1 + (n % 20);
        try {
          const res = await fetch(`${url}/predict`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-request-id": id },
            body: JSON.stringify({ rows: Array.from({ length: rows }, validRow) }),
          });
          await res.arrayBuffer();
          if (res.status === 200) accepted.set(id, rows);
          else refused.count++;
        } catch {
          refused.count++; // connection refused or reset: the server is gone
          if (sigtermSent) return;
        }
        if (sigtermSent && refused.count > 50) return;
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    await new Promise((r) => setTimeout(r, 2000));
    const before = accepted.size;
    child.kill("SIGTERM");
    sigtermSent = true;
    await load;
    const code = await exited;
    assert.equal(code, 0, `the model API exits cleanly after flushing; output:\n${output.slice(-2000)}`);
    assert.ok(before > 50, `load was running (${before} requests accepted before SIGTERM)`);
    assert.match(output, /shutting down/);
    assert.match(output, /request log flushed/);

    const { records } = await readRequestWindow(s3, { start, end: new Date(Date.now() + 1000) });
    const stored = new Map<string, number>();
    for (const r of records) if (r.request_id.startsWith(tag)) stored.set(r.request_id, (stored.get(r.request_id) ?? 0) + 1);
    const sent = [...accepted.values()].reduce((a, b) => a + b, 0);
    const kept = [...stored.values()].reduce((a, b) => a + b, 0);
    assert.equal(kept, sent, `rows answered 200 = rows stored (${accepted.size} requests)`);
    assert.deepEqual([...stored.keys()].sort(), [...accepted.keys()].sort(), "exactly the accepted requests are stored");
    for (const [id, rows] of accepted) assert.equal(stored.get(id), rows, `all rows of ${id}`);
  });
});
