/**
 * A drifter worker thread: makes and encodes parts of large batches for the server's
 * BatchPool (drifter/src/pool.ts), so they are made on several cores while the main thread
 * streams them out. A part starts at a block boundary (generate.ts BLOCK_ROWS), and the
 * parts join into the very bytes one thread would make.
 */
import { parentPort } from "node:worker_threads";
import { encodePart } from "./format";
import { createRowSource } from "../../lib/generator/generate";
import { PART_CHUNK_BYTES, type PartJob, type PartReply } from "./pool";

if (!parentPort) throw new Error("drifter/src/worker.ts runs as a worker thread of the drifter server");
const port = parentPort;

/** Chunk buffers the main thread sent back once written (BatchPool.recycle), reused before allocating. */
const spare: ArrayBuffer[] = [];
const MAX_SPARE = 64;
const alloc = (size: number): Buffer => {
  const ab = size === PART_CHUNK_BYTES ? spare.pop() : undefined;
  return ab ? Buffer.from(ab) : Buffer.allocUnsafe(size);
};

port.on("message", (msg: { id: number; job: PartJob } | { recycle: ArrayBuffer[] }) => {
  if ("recycle" in msg) {
    for (const ab of msg.recycle) if (spare.length < MAX_SPARE && ab.byteLength === PART_CHUNK_BYTES) spare.push(ab);
    return;
  }
  let reply: PartReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const { options, format, firstRow, rows } = msg.job;
    const src = createRowSource(options, firstRow);
    const chunks: Uint8Array[] = [];
    for (const made of encodePart(src, format, { rows, first: firstRow === 0, last: firstRow + rows === src.options.rows }, { chunkBytes: PART_CHUNK_BYTES, alloc })) {
      // Each chunk has its own ArrayBuffer (a chunk is too large for Buffer's shared pool); copy if not.
      const chunk = made.byteOffset === 0 ? made : Uint8Array.prototype.slice.call(made);
      chunks.push(chunk);
      transfer.push(chunk.buffer as ArrayBuffer);
    }
    reply = { id: msg.id, chunks };
  } catch (err) {
    reply = { id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    transfer.length = 0;
  }
  port.postMessage(reply, transfer);
});
