/**
 * The StatefulSet of a part that keeps data (Postgres, MinIO): one replica, one container
 * that runs non-root on a read-only root filesystem, its data on a ReadWriteOnce volume
 * claim named `data` (owned by the pod's uid through fsGroup), and scratch volumes for what
 * the program writes elsewhere. Each part gives what is its own.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, restrictedPod, type scratch } from "./pod";

export interface DataStatefulSetArgs {
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  /** The headless or regular Service that names the pods. */
  serviceName: pulumi.Input<string>;
  serviceAccountName: pulumi.Input<string>;
  /** The container's uid, also the fsGroup of its volumes. */
  uid: number;
  terminationGracePeriodSeconds?: number;
  /** Where the data volume is mounted. */
  dataPath: string;
  storageSize: pulumi.Input<string>;
  /** Storage class of the data volume (default: the cluster's). */
  storageClass?: string;
  /** Scratch volumes (pod.ts scratch), mounted after the data volume in this order. */
  scratches: ReturnType<typeof scratch>[];
  container: Omit<k8s.types.input.core.v1.Container, "securityContext" | "volumeMounts">;
  /** Pod template annotations (e.g. the credentials hash that restarts the pod when a credential it reads at start changes). */
  podAnnotations?: Record<string, pulumi.Input<string>>;
}

export function dataStatefulSet(name: string, args: DataStatefulSetArgs, opts: pulumi.CustomResourceOptions): k8s.apps.v1.StatefulSet {
  return new k8s.apps.v1.StatefulSet(
    `${name}-sts`,
    {
      metadata: { namespace: args.namespace, labels: args.labels },
      spec: {
        serviceName: args.serviceName,
        replicas: 1,
        selector: { matchLabels: args.labels },
        template: {
          metadata: { labels: args.labels, ...(args.podAnnotations ? { annotations: args.podAnnotations } : {}) },
          spec: {
            ...restrictedPod(args.serviceAccountName, args.uid, args.uid),
            ...(args.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: args.terminationGracePeriodSeconds } : {}),
            containers: [
              {
                ...args.container,
                securityContext: containerSecurityContext(args.uid),
                volumeMounts: [{ name: "data", mountPath: args.dataPath }, ...args.scratches.map((s) => s.mount)],
              },
            ],
            volumes: args.scratches.map((s) => s.volume),
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data", labels: args.labels },
            spec: {
              accessModes: ["ReadWriteOnce"],
              ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
              resources: { requests: { storage: args.storageSize } },
            },
          },
        ],
      },
    },
    opts,
  );
}
