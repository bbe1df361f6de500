/**
 * The retrain policy: separate from the dataset drift flag (docs/drift-methods.md). By default
 * it fires when any column's PSI is above 0.2 or more than 30% of the columns drifted.
 * Pure: the decision from the drift result; sending the dispatch is trigger.ts.
 */
import { DRIFT_SETTINGS } from "../../lib/settings";
import type { DatasetDrift } from "./types";

export interface RetrainPolicy {
  /** Fire when any column's PSI is strictly above this. */
  psiThreshold: number;
  /** Fire when the share of drifted columns is strictly above this (0..1). */
  driftedShare: number;
}

/** The defaults of RETRAIN_PSI_THRESHOLD and RETRAIN_DRIFTED_SHARE (lib/settings.ts). */
export const DEFAULT_POLICY: RetrainPolicy = { psiThreshold: DRIFT_SETTINGS.retrainPsiThreshold.default!, driftedShare: DRIFT_SETTINGS.retrainDriftedShare.default! };

export interface PolicyDecision {
  fired: boolean;
  /**
   * No compared column had enough values for a decision (minimum sample size): the
   * policy never fires on such a window, and it does not end a drift episode either.
   */
  undecided: boolean;
  /** Columns without a decision for lack of data. */
  columns_without_enough_data: string[];
  /** One line per rule that fired, for people (empty when it did not fire). */
  reasons: string[];
  /** Largest PSI over the compared columns (0 when none has one). */
  max_psi: number;
  max_psi_column: string | null;
  /** Columns whose PSI is above the threshold, largest first. */
  psi_columns: string[];
  share_of_drifted_columns: number;
  drifted_columns: string[];
  policy: RetrainPolicy;
}

export function evaluatePolicy(drift: DatasetDrift, policy: RetrainPolicy = DEFAULT_POLICY): PolicyDecision {
  let maxPsi = 0;
  let maxCol: string | null = null;
  const over: [string, number][] = [];
  const drifted: string[] = [];
  const thin: string[] = [];
  let decided = 0;
  for (const [name, c] of Object.entries(drift.columns)) {
    if (c.not_enough_data) {
      // Too few values: neither its flag nor its PSI is evidence.
      thin.push(name);
      continue;
    }
    if (!c.error) decided++;
    if (c.drift_detected) drifted.push(name);
    if (c.psi === null || !Number.isFinite(c.psi)) continue;
    if (maxCol === null || c.psi > maxPsi) {
      maxPsi = c.psi;
      maxCol = name;
    }
    if (c.psi > policy.psiThreshold) over.push([name, c.psi]);
  }
  over.sort((a, b) => b[1] - a[1]);
  const share = drift.share_of_drifted_columns;
  const reasons: string[] = [];
  const undecided = thin.length > 0 && decided === 0;
  if (over.length) {
    const list = over.slice(0, 5).map(([n, v]) => `${n} ${v.toFixed(3)}`).join(", ");
    reasons.push(`PSI above ${policy.psiThreshold} in ${over.length} column${over.length === 1 ? "" : "s"} (${list}${over.length > 5 ? ", ..." : ""})`);
  }
  if (share > policy.driftedShare) {
    reasons.push(`${drift.number_of_drifted_columns} of ${drift.number_of_columns} columns drifted (${pct(share)} > ${pct(policy.driftedShare)})`);
  }
  return {
    fired: !undecided && reasons.length > 0,
    undecided,
    columns_without_enough_data: thin,
    reasons: undecided ? [] : reasons,
    max_psi: maxPsi,
    max_psi_column: maxCol,
    psi_columns: over.map(([n]) => n),
    share_of_drifted_columns: share,
    drifted_columns: drifted,
    policy,
  };
}

export function pct(x: number): string {
  const p = x * 100;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}
