/**
 * Where the bytes of a data file come from: a local file (read in chunks, never whole)
 * or a buffer (an object downloaded from MinIO). A source can be read more than once,
 * which the readers use for the rare re-read of a column that turned categorical late.
 */
import { closeSync, createReadStream, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";

/** Bad input data: the message names the file, line or column and what is allowed. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}

export interface ByteSource {
  /** For messages: a path or an object key. */
  readonly name: string;
  /** Total bytes when known (sizes the column buffers up front). */
  readonly size?: number;
  /** The bytes in order, in chunks. */
  chunks(): Iterable<Buffer>;
  /** The same bytes as a stream (for csv-parse). */
  stream(): Readable;
  /** The first bytes, for sniffing the format. */
  head(n: number): Uint8Array;
}

const CHUNK = 4 << 20;
const LF = 0x0a;

/**
 * Calls onLine(data, start, end) for each line of the chunks, in order, without the
 * newline; a line may span chunks, and the last one needs no newline at the end.
 */
export function forEachLine(chunks: Iterable<Buffer>, onLine: (data: Buffer, start: number, end: number) => void): void {
  let carry: Buffer | undefined;
  for (const chunk of chunks) {
    const data = carry && carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let ls = 0;
    for (;;) {
      const nl = data.indexOf(LF, ls);
      if (nl === -1) break;
      onLine(data, ls, nl);
      ls = nl + 1;
    }
    carry = ls < data.length ? data.subarray(ls) : undefined;
  }
  if (carry && carry.length) onLine(carry, 0, carry.length);
}

export function fileSource(path: string): ByteSource {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new DataError(`${path}: no such file`);
    if (code === "EISDIR") throw new DataError(`${path}: is a directory, expected a CSV or NDJSON file`);
    if (code === "EACCES") throw new DataError(`${path}: permission denied`);
    throw new DataError(`${path}: cannot open (${code ?? String(err)})`);
  }
  let size: number;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new DataError(`${path}: is a directory, expected a CSV or NDJSON file`);
    size = st.size;
  } finally {
    closeSync(fd);
  }
  const head = (n: number): Uint8Array => {
    const f = openSync(path, "r");
    try {
      const b = Buffer.alloc(Math.min(n, size));
      const got = readSync(f, b, 0, b.length, 0);
      return b.subarray(0, got);
    } finally {
      closeSync(f);
    }
  };
  if (isGzip(head(2))) return bufferSource(path, gunzipFile(path));
  return {
    name: path,
    size,
    head,
    *chunks() {
      const f = openSync(path, "r");
      try {
        for (;;) {
          // A fresh buffer per chunk: the parser may keep a view of the tail of the previous one.
          const b = Buffer.allocUnsafe(CHUNK);
          const got = readSync(f, b, 0, CHUNK, null);
          if (got === 0) break;
          yield b.subarray(0, got);
        }
      } finally {
        closeSync(f);
      }
    },
    stream: () => createReadStream(path, { highWaterMark: 1 << 20 }),
  };
}

export function bufferSource(name: string, data: Uint8Array): ByteSource {
  const raw = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
  const buf = isGzip(raw) ? gunzipSync(raw) : raw;
  return {
    name,
    size: buf.length,
    head: (n) => buf.subarray(0, n),
    *chunks() {
      for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, Math.min(buf.length, i + CHUNK));
    },
    stream: () => Readable.from([buf]),
  };
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function gunzipFile(path: string): Buffer {
  try {
    return gunzipSync(readFileSync(path));
  } catch (err) {
    throw new DataError(`${path}: looks gzip-compressed but cannot be decompressed (${(err as Error).message})`);
  }
}
