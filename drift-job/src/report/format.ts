/** Number and text formatting shared by the HTML report and the terminal summary. */
import type { ColumnDrift, Histogram } from "../types";

/** p-values are compared "below", distances "above" the threshold. */
export function isPValue(method: string): boolean {
  return method === "ks" || method === "chisquare" || method === "z";
}

export function fmtScore(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "n/a";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a < 1e-4 || a >= 1e6) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

export function fmtInt(n: number): string {
  return n.toLocaleString("en-US");
}

export function fmtPct(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  const p = x * 100;
  if (p === 0) return "0%";
  if (p < 0.1) return "<0.1%";
  return `${Number(p.toFixed(p < 10 ? 1 : 0))}%`;
}

/** "p <= 0.05" / "score >= 0.1": how the threshold is applied, for people. */
export function ruleText(c: Pick<ColumnDrift, "stattest" | "stattest_threshold">): string {
  const t = fmtScore(c.stattest_threshold);
  if (c.stattest === "ks") return `p ≤ ${t}`;
  if (isPValue(c.stattest)) return `p < ${t}`;
  return `≥ ${t}`;
}

/** Drifted first, then columns that could not be compared, then the rest; within a group by strength of evidence. */
export function sortColumns<T extends ColumnDrift>(cols: Record<string, T>): [string, T][] {
  const rank = (c: T) => (c.drift_detected ? 0 : c.error ? 1 : c.not_enough_data ? 2 : 3);
  // Strength: how far past (or short of) the threshold, comparable across methods.
  const strength = (c: T) => {
    if (c.drift_score === null) return 0;
    if (isPValue(c.stattest)) return -Math.log10(Math.max(c.drift_score, 1e-300)) / -Math.log10(c.stattest_threshold || 0.05);
    return c.drift_score / (c.stattest_threshold || 0.1);
  };
  return Object.entries(cols).sort((a, b) => rank(a[1]) - rank(b[1]) || strength(b[1]) - strength(a[1]) || a[0].localeCompare(b[0]));
}

/**
 * At most `max` bins: categorical histograms keep the `max - 1` largest categories (by
 * the larger share of the two sides) and fold the rest into one "other" bin, so a report
 * never grows with the number of distinct values. Numeric bins are left as they are.
 */
export function capHistogram(h: Histogram, max: number): Histogram & { folded?: number } {
  if (h.edges || h.bins.length <= max) return h;
  const idx = h.bins.map((_, i) => i).sort((a, b) => Math.max(h.reference[b], h.current[b]) - Math.max(h.reference[a], h.current[a]));
  const keep = idx.slice(0, max - 1).sort((a, b) => a - b);
  const rest = idx.slice(max - 1);
  const sum = (xs: number[], ids: number[]) => ids.reduce((s, i) => s + xs[i], 0);
  return {
    bins: [...keep.map((i) => h.bins[i]), `(${rest.length} other values)`],
    referenceCounts: [...keep.map((i) => h.referenceCounts[i]), sum(h.referenceCounts, rest)],
    currentCounts: [...keep.map((i) => h.currentCounts[i]), sum(h.currentCounts, rest)],
    reference: [...keep.map((i) => h.reference[i]), sum(h.reference, rest)],
    current: [...keep.map((i) => h.current[i]), sum(h.current, rest)],
    folded: rest.length,
  };
}
