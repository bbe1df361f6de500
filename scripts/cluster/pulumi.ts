// Running the real Pulumi CLI (built by scripts/e2e/build-toolchain.sh) against the e2e
// cluster: a local file state backend, an isolated PULUMI_HOME, and the toolchain's
// language host and providers found on PATH (no plugin downloads).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { toolchain, toolchainPath } from "./toolchain";

export interface PulumiEnv {
  /** Directory of the file backend (file://...). */
  stateDir: string;
  /** PULUMI_HOME for this run. */
  home: string;
  /** Environment for the CLI and for the Automation API. */
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/**
 * A file backend and Pulumi home, pointed at `kubeconfig`: fresh and temporary by default;
 * with `root` and `passphrase`, kept there (`npm run demo`).
 */
export function pulumiEnv(kubeconfig: string, keep?: { root: string; passphrase: string }): PulumiEnv {
  const root = keep?.root ?? mkdtempSync(path.join(tmpdir(), "drift-loop-e2e-pulumi-"));
  const stateDir = path.join(root, "state");
  const home = path.join(root, "home");
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: toolchainPath(),
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: keep?.passphrase ?? randomBytes(16).toString("hex"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false",
    KUBECONFIG: kubeconfig,
    NO_COLOR: "1",
  };
  delete env.PULUMI_ACCESS_TOKEN;
  delete env.PULUMI_IGNORE_AMBIENT_PLUGINS;
  return { stateDir, home, env, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `pulumi args...` in `cwd`; never throws on a non-zero exit (see `pulumiOk`). */
export function pulumi(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // First: after a `--` in args (a config value that starts with "-") it would be a value.
    const child = spawn(toolchain.tool("pulumi"), ["--non-interactive", ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Like `pulumi`, but throws with the CLI's output when it fails. */
export async function pulumiOk(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<string> {
  const res = await pulumi(args, cwd, env, timeoutMs);
  if (res.code !== 0) {
    throw new Error(`pulumi ${args.join(" ")} exited ${res.code}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}`);
  }
  return res.stdout;
}
