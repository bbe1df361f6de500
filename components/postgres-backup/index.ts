import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENV } from "../../lib/contract";
import { pgDumpCommand } from "../../lib/pg-backup";
import type { PartArgs } from "../shared/args";
import { accessLabels, appLabels } from "../shared/labels";
import { NODE_UID, PodBuilder, plainEnv, scratch, secretEnv, serviceAccount } from "../shared/pod";
import { resourcesFor } from "../shared/resources";

/** Where the init container writes the dump and the uploader reads it. */
export const DUMP_DIR = "/backup";
export const DUMP_FILE = `${DUMP_DIR}/mlflow.dump`;

export interface BackupSettings {
  /** Cron schedule of the backup. */
  schedule: string;
  /** BACKUP_KEEP_LAST: the newest this many dumps are always kept. */
  keepLast: number;
  /** BACKUP_MAX_AGE_DAYS: dumps younger than this many days are kept too. */
  maxAgeDays: number;
}

/** Arguments of the PostgresBackup component (namespace, pull policy, size: PartArgs). */
export interface PostgresBackupArgs extends PartArgs {
  /** The pinned Postgres image: its pg_dump matches the server's version. */
  postgresImage: pulumi.Input<string>;
  /** The image that uploads and prunes (the drift-job image: dist/drift-job/src/backup-cli.js). */
  uploaderImage: pulumi.Input<string>;
  /** LOG_LEVEL of the uploader. */
  logLevel: string;
  /** The database to dump: host, port, the server's pod labels, and the Postgres Secret with its user, password and database name. */
  postgres: { host: pulumi.Input<string>; port: number; podLabels: Record<string, string>; secretName: pulumi.Input<string>; userKey: string; passwordKey: string; databaseKey: string };
  /**
   * The `backup` user's S3_* env (entries that reference its Secret), and, for the in-cluster
   * MinIO, its pod labels and S3 port (the egress rule); an external store's own egress policy
   * admits the pod by its S3 client label (components/external-s3).
   */
  s3: { env: k8s.types.input.core.v1.EnvVar[]; inCluster?: { podLabels: Record<string, string>; port: number } };
  /** Annotations of its ServiceAccount (an external S3 store's cloud identity). Defaults to none. */
  serviceAccountAnnotations?: Record<string, string>;
  /** Size limit of the scratch volume the dump is written to (the Postgres volume's size: a dump is smaller than the data). */
  dumpSizeLimit: pulumi.Input<string>;
  settings: BackupSettings;
}

/**
 * The Postgres backup: a CronJob whose init container runs pg_dump (pinned Postgres image)
 * into a scratch volume and whose container uploads the dump to MinIO as the `backup` user
 * (or the external store's) and then deletes the expired dumps (lib/pg-backup.ts). A failed dump fails the init
 * container, so nothing is uploaded or deleted. Only the init container sees the Postgres
 * password, only the uploader the MinIO key; the pod may reach Postgres and MinIO only.
 */
export class PostgresBackup extends pulumi.ComponentResource {
  public readonly cronJob: k8s.batch.v1.CronJob;

  constructor(name: string, args: PostgresBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:postgres-backup:PostgresBackup", name, {}, opts);
    const labels = appLabels("postgres-backup", name);
    const sa = serviceAccount(`${name}-sa`, args.namespace, labels, { parent: this }, args.serviceAccountAnnotations);
    const pg = args.postgres;
    const database = secretEnv("PGDATABASE", pg.secretName, pg.databaseKey);
    // The access labels get it admitted by Postgres's and MinIO's ingress policies.
    const pod = new PodBuilder({
      labels: { ...labels, ...accessLabels("postgres", "minio") },
      serviceAccountName: sa.metadata.name,
      uid: NODE_UID,
      initContainers: [
        {
          name: "pg-dump",
          image: args.postgresImage,
          imagePullPolicy: args.imagePullPolicy,
          command: pgDumpCommand(DUMP_FILE),
          env: [
            plainEnv("PGHOST", pg.host),
            plainEnv("PGPORT", pg.port),
            secretEnv("PGUSER", pg.secretName, pg.userKey),
            secretEnv("PGPASSWORD", pg.secretName, pg.passwordKey),
            database,
            // The uid has no home in the Postgres image; libpq looks for its files there.
            plainEnv("HOME", "/tmp"),
          ],
          resources: resourcesFor("backupDump", args.size),
        },
      ],
      container: {
        name: "upload",
        image: args.uploaderImage,
        imagePullPolicy: args.imagePullPolicy,
        command: ["node", "dist/drift-job/src/backup-cli.js", "upload", DUMP_FILE],
        env: [
          plainEnv(ENV.logLevel, args.logLevel),
          ...args.s3.env,
          database,
          plainEnv(ENV.backupKeepLast, args.settings.keepLast),
          plainEnv(ENV.backupMaxAgeDays, args.settings.maxAgeDays),
        ],
        resources: resourcesFor("backupUpload", args.size),
      },
      volumes: [scratch("backup", DUMP_DIR, args.dumpSizeLimit), scratch("tmp", "/tmp", "64Mi")],
    });
    const spec = pod.asCronJobSpec({
      cron: {
        schedule: args.settings.schedule,
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
      },
      jobLabels: labels,
      job: { restartPolicy: "Never", backoffLimit: 2, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 86400 },
    });
    this.cronJob = new k8s.batch.v1.CronJob(`${name}-cron`, { metadata: { namespace: args.namespace, labels }, spec }, { parent: this });
    // Its own egress rule names Postgres and MinIO only. (The namespace's policy still lets
    // every pod resolve DNS and reach pods of the namespace; what it may connect to is
    // decided by the servers' ingress policies, which admit it by its access labels.)
    new k8s.networking.v1.NetworkPolicy(
      `${name}-egress`,
      {
        metadata: { namespace: args.namespace, labels },
        spec: {
          podSelector: { matchLabels: labels },
          policyTypes: ["Egress"],
          egress: [
            { to: [{ podSelector: { matchLabels: pg.podLabels } }], ports: [{ protocol: "TCP", port: pg.port }] },
            ...(args.s3.inCluster ? [{ to: [{ podSelector: { matchLabels: args.s3.inCluster.podLabels } }], ports: [{ protocol: "TCP", port: args.s3.inCluster.port }] }] : []),
          ],
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
