/**
 * `npm run services -- start|env|stop`: real PostgreSQL, MinIO and MLflow on loopback for a
 * local run of drift-loop's workloads (the same servers the tests use).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError, intEnv } from "../lib/env";
import { cacheRoot } from "./services/config";
import { NotInstalledError, ServiceStartError, startServices, type RunningServices, type ServerExit, type ServerInfo, type ServerName } from "./services";
import { UsageError } from "../lib/cli";

const HELP = `Usage: npm run services -- <command> [--json]

Starts real PostgreSQL, MinIO and MLflow on 127.0.0.1 (free ports, generated credentials,
local data) for a local run of drift-loop. Install them first with 'npm run setup'.

Commands:
  start    start the three servers, print the environment to use them, and keep them
           running until Ctrl-C (or 'npm run services -- stop'); their data is then removed.
           A server that dies is started again on the same port with the same credentials
           and data (at most DRIFT_LOOP_SERVICES_RESTARTS times in 10 minutes, default 3;
           0: never). When it cannot be, the others are stopped and all data and logs are
           kept; the path is printed.
  env      print the environment of the running servers (for another terminal):
             eval "$(npm run -s services -- env)"
  stop     stop the servers started by 'start' (in another terminal)
  help     print this help

Options:
  --json   print the environment as a JSON object instead of shell 'export' lines
  --help   print this help

The environment: S3_ENDPOINT, S3_PORT, S3_USE_SSL, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION,
MLFLOW_TRACKING_URI, MLFLOW_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.

Files: state of the running servers (environment, and each server's pid, port, data
directory and log) in $DRIFT_LOOP_SERVICES_STATE (default: <cache>/run/services.json,
readable only by you); set DRIFT_LOOP_KEEP_SERVICES=1 to keep data and logs after stop.`;

interface State {
  pid: number;
  startedAt: string;
  runDir: string;
  mlflowUrl: string;
  minioConsoleUrl: string;
  env: Record<string, string>;
  servers: Record<ServerName, ServerInfo>;
}

/** A server may be restarted this many times within RESTART_WINDOW_MS before the tool gives up. */
const RESTART_WINDOW_MS = 10 * 60_000;

/** The one UsageError (lib/cli.ts), exported for the tests. */
export { UsageError };

export function parseArgs(argv: string[]): { command: "start" | "env" | "stop" | "help"; json: boolean } {
  let command: string | undefined;
  let json = false;
  for (const a of argv) {
    if (a === "--json") json = true;
    else if (a === "--help" || a === "-h") command = "help";
    else if (a.startsWith("-")) throw new UsageError(`unknown option '${a}' (allowed: --json, --help)`);
    else if (command === undefined) command = a;
    else if (command !== "help") throw new UsageError(`one command at a time (got '${command}' and '${a}')`);
  }
  command ??= "help";
  if (!["start", "env", "stop", "help"].includes(command)) throw new UsageError(`unknown command '${command}' (allowed: start, env, stop, help)`);
  return { command: command as "start" | "env" | "stop" | "help", json };
}

