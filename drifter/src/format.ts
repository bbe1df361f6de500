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
import { rowBuffers, type RowSource } from "./generate";

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
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
/** Most decimals a number column may have (String() prints 1e-7 with an exponent). */
const MAX_DECIMALS = 6;
/** Integers 0..SMALL_INTS-1 of a column are printed from a table of ready pieces. */
const SMALL_INTS = 1024;
/** Text cells are categories (<= 40 chars by lib/schema CATEGORY_PATTERN); encoded texts longer than this take the slow path. */
const TEXT_CHARS = 64;
/** UTF-8 bytes of a cached text at most (3 per UTF-16 code unit). */
const TEXT_BOUND = 3 * TEXT_CHARS;
/** Bytes a piece may write past its end (it is copied in whole 64-bit words). */
const SLACK = 8;

/**
 * A constant piece of output (a key, a key with a category, a row end), kept as
 * little-endian 64-bit words: copying it a word at a time through a DataView is several
 * times faster than a byte loop or TypedArray.set for the short pieces a row is made of.
 * A word is stored as the float64 with its bits, which is exact for every bit pattern but
 * NaN's; a piece with a NaN pattern (only possible with non-ASCII text) is kept as 32-bit
 * words instead.
 */
class Piece {
  readonly n: number;
  readonly words64: Float64Array | null;
  readonly words32: Int32Array;
  constructor(readonly text: string) {
    const bytes = Buffer.from(text, "utf8");
    this.n = bytes.length;
    const padded = Buffer.alloc(Math.ceil(bytes.length / 8) * 8);
    bytes.copy(padded);
    const words64 = Float64Array.from({ length: padded.length / 8 }, (_, i) => padded.readDoubleLE(8 * i));
    this.words64 = words64.some(Number.isNaN) ? null : words64;
    this.words32 = Int32Array.from({ length: padded.length / 4 }, (_, i) => padded.readInt32LE(4 * i));
  }
}

/** Copies a piece to p (writing up to SLACK bytes past its end, which later writes cover). */
function put(dv: DataView, p: number, piece: Piece): number {
  const w = piece.words64;
  if (w !== null) for (let i = 0; i < w.length; i++) dv.setFloat64(p + 8 * i, w[i], true);
  else {
    const w32 = piece.words32;
    for (let i = 0; i < w32.length; i++) dv.setInt32(p + 4 * i, w32[i], true);
  }
  return p + piece.n;
}

/** A non-negative integer below 2^53, written straight into place. */
function putUint(b: Uint8Array, p: number, n: number): number {
  let len = 1;
  while (len < 16 && n >= POW10[len]) len++;
  let q = p + len;
  if (n < 2147483648) {
    let m = n | 0;
    do {
      const d = (m / 10) | 0;
      b[--q] = ZERO + m - d * 10;
      m = d;
    } while (m > 0);
  } else {
    do {
      const d = Math.floor(n / 10);
      b[--q] = ZERO + (n - d * 10);
      n = d;
    } while (n > 0);
  }
  return p + len;
}

/**
 * The number k / 10^dec for an integer k (|k| < 2^53), printed as String() prints that
 * number: no trailing zeros, no exponent (dec <= MAX_DECIMALS), "-" only below zero.
 */
function putScaled(b: Uint8Array, p: number, k: number, dec: number): number {
  if (k < 0) {
    b[p++] = MINUS;
    k = -k;
  }
  if (dec === 0) return putUint(b, p, k);
  const scale = POW10[dec];
  const ip = Math.floor(k / scale);
  // dec <= MAX_DECIMALS, so the fraction is an int32 (integer arithmetic, not float modulo).
  let fp = (k - ip * scale) | 0;
  p = putUint(b, p, ip);
  if (fp === 0) return p;
  let width = dec;
  while (fp % 10 === 0) {
    fp = (fp / 10) | 0;
    width--;
  }
  b[p++] = DOT;
  for (let w = width - 1; w > 0 && fp < POW10[w]; w--) b[p++] = ZERO;
  return putUint(b, p, fp);
}

