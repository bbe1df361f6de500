/**
 * The generator's row core, in AssemblyScript (compiled to lib/generator/wasm/core.wasm by
 * `npm run build:wasm`): the random streams, the rows of both tables under every scenario,
 * and their CSV / JSON / NDJSON bytes. It is the one implementation of a batch's numbers;
 * lib/generator/core.ts loads it and fills in each source's settings: lib/generator/generate.ts
 * computes them from the options (scenario shares, shifts, category tables) and
 * drifter/src/format.ts gives the encoded pieces of every column in each format.
 *
 * A source's whole state (settings, both streams' words, the encoded pieces) lives in one
 * region of SOURCE_BYTES; the host swaps it when several sources take turns.
 *
 * Streams: xoshiro128** seeded through splitmix32, named by (seed, block, stream); every
 * block of BLOCK_ROWS rows has its own base and drift streams. Normals by the ziggurat
 * (Marsaglia & Tsang, 128 layers, layer and value from disjoint bits of one draw).
 */

export const BLOCK_ROWS: u32 = 1024;
const BASE_STREAM: u32 = 0;
const DRIFT_STREAM: u32 = 1;

// ---- The source region: byte offsets (exported: the host reads them by name). ----
const O_BASE: usize = 0; // u32[4] base stream words
const O_DRIFT: usize = 16; // u32[4] drift stream words
export const O_SEED: usize = 32; // u32
const O_BLOCK: usize = 36; // u32: current block
const O_LEFT: usize = 40; // u32: rows left in the block
export const O_KIND: usize = 44; // u32: 0 credit, 1 legacy
export const O_NCOLS: usize = 48; // u32: output columns
export const O_LABEL: usize = 52; // u32: 1 with the label column
export const O_SEP: usize = 56; // u32: byte between rows (44 for JSON, 0 otherwise)
export const O_ROWBOUND: usize = 60; // u32: most bytes one row can take
export const O_NEWCAT: usize = 64; // f64: share of new categories (new_category)
export const O_MISSING: usize = 72; // f64: share of missing values (missing_spike)
export const O_KEEPNEG: usize = 80; // f64: chance to keep a negative row (label_prior)
export const O_CONCEPT: usize = 88; // f64: share of rows under the shifted concept
export const O_LSCALE: usize = 96; // f64: legacy scale
export const O_LOC: usize = 128; // f64[8] latent location per numeric feature
export const O_SCALE: usize = 192; // f64[8] latent scale per numeric feature
export const O_CUM: usize = 256; // f64[4][8] cumulative category shares times 2^32
export const O_NCAT: usize = 512; // i32[4] categories per categorical feature
export const O_INCOME: usize = 528; // f64[8] income factor per employment type
export const O_LOAN: usize = 592; // f64[8] loan factor per purpose
export const O_CODES: usize = 656; // i32[6]: unemployed, contractor, own, rent, business, medical
export const O_SHIFT: usize = 688; // f64[32] legacy shift per column
export const O_DEC: usize = 944; // i32[32] decimals per column (-1: category)
export const O_PIECES: usize = 1072; // per column: u32 pairs (offset, length): prefix, missing, 8 categories
export const PIECES_PER_COLUMN: usize = 10;
export const O_END: usize = O_PIECES + 32 * PIECES_PER_COLUMN * 8; // u32 pair: the row end
export const O_ARENA: usize = O_END + 8; // piece bytes, each padded to 8
export const SOURCE_BYTES: usize = 16384;

export const MAX_COLUMNS: usize = 32;

let SRC: usize = 0;
let ROW_NUM: usize = 0; // f64[32]: the last row's numbers, times 10^decimals, NaN when missing
let ROW_CODE: usize = 0; // i32[32]: the last row's category codes, -1 when missing
let OUT: usize = 0;
export const OUT_CAP: usize = 1 << 20;
let outLen: usize = 0;

export function sourcePtr(): usize { return SRC; }
export function rowNumPtr(): usize { return ROW_NUM; }
export function rowCodePtr(): usize { return ROW_CODE; }
export function outPtr(): usize { return OUT; }
export function outLength(): usize { return outLen; }

// ---- Streams ----
let ba: u32 = 0, bb: u32 = 0, bc: u32 = 0, bd: u32 = 0;
let da: u32 = 0, db: u32 = 0, dc: u32 = 0, dd: u32 = 0;

