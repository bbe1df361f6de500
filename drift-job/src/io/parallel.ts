/**
 * Reads several data files at once: all but the last in worker threads, the last on the
 * calling thread, so two files take about the time of one on a machine with two cores.
 * Falls back to reading one after the other when a worker cannot start.
 */
import { existsSync } from "node:fs";
import { extname, join } from "node:path";
import { Worker } from "node:worker_threads";
import type { Dataset } from "../types";
import { readDatasetFile } from "./read";
import { DataError, fileSource } from "./source";
import { type PackedDataset, unpack } from "./transfer";

type Reply = { ok: true; packed: PackedDataset } | { ok: false; name: string; message: string };

function workerScript(): string | undefined {
  // Compiled: read-worker.js next to this file; under tsx: read-worker.ts.
  const p = join(__dirname, `read-worker${extname(__filename)}`);
  return existsSync(p) ? p : undefined;
}

function readInWorker(script: string, path: string): Promise<Dataset> {
  return new Promise((resolve, reject) => {
    // Under tsx (tests, `npm run drift`) the worker loads tsx itself; compiled code runs as is.
    const w = script.endsWith(".ts")
      ? new Worker(`require("tsx/cjs"); require(${JSON.stringify(script)});`, { eval: true, workerData: path })
      : new Worker(script, { workerData: path });
    let settled = false;
    w.once("message", (m: Reply) => {
      settled = true;
      if (m.ok) resolve(unpack(m.packed));
      else reject(m.name === "DataError" ? new DataError(m.message) : new Error(m.message));
      void w.terminate();
    });
    w.once("error", (err) => {
      if (!settled) reject(err);
    });
    w.once("exit", (code) => {
      if (!settled) reject(new Error(`reader thread for ${path} stopped with code ${code}`));
    });
  });
}

/** Reads the files concurrently; `onDone(i, dataset, ms)` reports each as it finishes. */
export async function readFilesInParallel(paths: string[], onDone?: (index: number, d: Dataset, ms: number) => void): Promise<Dataset[]> {
  const t0 = Date.now();
  // Fail fast on a missing or unreadable file, before spending time on the others.
  for (const p of paths) fileSource(p);
  const script = paths.length > 1 ? workerScript() : undefined;
  const done = (i: number) => (d: Dataset) => {
    onDone?.(i, d, Date.now() - t0);
    return d;
  };
  if (!script) {
    const out: Dataset[] = [];
    for (const [i, p] of paths.entries()) out.push(done(i)(await readDatasetFile(p)));
    return out;
  }
  const background = paths.slice(0, -1).map((p, i) => readInWorker(script, p).then(done(i)));
  // Avoid an unhandled rejection while the last file is read here.
  background.forEach((b) => b.catch(() => undefined));
  const last = await readDatasetFile(paths[paths.length - 1]).then(done(paths.length - 1));
  return [...(await Promise.all(background)), last];
}
