/**
 * Environment profiles: the defaults a stack gets from `drift-loop:profile`. A stack's own
 * config may override any of these values (see infra/config/); the profile only decides
 * what a key means when the stack leaves it unset. The values a profile may pick (Service
 * types, pull policies, sizes) are the components' own (components/shared/args.ts).
 */
import type { PullPolicy, ServiceType, Size } from "../components/shared/args";

export const PROFILE_NAMES = ["minikube", "cloud"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface Profile {
  /** Type of the Services users reach (MLflow, MinIO console, drifter, model API). */
  serviceType: ServiceType;
  /** StorageClass of the PVCs; "" = the cluster's default class. */
  storageClass: string;
  /** Requests/limits scale of every container (see components/shared/resources.ts). */
  size: Size;
  /** Size of the Postgres data volume. */
  postgresStorage: string;
  /** Size of the MinIO data volume. */
  minioStorage: string;
  /** Image repository prefix: "drift-loop" (local daemon) or "<registry host>/<owner>". "" = must be set by the stack. */
  imageRegistry: string;
  /** imagePullPolicy of every container. */
  imagePullPolicy: PullPolicy;
  /** Build our images with @pulumi/docker during `pulumi up`. */
  buildImages: boolean;
  /** Push built images to `imageRegistry` (cloud) or keep them in the local daemon (Minikube). */
  pushImages: boolean;
  /** Expose MLflow through a TLS Ingress (the drifter, model API and MinIO console too when their expose* key is true). */
  ingressEnabled: boolean;
  /** IngressClass of those Ingresses. */
  ingressClassName: string;
  /** Namespace of the ingress controller (allowed through the NetworkPolicies). */
  ingressControllerNamespace: string;
  /** Replicas of the drifter and model API Deployments. */
  replicas: number;
}

export const PROFILES: Readonly<Record<ProfileName, Readonly<Profile>>> = {
  minikube: {
    serviceType: "ClusterIP",
    storageClass: "standard",
    size: "small",
    postgresStorage: "2Gi",
    minioStorage: "5Gi",
    imageRegistry: "drift-loop",
    imagePullPolicy: "IfNotPresent",
    buildImages: true,
    pushImages: false,
    ingressEnabled: false,
    ingressClassName: "nginx",
    ingressControllerNamespace: "ingress-nginx",
    replicas: 1,
  },
  cloud: {
    serviceType: "ClusterIP",
    storageClass: "",
    size: "medium",
    postgresStorage: "20Gi",
    minioStorage: "100Gi",
    imageRegistry: "",
    imagePullPolicy: "IfNotPresent",
    buildImages: true,
    pushImages: true,
    ingressEnabled: true,
    ingressClassName: "nginx",
    ingressControllerNamespace: "ingress-nginx",
    replicas: 2,
  },
};

export function isProfileName(v: string): v is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(v);
}