@inline function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

@inline function nextBase(): u32 {
  const r = rotl(bb * 5, 7) * 9;
  const t = bb << 9;
  bc ^= ba; bd ^= bb; bb ^= bc; ba ^= bd; bc ^= t; bd = rotl(bd, 11);
  return r;
}

@inline function nextDrift(): u32 {
  const r = rotl(db * 5, 7) * 9;
  const t = db << 9;
  dc ^= da; dd ^= db; db ^= dc; da ^= dd; dc ^= t; dd = rotl(dd, 11);
  return r;
}

@inline function uniformDrift(): f64 {
  return <f64>nextDrift() / 4294967296.0;
}

let smState: u32 = 0;
function splitmix32(): u32 {
  smState += 0x9e3779b9;
  let z = smState;
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  return z ^ (z >>> 16);
}

function fmix32(h: u32): u32 {
  h = (h ^ (h >>> 16)) * 0x85ebca6b;
  h = (h ^ (h >>> 13)) * 0xc2b2ae35;
  return h ^ (h >>> 16);
}

/** Seeds the base stream (which = 0) or the drift stream (which = 1) as stream (seed, block, stream). */
function seedStream(which: i32, seed: u32, block: u32, stream: u32): void {
  smState = seed;
  let a = splitmix32();
  let b = splitmix32() ^ fmix32(block + 1);
  let c = splitmix32() ^ fmix32(stream + 1);
  let d = splitmix32();
  if ((a | b | c | d) == 0) a = 1;
  if (which == 0) {
    ba = a; bb = b; bc = c; bd = d;
    for (let i = 0; i < 8; i++) nextBase();
  } else {
    da = a; db = b; dc = c; dd = d;
    for (let i = 0; i < 8; i++) nextDrift();
  }
}

function loadStreams(): void {
  ba = load<u32>(SRC + O_BASE); bb = load<u32>(SRC + O_BASE + 4); bc = load<u32>(SRC + O_BASE + 8); bd = load<u32>(SRC + O_BASE + 12);
  da = load<u32>(SRC + O_DRIFT); db = load<u32>(SRC + O_DRIFT + 4); dc = load<u32>(SRC + O_DRIFT + 8); dd = load<u32>(SRC + O_DRIFT + 12);
}

function storeStreams(): void {
  store<u32>(SRC + O_BASE, ba); store<u32>(SRC + O_BASE + 4, bb); store<u32>(SRC + O_BASE + 8, bc); store<u32>(SRC + O_BASE + 12, bd);
  store<u32>(SRC + O_DRIFT, da); store<u32>(SRC + O_DRIFT + 4, db); store<u32>(SRC + O_DRIFT + 8, dc); store<u32>(SRC + O_DRIFT + 12, dd);
}

/** Moves the source to the row `firstRow` (a multiple of BLOCK_ROWS). */
export function begin(firstRow: u32): void {
  const seed = load<u32>(SRC + O_SEED);
  const block = firstRow / BLOCK_ROWS;
  seedStream(0, seed, block, BASE_STREAM);
  seedStream(1, seed, block, DRIFT_STREAM);
  store<u32>(SRC + O_BLOCK, block);
  store<u32>(SRC + O_LEFT, BLOCK_ROWS);
  storeStreams();
}

/** Before each row: the next block's streams every BLOCK_ROWS rows. */
@inline function nextRowOfBlock(): void {
  const left = load<u32>(SRC + O_LEFT);
  if (left > 0) {
    store<u32>(SRC + O_LEFT, left - 1);
    return;
  }
  const seed = load<u32>(SRC + O_SEED);
  const block = load<u32>(SRC + O_BLOCK) + 1;
  seedStream(0, seed, block, BASE_STREAM);
  seedStream(1, seed, block, DRIFT_STREAM);
  store<u32>(SRC + O_BLOCK, block);
  store<u32>(SRC + O_LEFT, BLOCK_ROWS - 1);
}

// ---- Ziggurat normals on the base stream ----
const ZIG_R: f64 = 3.442619855899;
const KN = new StaticArray<f64>(128);
const WN = new StaticArray<f64>(128);
const FN = new StaticArray<f64>(128);

