/** Where a training run's labelled rows come from: a file, the drifter's API, or the drifter's generator in-process. */
import { readFile } from "node:fs/promises";
import type { Logger } from "../../../lib/logger";
import { generateRows } from "../../../lib/generator/generate";
import { DatasetError, fetchFromDrifter, parseDataset, toLabelledRows } from "./dataset";
import type { LabelledRow } from "./trainer";

export type DataSource =
  | { kind: "file"; path: string }
  | { kind: "drifter"; url: string; rows: number; seed?: number; scenario?: string; magnitude?: number }
  | { kind: "generate"; rows: number; seed: number; scenario?: string; magnitude?: number };

/** What is known about how the rows were generated (for the reference metadata). */
export function dataInfoOf(src: DataSource): { scenario?: string; seed?: number } | undefined {
  if (src.kind === "file") return undefined;
  if (src.kind === "drifter") return { scenario: src.scenario ?? "drifter default", seed: src.seed };
  return { scenario: src.scenario ?? "none", seed: src.seed };
}

export async function loadTrainingRows(src: DataSource, log: Logger): Promise<{ rows: LabelledRow[]; source: string }> {
  const t0 = Date.now();
  let out: { rows: LabelledRow[]; source: string };
  if (src.kind === "file") {
    let text: string;
    try {
      text = await readFile(src.path, "utf8");
    } catch (err) {
      throw new DatasetError(`cannot read the training file ${src.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const parsed = parseDataset(text, src.path);
    if (parsed.ignoredColumns.length) log.warn({ columns: parsed.ignoredColumns }, "ignoring columns that are not in the schema");
    out = { rows: parsed.rows, source: `file:${src.path}` };
  } else if (src.kind === "drifter") {
    out = await fetchFromDrifter(src.url, {
      rows: src.rows,
      seed: src.seed,
      scenario: src.scenario,
      magnitude: src.magnitude,
      onPage: (got, of) => log.info({ got, of }, "fetching training rows from the drifter"),
    });
  } else {
    let records;
    try {
      records = [...generateRows({ schema: "credit", rows: src.rows, seed: src.seed, scenario: src.scenario, magnitude: src.magnitude, label: true })];
    } catch (err) {
      throw new DatasetError(`cannot generate training rows: ${(err as Error).message}`);
    }
    const scen = src.scenario && src.scenario !== "none" ? ` scenario=${src.scenario}${src.magnitude !== undefined ? ` magnitude=${src.magnitude}` : ""}` : "";
    out = { rows: toLabelledRows(records, "generated").rows, source: `generate:credit rows=${src.rows} seed=${src.seed}${scen}` };
  }
  log.info({ rows: out.rows.length, source: out.source, ms: Date.now() - t0 }, "loaded training rows");
  return out;
}
