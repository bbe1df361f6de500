/**
 * The host side of the generator's WebAssembly row core (lib/generator/wasm/core.ts, built
 * into lib/generator/wasm/core.wasm by `npm run build:wasm`): loads it once per thread and gives each
 * batch a CoreSource, whose settings generate.ts fills in. The core makes the rows and
 * their bytes; this file moves settings in and bytes out.
 *
 *   const src = new CoreSource(settings, firstRow);
 *   src.encode(format, rows, byteLimit, first)  // rows made; src.output() holds their bytes
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The few WebAssembly APIs used here (tsconfig's lib has no DOM, where their types live). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
};

interface CoreExports {
  memory: { buffer: ArrayBuffer };
  init(): void;
  sourcePtr(): number;
  rowNumPtr(): number;
  rowCodePtr(): number;
  outPtr(): number;
  outLength(): number;
  begin(firstRow: number): void;
  nextRow(): void;
  encode(rows: number, byteLimit: number, first: number): number;
  normals(seed: number, block: number, stream: number, n: number, out: number): void;
}

/** core.wasm next to the sources (`npm run build` copies it next to dist/lib/generator too), or, from dist, in the repository's lib/generator/wasm. */
export const WASM_FILE = join(__dirname, "wasm", "core.wasm");
const WASM_CANDIDATES = [WASM_FILE, join(__dirname, "..", "..", "..", "lib", "generator", "wasm", "core.wasm")];

function loadCore(): CoreExports {
  const file = WASM_CANDIDATES.find((f) => existsSync(f));
  if (!file) throw new Error(`drifter: the row core is missing (looked for ${WASM_CANDIDATES.join(", ")}); run npm run build:wasm`);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {
    env: {
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`drifter row core aborted at core.ts:${line}:${column}`);
      },
    },
  });
  const core = instance.exports as unknown as CoreExports;
  core.init();
  return core;
}

const core = loadCore();
// The core allocates everything in init(), so its memory (and these views) never change.
const bytes = new Uint8Array(core.memory.buffer);
const SRC = core.sourcePtr();
const ROW_NUM = core.rowNumPtr();
const ROW_CODE = core.rowCodePtr();
const OUT = core.outPtr();

/** A constant the core exports (its layout: lib/generator/wasm/core.ts), read by name. */
function constant(name: string): number {
  const g = (core as unknown as Record<string, { value: number } | undefined>)[name];
  if (!g || typeof g.value !== "number") throw new Error(`drifter row core: it exports no constant ${name}; rebuild it with npm run build:wasm`);
  return g.value;
}

/** Field offsets of a source's region. */
const O = {
  seed: constant("O_SEED"),
  kind: constant("O_KIND"),
  ncols: constant("O_NCOLS"),
  label: constant("O_LABEL"),
  sep: constant("O_SEP"),
  rowBound: constant("O_ROWBOUND"),
  newCategory: constant("O_NEWCAT"),
  missing: constant("O_MISSING"),
  keepNegative: constant("O_KEEPNEG"),
  concept: constant("O_CONCEPT"),
  legacyScale: constant("O_LSCALE"),
  loc: constant("O_LOC"),
  scale: constant("O_SCALE"),
  cum: constant("O_CUM"),
  ncat: constant("O_NCAT"),
  income: constant("O_INCOME"),
  loan: constant("O_LOAN"),
  codes: constant("O_CODES"),
  shift: constant("O_SHIFT"),
  decimals: constant("O_DEC"),
  pieces: constant("O_PIECES"),
  end: constant("O_END"),
  arena: constant("O_ARENA"),
} as const;
const SOURCE_BYTES = constant("SOURCE_BYTES");
/** Rows per block: each block has its own streams (part of what a seed means). */
export const CORE_BLOCK_ROWS = constant("BLOCK_ROWS");
const OUT_CAP = constant("OUT_CAP");
const PIECES_PER_COLUMN = constant("PIECES_PER_COLUMN");
/** Categories a column may have, the new one included (pieces per column minus prefix and missing). */
const MAX_CATEGORIES = PIECES_PER_COLUMN - 2;
const MAX_CORE_COLUMNS = constant("MAX_COLUMNS");