function zigInit(): void {
  const scale: f64 = 16777216.0; // 2^24
  const area: f64 = 9.91256303526217e-3;
  let dn = ZIG_R;
  let tn = dn;
  const q = area / Math.exp(-0.5 * dn * dn);
  KN[0] = Math.floor((dn / q) * scale);
  KN[1] = 0;
  WN[0] = q / scale;
  WN[127] = dn / scale;
  FN[0] = 1;
  FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(area / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = Math.floor((dn / tn) * scale);
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / scale;
  }
}

@inline function normal(): f64 {
  const u = nextBase();
  const iz = <i32>(u & 127);
  const hz = (<i32>u) >> 7;
  if (<f64>abs(hz) < unchecked(KN[iz])) return <f64>hz * unchecked(WN[iz]);
  return normalEdge(hz, iz);
}

function normalEdge(hz: i32, iz: i32): f64 {
  for (;;) {
    if (iz == 0) {
      let x: f64, y: f64;
      do {
        x = -Math.log((<f64>nextBase() + 0.5) / 4294967296.0) / ZIG_R;
        y = -Math.log((<f64>nextBase() + 0.5) / 4294967296.0);
      } while (y + y < x * x);
      return hz > 0 ? ZIG_R + x : -ZIG_R - x;
    }
    const x = <f64>hz * WN[iz];
    if (FN[iz] + (<f64>nextBase() / 4294967296.0) * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) return x;
    const u = nextBase();
    iz = <i32>(u & 127);
    hz = (<i32>u) >> 7;
    if (<f64>abs(hz) < KN[iz]) return <f64>hz * WN[iz];
  }
  return 0; // unreachable
}

/** Standard normals of stream (seed, block, stream) into the row buffer (for the host's tests). */
export function normals(seed: u32, block: u32, stream: u32, n: i32, out: usize): void {
  seedStream(0, seed, block, stream);
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), normal());
}

@inline function pickBase(k: usize): i32 {
  const u = <f64>nextBase();
  const n = load<i32>(SRC + O_NCAT + (k << 2));
  const cum = SRC + O_CUM + (k << 6);
  for (let i = 0; i < n - 1; i++) if (u < load<f64>(cum + (<usize>i << 3))) return i;
  return n - 1;
}

@inline function clip(x: f64, lo: f64, hi: f64): f64 {
  return x < lo ? lo : x > hi ? hi : x;
}

@inline function setNum(j: usize, v: f64): void {
  store<f64>(ROW_NUM + (j << 3), v);
}

@inline function setCode(j: usize, v: i32): void {
  store<i32>(ROW_CODE + (j << 2), v);
}

// ---- The credit table (generate.ts describes the world; this is its arithmetic) ----
const LN_INCOME = Math.log(52000.0);
const LN_LOAN = Math.log(12000.0);
const LN_DTI = Math.log(0.3);
const LN_MONTHS = Math.log(48.0);

// One drawn applicant: published values (for the label) and codes.
let age: f64 = 0, income: f64 = 0, loanAmount: f64 = 0, creditScore: f64 = 0, dti: f64 = 0, months: f64 = 0, accounts: f64 = 0;
let incomeCents: f64 = 0, loanCents: f64 = 0, dtiBasisPoints: f64 = 0;
let cEmp: i32 = 0, cHome: i32 = 0, cPurpose: i32 = 0, cRegion: i32 = 0;

@inline function category(k: usize, drawn: i32, newShare: f64): i32 {
  return newShare > 0 && uniformDrift() < newShare ? load<i32>(SRC + O_NCAT + (k << 2)) : drawn;
}

