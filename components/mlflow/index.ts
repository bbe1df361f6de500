import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BUCKETS, PORTS } from "../../lib/contract";
import type { ExposedPartArgs } from "../shared/args";
import { accessLabels, appLabels } from "../shared/labels";
import { exposeHttpServer } from "../shared/network";
import { httpDeployment, httpService } from "../shared/http-workload";
import { serviceAccount, secretEnv } from "../shared/pod";
import { resourcesFor } from "../shared/resources";

/** uid of the MLflow image we build (components/images/mlflow.Dockerfile). */
export const MLFLOW_UID = 10001;

export interface MlflowArgs extends ExposedPartArgs {
  /** MLflow image with psycopg2 and boto3. */
  image: pulumi.Input<string>;
  /** Backend store: Postgres host (Service DNS), port, database, and the Secret with user/password. */
  postgres: { host: pulumi.Input<string>; port: number; database: string; secretName: pulumi.Input<string>; userKey: string; passwordKey: string };
  /** Artifact store: MinIO endpoint URL and the Secret with its credentials. */
  s3: { endpointUrl: pulumi.Input<string>; secretName: pulumi.Input<string>; accessKeyKey: string; secretKeyKey: string };
  /** Extra Host names to accept (a LoadBalancer's address, a proxy's name). */
  extraAllowedHosts?: string[];
}

/**
 * The MLflow tracking server: Postgres backend store, artifacts proxied to MinIO
 * (`--serve-artifacts --artifacts-destination s3://mlflow`), and `--allowed-hosts` limited to
 * its Service DNS names, localhost (port-forward) and the Ingress host.
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

  constructor(name: string, args: MlflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:mlflow:Mlflow", name, {}, opts);
    const labels = appLabels("mlflow", name);
    const sa = serviceAccount(`${name}-sa`, args.namespace, labels, { parent: this });
    const podLabels = { ...labels, ...accessLabels("postgres", "minio") };

    ({ service: this.service, host: this.host, url: this.url } = httpService(name, { namespace: args.namespace, labels, type: args.serviceType, port: PORTS.mlflow }, { parent: this }));
    this.allowedHosts = pulumi.all([this.service.metadata.name, this.service.metadata.namespace]).apply(([svc, ns]) => {
      const names = [svc, `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`, "localhost", "127.0.0.1"];
      if (args.ingress) names.push(args.ingress.host);
      return [...names.flatMap((h) => [h, `${h}:${PORTS.mlflow}`]), ...(args.extraAllowedHosts ?? [])];
    });

    // The password reaches the URI through Kubernetes' $(VAR) expansion of an env var that
    // comes from the Secret: it is never in the pod spec, the args, or the stack's config.
    const env: k8s.types.input.core.v1.EnvVar[] = [
      secretEnv("PGUSER", args.postgres.secretName, args.postgres.userKey),
      secretEnv("PGPASSWORD", args.postgres.secretName, args.postgres.passwordKey),
      {
        name: "MLFLOW_BACKEND_STORE_URI",
        // The driver is named: SQLAlchemy 2.1 (pulled by mlflow 3.17) maps a bare postgresql:// to
        // psycopg 3, which the image does not have (it ships psycopg2-binary): MLflow would crash.
        value: pulumi.interpolate`postgresql+psycopg2://$(PGUSER):$(PGPASSWORD)@${args.postgres.host}:${args.postgres.port}/${args.postgres.database}`,
      },
      secretEnv("AWS_ACCESS_KEY_ID", args.s3.secretName, args.s3.accessKeyKey),
      secretEnv("AWS_SECRET_ACCESS_KEY", args.s3.secretName, args.s3.secretKeyKey),
      { name: "AWS_DEFAULT_REGION", value: "us-east-1" },
      { name: "MLFLOW_S3_ENDPOINT_URL", value: args.s3.endpointUrl },
      { name: "MLFLOW_SERVER_ALLOWED_HOSTS", value: this.allowedHosts.apply((h) => h.join(",")) },
      { name: "HOME", value: "/tmp" },
      { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
      // drift-loop uses no MLflow server jobs (GenAI scorers, trace roll-ups): no extra workers
      // in a pod with tight limits; the test services run the same way (scripts/services/mlflow.ts).
      { name: "MLFLOW_SERVER_ENABLE_JOB_EXECUTION", value: "false" },
    ];
    const healthGet = { path: "/health", port: PORTS.mlflow, httpHeaders: [{ name: "Host", value: `localhost:${PORTS.mlflow}` }] };
    this.deployment = httpDeployment(
      name,
      {
        namespace: args.namespace,
        labels,
        podLabels,
        replicas: 1,
        serviceAccountName: sa.metadata.name,
        uid: MLFLOW_UID,
        tmpSizeLimit: "512Mi",
        port: PORTS.mlflow,
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
            "--artifacts-destination", `s3://${BUCKETS.mlflow}`,
            "--allowed-hosts", "$(MLFLOW_SERVER_ALLOWED_HOSTS)",
          ],
          env,
          resources: resourcesFor("mlflow", args.size),
          startupProbe: { httpGet: healthGet, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
          livenessProbe: { httpGet: healthGet, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
          readinessProbe: { httpGet: healthGet, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        },
      },
      { parent: this },
    );

    exposeHttpServer(
      name,
      "ui",
      { namespace: args.namespace, labels, service: this.service, port: PORTS.mlflow, access: "mlflow", serviceType: args.serviceType, ingress: args.ingress },
      { parent: this },
    );
    this.registerOutputs({ url: this.url });
  }
}
