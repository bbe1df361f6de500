/**
 * Labelled training data: parsing CSV / NDJSON (files, the drifter's HTTP API), strict
 * validation against the schema, and the canonical CSV that becomes the drift reference.
 */
import { createHash } from "node:crypto";
import { parse as parseCsv } from "csv-parse/sync";
import { parseDecimalNumber } from "../../../lib/numbers";
import { FEATURES, FEATURE_NAMES, LABEL, type Row } from "../../../lib/schema";
import { fetchCreditNdjson } from "../drifter-client";
import type { LabelledRow } from "./trainer";
import { checkRow, featuresOf } from "../validate";
import { UsageError } from "../../../lib/cli";

/** Training rows that cannot be used (unreadable file, rows outside the schema): a usage error (exit 2). */
export class DatasetError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = "DatasetError";
  }
}

const MISSING = new Set(["", "na", "nan", "null", "none"]);
const NUMERIC = new Set(FEATURES.filter((f) => f.kind === "num").map((f) => f.name));

/** A CSV/NDJSON cell to a typed value: numbers for numeric features, strings otherwise, null when missing. */
function typed(name: string, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") {
    const t = v.trim();
    if (MISSING.has(t.toLowerCase())) return null;
    if (NUMERIC.has(name) || name === LABEL) {
      // Decimal only, as pandas reads a CSV: "0x10" is text, not 16.
      const n = parseDecimalNumber(t);
      return n ?? t; // leave the text so the error shows it
    }
    return t;
  }
  if (typeof v === "number" && Number.isNaN(v)) return null;
  if (v === 0) return 0; // -0 -> 0: in-process rows equal the same rows read from JSON or CSV
  return v;
}

/**
 * Turns records (objects of column -> value) into labelled rows. Columns outside the
 * schema are ignored (reported in `ignoredColumns`); every row must have every feature
 * and a 0/1 label. Fails with the first problems, naming line and field.
 */
export function toLabelledRows(records: Record<string, unknown>[], source: string, firstLine = 1): { rows: LabelledRow[]; ignoredColumns: string[] } {
  const ignored = new Set<string>();
  const rows: LabelledRow[] = [];
  const errors: string[] = [];
  records.forEach((rec, i) => {
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) {
      if (FEATURE_NAMES.includes(k) || k === LABEL) clean[k] = typed(k, v);
      else ignored.add(k);
    }
    const err = checkRow(clean, "", { requireLabel: true });
    if (err) {
      if (errors.length < 5) errors.push(`${source} line ${i + firstLine}: ${err.field}: ${err.message}`);
      else if (errors.length === 5) errors.push("...");
      return;
    }
    rows.push({ features: featuresOf(clean), label: clean[LABEL] as 0 | 1 });
  });
  if (errors.length) throw new DatasetError(`invalid training data:\n  ${errors.join("\n  ")}`);
  return { rows, ignoredColumns: [...ignored].sort() };
}

/** Parses CSV text with a header row. */
export function parseCsvDataset(text: string, source: string): { rows: LabelledRow[]; ignoredColumns: string[] } {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new DatasetError(`${source} is not valid CSV: ${(err as Error).message}`);
  }
  if (!records.length) throw new DatasetError(`${source} has no data rows`);
  const header = Object.keys(records[0]);
  const missing = [...FEATURE_NAMES, LABEL].filter((c) => !header.includes(c));
  if (missing.length) throw new DatasetError(`${source} lacks the columns ${missing.join(", ")}; a training set needs ${[...FEATURE_NAMES, LABEL].join(", ")}`);
  return toLabelledRows(records, source, 2);
}

/** Parses NDJSON text: one JSON object per line. */
export function parseNdjsonDataset(text: string, source: string): { rows: LabelledRow[]; ignoredColumns: string[] } {
  const records: Record<string, unknown>[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      const o = JSON.parse(line);
      if (typeof o !== "object" || o === null || Array.isArray(o)) throw new Error("not an object");
      records.push(o);
    } catch (err) {
      throw new DatasetError(`${source} line ${i + 1} is not a JSON object (${(err as Error).message})`);
    }
  }
  if (!records.length) throw new DatasetError(`${source} has no data rows`);
  return toLabelledRows(records, source, 1);
}

/** Parses by content: NDJSON when the first non-blank character is `{`, otherwise CSV. */
export function parseDataset(text: string, source: string): { rows: LabelledRow[]; ignoredColumns: string[] } {
  return text.trimStart().startsWith("{") ? parseNdjsonDataset(text, source) : parseCsvDataset(text, source);
}

/** The canonical CSV of labelled rows: schema features then the label; empty cell = missing. */
export function toCsv(rows: readonly LabelledRow[]): string {
  const out: string[] = [[...FEATURE_NAMES, LABEL].join(",")];
  for (const r of rows) {
    const cells = FEATURE_NAMES.map((k) => cell(r.features[k]));
    cells.push(String(r.label));
    out.push(cells.join(","));
  }
  return out.join("\n") + "\n";
}

function cell(v: Row[string]): string {
  if (v === null || v === undefined) return "";
  // Categories match CATEGORY_PATTERN (no comma, quote or newline) once validated.
  return String(v);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Fetches `rows` labelled credit rows from the drifter (`GET /api/v1/data?format=ndjson&schema=credit`),
 * in pages of at most `pageRows` (the drifter caps a batch), each page with its own seed.
 */
export async function fetchFromDrifter(
  drifterUrl: string,
  opts: { rows: number; seed?: number; scenario?: string; magnitude?: number; pageRows?: number; fetchImpl?: typeof fetch; onPage?: (got: number, of: number) => void },
): Promise<{ rows: LabelledRow[]; source: string }> {
  const pageRows = opts.pageRows ?? 10_000;
  const rows: LabelledRow[] = [];
  const f = opts.fetchImpl ?? fetch;
  let page = 0;
  while (rows.length < opts.rows) {
    const n = Math.min(pageRows, opts.rows - rows.length);
    const seed = opts.seed !== undefined ? opts.seed + page : undefined;
    const text = await fetchCreditNdjson(drifterUrl, { rows: n, seed, scenario: opts.scenario, magnitude: opts.magnitude }, f, (m) => new DatasetError(m));
    const got = parseNdjsonDataset(text, `drifter page ${page + 1}`).rows;
    if (!got.length) throw new DatasetError("the drifter returned no rows");
    rows.push(...got.slice(0, n));
    page++;
    opts.onPage?.(rows.length, opts.rows);
  }
  return { rows, source: `drifter:${drifterUrl}${opts.seed !== undefined ? ` seed=${opts.seed}` : ""}${opts.scenario ? ` scenario=${opts.scenario}` : ""}` };
}
