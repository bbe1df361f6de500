/**
 * Where the drift job's two datasets come from:
 * - reference: the champion model's training data, `datasets/` + KEYS.reference (CSV),
 *   with its metadata at KEYS.referenceMeta when present;
 * - current: production request logs of the window (`requests/YYYY/MM/DD/HH/*.ndjson`,
 *   see requests.ts), or a fresh drifter batch (`DRIFTER_URL/api/v1/data`).
 */
import type { Client } from "minio";
import { bearerHeaders } from "../../lib/auth";
import { BUCKETS, ENV, KEYS } from "../../lib/contract";
import { optionalStringEnv } from "../../lib/env";
import type { Logger } from "../../lib/logger";
import { withRetry } from "../../lib/retry";
import { streamToBuffer } from "../../lib/s3";
import { readDatasetBuffer } from "./io/read";
import { DataError } from "./io/source";
import { isMissing, type RetryTuning, s3Retry, StorageError } from "./storage";
import type { Dataset } from "./types";
import { readDrifterBatch } from "../../lib/drifter-batch";

export interface LoadedData {
  dataset: Dataset;
  /** For reports and logs: an s3:// or http:// location. */
  name: string;
  /** The model version that produced it, when known. */
  modelVersion?: string;
  /** Anything worth a log line (skipped lines, objects read). */
  notes: string[];
}

export async function loadReference(c: Client, log?: Logger, tuning?: RetryTuning): Promise<LoadedData> {
  const name = `s3://${BUCKETS.datasets}/${KEYS.reference}`;
  let body: Buffer;
  try {
    body = await s3Retry(`reading ${name}`, async () => streamToBuffer(await c.getObject(BUCKETS.datasets, KEYS.reference)), log, tuning);
  } catch (err) {
    if (isMissing(err)) throw new DataError(`the reference ${name} does not exist: the MinIO init Job (or a retrain) writes it; run the init Job first`);
    throw err;
  }
  const dataset = await readDatasetBuffer(name, body);
  let modelVersion: string | undefined;
  const notes: string[] = [];
  try {
    const meta = JSON.parse(
      (await s3Retry(`reading s3://${BUCKETS.datasets}/${KEYS.referenceMeta}`, async () => streamToBuffer(await c.getObject(BUCKETS.datasets, KEYS.referenceMeta)), log, tuning)).toString("utf8"),
    ) as Record<string, unknown>;
    // null: the initial reference, written before any model was registered.
    const v = meta.model_version === null ? "initial" : (meta.model_version ?? meta.modelVersion ?? meta.version);
    if (v !== undefined && v !== null) modelVersion = String(v);
  } catch (err) {
    if (err instanceof StorageError) throw err;
    notes.push(`reference metadata ${KEYS.referenceMeta} not read: ${isMissing(err) ? "absent" : (err as Error).message}`);
  }
  return { dataset, name, modelVersion, notes };
}

/** A batch from the drifter (CSV with the ground-truth label), for checks without production traffic. */
export async function loadDrifterBatch(drifterUrl: string, log?: Logger, tuning?: RetryTuning): Promise<LoadedData> {
  const url = `${drifterUrl}/api/v1/data?format=csv&schema=credit&label=true`;
  const body = await withRetry(
    async () => {
      const res = await fetch(url, { headers: bearerHeaders(optionalStringEnv(process.env, ENV.drifterToken)) });
      if (!res.ok) throw Object.assign(new Error(`drifter answered ${res.status}: ${(await res.text()).slice(0, 300)}`), { status: res.status });
      // Every row X-Drift-Rows announced, or an IncompleteBatchError (retried, then fatal):
      // a drifter stopped mid-stream must not pass for a smaller window.
      return Buffer.from(await readDrifterBatch(res, "csv", url), "utf8");
    },
    {
      what: `fetching a drifter batch from ${drifterUrl}`,
      log,
      attempts: tuning?.attempts ?? 5,
      baseDelayMs: tuning?.baseDelayMs ?? 300,
      retryable: (e) => {
        const s = (e as { status?: number }).status;
        return s === undefined || s >= 500 || s === 429;
      },
    },
  ).catch((err: Error) => {
    throw new StorageError(`fetching a drifter batch from ${drifterUrl} failed: ${err.message}`);
  });
  const dataset = await readDatasetBuffer(`${drifterUrl}/api/v1/data.csv`, body);
  return { dataset, name: url, notes: [] };
}
