import { strict as assert } from "node:assert";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { logTail, startProcess, stopProcess, waitHealthy } from "../../scripts/services/proc";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Pids in a process group (ps), excluding zombies. */
const groupPids = (pgid: number) =>
  execFileSync("ps", ["-eo", "pid=,pgid=,stat="], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === pgid && !String(f[2]).startsWith("Z"))
    .map((f) => Number(f[0]));

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(100);
  }
  return cond();
}

describe("server processes started for tests", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "drift-loop-proc-test-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reports the exit code and the end of the log when a server dies while starting", async () => {
    const p = startProcess("fakedb", "bash", ["-c", "echo 'FATAL: could not bind 127.0.0.1:1'; exit 3"], { env: process.env, logFile: join(dir, "fakedb.log") });
    await assert.rejects(
      waitHealthy(p, "accepting connections", async () => false, 10_000),
      (e: Error) => e.name === "ServiceStartError" && /fakedb exited \(code 3\) before accepting connections/.test(e.message) && /FATAL: could not bind/.test(e.message),
    );
  });

  it("gives up after the timeout with the last error and the log, and kills the server", async () => {
    const p = startProcess("slow", "bash", ["-c", "echo 'still migrating'; exec sleep 60"], { env: process.env, logFile: join(dir, "slow.log") });
    await assert.rejects(
      waitHealthy(p, "/health answering 200", async () => {
        throw new Error("ECONNREFUSED");
      }, 1000),
      (e: Error) => /slow did not become healthy \(\/health answering 200\) within 1s \(last error: ECONNREFUSED\)/.test(e.message) && /still migrating/.test(e.message),
    );
    await stopProcess(p, 2000);
    assert.equal(alive(p.pid), false);
  });

  it("stops a server together with the workers it forked", async () => {
    const p = startProcess("forking", "bash", ["-c", "sleep 60 & sleep 60 & wait"], { env: process.env, logFile: join(dir, "f.log") });
    assert.ok(await until(() => groupPids(p.pid).length >= 3, 5000), "the server and two workers run");
    await stopProcess(p, 2000);
    assert.ok(await until(() => groupPids(p.pid).length === 0, 3000), `nothing left in group ${p.pid}: ${groupPids(p.pid)}`);
  });

  it("uses the server's own fast-shutdown signal, and SIGKILL when it ignores it", async () => {
    const p = startProcess("stubborn", "bash", ["-c", "trap 'echo got INT' INT; trap '' TERM; while :; do sleep 0.1; done"], { env: process.env, logFile: join(dir, "s.log"), stopSignal: "SIGINT" });
    await sleep(300);
    const t = Date.now();
    await stopProcess(p, 800);
    assert.equal(alive(p.pid), false);
    assert.ok(Date.now() - t < 5000);
    assert.match(logTail(join(dir, "s.log")), /got INT/);
  });

  it("cleans up after a test process that is killed outright (SIGKILL): servers stopped, data removed", async () => {
    const runDir = join(dir, "run");
    // A child that starts a "server" with the real watchdog, then hangs until killed.
    const script = `
      const { mkdirSync, appendFileSync } = require("node:fs");
      const { startProcess } = require(${JSON.stringify(require.resolve("../../scripts/services/proc"))});
      const { startReaper } = require(${JSON.stringify(require.resolve("../../scripts/services/reaper"))});
      const dir = ${JSON.stringify(runDir)};
      mkdirSync(dir);
      startReaper(dir);
      const p = startProcess("server", "sleep", ["300"], { env: process.env, logFile: dir + "/server.log" });
      appendFileSync(dir + "/pgids", p.pid + "\\n");
      console.log(JSON.stringify({ pid: p.pid }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.once("data", (b: Buffer) => resolve(b.toString()));
      child.once("exit", (c) => reject(new Error(`child exited ${c}`)));
    });
    const { pid } = JSON.parse(line) as { pid: number };
    assert.ok(alive(pid) && existsSync(runDir));
    child.kill("SIGKILL");
    assert.ok(await until(() => !alive(pid), 10_000), "the server was stopped");
    assert.ok(await until(() => !existsSync(runDir), 10_000), "its data directory was removed");
  });
});
