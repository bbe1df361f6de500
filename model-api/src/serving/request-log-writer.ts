/**
 * The writer side of the request log (layout in lib/request-log.ts).
 *
 * Behaviour (what callers can rely on):
 * - `append` accepts all rows of a request or none: when the buffer cannot take them it
 *   returns false and the API answers 503 (with Retry-After), so a row is never accepted
 *   and then dropped.
 * - Buffered rows are written when `flushRows` rows are waiting or `flushSeconds` after
 *   the oldest waiting row, whichever is first. A flush cuts the waiting rows into
 *   objects, one per hour partition; an object's key is fixed when it is cut, so a retry
 *   after an ambiguous failure overwrites rather than duplicates.
 * - When MinIO is down, objects stay in the buffer and are retried with exponential
 *   backoff (capped at `maxBackoffMs`) until they are written; nothing is dropped. While
 *   the buffer is above `readyHighWater` of its capacity, `/readyz` fails so Kubernetes
 *   stops sending traffic to this pod; at capacity, `/predict` answers 503.
 * - `close()` (SIGTERM) stops the timer and flushes everything, retrying until
 *   `deadlineMs`; rows still unwritten then are reported in the log (count and the
 *   reason) - this only happens when MinIO stays unreachable for the whole grace period.
 */
import type { Client } from "minio";
import type { Logger } from "../../../lib/logger";
import { ensureBucket, putText } from "../../../lib/s3";
import { hourPrefix, requestLogKey, serializeRecords, type RequestLogRecord } from "../../../lib/request-log";

export interface RequestLogWriterOptions {
  client: Client;
  bucket: string;
  /** Pod name (HOSTNAME), part of every key so pods never collide. */
  pod: string;
  flushRows: number;
  flushSeconds: number;
  /** Buffer capacity in rows (waiting + being written). */
  maxBufferedRows: number;
  /** Share of capacity above which the pod reports not ready. Default 0.8. */
  readyHighWater?: number;
  maxBackoffMs?: number;
  /** One object write that takes longer counts as failed (and is retried under the same key). Default 10 s. */
  writeTimeoutMs?: number;
  log: Logger;
  /** Called after every write attempt (for metrics). */
  onWrite?: (ok: boolean, rows: number, ms: number) => void;
}

interface Sealed {
  key: string;
  records: RequestLogRecord[];
}

export class RequestLogWriter {
  private waiting: RequestLogRecord[] = [];
  private sealed: Sealed[] = [];
  private seq = 0;
  private sealedRows = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private failures = 0;
  private retryAt = 0;
  private closed = false;
  /** Rows written since start. */
  written = 0;
  /** Last write error, for /readyz and logs. */
  lastError?: string;

  constructor(private readonly o: RequestLogWriterOptions) {}

  /** Rows not yet stored in MinIO. */
  get buffered(): number {
    return this.waiting.length + this.sealedRows;
  }

  get capacity(): number {
    return this.o.maxBufferedRows;
  }

  /** False when the buffer is too full to keep accepting traffic comfortably. */
  get healthy(): boolean {
    return this.buffered < this.o.maxBufferedRows * (this.o.readyHighWater ?? 0.8);
  }

