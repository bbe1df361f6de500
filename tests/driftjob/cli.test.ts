/**
 * The local CLI contract, tested as users run it: a separate process, files in, files and
 * an exit code out.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSynthCsv } from "../../drift-job/tools/synth";
import { runDriftCli } from "./run-cli";

describe("drift CLI (npm run drift)", function () {
  this.timeout(120_000);
  let dir: string;
  let ref: string;
  let cur: string;
  let calm: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dj-cli-"));
    ref = join(dir, "ref.csv");
    cur = join(dir, "cur.csv");
    calm = join(dir, "calm.csv");
    writeSynthCsv(ref, { rows: 3000, seed: 11, drift: false, missingShare: 0.02 });
    writeSynthCsv(cur, { rows: 2500, seed: 12, drift: true, missingShare: 0.1 });
    writeSynthCsv(calm, { rows: 2500, seed: 13, drift: false, missingShare: 0.02 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const out = (name: string) => join(dir, name);

  it("documents every flag and the exit codes in --help", async () => {
    const r = await runDriftCli(["--help"]);
    assert.equal(r.code, 0);
    for (const flag of ["--reference", "--current", "--out", "--stattest", "--threshold", "--drift-share", "--column-stattest", "--column-threshold", "--num-stattest", "--cat-stattest", "--columns", "--column-type", "--min-sample-size", "--retrain-psi", "Exit codes", "ks, chisquare, z, wasserstein, psi, kl_div, jensenshannon, hellinger"]) {
      assert.ok(r.stdout.includes(flag), `--help mentions ${flag}`);
    }
  });

  it("writes report.json and report.html, prints a summary and exits 0 when drift is found", async () => {
    const r = await runDriftCli(["--reference", ref, "--current", cur, "--out", out("drifted")]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(readFileSync(join(out("drifted"), "report.json"), "utf8"));
    assert.equal(j.number_of_columns, 20);
    assert.deepEqual(
      Object.keys(j.columns).filter((c) => j.columns[c].drift_detected).sort(),
      ["cat_0", "num_0", "num_1", "num_2", "num_3", "num_4", "num_5"],
    );
    // Evidently's name in Evidently's field, the method id beside it.
    assert.deepEqual([j.columns.num_3.stattest_name, j.columns.num_3.stattest], ["Wasserstein distance (normed)", "wasserstein"]);
    assert.deepEqual([j.columns.cat_0.stattest_name, j.columns.cat_0.stattest], ["Jensen-Shannon distance", "jensenshannon"]);
    assert.equal(j.retrain.fired, true);
    assert.ok(j.columns.num_1.current.missing > 150, "missing values are counted");
    const html = readFileSync(join(out("drifted"), "report.html"), "utf8");
    assert.ok(html.includes("Data drift report") && html.includes("num_5"));
    assert.ok(statSync(join(out("drifted"), "report.html")).size < 1 << 20);
    assert.match(r.stdout, /Dataset drift: .*7 of 20 columns drifted/);
    assert.match(r.stdout, /Report: .*report\.json, .*report\.html/);
    assert.match(r.stderr, /reference: 3,000 rows, 20 columns/);
  });

  it("exits 0 without drift, and the retrain policy does not fire", async () => {
    const r = await runDriftCli(["--reference", ref, "--current", calm, "--out", out("calm")]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(readFileSync(join(out("calm"), "report.json"), "utf8"));
    assert.equal(j.dataset_drift, false);
    assert.equal(j.number_of_drifted_columns, 0);
    assert.equal(j.retrain.fired, false);
    assert.match(r.stdout, /Retrain policy: not fired/);
  });

  it("applies global, per-type and per-column methods and thresholds", async () => {
    const r = await runDriftCli([
      "--reference", ref, "--current", cur, "--out", out("methods"),
      "--columns", "num_0,num_3,num_7,cat_0,cat_1",
      "--num-stattest", "ks",
      "--cat-stattest", "psi",
      "--column-stattest", "num_7=psi",
      "--column-threshold", "num_7=0.5",
      "--drift-share", "0.2",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(readFileSync(join(out("methods"), "report.json"), "utf8"));
    assert.deepEqual(Object.keys(j.columns).sort(), ["cat_0", "cat_1", "num_0", "num_3", "num_7"]);
    assert.equal(j.columns.num_0.stattest, "ks");
    assert.equal(j.columns.num_0.stattest_threshold, 0.05);
    assert.equal(j.columns.cat_1.stattest, "psi");
    assert.deepEqual([j.columns.num_7.stattest_name, j.columns.num_7.stattest, j.columns.num_7.stattest_threshold], ["PSI", "psi", 0.5]);
    assert.equal(j.drift_share, 0.2);
    assert.equal(j.dataset_drift, true);
  });

  it("reads an NDJSON current file against a CSV reference", async () => {
    const nd = join(dir, "cur.ndjson");
    const lines = readFileSync(cur, "utf8").trim().split("\n");
    const header = lines[0].split(",");
    writeFileSync(nd, lines.slice(1).map((l) => JSON.stringify(Object.fromEntries(l.split(",").map((v, i) => [header[i], v === "" ? null : /^cat_/.test(header[i]) ? v : Number(v)])))).join("\n") + "\n");
    const r = await runDriftCli(["--reference", ref, "--current", nd, "--out", out("ndjson")]);
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(readFileSync(join(out("ndjson"), "report.json"), "utf8"));
    const b = JSON.parse(readFileSync(join(out("drifted"), "report.json"), "utf8"));
    for (const c of Object.keys(b.columns)) assert.equal(a.columns[c].drift_score, b.columns[c].drift_score, c);
  });

  describe("bad input: a clear message, exit 2, and an earlier report left intact", () => {
    let before1: string;
    beforeEach(async () => {
      if (!existsSync(join(out("keep"), "report.json"))) {
        const r = await runDriftCli(["--reference", ref, "--current", calm, "--out", out("keep"), "--quiet"]);
        assert.equal(r.code, 0, r.stderr);
      }
      before1 = readFileSync(join(out("keep"), "report.json"), "utf8");
    });
    afterEach(() => {
      assert.equal(readFileSync(join(out("keep"), "report.json"), "utf8"), before1, "the earlier report is unchanged");
    });
    const bad = async (args: string[], pattern: RegExp) => {
      const r = await runDriftCli([...args, "--out", out("keep")]);
      assert.equal(r.code, 2, `exit code 2; stderr: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      return r;
    };

    it("a missing file", async () => {
      await bad(["--reference", join(dir, "nope.csv"), "--current", cur], /nope\.csv: no such file/);
    });

    it("no common columns", async () => {
      const other = join(dir, "other.csv");
      writeFileSync(other, "x,y\n1,2\n3,4\n");
      await bad(["--reference", ref, "--current", other], /no common columns to compare: reference has num_0, .*; current has x, y/);
    });

    it("an unknown method", async () => {
      await bad(["--reference", ref, "--current", cur, "--stattest", "anderson"], /unknown method "anderson"; allowed: ks, chisquare, z, wasserstein, psi, kl_div, jensenshannon, hellinger/);
    });

    it("an unknown flag, a missing flag, a bad number", async () => {
      await bad(["--reference", ref, "--current", cur, "--thresold", "0.1"], /Unknown option '--thresold'/);
      const r = await runDriftCli(["--reference", ref]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /missing --current, --out/);
      await bad(["--reference", ref, "--current", cur, "--threshold", "much"], /--threshold="much" is not a number in decimal notation; allowed: more than 0, up to 1000/);
      await bad(["--reference", ref, "--current", cur, "--drift-share", "2"], /--drift-share=2 is out of range; allowed: more than 0, up to 1/);
    });

    it("a per-column option or --columns naming a column that is not on both sides", async () => {
      await bad(["--reference", ref, "--current", cur, "--column-stattest", "salary=psi"], /names "salary", which is not a compared column/);
      await bad(["--reference", ref, "--current", cur, "--columns", "num_0,salary"], /--columns names "salary", not present on both sides/);
    });

    it("a file with a header and no rows, and a malformed row", async () => {
      const empty = join(dir, "empty.csv");
      writeFileSync(empty, "num_0,num_1\n");
      await bad(["--reference", ref, "--current", empty], /has no data rows/);
      const broken = join(dir, "broken.csv");
      writeFileSync(broken, "num_0,num_1\n1,2\n3\n");
      await bad(["--reference", ref, "--current", broken], /broken\.csv: line 3 has 1 fields, the header has 2/);
    });

    it("an output path that is a file", async () => {
      const f = join(dir, "a-file");
      writeFileSync(f, "");
      const r = await runDriftCli(["--reference", ref, "--current", cur, "--out", f]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /a-file exists and is not a folder/);
    });
  });

  it("writes the report but exits 3 when a column has no values on one side, naming it", async () => {
    const gap = join(dir, "gap.csv");
    writeFileSync(gap, "num_0,num_1,cat_0\n" + Array.from({ length: 50 }, (_, i) => `${i},,${i % 2 ? "rent" : "own"}`).join("\n") + "\n");
    const r = await runDriftCli(["--reference", ref, "--current", gap, "--out", out("gap")]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /1 column\(s\) could not be compared: num_1 \(column "num_1" has no values in the current data/);
    const j = JSON.parse(readFileSync(join(out("gap"), "report.json"), "utf8"));
    assert.equal(j.columns.num_1.drift_score, null);
    assert.ok(j.columns.num_1.error);
    assert.equal(typeof j.columns.num_0.drift_score, "number");
  });

  it("creates a nested output folder", async () => {
    const nested = join(dir, "a", "b", "c");
    mkdirSync(join(dir, "a"), { recursive: true });
    const r = await runDriftCli(["--reference", ref, "--current", calm, "--out", nested, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(nested, "report.html")));
    assert.doesNotMatch(r.stdout, /Dataset drift/, "--quiet prints only the paths");
  });
});
