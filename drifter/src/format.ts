/**
 * Serializers of a batch: CSV (the legacy contract: header line, comma-separated, missing
 * values empty), JSON (one array of row objects) and NDJSON (one object per line). The
 * bytes of the rows come from the WebAssembly core (lib/generator/wasm/core.ts), which copies
 * ready pieces (a key with a category, a comma) and prints each number from its integer
 * (a value times 10^decimals) exactly as String(n) prints the value. This file gives the
 * core each format's pieces and packs its output into fixed-size chunks, handed out one at
 * a time, so any batch size streams with bounded memory.
 */
import type { CoreLayout } from "../../lib/generator/core";
import type { RowSource } from "../../lib/generator/generate";

export const FORMATS = ["csv", "json", "ndjson"] as const;
export type Format = (typeof FORMATS)[number];

export const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

/** Bytes per chunk handed to the stream. */
export const CHUNK_BYTES = 64 * 1024;

function csvEncode(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Each format's pieces per set of columns, kept across batches (a few dozen at most). */
const layouts = new Map<string, CoreLayout>();
const MAX_LAYOUTS = 256;

function layoutOf(format: Format, src: RowSource): { key: string; layout: CoreLayout } {
  const cols = src.columns;
  const key = `${format}\u0000${src.decimals.join()}\u0000${cols.join("\u0000")}\u0000${src.categories.map((c) => c.join("\u0001")).join("\u0000")}`;
  let layout = layouts.get(key);
  if (!layout) {
    const csv = format === "csv";
    const text = csv ? csvEncode : (t: string) => JSON.stringify(t);
    layout = {
      prefixes: cols.map((c, j) => (csv ? (j === 0 ? "" : ",") : (j === 0 ? "{" : ",") + JSON.stringify(c) + ":")),
      missing: cols.map(() => (csv ? "" : "null")),
      categories: src.categories.map((list) => list.map(text)),
      end: csv ? "\n" : format === "ndjson" ? "}\n" : "}",
      sep: format === "json" ? 44 : 0,
    };
    if (layouts.size >= MAX_LAYOUTS) layouts.clear();
    layouts.set(key, layout);
  }
  return { key, layout };
}

/** The CSV header line (with its newline). */
export function csvHeader(columns: readonly string[]): string {
  return columns.map(csvEncode).join(",") + "\n";
}

/**
 * Which rows of a batch an encoding covers: `rows` rows from `src`, the batch's first row
 * among them when `first` (so CSV's header or JSON's "[" goes before them, and no
 * separator), its last when `last` (JSON's "]" after them). The parts of a batch encoded
 * separately join into the very bytes the whole batch encodes to.
 */
export interface Part {
  rows: number;
  first: boolean;
  last: boolean;
}

/**
 * The batch in `format` as a lazy sequence of byte chunks: each chunk is made when the
 * consumer asks for it, so a stream's backpressure paces the generator. `onRows` is told
 * how many rows each chunk holds as it is handed out.
 */
export function serialize(src: RowSource, format: Format, opts: EncodeOptions = {}): Generator<Buffer, void, undefined> {
  return encodePart(src, format, { rows: src.options.rows, first: true, last: true }, opts);
}

export interface EncodeOptions {
  /** Bytes per chunk (default CHUNK_BYTES; a chunk always holds at least two rows). */
  chunkBytes?: number;
  /** Told how many rows each chunk holds as it is handed out. */
  onRows?: (n: number) => void;
  /**
   * The first chunk is written into this buffer when it holds chunkBytes (a view of it is
   * handed out), so a caller that reuses scratch buffers makes a small batch without allocating.
   */
  scratch?: Buffer;
  /** Makes the buffer of each further chunk (default Buffer.allocUnsafe; a pool of reused buffers). */
  alloc?: (size: number) => Buffer;
}

/** One part of a batch (see Part) as byte chunks, made lazily like serialize's. */
export function* encodePart(src: RowSource, format: Format, part: Part, opts: EncodeOptions = {}): Generator<Buffer, void, undefined> {
  const { chunkBytes = CHUNK_BYTES, onRows, scratch, alloc = Buffer.allocUnsafe } = opts;
  const { key, layout } = layoutOf(format, src);
  const rowBound = src.core.prepare(key, layout);
  const size = Math.max(chunkBytes, 2 * rowBound);
  const head = part.first ? (format === "csv" ? csvHeader(src.columns) : format === "json" ? "[" : "") : "";
  const tail = part.last && format === "json" ? "]\n" : "";
  // Every chunk keeps room for the tail, so it always fits after the last rows.
  const reserve = tail.length;
  let buf = scratch && scratch.length >= size ? scratch : alloc(Math.max(size, Buffer.byteLength(head) + rowBound + reserve));
  let pos = buf.write(head, 0, "utf8");
  let left = part.rows;
  let first = part.first;
  let inChunk = 0;
  while (left > 0) {
    if (buf.length - pos - reserve < rowBound) {
      onRows?.(inChunk);
      inChunk = 0;
      yield buf.subarray(0, pos);
      buf = alloc(size);
      pos = 0;
    }
    const made = src.core.encode(key, layout, left, buf.length - pos - reserve, first);
    const out = src.core.output();
    buf.set(out, pos);
    pos += out.length;
    left -= made;
    inChunk += made;
    first = false;
  }
  pos += buf.write(tail, pos, "utf8");
  onRows?.(inChunk);
  if (pos > 0) yield buf.subarray(0, pos);
}

/** The whole batch as one string (small batches: the reference dataset, tests). */
export function serializeToString(src: RowSource, format: Format): string {
  const parts: Buffer[] = [];
  for (const chunk of serialize(src, format)) parts.push(chunk);
  return Buffer.concat(parts).toString("utf8");
}
