// Driving a deployed stack from this machine (the e2e test and `npm run demo`): run a
// CronJob once, as `kubectl create job --from=cronjob/...` does, and find a Service's
// address. The real node's kube-proxy makes ClusterIPs reachable from the host.
import type { Client } from "minio";
import { readServerVersions } from "../../components/images/versions";
import { s3Client } from "../../lib/s3";
import { CONFIG_KEYS } from "../../infra/config/keys";
import { PROFILES } from "../../stacks/profiles";
import { KubeClient, conditionStatus, waitFor, type KubeObject } from "./kube";
import { REPO_ROOT } from "./toolchain";

/** The registry prefix and tag the minikube profile references our images by (buildImages=false). */
export const LOCAL_IMAGES = { registry: PROFILES.minikube.imageRegistry, tag: String(CONFIG_KEYS.imageTag.default) } as const;

/** Every image the stack runs with buildImages=false and the default pins (scripts/cluster/images.sh builds them under these names). */
export function stackImages(): string[] {
  const v = readServerVersions(REPO_ROOT);
  const { registry, tag } = LOCAL_IMAGES;
  return [`${registry}/drifter:${tag}`, `${registry}/drift-job:${tag}`, `${registry}/model-api:${tag}`, `${registry}/mlflow:${v.mlflow}`, `${registry}/minio:${v.minioRelease}`, String(CONFIG_KEYS.postgresImage.default)];
}

/** The pods of a namespace, one line each with phase and container states (for error messages). */
export async function podSummary(client: KubeClient, ns: string): Promise<string> {
  const pods = await client.list(`/api/v1/namespaces/${ns}/pods`);
  return pods.map((p) => `${p.metadata.name}: ${p.status?.phase} ${JSON.stringify((p.status?.containerStatuses ?? []).map((c: KubeObject) => c.state))}`).join("\n");
}

/** The CronJob whose pod runs a container of this name (Pulumi appends a suffix to the names). */
export async function cronJobRunning(client: KubeClient, ns: string, container: string): Promise<KubeObject> {
  const cronJobs = await client.list(`/apis/batch/v1/namespaces/${ns}/cronjobs`);
  const cj = cronJobs.find((c) => c.spec.jobTemplate.spec.template.spec.containers[0].name === container);
  if (!cj) throw new Error(`no CronJob in ${ns} runs a container named ${container} (found: ${cronJobs.map((c) => c.metadata.name).join(", ") || "none"})`);
  return cj;
}

export interface JobRun {
  name: string;
  job: KubeObject;
  succeeded: boolean;
  /** The logs of the Job's pods (for a failure message, or to show). */
  logs: string;
  seconds: number;
}

/**
 * Create a Job from a CronJob's template and wait until it completes or fails. `env` is added
 * to its container (as `kubectl set env` would), e.g. DRIFT_WINDOW_END to check the hour up
 * to now instead of the last full hour.
 */
export async function runCronJobOnce(client: KubeClient, ns: string, container: string, timeoutMs: number, env: Record<string, string> = {}): Promise<JobRun> {
  const cj = await cronJobRunning(client, ns, container);
  const spec = structuredClone(cj.spec.jobTemplate.spec);
  const c = spec.template.spec.containers[0];
  c.env = [...(c.env ?? []).filter((e: { name: string }) => !(e.name in env)), ...Object.entries(env).map(([name, value]) => ({ name, value }))];
  const started = Date.now();
  const name = `${cj.metadata.name.slice(0, 40)}-manual-${started % 100000}`;
  await client.create(`/apis/batch/v1/namespaces/${ns}/jobs`, {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: ns,
      annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
      labels: cj.spec.jobTemplate.metadata?.labels ?? {},
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cj.metadata.name, uid: cj.metadata.uid, controller: true }],
    },
    spec,
  });
  let job: KubeObject;
  try {
    job = await waitFor(`Job ${name}`, async () => {
      const j = await client.get(`/apis/batch/v1/namespaces/${ns}/jobs/${name}`);
      return conditionStatus(j, "Complete") === "True" || conditionStatus(j, "Failed") === "True" ? j : undefined;
    }, { timeoutMs, intervalMs: 1000 });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await podSummary(client, ns)}`);
  }
  const pods = (await client.list(`/api/v1/namespaces/${ns}/pods`)).filter((p) => p.metadata.labels?.["job-name"] === name);
  // Every container's log, init containers first (a failed init container is why the main one never ran).
  const logs = await Promise.all(pods.flatMap((p) =>
    [...(p.spec.initContainers ?? []), ...p.spec.containers].map(async (c: { name: string }) =>
      `[${p.metadata.name} ${c.name}]\n${(await client.raw("GET", `/api/v1/namespaces/${ns}/pods/${p.metadata.name}/log?container=${c.name}`)).text}`)));
  return { name, job, succeeded: conditionStatus(job, "Complete") === "True", logs: logs.join("\n---\n"), seconds: Math.round((Date.now() - started) / 1000) };
}

/** http://<ClusterIP>:<port> of the Service whose name starts with `part` and has that port. */
export async function serviceAddress(client: KubeClient, ns: string, part: string, port: number): Promise<string> {
  const services = await client.list(`/api/v1/namespaces/${ns}/services`);
  const svc = services.find((s) => s.metadata.name.startsWith(part) && (s.spec.ports as Array<{ port: number }>).some((p) => p.port === port));
  if (!svc) throw new Error(`no Service ${part}* on port ${port} in ${ns} (found: ${services.map((s) => s.metadata.name).join(", ") || "none"})`);
  return `http://${svc.spec.clusterIP}:${port}`;
}

/** A client of the stack's MinIO at its ClusterIP, with the root user of the stack's outputs (`pulumi stack output --json --show-secrets`). */
export async function stackS3(client: KubeClient, ns: string, outputs: Readonly<Record<string, string>>): Promise<Client> {
  const { minioRootUser, minioRootPassword } = outputs;
  if (!minioRootUser || !minioRootPassword || minioRootPassword === "[secret]") {
    throw new Error("the stack outputs lack minioRootUser/minioRootPassword (run pulumi stack output --json --show-secrets)");
  }
  const minio = new URL(await serviceAddress(client, ns, "minio", 9000));
  return s3Client({ endPoint: minio.hostname, port: Number(minio.port), useSSL: false, accessKey: minioRootUser, secretKey: minioRootPassword });
}
