/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) that
 * answers at a glance: did the data drift, which columns, how (reference vs current
 * histograms on the same bins), what is missing, and was retraining asked for. Its size
 * depends on the number of columns and bins, never on the number of rows.
 */
import type { DriftReport } from "../analyze";
import type { ColumnDrift, Histogram } from "../types";
import { capHistogram, fmtInt, fmtPct, fmtScore, isPValue, ruleText, sortColumns } from "./format";

const MAX_BINS = 24;

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const CSS = `
:root{--ref:#5b7db8;--cur:#e0803a;--bad:#c0392b;--ok:#2e8b57;--warn:#b7791f;--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f7f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.sub{color:var(--muted);margin:0 0 18px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:22px;font-weight:650;margin-top:2px}
.card .d{color:var(--muted);font-size:12.5px;margin-top:2px}
.bad{color:var(--bad)}.ok{color:var(--ok)}.warn{color:var(--warn)}
.card.alert{border-left:5px solid var(--bad)}.card.fine{border-left:5px solid var(--ok)}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{padding:6px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}
th.n{text-align:right}
th{background:#eef1f5;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.drift td:first-child{border-left:4px solid var(--bad)}
tr.err td:first-child{border-left:4px solid var(--warn)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.badge.bad{background:#fdecea}.badge.ok{background:#e6f4ea}.badge.warn{background:#fff4e0}
.legend{color:var(--muted);font-size:12.5px;margin:6px 0}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;vertical-align:-1px;margin:0 4px 0 10px}
ul.notes{margin:6px 0;padding-left:20px;color:var(--muted)}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
footer{color:var(--muted);font-size:12px;margin-top:28px}
svg{display:block}
rect.r{fill:var(--ref)}rect.c{fill:var(--cur)}
`;

/** A bin as a person reads it: "12.5 to 17.5" for a numeric range, "= 3" for a numeric value, the category otherwise. */
export function binText(h: Histogram, i: number, columnType: ColumnDrift["column_type"] | undefined): string {
  if (h.edges && i < h.edges.length - 1) {
    const m = /^\[\s*([^,]+),\s*([^\])]+)([\])])$/.exec(h.bins[i]);
    if (m) return `${m[1]} to ${m[2]} (${m[3] === "]" ? "last bin, both ends included" : `${m[2]} not included`})`;
  }
  if (columnType === "num" && !h.bins[i].startsWith("(")) return `value ${h.bins[i]}`;
  return h.bins[i];
}

/** Short text for an axis tick. */
function tick(s: string): string {
  return s.length > 14 ? s.slice(0, 13) + "…" : s;
}

/**
 * Reference and current shares per bin, as paired bars on one scale. The axis names the
 * bins: numeric ranges by their edges (up to five ticks), values and categories under
 * their bars when they fit, else the first and last; every bar's tooltip gives its bin
 * (a range for numeric bins), both shares and both counts.
 */
