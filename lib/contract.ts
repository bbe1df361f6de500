/**
 * Names shared by the Pulumi program and the three workloads: environment variables,
 * buckets, object keys and ports. Both sides import them from here, so a rename cannot
 * leave a Deployment's env pointing at a variable the code no longer reads.
 */
import { FEATURE_NAMES, LABEL } from "./schema";

/** Environment variables the workloads read. */
export const ENV = {
  logLevel: "LOG_LEVEL",
  port: "PORT",
  s3Endpoint: "S3_ENDPOINT",
  s3Port: "S3_PORT",
  s3UseSsl: "S3_USE_SSL",
  s3AccessKey: "S3_ACCESS_KEY",
  s3SecretKey: "S3_SECRET_KEY",
  s3Region: "S3_REGION",
  /** Put before each bucket's name (BUCKET_NAMES): the stack's s3BucketPrefix; unset = the names as they are. */
  s3BucketPrefix: "S3_BUCKET_PREFIX",
  /** true (default): path-style requests (`https://host/bucket/key`, MinIO); false: virtual-hosted (`https://bucket.host/key`). */
  s3PathStyle: "S3_PATH_STYLE",
  mlflowTrackingUri: "MLFLOW_TRACKING_URI",
  drifterUrl: "DRIFTER_URL",
  modelApiUrl: "MODEL_API_URL",
  githubToken: "GITHUB_TOKEN",
  githubRepository: "GITHUB_REPOSITORY",
  githubApiUrl: "GITHUB_API_URL",
  /** MLflow basic auth of a workload (MLflow's own client variable names). */
  mlflowTrackingUsername: "MLFLOW_TRACKING_USERNAME",
  mlflowTrackingPassword: "MLFLOW_TRACKING_PASSWORD",
  /** Servers (model API, drifter): the mounted directory of client tokens (lib/auth.ts); unset = no auth (local runs). */
  apiTokensDir: "API_TOKENS_DIR",
  /** Clients: the bearer token this client sends to the drifter / the model API. */
  drifterToken: "DRIFTER_TOKEN",
  modelApiToken: "MODEL_API_TOKEN",
  // drifter (the legacy contract's names and bounds are kept: DRIFT_PROB, DRIFT_ROWS 100..10000, DRIFT_COLS 2..30)
  driftProb: "DRIFT_PROB",
  driftRows: "DRIFT_ROWS",
  driftCols: "DRIFT_COLS",
  driftScenario: "DRIFT_SCENARIO",
  driftMagnitude: "DRIFT_MAGNITUDE",
  driftSchema: "DRIFT_SCHEMA",
  /** Worker threads that make large batches (0: all on the main thread). */
  drifterThreads: "DRIFTER_THREADS",
  // model API
  modelPath: "MODEL_PATH",
  requestLogFlushRows: "REQUEST_LOG_FLUSH_ROWS",
  requestLogFlushSeconds: "REQUEST_LOG_FLUSH_SECONDS",
  // drift check CronJob
  driftWindowMinutes: "DRIFT_WINDOW_MINUTES",
  driftCurrentSource: "DRIFT_CURRENT_SOURCE",
  /** Optional ISO time: end of the window to check (backfills, tests); default now, rounded down to the window length. */
  driftWindowEnd: "DRIFT_WINDOW_END",
  driftStattest: "DRIFT_STATTEST",
  driftThreshold: "DRIFT_THRESHOLD",
  driftShare: "DRIFT_SHARE",
  /** Fewest non-missing values per side a column needs for a drift decision (DRIFT_MIN_SAMPLE_SIZE). */
  driftMinSampleSize: "DRIFT_MIN_SAMPLE_SIZE",
  retrainPsiThreshold: "RETRAIN_PSI_THRESHOLD",
  retrainDriftedShare: "RETRAIN_DRIFTED_SHARE",
  retrainCooldownMinutes: "RETRAIN_COOLDOWN_MINUTES",
  /** Optional: the Pushgateway the drift check pushes its per-run metrics to (lib/pushgateway.ts); unset = no push. */
  pushgatewayUrl: "PUSHGATEWAY_URL",
  /** The pod's namespace (downward API), the `namespace` grouping label of the push. */
  podNamespace: "POD_NAMESPACE",
  // traffic CronJob
  trafficRows: "TRAFFIC_ROWS",
  trafficBatchSize: "TRAFFIC_BATCH_SIZE",
  trafficScenario: "TRAFFIC_SCENARIO",
  // Postgres backup CronJob (lib/pg-backup.ts)
  backupKeepLast: "BACKUP_KEEP_LAST",
  backupMaxAgeDays: "BACKUP_MAX_AGE_DAYS",
} as const;

