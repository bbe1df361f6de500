// The real node (scripts/cluster/node.ts): containers start with the restricted security
// context our manifests use, cluster DNS and Services work from pods, and NetworkPolicies
// are enforced (a policy that blocks a path makes the path fail, as on a cluster whose CNI
// enforces them). Test pods run the node stand-in image our workload images build on.
import assert from "node:assert/strict";

import { type Cluster } from "../../scripts/cluster/cluster";
import { conditionStatus, waitFor, type KubeObject } from "../../scripts/cluster/kube";
import { NODE, imagesScript } from "../../scripts/cluster/node";
import { getRealCluster } from "./helpers/shared";

const NS = "node-e2e";
const IMAGE = "node:20.20.2-bookworm-slim";

/** The security context of every container of ours (components/shared/pod.ts), in short. */
const restricted = {
  pod: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
  container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
};

function pod(name: string, script: string, labels: Record<string, string> = {}, restartPolicy = "Never"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { app: name, ...labels } },
    spec: {
      restartPolicy,
      securityContext: restricted.pod,
      containers: [{ name: "c", image: IMAGE, imagePullPolicy: "Never", command: ["node", "-e", script], securityContext: restricted.container, ports: [{ containerPort: 8080 }] }],
    },
  };
}

describe("real node: containers, DNS, Services and NetworkPolicies", function () {
  let cluster: Cluster;

  before(async function () {
    this.timeout(0);
    cluster = await getRealCluster();
    imagesScript(["base"]);
    cluster.realNode!.loadImages([IMAGE]);
    await cluster.client.create("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    });
    await waitFor(`ServiceAccount ${NS}/default`, () => cluster.client.find(`/api/v1/namespaces/${NS}/serviceaccounts/default`), { timeoutMs: 30_000 });
  });

  /** Run a pod to completion; its phase and log. */
  const runPod = async (p: KubeObject, timeoutMs = 60_000): Promise<{ phase: string; log: string }> => {
    await cluster.client.create(`/api/v1/namespaces/${NS}/pods`, p);
    const done = await waitFor(`pod ${p.metadata.name} finished`, async () => {
      const live = await cluster.client.get(`/api/v1/namespaces/${NS}/pods/${p.metadata.name}`);
      return ["Succeeded", "Failed"].includes(live.status?.phase) ? live : undefined;
    }, { timeoutMs, intervalMs: 500 });
    const log = (await cluster.client.raw("GET", `/api/v1/namespaces/${NS}/pods/${p.metadata.name}/log`)).text;
    return { phase: done.status.phase, log };
  };

  it("registers a Ready node run by kubelet v1.34.4 on containerd", async () => {
    const node = await cluster.client.get(`/api/v1/nodes/${NODE.name}`);
    assert.equal(conditionStatus(node, "Ready"), "True");
    assert.equal(node.status.nodeInfo.kubeletVersion, "v1.34.4");
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
    assert.ok(node.status.addresses.some((a: { type: string; address: string }) => a.type === "InternalIP" && a.address === NODE.ip));
  });

  it("runs a restricted container: non-root, read-only root filesystem, no capabilities", async () => {
    const { phase, log } = await runPod(pod("restricted", `
      const fs = require("fs");
      let write = "allowed";
      try { fs.writeFileSync("/probe", "x"); } catch (e) { write = e.code; }
      const caps = fs.readFileSync("/proc/self/status", "utf8").split("\\n").filter((l) => /^(CapEff|NoNewPrivs|Seccomp):/.test(l)).join(" ");
      console.log(JSON.stringify({ uid: process.getuid(), write, caps }));`));
    assert.equal(phase, "Succeeded", log);
    const out = JSON.parse(log.trim());
    assert.equal(out.uid, 1000);
    assert.equal(out.write, "EROFS");
    assert.match(out.caps, /CapEff:\s+0000000000000000/);
    assert.match(out.caps, /NoNewPrivs:\s+1/);
    assert.match(out.caps, /Seccomp:\s+2/); // filter mode: the runtime's default profile
  });

  it("serves cluster DNS and Services from pods", async () => {
    await cluster.client.create(`/api/v1/namespaces/${NS}/pods`, pod("web", `require("http").createServer((q, r) => r.end("hello from " + require("os").hostname())).listen(8080)`, {}, "Always"));
    await cluster.client.create(`/api/v1/namespaces/${NS}/services`, {
      apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: NS }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await waitFor("pod web Ready", async () => {
      const p = await cluster.client.get(`/api/v1/namespaces/${NS}/pods/web`);
      return conditionStatus(p, "Ready") === "True" ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    const { phase, log } = await runPod(pod("client", fetchScript(`http://web.${NS}.svc.${NODE.clusterDomain}/`)));
    assert.equal(phase, "Succeeded", log);
    assert.match(log, /^ok 200 hello from web/m);
  });

  it("enforces NetworkPolicies: a default deny blocks the path, an allow rule opens it again", async () => {
    const policies = `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`;
    await cluster.client.create(policies, {
      apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny-ingress", namespace: NS },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    });
    // The enforcer applies a policy within seconds of the change, not at once: a fresh client
    // pod at a time until one is blocked (within 60 s), and the last one's log says why.
    let attempt = 0;
    let blocked = { phase: "", log: "" };
    await waitFor("the default deny to block the path", async () => {
      blocked = await runPod(pod(`client-denied-${attempt++}`, fetchScript(`http://web.${NS}.svc/`, 3000)));
      return /^blocked /m.test(blocked.log) ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1000 }).catch((err) => assert.fail(`${(err as Error).message}; last client: ${blocked.log}`));
    assert.equal(blocked.phase, "Succeeded", blocked.log);

    await cluster.client.create(policies, {
      apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "allow-trusted", namespace: NS },
      spec: { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { trusted: "yes" } } }], ports: [{ port: 8080 }] }] },
    });
    const allowed = await runPod(pod("client-trusted", fetchScript(`http://web.${NS}.svc/`), { trusted: "yes" }));
    assert.match(allowed.log, /^ok 200 /m, `the allow rule did not open the path: ${allowed.log}`);
    const stillBlocked = await runPod(pod("client-untrusted", fetchScript(`http://web.${NS}.svc/`, 3000)));
    assert.match(stillBlocked.log, /^blocked /m, `a pod without the label got through: ${stillBlocked.log}`);
  });
});

/** A client that retries for a while (DNS and rules settle) and prints `ok <status> <body>` or `blocked <why>`. */
function fetchScript(url: string, totalMs = 20_000): string {
  return `
    const deadline = Date.now() + ${totalMs};
    (async () => {
      let last = "";
      while (Date.now() < deadline) {
        try {
          const r = await fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(1500) });
          console.log("ok " + r.status + " " + (await r.text()));
          return;
        } catch (e) { last = (e.cause && e.cause.code) || e.name || String(e); }
        await new Promise((r) => setTimeout(r, 300));
      }
      console.log("blocked " + last);
    })();`;
}