  start(): void {
    const tickMs = Math.max(100, Math.min(1000, (this.o.flushSeconds * 1000) / 4));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** Buffers all records of one request, or none (returns false) when they do not fit or the writer is closed. */
  append(records: RequestLogRecord[]): boolean {
    if (this.closed || this.buffered + records.length > this.o.maxBufferedRows) return false;
    for (const r of records) this.waiting.push(r);
    if (this.waiting.length >= this.o.flushRows) this.kick();
    return true;
  }

  private tick(): void {
    if (!this.waiting.length && !this.sealed.length) return;
    const oldest = this.waiting.length ? Date.parse(this.waiting[0].ts) : 0;
    const due = this.sealed.length > 0 || Date.now() - oldest >= this.o.flushSeconds * 1000 || this.waiting.length >= this.o.flushRows;
    if (due) this.kick();
  }

  private kick(): void {
    if (this.flushing || Date.now() < this.retryAt) return;
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
  }

  /** Cuts the waiting rows into objects (one per hour partition, at most flushRows each). */
  private seal(): void {
    while (this.waiting.length) {
      const first = this.waiting[0];
      const hour = hourPrefix(Date.parse(first.ts));
      let n = 1;
      while (n < this.waiting.length && n < this.o.flushRows && hourPrefix(Date.parse(this.waiting[n].ts)) === hour) n++;
      const records = this.waiting.splice(0, n);
      this.sealed.push({ key: requestLogKey(this.o.pod, Date.parse(first.ts), this.seq++), records });
      this.sealedRows += records.length;
    }
  }

  /** One pass: seal what waits, write sealed objects in order, stop at the first failure. */
  private async flushOnce(): Promise<void> {
    this.seal();
    while (this.sealed.length) {
      const obj = this.sealed[0];
      const t0 = Date.now();
      try {
        // Serialised per attempt, not kept: during an outage the buffer holds ~300 bytes a
        // row as objects instead of ~900 with the text (it must fit the pod's memory limit).
        await withTimeout(putText(this.o.client, this.o.bucket, obj.key, serializeRecords(obj.records), "application/x-ndjson"), this.o.writeTimeoutMs ?? 10_000, obj.key);
      } catch (err) {
        if ((err as { code?: string }).code === "NoSuchBucket") {
          // The init Job normally creates it; create it rather than buffer forever.
          await ensureBucket(this.o.client, this.o.bucket).then(
            () => this.o.log.warn({ bucket: this.o.bucket }, "the request log bucket did not exist; created it"),
            () => undefined,
          );
        }
        this.failures++;
        const backoff = Math.min(this.o.maxBackoffMs ?? 30_000, 250 * 2 ** Math.min(this.failures - 1, 16));
        this.retryAt = Date.now() + backoff;
        this.lastError = (err as Error).message;
        this.o.onWrite?.(false, obj.records.length, Date.now() - t0);
        this.o.log.warn({ err: this.lastError, key: obj.key, bufferedRows: this.buffered, retryInMs: backoff, failures: this.failures }, "request log write failed; rows kept in the buffer, will retry");
        return;
      }
      this.sealed.shift();
      this.sealedRows -= obj.records.length;
      this.written += obj.records.length;
      if (this.failures) this.o.log.info({ afterFailures: this.failures }, "request log writes recovered");
      this.failures = 0;
      this.retryAt = 0;
      this.lastError = undefined;
      this.o.onWrite?.(true, obj.records.length, Date.now() - t0);
      this.o.log.debug({ key: obj.key, rows: obj.records.length }, "request log object written");
    }
  }

  /** Writes everything buffered now, retrying until `deadlineMs` (epoch ms); true when nothing is left. */
  async flushAll(deadlineMs: number): Promise<boolean> {
    for (;;) {
      if (this.flushing) await this.flushing;
      if (!this.waiting.length && !this.sealed.length) return true;
      const wait = Math.max(0, this.retryAt - Date.now());
      if (Date.now() + wait >= deadlineMs) break;
      if (wait) await new Promise((r) => setTimeout(r, wait));
      this.flushing = this.flushOnce().finally(() => {
        this.flushing = undefined;
      });
    }
    return !this.waiting.length && !this.sealed.length;
  }

  /** Stops accepting rows and flushes; logs an error with the count if rows could not be written by the deadline. */
  async close(deadlineMs: number): Promise<boolean> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.retryAt = 0; // on shutdown, try at once
    const ok = await this.flushAll(deadlineMs);
    if (ok) this.o.log.info({ written: this.written }, "request log flushed");
    else this.o.log.error({ unwrittenRows: this.buffered, lastError: this.lastError }, "request log could not be flushed before the shutdown deadline: MinIO unreachable");
    return ok;
  }
}

/** Rejects when `p` has not settled after `ms` (a hung connection must not block shutdown). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`writing ${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
