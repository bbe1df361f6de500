/**
 * A Prometheus Pushgateway on loopback (scripts/setup.d/80-monitoring.sh builds it): what the
 * drift job pushes its per-run metrics to in the tests. No persistence: it starts empty.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { locateMonitoringParts } from "./config";
import { freePort } from "./ports";
import { startProcess, stopProcess, waitHealthy, type ManagedProcess } from "./proc";

export interface RunningPushgateway {
  proc: ManagedProcess;
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  /** Stops it and removes its log directory. */
  stop(): Promise<void>;
}

/** Starts the installed Pushgateway on a free port and waits until /-/ready answers. */
export async function startPushgateway(opts: { timeoutMs?: number } = {}): Promise<RunningPushgateway> {
  const { pushgateway } = locateMonitoringParts();
  const dir = mkdtempSync(join(tmpdir(), "drift-loop-pushgateway-"));
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const proc = startProcess("pushgateway", pushgateway, [`--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    logFile: join(dir, "pushgateway.log"),
    cwd: dir,
    stopSignal: "SIGTERM",
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(proc, `${url}/-/ready answering 200`, async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok, opts.timeoutMs ?? 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { proc, url, stop };
}

/** One sample of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (what /metrics answers) into samples; comments are skipped. */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`not a sample line of the Prometheus text format: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}
