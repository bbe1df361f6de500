/**
 * The pods of every workload, built in one place: `PodBuilder` (after pulumi-kubernetesx's
 * PodBuilder) takes what a part owns (its container, labels, volumes, probes) and returns
 * the spec of a Deployment, a StatefulSet, a Job or a CronJob around one pod template that
 * is hardened the same way everywhere: restricted Pod Security (non-root, no privilege
 * escalation, all capabilities dropped, RuntimeDefault seccomp), a read-only root
 * filesystem with writable emptyDirs where the process needs one, its own ServiceAccount
 * with no API token, and no Service env vars. The env helpers reference Secrets by key
 * instead of copying values.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Input<T> = pulumi.Input<T>;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type Probe = k8s.types.input.core.v1.Probe;

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

/** A volume of the pod and where its container mounts it. */
export interface PodVolume {
  volume: k8s.types.input.core.v1.Volume;
  mount: k8s.types.input.core.v1.VolumeMount;
}

/** A writable scratch directory (emptyDir, size-capped) for a read-only container. */
export function scratch(name: string, mountPath: string, sizeLimit: Input<string> = "256Mi"): PodVolume {
  return { volume: { name, emptyDir: { sizeLimit } }, mount: { name, mountPath } };
}

export function plainEnv(name: string, value: Input<string> | number | boolean): EnvVar {
  return { name, value: typeof value === "number" || typeof value === "boolean" ? String(value) : value };
}

export function secretEnv(name: string, secretName: Input<string>, key: string): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** The three probes of a long-running container. */
export interface Probes {
  liveness: Probe;
  readiness: Probe;
  startup: Probe;
}

/** HTTP probes on the workload contract's /healthz (liveness) and /readyz (readiness). */
export function httpProbes(port: number, paths = { live: "/healthz", ready: "/readyz" }): Probes {
  return {
    liveness: { httpGet: { path: paths.live, port }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readiness: { httpGet: { path: paths.ready, port }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
    startup: { httpGet: { path: paths.live, port }, periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 30 },
  };
}

/** `<svc>.<ns>.svc.cluster.local` of a Service. */
export function serviceHost(svc: k8s.core.v1.Service): pulumi.Output<string> {
  return pulumi.interpolate`${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`;
}

/**
 * A ServiceAccount of its own per workload, with no API token mounted: no drift-loop part
 * calls the Kubernetes API, so none is granted any Role (least privilege is no privilege).
 * `annotations` give it a cloud identity (IRSA, Workload Identity: an external S3 store);
 * the cloud's webhook mounts that identity's own token, not the API token.
 */
export function serviceAccount(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, opts: pulumi.CustomResourceOptions, annotations?: Record<string, string>): k8s.core.v1.ServiceAccount {
  const metadata = { namespace, labels, ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}) };
  return new k8s.core.v1.ServiceAccount(name, { metadata, automountServiceAccountToken: false }, opts);
}

/** What a part gives of its container; the builder adds the security context, the mounts and the probes. */
export type PodContainer = Omit<k8s.types.input.core.v1.Container, "securityContext" | "volumeMounts" | "livenessProbe" | "readinessProbe" | "startupProbe">;

/** What a part owns of its pod. */
export interface PodArgs {
  /** Labels of the pod (Service selectors and NetworkPolicies match them, with any access labels). */
  labels: Record<string, string>;
  /** Pod template annotations (e.g. the credentials hash that rolls the pods when a credential they read at start changes). Defaults to none. */
  annotations?: Record<string, Input<string>>;
  /** The pod's own ServiceAccount (components/shared/pod.ts serviceAccount): no API token is mounted. */
  serviceAccountName: Input<string>;
  /** uid and gid of the container (the image's non-root user). */
  uid: number;
  /** fsGroup of the pod's volumes (a data volume the process writes). Defaults to none: the volumes keep their owner. */
  fsGroup?: number;
  /** Seconds between SIGTERM and SIGKILL. Defaults to Kubernetes' 30. */
  terminationGracePeriodSeconds?: number;
  /** The one container: image, command, env, ports, resources. */
  container: PodContainer;
  /**
   * Containers that run to completion, in order, before it (e.g. a pg_dump from another
   * image into a scratch volume): hardened the same way, with the same uid and mounts. Defaults to none.
   */
  initContainers?: PodContainer[];
  /** Its probes. Defaults to none (run-to-completion pods). */
  probes?: Probes;
  /** Its volumes, mounted in this order (scratch() for writable directories). Defaults to none. */
  volumes?: PodVolume[];
}

/** The data volume of a StatefulSet: a ReadWriteOnce claim per pod named `data`. */
export interface DataClaim {
  /** Where the container mounts it (before its other volumes). */
  mountPath: string;
  /** Requested size. */
  storageSize: Input<string>;
  /** Storage class. Defaults to the cluster's default class. */
  storageClass?: string;
  /** Labels of the claim. */
  labels: Record<string, string>;
}

