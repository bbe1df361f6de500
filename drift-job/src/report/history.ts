/**
 * The drift history: `s3://reports/index.html` (for people) and `index.json` (for
 * programs) beside the window folders, one row per stored window, newest first, so drift
 * over weeks can be read without opening each report.
 *
 * The index is derived from what is stored, never appended to: every update lists the
 * `<window end>/report.json` objects, keeps the newest HISTORY_MAX_WINDOWS (and counts the
 * older ones), reuses the previous index's entry of a report whose ETag is unchanged and
 * reads the others. So a missing or corrupt index is rebuilt, a failed run (which stores
 * no report, or whose index write fails) loses nothing, and a report rewritten later
 * (the retrain outcome) is picked up. Concurrent runs: after writing, the writer lists
 * again and rebuilds when a report appeared or changed meanwhile, so the last writer's
 * index holds every report stored before it finished (and the next run repairs the rest).
 * Each object is written in one PUT, so readers see the old index or the new one.
 */
import type { Client } from "minio";
import { BUCKETS } from "../../../lib/contract";
import type { Logger } from "../../../lib/logger";
import { getText, putText } from "../../../lib/s3";
import { isMissing, type RetryTuning, s3Retry } from "../storage";
import { fmtInt, fmtPct, fmtScore, sortColumns } from "./format";
import { esc } from "./html";

/** Windows on the page and in index.json; older ones are counted. */
export const HISTORY_MAX_WINDOWS = 1000;
/** Drifted column names kept per window in index.json (the count is always exact). */
export const HISTORY_MAX_NAMES = 20;
/** Drifted column names shown per row on the page, each cut to PAGE_NAME_LENGTH (the full name in its tooltip). */
const PAGE_NAMES = 6;
const PAGE_NAME_LENGTH = 40;
/** Longest text kept from a report (a column name, the retrain action, ...). */
const MAX_TEXT = 120;
/** Reports read at a time when (re)building. */
const READ_CONCURRENCY = 4;
/** Rebuilds after a listing changed under a write (concurrent runs). */
const MAX_PASSES = 3;

/**
 * Upper bound of index.html and of index.json whatever the reports hold (every text at its
 * cut length and made of characters that escape longest): checked by
 * tests/driftjob/history.test.ts. A page of 1,000 ordinary windows is well under 1 MB.
 */
export const HISTORY_MAX_BYTES = 12 << 20;

export const HISTORY_KEYS = { html: "index.html", json: "index.json" } as const;
export const HISTORY_URI = `s3://${BUCKETS.reports}/${HISTORY_KEYS.html}`;

/** `<window end>/report.json`, as storage.reportFolder names folders. */
const REPORT_KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)\/report\.json$/;

export interface HistoryEntry {
  /** The window's folder (`2026-03-01T01-00-00Z`); its report is `<folder>/report.html`. */
  folder: string;
  /** ETag of the report.json the entry was read from. */
  etag: string;
  window_start: string | null;
  window_end: string;
  source: string | null;
  /** Rows in the current window. */
  rows: number | null;
  reference_rows: number | null;
  dataset_drift: boolean | null;
  share_of_drifted_columns: number | null;
  /** Share at which the dataset counts as drifted. */
  drift_share: number | null;
  number_of_drifted_columns: number | null;
  number_of_columns: number | null;
  /** Drifted columns, strongest first, at most HISTORY_MAX_NAMES (each cut to MAX_TEXT characters). */
  drifted_columns: string[];
  /** No column had enough values for a decision: nothing was flagged. */
  not_enough_data: boolean;
  columns_without_enough_data: number | null;
  max_psi: number | null;
  retrain_fired: boolean | null;
  retrain_action: string | null;
  model_version: string | null;
  mlflow_run_id: string | null;
  /** Set when report.json could not be read or parsed: the other fields are null. */
  error?: string;
}

