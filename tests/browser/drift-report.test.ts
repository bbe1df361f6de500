/**
 * The HTML drift report as people see it: opened from disk in headless Chromium (Debian's
 * chromium, driven by playwright-core), with a screenshot that must not be blank and must
 * show the summary, the drifted columns first and the charts. The page must make no
 * network request. The screenshot is kept at $DRIFT_LOOP_SCREENSHOTS (default: the OS
 * temp folder) for a person to look at.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { analyze } from "../../drift-job/src/analyze";
import { DEFAULT_POLICY } from "../../drift-job/src/policy";
import { renderHtml } from "../../drift-job/src/report/html";
import { computeDrift } from "../../drift-job/src/stats";
import type { Column, Dataset } from "../../drift-job/src/types";
import { categories, integers, normals } from "../stats/data";
import { sampleReport } from "../driftjob/fixtures";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** Mean and variance of the luminance of a PNG, computed by the browser itself (no image library needed). */
async function pixelStats(browser: Browser, png: Buffer): Promise<{ mean: number; variance: number; width: number; height: number }> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (b64: string) => {
      // Runs in the page: browser globals (the test's tsconfig has no DOM types).
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const w = globalThis as any;
      const document = w.document;
      const img = new w.Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext("2d")!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let sum = 0;
      let sq = 0;
      const n = d.length / 4;
      for (let i = 0; i < d.length; i += 4) {
        const y = 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
        sum += y;
        sq += y * y;
      }
      const mean = sum / n;
      return { mean, variance: sq / n - mean * mean, width: c.width, height: c.height };
    }, png.toString("base64"));
  } finally {
    await page.close();
  }
}

