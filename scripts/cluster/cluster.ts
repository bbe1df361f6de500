// A real Kubernetes control plane for the e2e tests and `npm run cluster`: etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler with mutual TLS, and either
// kwok, which plays the kubelet for fake nodes so that scheduled pods become Running/Ready
// (and Job pods Succeeded) without a container runtime, or one real node (node.ts) that runs
// the pods' containers. Binaries come from scripts/e2e/build-toolchain.sh.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { KubeClient, conditionStatus, waitFor, type KubeObject } from "./kube";
import { NODE, cleanupHost, prepareHost, startRealNode, type RealNode } from "./node";
import { createPki, type CertPair, type Pki } from "./pki";
import { assertAlive, freePort, logTail, startProcess, stopProcess, type Managed } from "./processes";
import { toolchain } from "./toolchain";

export interface ClusterOptions {
  /** "kwok" (default): fake nodes, nothing runs. "real": one real node (root only). */
  node?: "kwok" | "real";
  /** Where logs, certificates and state live (default: a new temporary directory). */
  dataDir?: string;
  /** Number of kwok nodes to register (default 1). */
  nodes?: number;
  /** Static PersistentVolumes to pre-create for the default StorageClass (default 8). */
  persistentVolumes?: number;
  /** Keep the data directory (logs, certificates) after stop, for debugging. */
  keepData?: boolean;
}

export interface Cluster {
  /** https://127.0.0.1:PORT */
  server: string;
  /** Path of an admin kubeconfig (system:masters client certificate). */
  kubeconfig: string;
  /** Contents of that kubeconfig, e.g. for the Pulumi provider's `kubeconfig` setting. */
  kubeconfigYaml: string;
  /** Admin REST client. */
  client: KubeClient;
  /** Names of the nodes (fake ones, or the real one). */
  nodeNames: string[];
  /** The real node, when started with node: "real". */
  realNode?: RealNode;
  /** Where logs, certificates and etcd data live. */
  dataDir: string;
  processes: Managed[];
  /** Name of the default StorageClass (backed by pre-created static PersistentVolumes). */
  storageClass: string;
  stop(): Promise<void>;
}

const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
/** The kubelet's default node Lease duration; kwok renews it every quarter of that. */
export const NODE_LEASE_SECONDS = 40;
export const DEFAULT_STORAGE_CLASS = "standard";

function kubeconfigYaml(server: string, caFile: string, user: string, pair: CertPair): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: e2e",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority: ${caFile}`,
    "users:",
    `- name: ${user}`,
    "  user:",
    `    client-certificate: ${pair.cert}`,
    `    client-key: ${pair.key}`,
    "contexts:",
    "- name: e2e",
    "  context:",
    "    cluster: e2e",
    `    user: ${user}`,
    "current-context: e2e",
    "",
  ].join("\n");
}

/** kubeconfig with the certificates inlined, so it works wherever it is copied. */
function inlineKubeconfig(server: string, pki: Pki): string {
  const b64 = (f: string) => readFileSync(f).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: drift-loop-e2e",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pki.ca.cert)}`,
    "users:",
    "- name: drift-loop-e2e-admin",
    "  user:",
    `    client-certificate-data: ${b64(pki.admin.cert)}`,
    `    client-key-data: ${b64(pki.admin.key)}`,
    "contexts:",
    "- name: drift-loop-e2e",
    "  context:",
    "    cluster: drift-loop-e2e",
    "    user: drift-loop-e2e-admin",
    "current-context: drift-loop-e2e",
    "",
  ].join("\n");
}

function fakeNode(name: string): KubeObject {
  const resources = { cpu: "32", memory: "256Gi", pods: "110", "ephemeral-storage": "500Gi" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
      },
    },
    spec: {},
    status: {
      allocatable: resources,
      capacity: resources,
      nodeInfo: {
        architecture: "amd64",
        operatingSystem: "linux",
        kubeletVersion: "fake",
        kubeProxyVersion: "fake",
        osImage: "kwok",
        kernelVersion: "fake",
        containerRuntimeVersion: "fake",
        bootID: "",
        machineID: "",
        systemUUID: "",
      },
      phase: "Running",
    },
  };
}

