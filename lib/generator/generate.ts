/**
 * The pure data generator: seeded, incremental, no I/O. The HTTP server streams its rows,
 * the MinIO init Job writes the initial reference with it, and the trainer and tests
 * import it in-process. This file holds the world (tables, scenarios, what each does to
 * the numbers) and checks the options; the row arithmetic runs in the WebAssembly row core
 * (lib/generator/wasm/core.ts through lib/generator/core.ts), about twice as fast as the same code
 * in JavaScript.
 *
 *   for (const row of generateRows({ schema: "credit", rows: 1000, seed: 7, scenario: "mean_shift", magnitude: 0.5 })) ...
 *
 * Reproducibility: the same options give the same rows, byte for byte, on any machine.
 * Rows come one at a time (never the whole batch in memory), and a batch of n rows is the
 * first n rows of any longer batch with the same options. Three independent streams keep
 * scenarios comparable: the base features come from one stream, the per-row drift
 * decisions from a second and batch-level choices from a third, so with magnitude 0 every
 * scenario gives exactly the `none` batch, and a mean shift moves the very same applicants.
 * Every block of BLOCK_ROWS rows has its own base and drift streams (named by seed and
 * block number), so a source can start at any block: the server makes the blocks of a
 * large batch in parallel, and they join into the very batch one source makes alone.
 */
import {
  CATEGORICAL_FEATURES,
  FEATURE_NAMES,
  LABEL,
  NUMERIC_FEATURES,
  legacyColumns,
  type Row,
} from "../schema";
import { CORE_BLOCK_ROWS, CoreSource, type CoreSettings } from "./core";
import { Rng } from "./prng";
import { NEW_CATEGORIES, SCHEMAS, ScenarioError, parseScenarios, type Scenario, type SchemaName } from "../scenarios";

export { SCENARIOS, SCENARIO_INFO, SCHEMAS, NEW_CATEGORIES, ScenarioError, parseScenarios } from "../scenarios";
export type { Scenario, SchemaName, ScenarioInfo } from "../scenarios";
export type { Row } from "../schema";

/** Per-request ceiling of rows (streamed, so memory does not depend on it). */
export const MAX_ROWS = 1_000_000;
/** Legacy table width bounds (the DRIFT_COLS contract). */
export const LEGACY_COLS = { min: 2, max: 30, default: 12 } as const;
export const MAX_SEED = 4294967295;

export interface GenerateOptions {
  /** `credit` (default): the credit-risk table of lib/schema.ts; `legacy`: feat0..featN-1. */
  schema?: SchemaName;
  /** Number of rows, 1..MAX_ROWS. */
  rows: number;
  /** Integer 0..2^32-1; the same seed gives the same batch. */
  seed: number;
  /** One scenario, a list applied together, or a comma-separated string. Default `none`. */
  scenario?: Scenario | readonly Scenario[] | string;
  /** 0..1, see SCENARIO_INFO. Default 0.5. */
  magnitude?: number;
  /** Probability that a column drifts under `drift_prob`, 0..1 (default: magnitude). */
  driftProb?: number;
  /** Legacy table only: number of feat columns, 2..30 (default 12). */
  cols?: number;
  /** Credit table only: include the ground-truth label column `default` (default true). */
  label?: boolean;
}

/** A value of one cell: number, category, or null when missing. */
export type Cell = number | string | null;

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  schema: SchemaName;
  rows: number;
  seed: number;
  scenarios: Scenario[];
  magnitude: number;
  driftProb: number;
  cols: number;
  label: boolean;
}

/** Validates options; the error names the parameter and the allowed values. */
export function resolveOptions(o: GenerateOptions): ResolvedOptions {
  const schema = o.schema ?? "credit";
  if (!(SCHEMAS as readonly string[]).includes(schema)) throw new ScenarioError("schema", `schema ${JSON.stringify(schema)} is unknown; allowed: ${SCHEMAS.join(", ")}`);
  if (!Number.isInteger(o.rows) || o.rows < 1 || o.rows > MAX_ROWS) throw new ScenarioError("rows", `rows must be an integer from 1 to ${MAX_ROWS}`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > MAX_SEED) throw new ScenarioError("seed", `seed must be an integer from 0 to ${MAX_SEED}`);
  const magnitude = o.magnitude ?? 0.5;
  if (typeof magnitude !== "number" || !Number.isFinite(magnitude) || magnitude < 0 || magnitude > 1) throw new ScenarioError("magnitude", "magnitude must be a number from 0 to 1");
  const driftProb = o.driftProb ?? magnitude;
  if (typeof driftProb !== "number" || !Number.isFinite(driftProb) || driftProb < 0 || driftProb > 1) throw new ScenarioError("driftProb", "driftProb must be a number from 0 to 1");
  const cols = o.cols ?? LEGACY_COLS.default;
  if (!Number.isInteger(cols) || cols < LEGACY_COLS.min || cols > LEGACY_COLS.max) throw new ScenarioError("cols", `cols must be an integer from ${LEGACY_COLS.min} to ${LEGACY_COLS.max}`);
  const given = o.scenario as string | readonly string[] | undefined;
  const scenarios = parseScenarios(given === undefined || (Array.isArray(given) && given.length === 0) ? "none" : given, schema);
  return { schema, rows: o.rows, seed: o.seed, scenarios, magnitude, driftProb, cols, label: schema === "credit" && o.label !== false };
}

