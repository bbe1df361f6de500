/** The arguments every part's component takes, and those the exposed parts add. */
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceType, Size } from "../../stacks/profiles";
import type { IngressSettings } from "./network";

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
  /** Expose through an Ingress at this host (with this class), when set. */
  ingress?: IngressSettings;
}
