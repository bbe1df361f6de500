/**
 * The drift history's rows and page without storage (the behaviour against MinIO and
 * MLflow is tests/integration/drift-job-history.test.ts): what a row takes from a report,
 * and that the page and index.json stay bounded whatever the reports hold.
 */
import { strict as assert } from "node:assert";
import { HISTORY_MAX_BYTES, HISTORY_MAX_NAMES, HISTORY_MAX_WINDOWS, historyEntry, type HistoryIndex, renderHistoryHtml } from "../../drift-job/src/report/history";
import { reportJson } from "../../drift-job/src/report/write";
import { sampleReport } from "./fixtures";

const folder = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/:/g, "-");
const indexOf = (entries: HistoryIndex["entries"]): HistoryIndex => ({ version: 1, generated_at: "2026-01-01T00:00:00.000Z", windows_total: entries.length + 5, older_windows: 5, entries });

describe("drift history rows and page", () => {
  it("takes the window's numbers and drifted columns (strongest first) from its report", () => {
    const r = sampleReport();
    r.meta.window = { start: "2026-01-01T00:00:00.000Z", end: "2026-01-01T01:00:00.000Z", source: "requests" };
    const e = historyEntry("2026-01-01T01-00-00Z", "abc", reportJson(r));
    assert.equal(e.window_end, "2026-01-01T01:00:00.000Z");
    assert.equal(e.window_start, "2026-01-01T00:00:00.000Z");
    assert.equal(e.rows, r.meta.current.rows);
    assert.equal(e.dataset_drift, r.dataset_drift);
    assert.equal(e.share_of_drifted_columns, r.share_of_drifted_columns);
    assert.equal(e.number_of_drifted_columns, r.number_of_drifted_columns);
    assert.deepEqual([...e.drifted_columns].sort(), Object.keys(r.columns).filter((c) => r.columns[c].drift_detected).sort());
    assert.equal(e.retrain_fired, r.retrain.fired);
    assert.equal(e.not_enough_data, false);
    assert.equal(e.error, undefined);
    assert.match(historyEntry("2026-01-01T01-00-00Z", "abc", "[1,2]").error ?? "", /not a drift report/);
  });

  it(`keeps index.html and index.json under ${HISTORY_MAX_BYTES >> 20} MB with ${HISTORY_MAX_WINDOWS} windows of the worst reports`, () => {
    // Every text far past its cut and made of '"' (6 bytes in HTML, 2 in JSON); 500 drifted columns per window.
    const q = '"'.repeat(5000);
    const columns: Record<string, unknown> = {};
    for (let i = 0; i < 500; i++) columns[`${q}${i}`] = { drift_detected: true, stattest: "psi", stattest_threshold: 0.1, drift_score: 1 };
    const worst = JSON.stringify({
      dataset_drift: true,
      columns,
      share_of_drifted_columns: 1,
      number_of_drifted_columns: 1e15,
      number_of_columns: 1e15,
      number_of_columns_without_enough_data: 1e15,
      meta: { current: { rows: 1e15 }, reference: { rows: 1e15 }, window: { start: q, end: q, source: q }, model_version: q, mlflow_run_id: q },
      retrain: { fired: true, max_psi: -1.2345e-300, action: q },
    });
    const one = historyEntry(folder(0), "e".repeat(40), worst);
    const entries = Array.from({ length: HISTORY_MAX_WINDOWS }, (_, i) => ({ ...one, folder: folder(HISTORY_MAX_WINDOWS - i) }));
    assert.ok(entries.every((e) => e.drifted_columns.length === HISTORY_MAX_NAMES && e.drifted_columns.every((n) => n.length <= 120)));
    for (const h of [indexOf(entries), indexOf(entries.map((e) => ({ ...e, error: q.slice(0, 120) })))]) {
      const html = Buffer.byteLength(renderHistoryHtml(h));
      const json = Buffer.byteLength(JSON.stringify(h, null, 1));
      assert.ok(html <= HISTORY_MAX_BYTES, `index.html ${html} bytes`);
      assert.ok(json <= HISTORY_MAX_BYTES, `index.json ${json} bytes`);
    }
    const text = reportJson(sampleReport());
    const ordinary = Array.from({ length: HISTORY_MAX_WINDOWS }, (_, i) => historyEntry(folder(HISTORY_MAX_WINDOWS - i), "e", text));
    const page = Buffer.byteLength(renderHistoryHtml(indexOf(ordinary)));
    assert.ok(page < 1 << 20, `a page of ordinary windows is ${page} bytes`);
  });
});