export function histogramSvg(h0: Histogram, width = 220, height = 54, columnType?: ColumnDrift["column_type"], maxBins = MAX_BINS): string {
  if (maxBins === 0) return "";
  const h = capHistogram(h0, maxBins);
  const n = h.bins.length;
  if (n === 0) return `<svg width="${width}" height="${height}" role="img" aria-label="no values"></svg>`;
  const max = Math.max(1e-12, ...h.reference, ...h.current);
  const pad = 2;
  const slot = (width - pad * 2) / n;
  const bw = Math.max(1, slot / 2 - 0.5);
  const ch = height - 4;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = pad + i * slot;
    const r = (h.reference[i] / max) * ch;
    const c = (h.current[i] / max) * ch;
    const label = `${binText(h, i, columnType)}: reference ${fmtPct(h.reference[i])} (${fmtInt(h.referenceCounts[i])}), current ${fmtPct(h.current[i])} (${fmtInt(h.currentCounts[i])})`;
    parts.push(
      `<g><title>${esc(label)}</title><rect x="${x.toFixed(1)}" y="${(height - 2 - r).toFixed(1)}" width="${bw.toFixed(1)}" height="${r.toFixed(1)}" class="r"/>` +
        `<rect x="${(x + bw).toFixed(1)}" y="${(height - 2 - c).toFixed(1)}" width="${bw.toFixed(1)}" height="${c.toFixed(1)}" class="c"/></g>`,
    );
  }
  const ticks: { x: number; text: string; anchor: "start" | "middle" | "end" }[] = [];
  const charPx = 6; // width of one character (digits) at font-size 9
  if (h.edges && h.edges.length === n + 1) {
    // Edges under the bar boundaries: first and last, and as many between as fit without overlapping.
    const texts = h.edges.map((e) => tick(edgeText(e)));
    const longest = Math.max(...texts.map((t) => t.length));
    const k = Math.max(2, Math.min(5, n + 1, Math.floor(width / (longest * charPx + 14))));
    const picks = [...new Set(Array.from({ length: k }, (_, j) => Math.round((j * n) / (k - 1))))];
    picks.forEach((e, j) => {
      const anchor = j === 0 ? "start" : j === picks.length - 1 ? "end" : "middle";
      ticks.push({ x: anchor === "start" ? 1 : anchor === "end" ? width - 1 : pad + e * slot, text: texts[e], anchor });
    });
  } else {
    // Values or categories: a label under each pair of bars, cut to its slot; when slots are too narrow, the first and last.
    const fit = Math.floor(slot / charPx) - 1;
    if (fit >= 3) {
      for (let i = 0; i < n; i++) {
        const t = h.bins[i];
        ticks.push({ x: pad + i * slot + slot / 2, text: t.length > fit ? t.slice(0, fit - 1) + "…" : t, anchor: "middle" });
      }
    } else {
      ticks.push({ x: 1, text: tick(h.bins[0]), anchor: "start" }, { x: width - 1, text: tick(h.bins[n - 1]), anchor: "end" });
    }
  }
  const tickSvg = ticks.map((t) => `<text x="${t.x.toFixed(1)}" y="${height + 10}" font-size="9" fill="#616e7c" text-anchor="${t.anchor}">${esc(t.text)}</text>`).join("");
  return (
    `<svg width="${width}" height="${height + 12}" viewBox="0 0 ${width} ${height + 12}" role="img" aria-label="histogram: reference vs current">` +
    `<line x1="0" y1="${height - 1.5}" x2="${width}" y2="${height - 1.5}" stroke="#cbd2d9"/>${parts.join("")}${tickSvg}</svg>`
  );
}

function edgeText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

function missingText(c: ColumnDrift): string {
  const r = c.reference.count ? c.reference.missing / c.reference.count : 0;
  const k = c.current.count ? c.current.missing / c.current.count : 0;
  const cls = k > r + 0.05 ? ' class="warn"' : "";
  return `${fmtPct(r)} → <span${cls}>${fmtPct(k)}</span>`;
}

function centreText(c: ColumnDrift): string {
  if (c.column_type === "num" && c.reference.mean !== undefined && c.current.mean !== undefined) {
    return `mean ${fmtScore(c.reference.mean)} → ${fmtScore(c.current.mean)}`;
  }
  if (c.reference.distinct !== undefined && c.current.distinct !== undefined) return `${c.reference.distinct} → ${c.current.distinct} values`;
  return "";
}

function columnRows(cols: Record<string, ColumnDrift & { reference_column?: string }>, maxBins = MAX_BINS): string {
  return sortColumns(cols)
    .map(([name, c]) => {
      const cls = c.drift_detected ? "drift" : c.error || c.not_enough_data ? "err" : "";
      const thin = c.not_enough_data;
      const badge = c.error
        ? `<span class="badge warn" title="${esc(c.error)}">not compared</span>`
        : thin
          ? `<span class="badge warn">not enough data</span><div class="legend">${fmtInt(thin.reference)} / ${fmtInt(thin.current)} values, needs ${fmtInt(thin.minimum)} per side</div>`
          : c.drift_detected
          ? `<span class="badge bad">drift</span>`
          : `<span class="badge ok">no drift</span>`;
      const nameCell = `<b>${esc(name)}</b>${c.reference_column && c.reference_column !== name ? `<div class="legend">vs reference <code>${esc(c.reference_column)}</code></div>` : ""}${c.error ? `<div class="legend warn">${esc(c.error)}</div>` : ""}`;
      return (
        `<tr class="${cls}"><td>${nameCell}</td><td>${c.column_type}</td><td>${esc(c.stattest_name)}<div class="legend"><code>${esc(c.stattest)}</code>, ${isPValue(c.stattest) ? "p-value" : "distance"}</div></td>` +
        `<td class="n">${fmtScore(c.drift_score)}</td><td class="n">${esc(ruleText(c))}</td><td>${badge}</td><td class="n">${fmtScore(c.psi)}</td>` +
        `<td class="n">${missingText(c)}</td><td class="n">${esc(centreText(c))}</td><td>${histogramSvg(c.histogram, 220, 54, c.column_type, maxBins)}</td></tr>`
      );
    })
    .join("\n");
}

