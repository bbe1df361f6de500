/**
 * The key table: every `drift-loop:*` key the program reads, with its type, default, bounds
 * or allowed values (CONFIG_KEYS), and the typed config the parser produces from them
 * (PlatformConfig). Pulumi.yaml declares exactly these keys (a unit test checks);
 * docs/configuration.md is generated from this table (npm run docs:config). The drift
 * check's keys and the backup's retention keys are lib/settings.ts's entries, the ones the
 * drift job and the backup CLI check their environment against.
 */
import type * as pulumi from "@pulumi/pulumi";
import { PROFILE_NAMES, type ProfileName } from "../../stacks/profiles";
import { PULL_POLICIES, SERVICE_TYPES, SIZES, type PullPolicy, type ServiceType, type Size } from "../../components/shared/args";
import { SCHEMAS } from "../../lib/scenarios";
import { ENV } from "../../lib/contract";
import { DEFAULT_S3_REGION } from "../../lib/s3";
import { BACKUP_SETTINGS, DRIFT_SETTINGS } from "../../lib/settings";
import type { DriftCheckSettings, TrafficSettings } from "../../components/drift-monitor";
import type { BackupSettings } from "../../components/postgres-backup";
import type { ExternalPostgresSettings } from "../../components/external-postgres";
import type { IngressTls } from "../../components/shared/network";

/** The config namespace (the project name in Pulumi.yaml). */
export const CONFIG_NAMESPACE = "drift-loop";

/** Tables the drifter understands: its own list, not a copy. */
export const DRIFT_SCHEMAS = SCHEMAS;
export const CURRENT_SOURCES = DRIFT_SETTINGS.driftCurrentSource.allowed;
export const STATTESTS = DRIFT_SETTINGS.driftStattest.allowed;
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
/** libpq's sslmode values (https://www.postgresql.org/docs/current/libpq-ssl.html). */
export const PG_SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type PgSslMode = (typeof PG_SSL_MODES)[number];

/**
 * Where a part of the platform's data lives: the in-cluster MinIO or Postgres, or a store
 * the team brings (s3Endpoint, postgresHost set). A key read in one place only is refused in
 * the other (it would be unused).
 */
export const STORE_PLACES = {
  inClusterS3: "s3Endpoint is empty (the in-cluster MinIO)",
  externalS3: "s3Endpoint is set (an external S3 store)",
  inClusterPostgres: "postgresHost is empty (the in-cluster Postgres)",
  externalPostgres: "postgresHost is set (an external Postgres)",
} as const;
export type StorePlace = keyof typeof STORE_PLACES;

/** An external S3-compatible store (config keys s3*): it replaces the in-cluster MinIO for every consumer. */
export interface ExternalS3Config {
  /** The endpoint as configured, e.g. https://s3.eu-west-1.amazonaws.com. */
  url: string;
  host: string;
  port: number;
  useSsl: boolean;
  region: string;
  pathStyle: boolean;
  /** A key pair shared by the platform's S3 clients; unset = the pods' cloud identity (serviceAccountAnnotations). */
  keys?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
  /** Annotations of every S3 client's ServiceAccount (IRSA's eks.amazonaws.com/role-arn, GKE's iam.gke.io/gcp-service-account). */
  serviceAccountAnnotations: Record<string, string>;
}

/** An external Postgres (config keys postgres*): it replaces the in-cluster Postgres for MLflow. */
export type ExternalPostgresConfig = ExternalPostgresSettings & { sslMode: PgSslMode };

export interface GithubConfig {
  /** owner/name; "" switches the GitHub pipeline (and the drift dispatch) off. */
  repository: string;
  /**
   * githubPipeline: with a repository, whether the program also manages its pipeline
   * (GithubPipeline: Actions secrets, variables and workflow files through the GitHub
   * provider). false = the drift dispatch only; the repository is managed elsewhere.
   */
  pipeline: boolean;
  branch: string;
  apiUrl: string;
  /** Token the drift CronJob uses for repository_dispatch (Kubernetes Secret, GITHUB_TOKEN). */
  dispatchToken?: pulumi.Output<string>;
  /** Pipeline secrets consumed by components/github (GithubPipeline). */
  kubeconfig?: pulumi.Output<string>;
  pulumiConfigPassphrase?: pulumi.Output<string>;
  pulumiAccessToken?: pulumi.Output<string>;
  registryToken?: pulumi.Output<string>;
  /** Token of the GitHub provider that writes the pipeline's secrets and files; unset = env GITHUB_TOKEN. */
  token?: pulumi.Output<string>;
  /** State backend URL the workflows log in to; "" = Pulumi Cloud. */
  backendUrl: string;
  /** Credentials of an s3:// state backend, for the workflows. */
  stateAccessKeyId?: pulumi.Output<string>;
  stateSecretAccessKey?: pulumi.Output<string>;
}

