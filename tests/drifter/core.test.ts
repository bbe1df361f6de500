import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WASM_FILE } from "../../lib/generator/core";
import { createRowSource, generateRows, type GenerateOptions } from "../../lib/generator/generate";
import { serialize } from "../../drifter/src/format";

const ROOT = join(__dirname, "..", "..");

describe("drifter row core (WebAssembly)", function () {
  this.timeout(120_000);

  it("is committed as the build of lib/generator/wasm/core.ts (npm run build:wasm)", () => {
    const dir = mkdtempSync(join(tmpdir(), "drifter-core-"));
    try {
      const out = join(dir, "core.wasm");
      const script = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts["build:wasm"] as string;
      const args = script.replace(/^asc /, "").replace("-o lib/generator/wasm/core.wasm", `-o ${out}`).split(" ");
      const r = spawnSync(process.execPath, [require.resolve("assemblyscript/bin/asc"), ...args], { cwd: ROOT, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(readFileSync(out).equals(readFileSync(WASM_FILE)), "lib/generator/wasm/core.wasm is stale: run npm run build:wasm and commit it");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps batches that take turns apart: each source's streams and pieces are its own", () => {
    const a: GenerateOptions = { rows: 3000, seed: 1, scenario: "missing_spike,new_category", magnitude: 0.5 };
    const b: GenerateOptions = { schema: "legacy", rows: 3000, seed: 2, scenario: "drift_prob", cols: 5 };
    const alone = [Buffer.concat([...serialize(createRowSource(a), "json", { chunkBytes: 4096 })]), Buffer.concat([...serialize(createRowSource(b), "csv", { chunkBytes: 4096 })])];
    const ga = serialize(createRowSource(a), "json", { chunkBytes: 4096 });
    const gb = serialize(createRowSource(b), "csv", { chunkBytes: 4096 });
    const parts: Buffer[][] = [[], []];
    for (let done = [false, false]; !done[0] || !done[1]; ) {
      for (const [i, g] of [ga, gb].entries()) {
        if (done[i]) continue;
        const next = g.next();
        if (next.done) done[i] = true;
        else parts[i].push(Buffer.from(next.value));
      }
    }
    assert.ok(Buffer.concat(parts[0]).equals(alone[0]), "credit JSON taking turns");
    assert.ok(Buffer.concat(parts[1]).equals(alone[1]), "legacy CSV taking turns");
    // Row objects and bytes from the same source agree.
    const rows = [...generateRows(a)];
    assert.equal(JSON.stringify(rows) + "\n", alone[0].toString("utf8"));
  });
});