/** The buckets' own names. A stack's bucket prefix (ENV.s3BucketPrefix) goes before each. */
export const BUCKET_NAMES = {
  datasets: "datasets",
  mlflow: "mlflow",
  reports: "reports",
  requests: "requests",
  /** pg_dump files of MLflow's database (lib/pg-backup.ts), written by the backup CronJob. */
  backups: "backups",
} as const;
export type BucketId = keyof typeof BUCKET_NAMES;

/** The longest bucket prefix: with the longest name it is still an S3 bucket name (at most 63 characters). */
export const MAX_BUCKET_PREFIX = 63 - Math.max(...Object.values(BUCKET_NAMES).map((n) => n.length));

/** What a bucket prefix may be (S3's bucket naming rules, applied to `<prefix><name>`). */
export const BUCKET_PREFIX_RULE = `lowercase letters, digits, "-" and "."; starting with a letter or digit; at most ${MAX_BUCKET_PREFIX} characters; no ".." and no "." next to "-" (e.g. acme-ml-)`;

/** Why a bucket prefix cannot be used (BUCKET_PREFIX_RULE), or undefined when it can; "" is no prefix. */
export function bucketPrefixProblem(prefix: string): string | undefined {
  if (prefix === "") return undefined;
  if (prefix.length > MAX_BUCKET_PREFIX) return `it is ${prefix.length} characters; at most ${MAX_BUCKET_PREFIX} leave room for the bucket names`;
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(prefix)) return "it has characters S3 does not allow in bucket names, or does not start with a letter or digit";
  if (/\.\.|\.-|-\./.test(prefix)) return 'S3 bucket names allow no ".." and no "." next to "-"';
  if (/^xn--|^sthree-|^amzn-s3-demo-/.test(prefix)) return "S3 reserves names that start with xn--, sthree- or amzn-s3-demo-";
  return undefined;
}

/** The bucket names with a prefix before each. */
export function bucketsWithPrefix(prefix: string): { readonly [K in BucketId]: string } {
  return Object.fromEntries(Object.entries(BUCKET_NAMES).map(([id, name]) => [id, `${prefix}${name}`])) as { [K in BucketId]: string };
}

/**
 * The buckets this process uses: BUCKET_NAMES with the prefix of its S3_BUCKET_PREFIX (a
 * workload's; lib/s3.ts s3SettingsFromEnv refuses a bad one before any bucket is used).
 * The Pulumi program names a stack's buckets with bucketsWithPrefix(config) instead.
 */
export const BUCKETS = bucketsWithPrefix(process.env[ENV.s3BucketPrefix]?.trim() ?? "");

/** Object keys with a fixed meaning. */
export const KEYS = {
  /** The current drift reference (the champion model's training data), in `datasets`. */
  reference: "reference/current.csv",
  /** Metadata of the current reference (model version, row count, created at), in `datasets`. */
  referenceMeta: "reference/current.json",
  /** Durable state of the retrain trigger (cooldown), in `reports`. */
  retrainState: "state/retrain-trigger.json",
} as const;

/**
 * The drifter's answer header with the number of rows of the batch, sent before the first
 * byte: clients check what they read against it (lib/drifter-batch.ts), so a batch cut
 * short by a drifter that died mid-stream is an error, not a smaller batch.
 */
export const DRIFT_ROWS_HEADER = "x-drift-rows";

/** Container ports. */
export const PORTS = {
  drifter: 8000,
  modelApi: 8080,
  mlflow: 5000,
  minio: 9000,
  minioConsole: 9001,
  postgres: 5432,
} as const;

/** The MLflow experiment the drift check logs to, and the registered model name. */
export const MLFLOW = {
  driftExperiment: "drift-monitoring",
  trainingExperiment: "training",
  registeredModel: "drift-loop-classifier",
  championAlias: "champion",
} as const;

/** The repository_dispatch event type that asks for retraining. */
export const DRIFT_EVENT_TYPE = "drift-detected";