/**
 * One pod template, as the spec of the workload kind that runs it:
 *
 *   const pod = new PodBuilder({ labels, serviceAccountName, uid: NODE_UID, container, volumes: [scratch("tmp", "/tmp")] });
 *   new k8s.apps.v1.Deployment(name, { metadata, spec: pod.asDeploymentSpec({ selector: labels, replicas: 2 }) });
 *   new k8s.batch.v1.Job(name, { metadata, spec: pod.asJobSpec({ restartPolicy: "OnFailure", backoffLimit: 6 }) });
 */
export class PodBuilder {
  constructor(readonly args: PodArgs) {}

  /** The pod template; `claimed` volumes (a StatefulSet's claim templates) are mounted first and not declared in the pod. */
  template(opts: { restartPolicy?: "Never" | "OnFailure"; claimed?: k8s.types.input.core.v1.VolumeMount[] } = {}): k8s.types.input.core.v1.PodTemplateSpec {
    const a = this.args;
    const volumes = a.volumes ?? [];
    const volumeMounts = [...(opts.claimed ?? []), ...volumes.map((v) => v.mount)];
    const probes = a.probes ? { livenessProbe: a.probes.liveness, readinessProbe: a.probes.readiness, startupProbe: a.probes.startup } : {};
    return {
      metadata: { labels: a.labels, ...(a.annotations ? { annotations: a.annotations } : {}) },
      spec: {
        ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
        serviceAccountName: a.serviceAccountName,
        // No part calls the Kubernetes API; no Service env vars (names like MLFLOW_SVC_..._PORT
        // must not leak into the processes' config).
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: podSecurityContext(a.uid, a.fsGroup),
        ...(a.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: a.terminationGracePeriodSeconds } : {}),
        ...(a.initContainers?.length
          ? { initContainers: a.initContainers.map((c) => ({ ...c, securityContext: containerSecurityContext(a.uid), volumeMounts })) }
          : {}),
        containers: [
          {
            ...a.container,
            ...probes,
            securityContext: containerSecurityContext(a.uid),
            volumeMounts,
          },
        ],
        volumes: volumes.map((v) => v.volume),
      },
    };
  }

  /** A Deployment of `replicas` pods; `surge` rolls one new pod at a time, never below the replica count. */
  asDeploymentSpec(opts: {
    /** Labels that select the pods (a subset of the pod's labels). */
    selector: Record<string, string>;
    replicas: Input<number>;
    /** Roll with maxUnavailable 0, maxSurge 1. Defaults to false: Kubernetes' default strategy. */
    surge?: boolean;
  }): k8s.types.input.apps.v1.DeploymentSpec {
    return {
      replicas: opts.replicas,
      selector: { matchLabels: opts.selector },
      ...(opts.surge ? { strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } } : {}),
      template: this.template(),
    };
  }

  /** A StatefulSet of one pod with its data on a claim named `data`, mounted before the pod's other volumes. */
  asStatefulSetSpec(opts: {
    /** The Service that names the pods. */
    serviceName: Input<string>;
    /** Labels that select the pods. */
    selector: Record<string, string>;
    data: DataClaim;
  }): k8s.types.input.apps.v1.StatefulSetSpec {
    const d = opts.data;
    return {
      serviceName: opts.serviceName,
      replicas: 1,
      selector: { matchLabels: opts.selector },
      template: this.template({ claimed: [{ name: "data", mountPath: d.mountPath }] }),
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels: d.labels },
          spec: {
            accessModes: ["ReadWriteOnce"],
            ...(d.storageClass ? { storageClassName: d.storageClass } : {}),
            resources: { requests: { storage: d.storageSize } },
          },
        },
      ],
    };
  }

  /** A Job of the pod: `restartPolicy` and the Job's own settings (backoffLimit, activeDeadlineSeconds, ...). */
  asJobSpec(opts: { restartPolicy: "Never" | "OnFailure" } & Omit<k8s.types.input.batch.v1.JobSpec, "template">): k8s.types.input.batch.v1.JobSpec {
    const { restartPolicy, ...job } = opts;
    return { ...job, template: this.template({ restartPolicy }) };
  }

  /** A CronJob of the pod: the schedule and policy, and its Jobs' spec (labelled `jobLabels`). */
  asCronJobSpec(opts: {
    cron: Omit<k8s.types.input.batch.v1.CronJobSpec, "jobTemplate">;
    jobLabels: Record<string, string>;
    job: { restartPolicy: "Never" | "OnFailure" } & Omit<k8s.types.input.batch.v1.JobSpec, "template">;
  }): k8s.types.input.batch.v1.CronJobSpec {
    return { ...opts.cron, jobTemplate: { metadata: { labels: opts.jobLabels }, spec: this.asJobSpec(opts.job) } };
  }
}
