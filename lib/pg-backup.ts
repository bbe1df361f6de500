/**
 * Backups of MLflow's Postgres database in MinIO (bucket BUCKETS.backups, written by the
 * `backup` user of lib/storage-access.ts):
 *
 * - the dump: `pg_dump --format=custom` (pgDumpCommand), run in the cluster by the backup
 *   CronJob's init container from the pinned Postgres image, locally by anyone with PG* set;
 * - the upload (uploadDump): checks the file is a complete custom-format dump, writes it as
 *   `postgres/<database>/<UTC time>.dump` and checks the stored size;
 * - retention (expiredDumps, pruneDumps): runs only after an upload succeeded, so a failed
 *   backup never deletes older dumps; a dump goes only when it is neither among the newest
 *   `keepLast` nor younger than `maxAgeDays` days (BACKUP_SETTINGS in lib/settings.ts);
 * - the restore (restoreDump): `pg_restore --clean --if-exists` of one dump into a database,
 *   empty (a lost volume) or not, in one transaction.
 *
 * The Postgres connection comes from libpq's own variables (PGHOST, PGPORT, PGUSER,
 * PGPASSWORD, PGDATABASE), so no credential is ever on a command line or in a log.
 */
import { spawn } from "node:child_process";
import { open } from "node:fs/promises";
import type { Client } from "minio";
import { BUCKETS } from "./contract";

/** Where the dumps are, in BUCKETS.backups. */
export const DUMP_PREFIX = "postgres/";
const DUMP_SUFFIX = ".dump";
/** A custom-format dump starts with these bytes (pg_dump's `PGDMP` magic). */
const DUMP_MAGIC = Buffer.from("PGDMP");
const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z$/;

export interface Retention {
  /** The newest this many dumps are always kept (at least 1). */
  keepLast: number;
  /** Dumps younger than this many days are kept too (0: only the newest keepLast). */
  maxAgeDays: number;
}

export interface Dump {
  key: string;
  /** When the dump was taken (from its key). */
  at: Date;
  size: number;
}

/** The prefix of one database's dumps. */
export const dumpPrefix = (database: string) => `${DUMP_PREFIX}${database}/`;

/** `postgres/<database>/20261207T023000.000Z.dump`: the keys sort in time order. */
export function dumpKey(database: string, at: Date): string {
  return `${dumpPrefix(database)}${at.toISOString().replace(/[-:]/g, "")}${DUMP_SUFFIX}`;
}

