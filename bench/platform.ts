/**
 * How long one mock run of the whole Pulumi program takes (createPlatform under the
 * provider-like mocks, until every resource is registered), per profile. Peer: the same
 * run with source maps on (tsx's default), which makes Pulumi's per-resource stack capture
 * expensive; the test helper turns them off.
 */
import { cloudConfig, makeRepoFixture, minikubeConfig, runPlatform } from "../tests/helpers/pulumi";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function run(): Promise<void> {
  const repoRoot = makeRepoFixture();
  const runs = Number(process.env.BENCH_RUNS ?? 7);
  await runPlatform(minikubeConfig(), { repoRoot }); // warm-up: module loading
  const rows: string[][] = [];
  for (const [profile, cfg] of [
    ["minikube", minikubeConfig],
    ["cloud", cloudConfig],
  ] as const) {
    const fast: number[] = [];
    const slow: number[] = [];
    let resources = 0;
    for (let i = 0; i < runs; i++) {
      const r = await runPlatform(cfg(), { repoRoot });
      fast.push(r.ms);
      resources = r.resources.length;
      slow.push((await runPlatform(cfg(), { repoRoot, sourceMaps: true })).ms);
    }
    rows.push([profile, String(resources), median(fast).toFixed(0), Math.min(...fast).toFixed(0), median(slow).toFixed(0), (median(slow) / median(fast)).toFixed(2)]);
  }
  const head = ["profile", "resources", "median ms", "min ms", "peer: source maps on, median ms", "peer / ours"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  console.log(`mock run of the whole program, ${runs} runs each (fresh state per run)`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}
