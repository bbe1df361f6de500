/**
 * One drift check on two datasets, without I/O: chooses the columns, runs the statistics
 * on the feature columns (data drift) and on the model's output columns (prediction
 * drift), measures model quality where labels are present (performance drift), and
 * applies the retrain policy. The result is report.json (drift-methods.md fields at the
 * top level, Evidently-style).
 */
import { performanceDrift, type PerformanceDrift } from "./performance";
import { evaluatePolicy, type PolicyDecision, type RetrainPolicy } from "./policy";
import type { ColumnDrift, Dataset, DatasetDrift, DriftOptions, MethodChoice } from "./types";
import { UsageError } from "../../lib/cli";

export type ComputeDrift = (reference: Dataset, current: Dataset, options?: DriftOptions) => DatasetDrift;


export interface ModelColumns {
  /** The model's predicted class. */
  prediction: string;
  /** The model's probability of the positive class. */
  probability: string;
  /** Ground truth. */
  label: string;
}

export interface AnalysisSettings {
  drift: DriftOptions;
  model: ModelColumns;
  policy: RetrainPolicy;
}

export interface PredictionDrift {
  /** Drift of the model's output columns, same fields as the data drift columns. */
  columns: Record<string, ColumnDrift & { reference_column: string }>;
  /** Why an output column is not compared. */
  notes: string[];
}

export interface SideInfo {
  name: string;
  rows: number;
  columns: number;
}

export interface DriftReport extends DatasetDrift {
  prediction_drift: PredictionDrift | null;
  performance: PerformanceDrift | null;
  retrain: PolicyDecision & {
    /** What happened about it: set by the caller (CLI: "local run, no dispatch"; job: the trigger's outcome). */
    action: string;
  };
  /** Columns that could not be compared (e.g. empty on a side), with the reason. */
  column_errors: Record<string, string>;
  meta: {
    generated_at: string;
    generator: string;
    reference: SideInfo;
    current: SideInfo;
    options: DriftOptions;
    /** Time to compare the two datasets (statistics, prediction drift, quality, policy), from the start of the comparison. */
    duration_ms: number;
    /** Time to read both inputs, when the caller measured it. */
    read_ms?: number;
    [k: string]: unknown;
  };
}

/** The feature columns to compare, validated against both datasets. */
export function chooseColumns(reference: Dataset, current: Dataset, settings: AnalysisSettings): string[] {
  const refCols = Object.keys(reference.columns);
  const curCols = Object.keys(current.columns);
  const curSet = new Set(curCols);
  const common = refCols.filter((c) => curSet.has(c));
  const modelOut = new Set([settings.model.prediction, settings.model.probability]);
  const wanted = settings.drift.columns;
  let cols: string[];
  if (wanted && wanted.length) {
    const missing = wanted.filter((c) => !(c in reference.columns) || !(c in current.columns));
    if (missing.length) {
      throw new UsageError(
        `--columns names ${missing.map((c) => JSON.stringify(c)).join(", ")}, not present on both sides; columns on both sides: ${common.join(", ") || "(none)"}`,
      );
    }
    cols = wanted;
  } else {
    cols = common.filter((c) => !modelOut.has(c));
  }
  if (cols.length === 0) {
    throw new UsageError(
      `no common columns to compare: reference has ${list(refCols)}; current has ${list(curCols)}. The files need at least one column of the same name`,
    );
  }
  for (const c of Object.keys(settings.drift.perColumn ?? {})) {
    if (!cols.includes(c)) throw new UsageError(`a per-column option names ${JSON.stringify(c)}, which is not a compared column; compared: ${cols.join(", ")}`);
  }
  return cols;
}

function list(xs: string[]): string {
  if (xs.length === 0) return "no columns";
  const shown = xs.slice(0, 12).join(", ");
  return xs.length > 12 ? `${shown}, ... (${xs.length} columns)` : shown;
}

function pick(d: Dataset, cols: Record<string, string>): Dataset {
  const columns: Dataset["columns"] = {};
  for (const [as, from] of Object.entries(cols)) columns[as] = d.columns[from];
  return { rows: d.rows, columns };
}

/**
 * Prediction drift: `prediction` and `probability` of reference vs current, with the same
 * statistics. When the reference (training data) has no `prediction` column but has the
 * label, the current predictions are compared with the reference labels (did the
 * predicted class mix move away from the trained class mix?).
 */
