/**
 * The drift history index (s3://reports/index.{html,json}) against real MinIO and MLflow:
 * the drift job run as a process several times lists each window newest first with the
 * values of its report; a failed run leaves the index as it was; a missing or corrupt index
 * is rebuilt; a report stored while the index is written is not lost; the size is bounded;
 * hostile column names are escaped; and the page is looked at in headless Chromium.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Client } from "minio";
import { chromium, type Browser } from "playwright-core";
import { BUCKETS, ENV, KEYS, MLFLOW } from "../../lib/contract";
import { MlflowClient } from "../../lib/mlflow";
import { ensureBucket, getText, listKeys, objectExists, putText, s3Client } from "../../lib/s3";
import { FEATURE_NAMES, LABEL } from "../../lib/schema";
import { generateRows } from "../../lib/generator/generate";
import { createLogger } from "../../lib/logger";
import { jobConfigFromEnv } from "../../drift-job/src/config";
import { computeDrift } from "../../drift-job/src/stats";
import { JOB_EXIT, runJob as runJobInProcess } from "../../drift-job/src/job";
import { loadRequestWindow } from "../../drift-job/src/requests";
import { HISTORY_KEYS, HISTORY_MAX_NAMES, HISTORY_URI, type HistoryIndex, updateHistory } from "../../drift-job/src/report/history";
import { getServices, getServicesEnv } from "../helpers/services";
import { freePort } from "../../scripts/services/ports";
import { GITHUB_STAND_IN, HOUR, RUN_KEYS, csvOf, folderOf, logTraffic, runDriftJob, runEnv, sharedObjects } from "../helpers/drift-job";

const ROOT = resolve(__dirname, "..", "..");
/** Window ends of this file (a day no other test uses). */
const W = (h: number) => new Date(Date.parse("2026-05-01T00:00:00Z") + h * HOUR);
const DAY_PREFIX = "2026-05-01T";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** A report.json as an older or foreign writer may have stored it, with the given drifted columns. */
function foreignReport(windowEnd: Date, drifted: string[], clean: string[] = ["ok_col"]): string {
  const col = (d: boolean) => ({ column_type: "num", stattest: "psi", stattest_name: "PSI", stattest_threshold: 0.1, drift_score: d ? 0.9 : 0.01, psi: d ? 0.9 : 0.01, drift_detected: d });
  const columns = Object.fromEntries([...drifted.map((c) => [c, col(true)]), ...clean.map((c) => [c, col(false)])]);
  const n = drifted.length + clean.length;
  return JSON.stringify({
    dataset_drift: true,
    drift_share: 0.5,
    number_of_columns: n,
    number_of_drifted_columns: drifted.length,
    share_of_drifted_columns: drifted.length / n,
    number_of_columns_without_enough_data: 0,
    columns,
    retrain: { fired: true, undecided: false, max_psi: 0.9, action: "retrain requested <b>now</b>" },
    meta: { current: { rows: 77 }, reference: { rows: 3000 }, window: { start: new Date(windowEnd.getTime() - HOUR).toISOString(), end: windowEnd.toISOString(), source: "requests" } },
  });
}

const SHARED_KEYS = [
  ...RUN_KEYS,
  [BUCKETS.reports, HISTORY_KEYS.json],
  [BUCKETS.reports, HISTORY_KEYS.html],
] as const;

