/**
 * The pod and container settings every workload shares: restricted Pod Security (non-root,
 * no privilege escalation, all capabilities dropped, RuntimeDefault seccomp), a read-only
 * root filesystem with a writable emptyDir where the process needs one, and env helpers
 * that reference Secrets by key instead of copying values.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Input<T> = pulumi.Input<T>;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** The Node workload images (node:20-bookworm-slim) run as the `node` user. */
export const NODE_UID = 1000;

export function podSecurityContext(uid: number, fsGroup?: number): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    ...(fsGroup !== undefined ? { fsGroup, fsGroupChangePolicy: "OnRootMismatch" } : {}),
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * What every pod of the platform sets: its own ServiceAccount without an API token (no part
 * calls the Kubernetes API), no Service env vars (names like MLFLOW_SVC_..._PORT must not leak
 * into the processes' config), and the restricted pod security context.
 */
export function restrictedPod(serviceAccountName: Input<string>, uid: number, fsGroup?: number) {
  return {
    serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: podSecurityContext(uid, fsGroup),
  };
}

export function containerSecurityContext(uid: number): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** A writable scratch directory (emptyDir, size-capped) for a read-only container. */
export function scratch(name: string, mountPath: string, sizeLimit = "256Mi") {
  return {
    volume: { name, emptyDir: { sizeLimit } } as k8s.types.input.core.v1.Volume,
    mount: { name, mountPath } as k8s.types.input.core.v1.VolumeMount,
  };
}

export function plainEnv(name: string, value: Input<string> | number | boolean): EnvVar {
  return { name, value: typeof value === "number" || typeof value === "boolean" ? String(value) : value };
}

export function secretEnv(name: string, secretName: Input<string>, key: string): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** HTTP probes on the workload contract's /healthz (liveness) and /readyz (readiness). */
export function httpProbes(port: number, paths = { live: "/healthz", ready: "/readyz" }) {
  return {
    livenessProbe: { httpGet: { path: paths.live, port }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: paths.ready, port }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
    startupProbe: { httpGet: { path: paths.live, port }, periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 30 },
  };
}

/** `<svc>.<ns>.svc.cluster.local` of a Service. */
export function serviceHost(svc: k8s.core.v1.Service): pulumi.Output<string> {
  return pulumi.interpolate`${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`;
}

/**
 * A ServiceAccount of its own per workload, with no API token mounted: no drift-loop part
 * calls the Kubernetes API, so none is granted any Role (least privilege is no privilege).
 */
export function serviceAccount(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.core.v1.ServiceAccount {
  return new k8s.core.v1.ServiceAccount(name, { metadata: { namespace, labels }, automountServiceAccountToken: false }, opts);
}