/** What one source makes: the credit table (kind 0) or the legacy table (kind 1). */
export interface CoreSettings {
  kind: 0 | 1;
  seed: number;
  /** Decimals per output column (-1: a category). */
  decimals: Int8Array;
  label: boolean;
  newCategory: number;
  missing: number;
  keepNegative: number;
  concept: number;
  /** Credit: latent location and scale per numeric feature. */
  loc: ArrayLike<number>;
  scale: ArrayLike<number>;
  /** Credit: cumulative category shares times 2^32, per categorical feature. */
  cum: ArrayLike<number>[];
  /** Credit: income factor per employment type, loan factor per purpose. */
  income: ArrayLike<number>;
  loan: ArrayLike<number>;
  /** Credit: codes of unemployed, contractor, own, rent, business, medical (the label reads them). */
  codes: readonly number[];
  /** Legacy: scale and shift per column. */
  legacyScale: number;
  shift: ArrayLike<number>;
}

/** The bytes of one output format: per column its prefix, its missing value and its category texts. */
export interface CoreLayout {
  prefixes: readonly string[];
  missing: readonly string[];
  /** Per column, the encoded text of each category code (empty for number columns). */
  categories: readonly (readonly string[])[];
  end: string;
  /** Byte between rows (JSON's comma), or 0. */
  sep: number;
}

let active: CoreSource | null = null;

/** A format's pieces as the region holds them (pair tables and arena), kept per layout key. */
const preparedLayouts = new Map<string, { region: Uint8Array; rowBound: number; sep: number }>();
const MAX_PREPARED = 256;

/** One batch's rows in the core: settings and streams, swapped in when the batch takes its turn. */
export class CoreSource {
  private readonly state = new Uint8Array(SOURCE_BYTES);
  private readonly view = new DataView(this.state.buffer);
  private layoutKey: string | null = null;
  private rowBound = 0;
  /** Bytes of the region in use (settings, then the pieces): what a swap copies. */
  private used = O.arena;

  constructor(
    private readonly s: CoreSettings,
    firstRow: number,
  ) {
    const v = this.view;
    const n = s.decimals.length;
    if (n > MAX_CORE_COLUMNS) throw new RangeError(`the row core makes at most ${MAX_CORE_COLUMNS} columns; asked for ${n}`);
    v.setUint32(O.seed, s.seed >>> 0, true);
    v.setUint32(O.kind, s.kind, true);
    v.setUint32(O.ncols, n, true);
    v.setUint32(O.label, s.label ? 1 : 0, true);
    v.setFloat64(O.newCategory, s.newCategory, true);
    v.setFloat64(O.missing, s.missing, true);
    v.setFloat64(O.keepNegative, s.keepNegative, true);
    v.setFloat64(O.concept, s.concept, true);
    v.setFloat64(O.legacyScale, s.legacyScale, true);
    const f64s = (at: number, xs: ArrayLike<number>, max: number) => {
      if (xs.length > max) throw new RangeError(`row core setting has ${xs.length} values; at most ${max}`);
      for (let i = 0; i < xs.length; i++) v.setFloat64(at + 8 * i, xs[i], true);
    };
    f64s(O.loc, s.loc, 8);
    f64s(O.scale, s.scale, 8);
    s.cum.forEach((c, k) => {
      if (c.length > MAX_CATEGORIES) throw new RangeError(`a category column has at most ${MAX_CATEGORIES - 1} categories`);
      f64s(O.cum + 64 * k, c, 8);
      v.setInt32(O.ncat + 4 * k, c.length, true);
    });
    f64s(O.income, s.income, 8);
    f64s(O.loan, s.loan, 8);
    s.codes.forEach((c, i) => v.setInt32(O.codes + 4 * i, c, true));
    f64s(O.shift, s.shift, 32);
    for (let j = 0; j < n; j++) v.setInt32(O.decimals + 4 * j, s.decimals[j], true);
    this.activate();
    core.begin(firstRow);
  }

  /** Makes this source the core's current one (saving the one before). */
  private activate(): void {
    if (active === this) return;
    if (active) active.state.set(bytes.subarray(SRC, SRC + active.used));
    bytes.set(this.state.subarray(0, this.used), SRC);
    active = this;
  }

