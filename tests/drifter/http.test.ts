import { strict as assert } from "node:assert";
import { CATEGORICAL_FEATURES, FEATURE_NAMES, LABEL, NUMERIC_FEATURES, labelOf, type Row } from "../../lib/schema";
import { NEW_CATEGORIES } from "../../lib/generator/generate";
import { PARALLEL_MIN_ROWS, PART_ROWS } from "../../drifter/src/pool";
import { chiSquare, counts, getText, meanShiftZ, parseCsv, proportionZ, startInProcess, type Running, type Table } from "./support";

const N = 20_000;
const SEED = 424242;

describe("drifter HTTP API", function () {
  let legacy: Running;
  let credit: Running;
  const batches = new Map<string, Table>();
  /** A credit batch of N rows (cached per query). */
  async function batch(query: string): Promise<Table> {
    if (!batches.has(query)) {
      const r = await getText(`${credit.base}/api/v1/data?schema=credit&rows=${N}&seed=${SEED}&${query}`);
      assert.equal(r.status, 200, r.text.slice(0, 300));
      batches.set(query, parseCsv(r.text));
    }
    return batches.get(query)!;
  }

  before(async () => {
    legacy = await startInProcess({});
    credit = await startInProcess({ DRIFT_SCHEMA: "credit", DRIFT_SCENARIO: "none" });
  });
  after(async () => {
    await legacy?.close();
    await credit?.close();
  });

  describe("legacy contract", () => {
    it("serves feat0..feat11 N(0,1)-like float CSV of DRIFT_ROWS rows at GET /api/v1/data by default", async () => {
      const r = await getText(`${legacy.base}/api/v1/data`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type")!, /^text\/csv/);
      const t = parseCsv(r.text);
      assert.deepEqual(t.header, Array.from({ length: 12 }, (_, i) => `feat${i}`));
      assert.equal(t.rows.length, 1000);
      for (const row of t.rows) for (const v of row) assert.ok(Number.isFinite(Number(v)) && v !== "", `not a float: ${v}`);
      // Every column is N(mu, 1) with mu = 0 or the announced drift in [0, 1).
      const drifted = Object.fromEntries(
        r.headers
          .get("x-drift-drifted-columns")!
          .split(",")
          .filter((s) => s !== "none")
          .map((s) => s.split("=") as [string, string]),
      );
      for (const c of t.header) {
        const xs = t.numbers(c);
        const mu = drifted[c] !== undefined ? Number(drifted[c]) : 0;
        assert.ok(mu >= 0 && mu < 1);
        const m = xs.reduce((a, b) => a + b, 0) / xs.length;
        assert.ok(Math.abs(m - mu) < 5 / Math.sqrt(xs.length), `${c}: mean ${m}, expected ${mu}`);
      }
    });

    it("follows DRIFT_ROWS, DRIFT_COLS and DRIFT_PROB from the environment", async () => {
      const none = await startInProcess({ DRIFT_ROWS: "100", DRIFT_COLS: "2", DRIFT_PROB: "0" });
      const all = await startInProcess({ DRIFT_ROWS: "10000", DRIFT_COLS: "30", DRIFT_PROB: "1" });
      try {
        const a = await getText(`${none.base}/api/v1/data?seed=1`);
        const ta = parseCsv(a.text);
        assert.deepEqual(ta.header, ["feat0", "feat1"]);
        assert.equal(ta.rows.length, 100);
        assert.equal(a.headers.get("x-drift-drifted-columns"), "none");
        const b = await getText(`${all.base}/api/v1/data?seed=1`);
        const tb = parseCsv(b.text);
        assert.equal(tb.header.length, 30);
        assert.equal(tb.rows.length, 10000);
        assert.equal(b.headers.get("x-drift-drifted-columns")!.split(",").length, 30);
      } finally {
        await none.close();
        await all.close();
      }
    });

    it("serves the credit table to a request that asks for it, and a per-request rows beyond DRIFT_ROWS", async () => {
      const r = await getText(`${legacy.base}/api/v1/data?schema=credit&rows=12345&seed=3`);
      const t = parseCsv(r.text);
      assert.deepEqual(t.header, [...FEATURE_NAMES, LABEL]);
      assert.equal(t.rows.length, 12345);
      assert.equal(r.headers.get("x-drift-scenario"), "none");
    });
  });

  describe("formats and reproducibility", () => {
    it("replays a batch byte for byte from its seed, also a batch whose seed the server chose", async () => {
      const a = await getText(`${credit.base}/api/v1/data?rows=3000&seed=77&scenario=mean_shift,missing_spike&magnitude=0.3`);
      const b = await getText(`${credit.base}/api/v1/data?rows=3000&seed=77&scenario=mean_shift,missing_spike&magnitude=0.3`);
      assert.equal(a.text, b.text);
      const c = await getText(`${credit.base}/api/v1/data?rows=50`);
      const seed = c.headers.get("x-drift-seed")!;
      assert.match(seed, /^\d+$/);
      assert.equal((await getText(`${credit.base}/api/v1/data?rows=50&seed=${seed}`)).text, c.text);
    });

    it("serves the same rows as CSV, JSON and NDJSON", async () => {
      const q = `rows=500&seed=8&scenario=missing_spike,new_category&magnitude=0.2`;
      const csv = parseCsv((await getText(`${credit.base}/api/v1/data?${q}`)).text);
      const json = await getText(`${credit.base}/api/v1/data?${q}&format=json`);
      assert.match(json.headers.get("content-type")!, /^application\/json/);
      const rows = JSON.parse(json.text) as Row[];
      const nd = await getText(`${credit.base}/api/v1/data?${q}&format=ndjson`);
      assert.match(nd.headers.get("content-type")!, /^application\/x-ndjson/);
      const ndRows = nd.text.trimEnd().split("\n").map((l) => JSON.parse(l) as Row);
      assert.deepEqual(ndRows, rows);
      assert.equal(rows.length, 500);
      rows.forEach((row, i) => assert.deepEqual(Object.values(row).map((v) => (v === null ? "" : String(v))), csv.rows[i]));
      assert.ok(rows.some((r) => Object.values(r).includes(null)), "missing values are null in JSON");
    });

    it("answers HEAD with the batch's headers and makes no rows", async () => {
      const res = await fetch(`${credit.base}/api/v1/data?rows=1000000&seed=31&format=json`, { method: "HEAD" });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type")!, /^application\/json/);
      assert.equal(res.headers.get("x-drift-seed"), "31");
      const metrics = await (await fetch(`${credit.base}/metrics`)).text();
      const jsonRows = [...metrics.matchAll(/drifter_rows_served_total\{schema="credit",scenario="none",format="json"\} (\d+)/g)].map((m) => Number(m[1]));
      assert.ok(jsonRows.every((n) => n < 1_000_000), `HEAD made rows: ${jsonRows.join(",")}`);
      const bad = await fetch(`${credit.base}/api/v1/data?rows=0`, { method: "HEAD" });
      assert.equal(bad.status, 400);
    });

    it("makes a large batch on worker threads byte for byte as one thread makes it", async function () {
      this.timeout(60_000);
      const single = await startInProcess({ DRIFT_SCHEMA: "credit", DRIFTER_THREADS: "0" });
      const threaded = await startInProcess({ DRIFT_SCHEMA: "credit", DRIFTER_THREADS: "3" });
      try {
        // Three whole parts and a partial one, so every part boundary and the last part are covered.
        const rows = 3 * PART_ROWS + 17;
        assert.ok(rows >= PARALLEL_MIN_ROWS);
        for (const q of [
          "format=csv&scenario=none",
          "format=json&scenario=missing_spike,new_category,label_prior&magnitude=0.7",
          "format=ndjson&scenario=concept,mean_shift&label=false",
          "format=csv&schema=legacy&cols=7&scenario=drift_prob,missing_spike",
        ]) {
          const url = (base: string) => `${base}/api/v1/data?rows=${rows}&seed=99&${q}`;
          const [a, b] = await Promise.all([getText(url(single.base)), getText(url(threaded.base))]);
          assert.equal(a.status, 200, a.text.slice(0, 200));
          assert.equal(b.status, 200, b.text.slice(0, 200));
          assert.ok(a.text === b.text, `${q}: threaded body differs (${a.text.length} vs ${b.text.length} chars)`);
        }
        // Batches at once share the workers and their recycled buffers, and none mixes into another.
        const queries = ["format=json&seed=1", "format=csv&seed=2&scenario=mean_shift", "format=ndjson&seed=3&scenario=new_category"];
        const together = await Promise.all(queries.map((q) => getText(`${threaded.base}/api/v1/data?rows=${rows}&${q}`)));
        for (const [i, q] of queries.entries()) {
          const alone = await getText(`${single.base}/api/v1/data?rows=${rows}&${q}`);
          assert.ok(together[i].text === alone.text, `${q}: a concurrent threaded batch differs`);
        }
        const metrics = (await getText(`${threaded.base}/metrics`)).text;
        assert.match(metrics, new RegExp(`drifter_rows_served_total\\{schema="credit",scenario="none",format="csv"\\} ${rows}`));
      } finally {
        await single.close();
        await threaded.close();
      }
    });

    it("omits the label column with label=false", async () => {
      const t = parseCsv((await getText(`${credit.base}/api/v1/data?rows=5&seed=1&label=false`)).text);
      assert.deepEqual(t.header, [...FEATURE_NAMES]);
    });

    it("streams a 1,000,000-row batch completely", async function () {
      this.timeout(120_000);
      const res = await fetch(`${credit.base}/api/v1/data?rows=1000000&seed=2`);
      assert.equal(res.status, 200);
      let lines = 0;
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
      }
      assert.equal(lines, 1_000_001, "header + 1,000,000 rows");
      assert.ok(bytes > 60e6);
    });
  });

  describe("scenarios move what they claim, and nothing at magnitude 0", () => {
    for (const scenario of ["mean_shift", "scale_change", "category_mix", "new_category", "missing_spike", "label_prior", "concept", "drift_prob"]) {
      it(`${scenario}: magnitude 0 is byte for byte the undrifted batch`, async () => {
        const base = await getText(`${credit.base}/api/v1/data?rows=2000&seed=${SEED}&scenario=none`);
        const zero = await getText(`${credit.base}/api/v1/data?rows=2000&seed=${SEED}&scenario=${scenario}&magnitude=0`);
        assert.equal(zero.text, base.text);
      });
    }

    it("mean_shift moves every numeric feature's mean by many standard errors, in the downturn's direction", async () => {
      const ref = await batch("scenario=none");
      const cur = await batch("scenario=mean_shift&magnitude=0.5");
      for (const f of NUMERIC_FEATURES) {
        const z = meanShiftZ(ref.numbers(f.name), cur.numbers(f.name));
        const sign = f.name === "credit_score" ? -1 : 1;
        assert.ok(sign * z > 10, `${f.name}: z = ${z.toFixed(1)}`);
      }
      // Categorical features are untouched: same values row for row.
      for (const f of CATEGORICAL_FEATURES) assert.deepEqual(cur.column(f.name), ref.column(f.name));
    });

    it("scale_change widens every numeric feature", async () => {
      const ref = await batch("scenario=none");
      const cur = await batch("scenario=scale_change&magnitude=0.5");
      for (const name of ["age", "credit_score", "num_open_accounts", "income", "debt_to_income"]) {
        const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + b * b, 0) / xs.length - (xs.reduce((a, b) => a + b, 0) / xs.length) ** 2);
        const ratio = sd(cur.numbers(name)) / sd(ref.numbers(name));
        assert.ok(ratio > 1.4, `${name}: sd ratio ${ratio.toFixed(2)}`);
      }
    });

    it("category_mix moves every categorical feature toward its rarest category (chi-square far beyond p = 1e-6)", async () => {
      const ref = await batch("scenario=none");
      const cur = await batch("scenario=category_mix&magnitude=0.5");
      for (const f of CATEGORICAL_FEATURES) {
        const refCounts = counts(ref.column(f.name));
        const shares = Object.fromEntries(Object.entries(refCounts).map(([k, v]) => [k, v / ref.rows.length]));
        const x2 = chiSquare(counts(cur.column(f.name)), shares);
        assert.ok(x2 > 50, `${f.name}: chi-square ${x2.toFixed(1)}`);
        // The rarest category (of tied shares, like loan_purpose's education and business,
        // either may come out rarer in a sample) must at least double.
        const least = Math.min(...Object.values(refCounts));
        const rarest = Object.keys(refCounts).filter((k) => refCounts[k] <= least + 4 * Math.sqrt(least));
        const curCounts = counts(cur.column(f.name));
        assert.ok(rarest.some((k) => (curCounts[k] ?? 0) > 2 * refCounts[k]), `${f.name}: one of ${rarest.join(", ")} should grow`);
      }
    });

    it("new_category brings an unseen category into every categorical feature at the magnitude's share", async () => {
      const ref = await batch("scenario=none");
      const cur = await batch("scenario=new_category&magnitude=0.3");
      for (const f of CATEGORICAL_FEATURES) {
        const fresh = NEW_CATEGORIES[f.name];
        assert.ok(!f.categories.includes(fresh));
        assert.equal(counts(ref.column(f.name))[fresh], undefined);
        const share = (counts(cur.column(f.name))[fresh] ?? 0) / N;
        assert.ok(Math.abs(share - 0.3) < 5 * Math.sqrt((0.3 * 0.7) / N), `${f.name}: share ${share}`);
      }
    });

    it("missing_spike empties the magnitude's share of every feature, never the label", async () => {
      const ref = await batch("scenario=none");
      const cur = await batch("scenario=missing_spike&magnitude=0.2");
      for (const name of FEATURE_NAMES) {
        assert.equal(ref.column(name).filter((v) => v === "").length, 0);
        const share = cur.column(name).filter((v) => v === "").length / N;
        assert.ok(Math.abs(share - 0.2) < 5 * Math.sqrt((0.2 * 0.8) / N), `${name}: missing share ${share}`);
      }
      assert.equal(cur.column(LABEL).filter((v) => v === "").length, 0);
    });

    it("label_prior raises the default rate and keeps the label a function of the features", async () => {
      const ref = await batch("scenario=none");
      const cur = await batch("scenario=label_prior&magnitude=0.5");
      const pos = (t: Table) => t.column(LABEL).filter((v) => v === "1").length;
      const z = proportionZ(pos(ref), N, pos(cur), N);
      assert.ok(z > 20, `z = ${z.toFixed(1)}`);
      const rows = toRows(cur);
      for (const r of rows.slice(0, 2000)) assert.equal(r[LABEL], labelOf(r));
    });

    it("concept changes the label function on the magnitude's share of rows and leaves the features alone", async () => {
      const ref = await batch("scenario=none");
      const cur = await batch("scenario=concept&magnitude=1");
      for (const name of FEATURE_NAMES) assert.deepEqual(cur.column(name), ref.column(name), name);
      const rows = toRows(cur);
      for (const r of rows) assert.equal(r[LABEL], labelOf(r, "shifted"));
      const changed = rows.filter((r) => labelOf(r, "base") !== r[LABEL]).length / N;
      assert.ok(changed > 0.05, `only ${changed} of labels changed`);
    });

    it("drift_prob moves exactly the columns it announces, by the announced amount", async () => {
      const res = await getText(`${legacy.base}/api/v1/data?rows=${N}&seed=99&scenario=drift_prob&magnitude=0.5`);
      const ref = parseCsv((await getText(`${legacy.base}/api/v1/data?rows=${N}&seed=99&scenario=none`)).text);
      const cur = parseCsv(res.text);
      const announced = Object.fromEntries(res.headers.get("x-drift-drifted-columns")!.split(",").map((s) => s.split("=")));
      assert.ok(Object.keys(announced).length > 0 && Object.keys(announced).length < 12);
      for (const c of cur.header) {
        const d = cur.numbers(c).reduce((a, b) => a + b, 0) / N - ref.numbers(c).reduce((a, b) => a + b, 0) / N;
        if (announced[c] !== undefined) assert.ok(Math.abs(d - Number(announced[c])) < 1e-5, `${c}: moved ${d}, announced ${announced[c]}`);
        else assert.deepEqual(cur.column(c), ref.column(c), c);
      }
    });
  });

  describe("bad parameters", () => {
    const cases: [string, string, RegExp][] = [
      ["rows=0", "rows", /1 to 1000000/],
      ["rows=1000001", "rows", /1 to 1000000/],
      ["rows=12.5", "rows", /integer/],
      ["rows=abc", "rows", /rows="abc"/],
      ["rows=", "rows", /rows="".*1 to 1000000/],
      ["rows=1&rows=2", "rows", /integer/],
      ["seed=-1", "seed", /0 to 4294967295/],
      ["seed=4294967296", "seed", /0 to 4294967295/],
      ["seed=x", "seed", /integer/],
      ["magnitude=1.5", "magnitude", /0 \(no drift\) to 1/],
      ["magnitude=-0.1", "magnitude", /0 \(no drift\) to 1/],
      ["magnitude=NaN", "magnitude", /number/],
      ["scenario=tsunami", "scenario", /tsunami.*allowed: none, mean_shift/],
      ["scenario=", "scenario", /scenario/],
      ["scenario=concept&schema=legacy", "scenario", /needs schema=credit/],
      ["format=xml", "format", /csv, json, ndjson/],
      ["schema=bank", "schema", /credit, legacy/],
      ["cols=1&schema=legacy", "cols", /2 to 30/],
      ["cols=31&schema=legacy", "cols", /2 to 30/],
      ["cols=5&schema=credit", "cols", /legacy only/],
      ["label=yes", "label", /true or false/],
      ["label=true&schema=legacy", "label", /credit only/],
      ["rowz=10", "rowz", /unknown query parameter "rowz".*allowed parameters: rows/],
      // Only plain decimal numbers: Number() would read these as 1000, 16, 3, 8 and 0.
      ["rows=1e3", "rows", /rows="1e3" is invalid; allowed: an integer from 1 to 1000000 in decimal digits/],
      ["rows=0x10", "rows", /rows="0x10" is invalid; allowed: an integer from 1/],
      ["rows=0b11", "rows", /rows="0b11" is invalid/],
      ["rows=0o10", "rows", /rows="0o10" is invalid/],
      ["rows=%2010", "rows", /rows=" 10" is invalid/],
      ["seed=1e3", "seed", /seed="1e3" is invalid; allowed: an integer from 0 to 4294967295/],
      ["cols=0x5&schema=legacy", "cols", /cols="0x5" is invalid/],
      ["magnitude=0x0", "magnitude", /magnitude="0x0" is invalid; allowed: a decimal number from 0/],
      ["magnitude=Infinity", "magnitude", /magnitude="Infinity" is invalid/],
      ["label=1", "label", /label="1" is invalid; allowed: true or false/],
      ["seed=1&seed=1", "seed", /seed is given more than once/],
      // A scenario list is taken as written: no empty items, no spaces.
      ["scenario=none,,mean_shift", "scenario", /item 2 of the scenario list "none,,mean_shift" is empty; allowed: none, .*no empty items/],
      ["scenario=mean_shift,", "scenario", /item 2 of the scenario list "mean_shift," is empty/],
      ["scenario=,mean_shift", "scenario", /item 1 of the scenario list ",mean_shift" is empty/],
      ["scenario=none,%20mean_shift", "scenario", /item 2 .*\(" mean_shift"\) has spaces around the name/],
      [`scenario=${"none,".repeat(50)}none`, "scenario", /scenario="none,none,.*\.\.\." is invalid; allowed: .*at most 200 characters/],
    ];
    for (const [query, parameter, message] of cases) {
      it(`answers 400 naming ${parameter} for ${query}`, async () => {
        const r = await getText(`${credit.base}/api/v1/data?${query}`);
        assert.equal(r.status, 400, r.text);
        const body = JSON.parse(r.text) as { parameter: string; message: string };
        assert.equal(body.parameter, parameter);
        assert.match(body.message, message);
      });
    }

    it("accepts every documented spelling: decimal digits (leading zeros too), decimal fractions and exponents for magnitude", async () => {
      const base = await getText(`${credit.base}/api/v1/data?rows=10&seed=5&scenario=mean_shift,missing_spike&magnitude=0.5`);
      assert.equal(base.status, 200, base.text);
      for (const q of ["rows=010&seed=5&scenario=mean_shift,missing_spike&magnitude=0.5", "rows=10&seed=%2B5&scenario=missing_spike,mean_shift&magnitude=.5", "rows=10&seed=5&scenario=mean_shift,missing_spike&magnitude=5e-1"]) {
        const r = await getText(`${credit.base}/api/v1/data?${q}`);
        assert.equal(r.status, 200, `${q}: ${r.text}`);
        assert.equal(r.text, base.text, q);
      }
    });

    it("refuses more concurrent batches than allowed with 503 and Retry-After, and serves again after", async () => {
      const small = await startInProcess({ DRIFT_SCHEMA: "credit", DRIFTER_SLOTS: "1" });
      try {
        const first = await fetch(`${small.base}/api/v1/data?rows=1000000&seed=1`);
        assert.equal(first.status, 200);
        const second = await fetch(`${small.base}/api/v1/data?rows=10&seed=1`);
        assert.equal(second.status, 503);
        assert.equal(second.headers.get("retry-after"), "1");
        await second.text();
        await first.body!.cancel();
        let ok = 0;
        for (let i = 0; i < 50 && ok === 0; i++) {
          await new Promise((r) => setTimeout(r, 50));
          const again = await fetch(`${small.base}/api/v1/data?rows=10&seed=1`);
          await again.text();
          if (again.status === 200) ok++;
        }
        assert.equal(ok, 1, "a slot frees when the client goes away");
        const metrics = await (await fetch(`${small.base}/metrics`)).text();
        assert.match(metrics, /drifter_batches_total\{schema="credit",scenario="none",format="csv",outcome="aborted"\} 1/);
      } finally {
        await small.close();
      }
    });
  });

  describe("operations", () => {
    it("exposes request, row, batch and process metrics for Prometheus", async () => {
      await getText(`${credit.base}/api/v1/data?rows=321&seed=1&scenario=concept&format=json`);
      const r = await getText(`${credit.base}/metrics`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type")!, /^text\/plain/);
      assert.match(r.text, /drifter_rows_served_total\{schema="credit",scenario="concept",format="json"\} 321/);
      assert.match(r.text, /drifter_batches_total\{schema="credit",scenario="concept",format="json",outcome="complete"\} 1/);
      assert.match(r.text, /drifter_http_requests_total\{route="\/api\/v1\/data",method="GET",status="400"\} \d+/);
      assert.match(r.text, /drifter_batch_duration_seconds_bucket/);
      assert.match(r.text, /process_resident_memory_bytes \d+/);
      assert.match(r.text, /nodejs_eventloop_lag_seconds/);
    });

    it("answers /healthz, /readyz and describes tables, scenarios and limits at /api/v1/schema", async () => {
      assert.equal((await getText(`${credit.base}/healthz`)).status, 200);
      assert.equal((await getText(`${credit.base}/readyz`)).status, 200);
      const s = JSON.parse((await getText(`${credit.base}/api/v1/schema`)).text);
      assert.deepEqual(s.tables.credit.columns.map((c: { name: string }) => c.name), [...FEATURE_NAMES]);
      assert.equal(s.tables.credit.label.name, LABEL);
      assert.equal(s.limits.maxRows, 1_000_000);
      assert.deepEqual(Object.keys(s.scenarios), ["none", "mean_shift", "scale_change", "category_mix", "new_category", "missing_spike", "label_prior", "concept", "drift_prob"]);
      assert.equal(s.defaults.schema, "credit");
    });

    it("answers 404 with the list of routes for an unknown path", async () => {
      const r = await getText(`${credit.base}/api/v2/data`);
      assert.equal(r.status, 404);
      assert.match(r.text, /GET \/api\/v1\/data/);
    });
  });
});

/** Parses the credit CSV back to typed rows (numbers, categories, null for empty). */
function toRows(t: Table): Row[] {
  const numeric = new Set([...NUMERIC_FEATURES.map((f) => f.name), LABEL]);
  return t.rows.map((cells) => Object.fromEntries(t.header.map((h, i) => [h, cells[i] === "" ? null : numeric.has(h) ? Number(cells[i]) : cells[i]])));
}
