import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BAKED_MODEL_PATH, ENV, PORTS } from "../../lib/contract";
import { accessLabels, appLabels } from "../shared/labels";
import { exposeHttpServer, type IngressSettings } from "../shared/network";
import { NODE_UID, containerSecurityContext, httpProbes, plainEnv, scratch, serviceAccount, serviceHost, restrictedPod } from "../shared/pod";
import { resourcesFor } from "../shared/resources";
import type { ServiceType, Size } from "../../stacks/profiles";

export interface ModelApiArgs {
  /** Namespace to deploy into. */
  namespace: pulumi.Input<string>;
  /** The model image (`<repo>:<modelImageTag>`): the only input a retrain changes. */
  image: pulumi.Input<string>;
  /** imagePullPolicy. */
  imagePullPolicy: pulumi.Input<string>;
  /** Replicas. */
  replicas: pulumi.Input<number>;
  /** Requests/limits scale. */
  size: Size;
  /** Service type. */
  serviceType: ServiceType;
  /** LOG_LEVEL. */
  logLevel: string;
  /** The S3_* env of the request log store (MinIO component's s3Env). */
  s3Env: k8s.types.input.core.v1.EnvVar[];
  /** Request log buffering: flush after this many rows ... */
  requestLogFlushRows: number;
  /** ... or this many seconds. */
  requestLogFlushSeconds: number;
  /** Expose through an Ingress at this host, when set. */
  ingress?: IngressSettings;
}

/**
 * The model API (model-api/src/main.ts): serves the model baked into its image and logs
 * every request to MinIO. Retraining is a new image tag: only this Deployment's pod template
 * changes, and it rolls without downtime (maxUnavailable 0) with a grace period long enough
 * to flush the request log.
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

  constructor(name: string, args: ModelApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:model-api:ModelApi", name, {}, opts);
    const labels = appLabels("model-api", name);
    const sa = serviceAccount(`${name}-sa`, args.namespace, labels, { parent: this });
    const podLabels = { ...labels, ...accessLabels("minio") };
    this.image = pulumi.output(args.image);

    this.service = new k8s.core.v1.Service(
      `${name}-svc`,
      {
        metadata: { namespace: args.namespace, labels },
        spec: { type: args.serviceType, selector: labels, ports: [{ name: "http", port: PORTS.modelApi, targetPort: PORTS.modelApi, protocol: "TCP" }] },
      },
      { parent: this },
    );
    this.host = serviceHost(this.service);
    this.url = pulumi.interpolate`http://${this.host}:${PORTS.modelApi}`;

    const tmp = scratch("tmp", "/tmp");
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deploy`,
      {
        metadata: { namespace: args.namespace, labels },
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: labels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: podLabels },
            spec: {
              ...restrictedPod(sa.metadata.name, NODE_UID),
              terminationGracePeriodSeconds: 45,
              containers: [
                {
                  name: "model-api",
                  image: args.image,
                  imagePullPolicy: args.imagePullPolicy,
                  command: ["node", "dist/model-api/src/main.js"],
                  ports: [{ name: "http", containerPort: PORTS.modelApi }],
                  env: [
                    plainEnv(ENV.port, PORTS.modelApi),
                    plainEnv(ENV.logLevel, args.logLevel),
                    plainEnv(ENV.modelPath, BAKED_MODEL_PATH),
                    plainEnv(ENV.requestLogFlushRows, args.requestLogFlushRows),
                    plainEnv(ENV.requestLogFlushSeconds, args.requestLogFlushSeconds),
                    ...args.s3Env,
                  ],
                  resources: resourcesFor("modelApi", args.size),
                  securityContext: containerSecurityContext(NODE_UID),
                  ...httpProbes(PORTS.modelApi),
                  volumeMounts: [tmp.mount],
                },
              ],
              volumes: [tmp.volume],
            },
          },
        },
      },
      { parent: this },
    );

    exposeHttpServer(
      name,
      "api",
      { namespace: args.namespace, labels, service: this.service, port: PORTS.modelApi, access: "modelApi", serviceType: args.serviceType, ingress: args.ingress },
      { parent: this },
    );
    this.registerOutputs({ url: this.url, image: this.image });
  }
}
