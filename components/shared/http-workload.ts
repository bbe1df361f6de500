/**
 * The Service and Deployment of an HTTP server part (drifter, model API, MLflow): one
 * named `http` port, one container that runs non-root on a read-only root filesystem with
 * a /tmp scratch volume, in a pod hardened by restrictedPod. Each part gives what is its
 * own (image, command, env, probes, resources); the rest is the same everywhere.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceType } from "../../stacks/profiles";
import { containerSecurityContext, restrictedPod, scratch, serviceHost } from "./pod";

export interface HttpService {
  service: k8s.core.v1.Service;
  /** `<svc>.<ns>.svc.cluster.local` */
  host: pulumi.Output<string>;
  /** `http://<host>:<port>` */
  url: pulumi.Output<string>;
}

/** A Service with one `http` port selecting the part's pods. */
export function httpService(
  name: string,
  args: { namespace: pulumi.Input<string>; labels: Record<string, string>; type: ServiceType; port: number },
  opts: pulumi.CustomResourceOptions,
): HttpService {
  const service = new k8s.core.v1.Service(
    `${name}-svc`,
    {
      metadata: { namespace: args.namespace, labels: args.labels },
      spec: { type: args.type, selector: args.labels, ports: [{ name: "http", port: args.port, targetPort: args.port, protocol: "TCP" }] },
    },
    opts,
  );
  const host = serviceHost(service);
  return { service, host, url: pulumi.interpolate`http://${host}:${args.port}` };
}

/** The part's own container settings; ports, security context and the /tmp mount are added. */
export type HttpContainer = Omit<k8s.types.input.core.v1.Container, "ports" | "securityContext" | "volumeMounts">;

export interface HttpDeploymentArgs {
  namespace: pulumi.Input<string>;
  /** Labels of the Deployment and its selector. */
  labels: Record<string, string>;
  /** The pods' labels (default: `labels`), e.g. with access labels for NetworkPolicies. */
  podLabels?: Record<string, string>;
  replicas: pulumi.Input<number>;
  /** Roll updates one new pod at a time, never below the replica count (default: Kubernetes' strategy). */
  surge?: boolean;
  serviceAccountName: pulumi.Input<string>;
  uid: number;
  terminationGracePeriodSeconds?: number;
  /** Size limit of the /tmp scratch volume (default: scratch's). */
  tmpSizeLimit?: string;
  port: number;
  container: HttpContainer;
  /** Volumes besides /tmp (e.g. a Secret mounted read-only). */
  volumes?: { volume: k8s.types.input.core.v1.Volume; mount: k8s.types.input.core.v1.VolumeMount }[];
  /** Pod template annotations (e.g. the credentials hash that rolls the pods when a credential changes). */
  podAnnotations?: Record<string, pulumi.Input<string>>;
}

export function httpDeployment(name: string, args: HttpDeploymentArgs, opts: pulumi.CustomResourceOptions): k8s.apps.v1.Deployment {
  const tmp = scratch("tmp", "/tmp", args.tmpSizeLimit);
  return new k8s.apps.v1.Deployment(
    `${name}-deploy`,
    {
      metadata: { namespace: args.namespace, labels: args.labels },
      spec: {
        replicas: args.replicas,
        selector: { matchLabels: args.labels },
        ...(args.surge ? { strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } } : {}),
        template: {
          metadata: { labels: args.podLabels ?? args.labels, ...(args.podAnnotations ? { annotations: args.podAnnotations } : {}) },
          spec: {
            ...restrictedPod(args.serviceAccountName, args.uid),
            ...(args.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: args.terminationGracePeriodSeconds } : {}),
            containers: [
              {
                ...args.container,
                ports: [{ name: "http", containerPort: args.port }],
                securityContext: containerSecurityContext(args.uid),
                volumeMounts: [tmp.mount, ...(args.volumes ?? []).map((v) => v.mount)],
              },
            ],
            volumes: [tmp.volume, ...(args.volumes ?? []).map((v) => v.volume)],
          },
        },
      },
    },
    opts,
  );
}
