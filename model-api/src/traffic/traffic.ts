/**
 * Simulated production traffic: take a batch from the drifter and post it to the model
 * API in request batches, so the request log (and the drift check after it) sees traffic.
 */
import { bearerHeaders } from "../../../lib/auth";
import type { Logger } from "../../../lib/logger";
import { sleep } from "../../../lib/retry";
import { fetchCreditNdjson } from "../drifter-client";
import { FEATURE_NAMES, LABEL } from "../../../lib/schema";

export interface TrafficOptions {
  drifterUrl: string;
  modelApiUrl: string;
  /** The traffic job's model API token (MODEL_API_TOKEN); undefined = none sent. */
  modelApiToken?: string;
  rows: number;
  batchSize: number;
  /** Drifter scenario(s); undefined = the drifter's configured world. */
  scenario?: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Attempts per request batch (503 and network errors are retried). */
  attempts: number;
  log: Logger;
  fetchImpl?: typeof fetch;
}

export interface TrafficSummary {
  rows: number;
  requests: number;
  okRequests: number;
  failedRequests: number;
  okRows: number;
  failedRows: number;
  positives: number;
  modelVersions: string[];
  ms: number;
  errors: string[];
}

const KEEP = new Set<string>([...FEATURE_NAMES, LABEL]);

/** Fetches the drifter batch as row objects (schema columns only). */
export async function fetchDrifterBatch(o: Pick<TrafficOptions, "drifterUrl" | "rows" | "scenario" | "fetchImpl">): Promise<Record<string, unknown>[]> {
  const text = await fetchCreditNdjson(o.drifterUrl, { rows: o.rows, scenario: o.scenario }, o.fetchImpl);
  const rows: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (KEEP.has(k)) row[k] = typeof v === "number" && Number.isNaN(v) ? null : v;
    rows.push(row);
  }
  if (!rows.length) throw new Error("the drifter returned no rows");
  return rows;
}

/** Posts rows to `POST /predict` in batches; never throws for failed requests (they are counted). */
export async function postTraffic(rows: Record<string, unknown>[], o: TrafficOptions): Promise<TrafficSummary> {
  const t0 = Date.now();
  const f = o.fetchImpl ?? fetch;
  const url = `${o.modelApiUrl.replace(/\/+$/, "")}/predict`;
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < rows.length; i += o.batchSize) batches.push(rows.slice(i, i + o.batchSize));
  const s: TrafficSummary = { rows: rows.length, requests: batches.length, okRequests: 0, failedRequests: 0, okRows: 0, failedRows: 0, positives: 0, modelVersions: [], ms: 0, errors: [] };
  const versions = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      let lastErr = "";
      let ok = false;
      for (let attempt = 1; attempt <= o.attempts && !ok; attempt++) {
        try {
          const res = await f(url, { method: "POST", headers: { "content-type": "application/json", ...bearerHeaders(o.modelApiToken) }, body: JSON.stringify({ rows: batch }), signal: AbortSignal.timeout(30_000) });
          const text = await res.text();
          if (res.ok) {
            const body = JSON.parse(text) as { model_version: string; predictions: { prediction: number }[] };
            versions.add(body.model_version);
            for (const p of body.predictions) s.positives += p.prediction;
            ok = true;
          } else {
            lastErr = `HTTP ${res.status}: ${text.slice(0, 200)}`;
            if (res.status < 500 && res.status !== 429) break; // our request is wrong: retrying cannot help
          }
        } catch (err) {
          lastErr = (err as Error).message;
        }
        if (!ok && attempt < o.attempts) await sleep(Math.min(10_000, 500 * 2 ** (attempt - 1)));
      }
      if (ok) {
        s.okRequests++;
        s.okRows += batch.length;
      } else {
        s.failedRequests++;
        s.failedRows += batch.length;
        if (s.errors.length < 5) s.errors.push(lastErr);
        o.log.warn({ err: lastErr, rows: batch.length }, "a traffic request failed");
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, batches.length) }, worker));
  s.modelVersions = [...versions].sort();
  s.ms = Date.now() - t0;
  return s;
}