export interface HistoryIndex {
  version: 1;
  generated_at: string;
  /** Every stored window (report.json) in the bucket. */
  windows_total: number;
  /** Windows left off the index (older than the newest HISTORY_MAX_WINDOWS). */
  older_windows: number;
  /** Newest first. */
  entries: HistoryEntry[];
}

const cut = (s: string) => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT - 1) + "…" : s);
const num = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);
const str = (x: unknown): string | null => (typeof x === "string" ? cut(x) : null);
const bool = (x: unknown): boolean | null => (typeof x === "boolean" ? x : null);
const obj = (x: unknown): Record<string, unknown> => (x && typeof x === "object" && !Array.isArray(x) ? (x as Record<string, unknown>) : {});

/** `2026-03-01T01-00-00Z` -> `2026-03-01T01:00:00.000Z`. */
function folderTime(folder: string): string {
  return new Date(folder.replace(/T(\d{2})-(\d{2})-(\d{2})Z$/, "T$1:$2:$3Z")).toISOString();
}

/** One row of the history from a report.json text (any text: an unreadable report gives an entry with `error`). */
export function historyEntry(folder: string, etag: string, text: string): HistoryEntry {
  const base: HistoryEntry = {
    folder,
    etag,
    window_start: null,
    window_end: folderTime(folder),
    source: null,
    rows: null,
    reference_rows: null,
    dataset_drift: null,
    share_of_drifted_columns: null,
    drift_share: null,
    number_of_drifted_columns: null,
    number_of_columns: null,
    drifted_columns: [],
    not_enough_data: false,
    columns_without_enough_data: null,
    max_psi: null,
    retrain_fired: null,
    retrain_action: null,
    model_version: null,
    mlflow_run_id: null,
  };
  let r: Record<string, unknown>;
  try {
    r = obj(JSON.parse(text));
  } catch (err) {
    return { ...base, error: `report.json is not JSON: ${cut((err as Error).message)}` };
  }
  if (typeof r.dataset_drift !== "boolean" || !r.columns || typeof r.columns !== "object") return { ...base, error: "report.json is not a drift report" };
  const meta = obj(r.meta);
  const win = obj(meta.window);
  const retrain = obj(r.retrain);
  const columns = obj(r.columns) as Parameters<typeof sortColumns>[0];
  const drifted = sortColumns(columns)
    .filter(([, c]) => obj(c).drift_detected === true)
    .map(([name]) => name);
  return {
    ...base,
    window_start: str(win.start),
    source: str(win.source),
    rows: num(obj(meta.current).rows),
    reference_rows: num(obj(meta.reference).rows),
    dataset_drift: r.dataset_drift,
    share_of_drifted_columns: num(r.share_of_drifted_columns),
    drift_share: num(r.drift_share),
    number_of_drifted_columns: num(r.number_of_drifted_columns),
    number_of_columns: num(r.number_of_columns),
    drifted_columns: drifted.slice(0, HISTORY_MAX_NAMES).map(cut),
    not_enough_data: retrain.undecided === true,
    columns_without_enough_data: num(r.number_of_columns_without_enough_data),
    max_psi: num(retrain.max_psi),
    retrain_fired: bool(retrain.fired),
    retrain_action: str(retrain.action),
    model_version: str(meta.model_version),
    mlflow_run_id: str(meta.mlflow_run_id),
  };
}

const FIELDS: Record<Exclude<keyof HistoryEntry, "folder" | "etag" | "window_end" | "drifted_columns" | "not_enough_data" | "error">, "string" | "number" | "boolean"> = {
  window_start: "string",
  source: "string",
  rows: "number",
  reference_rows: "number",
  dataset_drift: "boolean",
  share_of_drifted_columns: "number",
  drift_share: "number",
  number_of_drifted_columns: "number",
  number_of_columns: "number",
  columns_without_enough_data: "number",
  max_psi: "number",
  retrain_fired: "boolean",
  retrain_action: "string",
  model_version: "string",
  mlflow_run_id: "string",
};

