/**
 * `npm run bench -- driftjob`: our drift CLI against Evidently's DataDriftPreset (the
 * Airflow DAG's job), on the same CSV files in the same run, end to end: from CSV files to
 * report.json + report.html on disk, process start to exit. 16 numeric and 4 categorical
 * columns; the current side has known drift in 7 columns and more missing values.
 *
 * Reports median wall time, peak RSS, the ratios, whether the per-column drift decisions
 * are identical, and the report.html sizes.
 *
 * Env: DRIFTJOB_BENCH_SIZES (default "10000,100000,1000000"), DRIFTJOB_BENCH_REPEATS (ours,
 * default 3), DRIFTJOB_BENCH_PEER_REPEATS (Evidently, default "3,2,1" per size: at 1M rows
 * one Evidently run takes many minutes), DRIFT_LOOP_CACHE (where the venv and data live).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { writeSynthCsv } from "../drift-job/tools/synth";

const ROOT = resolve(__dirname, "..");
const CACHE = process.env.DRIFT_LOOP_CACHE ?? join(homedir(), ".cache", "drift-loop");
const PY = join(CACHE, "oracle-venv", "bin", "python");
const DATA = join(CACHE, "bench-driftjob");

interface Measured {
  seconds: number;
  /** User + system CPU seconds of the process (robust when the machine is shared). */
  cpu: number;
  peakMb: number;
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a process to its end; peak RSS from GNU time when present, else by polling /proc. */
function measure(cmd: string, args: string[]): Promise<Measured> {
  const gnuTime = existsSync("/usr/bin/time");
  const argv = gnuTime ? ["-f", "__PEAK_KB__ %M %U %S", cmd, ...args] : args;
  const bin = gnuTime ? "/usr/bin/time" : cmd;
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(bin, argv, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    let err = "";
    let polledKb = 0;
    let polledCpu = 0;
    const poll = gnuTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
            if (m) polledKb = Math.max(polledKb, Number(m[1]));
            const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
            polledCpu = (Number(stat[11]) + Number(stat[12])) / 100;
          } catch {
            /* exited */
          }
        }, 50);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", rej);
    child.on("close", (code) => {
      if (poll) clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const m = /__PEAK_KB__ (\d+) ([\d.]+) ([\d.]+)/.exec(err);
      const kb = m ? Number(m[1]) : polledKb;
      const cpu = m ? Number(m[2]) + Number(m[3]) : polledCpu;
      res({ seconds, cpu, peakMb: kb / 1024, stdout: out, stderr: err.replace(/__PEAK_KB__ .*\n?/, ""), code: code ?? -1 });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

function dataFor(rows: number): { ref: string; cur: string } {
  mkdirSync(DATA, { recursive: true });
  const ref = join(DATA, `ref_${rows}.csv`);
  const cur = join(DATA, `cur_${rows}.csv`);
  if (!existsSync(ref) || !existsSync(cur)) {
    process.stdout.write(`generating ${rows.toLocaleString("en-US")} rows x 20 columns per side in ${DATA} ... `);
    writeSynthCsv(ref + ".tmp", { rows, seed: 1, drift: false, missingShare: 0.02 });
    writeSynthCsv(cur + ".tmp", { rows, seed: 2, drift: true, missingShare: 0.05 });
    renameSync(ref + ".tmp", ref);
    renameSync(cur + ".tmp", cur);
    process.stdout.write("done\n");
  }
  return { ref, cur };
}

interface Row {
  rows: number;
  ours: number[];
  peer: number[];
  oursCpu: number[];
  peerCpu: number[];
  oursMb: number[];
  peerMb: number[];
  same: string;
  oursHtmlKb: number;
  peerHtmlKb: number;
}

export async function run(): Promise<void> {
  const sizes = (process.env.DRIFTJOB_BENCH_SIZES ?? "10000,100000,1000000").split(",").map((s) => Number(s.trim()));
  const repeats = Number(process.env.DRIFTJOB_BENCH_REPEATS ?? 3);
  const peerRepeats = (process.env.DRIFTJOB_BENCH_PEER_REPEATS ?? "3,2,1").split(",").map(Number);
  if (!existsSync(PY)) {
    throw new Error(`Evidently venv not found at ${PY}: run \`npm run setup\` (scripts/setup.d/40-oracle.sh) first`);
  }
  const results: Row[] = [];
  for (const [i, rows] of sizes.entries()) {
    const { ref, cur } = dataFor(rows);
    const outOurs = join(DATA, `out-ours-${rows}`);
    const outPeer = join(DATA, `out-evidently-${rows}`);
    const r: Row = { rows, ours: [], peer: [], oursCpu: [], peerCpu: [], oursMb: [], peerMb: [], same: "?", oursHtmlKb: 0, peerHtmlKb: 0 };
    for (let k = 0; k < repeats; k++) {
      rmSync(outOurs, { recursive: true, force: true });
      const m = await measure(process.execPath, ["--import", "tsx", "drift-job/src/cli.ts", "--reference", ref, "--current", cur, "--out", outOurs, "--quiet"]);
      if (m.code !== 0) throw new Error(`drift CLI failed (${m.code}): ${m.stderr}`);
      r.ours.push(m.seconds);
      r.oursCpu.push(m.cpu);
      r.oursMb.push(m.peakMb);
      console.log(`  ${rows.toLocaleString("en-US")} rows, ours #${k + 1}: ${m.seconds.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s CPU, ${m.peakMb.toFixed(0)} MB`);
    }
    let peerOut = "";
    const pr = peerRepeats[Math.min(i, peerRepeats.length - 1)] || 1;
    for (let k = 0; k < pr; k++) {
      rmSync(outPeer, { recursive: true, force: true });
      const m = await measure(PY, [join(ROOT, "bench", "peers", "evidently_drift.py"), ref, cur, outPeer]);
      if (m.code !== 0) throw new Error(`Evidently peer failed (${m.code}): ${m.stderr.slice(-2000)}`);
      r.peer.push(m.seconds);
      r.peerCpu.push(m.cpu);
      r.peerMb.push(m.peakMb);
      peerOut = m.stdout;
      console.log(`  ${rows.toLocaleString("en-US")} rows, Evidently #${k + 1}: ${m.seconds.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s CPU, ${m.peakMb.toFixed(0)} MB`);
    }
    type Decisions = { dataset_drift: boolean; columns: Record<string, { drift_detected: boolean; stattest_name: string; drift_score: number }> };
    const peer = JSON.parse(peerOut.trim().split("\n").pop()!) as Decisions;
    const ours = JSON.parse(readFileSync(join(outOurs, "report.json"), "utf8")) as Decisions;
    const diffs: string[] = [];
    let maxRel = 0;
    if (peer.dataset_drift !== ours.dataset_drift) diffs.push(`dataset_drift ${ours.dataset_drift} vs ${peer.dataset_drift}`);
    for (const [c, p] of Object.entries(peer.columns)) {
      const o = ours.columns[c];
      if (!o) diffs.push(`${c} missing`);
      else if (o.drift_detected !== p.drift_detected || o.stattest_name !== p.stattest_name) diffs.push(`${c}: ${o.stattest_name}=${o.drift_detected} vs ${p.stattest_name}=${p.drift_detected}`);
      else maxRel = Math.max(maxRel, Math.abs(o.drift_score - p.drift_score) / Math.max(Math.abs(p.drift_score), 1e-12));
    }
    console.log(`  ${rows.toLocaleString("en-US")} rows: largest relative score difference to Evidently ${maxRel.toExponential(1)}`);
    const drifted = Object.values(ours.columns).filter((c) => c.drift_detected).length;
    r.same = diffs.length ? `NO: ${diffs.join("; ")}` : `yes (${drifted}/${Object.keys(peer.columns).length} drifted)`;
    r.oursHtmlKb = statSync(join(outOurs, "report.html")).size / 1024;
    r.peerHtmlKb = statSync(join(outPeer, "report.html")).size / 1024;
    results.push(r);
  }
  console.log("\nDrift check, CSV files to report.json + report.html, end to end (process start to exit); medians; n = runs");
  const head = ["rows/side", "ours s", "Evidently s", "speed-up", "CPU s ours / Evidently", "CPU speed-up", "ours MB", "Evidently MB", "mem ratio", "same decisions", "html KB ours / Evidently"];
  const lines = results.map((r) => [
    r.rows.toLocaleString("en-US"),
    `${median(r.ours).toFixed(2)} (n=${r.ours.length})`,
    `${median(r.peer).toFixed(2)} (n=${r.peer.length})`,
    `${(median(r.peer) / median(r.ours)).toFixed(1)}x`,
    `${median(r.oursCpu).toFixed(1)} / ${median(r.peerCpu).toFixed(1)}`,
    `${(median(r.peerCpu) / median(r.oursCpu)).toFixed(1)}x`,
    median(r.oursMb).toFixed(0),
    median(r.peerMb).toFixed(0),
    `${(median(r.oursMb) / median(r.peerMb)).toFixed(2)}`,
    r.same,
    `${r.oursHtmlKb.toFixed(0)} / ${r.peerHtmlKb.toFixed(0)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log(fmt(head));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const l of lines) console.log(fmt(l));
  console.log("Targets at 1M rows: speed-up >= 10x, mem ratio <= 0.5, same decisions, report.html < 1024 KB.");
}