/** Column names of the batch, in output order. */
export function columnsOf(o: GenerateOptions | ResolvedOptions): string[] {
  const schema = o.schema ?? "credit";
  if (schema === "legacy") return legacyColumns(o.cols ?? LEGACY_COLS.default);
  return o.label === false ? [...FEATURE_NAMES] : [...FEATURE_NAMES, LABEL];
}

/**
 * Makes one batch's rows into reusable arrays, one row per call (the allocation-free path
 * the server's serializers use): `next(nums, texts)` fills both in `columns` order.
 */
export interface RowSource {
  readonly columns: readonly string[];
  readonly options: ResolvedOptions;
  /**
   * Per column: d >= 0 for a number column, whose values are multiples of 10^-d, or -1 for
   * a text column.
   */
  readonly decimals: Int8Array;
  /** Batch-level choices (e.g. which columns drift_prob moved), for logs and headers. */
  readonly details: Record<string, unknown>;
  /**
   * The next row. A number column j gets its value times 10^decimals[j] in nums[j] (an
   * integer, so it is printed without a shortest-round-trip search), NaN when missing; a
   * text column gets its text in texts[j], null when missing.
   */
  next(nums: Float64Array, texts: (string | null)[]): void;
  /** The WebAssembly core that makes this batch's rows and bytes (format.ts encodes through it). */
  readonly core: CoreSource;
  /** Per column, its category texts by code, the new category last (empty for number columns). */
  readonly categories: readonly (readonly string[])[];
}

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Arrays for RowSource.next, sized for `src`. */
export function rowBuffers(src: RowSource): { nums: Float64Array; texts: (string | null)[] } {
  return { nums: new Float64Array(src.columns.length), texts: new Array<string | null>(src.columns.length).fill(null) };
}

/** The published value of column j of the row last made into nums/texts. */
export function cellOf(src: RowSource, nums: Float64Array, texts: readonly (string | null)[], j: number): Cell {
  const d = src.decimals[j];
  if (d < 0) return texts[j];
  const k = nums[j];
  return k === k ? k / POW10[d] : null;
}

/**
 * The rows of a batch from row `firstRow` on (a multiple of BLOCK_ROWS, below the batch's
 * rows): the same rows as the whole batch has there.
 */
export function createRowSource(options: GenerateOptions, firstRow = 0): RowSource {
  const o = resolveOptions(options);
  if (!Number.isInteger(firstRow) || firstRow < 0 || firstRow >= o.rows || firstRow % BLOCK_ROWS !== 0) {
    throw new RangeError(`firstRow must be a multiple of ${BLOCK_ROWS} below rows (${o.rows}); got ${firstRow}`);
  }
  return new CoreRowSource(o, firstRow);
}

/** The batch as row objects (column name -> value), produced lazily. */
export function* generateRows(options: GenerateOptions): Generator<Row, void, undefined> {
  const src = createRowSource(options);
  const cols = src.columns;
  const { nums, texts } = rowBuffers(src);
  for (let i = 0; i < src.options.rows; i++) {
    src.next(nums, texts);
    const row: Row = {};
    for (let j = 0; j < cols.length; j++) row[cols[j]] = cellOf(src, nums, texts, j);
    yield row;
  }
}

