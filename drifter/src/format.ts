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
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
/** Integers 0..SMALL_INTS-1 of a column are printed from a table of ready pieces. */
const SMALL_INTS = 1024;
/** Text cells are categories (<= 40 chars by lib/schema CATEGORY_PATTERN); encoded texts longer than this take the slow path. */
const TEXT_CHARS = 64;
/** UTF-8 bytes of a cached text at most (3 per UTF-16 code unit). */
const TEXT_BOUND = 3 * TEXT_CHARS;
/** Bytes a piece may write past its end (it is copied in whole 32-bit words). */
const SLACK = 4;

/**
 * A constant piece of output (a key, a key with a category, a row end), kept as
 * little-endian 32-bit words: copying it a word at a time through a DataView is several
 * times faster than a byte loop or TypedArray.set for the short pieces a row is made of.
 */
class Piece {
  readonly n: number;
  readonly words: Int32Array;
  constructor(readonly text: string) {
    const bytes = Buffer.from(text, "utf8");
    this.n = bytes.length;
    const padded = Buffer.alloc(Math.ceil(bytes.length / 4) * 4);
    bytes.copy(padded);
    this.words = Int32Array.from({ length: padded.length / 4 }, (_, i) => padded.readInt32LE(4 * i));
  }
}

/** Copies a piece to p (writing up to SLACK bytes past its end, which later writes cover). */
function put(dv: DataView, p: number, piece: Piece): number {
  const w = piece.words;
  for (let i = 0; i < w.length; i++) dv.setInt32(p + 4 * i, w[i], true);
  return p + piece.n;
}

/** A non-negative integer below 2^31, written straight into place. */
function putUint(b: Uint8Array, p: number, n: number): number {
  let len = 1;
  while (len < 10 && n >= POW10[len]) len++;
  let q = p + len;
  let m = n | 0;
  do {
    const d = (m / 10) | 0;
    b[--q] = ZERO + m - d * 10;
    m = d;
  } while (m > 0);
  return p + len;
}

/**
 * A finite number with |v| < 1e9 that is a multiple of 10^-dec, printed as String(v)
 * would: no trailing zeros, no exponent, "-" only for values below zero.
 */
function putFixed(b: Uint8Array, p: number, v: number, dec: number): number {
  const scale = POW10[dec];
  let k = Math.round(v * scale);
  if (k === 0) {
    b[p] = ZERO;
    return p + 1;
  }
  if (k < 0) {
    b[p++] = MINUS;
    k = -k;
  }
  const ip = Math.floor(k / scale);
  let fp = k - ip * scale;
  p = putUint(b, p, ip);
  if (fp === 0) return p;
  let width = dec;
  while (fp % 10 === 0) {
    fp /= 10;
    width--;
  }
  b[p++] = DOT;
  for (let w = width - 1; w > 0 && fp < POW10[w]; w--) b[p++] = ZERO;
  return putUint(b, p, fp);
}

/**
 * A number as String(v) prints it: the integer path for a column whose values are
 * multiples of 10^-dec (dec >= 0, RowSource's promise), String() otherwise.
 */
function putNumber(b: Uint8Array, p: number, v: number, dec: number): number {
  if (dec >= 0 && v < 1e9 && v > -1e9) return putFixed(b, p, v, dec);
  const s = String(v);
  for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
  return p;
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
    this.ints = dec >= 0 ? new Array<Piece | undefined>(SMALL_INTS) : null;
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

  constructor(readonly size: number) {
    this.fresh(size);
  }

  private fresh(size: number): void {
    this.buf = Buffer.allocUnsafe(size);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.fresh(this.size);
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

/** The CSV header line (with its newline). */
export function csvHeader(columns: readonly string[]): string {
  return columns.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",") + "\n";
}

/** Writes one row of cells at out.pos. */
function encodeRow(out: Chunk, plans: readonly ColumnPlan[], cell: readonly Cell[], sep: number, end: Piece): void {
  let b = out.buf;
  let dv = out.dv;
  let p = out.pos;
  if (sep !== 0) b[p++] = sep;
  for (let j = 0; j < plans.length; j++) {
    const c = plans[j];
    const v = cell[j];
    let piece: Piece | undefined;
    if (v === null) piece = c.missing;
    else if (typeof v === "number") {
      if (c.ints !== null && v >= 0 && v < SMALL_INTS && Math.floor(v) === v) piece = c.ints[v] ?? c.int(v);
      else if (v - v === 0) {
        p = putNumber(b, put(dv, p, c.prefix), v, c.dec);
        continue;
      } else piece = c.missing; // NaN and infinities are printed as missing
    } else {
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
    p = put(dv, p, piece);
  }
  out.pos = put(dv, p, end);
}

/**
 * The batch in `format` as a lazy sequence of byte chunks: each chunk is made when the
 * consumer asks for it, so a stream's backpressure paces the generator. `onRows` is told
 * how many rows each chunk holds as it is handed out.
 */
export function* serialize(src: RowSource, format: Format, chunkBytes = CHUNK_BYTES, onRows?: (n: number) => void): Generator<Buffer, void, undefined> {
  const cols = src.columns;
  const total = src.options.rows;
  const csv = format === "csv";
  const cell: Cell[] = new Array(cols.length).fill(null);
  const plans = cols.map((c, j) =>
    csv ? new ColumnPlan(j === 0 ? "" : ",", "", src.decimals[j], csvEncode) : new ColumnPlan((j === 0 ? "{" : ",") + JSON.stringify(c) + ":", "null", src.decimals[j], JSON.stringify),
  );
  const end = new Piece(csv ? "\n" : format === "ndjson" ? "}\n" : "}");
  // Worst case of one row: every column's prefix plus its longest cached value, and slack.
  const rowBound = plans.reduce((n, c) => n + Math.max(c.missing.n, c.prefix.n + Math.max(32, TEXT_BOUND)), 1 + end.n + SLACK);
  const out = new Chunk(Math.max(chunkBytes, 2 * rowBound));
  const limit = out.size - rowBound;
  if (csv) out.utf8(csvHeader(cols));
  else if (format === "json") out.utf8("[");
  const sep = format === "json" ? COMMA : 0;
  let inChunk = 0;
  for (let i = 0; i < total; i++) {
    src.next(cell);
    encodeRow(out, plans, cell, i === 0 ? 0 : sep, end);
    inChunk++;
    if (out.pos >= limit) {
      onRows?.(inChunk);
      inChunk = 0;
      yield out.take();
    }
  }
  if (format === "json") out.utf8("]\n");
  onRows?.(inChunk);
  yield out.take();
}

/** The whole batch as one string (small batches: the reference dataset, tests). */
export function serializeToString(src: RowSource, format: Format): string {
  const parts: Buffer[] = [];
  for (const chunk of serialize(src, format)) parts.push(chunk);
  return Buffer.concat(parts).toString("utf8");
}