/** An entry of a stored index that can be reused as it is: every field of its type, within the bounds. */
function validEntry(e: unknown): e is HistoryEntry {
  const x = obj(e);
  if (typeof x.folder !== "string" || !REPORT_KEY.test(`${x.folder}/report.json`) || typeof x.etag !== "string" || x.window_end !== folderTime(x.folder)) return false;
  if (typeof x.not_enough_data !== "boolean" || (x.error !== undefined && typeof x.error !== "string")) return false;
  if (!Array.isArray(x.drifted_columns) || x.drifted_columns.length > HISTORY_MAX_NAMES || !x.drifted_columns.every((n) => typeof n === "string" && n.length <= MAX_TEXT)) return false;
  return Object.entries(FIELDS).every(([k, t]) => x[k] === null || (typeof x[k] === t && (t !== "string" || (x[k] as string).length <= MAX_TEXT) && (t !== "number" || Number.isFinite(x[k]))));
}

/** A stored index.json, or undefined when it is not one (then the index is rebuilt from the reports). */
export function parseHistory(text: string): HistoryIndex | undefined {
  try {
    const h = JSON.parse(text) as HistoryIndex;
    if (h?.version !== 1 || !Array.isArray(h.entries) || !h.entries.every(validEntry)) return undefined;
    return h;
  } catch {
    return undefined;
  }
}

interface Listed {
  folder: string;
  etag: string;
}

