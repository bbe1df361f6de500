import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { parseNumberText } from "../../drift-job/src/io/columns";
import { DataError, readDatasetBuffer, readDatasetFile } from "../../drift-job/src/io/read";
import type { Column, Dataset } from "../../drift-job/src/types";

const nums = (c: Column | undefined): number[] => {
  assert.ok(c, "column exists");
  assert.equal(c.kind, "num");
  return Array.from(c.values as Float64Array);
};
const cats = (c: Column | undefined): (string | null)[] => {
  assert.ok(c, "column exists");
  assert.equal(c.kind, "cat");
  return c.values as (string | null)[];
};
const csv = (text: string, name = "t.csv"): Promise<Dataset> => readDatasetBuffer(name, Buffer.from(text));

describe("drift-job readers", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-readers-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads numeric CSV columns as Float64Array with NaN for empty and NA spellings", async () => {
    const d = await csv("a,b\n1,x\n,y\n2.5,\nNA,z\n-3e2,NaN\n");
    assert.equal(d.rows, 5);
    const a = nums(d.columns.a);
    assert.deepEqual([a[0], a[2], a[4]], [1, 2.5, -300]);
    assert.ok(Number.isNaN(a[1]) && Number.isNaN(a[3]));
    assert.deepEqual(cats(d.columns.b), ["x", "y", null, "z", null]);
  });

  it("parses numbers exactly as Number() does, on the fast path and off it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 0, max: 12 }), async (xs, digits) => {
        const texts = xs.map((x, i) => (i % 2 ? String(x) : x.toFixed(Math.min(digits, 20))));
        const d = await csv("v\n" + texts.join("\n") + "\n");
        const got = nums(d.columns.v);
        texts.forEach((t, i) => assert.ok(Object.is(got[i], Number(t)), `${t}: got ${got[i]}, Number() gives ${Number(t)}`));
      }),
      { numRuns: 200 },
    );
  });

  it("parses 16- and 17-digit decimals (as pandas and JavaScript print doubles) exactly as Number() does", async () => {
    const digits = fc.stringMatching(/^[0-9]{16,17}$/);
    const text = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }).map((x) => String(x)),
      // (16 digits of the largest doubles round past float64: pandas reads those as text, tested in tests/stats/oracle-csv.test.ts.)
      fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 16, max: 17 })).map(([x, p]) => x.toPrecision(p)).filter((t) => Number.isFinite(Number(t))),
      fc.tuple(digits, fc.integer({ min: 0, max: 17 }), fc.boolean()).map(([d, at, neg]) => `${neg ? "-" : ""}${d.slice(0, d.length - at)}${at ? "." + d.slice(d.length - at) : ""}`.replace(/^(-?)\./, "$10.")),
      // Halfway cases: 2^53 + 1 and friends round to even.
      fc.integer({ min: 0, max: 1000 }).map((k) => String(2 ** 53 + 2 * k + 1)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 200 }), async (texts) => {
        const d = await csv("v\n" + texts.join("\n") + "\n");
        const got = nums(d.columns.v);
        texts.forEach((t, i) => assert.ok(Object.is(got[i], Number(t)), `${t}: got ${got[i]}, Number() gives ${Number(t)}`));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps +-Infinity for the statistics to clean and rejects hex as a number, as pandas reads them", () => {
    assert.equal(parseNumberText("inf"), Infinity);
    assert.equal(parseNumberText("-Infinity"), -Infinity);
    assert.equal(parseNumberText("0x10"), undefined);
    assert.equal(parseNumberText("1_000"), undefined);
    assert.ok(Number.isNaN(parseNumberText("NULL")!));
    // pandas: NA spellings and inf only exactly; spaces around a decimal number are fine.
    assert.equal(parseNumberText(" NULL "), undefined);
    assert.equal(parseNumberText(" inf"), undefined);
    assert.equal(parseNumberText(" 1.5\t"), 1.5);
  });

  it("turns a column categorical when a late value is not a number, keeping the earlier values' spelling", async () => {
    const rows = ["k"];
    for (let i = 0; i < 5000; i++) rows.push(i % 2 ? "1.50" : "2");
    rows.push("abc");
    const d = await csv(rows.join("\n"));
    const k = cats(d.columns.k);
    assert.equal(k.length, 5001);
    assert.equal(k[1], "1.50");
    assert.equal(k[0], "2");
    assert.equal(k[5000], "abc");
  });

  it("keeps every text value and header name exactly as written, spaces included (property)", async () => {
    const cell = fc.stringMatching(/^[ \ta-z]{1,8}$/).filter((t) => /[a-z]/.test(t) && !/^(nan|null|true|false|inf|infinity|none)$/i.test(t.trim()));
    await fc.assert(
      fc.asyncProperty(cell, fc.array(cell, { minLength: 1, maxLength: 30 }), async (name, values) => {
        for (const quoted of [false, true]) {
          const q = (v: string) => (quoted ? `"${v}"` : v);
          const d = await csv(`${q(name)},ID\n${values.map((v, i) => `${q(v)},${i}`).join("\n")}\n`);
          assert.deepEqual(Object.keys(d.columns), [name, "ID"]);
          assert.deepEqual(cats(d.columns[name]), values);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("handles CRLF line ends, a BOM, blank lines and a missing final newline", async () => {
    const d = await csv("\uFEFFx,y\r\n1,a\r\n\r\n2,b");
    assert.deepEqual(Object.keys(d.columns), ["x", "y"]);
    assert.deepEqual(nums(d.columns.x), [1, 2]);
    assert.deepEqual(cats(d.columns.y), ["a", "b"]);
  });

  it("reads quoted CSV (embedded commas, quotes and newlines) through the full parser", async () => {
    const d = await csv('name,n\n"Smith, J",1\n"say ""hi""",2\n"two\nlines",3\n');
    assert.deepEqual(cats(d.columns.name), ["Smith, J", 'say "hi"', "two\nlines"]);
    assert.deepEqual(nums(d.columns.n), [1, 2, 3]);
  });

  it("gives both parsers the same result on simple CSV", async () => {
    const body = "a,b,c\n1,x,2.25\n,y,\n3,NA,4\n";
    const fast = await csv(body);
    const quoted = await csv(body.replace("x", '"x"'));
    assert.deepEqual(nums(fast.columns.a).map(String), nums(quoted.columns.a).map(String));
    assert.deepEqual(cats(fast.columns.b), cats(quoted.columns.b));
    assert.deepEqual(nums(fast.columns.c).map(String), nums(quoted.columns.c).map(String));
  });

  it("names the line when a row has the wrong number of fields", async () => {
    await assert.rejects(csv("a,b\n1,2\n3\n"), (e: Error) => e instanceof DataError && /line 3 has 1 fields, the header has 2/.test(e.message));
    await assert.rejects(csv("a,b\n1,2,3\n"), (e: Error) => e instanceof DataError && /line 2 has 3 fields/.test(e.message));
    await assert.rejects(csv('a,b\n"1",2,3\n'), (e: Error) => e instanceof DataError && /line 2 has 3 fields/.test(e.message));
  });

  it("rejects an empty file clearly and names repeated columns as pandas does", async () => {
    await assert.rejects(csv(""), /the file is empty; expected a header line/);
    // pandas numbers a repeated name: a, a.1, a.2 (and skips a name already taken).
    assert.deepEqual(Object.keys((await csv("a,a,a.1,a\n1,2,3,4\n")).columns), ["a", "a.1", "a.1.1", "a.2"]);
  });

  it("names a missing file", async () => {
    await assert.rejects(readDatasetFile(join(dir, "nope.csv")), (e: Error) => e instanceof DataError && /nope\.csv: no such file/.test(e.message));
    await assert.rejects(readDatasetFile(dir), /is a directory/);
  });

  it("reads a CSV file larger than one read chunk the same as from memory", async () => {
    const lines = ["id,v,c"];
    for (let i = 0; i < 400_000; i++) lines.push(`${i},${(i * 0.37).toFixed(2)},${["a", "b", "c"][i % 3]}`);
    const body = lines.join("\n") + "\n";
    const path = join(dir, "big.csv");
    writeFileSync(path, body);
    assert.ok(body.length > 4 << 20, "spans several chunks");
    const d = await readDatasetFile(path);
    assert.equal(d.rows, 400_000);
    const v = nums(d.columns.v);
    assert.equal(v[399_999], Number((399_999 * 0.37).toFixed(2)));
    assert.equal(cats(d.columns.c)[399_998], "c");
  });

  it("reads gzip-compressed files", async () => {
    const path = join(dir, "z.csv.gz");
    writeFileSync(path, gzipSync("a,b\n1,x\n2,y\n"));
    const d = await readDatasetFile(path);
    assert.deepEqual(nums(d.columns.a), [1, 2]);
  });

  it("reads NDJSON: union of keys, null and absent keys missing, strings that spell numbers as numbers", async () => {
    const d = await readDatasetBuffer(
      "x.ndjson",
      Buffer.from('{"a":1,"b":"x"}\n{"a":null,"c":true}\n\n{"a":"2.5","b":"y","c":false,"d":{"k":1}}\n'),
    );
    assert.equal(d.rows, 3);
    const a = nums(d.columns.a);
    assert.equal(a[0], 1);
    assert.ok(Number.isNaN(a[1]));
    assert.equal(a[2], 2.5);
    assert.deepEqual(cats(d.columns.b), ["x", null, "y"]);
    assert.deepEqual(cats(d.columns.c), [null, "True", "False"]); // booleans, as pandas shows them
    assert.equal(d.columns.c.kind === "cat" && d.columns.c.bool, true);
    assert.deepEqual(cats(d.columns.d), [null, null, '{"k":1}']);
  });

  it("names the NDJSON line that is not a JSON object", async () => {
    await assert.rejects(readDatasetBuffer("x.ndjson", Buffer.from('{"a":1}\n[1,2]\n')), /line 2 is an array; expected one JSON object per line/);
    await assert.rejects(readDatasetBuffer("x.jsonl", Buffer.from('{"a":1}\n{"a":\n')), /line 2 is not valid JSON/);
  });

  it("detects NDJSON without an extension from the first byte", async () => {
    const d = await readDatasetBuffer("s3://requests/obj", Buffer.from('{"a":1}\n{"a":2}\n'));
    assert.deepEqual(nums(d.columns.a), [1, 2]);
  });
});
