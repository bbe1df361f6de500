/**
 * Requests and limits per part and size. "small" fits a laptop Minikube (the whole platform
 * requests under 1.5 CPU and 2.5 GiB); "medium" and "large" scale it for a shared cluster.
 */
import type { Size } from "./args";

export type Part = "postgres" | "minio" | "minioInit" | "mlflow" | "mlflowUsers" | "drifter" | "modelApi" | "driftJob" | "traffic" | "backupDump" | "backupUpload";

interface Res {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** Small-size base in millicores and MiB: [request cpu, request mem, limit cpu, limit mem]. */
const BASE: Record<Part, [number, number, number, number]> = {
  postgres: [100, 256, 1000, 512],
  minio: [100, 256, 1000, 1024],
  minioInit: [50, 128, 500, 256],
  mlflow: [100, 512, 1000, 1024],
  mlflowUsers: [50, 96, 500, 192],
  drifter: [50, 128, 500, 256],
  modelApi: [100, 192, 1000, 384],
  driftJob: [200, 384, 1000, 1024],
  traffic: [50, 128, 500, 256],
  backupDump: [50, 128, 500, 256],
  backupUpload: [50, 128, 500, 256],
};

const FACTOR: Record<Size, number> = { small: 1, medium: 2, large: 4 };

export function resourcesFor(part: Part, size: Size): Res {
  const [rc, rm, lc, lm] = BASE[part];
  const f = FACTOR[size];
  return {
    requests: { cpu: `${rc * f}m`, memory: `${rm * f}Mi` },
    limits: { cpu: `${lc * f}m`, memory: `${lm * f}Mi` },
  };
}

/**
 * Threads a part can keep busy within its CPU limit: whole cores, at least 0 (Node's
 * availableParallelism() inside a pod counts the node's CPUs, not the pod's quota).
 */
export function coresFor(part: Part, size: Size): number {
  return Math.floor((BASE[part][2] * FACTOR[size]) / 1000);
}
