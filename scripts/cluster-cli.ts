/**
 * `npm run cluster -- up|down|status|env`: a single-node Kubernetes cluster on this machine
 * (the one the e2e tests use): etcd and the control plane on the node IP, and one real node
 * (containerd, kubelet, kube-proxy, CNI bridge, CoreDNS, kube-router's NetworkPolicy
 * firewall). `up` builds what is missing, starts the cluster in the background and prints
 * `export KUBECONFIG=…`. Needs root.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { EXIT, UsageError, parseFlags, runMain } from "../lib/cli";
import { startCluster, type Cluster } from "./cluster/cluster";
import { KubeClient } from "./cluster/kube";
import { NODE, realNodeProblems } from "./cluster/node";
import { REAL_CLUSTER_COMPONENTS, REPO_ROOT, ensureToolchain } from "./cluster/toolchain";
import { cacheRoot } from "./services/config";

const HELP = `Usage: npm run cluster -- <command>

A single-node Kubernetes ${"1.34"} cluster on this machine, for trying drift-loop without a
cloud or Minikube (and the one the e2e tests run on): etcd, kube-apiserver, controller
manager and scheduler, and one real node (containerd + runc, kubelet, kube-proxy, CNI
bridge, CoreDNS, kube-router enforcing NetworkPolicies). Needs root and Debian's
containerd, iptables, ipset, conntrack and containernetworking-plugins.

Commands:
  up       build what is missing (first time: about 15 minutes), start the cluster in the
           background and print the line that points kubectl and Pulumi at it:
             eval "$(npm run -s cluster -- up)"
  env      print that line again:   eval "$(npm run -s cluster -- env)"
  status   whether it runs, its API server and node, and where the logs are
  down     stop it and remove its data (pods, volumes, certificates)
  help     print this help

The node IP is ${NODE.ip} (on the loopback interface); Services are in ${NODE.serviceCidr}, pods in
${NODE.clusterCidr}. Files: <cache>/cluster (cache: $DRIFT_LOOP_CACHE, default
~/.cache/drift-loop): kubeconfig, state.json, the supervisor's log, and data/ (each
component's log in data/logs).`;

export interface State {
  pid: number;
  kubeconfig: string;
  server: string;
  dataDir: string;
  startedAt: string;
}

const dir = () => path.join(cacheRoot(), "cluster");
const files = () => ({
  state: path.join(dir(), "state.json"),
  kubeconfig: path.join(dir(), "kubeconfig"),
  log: path.join(dir(), "cluster.log"),
  failed: path.join(dir(), "failed.txt"),
  data: path.join(dir(), "data"),
});

/** The running cluster's state, or undefined when none runs. */
export function runningCluster(): State | undefined {
  const st = readState();
  return st && alive(st.pid) ? st : undefined;
}

/** The containerd socket of the running cluster's node (images are loaded through it). */
export const containerdSocketOf = (st: State) => path.join(st.dataDir, "node", "containerd", "containerd.sock");

function readState(): State | undefined {
  const f = files().state;
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, "utf8")) as State;
}

/** Whether `pid` is still our supervisor (after a reboot or a kill -9 the number may be anyone's). */
function alive(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return args.some((a) => a.endsWith("cluster-cli.ts")) && args.includes("__serve");
  } catch {
    return false;
  }
}

/** For `eval`: the path single-quoted (a cache path may hold spaces). */
const exportLine = (kubeconfig: string) => `export KUBECONFIG='${kubeconfig.replace(/'/g, "'\\''")}'`;

/** The background process: start the cluster, publish the state, stop it on SIGTERM. */
async function serve(): Promise<void> {
  const f = files();
  let cluster: Cluster | undefined;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log(`[cluster] stopping`);
    await cluster?.stop();
    rmSync(f.state, { force: true });
    rmSync(f.kubeconfig, { force: true });
    console.log(`[cluster] stopped`);
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
  try {
    cluster = await startCluster({ node: "real", dataDir: f.data });
  } catch (err) {
    writeFileSync(f.failed, (err as Error).message);
    throw err;
  }
  writeFileSync(f.kubeconfig, cluster.kubeconfigYaml, { mode: 0o600 });
  const state: State = { pid: process.pid, kubeconfig: f.kubeconfig, server: cluster.server, dataDir: f.data, startedAt: new Date().toISOString() };
  writeFileSync(f.state, JSON.stringify(state, null, 2) + "\n");
  console.log(`[cluster] up: ${cluster.server}`);
  // Stay alive: the cluster's processes are this process's children.
  await new Promise<void>(() => undefined);
}

