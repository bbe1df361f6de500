/**
 * The current window from production request logs: the model API's NDJSON objects under
 * `requests/YYYY/MM/DD/HH/` (layout and reader in lib/request-log.ts, shared so
 * that writer and reader cannot disagree). Each logged row becomes one row of features,
 * `prediction`, `probability` and, when the client sent the ground truth, the label
 * column (lib/schema LABEL), so performance drift can be measured on labelled traffic.
 */
import type { Client } from "minio";
import { BUCKETS } from "../../lib/contract";
import type { Logger } from "../../lib/logger";
import { FEATURE_NAMES, LABEL, PREDICTION, PROBABILITY } from "../../lib/schema";
import { readRequestWindow } from "../../lib/request-log";
import { NdjsonAccumulator } from "./io/ndjson";
import type { LoadedData } from "./sources";
import { type RetryTuning, s3Retry } from "./storage";

export async function loadRequestWindow(c: Client, window: { start: Date; end: Date }, log?: Logger, tuning?: RetryTuning): Promise<LoadedData> {
  // The window is [start, end); the reader's end is inclusive.
  const w = { start: window.start, end: new Date(window.end.getTime() - 1) };
  const name = `s3://${BUCKETS.requests}/ ${window.start.toISOString()} .. ${window.end.toISOString()}`;
  const res = await s3Retry(`reading request logs ${name}`, () => readRequestWindow(c, w), log, tuning);
  const acc = new NdjsonAccumulator();
  const versions = new Map<string, number>();
  for (const r of res.records) {
    const row: Record<string, unknown> = {};
    for (const f of FEATURE_NAMES) row[f] = r.features[f] ?? null;
    row[PREDICTION] = r.prediction;
    row[PROBABILITY] = r.probability;
    if (r.label !== undefined) row[LABEL] = r.label;
    acc.addRow(row);
    versions.set(r.model_version, (versions.get(r.model_version) ?? 0) + 1);
  }
  // Keys absent from every row (e.g. no labelled traffic) are simply not columns.
  const dataset = acc.finish();
  const notes: string[] = [`${res.keys.length} request log object(s), ${res.records.length} row(s) in the window`];
  if (res.invalid.length) {
    const first = res.invalid.slice(0, 3).map((i) => `${i.key}:${i.line} ${i.reason}`);
    notes.push(`${res.invalid.length} request log line(s) skipped as invalid, e.g. ${first.join("; ")}`);
  }
  const byCount = [...versions.entries()].sort((a, b) => b[1] - a[1]);
  if (byCount.length > 1) notes.push(`traffic was served by ${byCount.length} model versions: ${byCount.map(([v, n]) => `${v} (${n})`).join(", ")}`);
  return { dataset, name, modelVersion: byCount[0]?.[0], notes };
}
