/**
 * Test support for the drifter: an in-process server on a free loopback port, the real
 * service as a child process, and small statistics for "did the distribution move".
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { loadConfig } from "../../drifter/src/config";
import { buildServer, type DrifterServer, type ServerOptions } from "../../drifter/src/server";
export { freePort } from "../../scripts/services/ports";

export const ROOT = join(__dirname, "..", "..");

export interface Running {
  server: DrifterServer;
  base: string;
  close(): Promise<void>;
}

/** buildServer() listening on 127.0.0.1 with config from `env` (validated as in production). */
export async function startInProcess(env: Record<string, string> = {}, opts: Partial<ServerOptions> = {}): Promise<Running> {
  const server = buildServer({ config: loadConfig(env), ...opts });
  const address = await server.app.listen({ port: 0, host: "127.0.0.1" });
  return { server, base: address, close: () => server.shutdown() };
}

export interface Table {
  header: string[];
  rows: string[][];
  column(name: string): string[];
  numbers(name: string): number[];
}

export function parseCsv(text: string): Table {
  const records = parse(text, { relax_column_count: false }) as string[][];
  const [header, ...rows] = records;
  const idx = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`no column ${name} in ${header.join(",")}`);
    return i;
  };
  return {
    header,
    rows,
    column: (name) => rows.map((r) => r[idx(name)]),
    numbers: (name) => rows.map((r) => r[idx(name)]).filter((v) => v !== "").map(Number),
  };
}

export async function getText(url: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) * (b - m), 0) / (xs.length - 1);
};

/** Welch's z of the difference of two means (b - a) in standard errors. */
export function meanShiftZ(a: number[], b: number[]): number {
  return (mean(b) - mean(a)) / Math.sqrt(variance(a) / a.length + variance(b) / b.length);
}

/** Two-proportion z (b - a), pooled. */
export function proportionZ(hitsA: number, nA: number, hitsB: number, nB: number): number {
  const p = (hitsA + hitsB) / (nA + nB);
  const se = Math.sqrt(p * (1 - p) * (1 / nA + 1 / nB));
  return se === 0 ? 0 : (hitsB / nB - hitsA / nA) / se;
}

/** Pearson chi-square of observed counts against expected shares. */
export function chiSquare(observed: Record<string, number>, expectedShares: Record<string, number>): number {
  const n = Object.values(observed).reduce((a, b) => a + b, 0);
  let x = 0;
  for (const [k, share] of Object.entries(expectedShares)) {
    const e = share * n;
    const o = observed[k] ?? 0;
    x += ((o - e) * (o - e)) / e;
  }
  return x;
}

export function counts(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** The real service as a child process (tsx), on a port the caller picks. */
export function spawnDrifter(env: Record<string, string>): { proc: ChildProcess; output: () => string } {
  let out = "";
  const proc = spawn(process.execPath, ["--import", "tsx", join(ROOT, "drifter", "src", "main.ts")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  return { proc, output: () => out };
}

export function exitOf(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve({ code: proc.exitCode, signal: proc.signalCode });
    proc.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

export async function waitFor(url: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

