import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFilesInParallel } from "../../drift-job/src/io/parallel";
import { readDatasetFile } from "../../drift-job/src/io/read";
import { DataError } from "../../drift-job/src/io/source";
import { pack, unpack } from "../../drift-job/src/io/transfer";
import { computeDriftParallel } from "../../drift-job/src/compute-parallel";
import { computeDrift } from "../../drift-job/src/stats";
import { normal, rng } from "../../drift-job/tools/synth";

describe("reading files in parallel", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-par-"));
    writeFileSync(join(dir, "a.csv"), "x,c,i,b\n1,u,7,True\n,v,8,false\n3,,9,TRUE\n2.5,u,10,False\n");
    writeFileSync(join(dir, "b.ndjson"), '{"x":4,"c":"w"}\n{"x":null,"c":"u"}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("gives the same datasets as reading one after the other", async () => {
    const [a, b] = await readFilesInParallel([join(dir, "a.csv"), join(dir, "b.ndjson")]);
    assert.deepEqual(a, await readDatasetFile(join(dir, "a.csv")));
    // What pandas' dtypes decide (integer bins, booleans) crosses the thread boundary too.
    assert.ok(a.columns.i.kind === "num" && a.columns.i.integer === true);
    assert.ok(a.columns.b.kind === "cat" && a.columns.b.bool === true);
    assert.deepEqual(b, await readDatasetFile(join(dir, "b.ndjson")));
  });

  it("reports a bad file from the reader thread as a DataError naming it", async () => {
    writeFileSync(join(dir, "bad.csv"), "x,y\n1\n");
    await assert.rejects(readFilesInParallel([join(dir, "bad.csv"), join(dir, "a.csv")]), (e: Error) => e instanceof DataError && /bad\.csv: line 2 has 1 fields/.test(e.message));
    await assert.rejects(readFilesInParallel([join(dir, "none.csv"), join(dir, "a.csv")]), /none\.csv: no such file/);
  });

  it("packs categorical columns as a dictionary and restores them exactly", () => {
    const d = { rows: 4, columns: { c: { kind: "cat" as const, values: ["u", null, "v", "u"] }, x: { kind: "num" as const, values: Float64Array.of(1, NaN, 2, 3) } } };
    const { packed } = pack(structuredClone(d));
    const c = packed.columns[0];
    assert.ok(c.kind === "cat" && c.dict.length === 2);
    assert.deepEqual(unpack(packed), d);
  });
});

describe("computing drift on two threads", function () {
  this.timeout(120_000);
  it("gives exactly the single-thread result and leaves both datasets whole", async () => {
    const rows = 320_000; // above the size where a second thread is used
    const make = (seed: number, shift: number) => {
      const z = normal(rng(seed));
      const columns: Record<string, { kind: "num"; values: Float64Array } | { kind: "cat"; values: (string | null)[] }> = {};
      for (let c = 0; c < 16; c++) columns[`n${c}`] = { kind: "num", values: Float64Array.from({ length: rows }, () => z() + (c < 4 ? shift : 0)) };
      columns.k = { kind: "cat", values: Array.from({ length: rows }, (_, i) => (i % 3 ? "a" : i % 7 ? "b" : null)) };
      return { rows, columns };
    };
    const ref = make(1, 0);
    const cur = make(2, 0.3);
    const opts = { columns: Object.keys(ref.columns), perColumn: { n1: { stattest: "ks" as const } }, driftShare: 0.2 };
    const single = computeDrift(ref, cur, opts);
    const sum = (d: typeof ref) => Object.values(d.columns).reduce((s, c) => s + (c.kind === "num" ? c.values.reduce((a, b) => a + b, 0) : c.values.length), 0);
    const before = [sum(ref), sum(cur)];
    const parallel = await computeDriftParallel(ref, cur, opts, computeDrift);
    assert.deepEqual(parallel, single);
    assert.deepEqual(Object.keys(parallel.columns), opts.columns, "columns in the requested order");
    assert.deepEqual([sum(ref), sum(cur)], before, "the moved columns are back, unchanged");
  });
});
