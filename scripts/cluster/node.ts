// The real node of the local cluster: containerd (with runc built by the toolchain) runs the
// pods' containers, the kubelet manages them, CNI's bridge plugin wires them to a bridge on
// this machine, kube-proxy programs Services, kube-router's firewall enforces NetworkPolicies,
// and CoreDNS (a pod in kube-system, as on kubeadm clusters) serves cluster.local. Everything
// lives under the cluster's data directory and is removed on stop. Needs root.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { KubeClient, conditionStatus, waitFor, type KubeObject } from "./kube";
import { type Pki } from "./pki";
import { assertAlive, freePort, logTail, startProcess, stopProcess, type Managed } from "./processes";
import { REPO_ROOT, toolchain } from "./toolchain";

/**
 * The node's fixed addresses. The node IP sits on the loopback interface (labelled
 * `lo:driftloop`): the same on any machine, local to this host, and reachable from pods
 * through the bridge's gateway (this kernel has no dummy interfaces).
 */
export const NODE = {
  name: "drift-loop-node",
  ip: "10.250.0.1",
  label: "lo:driftloop",
  bridge: "drift-loop-br0",
  clusterCidr: "10.244.0.0/16",
  serviceCidr: "10.96.0.0/16",
  dnsServiceIp: "10.96.0.10",
  clusterDomain: "cluster.local",
} as const;

/** Local images every node needs: the sandbox ("pause") image and CoreDNS's. */
export const NODE_IMAGES = {
  pause: "registry.k8s.io/pause:3.10.1",
  coredns: "drift-loop/coredns:1.14.7",
} as const;

const CNI_BIN = "/usr/lib/cni";
const IMAGES_SCRIPT = path.join(REPO_ROOT, "scripts", "cluster", "images.sh");

