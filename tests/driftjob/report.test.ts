import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderHtml } from "../../drift-job/src/report/html";
import { renderSummary } from "../../drift-job/src/report/summary";
import { JSON_MAX_BINS, OutputError, reportFiles, reportJson, writeFilesAtomically } from "../../drift-job/src/report/write";
import { catColumn, datasetDrift, sampleReport } from "./fixtures";

describe("drift reports", () => {
  it("puts the Evidently fields at the top level of report.json", () => {
    const j = JSON.parse(reportJson(sampleReport()));
    for (const k of ["dataset_drift", "drift_share", "number_of_columns", "number_of_drifted_columns", "share_of_drifted_columns", "columns"]) assert.ok(k in j, k);
    const c = j.columns.income;
    for (const k of ["column_type", "stattest_name", "stattest_threshold", "drift_score", "drift_detected"]) assert.ok(k in c, k);
    assert.equal(j.retrain.fired, true);
  });

  it("lists drifted columns first in the HTML and the summary", () => {
    const html = renderHtml(sampleReport());
    const table = html.slice(html.indexOf("<h2>Columns"));
    const pos = (s: string) => table.indexOf(`<b>${s}</b>`);
    assert.ok(pos("income") > 0 && pos("home_ownership") > 0);
    assert.ok(pos("income") < pos("credit_score") && pos("home_ownership") < pos("credit_score"), "drifted before not-compared");
    assert.ok(pos("credit_score") < pos("age") && pos("credit_score") < pos("region"), "not-compared before calm");
    const summary = renderSummary(sampleReport());
    assert.ok(summary.indexOf("income") < summary.indexOf(" age "));
    assert.match(summary, /Dataset drift: not detected: 2 of 5 columns drifted \(40%; dataset drift at >= 50%\)/);
    assert.match(summary, /not compared: no values on the current side/);
  });

  it("is self-contained: no script, no external URL, escaped names", () => {
    const r = sampleReport();
    r.columns['<img src=x onerror="alert(1)">'] = catColumn({ drift_score: 0.01, drift_detected: false, psi: 0 });
    const html = renderHtml(r);
    assert.ok(!/<script/i.test(html));
    assert.ok(!/(src|href)=["']?(https?:)?\/\//i.test(html), "no network reference");
    assert.ok(html.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"));
    assert.ok(!html.includes('<img src=x'));
  });

  it("does not grow with the number of distinct categories (bins are folded)", () => {
    const many = Array.from({ length: 5000 }, (_, i) => `id_${i}`);
    const r = sampleReport({ ...datasetDrift({ user_id: catColumn({ drift_score: 0.5, drift_detected: true, psi: 3 }, many) }) });
    const html = renderHtml(r);
    assert.ok(html.length < 60_000, `html ${html.length} bytes`);
    assert.match(html, /\(4977 other values\)/);
    const j = JSON.parse(reportJson(r));
    assert.equal(j.columns.user_id.histogram.bins.length, JSON_MAX_BINS);
    assert.equal(j.columns.user_id.histogram.folded, 5000 - JSON_MAX_BINS + 1);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    assert.equal(sum(j.columns.user_id.histogram.referenceCounts), sum(r.columns.user_id.histogram.referenceCounts));
  });

  it("writes report files atomically and keeps the earlier report when writing fails", () => {
    const dir = mkdtempSync(join(tmpdir(), "dj-report-"));
    try {
      const first = reportFiles(sampleReport());
      writeFilesAtomically(join(dir, "out"), first);
      assert.equal(readFileSync(join(dir, "out", "report.json"), "utf8"), first["report.json"]);
      // An output path that is a file cannot take a report: the error says so and nothing else changes.
      writeFileSync(join(dir, "file"), "x");
      assert.throws(() => writeFilesAtomically(join(dir, "file"), first), (e: Error) => e instanceof OutputError && /exists and is not a folder/.test(e.message));
      // A target that cannot be replaced (a folder named report.html): report.json must not be replaced either.
      const second = reportFiles(sampleReport({ dataset_drift: false }));
      rmSync(join(dir, "out", "report.html"));
      writeFileSync(join(dir, "out", "keep"), "");
      const blocker = join(dir, "out", "report.html");
      mkdirSync(join(blocker, "sub"), { recursive: true });
      assert.throws(() => writeFilesAtomically(join(dir, "out"), second), OutputError);
      assert.equal(readFileSync(join(dir, "out", "report.json"), "utf8"), first["report.json"], "the earlier report.json is intact");
      assert.deepEqual(readdirSync(join(dir, "out")).filter((f) => f.endsWith(".tmp")), [], "no temporary files left");
      assert.ok(existsSync(join(dir, "out", "keep")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
