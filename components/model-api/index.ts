import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BAKED_MODEL_PATH, ENV, PORTS } from "../../lib/contract";
import type { ExposedPartArgs } from "../shared/args";
import { accessLabels, appLabels } from "../shared/labels";
import { httpServer, scrapeTarget, type ScrapeTarget } from "../shared/http-server";
import { NODE_UID, httpProbes, plainEnv, scratch, serviceAccount } from "../shared/pod";
import { resourcesFor } from "../shared/resources";
import { CREDENTIALS_ANNOTATION, clientTokens, withMetricsClient, type ClientTokens } from "../shared/credentials";

/** The model API's clients, each with its own bearer token (smoke: the deploy workflow's check). */
export const MODEL_API_CLIENTS = ["traffic", "smoke", "people"] as const;
export type ModelApiClient = (typeof MODEL_API_CLIENTS)[number];

/** What the model API's Ingress routes: predictions, the model's description and the probes, never /metrics. */
export const MODEL_API_PUBLIC_PATHS = ["/predict", "/model", "/healthz", "/readyz"] as const;

/** Arguments of the ModelApi component (namespace, pull policy, size, Service type and Ingress: ExposedPartArgs). */
export interface ModelApiArgs extends ExposedPartArgs {
  /** The model image (`<repo>:<modelImageTag>`): the only input a retrain changes. */
  image: pulumi.Input<string>;
  /** Replicas. */
  replicas: pulumi.Input<number>;
  /** LOG_LEVEL. */
  logLevel: string;
  /** Prometheus' namespace: admitted to the port, and given a token of its own that opens /metrics only (lib/auth.ts METRICS_CLIENT). Defaults to none: no such token. */
  metricsFrom?: string;
  /** The S3_* env of the request log store: the model API's own MinIO user (components/minio `users`) or the external store's (components/external-s3). */
  s3Env: k8s.types.input.core.v1.EnvVar[];
  /** Hash of that user's key: a rotation rolls the pods (the key is read at start). */
  s3CredentialsHash: pulumi.Input<string>;
  /** Annotations of its ServiceAccount (an external S3 store's cloud identity). Defaults to none. */
  serviceAccountAnnotations?: Record<string, string>;
  /** Request log buffering: flush after this many rows ... */
  requestLogFlushRows: number;
  /** ... or this many seconds. */
  requestLogFlushSeconds: number;
}

/**
 * The model API (model-api/src/serving/main.ts): serves the model baked into its image and logs
 * every request to MinIO. Retraining is a new image tag: only this Deployment's pod template
 * changes, and it rolls without downtime (maxUnavailable 0) with a grace period long enough
 * to flush the request log. Every route but the probes needs a client's bearer token.
 */
export class ModelApi extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly host: pulumi.Output<string>;
  public readonly port: number = PORTS.modelApi;
  /** `http://<svc>.<ns>.svc.cluster.local:8080`, MODEL_API_URL of its clients. */
  public readonly url: pulumi.Output<string>;
  /** The image the Deployment runs. */
  public readonly image: pulumi.Output<string>;
  /** The clients' tokens: `tokens.clientEnv(client, ENV.modelApiToken)` for a client's pod. */
  public readonly tokens: ClientTokens;
  /** What Prometheus scrapes (only with `metricsFrom`). */
  public readonly scrapeTarget?: ScrapeTarget;

  constructor(name: string, args: ModelApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:model-api:ModelApi", name, {}, opts);
    const labels = appLabels("model-api", name);
    const sa = serviceAccount(`${name}-sa`, args.namespace, labels, { parent: this }, args.serviceAccountAnnotations);
    const podLabels = { ...labels, ...accessLabels("minio") };
    this.image = pulumi.output(args.image);

    const server = httpServer(
      name,
      { namespace: args.namespace, labels, serviceType: args.serviceType, port: PORTS.modelApi, access: "modelApi", ingress: args.ingress, ingressSuffix: "api", paths: MODEL_API_PUBLIC_PATHS, metricsFrom: args.metricsFrom },
      { parent: this },
    );
    ({ service: this.service, host: this.host, url: this.url } = server);

    this.tokens = clientTokens(name, { namespace: args.namespace, labels, clients: withMetricsClient(MODEL_API_CLIENTS, args.metricsFrom !== undefined) }, this);
    if (args.metricsFrom !== undefined) this.scrapeTarget = scrapeTarget("model-api", labels, this.tokens);

    this.deployment = server.deploy({
      replicas: args.replicas,
      surge: true,
      pod: {
        labels: podLabels,
        serviceAccountName: sa.metadata.name,
        uid: NODE_UID,
        terminationGracePeriodSeconds: 45,
        annotations: { [CREDENTIALS_ANNOTATION]: pulumi.interpolate`${this.tokens.server.hash}.${args.s3CredentialsHash}` },
        container: {
          name: "model-api",
          image: args.image,
          imagePullPolicy: args.imagePullPolicy,
          command: ["node", "dist/model-api/src/serving/main.js"],
          env: [
            plainEnv(ENV.port, PORTS.modelApi),
            plainEnv(ENV.logLevel, args.logLevel),
            plainEnv(ENV.modelPath, BAKED_MODEL_PATH),
            plainEnv(ENV.requestLogFlushRows, args.requestLogFlushRows),
            plainEnv(ENV.requestLogFlushSeconds, args.requestLogFlushSeconds),
            ...args.s3Env,
            this.tokens.server.env,
          ],
          resources: resourcesFor("modelApi", args.size),
        },
        probes: httpProbes(PORTS.modelApi),
        volumes: [scratch("tmp", "/tmp"), this.tokens.server],
      },
    });
    this.registerOutputs({ url: this.url, image: this.image });
  }
}