export interface PlatformConfig {
  profile: ProfileName;
  namespace: string;
  logLevel: (typeof LOG_LEVELS)[number];
  serviceType: ServiceType;
  storageClass: string;
  size: Size;
  postgresStorage: string;
  minioStorage: string;
  images: {
    registry: string;
    pullPolicy: PullPolicy;
    build: boolean;
    push: boolean;
    /** Tag of our platform images (drifter, drift-job, model-api tools). */
    tag: string;
    /** Tag of the model API image the ModelApi Deployment serves; "" = the platform model-api image. */
    modelTag: string;
    postgres: string;
    /** "" = our own image (built, or `<registry>/minio:<release>`). */
    minio: string;
    /** "" = our own image (built, or `<registry>/mlflow:<version>`). */
    mlflow: string;
    registryUsername: string;
    registryToken?: pulumi.Output<string>;
  };
  ingress: {
    enabled: boolean;
    className: string;
    domain: string;
    controllerNamespace: string;
    /** How every Ingress gets its certificate: a cert-manager ClusterIssuer, or an existing TLS Secret (one is required when ingress is on). */
    tls: IngressTls;
  };
  /** What the Ingresses expose besides MLflow (each off unless the stack says so). */
  expose: { drifter: boolean; modelApi: boolean; minioConsole: boolean };
  /** Extra Host names MLflow accepts (e.g. a LoadBalancer's DNS name), besides its Service names and localhost. */
  mlflowAllowedHosts: string[];
  drifter: {
    replicas: number;
    driftProb: number;
    rows: number;
    cols: number;
    scenario: string;
    magnitude: number;
    schema: (typeof DRIFT_SCHEMAS)[number];
  };
  modelApi: { replicas: number; requestLogFlushRows: number; requestLogFlushSeconds: number };
  /** The drift check's settings (the DriftMonitor component's), with the allowed sources and methods. */
  drift: DriftCheckSettings & { currentSource: (typeof CURRENT_SOURCES)[number]; stattest: (typeof STATTESTS)[number] };
  traffic: TrafficSettings;
  /** The Postgres backup CronJob's schedule and retention (components/postgres-backup; in-cluster Postgres only). */
  backup: BackupSettings;
  /** The object store: the bucket prefix (both places), and the external store when s3Endpoint is set. */
  s3: { bucketPrefix: string; external?: ExternalS3Config };
  /** The external Postgres when postgresHost is set; unset = the in-cluster StatefulSet. */
  externalPostgres?: ExternalPostgresConfig;
  github: GithubConfig;
  /** Prometheus Operator monitoring (components/monitoring) and the drift job's Pushgateway. */
  monitoring: MonitoringConfig;
}

export interface MonitoringConfig {
  /** The Prometheus Operator's CRDs are present: ServiceMonitors, the `prometheus` tokens and the Grafana dashboard ConfigMap are created. */
  enabled: boolean;
  /** Namespace of Prometheus (and the Grafana sidecar): admitted to the metrics ports. */
  namespace: string;
  /** Extra labels on the ServiceMonitors (e.g. release: kube-prometheus-stack). */
  labels: Record<string, string>;
  /** The Pushgateway the drift job pushes to; "" = no push. */
  pushgatewayUrl: string;
}

