/**
 * Our drifter clients (the trainer's pages, the traffic job's batch) against a drifter that
 * dies mid-stream and against real HTTP servers that send fewer rows than their
 * X-Drift-Rows header says: every one fails loudly, naming what arrived; none hands on a
 * smaller batch.
 */
import { strict as assert } from "node:assert";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { ENV } from "../../lib/contract";
import { IncompleteBatchError, readDrifterBatch } from "../../lib/drifter-batch";
import { DatasetError, fetchFromDrifter } from "../../model-api/src/training/dataset";
import { fetchCreditNdjson } from "../../model-api/src/drifter-client";
import { fetchDrifterBatch } from "../../model-api/src/traffic/traffic";
import { exitOf, freePort, spawnDrifter, startInProcess, waitFor, type Running } from "../drifter/support";
import { runTs } from "./fixtures";

const ROOT = join(__dirname, "..", "..");

/** A real HTTP server on loopback answering every request with `handler`. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** NDJSON credit rows as the drifter makes them (from a real in-process drifter). */
let sample: string[];

describe("drifter clients: a batch shorter than X-Drift-Rows fails loudly", function () {
  this.timeout(90_000);
  let drifter: Running;

  before(async () => {
    drifter = await startInProcess({ DRIFT_SCHEMA: "credit", DRIFTER_THREADS: "0" });
    const res = await fetch(`${drifter.base}/api/v1/data?schema=credit&format=ndjson&rows=5&seed=3`);
    sample = (await res.text()).trimEnd().split("\n");
    assert.equal(sample.length, 5);
  });
  after(async () => drifter?.close());

  it("reads a complete batch from the real drifter, as before", async () => {
    const text = await fetchCreditNdjson(drifter.base, { rows: 5000, seed: 4 });
    assert.equal(text.trimEnd().split("\n").length, 5000);
    const big = await fetchCreditNdjson(drifter.base, { rows: 20_000, seed: 4 });
    assert.equal(big.split("\n").length - 1, 20_000, "a streamed (chunked) batch too");
  });

  it("fails, naming the rows that arrived, when the drifter process is killed mid-stream", async () => {
    const port = await freePort();
    const d = spawnDrifter({ PORT: String(port), DRIFT_SCHEMA: "credit", DRIFTER_THREADS: "0", LOG_LEVEL: "warn" });
    try {
      await waitFor(`http://127.0.0.1:${port}/readyz`);
      // Kill the drifter once its answer has started (headers and some rows are out).
      const killingFetch: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("x-drift-rows"), "1000000");
        d.proc.kill("SIGKILL");
        return res;
      };
      await assert.rejects(fetchCreditNdjson(`http://127.0.0.1:${port}`, { rows: 1_000_000, seed: 9 }, killingFetch), (e: Error) => {
        assert.match(e.message, /the batch broke off after \d+ bytes, \d+ of the 1000000 rows announced in X-Drift-Rows .*the drifter may have stopped mid-stream/);
        assert.match(e.message, /127\.0\.0\.1:\d+/, "names the drifter");
        return true;
      });
      assert.equal((await exitOf(d.proc)).signal, "SIGKILL");
    } finally {
      d.proc.kill("SIGKILL");
    }
  });

  it("fails when a server ends the answer cleanly with fewer rows than announced, or a partial last line", async () => {
    const short = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson", "x-drift-rows": "5" });
      res.write(`${sample.slice(0, 2).join("\n")}\n`); // chunked, properly terminated: only the count tells
      res.end(`${sample[2]}\n`);
    });
    const partial = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson", "x-drift-rows": "5" });
      res.end(`${sample.slice(0, 4).join("\n")}\n${sample[4]!.slice(0, 20)}`);
    });
    const missing = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(`${sample.join("\n")}\n`);
    });
    const exact = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson", "x-drift-rows": "5" });
      res.end(`${sample.join("\n")}\n`);
    });
    try {
      await assert.rejects(fetchCreditNdjson(short.url, { rows: 5 }), /the batch holds 3 complete rows where X-Drift-Rows announced 5; it is incomplete \(the drifter may have stopped mid-stream\)/);
      await assert.rejects(fetchCreditNdjson(partial.url, { rows: 5 }), /holds 4 complete rows and a partial line where X-Drift-Rows announced 5/);
      await assert.rejects(fetchCreditNdjson(missing.url, { rows: 5 }), /has no X-Drift-Rows header, so it cannot be checked to be complete/);
      assert.equal((await fetchCreditNdjson(exact.url, { rows: 5 })).trimEnd().split("\n").length, 5, "a complete answer passes");
    } finally {
      await Promise.all([short.close(), partial.close(), missing.close(), exact.close()]);
    }
  });

  it("fails when the connection drops before the Content-Length is reached", async () => {
    const body = `${sample.join("\n")}\n`;
    const cut = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson", "x-drift-rows": "5", "content-length": String(Buffer.byteLength(body)) });
      res.write(body.slice(0, body.length - 30), () => res.socket?.destroy());
    });
    try {
      await assert.rejects(fetchCreditNdjson(cut.url, { rows: 5 }), /broke off after \d+ bytes, 4 of the 5 rows announced in X-Drift-Rows/);
    } finally {
      await cut.close();
    }
  });

  it("checks CSV batches too (header line plus the rows)", async () => {
    const csv = "a,b\n1,2\n3,4\n";
    const res = (rows: string, text: string) => new Response(text, { headers: { "x-drift-rows": rows } });
    assert.equal(await readDrifterBatch(res("2", csv), "csv", "t"), csv);
    await assert.rejects(readDrifterBatch(res("3", csv), "csv", "t"), (e: Error) => e instanceof IncompleteBatchError && /holds 2 complete rows where X-Drift-Rows announced 3/.test(e.message));
    await assert.rejects(readDrifterBatch(res("1", csv), "csv", "t"), /holds 2 complete rows where X-Drift-Rows announced 1; it is incomplete or not a drifter batch/);
    await assert.rejects(readDrifterBatch(res("1e3", csv), "csv", "t"), /an invalid \("1e3"\) X-Drift-Rows header/);
  });

  it("makes the trainer's pages and the traffic job's batch fail instead of using a short batch", async () => {
    const short = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson", "x-drift-rows": "5" });
      res.end(`${sample.slice(0, 3).join("\n")}\n`);
    });
    try {
      await assert.rejects(fetchFromDrifter(short.url, { rows: 5, pageRows: 5 }), (e: Error) => e instanceof DatasetError && /holds 3 complete rows where X-Drift-Rows announced 5/.test(e.message));
      await assert.rejects(fetchDrifterBatch({ drifterUrl: short.url, rows: 5 }), /holds 3 complete rows where X-Drift-Rows announced 5/);
    } finally {
      await short.close();
    }
  });

  it("the traffic job exits non-zero with the reason, and posts nothing, when the batch is short", async () => {
    const short = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson", "x-drift-rows": "5" });
      res.end(`${sample.slice(0, 3).join("\n")}\n`);
    });
    const api = await serve((_req, res) => {
      res.writeHead(500).end();
    });
    try {
      const r = await runTs(join(ROOT, "model-api", "src", "traffic", "traffic-cli.ts"), [], { [ENV.drifterUrl]: short.url, [ENV.modelApiUrl]: api.url, [ENV.trafficRows]: "5", LOG_LEVEL: "silent" }, ROOT);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /^traffic: failed: .*holds 3 complete rows where X-Drift-Rows announced 5/m);
      assert.equal(api.hits(), 0, "no traffic posted from a short batch");
    } finally {
      await Promise.all([short.close(), api.close()]);
    }
  });

  it("asks again when the connection is refused or the drifter answers 5xx, as a pod just admitted by the policy enforcer sees it", async () => {
    let calls = 0;
    // Refused twice (as kube-router refuses a new pod for about a second), then the real drifter.
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (calls <= 2) throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 10.96.5.87:8000"), { code: "ECONNREFUSED" }) });
      return fetch(input, init);
    };
    const text = await fetchCreditNdjson(drifter.base, { rows: 10, seed: 4 }, flaky);
    assert.equal(text.trimEnd().split("\n").length, 10);
    assert.equal(calls, 3);
    const busy = await serve((_req, res) => res.writeHead(503).end("restarting"));
    try {
      await assert.rejects(fetchCreditNdjson(busy.url, { rows: 5 }, fetch, undefined, undefined, 3), /the drifter answered 503 for \/api\/v1\/data.*restarting \(3 attempts\)/);
      assert.equal(busy.hits(), 3);
    } finally {
      await busy.close();
    }
  });

  it("does not ask again when the drifter refuses the request itself (4xx)", async () => {
    const refusing = await serve((_req, res) => res.writeHead(401).end('{"error":"Unauthorized"}'));
    try {
      await assert.rejects(fetchCreditNdjson(refusing.url, { rows: 5 }), /the drifter answered 401 for \/api\/v1\/data/);
      assert.equal(refusing.hits(), 1);
    } finally {
      await refusing.close();
    }
  });

  it("gives up on a drifter that stays unreachable, naming it and the cause", async () => {
    const port = await freePort();
    await assert.rejects(fetchCreditNdjson(`http://127.0.0.1:${port}`, { rows: 5 }, fetch, undefined, undefined, 2), new RegExp(`cannot reach the drifter at http://127\\.0\\.0\\.1:${port}: fetch failed \\(ECONNREFUSED\\) \\(2 attempts\\)`));
  });
});
