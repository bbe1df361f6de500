/**
 * The whole platform as one function of the typed config: infra/index.ts calls it with the
 * stack's config, tests call it with config objects under Pulumi mocks.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PORTS } from "../lib/contract";
import { DriftMonitor } from "../components/drift-monitor";
import { Drifter } from "../components/drifter";
import { Images } from "../components/images";
import { MINIO_SECRET_KEYS, Minio } from "../components/minio";
import { Mlflow } from "../components/mlflow";
import { ModelApi } from "../components/model-api";
import { Namespace } from "../components/namespace";
import { POSTGRES_SECRET_KEYS, Postgres } from "../components/postgres";
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
  minio: { endpoint: pulumi.Output<string>; console: pulumi.Output<string> };
  drifter: { url: pulumi.Output<string>; external: pulumi.Output<string> };
  modelApi: { url: pulumi.Output<string>; external: pulumi.Output<string> };
  modelImage: pulumi.Output<string>;
  /** The tag the ModelApi Deployment runs (the platform tag until a retrain sets modelImageTag). */
  modelImageTag: pulumi.Output<string>;
  images: Record<string, pulumi.Output<string>>;
  githubDispatch: string;
  /** Secret outputs only. */
  credentials: { postgresPassword: pulumi.Output<string>; minioRootUser: pulumi.Output<string>; minioRootPassword: pulumi.Output<string> };
}

export interface Platform {
  namespace: Namespace;
  images: Images;
  postgres: Postgres;
  minio: Minio;
  mlflow: Mlflow;
  drifter: Drifter;
  modelApi: ModelApi;
  driftMonitor: DriftMonitor;
  outputs: PlatformOutputs;
}

export function createPlatform(cfg: PlatformConfig, options: PlatformOptions = {}): Platform {
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  const ingressFor = (part: string) =>
    cfg.ingress.enabled ? { host: `${part}.${cfg.ingress.domain}`, className: cfg.ingress.className, controllerNamespace: cfg.ingress.controllerNamespace } : undefined;

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
    mlflowImage: cfg.images.mlflow,
    registryAuth: cfg.images.registryToken ? { username: cfg.images.registryUsername, password: cfg.images.registryToken } : undefined,
    repoRoot,
  });
  const pullPolicy = cfg.images.pullPolicy;

  const postgres = new Postgres(
    "postgres",
    { namespace: ns, image: images.postgres, imagePullPolicy: pullPolicy, storageClass: cfg.storageClass, storageSize: cfg.postgresStorage, size: cfg.size },
    after,
  );
  const minio = new Minio(
    "minio",
    {
      namespace: ns,
      image: images.minio,
      seedImage: images.drifter,
      imagePullPolicy: pullPolicy,
      storageClass: cfg.storageClass,
      storageSize: cfg.minioStorage,
      size: cfg.size,
      serviceType: cfg.serviceType,
      logLevel: cfg.logLevel,
      ingress: ingressFor("minio"),
    },
    after,
  );
  const mlflow = new Mlflow(
    "mlflow",
    {
      namespace: ns,
      image: images.mlflow,
      imagePullPolicy: pullPolicy,
      size: cfg.size,
      serviceType: cfg.serviceType,
      postgres: {
        host: postgres.host,
        port: postgres.port,
        database: postgres.database,
        secretName: postgres.secretName,
        userKey: POSTGRES_SECRET_KEYS.user,
        passwordKey: POSTGRES_SECRET_KEYS.password,
      },
      s3: { endpointUrl: minio.endpointUrl, secretName: minio.secretName, accessKeyKey: MINIO_SECRET_KEYS.accessKey, secretKeyKey: MINIO_SECRET_KEYS.secretKey },
      ingress: ingressFor("mlflow"),
    },
    afterAll(postgres, minio),
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
      ingress: ingressFor("drifter"),
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
      s3Env: minio.s3Env,
      requestLogFlushRows: cfg.modelApi.requestLogFlushRows,
      requestLogFlushSeconds: cfg.modelApi.requestLogFlushSeconds,
      ingress: ingressFor("model-api"),
    },
    afterAll(minio),
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
      s3Env: minio.s3Env,
      mlflowUrl: mlflow.url,
      drifterUrl: drifter.url,
      modelApiUrl: modelApi.url,
      drift: cfg.drift,
      traffic: cfg.traffic,
      github:
        cfg.github.repository && cfg.github.dispatchToken
          ? { repository: cfg.github.repository, apiUrl: cfg.github.apiUrl, token: cfg.github.dispatchToken }
          : undefined,
    },
    afterAll(minio, mlflow, drifter, modelApi),
  );

  const external = (part: string, svcName: pulumi.Output<string>, port: number): pulumi.Output<string> =>
    cfg.ingress.enabled
      ? pulumi.output(`http://${part}.${cfg.ingress.domain}`)
      : pulumi.interpolate`kubectl -n ${ns} port-forward svc/${svcName} ${port}:${port}  # then http://localhost:${port}`;

  const outputs: PlatformOutputs = {
    namespace: ns,
    mlflow: { url: mlflow.url, external: external("mlflow", mlflow.service.metadata.name, PORTS.mlflow) },
    minio: { endpoint: minio.endpointUrl, console: external("minio", minio.service.metadata.name, PORTS.minioConsole) },
    drifter: { url: drifter.url, external: external("drifter", drifter.service.metadata.name, PORTS.drifter) },
    modelApi: { url: modelApi.url, external: external("model-api", modelApi.service.metadata.name, PORTS.modelApi) },
    modelImage: images.model,
    modelImageTag: images.model.apply((ref) => ref.slice(ref.lastIndexOf(":") + 1)),
    images: {
      drifter: images.drifter,
      driftJob: images.driftJob,
      modelApi: images.modelApiPlatform,
      mlflow: images.mlflow,
      minio: images.minio,
      postgres: images.postgres,
    },
    githubDispatch: driftMonitor.githubSecret ? `on: repository_dispatch drift-detected to ${cfg.github.repository}` : "off (drift-loop:githubRepository is empty)",
    credentials: {
      postgresPassword: pulumi.secret(postgres.password),
      minioRootUser: pulumi.secret(minio.rootUser),
      minioRootPassword: pulumi.secret(minio.rootPassword),
    },
  };
  return { namespace, images, postgres, minio, mlflow, drifter, modelApi, driftMonitor, outputs };
}
