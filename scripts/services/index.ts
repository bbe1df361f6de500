/**
 * Starts PostgreSQL, MinIO and MLflow on 127.0.0.1 with free ports, generated credentials
 * and a throwaway data directory, and stops them again (also when the starting process
 * is interrupted or killed). Used by tests/helpers/services.ts and `npm run services`.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUCKETS, ENV } from "../../lib/contract";
import { intEnv } from "../../lib/env";
import { DEFAULT_S3_REGION, s3Env, type S3Settings } from "../../lib/s3";
import { locateBinaries } from "./config";
import { startMinio, type MinioOptions } from "./minio";
import { startMlflow, type MlflowOptions } from "./mlflow";
import { freePorts } from "./ports";
import { dumpDatabase, postgresUrl, restartPostgres, restoreDatabase, startPostgres, type PostgresOptions } from "./postgres";
import { ServiceStartError, logTail, signalGroup, stopProcess, type ManagedProcess } from "./proc";
import { startReaper } from "./reaper";
import type { PostgresSettings, Services } from "./types";

export type { Services, PostgresSettings } from "./types";
export { ServiceStartError } from "./proc";
export { NotInstalledError } from "./config";

export interface StartServicesOptions {
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Stop the servers when this process gets SIGINT/SIGTERM/SIGHUP (default true). */
  handleSignals?: boolean;
  /** Keep the data directory after stop, for debugging (default: DRIFT_LOOP_KEEP_SERVICES=1). */
  keepData?: boolean;
  /** MLflow server workers (default: DRIFT_LOOP_MLFLOW_WORKERS or 1). */
  mlflowWorkers?: number;
  /** Per-server start timeout (default 120 s; MLflow migrates its schema on first start). */
  timeoutMs?: number;
  /**
   * Restore MLflow's migrated schema from the cached template (and save one when missing)
   * instead of letting MLflow migrate an empty database (default true).
   */
  schemaTemplate?: boolean;
}

export type ServerName = "postgres" | "minio" | "mlflow";
export const SERVER_NAMES: readonly ServerName[] = ["postgres", "minio", "mlflow"];

/** A server that exited while it should have been running. */
export interface ServerExit {
  name: ServerName;
  /** What happened, with the tail of its log. */
  message: string;
}

/** Where one server listens and keeps its data and log. */
export interface ServerInfo {
  pid: number;
  port: number;
  dataDir: string;
  logFile: string;
}

