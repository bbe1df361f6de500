/**
 * The vocabulary every part's component takes: the values a Service type, an image pull
 * policy and a size may have (stacks/profiles.ts picks among them; the config parser checks
 * against them), and the arguments every part and every exposed part share.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { IngressSettings } from "./network";

/** Type of the Services people reach (MLflow, the MinIO console, the drifter, the model API). */
export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** imagePullPolicy of a container. */
export const PULL_POLICIES = ["IfNotPresent", "Always", "Never"] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

/** Requests/limits scale of every container (components/shared/resources.ts). */
export const SIZES = ["small", "medium", "large"] as const;
export type Size = (typeof SIZES)[number];

export interface PartArgs {
  /** Namespace to deploy into. */
  namespace: pulumi.Input<string>;
  /** imagePullPolicy of the part's images. */
  imagePullPolicy: pulumi.Input<string>;
  /** Requests/limits scale. */
  size: Size;
}

/** A part with a Service that may be exposed (drifter, model API, MLflow, MinIO). */
export interface ExposedPartArgs extends PartArgs {
  /** Service type. */
  serviceType: ServiceType;
  /** Expose through an Ingress at this host (with this class). Defaults to no Ingress: reachable in the cluster (and through the Service type) only. */
  ingress?: IngressSettings;
}
