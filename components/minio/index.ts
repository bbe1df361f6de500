import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PORTS } from "../../lib/contract";
import type { ExposedPartArgs } from "../shared/args";
import { accessLabels, appLabels } from "../shared/labels";
import { allowIngress, exposeIngress } from "../shared/network";
import { PodBuilder, scratch, serviceAccount, secretEnv, serviceHost } from "../shared/pod";
import { resourcesFor } from "../shared/resources";
import { CREDENTIALS_ANNOTATION, credentialsHash, generated } from "../shared/credentials";
import { SECRET_KEY_LENGTH, S3_USERS, userSecretEnv, type S3User } from "../../lib/storage-access";
import { DEFAULT_S3_REGION } from "../../lib/s3";
import { S3_SECRET_KEYS, s3ClientEnv, seedJob, type S3Target, type S3UserCredentials } from "../shared/s3";
import { MINIO_METRICS_PATH, minioMetricsToken } from "../../lib/minio-metrics";
import type { ScrapeTarget } from "../shared/http-server";

/** Keys of the MinIO root credentials Secret (read by MinIO and its init Job only). */
export const MINIO_SECRET_KEYS = { accessKey: "root-user", secretKey: "root-password" } as const;

/** uid of the MinIO image we build (components/images/minio.Dockerfile). */
export const MINIO_UID = 10002;

/** The name of the Service's and container's S3 API port. */
export const S3_PORT_NAME = "s3";

/** Arguments of the Minio component (namespace, pull policy, size, Service type and Ingress of the console: ExposedPartArgs). */
export interface MinioArgs extends ExposedPartArgs {
  /** Pinned MinIO server image. */
  image: pulumi.Input<string>;
  /** Image that runs the init Job (the drifter image: `node dist/drifter/src/seed-cli.js`). */
  seedImage: pulumi.Input<string>;
  /** StorageClass of the data volume; "" = cluster default. */
  storageClass: string;
  /** Size of the data volume. */
  storageSize: pulumi.Input<string>;
  /** LOG_LEVEL of the init Job. */
  logLevel: string;
  /** S3_BUCKET_PREFIX of every client ("" = none). */
  bucketPrefix: string;
  /** Prometheus' namespace: admitted to the S3 port, and given a metrics token (lib/minio-metrics.ts) in a Secret of its own. Defaults to none: no such token. */
  metricsFrom?: string;
}

/**
 * MinIO, the S3 store of datasets, MLflow artifacts, drift reports and request logs: a
 * StatefulSet with a PVC, random root credentials in a Secret, and an init Job (our own code,
 * the drifter image's seed CLI) that creates the buckets, one user per workload with its
 * policy (lib/storage-access.ts), and uploads the initial reference. Only MinIO and the init
 * Job see the root user; each workload gets its own user (`users[...]`).
 */
