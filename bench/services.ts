/**
 * How long the test services take to start on a warm machine (binaries installed), with
 * MLflow's schema restored from the cached template (what tests do) against MLflow
 * migrating an empty Postgres database (what a plain `mlflow server` does).
 * Target: warm start of all three servers under 30 s.
 */
import { median } from "simple-statistics";
import { startServices } from "../scripts/services";

async function timeStart(schemaTemplate: boolean): Promise<{ ready: number; stop: number }> {
  const t0 = performance.now();
  const r = await startServices({ schemaTemplate });
  const ready = performance.now() - t0;
  const t1 = performance.now();
  await r.stop();
  return { ready, stop: performance.now() - t1 };
}

export async function run(): Promise<void> {
  const rounds = Number(process.env.BENCH_SERVICES_ROUNDS ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error(`BENCH_SERVICES_ROUNDS must be an integer 1..20 (got "${process.env.BENCH_SERVICES_ROUNDS}")`);
  await timeStart(true); // makes sure the template exists; not counted
  const withTpl: { ready: number; stop: number }[] = [];
  const migrate: { ready: number; stop: number }[] = [];
  // Interleaved, so a change in machine load hits both alike.
  for (let i = 0; i < rounds; i++) {
    withTpl.push(await timeStart(true));
    migrate.push(await timeStart(false));
    process.stderr.write(`  round ${i + 1}/${rounds}: template ${(withTpl[i].ready / 1000).toFixed(1)}s, migrate ${(migrate[i].ready / 1000).toFixed(1)}s\n`);
  }
  const s = (xs: number[]) => `${(median(xs) / 1000).toFixed(1)} s`;
  const a = median(withTpl.map((x) => x.ready));
  const b = median(migrate.map((x) => x.ready));
  console.table([
    { start: "schema from template (tests)", "median ready": s(withTpl.map((x) => x.ready)), "median stop": s(withTpl.map((x) => x.stop)), rounds },
    { start: "MLflow migrates empty DB", "median ready": s(migrate.map((x) => x.ready)), "median stop": s(migrate.map((x) => x.stop)), rounds },
  ]);
  console.log(`ratio (template / migrate): ${(a / b).toFixed(2)}; target: ready < 30 s warm -> ${a < 30_000 ? "met" : "NOT met"}`);
}