function drawApplicant(): void {
  const loc = SRC + O_LOC;
  const sc = SRC + O_SCALE;
  const iEmp = pickBase(0);
  const iHome = pickBase(1);
  const iPurpose = pickBase(2);
  const iRegion = pickBase(3);
  const zAge = normal() * load<f64>(sc) + load<f64>(loc);
  const zIncome = normal() * load<f64>(sc + 8) + load<f64>(loc + 8);
  const zLoan = normal() * load<f64>(sc + 16) + load<f64>(loc + 16);
  const zCredit = normal() * load<f64>(sc + 24) + load<f64>(loc + 24);
  const zDti = normal() * load<f64>(sc + 32) + load<f64>(loc + 32);
  const zMonths = normal() * load<f64>(sc + 40) + load<f64>(loc + 40);
  const zAccounts = normal() * load<f64>(sc + 48) + load<f64>(loc + 48);

  age = clip(Math.round(42 + 12 * zAge), 18, 100);
  const ageFactor = 1 + 0.008 * (Math.min(age, 65) - 42);
  incomeCents = clip(Math.round(Math.exp(LN_INCOME + 0.45 * zIncome) * load<f64>(SRC + O_INCOME + (<usize>iEmp << 3)) * ageFactor * 100), 0, 10000000.0 * 100);
  income = incomeCents / 100;
  loanCents = clip(Math.round(Math.exp(LN_LOAN + 0.6 * zLoan) * load<f64>(SRC + O_LOAN + (<usize>iPurpose << 3)) * 100), 0, 5000000.0 * 100);
  loanAmount = loanCents / 100;
  creditScore = clip(Math.round(680 + 55 * zCredit + 0.8 * (age - 42)), 300, 850);
  dtiBasisPoints = clip(Math.round(Math.exp(LN_DTI + 0.45 * zDti) * 10000), 0, 10 * 10000);
  dti = dtiBasisPoints / 10000;
  const unemployed = load<i32>(SRC + O_CODES);
  months = iEmp == unemployed ? 0 : clip(Math.round(Math.exp(LN_MONTHS + 0.9 * zMonths)), 0, Math.min(960, (age - 16) * 12));
  accounts = clip(Math.round(6 + 3 * zAccounts), 0, 200);
  const newShare = load<f64>(SRC + O_NEWCAT);
  cEmp = category(0, iEmp, newShare);
  cHome = category(1, iHome, newShare);
  cPurpose = category(2, iPurpose, newShare);
  cRegion = category(3, iRegion, newShare);
}

/** lib/schema.ts applicantLogit, on the drawn applicant (tests check every label against it). */
function logit(shifted: bool): f64 {
  const credit = (creditScore - 680) / 60;
  const debt = (dti - 0.35) / 0.15;
  const loanToIncome = loanAmount / Math.max(income, 1000);
  const tenure = Math.min(months, 240) / 60;
  const codes = SRC + O_CODES;
  if (shifted) {
    return -1.2 - 0.3 * credit + 2.0 * debt + 2.2 * (loanToIncome - 0.3) - 0.35 * tenure + (cHome == load<i32>(codes + 12) ? 0.9 : 0);
  }
  const a = (age - 42) / 12;
  let z = -1.2 - 1.1 * credit + 0.9 * debt + 2.2 * (loanToIncome - 0.3) - 0.35 * tenure - 0.15 * a;
  if (cEmp == load<i32>(codes)) z += 1.4;
  else if (cEmp == load<i32>(codes + 4)) z += 0.4;
  if (cHome == load<i32>(codes + 8)) z -= 0.3;
  if (cPurpose == load<i32>(codes + 16)) z += 0.5;
  else if (cPurpose == load<i32>(codes + 20)) z += 0.3;
  return z;
}

function creditRow(): void {
  const concept = load<f64>(SRC + O_CONCEPT);
  const keepNegative = load<f64>(SRC + O_KEEPNEG);
  let label: i32 = 0;
  // Prior shift by rejection: P(x | y) stays, P(y) moves.
  for (;;) {
    drawApplicant();
    const shifted = concept > 0 && uniformDrift() < concept;
    label = logit(shifted) > 0 ? 1 : 0;
    if (label == 1 || keepNegative >= 1 || uniformDrift() < keepNegative) break;
  }
  setNum(0, age);
  setNum(1, incomeCents);
  setNum(2, loanCents);
  setNum(3, creditScore);
  setNum(4, dtiBasisPoints);
  setNum(5, months);
  setNum(6, accounts);
  setCode(7, cEmp);
  setCode(8, cHome);
  setCode(9, cPurpose);
  setCode(10, cRegion);
  const missing = load<f64>(SRC + O_MISSING);
  if (missing > 0) {
    for (let j: usize = 0; j < 11; j++) {
      if (uniformDrift() < missing) {
        if (j < 7) setNum(j, NaN);
        else setCode(j, -1);
      }
    }
  }
  if (load<u32>(SRC + O_LABEL) != 0) setNum(11, <f64>label);
}

