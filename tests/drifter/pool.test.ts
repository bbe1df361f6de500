import { strict as assert } from "node:assert";
import { BatchPool, PART_ROWS } from "../../drifter/src/pool";
import { createRowSource, type GenerateOptions } from "../../lib/generator/generate";
import { serialize } from "../../drifter/src/format";

const collect = async (chunks: AsyncIterable<Buffer>) => {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
};

describe("drifter batch pool (worker threads)", function () {
  this.timeout(60_000);
  let pool: BatchPool;
  beforeEach(() => {
    pool = new BatchPool(2);
  });
  afterEach(async () => {
    await pool.close();
  });

  it("joins the parts into the batch one thread makes, and reports each part's rows", async () => {
    const options: GenerateOptions = { schema: "credit", rows: 2 * PART_ROWS + 5, seed: 3, scenario: ["missing_spike"], magnitude: 0.4 };
    const counted: number[] = [];
    const body = await collect(pool.stream(options, "json", options.rows, (n) => counted.push(n)));
    assert.ok(body.equals(Buffer.concat([...serialize(createRowSource(options), "json")])));
    assert.deepEqual(counted, [PART_ROWS, PART_ROWS, 5]);
  });

  it("fails a part the worker cannot make with the worker's error, and keeps serving other batches", async () => {
    // A part the worker cannot make (firstRow past the batch): its error reaches the stream.
    const bad = pool.run({ options: { rows: 10, seed: 1 }, format: "csv", firstRow: PART_ROWS, rows: 10 });
    await assert.rejects(bad.done, /drifter worker failed on rows 4096\.\.4105: RangeError: firstRow must be a multiple of 1024 below rows \(10\)/);
    const ok = await collect(pool.stream({ rows: PART_ROWS + 1, seed: 2 }, "csv", PART_ROWS + 1));
    assert.equal(ok.toString().split("\n").length, PART_ROWS + 3, "header, rows and the final newline");
  });

  it("replaces a worker that dies, failing only the part it was making", async () => {
    const errors: Error[] = [];
    const p = new BatchPool(1, (err) => errors.push(err));
    try {
      const stream = p.stream({ rows: 40 * PART_ROWS, seed: 4 }, "json", 40 * PART_ROWS);
      await stream.next();
      const slots = (p as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
      await slots[0].worker.terminate();
      await assert.rejects(async () => {
        for await (const _ of stream) void _;
      }, /drifter worker exited with code 1/);
      assert.equal(errors.length, 1);
      const again = await collect(p.stream({ rows: PART_ROWS, seed: 5 }, "csv", PART_ROWS));
      assert.ok(again.equals(Buffer.concat([...serialize(createRowSource({ rows: PART_ROWS, seed: 5 }), "csv")])));
    } finally {
      await p.close();
    }
  });

  it("stops making parts when the consumer stops reading, and refuses work once closed", async () => {
    const stream = pool.stream({ rows: 200 * PART_ROWS, seed: 6 }, "csv", 200 * PART_ROWS);
    await stream.next();
    await stream.return(undefined);
    const queue = (pool as unknown as { queue: unknown[] }).queue;
    assert.equal(queue.length, 0, "parts not started are dropped");
    await pool.close();
    await assert.rejects(pool.run({ options: { rows: 10, seed: 1 }, format: "csv", firstRow: 0, rows: 10 }).done, /batch pool is closed/);
  });
});
