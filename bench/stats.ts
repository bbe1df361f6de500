/**
 * `npm run bench -- stats`: the drift statistics alone, data already in memory:
 * `computeDrift` against Evidently's DataDriftPreset (Report.run + as_dict) on the same
 * table, 16 numeric and 4 categorical columns per side, 4 numeric and 1 categorical
 * column drifted. Prints medians, the ratio, and whether every column's decision agrees.
 * (`bench/driftjob.ts` measures the whole job, CSV to report, end to end.)
 *
 * Env: STATS_BENCH_ROWS (default 1000000), STATS_BENCH_REPEATS (ours, default 5),
 * STATS_BENCH_PEER_REPEATS (Evidently, default 1; 0 skips it: minutes at 1M rows).
 */
import { computeDrift } from "../drift-job/src/stats";
import type { Column, Dataset, DatasetDrift } from "../drift-job/src/types";
import { categories, normals, withMissing } from "../tests/stats/data";
import { OracleBatch } from "../tests/stats/oracle-client";

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number >= 0, got "${raw}"`);
  return v;
}

function table(rows: number, seed: number, drifted: boolean): Dataset {
  const columns: Record<string, Column> = {};
  for (let i = 0; i < 16; i++) {
    const shift = drifted && i < 4 ? 0.15 : 0;
    const values = normals(rows, seed + i, shift + i, 1 + i / 8);
    columns[`num${i}`] = { kind: "num", values: i % 5 === 4 ? withMissing(values, seed + 40 + i, 0.02) : values };
  }
  for (let i = 0; i < 4; i++) {
    const labels = Array.from({ length: 3 + 8 * i }, (_, j) => `cat${i}_${j}`);
    const weights = drifted && i === 0 ? labels.map((_, j) => 1 + j) : undefined;
    columns[`cat${i}`] = { kind: "cat", values: categories(rows, seed + 80 + i, labels, weights) };
  }
  return { rows, columns };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function run(): Promise<void> {
  const rows = envInt("STATS_BENCH_ROWS", 1_000_000);
  const repeats = Math.max(1, envInt("STATS_BENCH_REPEATS", 5));
  const peerRepeats = envInt("STATS_BENCH_PEER_REPEATS", 1);
  console.log(`generating ${rows} rows x 20 columns per side ...`);
  const reference = table(rows, 1, false);
  const current = table(rows, 1000, true);

  const wall: number[] = [];
  const cpu: number[] = [];
  let ours: DatasetDrift | undefined;
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    ours = computeDrift(reference, current);
    wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
    console.log(`  computeDrift run ${r + 1}/${repeats}: ${wall.at(-1)!.toFixed(2)} s`);
  }

  let peer: number[] = [];
  let agree = "not run";
  if (peerRepeats > 0) {
    console.log(`running Evidently DataDriftPreset ${peerRepeats}x on the same data (slow) ...`);
    const batch = new OracleBatch();
    try {
      const side = (d: Dataset) => Object.fromEntries(Object.entries(d.columns).map(([k, c]) => [k, batch.sample(c.values as Float64Array | string[])]));
      batch.add({
        op: "preset",
        repeats: peerRepeats,
        numerical: Object.keys(reference.columns).filter((k) => k.startsWith("num")),
        categorical: Object.keys(reference.columns).filter((k) => k.startsWith("cat")),
        reference: side(reference),
        current: side(current),
      });
      const [res] = await batch.run();
      if (res.error) throw new Error(`Evidently failed: ${String(res.error)}`);
      peer = res.seconds as number[];
      const ev = res.columns as Record<string, { drift_detected: boolean; stattest_name: string }>;
      const diff = Object.entries(ev).filter(([k, v]) => ours!.columns[k]?.drift_detected !== v.drift_detected || ours!.columns[k]?.stattest_name !== v.stattest_name);
      agree = diff.length === 0 ? `yes (${Object.keys(ev).length} columns, dataset_drift ${String(res.dataset_drift)})` : `NO: ${diff.map(([k]) => k).join(", ")}`;
    } finally {
      batch.cleanup();
    }
  }

  const rowsOut = [
    ["", "median s", "runs"],
    ["computeDrift (wall)", median(wall).toFixed(3), String(repeats)],
    ["computeDrift (cpu)", median(cpu).toFixed(3), String(repeats)],
  ];
  if (peer.length) rowsOut.push(["Evidently DataDriftPreset (wall)", median(peer).toFixed(3), String(peer.length)]);
  console.log(`\nstats: ${rows} rows x 20 columns per side (16 numeric, 4 categorical), data in memory`);
  for (const r of rowsOut) console.log(`  ${r[0].padEnd(34)} ${r[1].padStart(10)} ${r[2].padStart(5)}`);
  if (peer.length) console.log(`  speed-up (Evidently / ours, wall medians): ${(median(peer) / median(wall)).toFixed(1)}x`);
  console.log(`  same per-column decisions as Evidently: ${agree}`);
  console.log(`  drifted columns (ours): ${ours?.number_of_drifted_columns} of ${ours?.number_of_columns}`);
}

if (require.main === module) {
  run().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