function csvEncode(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * How one column is printed: its prefix (CSV: the comma; JSON: the key), and ready pieces
 * (prefix + value) for a missing value, small integers and the texts seen so far. A batch
 * has few distinct texts (categories), so each is escaped and encoded once; the cache is
 * bounded, beyond it texts are encoded per cell.
 */
class ColumnPlan {
  readonly prefix: Piece;
  readonly missing: Piece;
  readonly ints: (Piece | undefined)[] | null;
  /** The last few texts and their pieces: found by identity before any hashing. */
  private readonly recentText: string[] = [];
  private readonly recentPiece: Piece[] = [];
  private readonly map = new Map<string, Piece>();

  constructor(
    prefix: string,
    missing: string,
    readonly dec: number,
    private readonly encode: (s: string) => string,
  ) {
    this.prefix = new Piece(prefix);
    this.missing = new Piece(prefix + missing);
    // Small integers of an integer column (counts, ages, scores, the label) as ready pieces.
    this.ints = dec === 0 ? new Array<Piece | undefined>(SMALL_INTS) : null;
  }

  int(v: number): Piece {
    return (this.ints![v] = new Piece(this.prefix.text + String(v)));
  }

  /** The piece of a text cell, or undefined when it is too long to cache (slow path). */
  text(s: string): Piece | undefined {
    const texts = this.recentText;
    for (let i = 0; i < texts.length; i++) if (texts[i] === s) return this.recentPiece[i];
    let piece = this.map.get(s);
    if (piece === undefined) {
      const encoded = this.encode(s);
      if (encoded.length > TEXT_CHARS) return undefined;
      piece = new Piece(this.prefix.text + encoded);
      if (this.map.size < 4096) this.map.set(s, piece);
    }
    if (texts.length < 8) {
      texts.push(s);
      this.recentPiece.push(piece);
    }
    return piece;
  }

  /** Prefix + encoded text for a text the cache does not take. */
  long(s: string): string {
    return this.prefix.text + this.encode(s);
  }
}

/** The chunk being written: its bytes, a DataView on them, and the write position. */
class Chunk {
  buf!: Buffer;
  dv!: DataView;
  pos = 0;

  /** The first chunk is written into `scratch` when given (at least `size` bytes, reused by the caller). */
  constructor(
    readonly size: number,
    scratch?: Buffer,
    private readonly alloc: (size: number) => Buffer = Buffer.allocUnsafe,
  ) {
    this.fresh(size, scratch);
  }

  private fresh(size: number, into?: Buffer): void {
    this.buf = into ?? this.alloc(size);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Hands out what is written; a new chunk is allocated only when `more` will be written. */
  take(more: boolean): Buffer {
    const out = this.buf.subarray(0, this.pos);
    if (more) this.fresh(this.size);
    this.pos = 0;
    return out;
  }

  /** Writes arbitrary UTF-8 text at pos, growing the chunk if it does not fit. */
  utf8(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    if (this.pos + n + SLACK > this.buf.length) {
      const old = this.buf.subarray(0, this.pos);
      this.fresh(this.pos + n + this.size);
      old.copy(this.buf);
    }
    this.pos += this.buf.write(s, this.pos, "utf8");
  }
}

/** How a row of one format and set of columns is printed: per-column plans, the row end, and a row's worst-case size. */
interface Layout {
  plans: ColumnPlan[];
  end: Piece;
  rowBound: number;
}

/**
 * Layouts are kept across batches (their pieces are the costly part of a small batch); a
 * process sees a few dozen at most (formats x tables x legacy widths), and the cache is
 * bounded all the same.
 */
const layouts = new Map<string, Layout>();
const MAX_LAYOUTS = 256;

function layoutOf(format: Format, cols: readonly string[], decimals: Int8Array): Layout {
  for (const [j, d] of decimals.entries()) if (d > MAX_DECIMALS) throw new RangeError(`column ${cols[j]} has ${d} decimals; the encoder prints 0 to ${MAX_DECIMALS}`);
  const key = `${format}\u0000${decimals.join()}\u0000${cols.join("\u0000")}`;
  let layout = layouts.get(key);
  if (layout) return layout;
  const csv = format === "csv";
  const plans = cols.map((c, j) =>
    csv ? new ColumnPlan(j === 0 ? "" : ",", "", decimals[j], csvEncode) : new ColumnPlan((j === 0 ? "{" : ",") + JSON.stringify(c) + ":", "null", decimals[j], JSON.stringify),
  );
  const end = new Piece(csv ? "\n" : format === "ndjson" ? "}\n" : "}");
  // Worst case of one row: every column's prefix plus its longest cached value, and slack.
  const rowBound = plans.reduce((n, c) => n + Math.max(c.missing.n, c.prefix.n + Math.max(32, TEXT_BOUND)), 1 + end.n + SLACK);
  layout = { plans, end, rowBound };
  if (layouts.size >= MAX_LAYOUTS) layouts.clear();
  layouts.set(key, layout);
  return layout;
}

/** The CSV header line (with its newline). */
export function csvHeader(columns: readonly string[]): string {
  return columns.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",") + "\n";
}

/** Writes one row (RowSource.next's arrays) at out.pos. */
function encodeRow(out: Chunk, plans: readonly ColumnPlan[], nums: Float64Array, texts: readonly (string | null)[], sep: number, end: Piece): void {
  let b = out.buf;
  let dv = out.dv;
  let p = out.pos;
  if (sep !== 0) b[p++] = sep;
  for (let j = 0; j < plans.length; j++) {
    const c = plans[j];
    let piece: Piece | undefined;
    if (c.dec >= 0) {
      const k = nums[j];
      if (k - k !== 0) piece = c.missing; // NaN: missing (and infinities, which no column has)
      else if (c.ints !== null && k >= 0 && k < SMALL_INTS) piece = c.ints[k] ?? c.int(k);
      else {
        p = putScaled(b, put(dv, p, c.prefix), k, c.dec);
        continue;
      }
    } else {
      const v = texts[j];
      if (v === null) piece = c.missing;
      else {
        piece = c.text(v);
        if (piece === undefined) {
          out.pos = p;
          out.utf8(c.long(v));
          b = out.buf;
          dv = out.dv;
          p = out.pos;
          continue;
        }
      }
    }
    p = put(dv, p, piece);
  }
  out.pos = put(dv, p, end);
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
  const { chunkBytes = CHUNK_BYTES, onRows, scratch, alloc } = opts;
  const cols = src.columns;
  const csv = format === "csv";
  const { nums, texts } = rowBuffers(src);
  const { plans, end, rowBound } = layoutOf(format, cols, src.decimals);
  const size = Math.max(chunkBytes, 2 * rowBound);
  const out = new Chunk(size, scratch && scratch.length >= size ? scratch : undefined, alloc);
  const limit = out.size - rowBound;
  if (part.first && csv) out.utf8(csvHeader(cols));
  else if (part.first && format === "json") out.utf8("[");
  const sep = format === "json" ? COMMA : 0;
  let inChunk = 0;
  for (let i = 0; i < part.rows; i++) {
    src.next(nums, texts);
    encodeRow(out, plans, nums, texts, i === 0 && part.first ? 0 : sep, end);
    inChunk++;
    if (out.pos >= limit) {
      onRows?.(inChunk);
      inChunk = 0;
      const tail = part.last && format === "json";
      yield out.take(i + 1 < part.rows || tail);
    }
  }
  if (part.last && format === "json") out.utf8("]\n");
  onRows?.(inChunk);
  if (out.pos > 0) yield out.take(false);
}

/** The whole batch as one string (small batches: the reference dataset, tests). */
export function serializeToString(src: RowSource, format: Format): string {
  const parts: Buffer[] = [];
  for (const chunk of serialize(src, format)) parts.push(chunk);
  return Buffer.concat(parts).toString("utf8");
}
