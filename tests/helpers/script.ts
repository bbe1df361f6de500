/**
 * Running one of our TypeScript entry points as its own process, as a Job or CronJob runs
 * it: a clean environment (PATH and HOME, plus what the test gives); stdout and stderr
 * each, and both in arrival order.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

export const REPO = join(__dirname, "..", "..");

export interface ScriptResult {
  /** Exit code (-1 when killed by a signal). */
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
}

/** Run `file` (relative to the repository root) with `args` under tsx; resolves once it has exited and its output is read. */
export function runScript(file: string, args: string[], env: Record<string, string>): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", join(REPO, file), ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const r: ScriptResult = { code: -1, stdout: "", stderr: "", output: "" };
    p.stdout.on("data", (d) => ((r.stdout += d), (r.output += d)));
    p.stderr.on("data", (d) => ((r.stderr += d), (r.output += d)));
    p.on("error", reject);
    p.on("close", (code) => resolve({ ...r, code: code ?? -1 }));
  });
}
