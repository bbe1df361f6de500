/**
 * Training and evaluation of the logistic regression, in pure TypeScript: preprocessing
 * fitted on the training split, L2-regularised log-loss minimised with L-BFGS, holdout
 * metrics. No I/O; deterministic for a given input and seed.
 */
import { CATEGORICAL_FEATURES, NUMERIC_FEATURES, type Row } from "../../../lib/schema";
import { MODEL_FORMAT, compileModel, encodedWidth, type CategoricalEncoding, type ModelFile, type ModelMetrics, type NumericEncoding } from "../model";
import { mulberry32 } from "../../../lib/random";

export interface LabelledRow {
  features: Row;
  label: 0 | 1;
}

export interface TrainOptions {
  /** L2 penalty on the weights (not the intercept), on the mean log-loss. Default 1e-3. */
  l2?: number;
  /** L-BFGS iterations; 0 gives the untrained all-zero model (a baseline). Default 200. */
  maxIter?: number;
  /** Stop when the largest gradient component is below this. Default 1e-6. */
  gradientTolerance?: number;
  /** Categories seen fewer times than this in training go to the `other` column. Default 5. */
  minCategoryCount?: number;
  threshold?: number;
}

export interface FitResult {
  coefficients: number[];
  intercept: number;
  iterations: number;
  converged: boolean;
  finalLoss: number;
}


/** Splits indices 0..n-1 into train and holdout by a seeded shuffle. */
export function splitIndices(n: number, holdoutFraction: number, seed: number): { train: number[]; holdout: number[] } {
  if (!(holdoutFraction > 0 && holdoutFraction < 1)) throw new RangeError(`holdout fraction ${holdoutFraction} must be in (0, 1)`);
  const idx = Array.from({ length: n }, (_, i) => i);
  const rnd = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const h = Math.max(1, Math.round(n * holdoutFraction));
  return { holdout: idx.slice(0, h).sort((a, b) => a - b), train: idx.slice(h).sort((a, b) => a - b) };
}

