/**
 * Serialising a report and writing it to a local folder atomically: every file is first
 * written in full to a temporary name next to its target, then renamed over it, so a
 * failed run leaves the previous report.json / report.html intact.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { DriftReport } from "../analyze";
import type { Histogram } from "../types";
import { capHistogram } from "./format";
import { renderHtml } from "./html";

/** Categorical histograms in report.json keep at most this many bins (the rest fold into one). */
export const JSON_MAX_BINS = 100;
/**
 * Target size of each report file. Category labels are already cut (MAX_LABEL_LENGTH)
 * and the readers refuse more than MAX_COLUMNS columns or longer names; when a report
 * with many columns still exceeds this, it is written again with fewer histogram bins
 * (20, 5, then none). REPORT_HARD_LIMIT_BYTES is what that leaves in the worst case
 * (every limit reached), checked by tests/driftjob/report-bounds.test.ts.
 */
export const REPORT_TARGET_BYTES = 16 << 20;
export const REPORT_HARD_LIMIT_BYTES = 64 << 20;
/** Histogram bins tried in turn until a report fits REPORT_TARGET_BYTES. */
const BIN_STEPS = [20, 5, 0];

export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputError";
  }
}

/** report.json text: bounded histograms (at most `maxBins` bins, 0 = none), no NaN (JSON has none: null). */
export function reportJson(r: DriftReport, maxBins = JSON_MAX_BINS): string {
  const cap = (h: Histogram) => (maxBins > 0 ? capHistogram(h, maxBins) : { bins: [], referenceCounts: [], currentCounts: [], reference: [], current: [], folded: h.bins.length });
  const capped = {
    ...r,
    columns: Object.fromEntries(Object.entries(r.columns).map(([k, c]) => [k, { ...c, histogram: cap(c.histogram) }])),
    ...(r.prediction_drift
      ? { prediction_drift: { ...r.prediction_drift, columns: Object.fromEntries(Object.entries(r.prediction_drift.columns).map(([k, c]) => [k, { ...c, histogram: cap(c.histogram) }])) } }
      : {}),
  };
  return JSON.stringify(capped, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n";
}

export type ReportFiles = {
  "report.json": string;
  "report.html": string;
};

export function reportFiles(r: DriftReport): ReportFiles {
  let json = reportJson(r);
  for (const bins of BIN_STEPS) {
    if (Buffer.byteLength(json) <= REPORT_TARGET_BYTES) break;
    json = reportJson(r, bins);
  }
  let html = renderHtml(r);
  for (const bins of BIN_STEPS) {
    if (Buffer.byteLength(html) <= REPORT_TARGET_BYTES) break;
    html = renderHtml(r, bins);
  }
  return { "report.json": json, "report.html": html };
}

/** Creates `dir` when needed; a path that exists and is not a folder is an OutputError. */
export function ensureDir(dir: string): void {
  try {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new OutputError(`--out ${dir} exists and is not a folder`);
    if (!st) mkdirSync(dir, { recursive: true });
  } catch (err) {
    if (err instanceof OutputError) throw err;
    throw new OutputError(`cannot create the output folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Writes all files to temporary names first, then renames each over its target. */
export function writeFilesAtomically(dir: string, files: Record<string, string | Buffer>): string[] {
  ensureDir(dir);
  const tag = `${process.pid}.${randomBytes(4).toString("hex")}`;
  const temps: [string, string][] = [];
  try {
    for (const [name, body] of Object.entries(files)) {
      const tmp = join(dir, `.${name}.${tag}.tmp`);
      temps.push([tmp, join(dir, name)]);
      const fd = openSync(tmp, "w", 0o644);
      try {
        const buf = typeof body === "string" ? Buffer.from(body) : body;
        let off = 0;
        while (off < buf.length) off += writeSync(fd, buf, off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    for (const [tmp, target] of temps) renameSync(tmp, target);
  } catch (err) {
    for (const [tmp] of temps) rmSync(tmp, { force: true });
    if (err instanceof OutputError) throw err;
    throw new OutputError(`cannot write the report to ${dir}: ${(err as NodeJS.ErrnoException).code ?? ""} ${(err as Error).message}`.trim());
  }
  return temps.map(([, t]) => t);
}
