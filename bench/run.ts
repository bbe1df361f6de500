/**
 * `npm run bench [-- <area> ...]`: runs every benchmark module under bench/ (each exports
 * `run()`, prints its own table), or only the named ones. Benchmarks are not tests.
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";

async function main(): Promise<void> {
  const all = readdirSync(__dirname)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts")
    .map((f) => basename(f, ".ts"))
    .sort();
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  if (process.argv.includes("--help")) {
    console.log(`usage: npm run bench [-- <area> ...]\nareas: ${all.join(", ")}`);
    return;
  }
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(", ")}; available: ${all.join(", ")}`);
  for (const area of wanted.length ? wanted : all) {
    console.log(`\n=== bench: ${area} ===`);
    const mod = (await import(join(__dirname, `${area}.ts`))) as { run?: () => Promise<void> };
    if (typeof mod.run !== "function") throw new Error(`bench/${area}.ts does not export run()`);
    await mod.run();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
