import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFilesInParallel } from "../../drift-job/src/io/parallel";
import { readDatasetFile } from "../../drift-job/src/io/read";
import { DataError } from "../../drift-job/src/io/source";
import { pack, unpack } from "../../drift-job/src/io/transfer";

describe("reading files in parallel", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-par-"));
    writeFileSync(join(dir, "a.csv"), "x,c\n1,u\n,v\n3,\n2.5,u\n");
    writeFileSync(join(dir, "b.ndjson"), '{"x":4,"c":"w"}\n{"x":null,"c":"u"}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("gives the same datasets as reading one after the other", async () => {
    const [a, b] = await readFilesInParallel([join(dir, "a.csv"), join(dir, "b.ndjson")]);
    assert.deepEqual(a, await readDatasetFile(join(dir, "a.csv")));
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
