import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ENV, PORTS } from "../../lib/contract";
import { AUTH_SETUP_ENV, MLFLOW_WORKLOAD_USERS, basicAuthIni, type MlflowWorkloadUser } from "../../lib/mlflow-auth";
import type { ExposedPartArgs } from "../shared/args";
import { CREDENTIALS_ANNOTATION, credentialsHash, generated } from "../shared/credentials";
import { accessLabels, appLabels } from "../shared/labels";
import { httpServer } from "../shared/http-server";
import { NODE_UID, PodBuilder, plainEnv, scratch, serviceAccount, secretEnv } from "../shared/pod";
import { resourcesFor } from "../shared/resources";
import type { S3KeySecret } from "../shared/s3";
import { POSTGRES_SECRET_KEYS, type PostgresConnection } from "../postgres";
import { POSTGRES_CA_KEY } from "../external-postgres";

/** Keys of the MLflow admin Secret and of each workload user's Secret. */
export const MLFLOW_SECRET_KEYS = { username: "username", password: "password", flaskSecretKey: "flask-secret-key" } as const;

/** Where the auth app's configuration file is mounted (MLFLOW_AUTH_CONFIG_PATH). */
export const AUTH_CONFIG_PATH = "/etc/mlflow-auth/basic_auth.ini";

/** A workload's MLflow user: its env (MLflow's own variable names) and the hash that rolls its pods. */
export interface MlflowUserCredentials {
  username: string;
  password: pulumi.Output<string>;
  secretName: pulumi.Output<string>;
  env: k8s.types.input.core.v1.EnvVar[];
  hash: pulumi.Output<string>;
}

/** Where an external Postgres's CA certificate is mounted (PGSSLROOTCERT). */
export const POSTGRES_CA_PATH = `/etc/drift-loop/postgres-ca/${POSTGRES_CA_KEY}`;

/**
 * libpq's TLS env for a connection: PGSSLMODE, and in the verify modes PGSSLROOTCERT, the
 * mounted CA (POSTGRES_CA_PATH) or, without one, `system` (the image's CA store; libpq 16+).
 */
export function postgresTlsEnv(sslMode: string, mountedCa: boolean): k8s.types.input.core.v1.EnvVar[] {
  const env = [plainEnv("PGSSLMODE", sslMode)];
  if (sslMode.startsWith("verify-")) env.push(plainEnv("PGSSLROOTCERT", mountedCa ? POSTGRES_CA_PATH : "system"));
  return env;
}

/** uid of the MLflow image we build (components/images/mlflow.Dockerfile). */
export const MLFLOW_UID = 10001;

/** Arguments of the Mlflow component (namespace, pull policy, size, Service type and Ingress: ExposedPartArgs). */
export interface MlflowArgs extends ExposedPartArgs {
  /** MLflow image with psycopg2 and boto3. */
  image: pulumi.Input<string>;
  /** Backend store (and the auth app's tables): the in-cluster or an external Postgres, with its Secret and TLS. */
  postgres: PostgresConnection;
  /**
   * Artifact store: the S3 endpoint URL, region, addressing style, the bucket, and MLflow's own
   * keys (the in-cluster MinIO's `mlflow` user, or the external store's pair; none = the pod's
   * cloud identity, which boto3 finds itself), with the hash that rolls the pod when they change.
   */
  s3: { endpointUrl: pulumi.Input<string>; region: string; pathStyle: boolean; bucket: string; keys?: S3KeySecret; hash: pulumi.Input<string> };
  /** Annotations of its ServiceAccount (an external store's cloud identity). Defaults to none. */
  serviceAccountAnnotations?: Record<string, string>;
  /** Image that runs the users Job (the drift-job image: `node dist/drift-job/src/mlflow-users-cli.js`). */
  usersJobImage: pulumi.Input<string>;
  /** Extra Host names to accept (a LoadBalancer's address, a proxy's name). Defaults to none: the Service's names, localhost and the Ingress host only. */
  extraAllowedHosts?: string[];
}