/** Fits imputation/standardisation and the category lists on the training rows. */
export function fitPreprocessing(rows: readonly Row[], minCategoryCount = 5): { numeric: NumericEncoding[]; categorical: CategoricalEncoding[] } {
  const numeric = NUMERIC_FEATURES.map((f) => {
    let n = 0;
    let sum = 0;
    for (const r of rows) {
      const v = r[f.name];
      if (typeof v === "number" && Number.isFinite(v)) {
        n++;
        sum += v;
      }
    }
    const mean = n ? sum / n : 0;
    let ss = 0;
    for (const r of rows) {
      const v = r[f.name];
      if (typeof v === "number" && Number.isFinite(v)) ss += (v - mean) ** 2;
    }
    const std = n > 1 ? Math.sqrt(ss / n) : 0;
    return { name: f.name, mean, std: std > 1e-12 ? std : 1 };
  });
  const categorical = CATEGORICAL_FEATURES.map((f) => {
    const counts = new Map<string, number>();
    for (const r of rows) {
      const v = r[f.name];
      if (typeof v === "string" && v !== "") counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const frequent = [...counts].filter(([, c]) => c >= minCategoryCount).map(([v]) => v);
    // Schema categories first in schema order, then others alphabetically: stable files.
    const known = f.categories.filter((c) => frequent.includes(c));
    const extra = frequent.filter((c) => !f.categories.includes(c)).sort();
    return { name: f.name, categories: [...known, ...extra] };
  });
  return { numeric, categorical };
}

/** The design matrix (row-major) of rows under a preprocessing. */
export function designMatrix(pre: { numeric: NumericEncoding[]; categorical: CategoricalEncoding[] }, rows: readonly Row[]): { x: Float64Array; d: number } {
  const probe = compileModel(blankModel(pre));
  const d = probe.width;
  const x = new Float64Array(rows.length * d);
  const buf = new Float64Array(d);
  for (let i = 0; i < rows.length; i++) {
    probe.encode(rows[i], buf);
    x.set(buf, i * d);
  }
  return { x, d };
}

function blankModel(pre: { numeric: NumericEncoding[]; categorical: CategoricalEncoding[] }): ModelFile {
  return {
    format: MODEL_FORMAT,
    version: "blank",
    created_at: new Date(0).toISOString(),
    threshold: 0.5,
    numeric: pre.numeric,
    categorical: pre.categorical,
    coefficients: new Array(encodedWidth(pre)).fill(0),
    intercept: 0,
    training: { rows: 0, holdout_rows: 0, seed: 0, l2: 0, iterations: 0, converged: false, final_loss: 0, source: "", data_sha256: "" },
    metrics: emptyMetrics(),
    tags: {},
  };
}

function emptyMetrics(): ModelMetrics {
  return { rows: 0, accuracy: 0, precision: 0, recall: 0, f1: 0, auc: 0, log_loss: 0, brier: 0, positive_rate: 0, predicted_positive_rate: 0 };
}

/**
 * Minimises mean log-loss + l2/2 * |w|^2 over (w, b) with L-BFGS (memory 10, backtracking
 * Armijo line search). Parameters are [w_0..w_{d-1}, b].
 */
export function fitLogistic(x: Float64Array, y: Uint8Array, d: number, opts: TrainOptions = {}): FitResult {
  const n = y.length;
  if (n === 0) throw new Error("cannot train on zero rows");
  const l2 = opts.l2 ?? 1e-3;
  const maxIter = opts.maxIter ?? 200;
  const tol = opts.gradientTolerance ?? 1e-6;
  const p = d + 1;
  const theta = new Float64Array(p);
  const z = new Float64Array(n);

  // Loss and gradient at `t` (gradient written to g).
  const evaluate = (t: Float64Array, g: Float64Array): number => {
    g.fill(0);
    let loss = 0;
    const b = t[d];
    for (let i = 0; i < n; i++) {
      let s = b;
      const o = i * d;
      for (let j = 0; j < d; j++) s += x[o + j] * t[j];
      z[i] = s;
      // log(1 + e^s) - y*s, computed stably
      loss += (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - y[i] * s;
      const r = (s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s))) - y[i];
      for (let j = 0; j < d; j++) g[j] += r * x[o + j];
      g[d] += r;
    }
    let reg = 0;
    for (let j = 0; j < p; j++) g[j] /= n;
    for (let j = 0; j < d; j++) {
      reg += t[j] * t[j];
      g[j] += l2 * t[j];
    }
    return loss / n + (l2 / 2) * reg;
  };

  const g = new Float64Array(p);
  let f = evaluate(theta, g);
  if (maxIter === 0) return { coefficients: Array.from(theta.subarray(0, d)), intercept: 0, iterations: 0, converged: false, finalLoss: f };

  const m = 10;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(p);
  const alpha = new Float64Array(m);
  const next = new Float64Array(p);
  const gNext = new Float64Array(p);
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  };
  const maxAbs = (a: Float64Array) => a.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);

  let iter = 0;
  let converged = maxAbs(g) < tol;
  while (!converged && iter < maxIter) {
    iter++;
    // Two-loop recursion: dir = -H g
    for (let i = 0; i < p; i++) dir[i] = -g[i];
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], dir);
      for (let i = 0; i < p; i++) dir[i] -= alpha[k] * Y[k][i];
    }
    if (S.length) {
      const last = S.length - 1;
      const gamma = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let i = 0; i < p; i++) dir[i] *= gamma;
    } else {
      const scale = 1 / Math.max(1, Math.sqrt(dot(g, g)));
      for (let i = 0; i < p; i++) dir[i] *= scale;
    }
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k] * dot(Y[k], dir);
      for (let i = 0; i < p; i++) dir[i] += S[k][i] * (alpha[k] - beta);
    }
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction: restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < p; i++) dir[i] = -g[i];
      slope = -dot(g, g);
    }
    let step = 1;
    let fNext = Infinity;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < p; i++) next[i] = theta[i] + step * dir[i];
      fNext = evaluate(next, gNext);
      if (fNext <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNext <= f)) break; // no progress possible: at the numerical optimum
    const s = new Float64Array(p);
    const yv = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      s[i] = next[i] - theta[i];
      yv[i] = gNext[i] - g[i];
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
    }
    const fPrev = f;
    theta.set(next);
    g.set(gNext);
    f = fNext;
    converged = maxAbs(g) < tol || Math.abs(fPrev - f) < 1e-12 * Math.max(1, Math.abs(f));
  }
  return { coefficients: Array.from(theta.subarray(0, d)), intercept: theta[d], iterations: iter, converged, finalLoss: f };
}