/** Start the control plane and kwok; resolves once a node is Ready and the default ServiceAccount exists. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const real = opts.node === "real";
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), "drift-loop-e2e-cluster-"));
  mkdirSync(dataDir, { recursive: true });
  const processes: Managed[] = [];
  let client: KubeClient | undefined;
  let realNode: RealNode | undefined;
  let hostPrepared = false;
  const stop = async () => {
    client?.close();
    try {
      if (realNode) await realNode.stop();
      else if (hostPrepared) cleanupHost(); // the node failed to start after this run prepared the host
    } finally {
      for (const p of [...processes].reverse()) await stopProcess(p);
      if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    // The real node's pods reach the API server (CoreDNS reads Services) at the node IP.
    if (real) {
      prepareHost();
      hostPrepared = true;
    }
    const apiAddress = real ? NODE.ip : "127.0.0.1";
    const pki = createPki(path.join(dataDir, "pki"), { name: NODE.name, ip: apiAddress });
    const logs = path.join(dataDir, "logs");
    mkdirSync(logs);
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort] = await Promise.all(
      [0, 1, 2, 3, 4].map(() => freePort()),
    );

    // etcd, client traffic over mutual TLS
    const etcdUrl = `https://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = startProcess("etcd", toolchain.tool("etcd"), [
      "--name=e2e",
      `--data-dir=${path.join(dataDir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=e2e=${peerUrl}`,
      "--initial-cluster-state=new",
      `--cert-file=${pki.etcdServer.cert}`,
      `--key-file=${pki.etcdServer.key}`,
      `--trusted-ca-file=${pki.ca.cert}`,
      "--client-cert-auth",
      "--logger=zap",
      "--log-outputs=stderr",
    ], path.join(logs, "etcd.log"));
    processes.push(etcd);
    const etcdClient = new KubeClient({ server: etcdUrl, ca: pki.ca.cert, ...pki.apiserverEtcdClient });
    try {
      await waitFor("etcd /health", async () => {
        assertAlive(etcd);
        const res = await etcdClient.raw("GET", "/health");
        return res.status === 200 && JSON.parse(res.text).health === "true" ? true : undefined;
      }, { timeoutMs: 30_000 });
    } finally {
      etcdClient.close();
    }

    // kube-apiserver
    const server = `https://${apiAddress}:${apiPort}`;
    const apiserver = startProcess("kube-apiserver", toolchain.tool("kube-apiserver"), [
      `--etcd-servers=${etcdUrl}`,
      `--etcd-cafile=${pki.ca.cert}`,
      `--etcd-certfile=${pki.apiserverEtcdClient.cert}`,
      `--etcd-keyfile=${pki.apiserverEtcdClient.key}`,
      `--bind-address=${apiAddress}`,
      `--advertise-address=${apiAddress}`,
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${NODE.serviceCidr}`,
      "--authorization-mode=Node,RBAC",
      "--allow-privileged=false",
      "--anonymous-auth=false",
      // The API server's identity towards kubelets (logs, exec, port-forward).
      `--kubelet-client-certificate=${pki.apiserverKubeletClient.cert}`,
      `--kubelet-client-key=${pki.apiserverKubeletClient.key}`,
      "--kubelet-preferred-address-types=InternalIP",
      // With kwok the lease reconciler would publish 127.0.0.1 as the endpoint of the
      // `kubernetes` Service, which Endpoints validation rejects, and nothing in-cluster
      // needs it; the real node's pods do (the node IP).
      ...(real ? [] : ["--endpoint-reconciler-type=none"]),
      `--cert-dir=${path.join(dataDir, "apiserver-certs")}`,
      "--profiling=false",
      "--v=1",
    ], path.join(logs, "kube-apiserver.log"));
    processes.push(apiserver);
    client = new KubeClient({ server, ca: pki.ca.cert, ...pki.admin });
    const c = client;
    await waitFor("kube-apiserver /readyz", async () => {
      assertAlive(apiserver);
      const res = await c.raw("GET", "/readyz");
      return res.status === 200 ? true : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500 });

    const kubeconfigFor = (name: string, user: string, pair: CertPair) => {
      const file = path.join(dataDir, `${name}.kubeconfig`);
      writeFileSync(file, kubeconfigYaml(server, pki.ca.cert, user, pair), { mode: 0o600 });
      return file;
    };
    const kcmKubeconfig = kubeconfigFor("controller-manager", "kube-controller-manager", pki.controllerManager);
    const schedKubeconfig = kubeconfigFor("scheduler", "kube-scheduler", pki.scheduler);
    const kwokKubeconfig = kubeconfigFor("kwok", "kwok", pki.kwok);
    const kubeconfig = path.join(dataDir, "admin.kubeconfig");
    const kubeconfigText = inlineKubeconfig(server, pki);
    writeFileSync(kubeconfig, kubeconfigText, { mode: 0o600 });

    processes.push(startProcess("kube-controller-manager", toolchain.tool("kube-controller-manager"), [
      `--kubeconfig=${kcmKubeconfig}`,
      `--authentication-kubeconfig=${kcmKubeconfig}`,
      `--authorization-kubeconfig=${kcmKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${kcmPort}`,
      "--leader-elect=false",
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.ca.cert}`,
      "--use-service-account-credentials=true",
      `--cluster-signing-cert-file=${pki.ca.cert}`,
      `--cluster-signing-key-file=${pki.ca.key}`,
      // Pod CIDRs for real nodes (the bridge CNI plugin hands out addresses from the node's).
      ...(real ? ["--allocate-node-cidrs=true", `--cluster-cidr=${NODE.clusterCidr}`, "--node-cidr-mask-size=24", `--service-cluster-ip-range=${NODE.serviceCidr}`] : []),
      `--cert-dir=${path.join(dataDir, "kcm-certs")}`,
      "--v=1",
    ], path.join(logs, "kube-controller-manager.log")));
    processes.push(startProcess("kube-scheduler", toolchain.tool("kube-scheduler"), [
      `--kubeconfig=${schedKubeconfig}`,
      `--authentication-kubeconfig=${schedKubeconfig}`,
      `--authorization-kubeconfig=${schedKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${schedPort}`,
      "--leader-elect=false",
      `--cert-dir=${path.join(dataDir, "scheduler-certs")}`,
      "--v=1",
    ], path.join(logs, "kube-scheduler.log")));
    const alive = () => processes.forEach(assertAlive);
    const nodeNames = real ? [NODE.name] : Array.from({ length: opts.nodes ?? 1 }, (_, i) => `kwok-node-${i}`);
    if (real) {
      realNode = await startRealNode({ dataDir, logs, server, pki, client, kubeconfigFor });
    } else {
      processes.push(startProcess("kwok", toolchain.tool("kwok"), [
        `--kubeconfig=${kwokKubeconfig}`,
        `--config=${toolchain.kwokStages}`,
        "--manage-all-nodes=false",
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        "--manage-nodes-with-label-selector=",
        "--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom",
        "--disregard-status-with-label-selector=",
        // Renew each node's Lease, as a kubelet does: the heartbeat-with-lease stage updates the
        // node's status only every ~10 min and counts on the Lease, and without one the node
        // lifecycle controller marked the node NotReady every 50 s (node-monitor-grace-period)
        // and every pod on it not Ready: whichever resource a test looked at then was "not ready".
        `--node-lease-duration-seconds=${NODE_LEASE_SECONDS}`,
        "--cidr=10.244.0.1/24",
        "--node-ip=10.244.0.1",
      ], path.join(logs, "kwok.log")));

      for (const name of nodeNames) await client.create("/api/v1/nodes", fakeNode(name));
      for (const name of nodeNames) {
        await waitFor(`node ${name} Ready`, async () => {
          alive();
          const node = await c.get(`/api/v1/nodes/${name}`);
          return conditionStatus(node, "Ready") === "True" ? node : undefined;
        }, { timeoutMs: 60_000, intervalMs: 500 });
      }
    }
    // The service-account controller (kube-controller-manager) creates `default` in each
    // namespace; pods cannot be admitted before it exists.
    await waitFor("ServiceAccount default/default", async () => {
      alive();
      return c.find("/api/v1/namespaces/default/serviceaccounts/default");
    }, { timeoutMs: 60_000, intervalMs: 500 });

    // Storage: a default StorageClass with static PersistentVolumes that the PV controller
    // binds to claims, as on a cluster with pre-provisioned disks. kwok never mounts them.
    await client.create("/apis/storage.k8s.io/v1/storageclasses", {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: {
        name: DEFAULT_STORAGE_CLASS,
        annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
      },
      provisioner: "kubernetes.io/no-provisioner",
      volumeBindingMode: "Immediate",
      reclaimPolicy: "Retain",
    });
    // Writable by any user, as Minikube's hostPath provisioner makes them: hostPath volumes
    // ignore fsGroup, and our servers run as their own non-root users.
    const volumeDir = (i: number) => {
      const dir = path.join(dataDir, "volumes", `pv-${i}`);
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
      return dir;
    };
    for (let i = 0; i < (opts.persistentVolumes ?? 8); i++) {
      await client.create("/api/v1/persistentvolumes", {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: `e2e-pv-${i}` },
        spec: {
          capacity: { storage: "50Gi" },
          accessModes: ["ReadWriteOnce"],
          persistentVolumeReclaimPolicy: "Retain",
          storageClassName: DEFAULT_STORAGE_CLASS,
          hostPath: { path: volumeDir(i), type: "DirectoryOrCreate" },
        },
      });
    }

    return {
      server,
      kubeconfig,
      kubeconfigYaml: kubeconfigText,
      client,
      nodeNames,
      realNode,
      dataDir,
      processes,
      storageClass: DEFAULT_STORAGE_CLASS,
      stop,
    };
  } catch (err) {
    const tails = processes.map((p) => `--- ${p.name} (${p.exited ?? "running"})\n${logTail(p, 15)}`).join("\n");
    opts.keepData = true; // keep logs for a look
    await stop().catch(() => undefined);
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`e2e cluster failed to start: ${msg}\n(data kept in ${dataDir})\n${tails}`);
  }
}