export interface RealNode {
  containerdSocket: string;
  processes: Managed[];
  /** Loads images from the private Docker daemon into the node's runtime. */
  loadImages(images: string[]): void;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], opts: { ignoreFailure?: boolean; input?: string } = {}): string {
  const res = spawnSync(cmd, args, { encoding: "utf8", input: opts.input, stdio: ["pipe", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0 && !opts.ignoreFailure) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${res.status}): ${(res.stderr || res.stdout || String(res.error ?? "")).trim()}`);
  }
  return res.stdout ?? "";
}

/** Whether the machine can host the real node, with the reason when not. */
export function realNodeProblems(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push("the real node needs root (containerd, the kubelet and iptables)");
  for (const [bin, pkg] of [["containerd", "containerd"], ["ctr", "containerd"], ["dockerd", "docker.io"], ["mmdebstrap", "mmdebstrap"], ["iptables", "iptables"], ["ipset", "ipset"], ["conntrack", "conntrack"], ["ip", "iproute2"]] as const) {
    if (spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0) problems.push(`${bin} is missing (apt-get install ${pkg})`);
  }
  for (const plugin of ["bridge", "host-local", "loopback", "portmap"]) {
    if (!existsSync(path.join(CNI_BIN, plugin))) problems.push(`CNI plugin ${CNI_BIN}/${plugin} is missing (apt-get install containernetworking-plugins)`);
  }
  return problems;
}

/** Whether this machine holds the node IP (a cluster runs, or one was not cleaned up). */
export function nodeIpTaken(): boolean {
  return run("ip", ["-4", "-o", "addr", "show", "dev", "lo"]).includes(` ${NODE.ip}/32 `);
}

/** The node IP on the loopback interface; the API server binds to it, so it comes first. */
export function prepareHost(): void {
  const problems = realNodeProblems();
  if (problems.length) throw new Error(`cannot start the real node:\n  - ${problems.join("\n  - ")}`);
  if (nodeIpTaken()) {
    // A kubelet of ours still runs: another cluster is up. None: a run that was killed left
    // its address and rules behind; clear them and go on.
    // Ours starting (the API server binds the node IP first) or running (its kubelet).
    const ours = [`kubelet .*--hostname-override=${NODE.name}`, `kube-apiserver .*--advertise-address=${NODE.ip}`];
    if (ours.some((pattern) => spawnSync("pgrep", ["-f", pattern]).status === 0)) {
      throw new Error(`${NODE.ip} is already on the loopback interface and a drift-loop cluster runs or is starting on this machine (npm run cluster -- status; stop it: npm run cluster -- down)`);
    }
    run("pkill", ["-KILL", "-f", "containerd-shim-runc-v2 .*-address .*/node/containerd/containerd.sock"], { ignoreFailure: true });
    cleanupHost();
  }
  run("ip", ["addr", "add", `${NODE.ip}/32`, "dev", "lo", "label", NODE.label]);
  // The machine's values are kept beside the address and put back by cleanupHost.
  const saved: Record<string, string> = {};
  for (const [key, value] of Object.entries(HOST_SYSCTLS)) {
    if (!existsSync(key)) continue;
    saved[key] = readFileSync(key, "utf8").trim();
    writeFileSync(key, value);
  }
  writeFileSync(SYSCTL_BACKUP, JSON.stringify(saved));
}

/** What the node needs of the kernel: forwarding, and bridged traffic through iptables (kube-proxy's and kube-router's rules). */
const HOST_SYSCTLS: Record<string, string> = {
  "/proc/sys/net/ipv4/ip_forward": "1",
  "/proc/sys/net/bridge/bridge-nf-call-iptables": "1",
};
/** The machine's own values of HOST_SYSCTLS while a node runs. */
const SYSCTL_BACKUP = "/run/drift-loop-node.sysctl.json";

/** Undo prepareHost and whatever the node agents left in the kernel (idempotent). */
export function cleanupHost(): void {
  run("ip", ["addr", "del", `${NODE.ip}/32`, "dev", "lo"], { ignoreFailure: true });
  run("ip", ["link", "del", NODE.bridge], { ignoreFailure: true });
  // kube-proxy's chains (its own cleanup), then what kube-router and the kubelet leave:
  // kube-router 2.1.0's --cleanup-config leaves its chains in place and then crashes on the
  // absent IPVS. Only those chains go, one by one (the jumps to them, then the chains), so
  // every other rule of the machine stays as it is.
  if (existsSync(toolchain.tool("kube-proxy"))) run(toolchain.tool("kube-proxy"), ["--cleanup"], { ignoreFailure: true });
  for (const [iptables, tables] of [["iptables", ["filter", "nat", "mangle"]], ["ip6tables", ["filter", "nat", "mangle"]]] as const) {
    for (const table of tables) {
      const rules = run(iptables, ["-t", table, "-S"], { ignoreFailure: true }).split("\n");
      for (const rule of rules.filter((r) => r.startsWith("-A ") && NODE_CHAINS.test(r))) {
        run(iptables, ["-t", table, ...splitRule(rule.replace(/^-A /, "-D "))], { ignoreFailure: true });
      }
      for (const chain of rules.filter((r) => r.startsWith("-N ") && NODE_CHAINS.test(r)).map((r) => r.slice(3).trim())) {
        run(iptables, ["-t", table, "-F", chain], { ignoreFailure: true });
        run(iptables, ["-t", table, "-X", chain], { ignoreFailure: true });
      }
    }
  }
  for (const set of run("ipset", ["list", "-n"], { ignoreFailure: true }).split("\n")) {
    if (/^(KUBE-(SRC|DST)-|kube-router-)/.test(set)) run("ipset", ["destroy", set], { ignoreFailure: true });
  }
  if (existsSync(SYSCTL_BACKUP)) {
    for (const [key, value] of Object.entries(JSON.parse(readFileSync(SYSCTL_BACKUP, "utf8")) as Record<string, string>)) writeFileSync(key, value);
    rmSync(SYSCTL_BACKUP, { force: true });
  }
}

/** `iptables -S` output back into arguments (quoted comments stay one argument). */
function splitRule(rule: string): string[] {
  return (rule.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? []).map((a) => (a.startsWith('"') ? a.slice(1, -1).replace(/\\"/g, '"') : a));
}

/** Chains the node's agents create (kube-router's firewall, the kubelet's canaries); kube-proxy cleans up its own. */
const NODE_CHAINS = /KUBE-(ROUTER-|POD-FW-|NWPLCY-|FIREWALL|KUBELET-CANARY|IPTABLES-HINT)/;

/** Unmount everything under `dir` (kubelet volumes, containerd's rootfs mounts), deepest first. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1]?.replace(/\\040/g, " "))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + "/")))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) run("umount", ["-l", m], { ignoreFailure: true });
}

/** SIGKILL every container of the node (all processes), then remove the tasks. */
function killAllTasks(socket: string): void {
  if (!existsSync(socket)) return;
  const ctr = (...args: string[]) => run("ctr", ["--address", socket, "-n", "k8s.io", ...args], { ignoreFailure: true });
  const tasks = ctr("tasks", "ls", "-q").split("\n").filter(Boolean);
  for (const id of tasks) ctr("tasks", "kill", "--all", "--signal", "SIGKILL", id);
  for (const id of tasks) ctr("tasks", "delete", "--force", id);
}

function containerdConfig(root: string, socket: string): string {
  return `version = 2
root = "${root}/root"
state = "${root}/state"
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${NODE_IMAGES.pause}"
  # This VM withholds CAP_SYS_RESOURCE: a sandbox's oom_score_adj cannot be lowered.
  restrict_oom_score_adj = true
  enable_unprivileged_ports = false
  # The pods' network namespaces under our state directory (not /var/run/netns), so stop
  # finds and removes them with everything else.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "${toolchain.tool("runc")}"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN}"
    conf_dir = "${root}/cni"
`;
}

function kubeletConfig(o: { pki: Pki; socket: string; port: number; healthzPort: number }): string {
  return JSON.stringify({
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: NODE.ip,
    port: o.port,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: o.healthzPort,
    tlsCertFile: o.pki.kubeletServing.cert,
    tlsPrivateKeyFile: o.pki.kubeletServing.key,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: o.pki.ca.cert } },
    authorization: { mode: "AlwaysAllow" },
    containerRuntimeEndpoint: `unix://${o.socket}`,
    cgroupDriver: "cgroupfs",
    // This machine mounts cgroup v1 (hybrid); Kubernetes 1.34 still runs on it when asked.
    failCgroupV1: false,
    failSwapOn: false,
    clusterDomain: NODE.clusterDomain,
    clusterDNS: [NODE.dnsServiceIp],
    resolvConf: "/etc/resolv.conf",
    serializeImagePulls: false,
    // Images are loaded from the local build, never pulled: keep them whatever the disk use.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { "memory.available": "100Mi", "nodefs.available": "2%", "imagefs.available": "2%", "nodefs.inodesFree": "2%" },
    maxPods: 110,
    containerLogMaxSize: "10Mi",
    enableServer: true,
  }, null, 2);
}

