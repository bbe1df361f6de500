/**
 * The whole platform as one function of the typed config: infra/index.ts calls it with the
 * stack's config, tests call it with config objects under Pulumi mocks.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ENV, PORTS, bucketsWithPrefix } from "../lib/contract";
import { s3InitPolicy, s3Policies } from "../lib/storage-access";
import { DriftMonitor } from "../components/drift-monitor";
import { Drifter } from "../components/drifter";
import { Images } from "../components/images";
import { Minio } from "../components/minio";
import { Mlflow } from "../components/mlflow";
import { ModelApi } from "../components/model-api";
import { Monitoring } from "../components/monitoring";
import { Namespace } from "../components/namespace";
import { ExternalPostgres } from "../components/external-postgres";
import { ExternalS3 } from "../components/external-s3";
import { POSTGRES_SECRET_KEYS, Postgres, type PostgresConnection } from "../components/postgres";
import { PostgresBackup } from "../components/postgres-backup";
import type { PlatformConfig } from "./config";

/** The repository root (Pulumi.yaml, the workload folders, scripts/versions.env). */
export const REPO_ROOT = path.resolve(__dirname, "..");

export interface PlatformOptions {
  /** Where the workload folders are (tests point this at fixtures). */
  repoRoot?: string;
}

export interface PlatformOutputs {
  namespace: pulumi.Output<string>;
  mlflow: { url: pulumi.Output<string>; external: pulumi.Output<string> };
  /** The S3 endpoint (the in-cluster MinIO's, or the external store's URL) and the MinIO console (how to reach it; none with an external store). */
  minio: { endpoint: pulumi.Output<string>; console: pulumi.Output<string> };
  /** Where the data lives: the object store (scripts/ci/with-cluster.ts reads it) and the database. */
  objectStore: { external: boolean; endpoint: pulumi.Output<string>; region: string; pathStyle: boolean; bucketPrefix: string; buckets: Record<string, string> };
  database: { external: boolean; host: pulumi.Output<string>; port: number; database: string; sslMode: string };
  /** External store only: the IAM policy documents each workload's identity (or the one key pair) must be allowed, with the stack's bucket names. */
  s3Policies?: Record<string, unknown>;
  drifter: { url: pulumi.Output<string>; external: pulumi.Output<string> };
  modelApi: { url: pulumi.Output<string>; external: pulumi.Output<string> };
  /** The image the ModelApi Deployment serves: the platform model-api image until a retrain sets modelImageTag, then `<registry>/model-api:<modelImageTag>`. */
  modelImage: pulumi.Output<string>;
  /** The tag the ModelApi Deployment runs (the platform tag until a retrain sets modelImageTag). */
  modelImageTag: pulumi.Output<string>;
  /**
   * The platform images, as built or referenced by this update. `modelApiPlatform` is the
   * model-api image of the platform tag (it runs the traffic CronJob); the image that serves
   * predictions is `modelImage`, which differs from it after a retrain.
   */
  images: { drifter: pulumi.Output<string>; driftJob: pulumi.Output<string>; modelApiPlatform: pulumi.Output<string>; mlflow: pulumi.Output<string>; minio?: pulumi.Output<string>; postgres?: pulumi.Output<string> };
  /** Whether the drift CronJob sends repository_dispatch (to which repository and API), and whether the GitHub pipeline is managed too. */
  githubDispatch: string;
  /**
   * Secret outputs only: for people (the admin, the `people` tokens), the deploy workflow's
   * smoke check and the retrain (trainer). Those of the in-cluster Postgres and MinIO are
   * absent when the stack uses external ones; the trainer's S3 keys are the external pair,
   * or absent with a cloud identity.
   */
  credentials: {
    postgresPassword?: pulumi.Output<string>;
    minioRootUser?: pulumi.Output<string>;
    minioRootPassword?: pulumi.Output<string>;
    mlflowAdminUsername: pulumi.Output<string>;
    mlflowAdminPassword: pulumi.Output<string>;
    modelApiToken: pulumi.Output<string>;
    smokeModelApiToken: pulumi.Output<string>;
    drifterToken: pulumi.Output<string>;
    /** What the retrain workflow's trainer uses (scripts/ci/with-cluster.ts). */
    trainerS3AccessKey?: pulumi.Output<string>;
    trainerS3SecretKey?: pulumi.Output<string>;
    trainerMlflowUsername: pulumi.Output<string>;
    trainerMlflowPassword: pulumi.Output<string>;
    trainerDrifterToken: pulumi.Output<string>;
    /** The `backup` MinIO user's key: what `npm run backup -- restore` reads the dumps with (docs/operations.md). */
    backupS3SecretKey?: pulumi.Output<string>;
  };
}

