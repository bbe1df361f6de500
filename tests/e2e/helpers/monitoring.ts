// Monitoring as a cluster usually has it, set up the way kube-prometheus-stack does, in the
// `monitoring` namespace of the real-node cluster: the Prometheus Operator (its CRDs, RBAC
// and Deployment from its own source tree's examples), a Prometheus it runs from a
// `Prometheus` object that selects ServiceMonitors labelled `release: <release>` in every
// namespace, and a Pushgateway that Prometheus scrapes with `honorLabels`. Every image is
// built from the Go module proxy (scripts/e2e/build-toolchain.sh, scripts/cluster/images.sh
// monitoring-images) under its upstream name.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";

import type { Cluster } from "../../../scripts/cluster/cluster";
import { KubeError, ResourcePaths, conditionStatus, waitFor, type KubeClient, type KubeObject } from "../../../scripts/cluster/kube";
import { prometheusOperatorSource } from "../../../scripts/cluster/toolchain";

export const MONITORING_NS = "monitoring";
/** The images the monitoring stack runs (scripts/cluster/images.sh MONITORING_IMAGES builds them). */
export const MONITORING_IMAGES = {
  prometheus: "quay.io/prometheus/prometheus:v3.5.0",
  operator: "quay.io/prometheus-operator/prometheus-operator:v0.85.0",
  configReloader: "quay.io/prometheus-operator/prometheus-config-reloader:v0.85.0",
  pushgateway: "quay.io/prometheus/pushgateway:v1.11.5",
} as const;
const PUSHGATEWAY_PORT = 9091;

/** Creates the object, or leaves it when it is there already. */
async function ensure(client: KubeClient, paths: ResourcePaths, obj: KubeObject): Promise<void> {
  const objectPath = await paths.objectPath(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
  try {
    await client.create(objectPath.slice(0, objectPath.lastIndexOf("/")), obj);
  } catch (e) {
    if (!(e instanceof KubeError && e.status === 409)) throw e;
  }
}

const CLUSTER_SCOPED = new Set(["CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Namespace"]);

/** Upstream's example manifests, moved from `default` to the monitoring namespace. */
function upstreamManifests(dir: string): KubeObject[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => YAML.parseAllDocuments(readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJSON() as KubeObject))
    .filter((o) => o && o.kind)
    .map((o) => {
      if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = MONITORING_NS;
      for (const s of o.subjects ?? []) if (s.namespace) s.namespace = MONITORING_NS;
      return o;
    });
}

export interface MonitoringStack {
  /** The Pushgateway's in-cluster URL (the stack's pushgatewayUrl). */
  pushgatewayUrl: string;
  /** An instant query to Prometheus' HTTP API; the result vector or matrix. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** Prometheus' active targets (its /api/v1/targets). */
  targets(): Promise<KubeObject[]>;
  remove(): Promise<void>;
}