export class Minio extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly secret: k8s.core.v1.Secret;
  public readonly statefulSet: k8s.apps.v1.StatefulSet;
  /** Labels of the server's pods (a client's egress policy selects them). */
  public readonly podLabels: Record<string, string>;
  public readonly initJob: k8s.batch.v1.Job;
  /** `<svc>.<ns>.svc.cluster.local`. */
  public readonly host: pulumi.Output<string>;
  public readonly apiPort: number = PORTS.minio;
  public readonly consolePort: number = PORTS.minioConsole;
  /** `http://<host>:9000`, the S3 endpoint for clients that take a URL (MLflow). */
  public readonly endpointUrl: pulumi.Output<string>;
  /** Where its clients connect (components/shared/s3.ts). */
  public readonly target: S3Target;
  /** Name of the root credentials Secret (keys: MINIO_SECRET_KEYS). */
  public readonly secretName: pulumi.Output<string>;
  public readonly rootUser: pulumi.Output<string>;
  public readonly rootPassword: pulumi.Output<string>;
  /** Each workload's own user (model-api, drift-job, trainer, mlflow). */
  public readonly users: Record<S3User, S3UserCredentials>;
  /** What Prometheus scrapes (only with `metricsFrom`): the cluster metrics, with a token signed by the root key. */
  public readonly scrapeTarget?: ScrapeTarget;

  constructor(name: string, args: MinioArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:minio:Minio", name, {}, opts);
    const labels = appLabels("minio", name);
    this.podLabels = labels;
    const sa = serviceAccount(`${name}-sa`, args.namespace, labels, { parent: this });

    const user = new random.RandomPassword(`${name}-root-user`, { length: 20, special: false, upper: false }, { parent: this });
    const password = new random.RandomPassword(`${name}-root-password`, { length: 40, special: false }, { parent: this });
    this.rootUser = user.result;
    this.rootPassword = password.result;
    this.secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { [MINIO_SECRET_KEYS.accessKey]: user.result, [MINIO_SECRET_KEYS.secretKey]: password.result },
      },
      { parent: this },
    );
    this.secretName = this.secret.metadata.name;
    if (args.metricsFrom !== undefined) {
      // Only the operator reads it (for Prometheus); it opens MinIO's metrics endpoints, nothing else.
      const metrics = new k8s.core.v1.Secret(
        `${name}-prometheus`,
        { metadata: { namespace: args.namespace, labels }, type: "Opaque", stringData: { token: pulumi.secret(pulumi.all([user.result, password.result]).apply(([u, p]) => minioMetricsToken(u, p))) } },
        { parent: this },
      );
      this.scrapeTarget = { part: "minio", serviceLabels: labels, port: S3_PORT_NAME, path: MINIO_METRICS_PATH, token: { name: metrics.metadata.name, key: "token" } };
    }

    this.service = new k8s.core.v1.Service(
      `${name}-svc`,
      {
        metadata: { namespace: args.namespace, labels },
        spec: {
          type: args.serviceType,
          selector: labels,
          ports: [
            { name: S3_PORT_NAME, port: PORTS.minio, targetPort: PORTS.minio, protocol: "TCP" },
            { name: "console", port: PORTS.minioConsole, targetPort: PORTS.minioConsole, protocol: "TCP" },
          ],
        },
      },
      { parent: this },
    );
    this.host = serviceHost(this.service);
    this.endpointUrl = pulumi.interpolate`http://${this.host}:${PORTS.minio}`;
    this.target = { host: this.host, port: PORTS.minio, useSsl: false, region: DEFAULT_S3_REGION, pathStyle: true, bucketPrefix: args.bucketPrefix };
    const s3EnvOf = (name: pulumi.Input<string>, keys: { accessKey: string; secretKey: string }) =>
      s3ClientEnv(this.target, { name, accessKeyKey: keys.accessKey, secretKeyKey: keys.secretKey });
    const rootEnv = s3EnvOf(this.secretName, MINIO_SECRET_KEYS);
    this.users = Object.fromEntries(
      S3_USERS.map((user) => {
        const key = generated(`${name}-user-${user}-secret-key`, this, SECRET_KEY_LENGTH.max).result;
        const secret = new k8s.core.v1.Secret(
          `${name}-user-${user}`,
          { metadata: { namespace: args.namespace, labels }, type: "Opaque", stringData: { [S3_SECRET_KEYS.accessKey]: user, [S3_SECRET_KEYS.secretKey]: key } },
          { parent: this },
        );
        const ref = { name: secret.metadata.name, accessKeyKey: S3_SECRET_KEYS.accessKey, secretKeyKey: S3_SECRET_KEYS.secretKey };
        const creds: S3UserCredentials = { secret: ref, accessKey: user, secretKey: key, env: s3ClientEnv(this.target, ref), hash: credentialsHash(key) };
        return [user, creds];
      }),
    ) as Record<S3User, S3UserCredentials>;

    const pod = new PodBuilder({
      labels,
      // MinIO reads the root user at start (its IAM data is not encrypted with it without a
      // KMS): a new root password restarts the pod.
      annotations: { [CREDENTIALS_ANNOTATION]: credentialsHash(user.result, password.result) },
      serviceAccountName: sa.metadata.name,
      uid: MINIO_UID,
      fsGroup: MINIO_UID,
      container: {
        name: "minio",
        image: args.image,
        imagePullPolicy: args.imagePullPolicy,
        command: ["minio"],
        args: ["server", "/data", "--address", `:${PORTS.minio}`, "--console-address", `:${PORTS.minioConsole}`, "--certs-dir", "/tmp/certs"],
        ports: [
          { name: S3_PORT_NAME, containerPort: PORTS.minio },
          { name: "console", containerPort: PORTS.minioConsole },
        ],
        env: [
          secretEnv("MINIO_ROOT_USER", this.secretName, MINIO_SECRET_KEYS.accessKey),
          secretEnv("MINIO_ROOT_PASSWORD", this.secretName, MINIO_SECRET_KEYS.secretKey),
          { name: "HOME", value: "/tmp" },
        ],
        resources: resourcesFor("minio", args.size),
      },
      probes: {
        liveness: { httpGet: { path: "/minio/health/live", port: PORTS.minio }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        readiness: { httpGet: { path: "/minio/health/ready", port: PORTS.minio }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        startup: { httpGet: { path: "/minio/health/live", port: PORTS.minio }, periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 60 },
      },
      volumes: [scratch("tmp", "/tmp", "64Mi")],
    });
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-sts`,
      {
        metadata: { namespace: args.namespace, labels },
        spec: pod.asStatefulSetSpec({
          serviceName: this.service.metadata.name,
          selector: labels,
          data: { mountPath: "/data", storageSize: args.storageSize, storageClass: args.storageClass, labels },
        }),
      },
      { parent: this },
    );

    const initLabels = { ...appLabels("minio-init", name), ...accessLabels("minio") };
    this.initJob = seedJob(
      `${name}-init`,
      {
        namespace: args.namespace,
        labels: initLabels,
        serviceAccountName: sa.metadata.name,
        image: args.seedImage,
        imagePullPolicy: args.imagePullPolicy,
        size: args.size,
        logLevel: args.logLevel,
        // As root: the buckets, and each workload user with its policy.
        env: [...rootEnv, ...S3_USERS.map((u) => secretEnv(userSecretEnv(u), this.users[u].secret!.name, S3_SECRET_KEYS.secretKey))],
        credentialsHash: credentialsHash(...S3_USERS.map((u) => this.users[u].secretKey!)),
      },
      { parent: this, dependsOn: [this.statefulSet] },
    );

    allowIngress(
      `${name}-allow-clients`,
      {
        namespace: args.namespace,
        podLabels: labels,
        ports: [PORTS.minio],
        access: "minio",
        ingressFrom: args.ingress ? { namespace: args.ingress.controllerNamespace, ports: [PORTS.minioConsole] } : undefined,
        metricsFrom: args.metricsFrom ? { namespace: args.metricsFrom, ports: [PORTS.minio] } : undefined,
        externalPorts: args.serviceType === "ClusterIP" ? undefined : [PORTS.minioConsole],
      },
      { parent: this },
    );
    if (args.ingress) {
      exposeIngress(`${name}-console`, { namespace: args.namespace, service: this.service, port: PORTS.minioConsole, ingress: args.ingress, labels }, { parent: this });
    }
    this.registerOutputs({ host: this.host, secretName: this.secretName });
  }
}
