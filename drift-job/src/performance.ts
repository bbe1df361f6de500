/**
 * Model quality on one side, where the side has both the ground-truth label and the
 * model's prediction: accuracy, precision, recall and F1. Binary labels (0/1, or
 * "0"/"1", "false"/"true") use class 1 as positive; other label sets use macro-averaged
 * precision/recall/F1 (as scikit-learn's average="macro"). Rows where either value is
 * missing are left out.
 */
import type { Column, Dataset } from "./types";

export interface SidePerformance {
  /** Rows with both label and prediction. */
  rows: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  average: "binary" | "macro";
}

export interface PerformanceDrift {
  label_column: string;
  prediction_column: string;
  reference: SidePerformance | null;
  current: SidePerformance | null;
  /** current - reference, when both sides have labels. */
  accuracy_delta: number | null;
  f1_delta: number | null;
  /** Why a side has no numbers (no label or prediction column, no labelled rows). */
  notes: string[];
}

function key(col: Column, i: number): string | null {
  if (col.kind === "num") {
    const v = col.values[i];
    return Number.isFinite(v) ? String(v) : null;
  }
  return col.values[i];
}

const POSITIVE = new Set(["1", "true"]);
const NEGATIVE = new Set(["0", "false"]);

export function sidePerformance(d: Dataset, label: string, prediction: string): SidePerformance | null {
  const y = d.columns[label];
  const p = d.columns[prediction];
  if (!y || !p) return null;
  const pairs: [string, string][] = [];
  for (let i = 0; i < d.rows; i++) {
    const a = key(y, i);
    const b = key(p, i);
    if (a !== null && b !== null) pairs.push([a.toLowerCase(), b.toLowerCase()]);
  }
  if (pairs.length === 0) return null;
  const classes = new Set<string>();
  for (const [a, b] of pairs) {
    classes.add(a);
    classes.add(b);
  }
  const binary = [...classes].every((c) => POSITIVE.has(c) || NEGATIVE.has(c));
  let correct = 0;
  for (const [a, b] of pairs) if (a === b || (POSITIVE.has(a) && POSITIVE.has(b)) || (NEGATIVE.has(a) && NEGATIVE.has(b))) correct++;
  const prf = (isPos: (s: string) => boolean) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const [a, b] of pairs) {
      const ya = isPos(a);
      const pb = isPos(b);
      if (ya && pb) tp++;
      else if (!ya && pb) fp++;
      else if (ya && !pb) fn++;
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1 };
  };
  let m: { precision: number; recall: number; f1: number };
  if (binary) m = prf((s) => POSITIVE.has(s));
  else {
    const per = [...classes].map((c) => prf((s) => s === c));
    m = {
      precision: per.reduce((s, x) => s + x.precision, 0) / per.length,
      recall: per.reduce((s, x) => s + x.recall, 0) / per.length,
      f1: per.reduce((s, x) => s + x.f1, 0) / per.length,
    };
  }
  return { rows: pairs.length, accuracy: correct / pairs.length, ...m, average: binary ? "binary" : "macro" };
}

/** Performance of both sides; null when neither side has label and prediction. */
export function performanceDrift(reference: Dataset, current: Dataset, label: string, prediction: string): PerformanceDrift | null {
  const ref = sidePerformance(reference, label, prediction);
  const cur = sidePerformance(current, label, prediction);
  if (!ref && !cur) return null;
  const notes: string[] = [];
  const why = (d: Dataset, side: string) => {
    if (!d.columns[label]) return `${side} has no label column "${label}"`;
    if (!d.columns[prediction]) return `${side} has no prediction column "${prediction}"`;
    return `${side} has no row with both a label and a prediction`;
  };
  if (!ref) notes.push(why(reference, "reference"));
  if (!cur) notes.push(why(current, "current"));
  return {
    label_column: label,
    prediction_column: prediction,
    reference: ref,
    current: cur,
    accuracy_delta: ref && cur ? cur.accuracy - ref.accuracy : null,
    f1_delta: ref && cur ? cur.f1 - ref.f1 : null,
    notes,
  };
}