const statePath = () => process.env.DRIFT_LOOP_SERVICES_STATE || join(cacheRoot(), "run", "services.json");
const say = (line: string) => process.stderr.write(`[services] ${line}\n`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // An exited process that its parent has not reaped yet (a zombie) is not running.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** The state of a running `start`, or undefined (a stale file of a dead one is removed). */
function readState(): State | undefined {
  const file = statePath();
  if (!existsSync(file)) return undefined;
  let s: State;
  try {
    s = JSON.parse(readFileSync(file, "utf8")) as State;
  } catch {
    rmSync(file, { force: true });
    return undefined;
  }
  if (typeof s.pid !== "number" || !alive(s.pid)) {
    rmSync(file, { force: true });
    return undefined;
  }
  return s;
}

function formatEnv(env: Record<string, string>, json: boolean): string {
  if (json) return JSON.stringify(env, null, 2);
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${q(v)}`)
    .join("\n");
}

async function start(json: boolean): Promise<number> {
  const other = readState();
  if (other) {
    say(`servers are already running (pid ${other.pid}, MLflow ${other.mlflowUrl}); use them with: eval "$(npm run -s services -- env)", or stop them with: npm run services -- stop`);
    return 1;
  }
  const maxRestarts = intEnv(process.env, "DRIFT_LOOP_SERVICES_RESTARTS", { min: 0, max: 100, fallback: 3 });
  const t0 = Date.now();
  const r = await startServices({ log: say, handleSignals: false });
  const file = statePath();
  const saveState = () => {
    const state: State = { pid: process.pid, startedAt: new Date(t0).toISOString(), runDir: r.runDir, mlflowUrl: r.services.mlflowUrl, minioConsoleUrl: r.minioConsoleUrl, env: r.env(), servers: r.servers() };
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  saveState();

  let stopping: Promise<void> | undefined;
  const shutdown = (why: string, keepData = false) => {
    stopping ??= (async () => {
      say(`${why}: stopping MLflow, MinIO and PostgreSQL`);
      try {
        await r.stop({ keepData });
      } finally {
        const cur = readState();
        if (!cur || cur.pid === process.pid) rmSync(file, { force: true });
      }
      say(keepData ? `stopped; data and logs kept in ${r.runDir} (${whereData(r)})` : "stopped; data removed");
    })();
    return stopping;
  };
  let exitCode = 0;
  const done = new Promise<void>((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => void shutdown(sig).finally(resolve));
    // A server that dies is started again where it was, with its data; one that cannot be
    // stops the others, loudly, and everything is kept for the person to look at.
    const restarts = new Map<ServerName, number[]>();
    const onExit = async ({ name, message }: ServerExit) => {
      if (stopping) return;
      say(message);
      const info = r.servers()[name];
      const recent = (restarts.get(name) ?? []).filter((t) => Date.now() - t < RESTART_WINDOW_MS);
      let failure: string | undefined;
      if (recent.length >= maxRestarts) {
        failure = maxRestarts === 0 ? `not restarting ${name} (DRIFT_LOOP_SERVICES_RESTARTS=0)` : `${name} died ${recent.length + 1} times within ${RESTART_WINDOW_MS / 60_000} minutes; not restarting it again`;
      } else {
        restarts.set(name, [...recent, Date.now()]);
        say(`restarting ${name} on 127.0.0.1:${info.port} with the same credentials; its data in ${info.dataDir} is kept`);
        const t = Date.now();
        try {
          await r.restart(name);
          saveState();
          say(`${name} is back on 127.0.0.1:${info.port} (pid ${r.pids[name]}) after ${((Date.now() - t) / 1000).toFixed(1)}s; the environment is unchanged`);
          return;
        } catch (err) {
          if (stopping) return; // stopped (Ctrl-C) while it was starting
          failure = `could not restart ${name} on 127.0.0.1:${info.port}: ${(err as Error).message}`;
        }
      }
      say(failure);
      exitCode = 1;
      void shutdown(`${name} is down`, true).finally(resolve);
    };
    r.onExit((exit) => void onExit(exit));
  });
  // The servers are detached; this keeps the process (and so the servers) alive until told otherwise.
  const keepAlive = setInterval(() => undefined, 1 << 30);

  process.stdout.write(`${formatEnv(r.env(), json)}\n`);
  say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)}s: MLflow UI ${r.services.mlflowUrl}, MinIO console ${r.minioConsoleUrl} (log in with S3_ACCESS_KEY / S3_SECRET_KEY)`);
  say(`logs in ${r.runDir}/*.log; in another terminal: eval "$(npm run -s services -- env)"; press Ctrl-C to stop`);
  await done;
  clearInterval(keepAlive);
  return exitCode;
}

/** Each server's data directory, for the line that says where the kept data is. */
function whereData(r: RunningServices): string {
  return Object.entries(r.servers())
    .map(([name, s]) => `${name}: ${s.dataDir}`)
    .join(", ");
}

async function stop(): Promise<number> {
  const s = readState();
  if (!s) {
    say("no servers are running (nothing to stop)");
    return 0;
  }
  process.kill(s.pid, "SIGTERM");
  const deadline = Date.now() + 30_000;
  while (alive(s.pid) && Date.now() < deadline) await sleep(200);
  if (alive(s.pid)) {
    say(`process ${s.pid} did not stop within 30s`);
    return 1;
  }
  say(`stopped the servers of process ${s.pid}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const { command, json } = parseArgs(argv);
  switch (command) {
    case "help":
      process.stdout.write(`${HELP}\n`);
      return 0;
    case "env": {
      const s = readState();
      if (!s) {
        say("no servers are running; start them with: npm run services -- start");
        return 1;
      }
      process.stdout.write(`${formatEnv(s.env, json)}\n`);
      return 0;
    }
    case "stop":
      return stop();
    case "start":
      return start(json);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      const usage = err instanceof UsageError || err instanceof ConfigError;
      if (usage) say(`${err.message}\nRun 'npm run services -- --help' for usage.`);
      else if (err instanceof NotInstalledError || err instanceof ServiceStartError) say(err.message);
      else say(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(usage ? 2 : 1);
    },
  );
}
