/**
 * The Postgres backup CLI (lib/pg-backup.ts), in the drift-job image for the backup CronJob
 * and on a workstation as `npm run backup -- <command>`:
 *
 *   upload <file>   the CronJob's main container: upload the dump its init container took
 *                   with pg_dump, then delete the expired dumps (only after the upload)
 *   list            the dumps in MinIO, oldest first
 *   restore [key]   download a dump (the newest by default) and pg_restore it into PGDATABASE
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUCKETS } from "../../lib/contract";
import { EXIT, runMain } from "../../lib/cli";
import { ConfigError, intEnv, stringEnv } from "../../lib/env";
import { createLogger } from "../../lib/logger";
import { backupDump, downloadDump, listDumps, restoreDump, type Retention } from "../../lib/pg-backup";
import { S3_ENV_HELP, s3Client, s3SettingsFromEnv } from "../../lib/s3";
import { BACKUP_SETTINGS } from "../../lib/settings";

const K = BACKUP_SETTINGS.backupKeepLast;
const A = BACKUP_SETTINGS.backupMaxAgeDays;

const HELP = `backup CLI: pg_dump files of MLflow's database in MinIO (bucket ${BUCKETS.backups}).

Commands:
  upload <file>   upload a pg_dump custom-format file taken now, then delete the dumps that are
                  neither among the newest ${K.env} nor younger than ${A.env} days
  list            the dumps of PGDATABASE, oldest first
  restore [key]   pg_restore a dump (default: the newest) into PGDATABASE, replacing what it holds

Environment:
  ${S3_ENV_HELP}
  PGDATABASE      the database the dumps are of (and restore writes into)
  PGHOST, PGPORT, PGUSER, PGPASSWORD   restore only: libpq's connection variables
  ${K.env}   ${K.min}..${K.max} (default ${K.default})
  ${A.env}   ${A.min}..${A.max} (default ${A.default})
  LOG_LEVEL       pino level (default info)
Exit codes: 0 done, 2 bad configuration, 1 failed (an upload that failed deletes nothing).`;

function retentionFromEnv(env: NodeJS.ProcessEnv): Retention {
  return {
    keepLast: intEnv(env, K.env, { min: K.min, max: K.max, fallback: K.default }),
    maxAgeDays: intEnv(env, A.env, { min: A.min, max: A.max, fallback: A.default }),
  };
}

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  if (!command || command === "--help" || command === "-h") {
    console.log(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  // Bad input is a ConfigError (a UsageError): runMain prints it and exits 2.
  if (!["upload", "list", "restore"].includes(command)) throw new ConfigError(`unknown command ${JSON.stringify(command)}; allowed: upload, list, restore`);
  if (command === "upload" && !arg) throw new ConfigError("upload needs the dump file: upload <file>");
  const settings = s3SettingsFromEnv();
  const database = stringEnv(process.env, "PGDATABASE");
  const retention = command === "upload" ? retentionFromEnv(process.env) : undefined;
  const log = createLogger("pg-backup");
  const c = s3Client(settings);

  if (command === "upload") {
    const { uploaded, deleted } = await backupDump(c, database, arg!, retention!);
    log.info({ bucket: BUCKETS.backups, key: uploaded.key, bytes: uploaded.size, deleted, ...retention }, "backup uploaded, expired dumps deleted");
  } else if (command === "list") {
    for (const d of await listDumps(c, database)) console.log(`${d.key}\t${d.size}`);
  } else {
    const dumps = await listDumps(c, database);
    const key = arg ?? dumps.at(-1)?.key;
    if (!key) throw new Error(`no dump of ${database} in ${BUCKETS.backups}/`);
    if (arg && !dumps.some((d) => d.key === arg)) throw new Error(`${arg} is not a dump of ${database}; see the list command`);
    const dir = await mkdtemp(join(tmpdir(), "pg-restore-"));
    try {
      const file = join(dir, "restore.dump");
      await downloadDump(c, key, file);
      log.info({ key, database }, "restoring");
      await restoreDump(file, database, process.env);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    log.info({ key, database }, "restored");
  }
  log.flush();
  return EXIT.ok;
}

runMain("backup", () => main(process.argv.slice(2)), { help: true });