export async function up(print: (s: string) => void): Promise<number> {
  const problems = realNodeProblems();
  if (problems.length) throw new UsageError(`cannot start the cluster here:\n  - ${problems.join("\n  - ")}`);
  const f = files();
  const st = readState();
  if (st && alive(st.pid)) {
    process.stderr.write(`cluster: already running (pid ${st.pid}, ${st.server})\n`);
    print(exportLine(st.kubeconfig));
    return EXIT.ok;
  }
  mkdirSync(dir(), { recursive: true });
  // Progress of the builds on stderr, so `eval "$(npm run -s cluster -- up)"` still works.
  ensureToolchain(REAL_CLUSTER_COMPONENTS, { progress: true });
  rmSync(f.failed, { force: true });
  rmSync(f.data, { recursive: true, force: true });
  const log = openSync(f.log, "w");
  const child = spawn(process.execPath, [...process.execArgv, __filename, "__serve"], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", log, log],
    env: process.env,
  });
  closeSync(log);
  child.unref();
  process.stderr.write(`cluster: starting (pid ${child.pid}; log ${f.log})\n`);
  const started = Date.now();
  for (;;) {
    await sleep(1000);
    const s = readState();
    if (s && s.pid === child.pid) break;
    if (existsSync(f.failed) || child.exitCode !== null || !alive(child.pid!)) {
      const why = existsSync(f.failed) ? readFileSync(f.failed, "utf8") : readFileSync(f.log, "utf8").split("\n").slice(-30).join("\n");
      throw new Error(`the cluster did not start:\n${why}`);
    }
    if (Date.now() - started > 300_000) throw new Error(`the cluster did not start within 5 minutes; see ${f.log}`);
  }
  process.stderr.write(`cluster: up in ${Math.round((Date.now() - started) / 1000)} s: ${readState()!.server}, node ${NODE.name}\n`);
  print(exportLine(f.kubeconfig));
  return EXIT.ok;
}

export async function down(): Promise<number> {
  const st = readState();
  if (!st || !alive(st.pid)) {
    if (st) {
      // The supervisor was killed (kill -9, OOM) but its processes, a group it led, may run on:
      // end them; the next start clears what they left (address, rules, containers).
      try {
        process.kill(-st.pid, "SIGKILL");
        process.stderr.write(`cluster: the supervisor (pid ${st.pid}) was gone; its processes were killed\n`);
      } catch {
        // none left
      }
    }
    process.stderr.write("cluster: not running\n");
    rmSync(files().state, { force: true });
    return EXIT.ok;
  }
  process.kill(st.pid, "SIGTERM");
  const started = Date.now();
  while (alive(st.pid)) {
    if (Date.now() - started > 120_000) throw new Error(`the cluster (pid ${st.pid}) did not stop within 2 minutes; see ${files().log}`);
    await sleep(500);
  }
  rmSync(files().data, { recursive: true, force: true });
  process.stderr.write("cluster: stopped, data removed\n");
  return EXIT.ok;
}

async function status(print: (s: string) => void): Promise<number> {
  const st = readState();
  if (!st || !alive(st.pid)) {
    print("cluster: not running (start it: npm run cluster -- up)");
    return EXIT.failed;
  }
  const pki = path.join(st.dataDir, "pki");
  const client = new KubeClient({ server: st.server, ca: path.join(pki, "ca.crt"), cert: path.join(pki, "admin.crt"), key: path.join(pki, "admin.key") });
  try {
    const ready = (await client.raw("GET", "/readyz")).status === 200;
    const node = await client.find(`/api/v1/nodes/${NODE.name}`);
    const nodeReady = (node?.status?.conditions ?? []).find((c: { type: string }) => c.type === "Ready")?.status === "True";
    const pods = await client.list("/api/v1/pods");
    const running = pods.filter((p) => p.status?.phase === "Running").length;
    print(`cluster: running since ${st.startedAt} (pid ${st.pid})`);
    print(`  API server ${st.server}: ${ready ? "ready" : "NOT ready"}`);
    print(`  node ${NODE.name} (${NODE.ip}): ${nodeReady ? "Ready" : "NOT Ready"}; pods running: ${running} of ${pods.length}`);
    print(`  ${exportLine(st.kubeconfig)}`);
    print(`  logs: ${path.join(st.dataDir, "logs")}`);
    return ready && nodeReady ? EXIT.ok : EXIT.failed;
  } finally {
    client.close();
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === "__serve") {
    await serve();
    return EXIT.ok;
  }
  const [cmd, ...rest] = argv;
  const v = parseFlags(rest, { help: { type: "boolean" } });
  const print = (s: string) => console.log(s);
  if (!cmd || cmd === "help" || cmd === "--help" || v.help) {
    print(HELP);
    return EXIT.ok;
  }
  switch (cmd) {
    case "up":
      return up(print);
    case "down":
      return down();
    case "status":
      return status(print);
    case "env": {
      const st = readState();
      if (!st || !alive(st.pid)) throw new UsageError("the cluster is not running; start it: npm run cluster -- up");
      print(exportLine(st.kubeconfig));
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(cmd)}; allowed: up, down, status, env, help`);
  }
}

if (require.main === module) runMain("cluster", main, { help: true });
