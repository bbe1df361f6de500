/** The one-screen terminal summary of a drift report. */
import type { DriftReport } from "../analyze";
import type { ColumnDrift } from "../types";
import { fmtInt, fmtPct, fmtScore, ruleText, sortColumns } from "./format";

export interface SummaryOptions {
  /** Colour with ANSI escapes (only on a terminal). */
  color?: boolean;
  /** Column rows to show before "... and N more". */
  maxRows?: number;
}

export function renderSummary(r: DriftReport, opts: SummaryOptions = {}): string {
  const c = (code: string, s: string) => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const red = (s: string) => c("31;1", s);
  const green = (s: string) => c("32", s);
  const yellow = (s: string) => c("33", s);
  const dim = (s: string) => c("2", s);
  const maxRows = opts.maxRows ?? 12;
  const out: string[] = [];
  const m = r.meta;
  out.push(`Reference ${m.reference.name} (${fmtInt(m.reference.rows)} rows) vs current ${m.current.name} (${fmtInt(m.current.rows)} rows)`);
  out.push(
    `Dataset drift: ${r.dataset_drift ? red("DETECTED") : green("not detected")}: ${r.number_of_drifted_columns} of ${r.number_of_columns} columns drifted (${fmtPct(r.share_of_drifted_columns)}; dataset drift at >= ${fmtPct(r.drift_share)})`,
  );
  out.push("");
  const rows = sortColumns(r.columns);
  const table = (entries: [string, ColumnDrift][]) => {
    const shown = entries.slice(0, maxRows);
    const w = Math.min(28, Math.max(6, ...shown.map(([n]) => n.length)));
    out.push(dim(`  ${"column".padEnd(w)}  type  ${"method".padEnd(13)} ${"score".padStart(10)}  ${"drift when".padEnd(10)}  ${"psi".padStart(8)}  result`));
    for (const [name, col] of shown) {
      const nm = name.length > w ? name.slice(0, w - 1) + "…" : name.padEnd(w);
      const thin = col.not_enough_data;
      const result = col.error
        ? yellow(`not compared: ${col.error}`)
        : thin
          ? yellow(`not enough data (${fmtInt(thin.reference)} / ${fmtInt(thin.current)} values, needs ${fmtInt(thin.minimum)})`)
          : col.drift_detected
            ? red("DRIFT")
            : green("ok");
      out.push(
        `  ${nm}  ${col.column_type.padEnd(4)}  ${col.stattest.padEnd(13)} ${fmtScore(col.drift_score).padStart(10)}  ${ruleText(col).padEnd(10)}  ${fmtScore(col.psi).padStart(8)}  ${result}`,
      );
    }
    if (entries.length > shown.length) out.push(dim(`  ... and ${entries.length - shown.length} more (see the report)`));
  };
  table(rows);
  const pd = r.prediction_drift;
  if (pd && Object.keys(pd.columns).length) {
    out.push("");
    out.push("Prediction drift:");
    table(sortColumns(pd.columns));
  }
  for (const n of pd?.notes ?? []) out.push(dim(`  note: ${n}`));
  const p = r.performance;
  if (p) {
    const side = (x: typeof p.reference) => (x ? `accuracy ${fmtPct(x.accuracy)}, F1 ${fmtScore(x.f1)} (${fmtInt(x.rows)} rows)` : "no labelled predictions");
    out.push("");
    out.push(`Model quality: reference ${side(p.reference)}; current ${side(p.current)}`);
  }
  out.push("");
  const rt = r.retrain;
  if (rt.undecided) out.push(yellow("Not enough data in the current window for any drift decision: nothing is flagged, no retrain is asked for."));
  out.push(`Retrain policy: ${rt.fired ? red("fired") : green("not fired")} (max PSI ${fmtScore(rt.max_psi)}${rt.max_psi_column ? ` on ${rt.max_psi_column}` : ""}): ${rt.action}`);
  for (const reason of rt.reasons) out.push(`  - ${reason}`);
  const errs = Object.keys(r.column_errors);
  if (errs.length) out.push(yellow(`${errs.length} column(s) could not be compared: ${errs.join(", ")}`));
  if (r.columns_only_in_reference.length) out.push(dim(`only in reference (not compared): ${r.columns_only_in_reference.join(", ")}`));
  if (r.columns_only_in_current.length) out.push(dim(`only in current (not compared): ${r.columns_only_in_current.join(", ")}`));
  return out.join("\n");
}