/** One key's declaration: used by the parser, the docs (docs/configuration.md) and the Pulumi.yaml test. */
export interface KeyInfo {
  type: "string" | "integer" | "boolean" | "number";
  /** Default when no profile decides it; undefined = profile default or none. */
  default?: string | number | boolean;
  profileDefault?: boolean;
  secret?: boolean;
  /** Bounds of an integer or number key (minExclusive: the minimum itself is not allowed). */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  /** The values a string key allows, when it is a fixed list. */
  allowed?: readonly string[];
  /** The environment variable a workload reads this key from, when it is passed on as one. */
  env?: string;
  /** Only the GitHub pipeline (GithubPipeline) reads it: setting it with githubPipeline=false is an error (it would be unused). */
  pipelineOnly?: boolean;
  /** Only read when the data lives there (STORE_PLACES): setting it elsewhere is an error (it would be unused). */
  onlyWith?: StorePlace;
}

/** Every key the program reads. Pulumi.yaml must declare exactly these (a unit test checks). */
export const CONFIG_KEYS: Readonly<Record<string, KeyInfo>> = {
  profile: { type: "string", default: "minikube", allowed: PROFILE_NAMES },
  namespace: { type: "string", default: "drift-loop" },
  logLevel: { type: "string", default: "info", allowed: LOG_LEVELS, env: ENV.logLevel },
  serviceType: { type: "string", profileDefault: true, allowed: SERVICE_TYPES },
  storageClass: { type: "string", profileDefault: true },
  size: { type: "string", profileDefault: true, allowed: SIZES },
  postgresStorage: { type: "string", profileDefault: true, onlyWith: "inClusterPostgres" },
  minioStorage: { type: "string", profileDefault: true, onlyWith: "inClusterS3" },
  imageRegistry: { type: "string", profileDefault: true },
  imagePullPolicy: { type: "string", profileDefault: true, allowed: PULL_POLICIES },
  buildImages: { type: "boolean", profileDefault: true },
  pushImages: { type: "boolean", profileDefault: true },
  imageTag: { type: "string", default: "0.1.0" },
  modelImageTag: { type: "string", default: "" },
  postgresImage: { type: "string", default: "postgres:15.14-bookworm", onlyWith: "inClusterPostgres" },
  minioImage: { type: "string", default: "", onlyWith: "inClusterS3" },
  mlflowImage: { type: "string", default: "" },
  registryUsername: { type: "string", default: "" },
  registryToken: { type: "string", secret: true },
  ingressEnabled: { type: "boolean", profileDefault: true },
  ingressClassName: { type: "string", profileDefault: true },
  ingressDomain: { type: "string", default: "" },
  ingressControllerNamespace: { type: "string", profileDefault: true },
  ingressTlsClusterIssuer: { type: "string", default: "" },
  ingressTlsSecret: { type: "string", default: "" },
  exposeDrifter: { type: "boolean", default: false },
  exposeModelApi: { type: "boolean", default: false },
  exposeMinioConsole: { type: "boolean", default: false, onlyWith: "inClusterS3" },
  mlflowAllowedHosts: { type: "string", default: "" },
  drifterReplicas: { type: "integer", profileDefault: true, min: 1, max: 20 },
  modelApiReplicas: { type: "integer", profileDefault: true, min: 1, max: 20 },
  driftProb: { type: "number", default: 0.5, min: 0, max: 1, env: ENV.driftProb },
  driftRows: { type: "integer", default: 1000, min: 100, max: 10000, env: ENV.driftRows },
  driftCols: { type: "integer", default: 12, min: 2, max: 30, env: ENV.driftCols },
  driftScenario: { type: "string", default: "none", env: ENV.driftScenario },
  driftMagnitude: { type: "number", default: 0.5, min: 0, max: 1, env: ENV.driftMagnitude },
  driftSchema: { type: "string", default: "credit", allowed: DRIFT_SCHEMAS, env: ENV.driftSchema },
  driftSchedule: { type: "string", default: "0 * * * *" },
  driftWindowMinutes: DRIFT_SETTINGS.driftWindowMinutes,
  driftCurrentSource: DRIFT_SETTINGS.driftCurrentSource,
  driftStattest: DRIFT_SETTINGS.driftStattest,
  driftThreshold: DRIFT_SETTINGS.driftThreshold,
  driftShare: DRIFT_SETTINGS.driftShare,
  driftMinSampleSize: DRIFT_SETTINGS.driftMinSampleSize,
  driftJobDeadlineSeconds: { type: "integer", default: 900, min: 60, max: 86400 },
  retrainPsiThreshold: DRIFT_SETTINGS.retrainPsiThreshold,
  retrainDriftedShare: DRIFT_SETTINGS.retrainDriftedShare,
  retrainCooldownMinutes: DRIFT_SETTINGS.retrainCooldownMinutes,
  trafficSchedule: { type: "string", default: "*/5 * * * *" },
  trafficRows: { type: "integer", default: 500, min: 1, max: 100000, env: ENV.trafficRows },
  trafficBatchSize: { type: "integer", default: 100, min: 1, max: 1000, env: ENV.trafficBatchSize },
  trafficScenario: { type: "string", default: "none", env: ENV.trafficScenario },
  trafficDeadlineSeconds: { type: "integer", default: 240, min: 30, max: 86400 },
  backupSchedule: { type: "string", default: "30 2 * * *", onlyWith: "inClusterPostgres" },
  backupKeepLast: { ...BACKUP_SETTINGS.backupKeepLast, onlyWith: "inClusterPostgres" },
  backupMaxAgeDays: { ...BACKUP_SETTINGS.backupMaxAgeDays, onlyWith: "inClusterPostgres" },
  // Bring your own object store and database (docs/cloud.md).
  s3Endpoint: { type: "string", default: "" },
  s3Region: { type: "string", default: DEFAULT_S3_REGION, env: ENV.s3Region, onlyWith: "externalS3" },
  s3BucketPrefix: { type: "string", default: "", env: ENV.s3BucketPrefix },
  s3PathStyle: { type: "boolean", default: true, env: ENV.s3PathStyle, onlyWith: "externalS3" },
  s3AccessKeyId: { type: "string", secret: true, onlyWith: "externalS3" },
  s3SecretAccessKey: { type: "string", secret: true, onlyWith: "externalS3" },
  s3ServiceAccountAnnotations: { type: "string", default: "", onlyWith: "externalS3" },
  postgresHost: { type: "string", default: "" },
  postgresPort: { type: "integer", default: 5432, min: 1, max: 65535, onlyWith: "externalPostgres" },
  postgresDatabase: { type: "string", default: "mlflow", onlyWith: "externalPostgres" },
  postgresUser: { type: "string", default: "mlflow", onlyWith: "externalPostgres" },
  postgresPassword: { type: "string", secret: true, onlyWith: "externalPostgres" },
  postgresSslMode: { type: "string", default: "verify-full", allowed: PG_SSL_MODES, onlyWith: "externalPostgres" },
  postgresCaCert: { type: "string", default: "", onlyWith: "externalPostgres" },
  requestLogFlushRows: { type: "integer", default: 500, min: 1, max: 100000, env: ENV.requestLogFlushRows },
  requestLogFlushSeconds: { type: "integer", default: 60, min: 1, max: 3600, env: ENV.requestLogFlushSeconds },
  githubRepository: { type: "string", default: "", env: ENV.githubRepository },
  githubPipeline: { type: "boolean", default: true },
  githubBranch: { type: "string", default: "main", pipelineOnly: true },
  githubApiUrl: { type: "string", default: "https://api.github.com", env: ENV.githubApiUrl },
  githubDispatchToken: { type: "string", secret: true },
  pipelineKubeconfig: { type: "string", secret: true, pipelineOnly: true },
  pulumiConfigPassphrase: { type: "string", secret: true, pipelineOnly: true },
  pulumiAccessToken: { type: "string", secret: true, pipelineOnly: true },
  githubToken: { type: "string", secret: true, pipelineOnly: true },
  pipelineBackendUrl: { type: "string", default: "", pipelineOnly: true },
  pipelineStateAccessKeyId: { type: "string", secret: true, pipelineOnly: true },
  pipelineStateSecretAccessKey: { type: "string", secret: true, pipelineOnly: true },
  monitoring: { type: "boolean", default: false },
  monitoringNamespace: { type: "string", default: "monitoring" },
  monitoringLabels: { type: "string", default: "" },
  pushgatewayUrl: { type: "string", default: "", env: ENV.pushgatewayUrl },
};