/** The newest `max` report.json objects (newest first) and how many there are in all; memory bounded by `max`. */
export async function listReports(c: Client, max = HISTORY_MAX_WINDOWS): Promise<{ newest: Listed[]; total: number }> {
  let kept: Listed[] = [];
  let total = 0;
  const stream = c.listObjectsV2(BUCKETS.reports, "", true);
  for await (const item of stream as AsyncIterable<{ name?: string; etag?: string }>) {
    const m = item.name ? REPORT_KEY.exec(item.name) : null;
    if (!m) continue;
    total++;
    kept.push({ folder: m[1], etag: String(item.etag ?? "").replace(/"/g, "") });
    if (kept.length >= 2 * max) kept = kept.slice(-max);
  }
  // Keys come in lexicographic order, which is time order for these folder names.
  kept.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
  return { newest: kept.slice(-max).reverse(), total };
}

async function mapPool<T, R>(items: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

async function readIndex(c: Client, log?: Logger, tuning?: RetryTuning): Promise<HistoryIndex | undefined> {
  let text: string;
  try {
    text = await s3Retry(`reading s3://${BUCKETS.reports}/${HISTORY_KEYS.json}`, () => getText(c, BUCKETS.reports, HISTORY_KEYS.json), log, tuning);
  } catch (err) {
    if (isMissing(err)) {
      log?.info("no history index yet: building it from the stored reports");
      return undefined;
    }
    throw err;
  }
  const h = parseHistory(text);
  if (!h) log?.warn({ key: HISTORY_KEYS.json }, "history index is unreadable: rebuilding it from the stored reports");
  return h;
}

/** Builds the index from a listing, reusing `previous` entries whose report is unchanged. */
async function buildIndex(c: Client, listing: { newest: Listed[]; total: number }, previous: Map<string, HistoryEntry>, now: () => number, log?: Logger, tuning?: RetryTuning): Promise<HistoryIndex> {
  const entries = await mapPool(listing.newest, READ_CONCURRENCY, async ({ folder, etag }) => {
    const known = previous.get(folder);
    if (known && known.etag === etag) return known;
    const key = `${folder}/report.json`;
    try {
      const text = await s3Retry(`reading s3://${BUCKETS.reports}/${key}`, () => getText(c, BUCKETS.reports, key), log, tuning);
      return historyEntry(folder, etag, text);
    } catch (err) {
      // Deleted between the listing and the read: drop it; the next listing agrees.
      if (isMissing(err)) return undefined;
      throw err;
    }
  });
  const kept = entries.filter((e): e is HistoryEntry => e !== undefined);
  return { version: 1, generated_at: new Date(now()).toISOString(), windows_total: listing.total - (entries.length - kept.length), older_windows: Math.max(0, listing.total - listing.newest.length), entries: kept };
}

const sameListing = (a: Listed[], b: Listed[]) => a.length === b.length && a.every((x, i) => x.folder === b[i].folder && x.etag === b[i].etag);

/**
 * Brings index.json and index.html up to date with the stored reports. Throws a
 * StorageError when MinIO fails (the previous index is then left as it was).
 */
export async function updateHistory(c: Client, opts: { log?: Logger; retry?: RetryTuning; now?: () => number; max?: number } = {}): Promise<HistoryIndex> {
  const { log, retry } = opts;
  const now = opts.now ?? Date.now;
  const max = opts.max ?? HISTORY_MAX_WINDOWS;
  const previous = new Map((await readIndex(c, log, retry))?.entries.map((e) => [e.folder, e]) ?? []);
  let listing = await s3Retry(`listing s3://${BUCKETS.reports}/`, () => listReports(c, max), log, retry);
  for (let pass = 1; ; pass++) {
    const index = await buildIndex(c, listing, previous, now, log, retry);
    // HTML first: index.json is what programs read, so it lands last.
    await s3Retry(`writing s3://${BUCKETS.reports}/${HISTORY_KEYS.html}`, () => putText(c, BUCKETS.reports, HISTORY_KEYS.html, renderHistoryHtml(index), "text/html; charset=utf-8"), log, retry);
    await s3Retry(`writing s3://${BUCKETS.reports}/${HISTORY_KEYS.json}`, () => putText(c, BUCKETS.reports, HISTORY_KEYS.json, JSON.stringify(index, null, 1) + "\n", "application/json"), log, retry);
    const again = await s3Retry(`listing s3://${BUCKETS.reports}/`, () => listReports(c, max), log, retry);
    if (sameListing(again.newest, listing.newest) && again.total === listing.total) return index;
    if (pass >= MAX_PASSES) {
      log?.warn({ passes: pass }, "reports kept changing while the history index was written; the next run brings it up to date");
      return index;
    }
    for (const e of index.entries) previous.set(e.folder, e);
    listing = again;
  }
}

const CSS = `
:root{--bad:#c0392b;--ok:#2e8b57;--warn:#b7791f;--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f7f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.sub{color:var(--muted);margin:0 0 18px}
.chart{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{padding:6px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th.n{text-align:right}
th{background:#eef1f5;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.when{white-space:nowrap;font-variant-numeric:tabular-nums}
td.names{max-width:420px;overflow-wrap:anywhere}
tr.drift td:first-child{border-left:4px solid var(--bad)}
tr.thin td:first-child,tr.err td:first-child{border-left:4px solid var(--warn)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.bad{background:#fdecea;color:var(--bad)}.badge.ok{background:#e6f4ea;color:var(--ok)}.badge.warn{background:#fff4e0;color:var(--warn)}
.legend{color:var(--muted);font-size:12.5px}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
a{color:#2f5d9e}
footer{color:var(--muted);font-size:12px;margin-top:28px}
svg{display:block}
`;

/** Share of drifted columns per window over time: red dots for dataset drift, hollow amber for "not enough data". */
export function historyChartSvg(entries: HistoryEntry[], width = 1130, height = 170): string {
  const pts = entries.filter((e) => e.share_of_drifted_columns !== null || e.not_enough_data).slice().reverse();
  if (pts.length === 0) return `<svg width="${width}" height="40" role="img" aria-label="no windows"><text x="4" y="24" font-size="12" fill="#616e7c">No windows to chart yet.</text></svg>`;
  const left = 40;
  const right = 10;
  const top = 8;
  const plotH = height - top - 26;
  const t = pts.map((e) => Date.parse(e.window_end));
  const t0 = Math.min(...t);
  const t1 = Math.max(...t);
  const x = (ms: number) => left + (t1 === t0 ? (width - left - right) / 2 : ((ms - t0) / (t1 - t0)) * (width - left - right));
  const y = (share: number) => top + plotH - Math.max(0, Math.min(1, share)) * plotH;
  const parts: string[] = [];
  for (const s of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" y1="${y(s).toFixed(1)}" x2="${width - right}" y2="${y(s).toFixed(1)}" stroke="${s === 0 ? "#cbd2d9" : "#eef1f5"}"/>`);
    parts.push(`<text x="${left - 5}" y="${(y(s) + 3).toFixed(1)}" font-size="10" fill="#616e7c" text-anchor="end">${s * 100}%</text>`);
  }
  const threshold = entries.find((e) => e.drift_share !== null)?.drift_share;
  if (threshold !== null && threshold !== undefined) {
    parts.push(
      `<line x1="${left}" y1="${y(threshold).toFixed(1)}" x2="${width - right}" y2="${y(threshold).toFixed(1)}" stroke="#c0392b" stroke-dasharray="4 3" stroke-opacity=".6"><title>dataset drift at ≥ ${esc(fmtPct(threshold))} of columns (newest window)</title></line>`,
    );
  }
  const line = pts
    .filter((e) => e.share_of_drifted_columns !== null && !e.not_enough_data)
    .map((e) => `${x(Date.parse(e.window_end)).toFixed(1)},${y(e.share_of_drifted_columns!).toFixed(1)}`);
  if (line.length > 1) parts.push(`<polyline points="${line.join(" ")}" fill="none" stroke="#5b7db8" stroke-width="1.5"/>`);
  const r = pts.length > 300 ? 2 : 3.5;
  for (const e of pts) {
    const cx = x(Date.parse(e.window_end)).toFixed(1);
    const label = `${e.window_end}: ${e.not_enough_data ? "not enough data" : `${fmtPct(e.share_of_drifted_columns ?? 0)} of columns drifted${e.dataset_drift ? " (dataset drift)" : ""}`}`;
    const shape = e.not_enough_data
      ? `<circle cx="${cx}" cy="${y(0).toFixed(1)}" r="${r}" fill="#fff" stroke="#b7791f" stroke-width="1.5"/>`
      : `<circle cx="${cx}" cy="${y(e.share_of_drifted_columns ?? 0).toFixed(1)}" r="${r}" fill="${e.dataset_drift ? "#c0392b" : "#2e8b57"}"/>`;
    parts.push(`<g><title>${esc(label)}</title>${shape}</g>`);
  }
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
  parts.push(`<text x="${left}" y="${height - 6}" font-size="10" fill="#616e7c">${esc(day(t0))}</text>`);
  if (t1 !== t0) parts.push(`<text x="${width - right}" y="${height - 6}" font-size="10" fill="#616e7c" text-anchor="end">${esc(day(t1))}</text>`);
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" style="width:100%;height:auto" role="img" aria-label="share of drifted columns per window over time">${parts.join("")}</svg>`;
}

/** `2026-05-01T01:00:00.000Z` -> `2026-05-01 01:00` (UTC); any other text as it is. */
function minute(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:00(\.000)?)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}

function entryRow(e: HistoryEntry): string {
  const link = `<a href="${esc(e.folder)}/report.html">report</a> · <a href="${esc(e.folder)}/report.json">json</a>`;
  const when = `<td class="when"><b>${esc(minute(e.window_end))}</b>${e.window_start ? `<div class="legend">from ${esc(e.window_start.slice(0, 10) === e.window_end.slice(0, 10) ? minute(e.window_start).slice(11) : minute(e.window_start))}${e.source ? ` · ${esc(e.source)}` : ""}</div>` : ""}</td>`;
  if (e.error) return `<tr class="err">${when}<td colspan="5"><span class="badge warn">report unreadable</span> <span class="legend">${esc(e.error)}</span></td><td>${link}</td></tr>`;
  const drifted = e.number_of_drifted_columns ?? e.drifted_columns.length;
  const cls = e.dataset_drift ? "drift" : e.not_enough_data ? "thin" : "";
  const badge = e.dataset_drift
    ? `<span class="badge bad">drift</span>`
    : e.not_enough_data
      ? `<span class="badge warn">not enough data</span>`
      : `<span class="badge ok">no drift</span>`;
  const shown = e.drifted_columns.slice(0, PAGE_NAMES);
  const more = drifted - shown.length;
  const short = (n: string) => (n.length > PAGE_NAME_LENGTH ? `<code title="${esc(n)}">${esc(n.slice(0, PAGE_NAME_LENGTH - 1))}…</code>` : `<code>${esc(n)}</code>`);
  const names = shown.length ? shown.map(short).join(", ") + (more > 0 ? ` <span class="legend">+${fmtInt(more)} more</span>` : "") : `<span class="legend">none</span>`;
  const share = e.not_enough_data ? `<span class="legend">no decision</span>` : e.share_of_drifted_columns === null ? "n/a" : `${fmtPct(e.share_of_drifted_columns)}<div class="legend">${fmtInt(drifted)} of ${fmtInt(e.number_of_columns ?? 0)}</div>`;
  const thin = e.columns_without_enough_data ? `<div class="legend">${fmtInt(e.columns_without_enough_data)} column(s) without enough data</div>` : "";
  const retrain = e.retrain_fired ? `<span class="badge bad">fired</span>` : e.retrain_fired === false ? `<span class="legend">no</span>` : `<span class="legend">n/a</span>`;
  return (
    `<tr class="${cls}">${when}<td class="n">${e.rows === null ? "n/a" : fmtInt(e.rows)}</td><td>${badge}${thin}</td><td class="n">${share}</td>` +
    `<td class="names">${names}</td><td>${retrain}${e.max_psi !== null ? `<div class="legend">max PSI ${fmtScore(e.max_psi)}</div>` : ""}</td><td>${link}</td></tr>`
  );
}

/** index.html: self-contained (inline CSS and SVG, no script); its size is bounded by HISTORY_MAX_WINDOWS. */
export function renderHistoryHtml(h: HistoryIndex): string {
  const n = h.entries.length;
  const drifted = h.entries.filter((e) => e.dataset_drift).length;
  const thin = h.entries.filter((e) => e.not_enough_data).length;
  const span = n ? `${esc(h.entries[n - 1].window_end.slice(0, 10))} to ${esc(h.entries[0].window_end.slice(0, 10))}` : "";
  const older = h.older_windows > 0 ? `<p class="legend">${fmtInt(h.older_windows)} older window(s) are not listed here (only the newest ${fmtInt(n)}); their reports are still in the bucket.</p>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Drift history (${fmtInt(n)} windows)</title><style>${CSS}</style></head>
<body><main>
<h1>Drift history</h1>
<p class="sub">${fmtInt(n)} window(s)${span ? `, ${span}` : ""}: <b style="color:${drifted ? "var(--bad)" : "inherit"}">${fmtInt(drifted)} with dataset drift</b>, ${fmtInt(thin)} without enough data · newest first</p>
<div class="chart">${historyChartSvg(h.entries)}<p class="legend" style="margin:4px 0 0">Share of drifted columns per window. <span style="color:var(--bad)">●</span> dataset drift <span style="color:var(--ok)">●</span> no dataset drift <span style="color:var(--warn)">○</span> not enough data (no decision) · dashed: the dataset drift threshold.</p></div>
<h2>Windows</h2>
<table><thead><tr><th>Window end (UTC)</th><th class="n">Rows</th><th>Dataset drift</th><th class="n">Drifted columns</th><th>Which columns</th><th>Retrain policy</th><th>Report</th></tr></thead><tbody>
${h.entries.map(entryRow).join("\n")}
</tbody></table>
${older}
<footer>Built ${esc(h.generated_at)} from the report.json files in this bucket · the same rows are in <a href="index.json">index.json</a></footer>
</main></body></html>
`;
}