export interface Platform {
  namespace: Namespace;
  images: Images;
  /** The in-cluster Postgres, or the external one (postgresHost). */
  postgres?: Postgres;
  externalPostgres?: ExternalPostgres;
  /** The in-cluster MinIO, or the external store (s3Endpoint). */
  minio?: Minio;
  externalS3?: ExternalS3;
  mlflow: Mlflow;
  drifter: Drifter;
  modelApi: ModelApi;
  driftMonitor: DriftMonitor;
  /** The in-cluster Postgres's backup only. */
  postgresBackup?: PostgresBackup;
  /** Only with `monitoring` on (the Prometheus Operator's CRDs are present). */
  monitoring?: Monitoring;
  outputs: PlatformOutputs;
}

export function createPlatform(cfg: PlatformConfig, options: PlatformOptions = {}): Platform {
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  // MLflow is exposed whenever ingress is on (its own login guards it); the drifter, the
  // model API and the MinIO console only when the stack says so (expose* keys).
  const ingressFor = (part: string, exposed = true) =>
    cfg.ingress.enabled && exposed
      ? { host: `${part}.${cfg.ingress.domain}`, className: cfg.ingress.className, controllerNamespace: cfg.ingress.controllerNamespace, tls: cfg.ingress.tls }
      : undefined;

  // With monitoring on, Prometheus' namespace is admitted to the servers' /metrics port, each with a token of its own.
  const metricsFrom = cfg.monitoring.enabled ? cfg.monitoring.namespace : undefined;

  const namespace = new Namespace("drift-loop", { name: cfg.namespace });
  const ns = namespace.name;
  const after = { dependsOn: [namespace] };
  // Depending on a component waits for all its children: e.g. on MinIO's init Job, which
  // creates the buckets MLflow (artifacts) and the model API (request log) write to.
  const afterAll = (...parts: pulumi.Resource[]) => ({ dependsOn: [namespace, ...parts] });

  const images = new Images("images", {
    build: cfg.images.build,
    push: cfg.images.push,
    registry: cfg.images.registry,
    tag: cfg.images.tag,
    modelTag: cfg.images.modelTag,
    postgresImage: cfg.images.postgres,
    minioImage: cfg.images.minio,
    withMinio: !cfg.s3.external,
    mlflowImage: cfg.images.mlflow,
    registryAuth: cfg.images.registryToken ? { username: cfg.images.registryUsername, password: cfg.images.registryToken } : undefined,
    repoRoot,
  });
  const pullPolicy = cfg.images.pullPolicy;

  // Where the data lives: the in-cluster Postgres and MinIO, or the team's own services.
  const buckets = bucketsWithPrefix(cfg.s3.bucketPrefix);
  const ext = cfg.s3.external;
  // The cloud identity of every S3 client's ServiceAccount (an external store without keys).
  const s3Identity = ext?.serviceAccountAnnotations;
  const postgres = cfg.externalPostgres
    ? undefined
    : new Postgres(
        "postgres",
        { namespace: ns, image: images.postgres, imagePullPolicy: pullPolicy, storageClass: cfg.storageClass, storageSize: cfg.postgresStorage, size: cfg.size },
        after,
      );
  const externalPostgres = cfg.externalPostgres ? new ExternalPostgres("external-postgres", { namespace: ns, settings: cfg.externalPostgres }, after) : undefined;
  const db: PostgresConnection = postgres ? postgres.connection : externalPostgres!.connection;
  const minio = ext
    ? undefined
    : new Minio(
        "minio",
        {
          namespace: ns,
          image: images.minio!,
          seedImage: images.drifter,
          imagePullPolicy: pullPolicy,
          storageClass: cfg.storageClass,
          storageSize: cfg.minioStorage,
          size: cfg.size,
          serviceType: cfg.serviceType,
          logLevel: cfg.logLevel,
          bucketPrefix: cfg.s3.bucketPrefix,
          ingress: ingressFor("minio", cfg.expose.minioConsole),
          metricsFrom,
        },
        after,
      );
  const externalS3 = ext
    ? new ExternalS3(
        "external-s3",
        {
          namespace: ns,
          imagePullPolicy: pullPolicy,
          size: cfg.size,
          url: ext.url,
          target: { host: ext.host, port: ext.port, useSsl: ext.useSsl, region: ext.region, pathStyle: ext.pathStyle, bucketPrefix: cfg.s3.bucketPrefix },
          keys: ext.keys,
          serviceAccountAnnotations: ext.serviceAccountAnnotations,
          seedImage: images.drifter,
          logLevel: cfg.logLevel,
        },
        after,
      )
    : undefined;
  const store = (minio ?? externalS3)!;
  const dbPart: pulumi.Resource = (postgres ?? externalPostgres)!;
  const mlflow = new Mlflow(
    "mlflow",
    {
      namespace: ns,
      image: images.mlflow,
      imagePullPolicy: pullPolicy,
      size: cfg.size,
      serviceType: cfg.serviceType,
      postgres: db,
      s3: {
        endpointUrl: store.endpointUrl,
        region: store.target.region,
        pathStyle: store.target.pathStyle,
        bucket: buckets.mlflow,
        keys: store.users.mlflow.secret,
        hash: store.users.mlflow.hash,
      },
      serviceAccountAnnotations: s3Identity,
      usersJobImage: images.driftJob,
      ingress: ingressFor("mlflow"),
      extraAllowedHosts: cfg.mlflowAllowedHosts,
    },
    afterAll(dbPart, store),
  );
  const drifter = new Drifter(
    "drifter",
    {
      namespace: ns,
      image: images.drifter,
      imagePullPolicy: pullPolicy,
      replicas: cfg.drifter.replicas,
      size: cfg.size,
      serviceType: cfg.serviceType,
      logLevel: cfg.logLevel,
      settings: cfg.drifter,
      ingress: ingressFor("drifter", cfg.expose.drifter),
      metricsFrom,
    },
    after,
  );
  const modelApi = new ModelApi(
    "model-api",
    {
      namespace: ns,
      image: images.model,
      imagePullPolicy: pullPolicy,
      replicas: cfg.modelApi.replicas,
      size: cfg.size,
      serviceType: cfg.serviceType,
      logLevel: cfg.logLevel,
      s3Env: store.users["model-api"].env,
      s3CredentialsHash: store.users["model-api"].hash,
      serviceAccountAnnotations: s3Identity,
      requestLogFlushRows: cfg.modelApi.requestLogFlushRows,
      requestLogFlushSeconds: cfg.modelApi.requestLogFlushSeconds,
      ingress: ingressFor("model-api", cfg.expose.modelApi),
      metricsFrom,
    },
    afterAll(store),
  );
  const driftMonitor = new DriftMonitor(
    "drift-monitor",
    {
      namespace: ns,
      driftJobImage: images.driftJob,
      trafficImage: images.modelApiPlatform,
      imagePullPolicy: pullPolicy,
      size: cfg.size,
      logLevel: cfg.logLevel,
      driftJobServiceAccountAnnotations: s3Identity,
      driftJobCredentials: [...store.users["drift-job"].env, ...mlflow.users["drift-job"].env, drifter.tokens.clientEnv("drift-job", ENV.drifterToken)],
      trafficCredentials: [drifter.tokens.clientEnv("traffic", ENV.drifterToken), modelApi.tokens.clientEnv("traffic", ENV.modelApiToken)],
      mlflowUrl: mlflow.url,
      drifterUrl: drifter.url,
      modelApiUrl: modelApi.url,
      drift: cfg.drift,
      traffic: cfg.traffic,
      github:
        cfg.github.repository && cfg.github.dispatchToken
          ? { repository: cfg.github.repository, apiUrl: cfg.github.apiUrl, token: cfg.github.dispatchToken }
          : undefined,
      pushgateway: cfg.monitoring.pushgatewayUrl ? { url: cfg.monitoring.pushgatewayUrl, namespace: cfg.monitoring.namespace } : undefined,
    },
    afterAll(store, mlflow, drifter, modelApi),
  );

  // The in-cluster Postgres only: a managed database keeps its own backups.
  const postgresBackup = postgres
    ? new PostgresBackup(
        "postgres-backup",
        {
          namespace: ns,
          postgresImage: images.postgres,
          uploaderImage: images.driftJob,
          imagePullPolicy: pullPolicy,
          size: cfg.size,
          logLevel: cfg.logLevel,
          postgres: {
            host: postgres.host,
            port: postgres.port,
            podLabels: postgres.podLabels,
            secretName: postgres.secretName,
            userKey: POSTGRES_SECRET_KEYS.user,
            passwordKey: POSTGRES_SECRET_KEYS.password,
            databaseKey: POSTGRES_SECRET_KEYS.database,
          },
          s3: { env: store.users.backup.env, inCluster: minio ? { podLabels: minio.podLabels, port: minio.apiPort } : undefined },
          serviceAccountAnnotations: s3Identity,
          dumpSizeLimit: cfg.postgresStorage,
          settings: cfg.backup,
        },
        afterAll(postgres, store),
      )
    : undefined;

  const monitoring = cfg.monitoring.enabled
    ? new Monitoring(
        "monitoring",
        {
          namespace: ns,
          monitoringNamespace: cfg.monitoring.namespace,
          platformNamespace: cfg.namespace,
          // MinIO's metrics when it is ours; an external store is monitored where it runs.
          targets: [drifter.scrapeTarget!, modelApi.scrapeTarget!, ...(minio ? [minio.scrapeTarget!] : [])],
          serviceMonitorLabels: cfg.monitoring.labels,
        },
        afterAll(drifter, modelApi, ...(minio ? [minio] : [])),
      )
    : undefined;

  // Exposed parts are reached over HTTPS only (every Ingress has TLS); the others by port-forward.
  const external = (part: string, exposed: boolean, svcName: pulumi.Output<string>, port: number): pulumi.Output<string> =>
    cfg.ingress.enabled && exposed
      ? pulumi.output(`https://${part}.${cfg.ingress.domain}`)
      : pulumi.interpolate`kubectl -n ${ns} port-forward svc/${svcName} ${port}:${port}  # then http://localhost:${port}`;

  const outputs: PlatformOutputs = {
    namespace: ns,
    mlflow: { url: mlflow.url, external: external("mlflow", true, mlflow.service.metadata.name, PORTS.mlflow) },
    minio: {
      endpoint: store.endpointUrl,
      console: minio ? external("minio", cfg.expose.minioConsole, minio.service.metadata.name, PORTS.minioConsole) : pulumi.output("none: the stack uses an external S3 store (s3Endpoint); use its own console"),
    },
    objectStore: { external: !!ext, endpoint: store.endpointUrl, region: store.target.region, pathStyle: store.target.pathStyle, bucketPrefix: cfg.s3.bucketPrefix, buckets: { ...buckets } },
    database: { external: !!externalPostgres, host: db.host, port: db.port, database: db.database, sslMode: db.tls?.sslMode ?? "in-cluster, no TLS" },
    s3Policies: ext ? { ...s3Policies(buckets), init: s3InitPolicy(buckets) } : undefined,
    drifter: { url: drifter.url, external: external("drifter", cfg.expose.drifter, drifter.service.metadata.name, PORTS.drifter) },
    modelApi: { url: modelApi.url, external: external("model-api", cfg.expose.modelApi, modelApi.service.metadata.name, PORTS.modelApi) },
    modelImage: images.model,
    modelImageTag: images.model.apply((ref) => ref.slice(ref.lastIndexOf(":") + 1)),
    images: {
      drifter: images.drifter,
      driftJob: images.driftJob,
      modelApiPlatform: images.modelApiPlatform,
      mlflow: images.mlflow,
      minio: images.minio,
      postgres: postgres ? images.postgres : undefined,
    },
    githubDispatch: driftMonitor.githubSecret
      ? `on: repository_dispatch drift-detected to ${cfg.github.repository} at ${cfg.github.apiUrl}; GitHub pipeline ${cfg.github.pipeline ? "on (see the githubPipeline output)" : "off (drift-loop:githubPipeline=false)"}`
      : "off (drift-loop:githubRepository is empty)",
    credentials: {
      postgresPassword: postgres && pulumi.secret(postgres.password),
      minioRootUser: minio && pulumi.secret(minio.rootUser),
      minioRootPassword: minio && pulumi.secret(minio.rootPassword),
      mlflowAdminUsername: pulumi.secret(mlflow.admin.username),
      mlflowAdminPassword: pulumi.secret(mlflow.admin.password),
      modelApiToken: pulumi.secret(modelApi.tokens.tokens.people!),
      smokeModelApiToken: pulumi.secret(modelApi.tokens.tokens.smoke!),
      drifterToken: pulumi.secret(drifter.tokens.tokens.people!),
      trainerS3AccessKey: store.users.trainer.accessKey === undefined ? undefined : pulumi.secret(pulumi.output(store.users.trainer.accessKey)),
      trainerS3SecretKey: store.users.trainer.secretKey && pulumi.secret(store.users.trainer.secretKey),
      trainerMlflowUsername: pulumi.secret(pulumi.output(mlflow.users.trainer.username)),
      trainerMlflowPassword: pulumi.secret(mlflow.users.trainer.password),
      trainerDrifterToken: pulumi.secret(drifter.tokens.tokens.trainer!),
      backupS3SecretKey: postgresBackup && store.users.backup.secretKey && pulumi.secret(store.users.backup.secretKey),
    },
  };
  return { namespace, images, postgres, externalPostgres, minio, externalS3, mlflow, drifter, modelApi, driftMonitor, postgresBackup, monitoring, outputs };
}
