/** Which method and threshold a column gets (drift-methods.md "Default method per column"). */
import { MIN_SAMPLE_SIZE } from "../../../lib/settings.js";
import { STATTEST_IDS, type ColumnType, type DriftOptions, type MethodChoice, type StatTestId } from "../types.js";

export interface MethodInfo {
  /** Evidently's display name (its DataDriftTable's `stattest_name`). */
  displayName: string;
  /** The score is a p-value (drift when small) rather than a distance (drift when large). */
  pValue: boolean;
  defaultThreshold: number;
  /** Column types the method accepts. */
  types: readonly ColumnType[];
  /** Drift decision from score and threshold, as Evidently decides it for this method. */
  detect: (score: number, threshold: number) => boolean;
}

export const METHODS: Record<StatTestId, MethodInfo> = {
  ks: { displayName: "K-S p_value", pValue: true, defaultThreshold: 0.05, types: ["num"], detect: (p, t) => p <= t },
  chisquare: { displayName: "chi-square p_value", pValue: true, defaultThreshold: 0.05, types: ["cat", "num"], detect: (p, t) => p < t },
  z: { displayName: "Z-test p_value", pValue: true, defaultThreshold: 0.05, types: ["cat", "num"], detect: (p, t) => p < t },
  wasserstein: { displayName: "Wasserstein distance (normed)", pValue: false, defaultThreshold: 0.1, types: ["num"], detect: (s, t) => s >= t },
  psi: { displayName: "PSI", pValue: false, defaultThreshold: 0.1, types: ["cat", "num"], detect: (s, t) => s >= t },
  kl_div: { displayName: "Kullback-Leibler divergence", pValue: false, defaultThreshold: 0.1, types: ["cat", "num"], detect: (s, t) => s >= t },
  jensenshannon: { displayName: "Jensen-Shannon distance", pValue: false, defaultThreshold: 0.1, types: ["cat", "num"], detect: (s, t) => s >= t },
  hellinger: { displayName: "Hellinger distance", pValue: false, defaultThreshold: 0.1, types: ["cat", "num"], detect: (s, t) => s >= t },
};

/** Evidently's default stattest for a column (legacy `_get_default_stattest`). */
export function defaultStatTest(type: ColumnType, referenceRows: number, nValues: number): StatTestId {
  if (referenceRows <= 1000) {
    if (type === "num" && nValues > 5) return "ks";
    return nValues > 2 ? "chisquare" : "z";
  }
  if (type === "num" && nValues > 5) return "wasserstein";
  return "jensenshannon";
}

/** Where a setting came from, for error messages. */
function where(scope: string): string {
  return scope === "global" ? "options" : `options.${scope}`;
}

function validateChoice(choice: MethodChoice | undefined, scope: string): void {
  if (choice === undefined) return;
  if (typeof choice !== "object" || choice === null) throw new Error(`${where(scope)} must be an object with stattest and/or threshold`);
  if (choice.stattest !== undefined && !STATTEST_IDS.includes(choice.stattest)) {
    throw new Error(`${where(scope)}.stattest is "${String(choice.stattest)}"; allowed: ${STATTEST_IDS.join(", ")}`);
  }
  if (choice.threshold !== undefined && !(typeof choice.threshold === "number" && Number.isFinite(choice.threshold) && choice.threshold >= 0)) {
    throw new Error(`${where(scope)}.threshold is ${String(choice.threshold)}; it must be a finite number >= 0`);
  }
}

/** Throws a clear error for invalid options; returns nothing. */
export function validateOptions(options: DriftOptions): void {
  validateChoice({ stattest: options.stattest, threshold: options.threshold }, "global");
  for (const [type, choice] of Object.entries(options.perType ?? {})) {
    if (type !== "num" && type !== "cat") throw new Error(`options.perType has key "${type}"; allowed: num, cat`);
    validateChoice(choice, `perType.${type}`);
  }
  for (const [col, choice] of Object.entries(options.perColumn ?? {})) validateChoice(choice, `perColumn["${col}"]`);
  if (options.driftShare !== undefined && !(typeof options.driftShare === "number" && options.driftShare >= 0 && options.driftShare <= 1)) {
    throw new Error(`options.driftShare is ${String(options.driftShare)}; it must be a number between 0 and 1`);
  }
  if (options.minSampleSize !== undefined && !(Number.isInteger(options.minSampleSize) && options.minSampleSize >= MIN_SAMPLE_SIZE.min && options.minSampleSize <= MIN_SAMPLE_SIZE.max)) {
    throw new Error(`options.minSampleSize is ${String(options.minSampleSize)}; it must be an integer from ${MIN_SAMPLE_SIZE.min} to ${MIN_SAMPLE_SIZE.max}`);
  }
  for (const [col, type] of Object.entries(options.columnTypes ?? {})) {
    if (type !== "num" && type !== "cat") throw new Error(`options.columnTypes["${col}"] is "${String(type)}"; allowed: num, cat`);
  }
}

/** The explicitly chosen method of a column (per column > per type > global), if any. */
export function chosenStatTest(options: DriftOptions, column: string, type: ColumnType): StatTestId | undefined {
  return options.perColumn?.[column]?.stattest ?? options.perType?.[type]?.stattest ?? options.stattest;
}

/** The threshold of a column: per column > per type > global > the method's default. */
export function chosenThreshold(options: DriftOptions, column: string, type: ColumnType, method: StatTestId): number {
  return options.perColumn?.[column]?.threshold ?? options.perType?.[type]?.threshold ?? options.threshold ?? METHODS[method].defaultThreshold;
}