function legacyRow(): void {
  const n = <usize>load<u32>(SRC + O_NCOLS);
  const scale = load<f64>(SRC + O_LSCALE);
  const missing = load<f64>(SRC + O_MISSING);
  for (let j: usize = 0; j < n; j++) {
    const v = Math.round((normal() * scale + load<f64>(SRC + O_SHIFT + (j << 3))) * 1000000.0);
    setNum(j, missing > 0 && uniformDrift() < missing ? NaN : v);
  }
}

@inline function makeRow(): void {
  nextRowOfBlock();
  if (load<u32>(SRC + O_KIND) == 0) creditRow();
  else legacyRow();
}

/** The next row into the row buffers (numbers times 10^decimals, category codes). */
export function nextRow(): void {
  loadStreams();
  makeRow();
  storeStreams();
}

// ---- Encoding ----
@inline function put(p: usize, pair: usize): usize {
  const off = <usize>load<u32>(pair);
  const n = <usize>load<u32>(pair + 4);
  const src = SRC + off;
  for (let i: usize = 0; i < n; i += 8) store<u64>(p + i, load<u64>(src + i));
  return p + n;
}

@inline function putUint(p: usize, n: u64): usize {
  let len: usize = 1;
  let t = n;
  while (t >= 10) {
    t /= 10;
    len++;
  }
  let q = p + len;
  do {
    const d = n / 10;
    q--;
    store<u8>(q, <u8>(48 + (n - d * 10)));
    n = d;
  } while (n > 0);
  return p + len;
}

const POW10: StaticArray<u64> = [1, 10, 100, 1000, 10000, 100000, 1000000];

/** k / 10^dec for an integer k, as String() prints that number (dec <= 6). */
function putScaled(p: usize, k: f64, dec: i32): usize {
  if (k < 0) {
    store<u8>(p, 45);
    p++;
    k = -k;
  }
  const kk = <u64>k;
  if (dec == 0) return putUint(p, kk);
  const scale = unchecked(POW10[dec]);
  const ip = kk / scale;
  let fp = kk - ip * scale;
  p = putUint(p, ip);
  if (fp == 0) return p;
  let width = dec;
  while (fp % 10 == 0) {
    fp /= 10;
    width--;
  }
  store<u8>(p, 46);
  p++;
  for (let w = width - 1; w > 0 && fp < unchecked(POW10[w]); w--) {
    store<u8>(p, 48);
    p++;
  }
  return putUint(p, fp);
}

/**
 * Makes and encodes up to `rows` rows into the output buffer, stopping early when fewer
 * than a row's bound of `byteLimit` bytes is left; `first`: the batch's first row is
 * among them (no separator before it). Returns the rows made; outLength() gives the bytes.
 */
export function encode(rows: u32, byteLimit: u32, first: bool): u32 {
  loadStreams();
  const ncols = <usize>load<u32>(SRC + O_NCOLS);
  const sep = <u8>load<u32>(SRC + O_SEP);
  const limit = OUT + <usize>min(byteLimit, <u32>OUT_CAP) - <usize>load<u32>(SRC + O_ROWBOUND);
  let p = OUT;
  let done: u32 = 0;
  while (done < rows && p <= limit) {
    makeRow();
    if (sep != 0 && !(first && done == 0)) {
      store<u8>(p, sep);
      p++;
    }
    for (let j: usize = 0; j < ncols; j++) {
      const pieces = SRC + O_PIECES + j * PIECES_PER_COLUMN * 8;
      const dec = load<i32>(SRC + O_DEC + (j << 2));
      if (dec >= 0) {
        const k = load<f64>(ROW_NUM + (j << 3));
        if (k != k) p = put(p, pieces + 8);
        else p = putScaled(put(p, pieces), k, dec);
      } else {
        const code = load<i32>(ROW_CODE + (j << 2));
        p = put(p, code < 0 ? pieces + 8 : pieces + 16 + (<usize>code << 3));
      }
    }
    p = put(p, SRC + O_END);
    done++;
  }
  storeStreams();
  outLen = p - OUT;
  return done;
}

export function init(): void {
  SRC = heap.alloc(SOURCE_BYTES);
  ROW_NUM = heap.alloc(MAX_COLUMNS * 8);
  ROW_CODE = heap.alloc(MAX_COLUMNS * 4);
  OUT = heap.alloc(OUT_CAP + 64);
  zigInit();
}
