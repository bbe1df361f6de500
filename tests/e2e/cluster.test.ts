// The e2e cluster itself: a real API server with real admission, controllers and
// scheduler, and kwok standing in for the kubelet. If these fail, nothing Pulumi does
// against the cluster can be trusted.
import assert from "node:assert/strict";

import { NODE_LEASE_SECONDS, type Cluster } from "../../scripts/cluster/cluster";
import { KubeError, conditionStatus, waitFor, type KubeObject } from "../../scripts/cluster/kube";
import { getCluster } from "./helpers/shared";

const KUBERNETES_VERSION = "v1.34.4";

describe("e2e cluster (etcd + kube-apiserver + controllers + scheduler + kwok)", function () {
  let cluster: Cluster;

  before(async function () {
    this.timeout(0); // may build the toolchain (cold: tens of minutes)
    cluster = await getCluster();
  });

  it("serves /version with the pinned Kubernetes release", async () => {
    const v = await cluster.client.get("/version");
    assert.equal(v.gitVersion, KUBERNETES_VERSION);
    assert.equal(v.major, "1");
    assert.equal(v.minor, "34");
  });

  it("reports /readyz ok over mutual TLS and refuses anonymous clients", async () => {
    const ready = await cluster.client.raw("GET", "/readyz");
    assert.equal(ready.status, 200);
    assert.equal(ready.text, "ok");
    const https = await import("node:https");
    const { readFileSync } = await import("node:fs");
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(`${cluster.server}/api/v1/namespaces`, { ca: readFileSync(cluster.client.creds.ca) }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on("error", reject);
    });
    assert.ok(status === 401 || status === 403, `anonymous request got HTTP ${status}`);
  });

  it("has a Ready node managed by kwok", async () => {
    const node = await cluster.client.get(`/api/v1/nodes/${cluster.nodeNames[0]}`);
    assert.equal(conditionStatus(node, "Ready"), "True");
    assert.equal(node.metadata.annotations["kwok.x-k8s.io/node"], "fake");
  });

  it("renews the node's Lease as a kubelet does, so the node stays Ready", async () => {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${cluster.nodeNames[0]}`;
    const first: KubeObject = await waitFor("node Lease", () => cluster.client.find(path), { timeoutMs: 30_000, intervalMs: 500 });
    assert.equal(first.spec.leaseDurationSeconds, NODE_LEASE_SECONDS);
    // kwok renews at a quarter of the duration (10 s): a later renewTime within two periods.
    const renewed = await waitFor("node Lease renewed", async () => {
      const l = await cluster.client.get(path);
      return l.spec.renewTime !== first.spec.renewTime ? l : undefined;
    }, { timeoutMs: (NODE_LEASE_SECONDS / 2) * 1000, intervalMs: 1000 });
    assert.ok(Date.parse(renewed.spec.renewTime) > Date.parse(first.spec.renewTime));
  });

  it("serves streaming lists (watch with initial events), which need etcd's watch progress requests", async () => {
    // kwok's informers ask for these; with an etcd that cannot answer progress requests the
    // stream ends with "RequestWatchProgress is disabled" and kwok falls behind.
    const events = await cluster.client.watchUntil(
      "/api/v1/namespaces/default/serviceaccounts?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
      (e) => e.type === "BOOKMARK" || e.type === "ERROR",
    );
    const last = events[events.length - 1];
    assert.equal(last?.type, "BOOKMARK", JSON.stringify(last));
    assert.equal(last.object.metadata.annotations?.["k8s.io/initial-events-end"], "true");
    assert.ok(events.some((e) => e.type === "ADDED" && e.object.metadata.name === "default"), "the initial events list the default ServiceAccount");
  });

  it("schedules a Deployment's pods onto the kwok node and marks them Ready", async () => {
    const ns = "e2e-cluster-deploy";
    await cluster.client.create("/api/v1/namespaces", { metadata: { name: ns } });
    await waitFor("default ServiceAccount", () => cluster.client.find(`/api/v1/namespaces/${ns}/serviceaccounts/default`));
    await cluster.client.create(`/apis/apps/v1/namespaces/${ns}/deployments`, {
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "registry.invalid/web:1.0.0" }] },
        },
      },
    });
    const dep = await waitFor("Deployment web available", async () => {
      const d = await cluster.client.get(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
      return d.status?.availableReplicas === 2 ? d : undefined;
    });
    assert.equal(conditionStatus(dep, "Available"), "True");
    const pods = await cluster.client.list(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`);
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      assert.equal(pod.spec.nodeName, cluster.nodeNames[0]);
      assert.equal(pod.status.phase, "Running");
      assert.equal(conditionStatus(pod, "Ready"), "True");
      assert.match(pod.status.podIP, /^10\.244\.0\.\d+$/);
    }
  });

  it("runs a Job's pod to completion", async () => {
    const ns = "e2e-cluster-job";
    await cluster.client.create("/api/v1/namespaces", { metadata: { name: ns } });
    await waitFor("default ServiceAccount", () => cluster.client.find(`/api/v1/namespaces/${ns}/serviceaccounts/default`));
    await cluster.client.create(`/apis/batch/v1/namespaces/${ns}/jobs`, {
      metadata: { name: "once" },
      spec: {
        template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "registry.invalid/job:1.0.0" }] } },
      },
    });
    // In seconds: kwok completes a Job's pod as soon as it is running (with a lagging watch
    // this once took about two minutes).
    const job = await waitFor("Job once complete", async () => {
      const j = await cluster.client.get(`/apis/batch/v1/namespaces/${ns}/jobs/once`);
      return conditionStatus(j, "Complete") === "True" ? j : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    assert.equal(job.status.succeeded, 1);
  });

  it("binds a PersistentVolumeClaim of the default StorageClass to a static volume", async () => {
    const ns = "e2e-cluster-pvc";
    await cluster.client.create("/api/v1/namespaces", { metadata: { name: ns } });
    await cluster.client.create(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, {
      metadata: { name: "data" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    });
    const pvc = await waitFor("PVC data Bound", async () => {
      const p = await cluster.client.get(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data`);
      return p.status?.phase === "Bound" ? p : undefined;
    });
    assert.equal(pvc.spec.storageClassName, cluster.storageClass);
    assert.match(pvc.spec.volumeName, /^e2e-pv-\d+$/);
  });

  it("enforces Pod Security 'restricted' on a labelled namespace", async () => {
    const ns = "e2e-cluster-restricted";
    await cluster.client.create("/api/v1/namespaces", {
      metadata: { name: ns, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    });
    await waitFor("default ServiceAccount", () => cluster.client.find(`/api/v1/namespaces/${ns}/serviceaccounts/default`));
    await assert.rejects(
      cluster.client.create(`/api/v1/namespaces/${ns}/pods`, {
        metadata: { name: "root" },
        spec: { containers: [{ name: "c", image: "registry.invalid/x:1.0.0" }] },
      }),
      (err: unknown) =>
        err instanceof KubeError && err.status === 403 && /violates PodSecurity "restricted/.test(JSON.parse(err.body).message),
    );
    const ok = await cluster.client.create(`/api/v1/namespaces/${ns}/pods`, {
      metadata: { name: "locked-down" },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "c",
            image: "registry.invalid/x:1.0.0",
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
          },
        ],
      },
    });
    assert.equal(ok.metadata.name, "locked-down");
  });
});