describe("drift history index (real MinIO + MLflow)", function () {
  this.timeout(240_000);
  let s3: Client;
  let baseEnv: Record<string, string>;
  let mlflow: MlflowClient;
  const shared = sharedObjects(SHARED_KEYS);

  const envFor = (windowEnd: Date, extra: Record<string, string> = {}) => ({
    ...runEnv(baseEnv, windowEnd),
    LOG_LEVEL: "warn",
    ...extra,
  });
  const readIndex = async (): Promise<HistoryIndex> => JSON.parse(await getText(s3, BUCKETS.reports, HISTORY_KEYS.json)) as HistoryIndex;
  const mine = (h: HistoryIndex) => h.entries.filter((e) => e.folder.startsWith(DAY_PREFIX));

  before(async () => {
    const svc = await getServices();
    baseEnv = await getServicesEnv();
    s3 = s3Client(svc.s3);
    mlflow = new MlflowClient(svc.mlflowUrl);
    for (const b of Object.values(BUCKETS)) await ensureBucket(s3, b);
    await shared.save(s3);
    const reference = [...generateRows({ rows: 3000, seed: 101, scenario: "none" })];
    await putText(s3, BUCKETS.datasets, KEYS.reference, csvOf(reference, [...FEATURE_NAMES, LABEL]), "text/csv");
    await putText(s3, BUCKETS.datasets, KEYS.referenceMeta, JSON.stringify({ model_version: "3", rows: 3000 }), "application/json");
    // Hour 1: drifted; hour 2: calm; hour 3: ten rows (not enough data); hours 4, 5: drifted (concurrent runs).
    await logTraffic(s3, [...generateRows({ rows: 1500, seed: 201, scenario: "mean_shift", magnitude: 1 })], W(1));
    await logTraffic(s3, [...generateRows({ rows: 1500, seed: 202, scenario: "none" })], W(2));
    await logTraffic(s3, [...generateRows({ rows: 10, seed: 203, scenario: "none" })], W(3));
    await logTraffic(s3, [...generateRows({ rows: 1200, seed: 204, scenario: "mean_shift", magnitude: 1 })], W(4));
    await logTraffic(s3, [...generateRows({ rows: 1300, seed: 205, scenario: "none" })], W(5));
    await logTraffic(s3, [...generateRows({ rows: 900, seed: 210, scenario: "none" })], W(10));
  });
  after(async () => {
    if (!s3) return;
    for (const key of await listKeys(s3, BUCKETS.requests, "2026/05/01/")) await s3.removeObject(BUCKETS.requests, key);
    for (const key of await listKeys(s3, BUCKETS.reports, DAY_PREFIX)) await s3.removeObject(BUCKETS.reports, key);
    await shared.restore(s3);
  });

  it("lists every window newest first with the values of its report, and the MLflow run links it", async () => {
    for (const h of [1, 2, 3]) {
      const r = await runDriftJob(envFor(W(h)));
      assert.equal(r.code, JOB_EXIT.ok, r.stderr + r.out.slice(-2000));
    }
    const index = await readIndex();
    const folders = index.entries.map((e) => e.folder);
    assert.deepEqual(folders, [...folders].sort().reverse(), "newest first");
    assert.deepEqual(mine(index).map((e) => e.folder), [3, 2, 1].map((h) => folderOf(W(h))));
    assert.ok(index.windows_total >= 3 && index.older_windows === 0);
    for (const e of mine(index)) {
      const report = JSON.parse(await getText(s3, BUCKETS.reports, `${e.folder}/report.json`));
      assert.equal(e.window_end, report.meta.window.end);
      assert.equal(e.window_start, report.meta.window.start);
      assert.equal(e.rows, report.meta.current.rows);
      assert.equal(e.dataset_drift, report.dataset_drift);
      assert.equal(e.share_of_drifted_columns, report.share_of_drifted_columns);
      assert.equal(e.number_of_drifted_columns, report.number_of_drifted_columns);
      assert.equal(e.number_of_columns, report.number_of_columns);
      assert.deepEqual([...e.drifted_columns].sort(), Object.keys(report.columns).filter((c) => report.columns[c].drift_detected).sort());
      assert.equal(e.not_enough_data, report.retrain.undecided);
      assert.equal(e.retrain_action, report.retrain.action);
      assert.equal(e.mlflow_run_id, report.meta.mlflow_run_id);
    }
    const [thin, calm, drifted] = mine(index);
    assert.equal(drifted.dataset_drift, true);
    assert.ok(drifted.drifted_columns.length >= 1 && drifted.rows === 1500);
    assert.equal(calm.dataset_drift, false);
    assert.equal(thin.not_enough_data, true);
    assert.equal(thin.rows, 10);

    const html = await getText(s3, BUCKETS.reports, HISTORY_KEYS.html);
    const links = [...html.matchAll(/href="([^"]+\/report\.html)"/g)].map((m) => m[1]).filter((l) => l.startsWith(DAY_PREFIX));
    assert.deepEqual(links, [3, 2, 1].map((h) => `${folderOf(W(h))}/report.html`), "relative links, newest first");
    assert.match(html, /not enough data/);

    // The newest run's MLflow run says where the history is.
    const run = await mlflow.getRun(thin.mlflow_run_id!);
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags["drift.history"], HISTORY_URI);
    assert.equal(HISTORY_URI, `s3://${BUCKETS.reports}/index.html`);
    assert.equal(run.info.experiment_id, await mlflow.getOrCreateExperiment(MLFLOW.driftExperiment));
  });

  it("leaves the index as it was when a run fails, and still updates it when only MLflow is down", async () => {
    const before = { json: await getText(s3, BUCKETS.reports, HISTORY_KEYS.json), html: await getText(s3, BUCKETS.reports, HISTORY_KEYS.html) };
    const storage = await runDriftJob(envFor(W(4), { [ENV.s3Port]: String(await freePort()) }));
    assert.equal(storage.code, JOB_EXIT.storage, storage.stderr);
    const bad = await runDriftJob(envFor(W(4), { [ENV.driftStattest]: "anderson" }));
    assert.equal(bad.code, JOB_EXIT.badInput, bad.stderr);
    assert.equal(await getText(s3, BUCKETS.reports, HISTORY_KEYS.json), before.json);
    assert.equal(await getText(s3, BUCKETS.reports, HISTORY_KEYS.html), before.html);

    const noMlflow = await runDriftJob(envFor(W(4), { [ENV.mlflowTrackingUri]: `http://127.0.0.1:${await freePort()}` }));
    assert.equal(noMlflow.code, JOB_EXIT.mlflow, noMlflow.stderr);
    assert.deepEqual(mine(await readIndex()).map((e) => e.folder), [4, 3, 2, 1].map((h) => folderOf(W(h))), "earlier windows kept, the new one added");
  });

  it("a run whose history update fails keeps its exit code and report, leaves the index as it was, and the next run adds the window", async () => {
    const before = await getText(s3, BUCKETS.reports, HISTORY_KEYS.json);
    const refused: string[] = [];
    // MinIO refuses the index writes only (as a full disk or a lost connection would).
    const failingIndex = new Proxy(s3, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (prop !== "putObject") return typeof v === "function" ? v.bind(target) : v;
        return (bucket: string, key: string, ...rest: unknown[]) => {
          if (key === HISTORY_KEYS.json || key === HISTORY_KEYS.html) {
            refused.push(key);
            return Promise.reject(Object.assign(new Error("We encountered an internal error"), { code: "InternalError" }));
          }
          return (v as (...a: unknown[]) => Promise<unknown>).call(target, bucket, key, ...rest);
        };
      },
    });
    const cfg = jobConfigFromEnv(envFor(W(10)));
    const log = createLogger("drift-job-test", "silent");
    const result = await runJobInProcess({ ...cfg, github: undefined }, {
      s3: failingIndex,
      mlflow: new MlflowClient(cfg.mlflowUrl),
      compute: computeDrift,
      loadCurrent: (w) => loadRequestWindow(s3, w),
      log,
      retry: { attempts: 2, baseDelayMs: 10 },
    });
    assert.equal(result.code, JOB_EXIT.ok, result.error);
    assert.ok(refused.length >= 1);
    assert.ok(await objectExists(s3, BUCKETS.reports, `${folderOf(W(10))}/report.json`), "the report is stored");
    assert.equal(await getText(s3, BUCKETS.reports, HISTORY_KEYS.json), before, "the previous index is left as it was");
    const run = await mlflow.getRun(result.mlflowRunId!);
    assert.ok(!(run.data.tags ?? []).some((t) => t.key === "drift.history"), "no link to an index that was not updated");

    const next = await runDriftJob(envFor(W(1)));
    assert.equal(next.code, JOB_EXIT.ok, next.stderr);
    assert.equal(mine(await readIndex())[0].folder, folderOf(W(10)), "the next run lists the window");
  });

  it("rebuilds a missing or corrupt index from the stored reports", async () => {
    const good = mine(await readIndex());
    await s3.removeObject(BUCKETS.reports, HISTORY_KEYS.json);
    await s3.removeObject(BUCKETS.reports, HISTORY_KEYS.html);
    let r = await runDriftJob(envFor(W(2)));
    assert.equal(r.code, JOB_EXIT.ok, r.stderr);
    const rebuilt = mine(await readIndex());
    assert.deepEqual(rebuilt.map((e) => e.folder), good.map((e) => e.folder));
    assert.ok(await objectExists(s3, BUCKETS.reports, HISTORY_KEYS.html));

    const whole = await readIndex();
    // An index that parses but whose entry has a field of the wrong type is not trusted either.
    const tampered = JSON.stringify({ ...whole, entries: whole.entries.map((e) => (e.folder === folderOf(W(3)) ? { ...e, rows: "<b>10</b>" } : e)) });
    for (const garbage of ["{not json", JSON.stringify({ version: 1, entries: [{ folder: 7 }] }), tampered]) {
      await putText(s3, BUCKETS.reports, HISTORY_KEYS.json, garbage, "application/json");
      r = await runDriftJob(envFor(W(1)));
      assert.equal(r.code, JOB_EXIT.ok, r.stderr);
      const again = mine(await readIndex());
      assert.deepEqual(again.map((e) => e.folder), good.map((e) => e.folder));
      assert.equal(again.find((e) => e.folder === folderOf(W(3)))!.rows, 10);
      // Runs of the same window rewrite its report: the entry follows the new report.
      const w1 = JSON.parse(await getText(s3, BUCKETS.reports, `${folderOf(W(1))}/report.json`));
      assert.equal(again.find((e) => e.folder === folderOf(W(1)))!.mlflow_run_id, w1.meta.mlflow_run_id);
    }
  });

  it("keeps every window when runs overlap, including a report stored while the index is written", async () => {
    const [a, b] = await Promise.all([runDriftJob(envFor(W(5))), runDriftJob(envFor(W(4)))]);
    assert.equal(a.code, JOB_EXIT.ok, a.stderr);
    assert.equal(b.code, JOB_EXIT.ok, b.stderr);
    assert.deepEqual(mine(await readIndex()).map((e) => e.folder), [10, 5, 4, 3, 2, 1].map((h) => folderOf(W(h))));

    // Deterministic interleaving: another run stores its report right after this update listed the bucket.
    const late = folderOf(W(6));
    let listings = 0;
    const racing = new Proxy(s3, {
      get(target, prop, recv) {
        if (prop !== "listObjectsV2") {
          const v = Reflect.get(target, prop, recv);
          return typeof v === "function" ? v.bind(target) : v;
        }
        return (...args: Parameters<Client["listObjectsV2"]>) => {
          const stream = target.listObjectsV2(...args);
          if (listings++ === 0) {
            return (async function* () {
              for await (const item of stream) yield item;
              await putText(target, BUCKETS.reports, `${late}/report.json`, foreignReport(W(6), ["income"]), "application/json");
            })();
          }
          return stream;
        };
      },
    });
    const index = await updateHistory(racing);
    assert.ok(listings >= 3, `listed again after writing (${listings} listings)`);
    assert.ok(index.entries.some((e) => e.folder === late), "the returned index has it");
    assert.ok(mine(await readIndex()).some((e) => e.folder === late), "the report stored during the update is in the stored index");
  });

  it("bounds its size: the newest windows are listed, older ones counted; long lists of drifted columns are cut", async () => {
    const many = Array.from({ length: 500 }, (_, i) => `feature_${i}_${"x".repeat(300)}`);
    await putText(s3, BUCKETS.reports, `${folderOf(W(7))}/report.json`, foreignReport(W(7), many), "application/json");
    const full = await updateHistory(s3);
    const e = full.entries.find((x) => x.folder === folderOf(W(7)))!;
    assert.equal(e.number_of_drifted_columns, 500);
    assert.equal(e.drifted_columns.length, HISTORY_MAX_NAMES);
    assert.ok(e.drifted_columns.every((n) => n.length <= 120));
    const fullHtml = await getText(s3, BUCKETS.reports, HISTORY_KEYS.html);
    assert.match(fullHtml, /\+494 more/);
    assert.ok(!fullHtml.includes("x".repeat(200)), "long names are cut");

    const index = await updateHistory(s3, { max: 3 });
    assert.deepEqual(index.entries.map((x) => x.folder), full.entries.slice(0, 3).map((x) => x.folder));
    assert.equal(index.windows_total, full.windows_total);
    assert.equal(index.older_windows, full.windows_total - 3);
    assert.ok(index.older_windows >= 4, `older windows counted (${index.older_windows})`);
    const html = await getText(s3, BUCKETS.reports, HISTORY_KEYS.html);
    assert.match(html, new RegExp(`${index.older_windows} older window`));
    assert.ok(Buffer.byteLength(html) < 64 << 10, `page of 3 windows is small (${Buffer.byteLength(html)} bytes)`);
    await updateHistory(s3);
  });

  it("escapes hostile column names and report text, marks unreadable reports, and reads well in Chromium", async () => {
    const hostile = [`<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, `a&b' onmouseover='alert(3)`];
    await putText(s3, BUCKETS.reports, `${folderOf(W(8))}/report.json`, foreignReport(W(8), hostile, ["</code></td><td>x"]), "application/json");
    await putText(s3, BUCKETS.reports, `${folderOf(W(9))}/report.json`, "{ truncated", "application/json");
    await updateHistory(s3);
    const html = await getText(s3, BUCKETS.reports, HISTORY_KEYS.html);
    assert.ok(!html.includes("<script>") && !html.includes("<img") && !html.includes("<b>now</b>"), "nothing from a report becomes markup");
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    const index = await readIndex();
    assert.deepEqual([...index.entries.find((e) => e.folder === folderOf(W(8)))!.drifted_columns].sort(), [...hostile].sort());
    assert.match(index.entries.find((e) => e.folder === folderOf(W(9)))!.error ?? "", /not JSON/);

    const dir = mkdtempSync(join(tmpdir(), "dj-history-"));
    let browser: Browser | undefined;
    try {
      const file = join(dir, "index.html");
      writeFileSync(file, html);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      const dialogs: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      await page.hover("text=a&b' onmouseover='alert(3)").catch(() => undefined);
      assert.deepEqual(dialogs, [], "no script ran");
      assert.deepEqual(requests.filter((u) => !u.startsWith("file:")), [], "no network request");
      assert.equal(await page.locator("img, script").count(), 0);
      const text = (await page.textContent("body")) ?? "";
      for (const expected of ["Drift history", "<script>alert(1)</script>", "not enough data", "report unreadable", "no drift"]) assert.ok(text.includes(expected), `page shows "${expected}"`);
      const rows = await page.locator("tbody tr").count();
      assert.equal(rows, index.entries.length);
      const dots = await page.locator("svg circle").count();
      assert.ok(dots >= index.entries.length - 1, `one point per window with a result (${dots})`);
      const shots = process.env.DRIFT_LOOP_SCREENSHOTS ?? join(tmpdir(), "drift-loop-screenshots");
      mkdirSync(shots, { recursive: true });
      writeFileSync(join(shots, "drift-history.png"), await page.screenshot({ fullPage: true }));
    } finally {
      await browser?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
