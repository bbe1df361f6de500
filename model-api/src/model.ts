/**
 * The model file: a logistic regression over preprocessed features, as one small JSON
 * document that the trainer writes and the server loads. Pure functions, no I/O.
 *
 * Preprocessing (fitted on the training split only):
 * - numeric feature: a missing indicator (1 when null), then the value imputed with the
 *   training mean and standardised ((x - mean) / std);
 * - categorical feature: one-hot over the training categories, plus an `other` column
 *   for categories never seen in training, plus a `missing` column for null.
 */
import { CATEGORICAL_FEATURES, NUMERIC_FEATURES, type Row } from "../../lib/schema";

export const MODEL_FORMAT = "drift-loop/logistic-regression/v1";

export interface NumericEncoding {
  name: string;
  /** Training mean: the imputed value of a missing entry. */
  mean: number;
  /** Training standard deviation (1 when the column is constant). */
  std: number;
}

export interface CategoricalEncoding {
  name: string;
  /** One-hot columns in this order; then `other`, then `missing`. */
  categories: string[];
}

export interface ModelMetrics {
  rows: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  auc: number;
  log_loss: number;
  brier: number;
  positive_rate: number;
  predicted_positive_rate: number;
}

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  /** Registry version ("7"), or a local label ("initial", "local-<hash>") for models never registered. */
  version: string;
  created_at: string;
  /** Decision threshold on the probability of class 1. */
  threshold: number;
  numeric: NumericEncoding[];
  categorical: CategoricalEncoding[];
  /** One weight per encoded column (see `encodedColumnNames`). */
  coefficients: number[];
  intercept: number;
  training: {
    rows: number;
    holdout_rows: number;
    seed: number;
    l2: number;
    iterations: number;
    converged: boolean;
    final_loss: number;
    source: string;
    /** SHA-256 of the training data (canonical CSV), to tie a model to its reference. */
    data_sha256: string;
  };
  /** Metrics on the holdout split. */
  metrics: ModelMetrics;
  /** Free-form provenance (MLflow run id, etc.). */
  tags: Record<string, string>;
}

/** Names of the encoded columns, in coefficient order. */
export function encodedColumnNames(m: Pick<ModelFile, "numeric" | "categorical">): string[] {
  const out: string[] = [];
  for (const n of m.numeric) out.push(`${n.name}__missing`, n.name);
  for (const c of m.categorical) {
    for (const cat of c.categories) out.push(`${c.name}=${cat}`);
    out.push(`${c.name}__other`, `${c.name}__missing`);
  }
  return out;
}

export function encodedWidth(m: Pick<ModelFile, "numeric" | "categorical">): number {
  let w = m.numeric.length * 2;
  for (const c of m.categorical) w += c.categories.length + 2;
  return w;
}

/** A compiled model: lookups prepared once so scoring a row allocates nothing. */
export interface CompiledModel {
  readonly file: ModelFile;
  readonly width: number;
  /** Writes the encoded row into `out` (length `width`). */
  encode(row: Row, out: Float64Array): void;
  /** Probability of class 1. */
  probability(row: Row): number;
}

export function compileModel(file: ModelFile): CompiledModel {
  checkModelFile(file);
  const width = encodedWidth(file);
  const w = Float64Array.from(file.coefficients);
  const b = file.intercept;
  const num = file.numeric.map((n) => ({ name: n.name, mean: n.mean, inv: 1 / n.std }));
  const cat = file.categorical.map((c) => ({ name: c.name, index: new Map(c.categories.map((v, i) => [v, i])), n: c.categories.length }));

  const encode = (row: Row, out: Float64Array) => {
    out.fill(0);
    let j = 0;
    for (const n of num) {
      const v = row[n.name];
      if (typeof v === "number" && Number.isFinite(v)) out[j + 1] = (v - n.mean) * n.inv;
      else out[j] = 1; // missing: indicator on, value imputed with the mean (0 after standardising)
      j += 2;
    }
    for (const c of cat) {
      const v = row[c.name];
      if (v === null || v === undefined || v === "") out[j + c.n + 1] = 1;
      else {
        const i = c.index.get(String(v));
        out[j + (i === undefined ? c.n : i)] = 1;
      }
      j += c.n + 2;
    }
  };

  const probability = (row: Row): number => {
    // Same as encode + dot, without the buffer.
    let z = b;
    let j = 0;
    for (const n of num) {
      const v = row[n.name];
      if (typeof v === "number" && Number.isFinite(v)) z += w[j + 1] * (v - n.mean) * n.inv;
      else z += w[j];
      j += 2;
    }
    for (const c of cat) {
      const v = row[c.name];
      if (v === null || v === undefined || v === "") z += w[j + c.n + 1];
      else {
        const i = c.index.get(String(v));
        z += w[j + (i === undefined ? c.n : i)];
      }
      j += c.n + 2;
    }
    return sigmoid(z);
  };

  return { file, width, encode, probability };
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Checks a parsed model file; the error names the field that is wrong. */
export function checkModelFile(m: unknown): asserts m is ModelFile {
  const fail = (msg: string): never => {
    throw new Error(`invalid model file: ${msg}`);
  };
  if (typeof m !== "object" || m === null) fail("not a JSON object");
  const f = m as Partial<ModelFile>;
  if (f.format !== MODEL_FORMAT) fail(`format is ${JSON.stringify(f.format)}, expected ${JSON.stringify(MODEL_FORMAT)}`);
  if (typeof f.version !== "string" || !f.version) fail("version must be a non-empty string");
  if (!Array.isArray(f.numeric) || !Array.isArray(f.categorical)) fail("numeric and categorical must be arrays");
  for (const n of f.numeric!) {
    if (typeof n?.name !== "string" || !Number.isFinite(n.mean) || !(n.std > 0)) fail(`numeric encoding ${JSON.stringify(n?.name)} needs a finite mean and std > 0`);
  }
  for (const c of f.categorical!) {
    if (typeof c?.name !== "string" || !Array.isArray(c.categories) || c.categories.some((x) => typeof x !== "string")) fail(`categorical encoding ${JSON.stringify(c?.name)} needs a list of string categories`);
  }
  const width = encodedWidth(f as ModelFile);
  if (!Array.isArray(f.coefficients) || f.coefficients.length !== width || f.coefficients.some((x) => !Number.isFinite(x))) {
    fail(`coefficients must be ${width} finite numbers (one per encoded column)`);
  }
  if (!Number.isFinite(f.intercept)) fail("intercept must be a finite number");
  if (!(typeof f.threshold === "number" && f.threshold > 0 && f.threshold < 1)) fail("threshold must be in (0, 1)");
  // The schema's features must all be covered, or the server would silently ignore some.
  const have = new Set([...f.numeric!.map((n) => n.name), ...f.categorical!.map((c) => c.name)]);
  for (const feat of [...NUMERIC_FEATURES, ...CATEGORICAL_FEATURES]) {
    if (!have.has(feat.name)) fail(`feature ${feat.name} of the schema has no encoding`);
  }
}

/** Parses model JSON text, checked. */
export function parseModelFile(text: string): ModelFile {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid model file: not JSON (${(err as Error).message})`);
  }
  checkModelFile(m);
  return m;
}
