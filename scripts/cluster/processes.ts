// Child processes with log files, readiness waits and an orderly stop; anything still
// running when Node exits is killed so a failed run leaves no strays behind.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
export { freePort } from "../services/ports";

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Set when the process exited (code or signal). */
  exited?: string;
}

/** Start `cmd args...` with stdout+stderr appended to `logFile`. */
export function startProcess(
  name: string,
  cmd: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Managed {
  const fd = openSync(logFile, "a");
  const child = spawn(cmd, args, { stdio: ["ignore", fd, fd], env });
  closeSync(fd);
  const managed: Managed = { name, child, logFile };
  running.add(child);
  child.on("exit", (code, signal) => {
    running.delete(child);
    managed.exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.on("error", (err) => {
    running.delete(child);
    managed.exited = `spawn error: ${err.message}`;
  });
  return managed;
}

/** The last `lines` lines of a process's log, for error messages. */
export function logTail(m: Managed, lines = 25): string {
  try {
    return readFileSync(m.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Fail fast with the log tail if the process has died. */
export function assertAlive(m: Managed): void {
  if (m.exited) throw new Error(`${m.name} exited (${m.exited}); last log lines:\n${logTail(m)}`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(m: Managed, graceMs = 10_000): Promise<void> {
  if (m.exited || m.child.exitCode !== null) return;
  const gone = new Promise<void>((resolve) => m.child.once("exit", () => resolve()));
  m.child.kill("SIGTERM");
  const timer = setTimeout(() => m.child.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(timer);
}