/** The time in a dump's key, or undefined for a key that is not one of ours (never deleted). */
export function dumpTime(database: string, key: string): Date | undefined {
  const prefix = dumpPrefix(database);
  if (!key.startsWith(prefix) || !key.endsWith(DUMP_SUFFIX)) return undefined;
  const m = STAMP.exec(key.slice(prefix.length, -DUMP_SUFFIX.length));
  if (!m) return undefined;
  const at = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** The dumps retention deletes: those neither among the newest `keepLast` nor younger than `maxAgeDays` days. */
export function expiredDumps(dumps: readonly Dump[], r: Retention, now: Date): Dump[] {
  if (!Number.isInteger(r.keepLast) || r.keepLast < 1) throw new Error(`keepLast=${r.keepLast}: at least 1 dump is always kept`);
  const newestFirst = [...dumps].sort((a, b) => b.at.getTime() - a.at.getTime());
  const oldestKept = now.getTime() - r.maxAgeDays * 24 * 60 * 60 * 1000;
  return newestFirst.slice(r.keepLast).filter((d) => d.at.getTime() <= oldestKept);
}

/** How long the dump waits for the server to accept its connection (seconds). */
export const DUMP_WAIT_SECONDS = 60;

/**
 * The dump command (pg_dump from the same major version as the server): custom format
 * (compressed, restorable object by object), without owners and grants, so it restores into
 * a fresh database whatever its user is called. The connection is PG* from the environment.
 * It first waits (pg_isready, up to DUMP_WAIT_SECONDS) until the server accepts connections
 * from this pod: a new pod is refused for a moment on clusters whose NetworkPolicy enforcer
 * admits it after it starts (on the real node every dump failed at once, and so did each
 * retry in a fresh pod), and a server that is restarting comes back.
 */
export function pgDumpCommand(file: string): string[] {
  const script = [
    "waited=0",
    "until pg_isready --quiet --timeout=2; do",
    `  if [ "$waited" -ge ${DUMP_WAIT_SECONDS} ]; then echo "pg_dump: $PGHOST:$PGPORT did not accept connections within ${DUMP_WAIT_SECONDS} s" >&2; exit 1; fi`,
    "  sleep 2; waited=$((waited + 2))",
    "done",
    'exec pg_dump --format=custom --no-owner --no-privileges --file="$1"',
  ].join("\n");
  return ["sh", "-c", script, "pg-dump", file];
}

/** The restore command into `database`: drops what the dump holds first, all or nothing. */
export function pgRestoreCommand(file: string, database: string): string[] {
  return ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", `--dbname=${database}`, file];
}

/** The dumps of `database` in the bucket, oldest first (objects that are not ours are left out). */
export async function listDumps(c: Client, database: string): Promise<Dump[]> {
  const dumps: Dump[] = [];
  for await (const o of c.listObjectsV2(BUCKETS.backups, dumpPrefix(database), true) as AsyncIterable<{ name?: string; size?: number }>) {
    const at = o.name ? dumpTime(database, o.name) : undefined;
    if (o.name && at) dumps.push({ key: o.name, at, size: o.size ?? 0 });
  }
  return dumps.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** Throws unless `file` is a non-empty custom-format dump (a failed or cut pg_dump is never uploaded). */
export async function checkDumpFile(file: string): Promise<number> {
  const fh = await open(file, "r");
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(DUMP_MAGIC.length);
    await fh.read(head, 0, head.length, 0);
    if (size <= DUMP_MAGIC.length || !head.equals(DUMP_MAGIC)) throw new Error(`${file} is not a pg_dump custom-format dump (${size} bytes)`);
    return size;
  } finally {
    await fh.close();
  }
}

/** Uploads a dump taken now; returns it once MinIO holds all of it. */
export async function uploadDump(c: Client, database: string, file: string, now = new Date()): Promise<Dump> {
  const size = await checkDumpFile(file);
  const key = dumpKey(database, now);
  await c.fPutObject(BUCKETS.backups, key, file, { "Content-Type": "application/octet-stream" });
  const stored = await c.statObject(BUCKETS.backups, key);
  if (stored.size !== size) throw new Error(`${key} holds ${stored.size} bytes after upload, the dump has ${size}`);
  return { key, at: now, size };
}

/** Deletes the expired dumps of `database`; returns their keys. */
export async function pruneDumps(c: Client, database: string, r: Retention, now = new Date()): Promise<string[]> {
  const expired = expiredDumps(await listDumps(c, database), r, now).map((d) => d.key);
  for (const key of expired) await c.removeObject(BUCKETS.backups, key);
  return expired;
}

/** The upload, then retention: retention never runs when the upload failed. */
export async function backupDump(c: Client, database: string, file: string, r: Retention, now = new Date()): Promise<{ uploaded: Dump; deleted: string[] }> {
  const uploaded = await uploadDump(c, database, file, now);
  return { uploaded, deleted: await pruneDumps(c, database, r, now) };
}

/** Downloads a dump to `file`. */
export async function downloadDump(c: Client, key: string, file: string): Promise<void> {
  await c.fGetObject(BUCKETS.backups, key, file);
  await checkDumpFile(file);
}

/** Runs a command (pg_dump, pg_restore) with `env`; rejects with its stderr's tail on a non-zero exit. */
export function runPgTool(command: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(command[0]!, command.slice(1), { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    p.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
    p.on("error", reject);
    p.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command[0]} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`))));
  });
}

/** Restores a downloaded dump into `database` (connection: PG* of `env`). */
export async function restoreDump(file: string, database: string, env: NodeJS.ProcessEnv): Promise<void> {
  await runPgTool(pgRestoreCommand(file, database), env);
}