function cniConfig(podCidr: string, dataDir: string): string {
  return JSON.stringify({
    cniVersion: "1.0.0",
    name: "drift-loop",
    plugins: [
      {
        type: "bridge",
        bridge: NODE.bridge,
        isGateway: true,
        ipMasq: true,
        // A pod reaching its own Service's ClusterIP comes back through the bridge.
        hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet: podCidr }]], routes: [{ dst: "0.0.0.0/0" }], dataDir },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  }, null, 2);
}

/** kubeadm's CoreDNS: RBAC, Corefile, a Deployment labelled k8s-app=kube-dns, Service kube-dns. */
function coreDnsObjects(): Array<[string, KubeObject]> {
  const labels = { "k8s-app": "kube-dns" };
  const corefile = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes ${NODE.clusterDomain} in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    loadbalance
}
`;
  return [
    ["/api/v1/namespaces/kube-system/serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "coredns", namespace: "kube-system" } }],
    ...clusterRole("system:coredns", { kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }, [
      { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
    ]),
    ["/api/v1/namespaces/kube-system/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns", namespace: "kube-system" }, data: { Corefile: corefile } }],
    ["/apis/apps/v1/namespaces/kube-system/deployments", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "coredns", namespace: "kube-system", labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: "coredns",
            priorityClassName: "system-cluster-critical",
            dnsPolicy: "Default",
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: "RuntimeDefault" },
              // Port 53 without a capability: the pod's own network namespace allows it.
              sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
            },
            containers: [{
              name: "coredns",
              image: NODE_IMAGES.coredns,
              imagePullPolicy: "Never",
              args: ["-conf", "/etc/coredns/Corefile"],
              ports: [
                { name: "dns", containerPort: 53, protocol: "UDP" },
                { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                { name: "metrics", containerPort: 9153, protocol: "TCP" },
              ],
              resources: { requests: { cpu: "50m", memory: "70Mi" }, limits: { memory: "170Mi" } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
              livenessProbe: { httpGet: { path: "/health", port: 8080 }, initialDelaySeconds: 10, periodSeconds: 10 },
              readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 2 },
              volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
            }],
            volumes: [{ name: "config", configMap: { name: "coredns" } }],
          },
        },
      },
    }],
    ["/api/v1/namespaces/kube-system/services", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns", namespace: "kube-system", labels: { ...labels, "kubernetes.io/name": "CoreDNS" } },
      spec: {
        selector: labels,
        clusterIP: NODE.dnsServiceIp,
        ports: [
          { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
          { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
          { name: "metrics", port: 9153, protocol: "TCP", targetPort: 9153 },
        ],
      },
    }],
  ];
}

/** A ClusterRole with these rules and its binding to `subject`, as [path, object] pairs to create. */
function clusterRole(name: string, subject: KubeObject, rules: KubeObject[]): Array<[string, KubeObject]> {
  const rbac = "rbac.authorization.k8s.io";
  return [
    [`/apis/${rbac}/v1/clusterroles`, { apiVersion: `${rbac}/v1`, kind: "ClusterRole", metadata: { name }, rules }],
    [`/apis/${rbac}/v1/clusterrolebindings`, {
      apiVersion: `${rbac}/v1`,
      kind: "ClusterRoleBinding",
      metadata: { name },
      roleRef: { apiGroup: rbac, kind: "ClusterRole", name },
      subjects: [subject],
    }],
  ];
}

/** What kube-router's firewall reads (its own ClusterRole, bound to its certificate's user). */
function kubeRouterRbac(): Array<[string, KubeObject]> {
  return clusterRole("drift-loop:kube-router", { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "system:kube-router" }, [
    { apiGroups: [""], resources: ["namespaces", "pods", "services", "nodes", "endpoints"], verbs: ["list", "get", "watch"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "get", "watch"] },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["list", "get", "watch"] },
    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch", "update"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
  ]);
}

/**
 * Run scripts/cluster/images.sh; its output is kept for the error message, or with
 * `progress` streamed to stderr as it comes (builds take minutes).
 */
export function imagesScript(args: string[], opts: { progress?: boolean } = {}): void {
  const res = spawnSync("bash", [IMAGES_SCRIPT, ...args], {
    encoding: "utf8",
    stdio: ["ignore", opts.progress ? process.stderr : "pipe", opts.progress ? process.stderr : "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) {
    const output = opts.progress ? "(output above)" : `${res.stdout}\n${res.stderr}`.trim().split("\n").slice(-40).join("\n");
    throw new Error(`scripts/cluster/images.sh ${args.join(" ")} failed (exit ${res.status}):\n${output}`);
  }
}

export interface NodeContext {
  dataDir: string;
  logs: string;
  server: string;
  pki: Pki;
  client: KubeClient;
  kubeconfigFor(name: string, user: string, pair: { cert: string; key: string }): string;
}

/** Start containerd, the kubelet, kube-proxy, kube-router and CoreDNS; resolves once the node is Ready and DNS serves. */
export async function startRealNode(ctx: NodeContext): Promise<RealNode> {
  const processes: Managed[] = [];
  const root = path.join(ctx.dataDir, "node");
  const containerdRoot = path.join(root, "containerd");
  const socket = path.join(containerdRoot, "containerd.sock");
  mkdirSync(path.join(containerdRoot, "cni"), { recursive: true });
  const stop = async () => {
    // Containers outlive the kubelet and containerd (a killed shim leaves its container
    // running, re-parented): kill every task through containerd while it still runs.
    killAllTasks(socket);
    for (const p of [...processes].reverse()) await stopProcess(p, 15_000);
    run("pkill", ["-KILL", "-f", `containerd-shim-runc-v2 .*-address ${socket}`], { ignoreFailure: true });
    unmountUnder(root);
    cleanupHost();
  };
  try {
    const containerdConfigFile = path.join(containerdRoot, "config.toml");
    writeFileSync(containerdConfigFile, containerdConfig(containerdRoot, socket));
    const containerd = startProcess("containerd", "containerd", ["--config", containerdConfigFile, "--log-level", "warn"], path.join(ctx.logs, "containerd.log"));
    processes.push(containerd);
    await waitFor("containerd", async () => {
      assertAlive(containerd);
      return spawnSync("ctr", ["--address", socket, "version"]).status === 0 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });

    const loadImages = (images: string[]) => {
      imagesScript(["load", "--containerd", socket, ...images]);
    };
    imagesScript(["node-images"]);
    loadImages(Object.values(NODE_IMAGES));

    const [kubeletPort, kubeletHealthz, proxyHealthz, proxyMetrics, routerHealth] = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const kubeletConfigFile = path.join(root, "kubelet.json");
    writeFileSync(kubeletConfigFile, kubeletConfig({ pki: ctx.pki, socket, port: kubeletPort, healthzPort: kubeletHealthz }));
    const kubelet = startProcess("kubelet", toolchain.tool("kubelet"), [
      `--config=${kubeletConfigFile}`,
      `--kubeconfig=${ctx.kubeconfigFor("kubelet", `system:node:${NODE.name}`, ctx.pki.kubelet)}`,
      `--root-dir=${path.join(root, "kubelet")}`,
      `--cert-dir=${path.join(root, "kubelet-certs")}`,
      `--hostname-override=${NODE.name}`,
      `--node-ip=${NODE.ip}`,
      "--v=1",
    ], path.join(ctx.logs, "kubelet.log"));
    processes.push(kubelet);
    const alive = () => processes.forEach(assertAlive);

    // The node controller gives the node its pod CIDR; the bridge plugin hands out addresses from it.
    const podCidr = await waitFor(`node ${NODE.name} registered with a pod CIDR`, async () => {
      alive();
      const node = await ctx.client.find(`/api/v1/nodes/${NODE.name}`);
      return (node?.spec as { podCIDR?: string } | undefined)?.podCIDR;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    writeFileSync(path.join(containerdRoot, "cni", "10-drift-loop.conflist"), cniConfig(podCidr, path.join(root, "cni-ipam")));

    processes.push(startProcess("kube-proxy", toolchain.tool("kube-proxy"), [
      `--kubeconfig=${ctx.kubeconfigFor("kube-proxy", "system:kube-proxy", ctx.pki.kubeProxy)}`,
      `--hostname-override=${NODE.name}`,
      `--cluster-cidr=${NODE.clusterCidr}`,
      "--proxy-mode=iptables",
      `--healthz-bind-address=127.0.0.1:${proxyHealthz}`,
      `--metrics-bind-address=127.0.0.1:${proxyMetrics}`,
      // Leave the machine's conntrack table size alone, and its loopback alone: no NodePorts
      // on 127.0.0.1 (they need route_localnet=1, which kube-proxy would leave switched on).
      "--conntrack-max-per-core=0",
      "--iptables-localhost-nodeports=false",
      "--v=1",
    ], path.join(ctx.logs, "kube-proxy.log")));

    for (const [p, obj] of kubeRouterRbac()) await ctx.client.create(p, obj);
    processes.push(startProcess("kube-router", toolchain.tool("kube-router"), [
      `--kubeconfig=${ctx.kubeconfigFor("kube-router", "system:kube-router", ctx.pki.kubeRouter)}`,
      `--hostname-override=${NODE.name}`,
      "--run-firewall=true",
      "--run-router=false",
      "--run-service-proxy=false",
      "--enable-cni=false",
      "--enable-ipv6=false",
      `--health-port=${routerHealth}`,
      "--metrics-port=0",
      "--v=1",
    ], path.join(ctx.logs, "kube-router.log")));

    await waitFor(`node ${NODE.name} Ready`, async () => {
      alive();
      const node = await ctx.client.get(`/api/v1/nodes/${NODE.name}`);
      return conditionStatus(node, "Ready") === "True" ? node : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500 });

    for (const [p, obj] of coreDnsObjects()) await ctx.client.create(p, obj);
    await waitFor("CoreDNS ready", async () => {
      alive();
      const d = await ctx.client.get("/apis/apps/v1/namespaces/kube-system/deployments/coredns");
      return (d.status as { readyReplicas?: number } | undefined)?.readyReplicas === 1 ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });

    return { containerdSocket: socket, processes, loadImages, stop };
  } catch (err) {
    (err as Error).message += `\n${processes.map((p) => `--- ${p.name} (${p.exited ?? "running"})\n${logTail(p, 15)}`).join("\n")}`;
    await stop().catch(() => undefined);
    throw err;
  }
}
