/**
 * Server processes: started detached in their own process group with output to a log
 * file, waited for until healthy, stopped by signalling the whole group.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export class ServiceStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServiceStartError";
  }
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** The signal that asks this server for a fast, clean shutdown. */
  readonly stopSignal: NodeJS.Signals;
  /** How long stop waits after that signal before SIGKILL. */
  readonly graceMs: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  logFile: string;
  cwd?: string;
  uid?: number;
  gid?: number;
  stopSignal?: NodeJS.Signals;
  /** Wait this long after stopSignal before SIGKILL (default 5000). */
  graceMs?: number;
}

/** The last `lines` lines of a log file (empty when it does not exist). */
export function logTail(file: string, lines = 30): string {
  if (!existsSync(file)) return "(no log written)";
  const size = statSync(file).size;
  const text = readFileSync(file, "utf8").slice(Math.max(0, size - 64 * 1024));
  const all = text.split("\n").filter((l) => l.length > 0);
  return all.slice(-lines).join("\n") || "(log is empty)";
}

export function startProcess(name: string, command: string, args: string[], opts: StartOptions): ManagedProcess {
  const fd = openSync(opts.logFile, "a", 0o600);
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      uid: opts.uid,
      gid: opts.gid,
      detached: true, // own process group: one signal reaches the server and its workers
      stdio: ["ignore", fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once("error", (err) => {
      done = true;
      resolve({ code: -1, signal: null });
      // spawn errors (ENOENT, EACCES) have no log of their own: record them in it.
      try {
        const f = openSync(opts.logFile, "a");
        writeSync(f, `\n[drift-loop] could not start ${command}: ${err.message}\n`);
        closeSync(f);
      } catch {
        /* best effort */
      }
    });
  });
  child.unref();
  if (child.pid === undefined) {
    // spawn failed synchronously-ish; the error event carries the reason.
    return { name, pid: -1, logFile: opts.logFile, stopSignal: opts.stopSignal ?? "SIGTERM", graceMs: opts.graceMs ?? 5000, exited, hasExited: () => true };
  }
  return { name, pid: child.pid, logFile: opts.logFile, stopSignal: opts.stopSignal ?? "SIGTERM", graceMs: opts.graceMs ?? 5000, exited, hasExited: () => done };
}

/**
 * Polls `check` until it returns true. Fails with the log tail when the process exits
 * first or when `timeoutMs` passes.
 */
export async function waitHealthy(p: ManagedProcess, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = "";
  while (Date.now() < deadline) {
    if (p.hasExited()) {
      const { code, signal } = await p.exited;
      throw new ServiceStartError(`${p.name} exited (${signal ? `signal ${signal}` : `code ${code}`}) before ${what}. Last lines of ${p.logFile}:\n${logTail(p.logFile)}`);
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = err instanceof Error ? err.message : String(err);
    }
    await sleep(150);
  }
  throw new ServiceStartError(
    `${p.name} did not become healthy (${what}) within ${Math.round(timeoutMs / 1000)}s${lastErr ? ` (last error: ${lastErr})` : ""}. Last lines of ${p.logFile}:\n${logTail(p.logFile)}`,
  );
}

/** Sends a signal to the process group; ignores groups that are already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/** Asks the server to stop, then kills its group when it has not exited after `graceMs`. */
export async function stopProcess(p: ManagedProcess, graceMs = p.graceMs): Promise<void> {
  if (p.hasExited()) {
    signalGroup(p.pid, "SIGKILL"); // workers left behind by a dead parent
    return;
  }
  signalGroup(p.pid, p.stopSignal);
  const timer = sleep(graceMs).then(() => "timeout" as const);
  if ((await Promise.race([p.exited.then(() => "exited" as const), timer])) === "timeout") {
    signalGroup(p.pid, "SIGKILL");
    await Promise.race([p.exited, sleep(2000)]);
  }
  signalGroup(p.pid, "SIGKILL");
}