export function predictionDrift(reference: Dataset, current: Dataset, settings: AnalysisSettings, compute: ComputeDrift): PredictionDrift | null {
  const { prediction, probability, label } = settings.model;
  const pairs: Record<string, string> = {};
  const notes: string[] = [];
  if (current.columns[prediction]) {
    if (reference.columns[prediction]) pairs[prediction] = prediction;
    else if (reference.columns[label]) {
      pairs[prediction] = label;
      notes.push(`the reference has no "${prediction}" column: current predictions are compared with the reference labels "${label}"`);
    } else notes.push(`the reference has neither "${prediction}" nor "${label}": prediction drift not computed`);
  }
  if (current.columns[probability]) {
    if (reference.columns[probability]) pairs[probability] = probability;
    else notes.push(`the reference has no "${probability}" column: probability drift not computed`);
  }
  if (Object.keys(pairs).length === 0) return notes.length ? { columns: {}, notes } : null;
  const ref = pick(reference, pairs);
  const cur = pick(current, Object.fromEntries(Object.keys(pairs).map((k) => [k, k])));
  // The predicted class is a category, like the label it is compared with (Evidently's classification task).
  const opts: DriftOptions = {
    ...settings.drift,
    columns: Object.keys(pairs),
    perColumn: pickChoices(settings.drift.perColumn, Object.keys(pairs)),
    columnTypes: { ...(prediction in pairs ? { [prediction]: "cat" as const } : {}), ...pickTypes(settings.drift.columnTypes, Object.keys(pairs)) },
  };
  const d = compute(ref, cur, opts);
  const columns: PredictionDrift["columns"] = {};
  for (const [name, c] of Object.entries(d.columns)) columns[name] = { ...c, reference_column: pairs[name] };
  return { columns, notes };
}

function pickChoices(per: Record<string, MethodChoice> | undefined, cols: string[]): Record<string, MethodChoice> | undefined {
  if (!per) return undefined;
  const out: Record<string, MethodChoice> = {};
  for (const c of cols) if (per[c]) out[c] = per[c];
  return out;
}

function pickTypes(types: DriftOptions["columnTypes"], cols: string[]): DriftOptions["columnTypes"] {
  const out: NonNullable<DriftOptions["columnTypes"]> = {};
  for (const c of cols) if (types?.[c]) out[c] = types[c];
  return out;
}

export interface AnalyzeInput {
  reference: Dataset;
  current: Dataset;
  referenceName: string;
  currentName: string;
}

/** The data drift request for the feature columns (validated): what `computeDrift` gets. */
export function featureRequest(input: AnalyzeInput, settings: AnalysisSettings): DriftOptions {
  const { reference, current } = input;
  if (reference.rows === 0) throw new UsageError(`the reference ${input.referenceName} has no data rows`);
  if (current.rows === 0) throw new UsageError(`the current data ${input.currentName} has no data rows`);
  const columns = chooseColumns(reference, current, settings);
  for (const c of Object.keys(settings.drift.columnTypes ?? {})) {
    if (!columns.includes(c)) throw new UsageError(`--column-type names ${JSON.stringify(c)}, which is not a compared column; compared: ${columns.join(", ")}`);
  }
  // The label (target) is a class, not a quantity: categorical, as Evidently types a classification target.
  const label = settings.model.label;
  const columnTypes = { ...(columns.includes(label) ? { [label]: "cat" as const } : {}), ...settings.drift.columnTypes };
  return { ...settings.drift, columns, perColumn: pickChoices(settings.drift.perColumn, columns), ...(Object.keys(columnTypes).length ? { columnTypes } : {}) };
}

/**
 * The whole check. Throws UsageError for settings that do not fit the data. `featureDrift`:
 * the data drift already computed for `featureRequest` (e.g. on two threads), started at
 * `startedAt`, so that meta.duration_ms is the whole comparison.
 */
export function analyze(
  input: AnalyzeInput,
  settings: AnalysisSettings,
  compute: ComputeDrift,
  now: () => number = Date.now,
  featureDrift?: DatasetDrift,
  /** When the comparison started (before `featureDrift` was computed); default: now. */
  startedAt?: number,
): DriftReport {
  const t0 = startedAt ?? now();
  const { reference, current } = input;
  const request = featureRequest(input, settings);
  const drift = featureDrift ?? compute(reference, current, request);
  const decision = evaluatePolicy(drift, settings.policy);
  const column_errors: Record<string, string> = {};
  for (const [n, c] of Object.entries(drift.columns)) if (c.error) column_errors[n] = c.error;
  const refCols = Object.keys(reference.columns);
  const curCols = Object.keys(current.columns);
  const modelCols = new Set([settings.model.prediction, settings.model.probability, settings.model.label]);
  return {
    ...drift,
    prediction_drift: predictionDrift(reference, current, settings, compute),
    performance: performanceDrift(reference, current, settings.model.label, settings.model.prediction),
    retrain: { ...decision, action: "" },
    // One-sided columns, without the model's own columns (reported as prediction drift / quality).
    columns_only_in_reference: refCols.filter((c) => !(c in current.columns) && !modelCols.has(c)),
    columns_only_in_current: curCols.filter((c) => !(c in reference.columns) && !modelCols.has(c)),
    column_errors,
    meta: {
      generated_at: new Date(now()).toISOString(),
      generator: "drift-loop drift-job",
      reference: { name: input.referenceName, rows: reference.rows, columns: refCols.length },
      current: { name: input.currentName, rows: current.rows, columns: curCols.length },
      options: settings.drift,
      duration_ms: now() - t0,
    },
  };
}