/** Sets up the operator, Prometheus and the Pushgateway; resolves once Prometheus answers. */
export async function startMonitoring(cluster: Cluster, release: string): Promise<MonitoringStack> {
  const client = cluster.client;
  const paths = new ResourcePaths(client);
  const example = path.join(prometheusOperatorSource(), "example");

  // The CRDs, served before anything uses them.
  const crds = upstreamManifests(path.join(example, "prometheus-operator-crd"));
  for (const crd of crds) await ensure(client, paths, crd);
  for (const crd of crds) {
    await waitFor(`CRD ${crd.metadata.name} established`, async () => {
      const live = await client.find(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      return live && conditionStatus(live, "Established") === "True" ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
  }
  const fresh = new ResourcePaths(client); // the new kinds
  await ensure(client, fresh, { apiVersion: "v1", kind: "Namespace", metadata: { name: MONITORING_NS } });
  // The operator's and Prometheus' ServiceAccounts, roles and bindings, and the operator's
  // Deployment; not upstream's own monitoring of the operator or its example Prometheus.
  const rbac = [...upstreamManifests(path.join(example, "rbac", "prometheus-operator")), ...upstreamManifests(path.join(example, "rbac", "prometheus"))].filter(
    (o) => o.kind !== "ServiceMonitor" && o.kind !== "Prometheus",
  );
  for (const o of rbac) await ensure(client, fresh, o);

  const pgwLabels = { "app.kubernetes.io/name": "pushgateway" };
  await ensure(client, fresh, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "pushgateway", namespace: MONITORING_NS, labels: pgwLabels },
    spec: {
      selector: { matchLabels: pgwLabels },
      template: {
        metadata: { labels: pgwLabels },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "pushgateway",
              image: MONITORING_IMAGES.pushgateway,
              ports: [{ name: "http", containerPort: PUSHGATEWAY_PORT }],
              readinessProbe: { httpGet: { path: "/-/ready", port: PUSHGATEWAY_PORT }, periodSeconds: 2 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  });
  await ensure(client, fresh, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "pushgateway", namespace: MONITORING_NS, labels: pgwLabels },
    spec: { selector: pgwLabels, ports: [{ name: "http", port: PUSHGATEWAY_PORT, targetPort: PUSHGATEWAY_PORT }] },
  });
  // As the prometheus-pushgateway chart does: honorLabels keeps the pushed job and namespace.
  await ensure(client, fresh, {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: "pushgateway", namespace: MONITORING_NS, labels: { release } },
    spec: { selector: { matchLabels: pgwLabels }, endpoints: [{ port: "http", honorLabels: true, interval: "10s" }] },
  });
  await ensure(client, fresh, {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "Prometheus",
    metadata: { name: release, namespace: MONITORING_NS },
    spec: {
      image: MONITORING_IMAGES.prometheus,
      version: MONITORING_IMAGES.prometheus.split(":")[1],
      replicas: 1,
      serviceAccountName: "prometheus",
      // kube-prometheus-stack's defaults: ServiceMonitors of the release, in every namespace.
      serviceMonitorSelector: { matchLabels: { release } },
      serviceMonitorNamespaceSelector: {},
      podMonitorSelector: { matchLabels: { release } },
      podMonitorNamespaceSelector: {},
      scrapeInterval: "10s",
      resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "1Gi" } },
    },
  });

  const podName = `prometheus-${release}-0`;
  const pod = await waitFor(`${podName} Ready`, async () => {
    const p = await client.find(`/api/v1/namespaces/${MONITORING_NS}/pods/${podName}`);
    return p && conditionStatus(p, "Ready") === "True" ? p : undefined;
  }, { timeoutMs: 300_000, intervalMs: 2000 });
  await waitFor("the Pushgateway Ready", async () => {
    const d = await client.find(`/apis/apps/v1/namespaces/${MONITORING_NS}/deployments/pushgateway`);
    return d && (d.status?.readyReplicas ?? 0) >= 1 ? true : undefined;
  }, { timeoutMs: 180_000, intervalMs: 2000 });
  const base = `http://${pod.status.podIP}:9090`;
  const api = async (p: string): Promise<KubeObject> => {
    const res = await fetch(`${base}${p}`, { signal: AbortSignal.timeout(15_000) });
    const body = (await res.json()) as KubeObject;
    if (body.status !== "success") throw new Error(`Prometheus ${p}: ${JSON.stringify(body).slice(0, 400)}`);
    return body.data;
  };
  return {
    pushgatewayUrl: `http://pushgateway.${MONITORING_NS}.svc:${PUSHGATEWAY_PORT}`,
    query: async (expr) => (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    targets: async () => (await api("/api/v1/targets?state=active")).activeTargets,
    remove: async () => {
      await client.request("DELETE", `/api/v1/namespaces/${MONITORING_NS}`).catch(() => undefined);
      for (const o of rbac) {
        if (!CLUSTER_SCOPED.has(o.kind)) continue;
        const p = await fresh.objectPath(o.apiVersion, o.kind, undefined, o.metadata.name).catch(() => undefined);
        if (p) await client.request("DELETE", p).catch(() => undefined);
      }
    },
  };
}