  /** Writes a format's pieces (once per format); gives the most bytes one row can take in it. */
  prepare(key: string, layout: CoreLayout): number {
    if (this.layoutKey === key) return this.rowBound;
    // The core holds the live copy of the active source: take it back before changing it.
    if (active === this) this.state.set(bytes.subarray(SRC, SRC + this.used));
    const v = this.view;
    const ready = preparedLayouts.get(key);
    if (ready) {
      this.state.set(ready.region, O.pieces);
      this.used = O.pieces + ready.region.length;
      v.setUint32(O.sep, ready.sep, true);
      v.setUint32(O.rowBound, ready.rowBound, true);
      this.rowBound = ready.rowBound;
      this.layoutKey = key;
      if (active === this) bytes.set(this.state.subarray(0, this.used), SRC);
      return ready.rowBound;
    }
    const enc = (t: string) => Buffer.from(t, "utf8");
    let at = O.arena;
    const piece = (pairAt: number, text: string): number => {
      const b = enc(text);
      if (at + b.length + 8 > SOURCE_BYTES) throw new RangeError("the row core's piece arena is full (too many or too long column names)");
      this.state.set(b, at);
      v.setUint32(pairAt, at, true);
      v.setUint32(pairAt + 4, b.length, true);
      at += Math.ceil(b.length / 8) * 8 + 8;
      return b.length;
    };
    let bound = 1 + 8;
    layout.prefixes.forEach((prefix, j) => {
      const base = O.pieces + j * PIECES_PER_COLUMN * 8;
      const p = piece(base, prefix);
      const m = piece(base + 8, prefix + layout.missing[j]);
      let widest = Math.max(m, p + 24); // a number: sign, up to 16 digits, point
      layout.categories[j].forEach((text, code) => {
        if (code >= MAX_CATEGORIES) throw new RangeError(`column ${j} has more than ${MAX_CATEGORIES} categories`);
        widest = Math.max(widest, piece(base + 16 + 8 * code, prefix + text));
      });
      bound += widest;
    });
    bound += piece(O.end, layout.end);
    v.setUint32(O.sep, layout.sep, true);
    v.setUint32(O.rowBound, bound, true);
    this.rowBound = bound;
    this.layoutKey = key;
    this.used = at;
    if (preparedLayouts.size >= MAX_PREPARED) preparedLayouts.clear();
    preparedLayouts.set(key, { region: this.state.slice(O.pieces, at), rowBound: bound, sep: layout.sep });
    if (active === this) bytes.set(this.state.subarray(0, this.used), SRC);
    return bound;
  }

  /**
   * Makes and encodes up to `rows` rows in `layout` into the core's output, within
   * `byteLimit` bytes (at least one row's bound); `first`: the batch's first row is the
   * first of them. Returns the rows made; output() holds their bytes until the next call.
   */
  encode(key: string, layout: CoreLayout, rows: number, byteLimit: number, first: boolean): number {
    this.prepare(key, layout);
    this.activate();
    return core.encode(rows, Math.min(byteLimit, OUT_CAP), first ? 1 : 0);
  }

  /** The bytes the last encode made (a view of the core's memory: copy before the next call). */
  output(): Uint8Array {
    return bytes.subarray(OUT, OUT + core.outLength());
  }

  /** Makes the next row: numbers (times 10^decimals, NaN when missing) into nums, category codes (-1 when missing) into codes. */
  nextRow(nums: Float64Array, codes: Int32Array): void {
    this.activate();
    core.nextRow();
    const n = this.s.decimals.length;
    for (let j = 0; j < n; j++) {
      if (this.s.decimals[j] >= 0) nums[j] = rowNums[j];
      else codes[j] = rowCodes[j];
    }
  }
}

const rowNums = new Float64Array(core.memory.buffer, ROW_NUM, MAX_CORE_COLUMNS);
const rowCodes = new Int32Array(core.memory.buffer, ROW_CODE, MAX_CORE_COLUMNS);

/** `n` standard normals of stream (seed, block, stream), as the core draws them (for tests). */
export function coreNormals(seed: number, block: number, stream: number, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 0 || n > OUT_CAP / 8) throw new RangeError(`0 to ${OUT_CAP / 8} normals at once; asked for ${n}`);
  // The output buffer is scratch between encode calls; a source's streams live in its region.
  core.normals(seed >>> 0, block >>> 0, stream >>> 0, n, OUT);
  return new Float64Array(bytes.slice(OUT, OUT + 8 * n).buffer);
}
