/**
 * The production request log: its layout in MinIO and a reader for a time window.
 *
 * The model API appends every scored row to the `requests` bucket (BUCKETS.requests) as
 * NDJSON objects partitioned by the hour of each row's timestamp (UTC):
 *
 *     s3://requests/YYYY/MM/DD/HH/<pod>-<firstTsMillis>-<seq>.ndjson
 *
 * One line per scored row (a batch request of 100 rows gives 100 lines with the same
 * request_id). Every line of an object lies in the object's hour, so a reader of a window
 * lists only the hours that overlap it. Objects are written once and never changed.
 *
 * The model API writes through it (model-api/src/serving/request-log-writer.ts) and the drift check
 * reads through it (drift-job/src/requests.ts); it depends on neither.
 */
import type { Client } from "minio";
import { BUCKETS } from "./contract";
import { FEATURES, FEATURE_NAMES, LABEL, PREDICTION, PROBABILITY, type Row } from "./schema";
import { getText, listKeys } from "./s3";

/** One scored row, one line of a request log object. */
export interface RequestLogRecord {
  /** The HTTP request id (shared by the rows of one batch request). */
  request_id: string;
  /** Index of the row within its request (0 for single-row requests). */
  row: number;
  /** When the request was received, ISO 8601 UTC. */
  ts: string;
  /** The model version that scored the row (`GET /model`). */
  model_version: string;
  /** The features as received (null = missing). */
  features: Row;
  /** The predicted class (0 = repaid, 1 = default). */
  prediction: 0 | 1;
  /** The predicted probability of class 1. */
  probability: number;
  /** The ground-truth label when the client sent one (simulated traffic does), else absent. */
  label?: 0 | 1 | null;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `YYYY/MM/DD/HH/` (UTC) of an instant: the partition its rows are stored under. */
export function hourPrefix(t: Date | number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}/`;
}

/** The object key for rows whose first row is at `firstTs`, written by `pod` as its `seq`-th object. */
export function requestLogKey(pod: string, firstTs: Date | number, seq: number): string {
  const safePod = pod.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 100) || "pod";
  return `${hourPrefix(firstTs)}${safePod}-${new Date(firstTs).getTime()}-${pad(seq, 6)}.ndjson`;
}

/** Every hour partition that overlaps [start, end], oldest first. */
export function hourPrefixes(start: Date | number, end: Date | number): string[] {
  const s = new Date(start).getTime();
  const e = new Date(end).getTime();
  if (!(Number.isFinite(s) && Number.isFinite(e))) throw new RangeError("request log window: start and end must be valid dates");
  if (e < s) throw new RangeError(`request log window: end (${new Date(e).toISOString()}) is before start (${new Date(s).toISOString()})`);
  const out: string[] = [];
  const hour = 3_600_000;
  for (let t = Math.floor(s / hour) * hour; t <= e; t += hour) out.push(hourPrefix(t));
  return out;
}

/** The first-row timestamp encoded in a key (ms), or undefined when the key is not ours. */
export function keyTimestamp(key: string): number | undefined {
  const m = key.match(/-(\d{10,})-\d+\.ndjson$/);
  return m ? Number(m[1]) : undefined;
}

/** Thrown for a line that is not a request log record; names the line and the problem. */
export class RequestLogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RequestLogFormatError";
  }
}

/** Parses and checks one line; throws RequestLogFormatError naming what is wrong. */
export function parseRecord(line: string): RequestLogRecord {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    throw new RequestLogFormatError("not JSON");
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw new RequestLogFormatError("not a JSON object");
  const r = o as Record<string, unknown>;
  if (typeof r.request_id !== "string") throw new RequestLogFormatError("request_id must be a string");
  if (typeof r.ts !== "string" || Number.isNaN(Date.parse(r.ts))) throw new RequestLogFormatError("ts must be an ISO timestamp");
  if (typeof r.model_version !== "string") throw new RequestLogFormatError("model_version must be a string");
  if (r.prediction !== 0 && r.prediction !== 1) throw new RequestLogFormatError("prediction must be 0 or 1");
  if (typeof r.probability !== "number" || !(r.probability >= 0 && r.probability <= 1)) throw new RequestLogFormatError("probability must be a number in [0, 1]");
  if (typeof r.features !== "object" || r.features === null || Array.isArray(r.features)) throw new RequestLogFormatError("features must be an object");
  if (r.label !== undefined && r.label !== null && r.label !== 0 && r.label !== 1) throw new RequestLogFormatError("label must be 0, 1 or null");
  return {
    request_id: r.request_id,
    row: typeof r.row === "number" ? r.row : 0,
    ts: r.ts,
    model_version: r.model_version,
    features: r.features as Row,
    prediction: r.prediction,
    probability: r.probability,
    ...(r.label !== undefined ? { label: r.label as 0 | 1 | null } : {}),
  };
}

/** The lines of one object as NDJSON (what the writer puts). */
export function serializeRecords(records: readonly RequestLogRecord[]): string {
  let s = "";
  for (const r of records) s += JSON.stringify(r) + "\n";
  return s;
}

export interface RequestWindow {
  /** Inclusive start of the window. */
  start: Date;
  /** Inclusive end of the window. */
  end: Date;
}

export interface RequestWindowResult {
  /** Records with start <= ts <= end, ordered by time. */
  records: RequestLogRecord[];
  /** Object keys that were read. */
  keys: string[];
  /** Lines that could not be parsed (key, line number, reason); they are skipped, not fatal. */
  invalid: { key: string; line: number; reason: string }[];
}

/** Keys of the request log objects that may hold rows of the window, oldest first. */
export async function listRequestLogKeys(client: Client, window: RequestWindow, bucket: string = BUCKETS.requests): Promise<string[]> {
  const keys: string[] = [];
  const endMs = window.end.getTime();
  for (const prefix of hourPrefixes(window.start, window.end)) {
    for (const key of await listKeys(client, bucket, prefix)) {
      const first = keyTimestamp(key);
      // An object's rows are all at or after its first row: skip objects that start after the window.
      if (first !== undefined && first > endMs) continue;
      if (key.endsWith(".ndjson")) keys.push(key);
    }
  }
  return keys;
}

/**
 * Reads every logged row with start <= ts <= end. Unparseable lines are reported in
 * `invalid` and skipped, so one bad line does not hide a window of traffic.
 */
export async function readRequestWindow(client: Client, window: RequestWindow, bucket: string = BUCKETS.requests): Promise<RequestWindowResult> {
  const keys = await listRequestLogKeys(client, window, bucket);
  const startMs = window.start.getTime();
  const endMs = window.end.getTime();
  const records: RequestLogRecord[] = [];
  const invalid: RequestWindowResult["invalid"] = [];
  for (const key of keys) {
    const text = await getText(client, bucket, key);
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line) continue;
      let rec: RequestLogRecord;
      try {
        rec = parseRecord(line);
      } catch (err) {
        invalid.push({ key, line: i + 1, reason: (err as Error).message });
        continue;
      }
      const t = Date.parse(rec.ts);
      if (t >= startMs && t <= endMs) records.push(rec);
    }
  }
  records.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts) || (a.request_id < b.request_id ? -1 : a.request_id > b.request_id ? 1 : a.row - b.row));
  return { records, keys, invalid };
}

/**
 * Flat rows for the drift check: every schema feature (null when missing), then
 * `prediction` and `probability` (lib/schema PREDICTION, PROBABILITY), and with
 * `includeLabel` the ground truth as `default` (LABEL; null when the client sent none).
 */
export function recordsToRows(records: readonly RequestLogRecord[], opts: { includeLabel?: boolean } = {}): Row[] {
  return records.map((r) => {
    const row: Row = {};
    for (const f of FEATURES) {
      const v = r.features[f.name];
      row[f.name] = v === undefined ? null : v;
    }
    row[PREDICTION] = r.prediction;
    row[PROBABILITY] = r.probability;
    if (opts.includeLabel) row[LABEL] = r.label ?? null;
    return row;
  });
}

/** The columns of `recordsToRows` in order. */
export const REQUEST_ROW_COLUMNS: readonly string[] = [...FEATURE_NAMES, PREDICTION, PROBABILITY];
