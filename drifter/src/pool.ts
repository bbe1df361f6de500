/**
 * Worker threads that make large batches in parallel. A batch is cut into parts of
 * PART_ROWS rows (whole blocks, so every part starts its own streams: generate.ts); the
 * workers make and encode parts while the main thread streams the finished ones out in
 * order. At most `ahead` parts of one batch are made or waiting at a time, so memory stays
 * bounded whatever the batch size, and a client that stops reading stops the work.
 *
 *   const pool = new BatchPool(2);
 *   for await (const chunk of pool.stream(options, "json", rows)) socket.write(chunk);
 */
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import type { Format } from "./format";
import { BLOCK_ROWS, type GenerateOptions } from "../../lib/generator/generate";

/** Rows per part: 4 blocks (about 1 MB of JSON, 0.25 MB of CSV for the credit table). */
export const PART_ROWS = 4 * BLOCK_ROWS;
/** Batches from this many rows on are made by the pool (smaller ones inline: no hand-off latency). */
export const PARALLEL_MIN_ROWS = 2 * PART_ROWS;
/** Bytes per chunk a worker hands out; chunks of exactly this size are recycled. */
export const PART_CHUNK_BYTES = 64 * 1024;
/** Written chunk buffers go back to a worker in batches of this many. */
const RECYCLE_BATCH = 16;

/** What a worker makes: `rows` rows of the batch from `firstRow` (a multiple of PART_ROWS). */
export interface PartJob {
  options: GenerateOptions;
  format: Format;
  firstRow: number;
  rows: number;
}

export type PartReply = { id: number; chunks: Uint8Array[] } | { id: number; error: string };

interface Task {
  id: number;
  job: PartJob;
  resolve: (chunks: Buffer[]) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
}

/** The worker's entry: the compiled .js next to this file, or the .ts source under tsx (tests). */
function workerEntry(): { file: string; execArgv?: string[] } {
  if (__filename.endsWith(".ts")) return { file: join(__dirname, "worker.ts"), execArgv: ["--require", require.resolve("tsx/cjs")] };
  return { file: join(__dirname, "worker.js") };
}

export class BatchPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private spare: ArrayBuffer[] = [];
  private recycleTo = 0;

  /** `size` worker threads (1..64), started with the first part asked for. */
  constructor(
    readonly size: number,
    private readonly onWorkerError: (err: Error) => void = () => {},
  ) {
    if (!Number.isInteger(size) || size < 1 || size > 64) throw new RangeError(`a batch pool has 1 to 64 threads; got ${size}`);
  }

  private spawn(): Slot {
    const entry = workerEntry();
    const worker = new Worker(entry.file, { execArgv: entry.execArgv });
    worker.unref();
    const slot: Slot = { worker, task: null };
    worker.on("message", (reply: PartReply) => {
      const task = slot.task;
      slot.task = null;
      if (task && task.id === reply.id) {
        if ("error" in reply) task.reject(new Error(`drifter worker failed on rows ${task.job.firstRow}..${task.job.firstRow + task.job.rows - 1}: ${reply.error}`));
        else task.resolve(reply.chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
      }
      this.dispatch();
    });
    const lost = (err: Error) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      if (this.closed) {
        slot.task?.reject(new Error("the drifter's batch pool closed"));
        this.slots.splice(i, 1);
        return;
      }
      this.onWorkerError(err);
      slot.task?.reject(err);
      slot.task = null;
      // A worker that died is replaced, so the pool keeps its size.
      this.slots[i] = this.spawn();
      this.dispatch();
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`drifter worker exited with code ${code}`)));
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.task) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.postMessage({ id: task.id, job: task.job });
    }
  }

  /** Makes one part; the promise gives its chunks. */
  run(job: PartJob): { done: Promise<Buffer[]>; cancel(): void } {
    if (this.closed) return { done: Promise.reject(new Error("the drifter's batch pool is closed")), cancel() {} };
    let task!: Task;
    const done = new Promise<Buffer[]>((resolve, reject) => {
      task = { id: this.nextId++, job, resolve, reject };
    });
    this.queue.push(task);
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    this.dispatch();
    return {
      done,
      // A part not started yet is dropped; one in progress finishes and is thrown away.
      cancel: () => {
        const i = this.queue.indexOf(task);
        if (i >= 0) this.queue.splice(i, 1);
      },
    };
  }

  /**
   * A batch made by the pool as a lazy sequence of chunks, in order. `rows` is the batch's
   * row count (options.rows); `onRows` is told the rows of each part as it is handed out.
   */
  async *stream(options: GenerateOptions, format: Format, rows: number, onRows?: (n: number) => void, ahead = this.size + 1): AsyncGenerator<Buffer, void, undefined> {
    const parts = Math.ceil(rows / PART_ROWS);
    const pending: { done: Promise<Buffer[]>; cancel(): void; rows: number }[] = [];
    let next = 0;
    const more = () => {
      while (next < parts && pending.length < ahead) {
        const firstRow = next++ * PART_ROWS;
        const n = Math.min(PART_ROWS, rows - firstRow);
        pending.push({ ...this.run({ options, format, firstRow, rows: n }), rows: n });
      }
    };
    try {
      more();
      while (pending.length > 0) {
        const part = pending[0];
        const chunks = await part.done;
        pending.shift();
        more();
        onRows?.(part.rows);
        for (const chunk of chunks) yield chunk;
      }
    } finally {
      for (const p of pending) {
        p.cancel();
        p.done.catch(() => {}); // its result or failure no longer matters
      }
    }
  }

  /**
   * Gives a chunk's buffer back to the workers once it has been written (the caller must
   * not touch the chunk afterwards: its memory moves to a worker thread).
   */
  recycle(chunk: Buffer): void {
    const ab = chunk.buffer;
    if (this.closed || this.slots.length === 0 || chunk.byteOffset !== 0 || !(ab instanceof ArrayBuffer) || ab.byteLength !== PART_CHUNK_BYTES) return;
    if (this.spare.includes(ab)) return;
    this.spare.push(ab);
    if (this.spare.length < RECYCLE_BATCH) return;
    const batch = this.spare;
    this.spare = [];
    this.slots[this.recycleTo++ % this.slots.length].worker.postMessage({ recycle: batch }, batch);
  }

  /** Stops the workers; parts still queued or in progress fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error("the drifter's batch pool closed"));
    await Promise.all([...this.slots].map((s) => s.worker.terminate()));
  }
}
