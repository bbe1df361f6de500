/**
 * Serialising a report and writing it to a local folder atomically: every file is first
 * written in full to a temporary name next to its target, then renamed over it, so a
 * failed run leaves the previous report.json / report.html intact.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { DriftReport } from "../analyze";
import { capHistogram } from "./format";
import { renderHtml } from "./html";

/** Categorical histograms in report.json keep at most this many bins (the rest fold into one). */
export const JSON_MAX_BINS = 100;

export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputError";
  }
}

/** report.json text: bounded histograms, no NaN (JSON has none: null). */
export function reportJson(r: DriftReport): string {
  const capped = {
    ...r,
    columns: Object.fromEntries(Object.entries(r.columns).map(([k, c]) => [k, { ...c, histogram: capHistogram(c.histogram, JSON_MAX_BINS) }])),
  };
  return JSON.stringify(capped, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n";
}

export type ReportFiles = {
  "report.json": string;
  "report.html": string;
};

export function reportFiles(r: DriftReport): ReportFiles {
  return { "report.json": reportJson(r), "report.html": renderHtml(r) };
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