/**
 * The MLflow tracking server: Postgres backend store (in the cluster or external, over TLS),
 * artifacts proxied to the S3 store (`--serve-artifacts --artifacts-destination s3://<prefix>mlflow`), and `--allowed-hosts` limited to
 * its Service DNS names, localhost on any port (a port-forward's) and the Ingress host.
 *
 * Authentication is MLflow's own basic-auth app (`--app-name basic-auth`): its tables in the
 * same Postgres database, no permission for anyone by default, the admin created on first
 * start from MLFLOW_AUTH_ADMIN_USERNAME/_PASSWORD (generated, in a Secret). A Job (the
 * drift-job image's mlflow-users CLI, lib/mlflow-auth.ts) then sets up one user per
 * workload with only what it needs. MLflow reads the admin's password only when that user
 * does not exist yet, so the admin's name is `admin-<random id>` and a new id comes with a
 * new password: replacing `<name>-admin-id` rotates both, and the Job deletes the old admin.
 */
export class Mlflow extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly host: pulumi.Output<string>;
  public readonly port: number = PORTS.mlflow;
  /** `http://<svc>.<ns>.svc.cluster.local:5000`, MLFLOW_TRACKING_URI of in-cluster clients. */
  public readonly url: pulumi.Output<string>;
  /** The hosts MLflow accepts (the Host header check against DNS rebinding). */
  public readonly allowedHosts: pulumi.Output<string[]>;
  /** The admin (people, the users Job): secret outputs. */
  public readonly admin: { username: pulumi.Output<string>; password: pulumi.Output<string> };
  /** Each workload's own user (trainer, drift-job). */
  public readonly users: Record<MlflowWorkloadUser, MlflowUserCredentials>;
  public readonly usersJob: k8s.batch.v1.Job;

  constructor(name: string, args: MlflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:mlflow:Mlflow", name, {}, opts);
    const labels = appLabels("mlflow", name);
    const sa = serviceAccount(`${name}-sa`, args.namespace, labels, { parent: this }, args.serviceAccountAnnotations);
    const podLabels = { ...labels, ...accessLabels("postgres", "minio") };

    const server = httpServer(
      name,
      { namespace: args.namespace, labels, serviceType: args.serviceType, port: PORTS.mlflow, access: "mlflow", ingress: args.ingress, ingressSuffix: "ui" },
      { parent: this },
    );
    ({ service: this.service, host: this.host, url: this.url } = server);
    this.allowedHosts = pulumi.all([this.service.metadata.name, this.service.metadata.namespace]).apply(([svc, ns]) => {
      const names = [svc, `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`];
      if (args.ingress) names.push(args.ingress.host);
      // A port-forward listens on whatever local port it is given (scripts/ci/with-cluster.ts
      // takes a free one): localhost and 127.0.0.1 on any port (MLflow matches with fnmatch).
      // A DNS-rebinding page cannot send these Host values, so the check keeps its point.
      const local = ["localhost", "127.0.0.1"].flatMap((h) => [h, `${h}:*`]);
      return [...names.flatMap((h) => [h, `${h}:${PORTS.mlflow}`]), ...local, ...(args.extraAllowedHosts ?? [])];
    });

    // The password reaches the URI through Kubernetes' $(VAR) expansion of an env var that
    // comes from the Secret: it is never in the pod spec, the args, or the stack's config.
    // The admin: a new id replaces the password too (keepers), see the class comment.
    const adminId = new random.RandomString(`${name}-admin-id`, { length: 8, special: false, upper: false }, { parent: this });
    const adminName = pulumi.interpolate`admin-${adminId.result}`;
    const adminPassword = generated(`${name}-admin-password`, this, 48, { id: adminId.result }).result;
    const flaskKey = generated(`${name}-flask-secret-key`, this).result;
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: { namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { [MLFLOW_SECRET_KEYS.username]: adminName, [MLFLOW_SECRET_KEYS.password]: adminPassword, [MLFLOW_SECRET_KEYS.flaskSecretKey]: flaskKey },
      },
      { parent: this },
    );
    this.admin = { username: adminName, password: adminPassword };
    this.users = Object.fromEntries(
      MLFLOW_WORKLOAD_USERS.map((user) => {
        const password = generated(`${name}-user-${user}-password`, this).result;
        const secret = new k8s.core.v1.Secret(
          `${name}-user-${user}`,
          { metadata: { namespace: args.namespace, labels }, type: "Opaque", stringData: { [MLFLOW_SECRET_KEYS.username]: user, [MLFLOW_SECRET_KEYS.password]: password } },
          { parent: this },
        );
        const creds: MlflowUserCredentials = {
          username: user,
          password,
          secretName: secret.metadata.name,
          env: [plainEnv(ENV.mlflowTrackingUsername, user), secretEnv(ENV.mlflowTrackingPassword, secret.metadata.name, MLFLOW_SECRET_KEYS.password)],
          hash: credentialsHash(password),
        };
        return [user, creds];
      }),
    ) as Record<MlflowWorkloadUser, MlflowUserCredentials>;
    // No password in the URI or the file: libpq reads PGPASSWORD (and PGSSLMODE, PGSSLROOTCERT)
    // from the container's env, so it is in no argument and any password works, however spelled.
    // The driver is named: SQLAlchemy 2.1 (pulled by mlflow 3.17) maps a bare postgresql:// to
    // psycopg 3, which the image does not have (it ships psycopg2-binary): MLflow would crash.
    const pg = args.postgres;
    const backendUri = pulumi.interpolate`postgresql+psycopg2://${encodeURIComponent(pg.user)}@${pg.host}:${pg.port}/${encodeURIComponent(pg.database)}`;
    const tls = pg.tls ? postgresTlsEnv(pg.tls.sslMode, pg.tls.caConfigMap !== undefined) : [];
    const authConfig = new k8s.core.v1.ConfigMap(
      `${name}-auth`,
      {
        metadata: { namespace: args.namespace, labels },
        data: {
          "basic_auth.ini": backendUri.apply(basicAuthIni),
        },
      },
      { parent: this },
    );

    const env: k8s.types.input.core.v1.EnvVar[] = [
      secretEnv("PGPASSWORD", pg.secretName, POSTGRES_SECRET_KEYS.password),
      ...tls,
      { name: "MLFLOW_BACKEND_STORE_URI", value: backendUri },
      ...(args.s3.keys
        ? [secretEnv("AWS_ACCESS_KEY_ID", args.s3.keys.name, args.s3.keys.accessKeyKey), secretEnv("AWS_SECRET_ACCESS_KEY", args.s3.keys.name, args.s3.keys.secretKeyKey)]
        : []),
      { name: "AWS_DEFAULT_REGION", value: args.s3.region },
      { name: "MLFLOW_S3_ENDPOINT_URL", value: args.s3.endpointUrl },
      { name: "MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE", value: args.s3.pathStyle ? "path" : "virtual" },
      { name: "MLFLOW_SERVER_ALLOWED_HOSTS", value: this.allowedHosts.apply((h) => h.join(",")) },
      { name: "HOME", value: "/tmp" },
      { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
      // drift-loop uses no MLflow server jobs (GenAI scorers, trace roll-ups): no extra workers
      // in a pod with tight limits; the test services run the same way (scripts/services/mlflow.ts).
      { name: "MLFLOW_SERVER_ENABLE_JOB_EXECUTION", value: "false" },
      { name: "MLFLOW_AUTH_CONFIG_PATH", value: AUTH_CONFIG_PATH },
      // Plain: a new admin name rolls the pod, and MLflow creates that admin on start.
      plainEnv(AUTH_SETUP_ENV.adminUsername, adminName),
      secretEnv(AUTH_SETUP_ENV.adminPassword, adminSecret.metadata.name, MLFLOW_SECRET_KEYS.password),
      secretEnv("MLFLOW_FLASK_SERVER_SECRET_KEY", adminSecret.metadata.name, MLFLOW_SECRET_KEYS.flaskSecretKey),
    ];
    const healthGet = { path: "/health", port: PORTS.mlflow, httpHeaders: [{ name: "Host", value: `localhost:${PORTS.mlflow}` }] };
    this.deployment = server.deploy({
      replicas: 1,
      pod: {
        labels: podLabels,
        serviceAccountName: sa.metadata.name,
        uid: MLFLOW_UID,
        annotations: { [CREDENTIALS_ANNOTATION]: pg.hash ? pulumi.interpolate`${args.s3.hash}.${pg.hash}` : pulumi.output(args.s3.hash) },
        container: {
          name: "mlflow",
          image: args.image,
          imagePullPolicy: args.imagePullPolicy,
          command: ["mlflow"],
          args: [
            "server",
            "--host", "0.0.0.0",
            "--port", String(PORTS.mlflow),
            "--workers", "2",
            "--backend-store-uri", "$(MLFLOW_BACKEND_STORE_URI)",
            "--serve-artifacts",
            "--artifacts-destination", `s3://${args.s3.bucket}`,
            "--allowed-hosts", "$(MLFLOW_SERVER_ALLOWED_HOSTS)",
            "--app-name", "basic-auth",
          ],
          env,
          resources: resourcesFor("mlflow", args.size),
        },
        probes: {
          startup: { httpGet: healthGet, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
          liveness: { httpGet: healthGet, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
          readiness: { httpGet: healthGet, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        },
        volumes: [
          scratch("tmp", "/tmp", "512Mi"),
          {
            volume: { name: "auth-config", configMap: { name: authConfig.metadata.name } },
            mount: { name: "auth-config", mountPath: AUTH_CONFIG_PATH.slice(0, AUTH_CONFIG_PATH.lastIndexOf("/")), readOnly: true },
          },
          ...(pg.tls?.caConfigMap
            ? [
                {
                  volume: { name: "postgres-ca", configMap: { name: pg.tls.caConfigMap } },
                  mount: { name: "postgres-ca", mountPath: POSTGRES_CA_PATH.slice(0, POSTGRES_CA_PATH.lastIndexOf("/")), readOnly: true },
                },
              ]
            : []),
        ],
      },
    });

    // The workload users, as the admin, once MLflow (with its admin) is up; again whenever a
    // password or the admin changes (the template's annotation and env change, so the Job
    // is replaced).
    const jobLabels = { ...appLabels("mlflow-users", name), ...accessLabels("mlflow") };
    const usersPod = new PodBuilder({
      labels: jobLabels,
      annotations: { [CREDENTIALS_ANNOTATION]: credentialsHash(adminPassword, ...MLFLOW_WORKLOAD_USERS.map((u) => this.users[u].password)) },
      serviceAccountName: sa.metadata.name,
      uid: NODE_UID,
      container: {
        name: "users",
        image: args.usersJobImage,
        imagePullPolicy: args.imagePullPolicy,
        command: ["node", "dist/drift-job/src/mlflow-users-cli.js"],
        env: [
          plainEnv(AUTH_SETUP_ENV.trackingUri, this.url),
          plainEnv(AUTH_SETUP_ENV.adminUsername, adminName),
          secretEnv(AUTH_SETUP_ENV.adminPassword, adminSecret.metadata.name, MLFLOW_SECRET_KEYS.password),
          ...MLFLOW_WORKLOAD_USERS.map((u) => secretEnv(AUTH_SETUP_ENV.userPassword(u), this.users[u].secretName, MLFLOW_SECRET_KEYS.password)),
        ],
        resources: resourcesFor("mlflowUsers", args.size),
      },
      volumes: [scratch("tmp", "/tmp", "64Mi")],
    });
    this.usersJob = new k8s.batch.v1.Job(
      `${name}-users`,
      { metadata: { namespace: args.namespace, labels: jobLabels }, spec: usersPod.asJobSpec({ restartPolicy: "OnFailure", backoffLimit: 6, activeDeadlineSeconds: 600 }) },
      { parent: this, dependsOn: [this.deployment] },
    );

    this.registerOutputs({ url: this.url });
  }
}