/** The batch in chunks of up to `size` row objects (for consumers that work per chunk). */
export function* generateChunks(options: GenerateOptions, size = 1000): Generator<Row[], void, undefined> {
  let chunk: Row[] = [];
  for (const row of generateRows(options)) {
    chunk.push(row);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

// ---------------------------------------------------------------------------------------
// Streams: base features and per-row drift decisions (in the core, lib/generator/wasm/core.ts),
// batch-level choices (here).

/** Rows per block; each block has its own streams (part of what a seed means: do not change). */
export const BLOCK_ROWS = CORE_BLOCK_ROWS;
const SETUP_STREAM = 2;
/** Decimals of the legacy featN floats (values are rounded to micro-units as published). */
export const LEGACY_DECIMALS = 6;

/** Batch-level: which columns drift under drift_prob, and by how much (SDs in [0, 1)). */
function driftProbShifts(o: ResolvedOptions, names: readonly string[]): { shifts: number[]; drifted: Record<string, number> } {
  const shifts = names.map(() => 0);
  const drifted: Record<string, number> = {};
  if (!o.scenarios.includes("drift_prob")) return { shifts, drifted };
  const rng = new Rng(o.seed, 0, SETUP_STREAM);
  names.forEach((name, i) => {
    const hit = rng.uniform() < o.driftProb;
    const value = rng.uniform();
    if (hit) {
      shifts[i] = value;
      drifted[name] = Math.round(value * 1e6) / 1e6;
    }
  });
  return { shifts, drifted };
}

/** What a table makes of the options: its columns, and the core settings that make its rows. */
interface TableBatch {
  columns: string[];
  decimals: Int8Array;
  /** Per column, its category texts by code (empty for number columns). */
  categories: (readonly string[])[];
  /** Columns drift_prob moved, and by how much. */
  drifted: Record<string, number>;
  settings: CoreSettings;
}

/** A batch of either table: made by the core, read back row by row or encoded by format.ts. */
class CoreRowSource implements RowSource {
  readonly columns: string[];
  readonly decimals: Int8Array;
  readonly categories: (readonly string[])[];
  readonly details: Record<string, unknown>;
  readonly core: CoreSource;
  private codes: Int32Array | null = null;

  constructor(
    readonly options: ResolvedOptions,
    firstRow: number,
  ) {
    const has = (s: Scenario) => options.scenarios.includes(s);
    const table = options.schema === "legacy" ? legacyTable(options, has) : creditTable(options, has);
    this.columns = table.columns;
    this.decimals = table.decimals;
    this.categories = table.categories;
    this.details = has("drift_prob") ? { driftedColumns: table.drifted } : {};
    this.core = new CoreSource(table.settings, firstRow);
  }

  next(nums: Float64Array, texts: (string | null)[]): void {
    const codes = (this.codes ??= new Int32Array(this.columns.length));
    this.core.nextRow(nums, codes);
    for (let j = 0; j < this.columns.length; j++) if (this.decimals[j] < 0) texts[j] = codes[j] < 0 ? null : this.categories[j][codes[j]];
  }
}

/** The legacy table: independent N(0, 1) floats feat0..featN-1, shifted and scaled by the scenarios. */
function legacyTable(o: ResolvedOptions, has: (s: Scenario) => boolean): TableBatch {
  const columns = legacyColumns(o.cols);
  const decimals = new Int8Array(o.cols).fill(LEGACY_DECIMALS);
  const { shifts, drifted } = driftProbShifts(o, columns);
  const mean = has("mean_shift") ? 2 * o.magnitude : 0;
  return {
    columns,
    decimals,
    categories: columns.map(() => []),
    drifted,
    settings: {
      ...NO_SETTINGS,
      kind: 1,
      seed: o.seed,
      decimals,
      missing: has("missing_spike") ? o.magnitude : 0,
      legacyScale: has("scale_change") ? 1 + 2 * o.magnitude : 1,
      shift: shifts.map((x) => x + mean),
    },
  };
}

/** Core settings that do not apply to a table. */
const NO_SETTINGS: CoreSettings = {
  kind: 0,
  seed: 0,
  decimals: new Int8Array(0),
  label: false,
  newCategory: 0,
  missing: 0,
  keepNegative: 1,
  concept: 0,
  loc: [],
  scale: [],
  cum: [],
  income: [],
  loan: [],
  codes: [],
  legacyScale: 1,
  shift: [],
};

// ---------------------------------------------------------------------------------------
// The credit-risk world. Each numeric feature is a transform of one latent N(0, 1) draw;
// mean_shift / scale_change / drift_prob act on the latent, so clipping to the schema's
// physical bounds and the dependencies between features stay realistic. Values are
// rounded as they are published (money to cents, ratios to 4 decimals, counts to
// integers) before the label is computed, so the label is a function of what a consumer
// reads. The core (lib/generator/wasm/core.ts) holds the arithmetic; this part holds the world's
// numbers and what each scenario does to them.

/** Reference category shares, in lib/schema.ts category order. */
const CATEGORY_SHARES: Readonly<Record<string, readonly number[]>> = {
  employment_type: [0.62, 0.15, 0.15, 0.08], // salaried, self_employed, contractor, unemployed
  home_ownership: [0.42, 0.18, 0.4], // rent, own, mortgage
  loan_purpose: [0.3, 0.2, 0.15, 0.15, 0.2], // car, home, education, business, medical
  region: [0.25, 0.3, 0.2, 0.25], // north, south, east, west
};

/** Direction of the mean shift per numeric feature: a downturn makes scores worse. */
const SHIFT_DIRECTION: Readonly<Record<string, number>> = {
  age: 1,
  income: 1,
  loan_amount: 1,
  credit_score: -1,
  debt_to_income: 1,
  months_employed: 1,
  num_open_accounts: 1,
};

/** Decimals each published number has (a number column's values are multiples of 10^-d). */
const DECIMALS: Readonly<Record<string, number>> = {
  age: 0,
  income: 2,
  loan_amount: 2,
  credit_score: 0,
  debt_to_income: 4,
  months_employed: 0,
  num_open_accounts: 0,
  [LABEL]: 0,
};

const INCOME_FACTOR: Readonly<Record<string, number>> = { salaried: 1, self_employed: 1.15, contractor: 0.95, unemployed: 0.3 };
const LOAN_FACTOR: Readonly<Record<string, number>> = { car: 1, home: 3, education: 1.2, business: 1.8, medical: 0.6 };

const TWO_POW_32 = 4294967296;

function cumulative(p: readonly number[]): Float64Array {
  const c = new Float64Array(p.length);
  let s = 0;
  const total = p.reduce((a, b) => a + b, 0);
  for (let i = 0; i < p.length; i++) c[i] = s += p[i] / total;
  c[p.length - 1] = 1;
  return c;
}

const NUM = NUMERIC_FEATURES.map((f) => f.name);
const CAT = CATEGORICAL_FEATURES.map((f) => f.name);
const EXPECTED_NUM = ["age", "income", "loan_amount", "credit_score", "debt_to_income", "months_employed", "num_open_accounts"];
const EXPECTED_CAT = ["employment_type", "home_ownership", "loan_purpose", "region"];
if (FEATURE_NAMES.join() !== [...EXPECTED_NUM, ...EXPECTED_CAT].join()) {
  throw new Error(`generator: lib/schema.ts features changed (numeric ${NUM.join()}, categorical ${CAT.join()}); update lib/generator/generate.ts`);
}
for (const name of CAT) {
  if (CATEGORY_SHARES[name].length !== CATEGORICAL_FEATURES[CAT.indexOf(name)].categories.length) throw new Error(`generator: category shares of ${name} do not match lib/schema.ts`);
}

/** Per categorical feature: category strings and the factor a category applies. */
const EMPLOYMENT = CATEGORICAL_FEATURES[0].categories;
const HOME = CATEGORICAL_FEATURES[1].categories;
const PURPOSE = CATEGORICAL_FEATURES[2].categories;
const EMPLOYMENT_INCOME = Float64Array.from(EMPLOYMENT, (c) => INCOME_FACTOR[c] ?? 1);
const PURPOSE_LOAN = Float64Array.from(PURPOSE, (c) => LOAN_FACTOR[c] ?? 1);
/** Codes the label formula reads (lib/schema.ts applicantLogit), in the core's order. */
const LABEL_CODES = [EMPLOYMENT.indexOf("unemployed"), EMPLOYMENT.indexOf("contractor"), HOME.indexOf("own"), HOME.indexOf("rent"), PURPOSE.indexOf("business"), PURPOSE.indexOf("medical")];
if (LABEL_CODES.some((c) => c < 0)) throw new Error("generator: a category the label reads is missing from lib/schema.ts");
/** Per categorical feature: its categories, then the new one new_category brings. */
const CATEGORY_TEXTS = CATEGORICAL_FEATURES.map((f) => [...f.categories, NEW_CATEGORIES[f.name]]);

/** The credit-risk table: the world's numbers, moved by the scenarios. */
function creditTable(o: ResolvedOptions, has: (s: Scenario) => boolean): TableBatch {
  const m = o.magnitude;
  const columns = columnsOf(o);
  const decimals = Int8Array.from(columns, (c) => DECIMALS[c] ?? -1);
  const { shifts, drifted } = driftProbShifts(o, NUM);
  return {
    columns,
    decimals,
    categories: columns.map((c) => (CAT.includes(c) ? CATEGORY_TEXTS[CAT.indexOf(c)] : [])),
    drifted,
    settings: {
      ...NO_SETTINGS,
      kind: 0,
      seed: o.seed,
      decimals,
      label: o.label,
      loc: NUM.map((name, i) => SHIFT_DIRECTION[name] * ((has("mean_shift") ? 2 * m : 0) + shifts[i])),
      scale: NUM.map(() => (has("scale_change") ? 1 + 2 * m : 1)),
      cum: CAT.map((name) => {
        const p = CATEGORY_SHARES[name];
        const rarest = p.indexOf(Math.min(...p));
        return cumulative(has("category_mix") ? p.map((x, i) => (1 - m) * x + (i === rarest ? m : 0)) : p).map((c) => c * TWO_POW_32);
      }),
      income: EMPLOYMENT_INCOME,
      loan: PURPOSE_LOAN,
      codes: LABEL_CODES,
      newCategory: has("new_category") ? m : 0,
      missing: has("missing_spike") ? m : 0,
      keepNegative: has("label_prior") ? 1 - 0.8 * m : 1,
      concept: has("concept") ? m : 0,
    },
  };
}