/** Holdout metrics of probabilities `p` against labels `y`. */
export function evaluate(p: ArrayLike<number>, y: ArrayLike<number>, threshold = 0.5): ModelMetrics {
  const n = y.length;
  if (n === 0) return emptyMetrics();
  let tp = 0, fp = 0, tn = 0, fn = 0, ll = 0, brier = 0, pos = 0;
  const eps = 1e-15;
  for (let i = 0; i < n; i++) {
    const pi = Math.min(1 - eps, Math.max(eps, p[i]));
    const yi = y[i];
    const pred = p[i] >= threshold ? 1 : 0;
    if (pred === 1 && yi === 1) tp++;
    else if (pred === 1) fp++;
    else if (yi === 1) fn++;
    else tn++;
    ll -= yi === 1 ? Math.log(pi) : Math.log(1 - pi);
    brier += (p[i] - yi) ** 2;
    pos += yi;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    rows: n,
    accuracy: (tp + tn) / n,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    auc: rocAuc(p, y),
    log_loss: ll / n,
    brier: brier / n,
    positive_rate: pos / n,
    predicted_positive_rate: (tp + fp) / n,
  };
}

/** ROC AUC by the rank-sum (Mann-Whitney) formula, ties counted half. 0.5 when one class is absent. */
export function rocAuc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = y.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i] === 1 ? 1 : 0;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return 0.5;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && p[idx[j + 1]] === p[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[idx[k]] === 1) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface TrainResult {
  model: ModelFile;
  /** Indices (into the input) of the holdout rows. */
  holdout: number[];
  train: number[];
}

/**
 * Trains a model file from labelled rows: seeded split, preprocessing fitted on the train
 * split, L-BFGS fit, metrics on the holdout split.
 */
export function trainModel(
  rows: readonly LabelledRow[],
  opts: TrainOptions & { seed: number; holdoutFraction?: number; version: string; source: string; dataSha256: string; now?: Date },
): TrainResult {
  if (rows.length < 20) throw new Error(`too few rows to train: ${rows.length}; need at least 20`);
  const { train, holdout } = splitIndices(rows.length, opts.holdoutFraction ?? 0.2, opts.seed);
  const trainRows = train.map((i) => rows[i].features);
  const pre = fitPreprocessing(trainRows, opts.minCategoryCount ?? 5);
  const { x, d } = designMatrix(pre, trainRows);
  const y = Uint8Array.from(train, (i) => rows[i].label);
  const fit = fitLogistic(x, y, d, opts);
  const threshold = opts.threshold ?? 0.5;
  const l2 = opts.l2 ?? 1e-3;
  const model: ModelFile = {
    format: MODEL_FORMAT,
    version: opts.version,
    created_at: (opts.now ?? new Date()).toISOString(),
    threshold,
    numeric: pre.numeric,
    categorical: pre.categorical,
    coefficients: fit.coefficients,
    intercept: fit.intercept,
    training: {
      rows: train.length,
      holdout_rows: holdout.length,
      seed: opts.seed,
      l2,
      iterations: fit.iterations,
      converged: fit.converged,
      final_loss: fit.finalLoss,
      source: opts.source,
      data_sha256: opts.dataSha256,
    },
    metrics: emptyMetrics(),
    tags: {},
  };
  model.metrics = evaluateModel(model, holdout.map((i) => rows[i]));
  return { model, holdout, train };
}

/** Metrics of a model file on labelled rows. */
export function evaluateModel(model: ModelFile, rows: readonly LabelledRow[]): ModelMetrics {
  const c = compileModel(model);
  const p = new Float64Array(rows.length);
  const y = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    p[i] = c.probability(rows[i].features);
    y[i] = rows[i].label;
  }
  return evaluate(p, y, model.threshold);
}
