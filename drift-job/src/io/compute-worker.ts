/** Worker thread body of `computeDriftParallel`: the drift of its share of the columns. */
import { parentPort, workerData } from "node:worker_threads";
import { computeDrift } from "../stats";
import type { DriftOptions } from "../types";
import { type PackedDataset, pack, unpack } from "./transfer";

const { reference, current, options } = workerData as { reference: PackedDataset; current: PackedDataset; options: DriftOptions };
const ref = unpack(reference);
const cur = unpack(current);
try {
  const drift = computeDrift(ref, cur, options);
  // Hand the column buffers back so the caller's datasets are whole again.
  const a = pack(ref);
  const b = pack(cur);
  parentPort!.postMessage({ ok: true, drift, reference: a.packed, current: b.packed }, [...a.transfer, ...b.transfer]);
} catch (err) {
  const a = pack(ref);
  const b = pack(cur);
  parentPort!.postMessage({ ok: false, message: (err as Error).message, reference: a.packed, current: b.packed }, [...a.transfer, ...b.transfer]);
}
