/**
 * What the drift job keeps in MinIO: reports under `reports/<window end>/` and the retrain
 * trigger state at `reports/` + KEYS.retrainState. Every call is retried with backoff.
 */
import type { Client } from "minio";
import { BUCKETS, KEYS } from "../../lib/contract";
import type { Logger } from "../../lib/logger";
import { withRetry } from "../../lib/retry";
import { getText, putText } from "../../lib/s3";
import { EMPTY_STATE, parseState, type StateStore, type TriggerState } from "./trigger";

export interface RetryTuning {
  attempts?: number;
  baseDelayMs?: number;
}

/** A storage step failed after its retries (MinIO unreachable, access denied, ...). */
export class StorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StorageError";
  }
}

export async function s3Retry<T>(what: string, fn: () => Promise<T>, log?: Logger, tuning: RetryTuning = {}): Promise<T> {
  try {
    return await withRetry(fn, { what, log, attempts: tuning.attempts ?? 5, baseDelayMs: tuning.baseDelayMs ?? 300, retryable: (e) => !isMissing(e) });
  } catch (err) {
    if (isMissing(err)) throw err;
    throw new StorageError(`${what} failed: ${(err as Error).message ?? String(err)}`);
  }
}

export function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "NoSuchKey" || code === "NotFound" || code === "NoSuchBucket";
}

/** `2026-11-21T13-00-00Z`: a report folder name that sorts by time and is safe in a URL. */
export function reportFolder(windowEnd: Date): string {
  return windowEnd.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/:/g, "-");
}

export async function putReport(c: Client, folder: string, files: Record<string, string>, log?: Logger, tuning?: RetryTuning): Promise<string[]> {
  const keys: string[] = [];
  // report.html first: report.json is what readers poll for, so it lands last.
  const order = Object.keys(files).sort((a, b) => (a === "report.json" ? 1 : b === "report.json" ? -1 : a.localeCompare(b)));
  for (const name of order) {
    const key = `${folder}/${name}`;
    const type = name.endsWith(".json") ? "application/json" : name.endsWith(".html") ? "text/html; charset=utf-8" : "text/plain";
    await s3Retry(`writing s3://${BUCKETS.reports}/${key}`, () => putText(c, BUCKETS.reports, key, files[name], type), log, tuning);
    keys.push(key);
  }
  return keys;
}

export function minioStateStore(c: Client, log?: Logger, tuning?: RetryTuning): StateStore {
  const key = KEYS.retrainState;
  return {
    async load(): Promise<TriggerState> {
      let text: string;
      try {
        text = await s3Retry(`reading s3://${BUCKETS.reports}/${key}`, () => getText(c, BUCKETS.reports, key), log, tuning);
      } catch (err) {
        if (isMissing(err)) return EMPTY_STATE;
        throw err;
      }
      try {
        return parseState(text);
      } catch (err) {
        // Keep the unreadable copy for people, start over rather than block retraining for good.
        const aside = `${key}.unreadable-${Date.now()}`;
        log?.error({ key, aside, err: String(err) }, "retrain trigger state is unreadable; keeping a copy and starting from an empty state");
        await s3Retry(`keeping s3://${BUCKETS.reports}/${aside}`, () => putText(c, BUCKETS.reports, aside, text, "application/json"), log, tuning);
        return EMPTY_STATE;
      }
    },
    async save(state: TriggerState): Promise<void> {
      await s3Retry(`writing s3://${BUCKETS.reports}/${key}`, () => putText(c, BUCKETS.reports, key, JSON.stringify(state, null, 2) + "\n", "application/json"), log, tuning);
    },
  };
}
