/**
 * Running one of our TypeScript entry points as its own process, as a Job or CronJob runs
 * it: a clean environment (PATH and HOME, plus what the test gives), stdout and stderr
 * collected in arrival order.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

export const REPO = join(__dirname, "..", "..");

/** Run `file` (relative to the repository root) with `args` under tsx; resolves with its exit code and output. */
export function runScript(file: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", join(REPO, file), ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    p.stdout.on("data", (d) => (output += d));
    p.stderr.on("data", (d) => (output += d));
    p.on("exit", (code) => resolve({ code, output }));
  });
}