describe("drift report in a browser", function () {
  this.timeout(120_000);
  let browser: Browser;
  let dir: string;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    dir = mkdtempSync(join(tmpdir(), "dj-browser-"));
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows the summary, drifted columns first, charts and the retrain decision, offline", async () => {
    const file = join(dir, "report.html");
    writeFileSync(file, renderHtml(sampleReport()));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });

    const text = (await page.textContent("body")) ?? "";
    for (const expected of ["Data drift report", "Drifted columns", "2 of 5", "Policy fired", "income", "home_ownership", "Prediction drift", "Model quality", "not compared"]) {
      assert.ok(text.includes(expected), `page shows "${expected}"`);
    }
    const order = await page.$$eval("main > table tbody tr td:first-child b", (bs) => bs.map((b) => b.textContent));
    assert.deepEqual(order.slice(0, 2).sort(), ["home_ownership", "income"], "drifted columns come first");
    assert.equal(order[2], "credit_score", "then the column that could not be compared");
    const bars = await page.$$eval("svg rect", (rs) => rs.filter((r) => r.getBoundingClientRect().height > 0.5).length);
    assert.ok(bars >= 20, `histogram bars are drawn (${bars})`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const fill = (r: unknown) => (globalThis as any).getComputedStyle(r).fill as string;
    const refFill = await page.$eval("svg rect.r", fill);
    const curFill = await page.$eval("svg rect.c", fill);
    assert.notEqual(refFill, curFill, "reference and current bars have different colours");
    assert.deepEqual(
      requests.filter((u) => !u.startsWith("file:")),
      [],
      "no network request",
    );

    const png = await page.screenshot({ fullPage: true });
    const shots = process.env.DRIFT_LOOP_SCREENSHOTS ?? join(tmpdir(), "drift-loop-screenshots");
    mkdirSync(shots, { recursive: true });
    writeFileSync(join(shots, "drift-report.png"), png);
    const s = await pixelStats(browser, png);
    assert.ok(s.width >= 1280 && s.height > 600, `screenshot ${s.width}x${s.height}`);
    assert.ok(s.variance > 200, `screenshot is not blank (luminance variance ${s.variance.toFixed(0)})`);
    assert.ok(s.mean > 150, `mostly light background (mean ${s.mean.toFixed(0)})`);
    await page.close();
  });

  it("reads as a data scientist expects: label as categories, bins named by their ranges, true compute time, thin columns marked", async () => {
    const side = (n: number, seed: number, shift: number): Dataset => {
      const cols: Record<string, Column> = {
        income: { kind: "num", values: normals(n, seed, 50_000 + shift * 20_000, 15_000) },
        age: { kind: "num", values: integers(n, seed + 1, 60).map((v) => v + 18), integer: true },
        home: { kind: "cat", values: categories(n, seed + 2, ["rent", "own", "mortgage"], [3, 1 + shift * 3, 2]) },
        default: { kind: "num", values: integers(n, seed + 3, 2, [4 - shift * 2, 1 + shift]), integer: true },
      };
      return { rows: n, columns: cols };
    };
    let clock = 1_000;
    const report = analyze({ reference: side(3000, 1, 0), current: side(2000, 9, 1), referenceName: "ref.csv", currentName: "cur.csv" }, { drift: {}, model: { prediction: "prediction", probability: "probability", label: "default" }, policy: DEFAULT_POLICY }, (r, c, o) => {
      clock += 1_234; // the comparison "takes" 1.234 s
      return computeDrift(r, c, o);
    }, () => clock);
    assert.equal(report.columns.default.column_type, "cat", "the label is categorical");
    assert.equal(report.meta.duration_ms, 1_234);
    const thin = analyze({ reference: side(3000, 1, 0), current: side(5, 9, 1), referenceName: "ref.csv", currentName: "one-row.csv" }, { drift: {}, model: { prediction: "prediction", probability: "probability", label: "default" }, policy: DEFAULT_POLICY }, computeDrift);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const file = join(dir, "real.html");
    writeFileSync(file, renderHtml(report));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    const row = (name: string) => page.locator("main > table tbody tr", { has: page.locator(`td:first-child b:text-is("${name}")`) });
    assert.equal(((await row("default").locator("td").nth(1).textContent()) ?? "").trim(), "cat");
    // Numeric bins: the axis names at least three edges, none overlapping; each tooltip gives a range.
    const ticks = await row("income").locator("svg text").evaluateAll((ts) => ts.map((t) => { const b = t.getBoundingClientRect(); return { text: t.textContent ?? "", left: b.left, right: b.right }; }));
    assert.ok(ticks.length >= 3, `income axis ticks: ${JSON.stringify(ticks.map((t) => t.text))}`);
    for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i].left >= ticks[i - 1].right, `ticks ${ticks[i - 1].text} and ${ticks[i].text} overlap`);
    const titles = await row("income").locator("svg title").allTextContents();
    assert.ok(titles.length > 3 && titles.every((t) => /^-?[\d.e+-]+ to -?[\d.e+-]+ \(.*\): reference [\d.<%]+ \([\d,]+\), current/.test(t)), titles[0]);
    const homeTicks = await row("home").locator("svg text").allTextContents();
    assert.deepEqual([...homeTicks].sort(), ["mortgage", "own", "rent"], "each category named under its bars");
    const footer = (await page.textContent("footer")) ?? "";
    assert.match(footer, /compared in 1\.2 s/);
    mkdirSync(process.env.DRIFT_LOOP_SCREENSHOTS ?? join(tmpdir(), "drift-loop-screenshots"), { recursive: true });
    writeFileSync(join(process.env.DRIFT_LOOP_SCREENSHOTS ?? join(tmpdir(), "drift-loop-screenshots"), "drift-report-credit.png"), await page.screenshot({ fullPage: true }));

    writeFileSync(file, renderHtml(thin));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    const text = (await page.textContent("body")) ?? "";
    for (const expected of ["Not enough data", "not enough data", "3,000 / 5 values, needs 30 per side", "never ask for a retrain"]) assert.ok(text.includes(expected), `page shows "${expected}"`);
    await page.close();
  });
});
