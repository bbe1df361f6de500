/**
 * Labels shared by every part. Pods that talk to another part carry that part's access
 * label; the part's NetworkPolicy admits exactly the pods with it. So a new client is
 * allowed in by labelling its pods, not by editing the server's policy.
 */

export const PART_OF = "drift-loop";

/** Standard app labels of one part (used as Service selector and pod labels). */
export function appLabels(part: string, instance: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": part,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/part-of": PART_OF,
  };
}

/** Access labels: a pod with `ACCESS.x: "true"` may open connections to part x. */
export const ACCESS = {
  postgres: "drift-loop.dev/postgres-client",
  minio: "drift-loop.dev/s3-client",
  mlflow: "drift-loop.dev/mlflow-client",
  drifter: "drift-loop.dev/drifter-client",
  modelApi: "drift-loop.dev/model-api-client",
} as const;

export type AccessTarget = keyof typeof ACCESS;

/** Labels that grant a pod access to the given parts. */
export function accessLabels(...targets: AccessTarget[]): Record<string, string> {
  return Object.fromEntries(targets.map((t) => [ACCESS[t], "true"]));
}