/**
 * The initial reference dataset: written to MinIO by the init Job and used to train the
 * model baked into the first model-api image, so both start from the same data.
 */
export const INITIAL_REFERENCE = { seed: 20261121, rows: 5000 } as const;

/**
 * What `KEYS.referenceMeta` holds next to a reference dataset: written by the drifter's
 * seed-cli for the initial reference and by the trainer when a model is promoted.
 */
export interface ReferenceMeta {
  /** Registered model version trained on this reference; null for the initial one until a model is registered. */
  model_version: string | null;
  rows: number;
  columns: string[];
  label: string;
  schema: "credit";
  /** Generator scenario of the rows, or "unknown" (e.g. a file). */
  scenario: string;
  /** Generator seed of the rows, or null when unknown. */
  seed: number | null;
  /** SHA-256 of the reference CSV bytes. */
  sha256: string;
  source: string;
  created_at: string;
  /** The training run that made this the reference. */
  mlflow_run_id?: string;
}

/**
 * The one way to make a ReferenceMeta (the seed CLI's initial reference and the trainer's
 * promoted one): every reference is the credit table with its label, so the columns,
 * label and schema are fixed here; the fields are written in this order.
 */
export function referenceMetaOf(m: Omit<ReferenceMeta, "columns" | "label" | "schema">): ReferenceMeta {
  const meta: ReferenceMeta = {
    model_version: m.model_version,
    rows: m.rows,
    columns: [...FEATURE_NAMES, LABEL],
    label: LABEL,
    schema: "credit",
    scenario: m.scenario,
    seed: m.seed,
    sha256: m.sha256,
    source: m.source,
    created_at: m.created_at,
  };
  if (m.mlflow_run_id !== undefined) meta.mlflow_run_id = m.mlflow_run_id;
  return meta;
}

/** Stack config keys that code outside the Pulumi program sets (retraining). */
export const STACK_CONFIG = {
  /** The model API image tag; a retrain sets it to a new tag and runs `pulumi up`. */
  modelImageTag: "drift-loop:modelImageTag",
} as const;

/** Where the model file is baked into the model-api image. */
export const BAKED_MODEL_PATH = "/app/model/model.json";
/**
 * The model-api image's model folder in the repository (its build context): `npm run
 * retrain` writes MODEL_BUILD_FILE there, the image bakes it at BAKED_MODEL_PATH, and the
 * image's content hash and the CI pipeline follow the folder.
 */
export const MODEL_BUILD_DIR = "model-api/model";
export const MODEL_BUILD_FILE = `${MODEL_BUILD_DIR}/model.json`;

/**
 * `client_payload` of the `drift-detected` repository_dispatch, sent by the drift check and
 * read by the retrain workflow. GitHub allows at most 10 top-level keys.
 */
export interface DriftDispatchPayload {
  /** Why the retrain policy fired, one line for people. */
  reason: string;
  /** s3://reports/<time>/report.json of the run that fired. */
  report: string;
  /** MLflow run id of the drift run. */
  mlflow_run_id: string;
  share_of_drifted_columns: number;
  max_psi: number;
  drifted_columns: string[];
  window_start: string;
  window_end: string;
  /** The model version the drifted traffic was served by. */
  model_version: string;
}

/**
 * Every key of `DriftDispatchPayload`, as a value: tests check that each
 * `github.event.client_payload.<key>` the retrain workflow reads is one of these.
 */
export const DRIFT_DISPATCH_PAYLOAD_KEYS = [
  "reason",
  "report",
  "mlflow_run_id",
  "share_of_drifted_columns",
  "max_psi",
  "drifted_columns",
  "window_start",
  "window_end",
  "model_version",
] as const satisfies readonly (keyof DriftDispatchPayload)[];

/**
 * Environment the retrain workflow gives `npm run retrain`: the stack to update and the
 * dispatch payload fields it passes on (empty when retraining is started by hand).
 */
export const RETRAIN_ENV = {
  /** The Pulumi stack whose model image tag the retrain updates. */
  stack: "PULUMI_STACK",
  reason: "DRIFT_REASON",
  report: "DRIFT_REPORT",
  mlflowRunId: "DRIFT_MLFLOW_RUN_ID",
  modelVersion: "DRIFT_MODEL_VERSION",
} as const;