const TABLE_HEAD = `<thead><tr><th>Column</th><th>Type</th><th>Method</th><th class="n">Score</th><th class="n">Drift when</th><th>Result</th><th class="n">PSI</th><th class="n">Missing (ref → cur)</th><th class="n">Centre (ref → cur)</th><th>Distribution <span class="sw" style="background:var(--ref)"></span>ref<span class="sw" style="background:var(--cur)"></span>cur</th></tr></thead>`;

function card(k: string, v: string, d: string, tone: "alert" | "fine" | "" = "", vClass = ""): string {
  return `<div class="card ${tone}"><div class="k">${esc(k)}</div><div class="v ${vClass}">${v}</div><div class="d">${d}</div></div>`;
}

function windowText(m: DriftReport["meta"]): string {
  const w = m.window as { start?: string; end?: string; source?: string } | undefined;
  if (!w?.start || !w.end) return "";
  return `<br>Window ${esc(w.start)} – ${esc(w.end)} (${esc(w.source ?? "")})`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${fmtInt(Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The true times: the comparison, and the reading of the inputs when it was measured. */
function timingText(m: DriftReport["meta"]): string {
  return `compared in ${seconds(m.duration_ms)}${typeof m.read_ms === "number" ? `, inputs read in ${seconds(m.read_ms)}` : ""}`;
}

/** The page; `maxBins` bounds each histogram (0 = no histograms, for reports with very many columns). */
export function renderHtml(r: DriftReport, maxBins = MAX_BINS): string {
  const drifted = r.number_of_drifted_columns;
  const errs = Object.keys(r.column_errors);
  const cards: string[] = [];
  const thin = Object.entries(r.columns).filter(([, c]) => c.not_enough_data);
  const allThin = thin.length > 0 && thin.length === r.number_of_columns;
  cards.push(
    card(
      "Dataset drift",
      r.dataset_drift ? "Detected" : allThin ? "Not enough data" : "Not detected",
      allThin ? "no column has enough values for a decision" : `drift when ≥ ${fmtPct(r.drift_share)} of columns drift`,
      r.dataset_drift ? "alert" : allThin ? "" : "fine",
      r.dataset_drift ? "bad" : allThin ? "warn" : "ok",
    ),
  );
  cards.push(
    card(
      "Drifted columns",
      `${drifted} of ${r.number_of_columns}`,
      `${fmtPct(r.share_of_drifted_columns)} of columns${errs.length ? `; ${errs.length} not compared` : ""}${thin.length ? `; ${thin.length} without enough data` : ""}`,
      drifted ? "alert" : allThin ? "" : "fine",
    ),
  );
  const rt = r.retrain;
  cards.push(
    card(
      "Retraining",
      rt.fired ? "Policy fired" : rt.undecided ? "Not enough data" : "Not needed",
      rt.undecided ? `${esc(rt.action)}<br>no decision on this window` : `${esc(rt.action)}<br>max PSI ${fmtScore(rt.max_psi)}${rt.max_psi_column ? ` (${esc(rt.max_psi_column)})` : ""}`,
      rt.fired ? "alert" : rt.undecided ? "" : "fine",
      rt.fired ? "bad" : rt.undecided ? "warn" : "ok",
    ),
  );
  if (r.prediction_drift && Object.keys(r.prediction_drift.columns).length) {
    const pd = Object.values(r.prediction_drift.columns);
    const n = pd.filter((c) => c.drift_detected).length;
    cards.push(card("Prediction drift", n ? "Detected" : "Not detected", `${n} of ${pd.length} model outputs drifted`, n ? "alert" : "fine", n ? "bad" : "ok"));
  }
  if (r.performance?.current) {
    const p = r.performance;
    const delta = p.accuracy_delta;
    cards.push(
      card(
        "Accuracy (current)",
        fmtPct(p.current!.accuracy),
        `${p.reference ? `reference ${fmtPct(p.reference.accuracy)}, ` : ""}F1 ${fmtScore(p.current!.f1)}${delta !== null ? `, Δ ${delta >= 0 ? "+" : ""}${(delta * 100).toFixed(1)} pts` : ""}`,
        delta !== null && delta < -0.05 ? "alert" : "",
      ),
    );
  }

  const notes: string[] = [];
  if (rt.fired) for (const reason of rt.reasons) notes.push(`Retrain policy: ${esc(reason)}`);
  if (thin.length) {
    const min = thin[0][1].not_enough_data!.minimum;
    notes.push(
      `<b>Not enough data</b> for a decision (fewer than ${fmtInt(min)} non-missing values on a side): ${thin.map(([c]) => `<code>${esc(c)}</code>`).join(", ")}. These columns count as not drifted and never ask for a retrain.`,
    );
  }
  for (const [c, e] of Object.entries(r.column_errors)) notes.push(`<b>${esc(c)}</b> not compared: ${esc(e)}`);
  if (r.columns_only_in_reference.length) notes.push(`Only in the reference (not compared): ${r.columns_only_in_reference.map((c) => `<code>${esc(c)}</code>`).join(", ")}`);
  if (r.columns_only_in_current.length) notes.push(`Only in the current data (not compared): ${r.columns_only_in_current.map((c) => `<code>${esc(c)}</code>`).join(", ")}`);
  for (const n of r.prediction_drift?.notes ?? []) notes.push(esc(n));
  for (const n of r.performance?.notes ?? []) notes.push(esc(n));

  const perf = r.performance;
  const perfTable = perf
    ? `<h2>Model quality</h2><table><thead><tr><th>Side</th><th class="n">Labelled rows</th><th class="n">Accuracy</th><th class="n">Precision</th><th class="n">Recall</th><th class="n">F1</th></tr></thead><tbody>` +
      (
        [
          ["reference", perf.reference],
          ["current", perf.current],
        ] as const
      )
        .map(([side, p]) =>
          p
            ? `<tr><td>${side}</td><td class="n">${fmtInt(p.rows)}</td><td class="n">${fmtPct(p.accuracy)}</td><td class="n">${fmtScore(p.precision)}</td><td class="n">${fmtScore(p.recall)}</td><td class="n">${fmtScore(p.f1)}</td></tr>`
            : `<tr><td>${side}</td><td colspan="5" class="legend">no labelled predictions</td></tr>`,
        )
        .join("") +
      `</tbody></table><p class="legend">Label <code>${esc(perf.label_column)}</code>, prediction <code>${esc(perf.prediction_column)}</code>.</p>`
    : "";

  const pred =
    r.prediction_drift && Object.keys(r.prediction_drift.columns).length
      ? `<h2>Prediction drift</h2><table>${TABLE_HEAD}<tbody>${columnRows(r.prediction_drift.columns, maxBins)}</tbody></table>`
      : "";

  const m = r.meta;
  const title = `Drift report: ${r.dataset_drift ? "drift detected" : "no dataset drift"} (${drifted}/${r.number_of_columns} columns)`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>Data drift report</h1>
<p class="sub">Reference <b>${esc(m.reference.name)}</b> (${fmtInt(m.reference.rows)} rows) vs current <b>${esc(m.current.name)}</b> (${fmtInt(m.current.rows)} rows) · ${esc(m.generated_at)}${windowText(m)}</p>
<div class="cards">${cards.join("")}</div>
${notes.length ? `<ul class="notes">${notes.map((n) => `<li>${n}</li>`).join("")}</ul>` : ""}
<h2>Columns <span class="legend">(drifted first)</span></h2>
<table>${TABLE_HEAD}<tbody>
${columnRows(r.columns, maxBins)}
</tbody></table>
<p class="legend">Scores are Evidently-compatible: p-values for <code>ks</code>, <code>chisquare</code>, <code>z</code> (drift when small), distances otherwise (drift when large). PSI is shown for every column because the retrain policy uses it (retrain when any PSI &gt; ${fmtScore(rt.policy.psiThreshold)} or more than ${fmtPct(rt.policy.driftedShare)} of columns drifted).</p>
${pred}
${perfTable}
<footer>${esc(m.generator)} · ${timingText(m)} · the same numbers are in report.json${typeof m.mlflow_run_id === "string" && m.mlflow_run_id ? ` · MLflow run <code>${esc(m.mlflow_run_id)}</code>` : ""}${typeof m.model_version === "string" ? ` · model version ${esc(m.model_version)}` : ""}</footer>
</main></body></html>
`;
}
