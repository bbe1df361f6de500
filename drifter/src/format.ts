/**
 * Serializers of a batch: CSV (the legacy contract: header line, comma-separated, missing
 * values empty), JSON (one array of row objects) and NDJSON (one object per line). They
 * write bytes straight into fixed-size chunk buffers and hand out one chunk at a time, so
 * any batch size streams with bounded memory and no per-cell string allocation.
 *
 * A number is printed exactly as JavaScript's String(n) prints it: the generator's numbers
 * are multiples of 10^-d (RowSource.decimals), which lets the digits be written from an
 * integer instead of by the shortest-round-trip search.
 */
import type { Cell, RowSource } from "./generate";

export const FORMATS = ["csv", "json", "ndjson"] as const;
export type Format = (typeof FORMATS)[number];

export const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

/** Bytes per chunk handed to the stream. */
export const CHUNK_BYTES = 64 * 1024;

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const COMMA = 44;
const NEWLINE = 10;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;

/** Writes ASCII into a chunk buffer; `take()` hands out what is written and starts a new chunk. */
class ChunkWriter {
  buf: Buffer;
  pos = 0;
  private readonly digits = new Uint8Array(24);

  constructor(readonly size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.size);
    this.pos = 0;
    return out;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** ASCII text (callers pass only text that is safe to copy byte for byte). */
  ascii(s: string): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Pre-encoded bytes (short: a plain loop beats TypedArray.set's call for a few bytes). */
  bytes(src: Uint8Array): void {
    const b = this.buf;
    let p = this.pos;
    const n = src.length;
    if (p + n > b.length) {
      this.grow(n);
      this.bytes(src);
      return;
    }
    if (n > 32) {
      b.set(src, p);
      p += n;
    } else for (let i = 0; i < n; i++) b[p++] = src[i];
    this.pos = p;
  }

  /** Arbitrary text as UTF-8. */
  utf8(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    if (this.pos + n > this.buf.length) this.grow(n);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** Makes room for n more bytes than the chunk has (a cell longer than the row bound). */
  private grow(n: number): void {
    const bigger = Buffer.allocUnsafe(this.pos + n + this.size);
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** A non-negative integer below 2^53. */
  uint(n: number): void {
    const d = this.digits;
    let k = 0;
    if (n < 2147483648) {
      let m = n | 0;
      do {
        const q = (m / 10) | 0;
        d[k++] = ZERO + m - q * 10;
        m = q;
      } while (m > 0);
    } else {
      do {
        const q = Math.floor(n / 10);
        d[k++] = ZERO + (n - q * 10);
        n = q;
      } while (n > 0);
    }
    const b = this.buf;
    let p = this.pos;
    while (k > 0) b[p++] = d[--k];
    this.pos = p;
  }

  /**
   * A finite number that is a multiple of 10^-dec, printed as String(v) would: no
   * trailing zeros, no exponent (|v| < 1e15 / 10^dec), "-" only for values below zero.
   */
  fixed(v: number, dec: number): void {
    if (dec === 0) {
      if (v < 0) {
        this.byte(MINUS);
        this.uint(-v);
      } else this.uint(v);
      return;
    }
    const scale = POW10[dec];
    let k = Math.round(v * scale);
    if (k === 0) {
      this.byte(ZERO);
      return;
    }
    if (k < 0) {
      this.byte(MINUS);
      k = -k;
    }
    const ip = Math.floor(k / scale);
    let fp = k - ip * scale;
    this.uint(ip);
    if (fp === 0) return;
    let width = dec;
    while (fp % 10 === 0) {
      fp /= 10;
      width--;
    }
    this.byte(DOT);
    for (let w = width - 1; w > 0 && fp < POW10[w]; w--) this.byte(ZERO);
    this.uint(fp);
  }

  /**
   * A number as String(v) prints it: the integer path for a column whose values are
   * multiples of 10^-dec (dec >= 0, RowSource's promise), String() otherwise.
   */
  number(v: number, dec: number): void {
    if (dec >= 0 && v < 1e9 && v > -1e9) this.fixed(v, dec);
    else this.ascii(String(v));
  }
}

function csvEncode(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Encoded text cells, cached: a batch has few distinct texts (categories), so each is
 * escaped and encoded once. The cache is bounded; beyond it texts are encoded per cell.
 */
class TextCache {
  private readonly map = new Map<string, Uint8Array>();
  /** Per column, the last few texts and their bytes: found by identity before any hashing. */
  private readonly recentText: string[][];
  private readonly recentBytes: Uint8Array[][];
  constructor(
    private readonly encode: (s: string) => string,
    columns: number,
  ) {
    this.recentText = Array.from({ length: columns }, () => []);
    this.recentBytes = Array.from({ length: columns }, () => []);
  }
  get(s: string, column: number): Uint8Array {
    const texts = this.recentText[column];
    for (let i = 0; i < texts.length; i++) if (texts[i] === s) return this.recentBytes[column][i];
    let b = this.map.get(s);
    if (b === undefined) {
      b = Buffer.from(this.encode(s), "utf8");
      if (this.map.size < 4096) this.map.set(s, b);
    }
    if (texts.length < 8) {
      texts.push(s);
      this.recentBytes[column].push(b);
    }
    return b;
  }
}

/** Worst-case bytes of one serialized row (sizes a chunk so a row always fits). */
function rowBound(src: RowSource, keys: readonly string[], textBound: number): number {
  let n = 4;
  for (let j = 0; j < src.columns.length; j++) n += keys[j].length * 3 + (src.decimals[j] >= 0 ? 32 : textBound);
  return n;
}

/** The CSV header line (with its newline). */
export function csvHeader(columns: readonly string[]): string {
  return columns.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",") + "\n";
}

/**
 * The batch in `format` as a lazy sequence of byte chunks: each chunk is made when the
 * consumer asks for it, so a stream's backpressure paces the generator. `onRows` is told
 * how many rows each chunk holds as it is handed out.
 */
export function* serialize(src: RowSource, format: Format, chunkBytes = CHUNK_BYTES, onRows?: (n: number) => void): Generator<Buffer, void, undefined> {
  const cols = src.columns;
  const dec = src.decimals;
  const n = cols.length;
  const total = src.options.rows;
  const cell: Cell[] = new Array(n).fill(null);
  const keys = cols.map((c, j) => (j === 0 ? "{" : ",") + JSON.stringify(c) + ":");
  const keyBytes = keys.map((k) => Buffer.from(k, "utf8"));
  const text = new TextCache(format === "csv" ? csvEncode : JSON.stringify, n);
  const NULL = Buffer.from("null");
  // Text cells are categories (<= 40 chars by lib/schema CATEGORY_PATTERN); leave room for any.
  const textBound = 6 * 64 + 2;
  const w = new ChunkWriter(Math.max(chunkBytes, 2 * rowBound(src, keys, textBound)));
  const limit = w.size - rowBound(src, keys, textBound);
  const csv = format === "csv";
  const ndjson = format === "ndjson";
  if (csv) w.utf8(csvHeader(cols));
  else if (!ndjson) w.byte(91); // [
  let inChunk = 0;
  for (let i = 0; i < total; i++) {
    src.next(cell);
    if (csv) {
      for (let j = 0; j < n; j++) {
        if (j > 0) w.byte(COMMA);
        const v = cell[j];
        if (v === null) continue;
        if (typeof v === "number") {
          if (Number.isFinite(v)) w.number(v, dec[j]);
        } else w.bytes(text.get(v, j));
      }
      w.byte(NEWLINE);
    } else {
      if (!ndjson && i > 0) w.byte(COMMA);
      for (let j = 0; j < n; j++) {
        w.bytes(keyBytes[j]);
        const v = cell[j];
        if (v === null) w.bytes(NULL);
        else if (typeof v === "number") {
          if (Number.isFinite(v)) w.number(v, dec[j]);
          else w.bytes(NULL);
        } else w.bytes(text.get(v, j));
      }
      w.byte(125); // }
      if (ndjson) w.byte(NEWLINE);
    }
    inChunk++;
    if (w.pos >= limit) {
      onRows?.(inChunk);
      inChunk = 0;
      yield w.take();
    }
  }
  if (format === "json") {
    w.byte(93); // ]
    w.byte(NEWLINE);
  }
  onRows?.(inChunk);
  yield w.take();
}

/** The whole batch as one string (small batches: the reference dataset, tests). */
export function serializeToString(src: RowSource, format: Format): string {
  const parts: Buffer[] = [];
  for (const chunk of serialize(src, format)) parts.push(chunk);
  return Buffer.concat(parts).toString("utf8");
}