export interface RunningServices {
  readonly services: Services;
  /** Where the servers keep their data and logs (removed by stop(), unless kept). */
  readonly runDir: string;
  /** MinIO's web console (log in with the S3 access and secret key). */
  readonly minioConsoleUrl: string;
  /** Process ids of the servers (each leads its own process group); a restart changes one. */
  readonly pids: Record<ServerName, number>;
  /** Pid, port, data directory and log of each server. */
  servers(): Record<ServerName, ServerInfo>;
  /** Environment variables a workload or a person needs to reach the servers. */
  env(): Record<string, string>;
  /** Resolves when a server first exits before stop() was called, with its name and the tail of its log. */
  readonly crashed: Promise<ServerExit>;
  /** Calls `listener` for every server that exits before stop() (a restarted one too). */
  onExit(listener: (exit: ServerExit) => void): void;
  /**
   * Starts a server that exited again: same port, same credentials, same data directory
   * (MinIO's objects, Postgres's databases). Fails with a ServiceStartError when it cannot
   * (e.g. another process took the port); the data stays where it was.
   */
  restart(name: ServerName): Promise<void>;
  /**
   * Stops MLflow, then MinIO and Postgres, and removes the data, unless `keepData` (or the
   * start option) says to keep it. Safe to call twice.
   */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

const secret = (bytes: number) => randomBytes(bytes).toString("hex");

/** Every run started in this process, for the synchronous exit/signal handlers. */
const live = new Set<ManagedProcess[]>();
let handlersInstalled = false;

function signalAllSync(): void {
  for (const procs of live) for (const p of procs) signalGroup(p.pid, p.stopSignal);
}

function installHandlers(signals: boolean): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // The reaper finishes the job (waits, kills, removes data) once this process is gone.
  process.on("exit", signalAllSync);
  if (!signals) return;
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      signalAllSync();
      process.removeListener(sig, onSignal);
      // Nobody else handles it: die of the signal as the default action would.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

export async function startServices(opts: StartServicesOptions = {}): Promise<RunningServices> {
  const log = opts.log ?? (() => undefined);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const keepData = opts.keepData ?? process.env.DRIFT_LOOP_KEEP_SERVICES === "1";
  const workers = opts.mlflowWorkers ?? intEnv(process.env, "DRIFT_LOOP_MLFLOW_WORKERS", { min: 1, max: 16, fallback: 1 });
  const bins = locateBinaries();
  installHandlers(opts.handleSignals ?? true);

  const started = Date.now();
  const runDir = mkdtempSync(join(tmpdir(), "drift-loop-services-"));
  chmodSync(runDir, 0o711); // postgres (another user) must reach its sub-directory
  const procs: ManagedProcess[] = [];
  live.add(procs);
  const reaper = startReaper(runDir);
  let stopped = false;
  const onStart = (p: ManagedProcess) => {
    procs.push(p);
    appendFileSync(join(runDir, "pgids"), `${p.pid}\n`);
    if (stopped) signalGroup(p.pid, "SIGKILL"); // started while a failed start was being cleaned up
  };

  const stop = async (stopOpts: { keepData?: boolean } = {}) => {
    if (stopped) return;
    stopped = true;
    const mlflow = procs.filter((p) => p.name === "mlflow");
    const rest = procs.filter((p) => p.name !== "mlflow");
    await Promise.all(mlflow.map((p) => stopProcess(p)));
    await Promise.all(rest.map((p) => stopProcess(p)));
    live.delete(procs);
    if (reaper > 0) {
      try {
        process.kill(reaper, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    if (keepData || stopOpts.keepData) log(`kept data and logs in ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  };

  const env: NodeJS.ProcessEnv = { ...process.env };
  const useTemplate = opts.schemaTemplate ?? true;
  const template = bins.mlflowSchemaTemplate;
  try {
    const [pgPort, minioPort, consolePort, mlflowPort] = await freePorts(4);
    const s3: S3Settings = { endPoint: "127.0.0.1", port: minioPort, useSSL: false, accessKey: `drift-loop-${secret(6)}`, secretKey: secret(24), region: DEFAULT_S3_REGION };
    const pgBase = { host: "127.0.0.1", port: pgPort, user: "mlflow", password: secret(16), database: "mlflow" };
    const pgSettings: PostgresSettings = { ...pgBase, url: postgresUrl(pgBase) };
    log(`starting PostgreSQL on 127.0.0.1:${pgPort}, MinIO on 127.0.0.1:${minioPort} and MLflow on 127.0.0.1:${mlflowPort} (data in ${runDir})`);

    // All three start at once. MLflow retries its database connection until Postgres lets
    // the mlflow role log in, which happens only after the cached schema is restored, so
    // MLflow finds a migrated database (or, without a template, an empty one to migrate).
    let fromTemplate = false;
    const restoreTemplate = async (admin: PostgresSettings) => {
      if (!useTemplate || !existsSync(template)) return;
      try {
        await restoreDatabase(bins.postgresBin, admin, template, env, pgBase.user);
        fromTemplate = true;
      } catch (err) {
        // A damaged template: drop it (the restore ran in one transaction, so the database is
        // still empty) and let MLflow migrate; a new template is made below.
        log(`could not restore ${template} (${(err as Error).message.split("\n")[0]}); MLflow will migrate from scratch`);
        rmSync(template, { force: true });
      }
    };
    const ready = (what: string) => log(`${what} ready after ${((Date.now() - started) / 1000).toFixed(1)}s`);
    // Kept for restarts: the same options start a server again on its port, credentials and data.
    const pgOpts: PostgresOptions = { bin: bins.postgresBin, dir: join(runDir, "postgres"), port: pgPort, superPassword: secret(16), user: pgBase.user, password: pgBase.password, database: pgBase.database, env, timeoutMs, onStart, beforeLogin: restoreTemplate };
    const minioOpts: MinioOptions = { bin: bins.minio, dir: join(runDir, "minio"), port: minioPort, consolePort, accessKey: s3.accessKey, secretKey: s3.secretKey, buckets: [BUCKETS.mlflow], env, timeoutMs, onStart };
    const mlflowOpts: MlflowOptions = { bin: bins.mlflow, dir: join(runDir, "mlflow"), port: mlflowPort, postgres: pgSettings, s3, artifactBucket: BUCKETS.mlflow, workers, env, timeoutMs, onStart };
    const [pg, minio, mlflow] = await Promise.all([
      startPostgres(pgOpts).then((r) => {
        ready(fromTemplate ? "PostgreSQL (MLflow schema restored from the cached template)" : "PostgreSQL");
        return r;
      }),
      startMinio(minioOpts).then((r) => {
        ready("MinIO");
        return r;
      }),
      startMlflow(mlflowOpts).then((r) => {
        ready("MLflow");
        return r;
      }),
    ]);
    if (useTemplate && !fromTemplate) {
      // MLflow has just migrated an empty database and nothing else has written to it yet.
      const tmp = `${template}.${process.pid}.tmp`;
      try {
        await dumpDatabase(bins.postgresBin, pg.settings, tmp, env);
        if (!/CREATE TABLE public\.alembic_version/.test(readFileSync(tmp, "utf8"))) throw new Error("the dump has no alembic_version table: MLflow had not migrated");
        renameSync(tmp, template);
        log(`saved MLflow's migrated schema to ${template} for faster starts`);
      } catch (err) {
        rmSync(tmp, { force: true });
        log(`could not save a schema template (${(err as Error).message.split("\n")[0]}); next start migrates again`);
      }
    }
    log(`all three ready after ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const current: Record<ServerName, ManagedProcess> = { postgres: pg.proc, minio: minio.proc, mlflow: mlflow.proc };
    const ports: Record<ServerName, number> = { postgres: pgPort, minio: minioPort, mlflow: mlflowPort };
    const dirs: Record<ServerName, string> = { postgres: join(pgOpts.dir, "data"), minio: join(minioOpts.dir, "data"), mlflow: mlflowOpts.dir };
    const listeners: ((exit: ServerExit) => void)[] = [];
    let firstExit: ((exit: ServerExit) => void) | undefined;
    const crashed = new Promise<ServerExit>((resolve) => (firstExit = resolve));
    const watch = (name: ServerName, p: ManagedProcess) => {
      void p.exited.then(({ code, signal }) => {
        if (stopped || current[name] !== p) return;
        const exit = { name, message: `${name} exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}). Last lines of ${p.logFile}:\n${logTail(p.logFile)}` };
        firstExit?.(exit);
        for (const l of listeners) l(exit);
      });
    };
    for (const name of SERVER_NAMES) watch(name, current[name]);

    const restarting = new Map<ServerName, Promise<void>>();
    const restart = (name: ServerName): Promise<void> => {
      const pending = restarting.get(name);
      if (pending) return pending;
      const job = (async () => {
        const old = current[name];
        if (stopped) throw new ServiceStartError(`cannot restart ${name}: the servers are stopping`);
        if (!old.hasExited()) throw new ServiceStartError(`cannot restart ${name}: it is still running (pid ${old.pid})`);
        const forget = async (p: ManagedProcess) => {
          // Workers a dead server left in its group would hold its port or shared memory.
          await stopProcess(p);
          const i = procs.indexOf(p);
          if (i >= 0) procs.splice(i, 1);
          writeFileSync(join(runDir, "pgids"), procs.map((q) => `${q.pid}\n`).join(""));
        };
        if (procs.includes(old)) await forget(old);
        const before = new Set(procs);
        try {
          const next = name === "postgres" ? await restartPostgres(pgOpts) : name === "minio" ? (await startMinio(minioOpts)).proc : (await startMlflow(mlflowOpts)).proc;
          current[name] = next;
          watch(name, next);
        } catch (err) {
          // A server that did not come up (or died starting) is stopped; its data stays.
          for (const p of procs.filter((q) => !before.has(q))) await forget(p);
          throw err instanceof ServiceStartError ? err : new ServiceStartError(`could not restart ${name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      })();
      restarting.set(name, job);
      return job.finally(() => restarting.delete(name));
    };

    const services: Services = { s3: minio.settings, mlflowUrl: mlflow.url, postgres: pg.settings };
    return {
      services,
      runDir,
      minioConsoleUrl: `http://127.0.0.1:${consolePort}`,
      get pids() {
        return { postgres: current.postgres.pid, minio: current.minio.pid, mlflow: current.mlflow.pid };
      },
      servers: () => Object.fromEntries(SERVER_NAMES.map((n) => [n, { pid: current[n].pid, port: ports[n], dataDir: dirs[n], logFile: current[n].logFile }])) as Record<ServerName, ServerInfo>,
      stop,
      crashed,
      onExit: (listener) => void listeners.push(listener),
      restart,
      env: () => servicesEnv(services),
    };
  } catch (err) {
    await stop().catch(() => undefined);
    if (err instanceof ServiceStartError) throw err;
    throw new ServiceStartError(`could not start the services: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The environment a workload (or a person's shell) needs to reach these servers. */
export function servicesEnv(s: Services): Record<string, string> {
  const s3Url = `${s.s3.useSSL ? "https" : "http"}://${s.s3.endPoint}:${s.s3.port}`;
  return {
    ...s3Env(s.s3),
    [ENV.mlflowTrackingUri]: s.mlflowUrl,
    // For Python MLflow clients that upload artifacts directly, and for the AWS CLI.
    MLFLOW_S3_ENDPOINT_URL: s3Url,
    AWS_ACCESS_KEY_ID: s.s3.accessKey,
    AWS_SECRET_ACCESS_KEY: s.s3.secretKey,
    PGHOST: s.postgres.host,
    PGPORT: String(s.postgres.port),
    PGUSER: s.postgres.user,
    PGPASSWORD: s.postgres.password,
    PGDATABASE: s.postgres.database,
  };
}
