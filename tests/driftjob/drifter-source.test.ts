/**
 * The drift job's `driftCurrentSource=drifter` reads a batch from the drifter: every row the
 * drifter announced in X-Drift-Rows, or a loud failure (a drifter stopped mid-stream must
 * not pass for a smaller window).
 */
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import { StorageError } from "../../drift-job/src/storage";
import { loadDrifterBatch } from "../../drift-job/src/sources";
import { startInProcess, type Running } from "../drifter/support";

describe("drift job: a drifter batch as the current window", function () {
  this.timeout(60_000);
  let drifter: Running;

  before(async () => {
    drifter = await startInProcess({ DRIFT_SCHEMA: "credit", DRIFTER_THREADS: "0", DRIFT_ROWS: "700" });
  });
  after(async () => drifter?.close());

  it("reads every row of a real drifter batch", async () => {
    const { dataset } = await loadDrifterBatch(drifter.base);
    assert.equal(dataset.rows, 700);
    assert.ok(Object.keys(dataset.columns).includes("default"), "the label column is there");
  });

  it("fails, naming what arrived, when the batch is shorter than X-Drift-Rows", async () => {
    const full = await (await fetch(`${drifter.base}/api/v1/data?format=csv&schema=credit&label=true&rows=5&seed=1`)).text();
    const short = full.split("\n").slice(0, 4).join("\n") + "\n"; // header + 3 of the 5 rows
    let hits = 0;
    const server: Server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { "content-type": "text/csv", "x-drift-rows": "5" });
      res.end(short);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      await assert.rejects(loadDrifterBatch(url, undefined, { attempts: 2, baseDelayMs: 1 }), (e: Error) => {
        assert.ok(e instanceof StorageError, `${e.name}: ${e.message}`);
        assert.match(e.message, /holds 3 complete rows where X-Drift-Rows announced 5/);
        return true;
      });
      assert.equal(hits, 2, "a short batch is retried like a failed fetch, then given up");
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
