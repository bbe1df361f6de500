import { strict as assert } from "node:assert";
import { Rng } from "../../lib/generator/prng";
import { coreNormals } from "../../lib/generator/core";
import { normalSf } from "../../drift-job/src/stats/special";
import { kstwoSf } from "../../drift-job/src/stats/kolmogorov";

/** Draws n values and gives them sorted. */
function sample(draw: () => number, n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = draw();
  return x.sort();
}

describe("drifter random streams (xoshiro128**; the row core's ziggurat normals)", () => {
  it("draws standard normals: one-sample KS against the normal CDF, moments and both tails", () => {
    const n = 120_000; // the core hands out at most 131,072 normals at once
    for (const [seed, block, stream] of [[7, 0, 0], [7, 1, 0], [7, 0, 1], [4294967295, 976, 2]]) {
      const x = coreNormals(seed, block, stream, n).sort();
      let d = 0;
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        const f = 1 - normalSf(x[i]);
        d = Math.max(d, f - i / n, (i + 1) / n - f);
        sum += x[i];
        sq += x[i] * x[i];
      }
      const name = `stream (${seed}, ${block}, ${stream})`;
      assert.ok(kstwoSf(d, n) > 1e-4, `${name}: KS D=${d} against N(0,1)`);
      assert.ok(Math.abs(sum / n) < 5 / Math.sqrt(n), `${name}: mean ${sum / n}`);
      assert.ok(Math.abs(sq / n - 1) < 5 * Math.sqrt(2 / n), `${name}: variance ${sq / n}`);
      // Beyond the ziggurat's base layer (|z| > 3.44) the tail algorithm takes over.
      const tail = x.filter((v) => Math.abs(v) > 3.5).length / n;
      const expected = 2 * normalSf(3.5);
      assert.ok(Math.abs(tail - expected) < 5 * Math.sqrt(expected / n), `${name}: P(|z| > 3.5) = ${tail}, expected ${expected}`);
      assert.ok(x[0] < -3.5 && x[n - 1] > 3.5, `${name}: both tails reached`);
    }
  });

  it("gives uncorrelated successive normals and uniforms in [0, 1)", () => {
    const n = 100_000;
    const z = coreNormals(3, 0, 0, n + 1);
    let c = 0;
    for (let i = 0; i < n; i++) c += z[i] * z[i + 1];
    assert.ok(Math.abs(c / n) < 5 / Math.sqrt(n), `lag-1 correlation ${c / n}`);
    assert.deepEqual(coreNormals(3, 0, 0, 10), z.subarray(0, 10), "a stream replays from its name");
    const r = new Rng(3);
    const u = sample(() => r.uniform(), n);
    assert.ok(u[0] >= 0 && u[n - 1] < 1);
    let d = 0;
    for (let i = 0; i < n; i++) d = Math.max(d, u[i] - i / n, (i + 1) / n - u[i]);
    assert.ok(kstwoSf(d, n) > 1e-4, `uniform KS D=${d}`);
  });

  it("replays a stream from its name, and different names give different streams", () => {
    const draws = (seed: number, block: number, stream: number) => {
      const r = new Rng(seed, block, stream);
      return Array.from({ length: 8 }, () => r.nextU32());
    };
    assert.deepEqual(draws(5, 2, 1), draws(5, 2, 1));
    const seen = new Set<string>();
    for (const seed of [0, 1, 2]) for (const block of [0, 1, 2]) for (const stream of [0, 1, 2]) seen.add(draws(seed, block, stream).join());
    assert.equal(seen.size, 27);
    const r = new Rng(5, 0, 0);
    r.nextU32();
    r.reseed(5, 2, 1);
    assert.deepEqual(Array.from({ length: 8 }, () => r.nextU32()), draws(5, 2, 1), "reseed restarts the named stream");
  });
});
