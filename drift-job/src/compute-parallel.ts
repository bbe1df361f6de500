/**
 * computeDrift over two threads: the numeric columns are split in two, one half is
 * computed in a worker thread (its column buffers are moved there and back, not copied),
 * the rest here, and the two results are merged in column order. The statistics are the
 * same pure functions; only the work is shared. Falls back to one thread for small data
 * or when a worker cannot start.
 */
import { existsSync } from "node:fs";
import { extname, join } from "node:path";
import { Worker } from "node:worker_threads";
import type { ComputeDrift } from "./analyze";
import { type PackedDataset, pack, unpack } from "./io/transfer";
import type { Dataset, DatasetDrift, DriftOptions } from "./types";

/** Below this many values (rows of both sides x numeric columns), one thread is cheaper than starting a second. */
const MIN_VALUES = 10_000_000;

function workerScript(): string | undefined {
  const p = join(__dirname, "io", `compute-worker${extname(__filename)}`);
  return existsSync(p) ? p : undefined;
}

function subset(d: Dataset, cols: string[]): Dataset {
  return { rows: d.rows, columns: Object.fromEntries(cols.map((c) => [c, d.columns[c]])) };
}

/** Merges per-thread results in the order of `columns`; dataset drift by the same share rule. */
export function mergeDrift(parts: DatasetDrift[], columns: string[], driftShare: number): DatasetDrift {
  const all = Object.assign({}, ...parts.map((p) => p.columns)) as DatasetDrift["columns"];
  const ordered: DatasetDrift["columns"] = {};
  for (const c of columns) ordered[c] = all[c];
  const n = columns.length;
  const drifted = parts.reduce((s, p) => s + p.number_of_drifted_columns, 0);
  const share = n > 0 ? drifted / n : 0;
  return {
    dataset_drift: n > 0 && share >= driftShare,
    drift_share: driftShare,
    number_of_columns: n,
    number_of_drifted_columns: drifted,
    share_of_drifted_columns: share,
    number_of_failed_columns: parts.reduce((s, p) => s + p.number_of_failed_columns, 0),
    number_of_columns_without_enough_data: parts.reduce((s, p) => s + p.number_of_columns_without_enough_data, 0),
    columns_only_in_reference: parts[0].columns_only_in_reference,
    columns_only_in_current: parts[0].columns_only_in_current,
    columns: ordered,
  };
}

type Reply = { ok: true; drift: DatasetDrift; reference: PackedDataset; current: PackedDataset } | { ok: false; message: string; reference: PackedDataset; current: PackedDataset };

export async function computeDriftParallel(reference: Dataset, current: Dataset, options: DriftOptions, compute: ComputeDrift): Promise<DatasetDrift> {
  const columns = options.columns ?? Object.keys(reference.columns).filter((c) => c in current.columns);
  const numeric = columns.filter((c) => reference.columns[c]?.kind === "num" && current.columns[c]?.kind === "num");
  const script = workerScript();
  if (!script || numeric.length < 2 || (reference.rows + current.rows) * numeric.length < MIN_VALUES) return compute(reference, current, options);
  // The worker takes every other numeric column (similar sizes on both threads).
  const away = numeric.filter((_, i) => i % 2 === 0);
  const awaySet = new Set(away);
  const here = columns.filter((c) => !awaySet.has(c));
  const perColumn = (cols: string[]) => (options.perColumn ? Object.fromEntries(Object.entries(options.perColumn).filter(([c]) => cols.includes(c))) : undefined);
  const refAway = pack(subset(reference, away));
  const curAway = pack(subset(current, away));
  const w = script.endsWith(".ts")
    ? new Worker(`require("tsx/cjs"); require(${JSON.stringify(script)});`, {
        eval: true,
        workerData: { reference: refAway.packed, current: curAway.packed, options: { ...options, columns: away, perColumn: perColumn(away) } },
        transferList: [...refAway.transfer, ...curAway.transfer],
      })
    : new Worker(script, {
        workerData: { reference: refAway.packed, current: curAway.packed, options: { ...options, columns: away, perColumn: perColumn(away) } },
        transferList: [...refAway.transfer, ...curAway.transfer],
      });
  const result = new Promise<Reply>((resolve, reject) => {
    w.once("message", resolve);
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`drift thread stopped with code ${code}`)));
  });
  result.catch(() => undefined);
  let mine: DatasetDrift | undefined;
  let mineErr: unknown;
  try {
    mine = here.length ? compute(reference, current, { ...options, columns: here, perColumn: perColumn(here) }) : undefined;
  } catch (err) {
    mineErr = err;
  }
  const reply = await result.finally(() => void w.terminate());
  // Put the moved columns back in place (also after an error).
  const ref = unpack(reply.reference);
  const cur = unpack(reply.current);
  for (const c of away) {
    reference.columns[c] = ref.columns[c];
    current.columns[c] = cur.columns[c];
  }
  if (!reply.ok) throw new Error(reply.message);
  if (mineErr) throw mineErr;
  const parts = mine ? [reply.drift, mine] : [reply.drift];
  return mergeDrift(parts, columns, options.driftShare ?? reply.drift.drift_share);
}
