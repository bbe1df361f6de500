// What the e2e tests that deploy a stack of the real program share: a copy of the project
// with its own stack (so a test never edits the committed config or model file), a shell
// runner, and MLflow's REST API asked as a pod would (by ClusterIP, with the Service's
// in-cluster name in the Host header: MLflow's DNS-rebinding check accepts only its names).
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import type { Cluster } from "../../../scripts/cluster/cluster";
import { waitFor, type KubeObject } from "../../../scripts/cluster/kube";
import { LOCAL_IMAGES, serviceAddress, stackImages } from "../../../scripts/cluster/loop";
import { imagesScript } from "../../../scripts/cluster/node";
import { pulumi, pulumiEnv, pulumiOk, type PulumiEnv } from "../../../scripts/cluster/pulumi";
import { REPO_ROOT, ensureToolchain, toolchainPath, type Component } from "../../../scripts/cluster/toolchain";
import { getRealCluster } from "./shared";

const SKIP_COPY = new Set(["node_modules", ".git", "dist", ".pulumi-state"]);

/**
 * The shared real-node cluster, ready for a stack of the program: the Pulumi toolchain (and
 * `components`) built, our images built from their Dockerfiles and loaded into the node (and
 * `images`, after `images.sh <imagesCommand>` built them). Builds what is missing (slow when
 * cold); a build that fails fails the suite.
 */
export async function clusterForStacks(extra: { components?: Component[]; imagesCommand?: string; images?: string[] } = {}): Promise<Cluster> {
  ensureToolchain(["pulumi", "language-nodejs", "provider-kubernetes", "provider-random", ...(extra.components ?? [])]);
  imagesScript(["base"]);
  imagesScript(["build", "--registry", LOCAL_IMAGES.registry, "--tag", LOCAL_IMAGES.tag]);
  if (extra.imagesCommand) imagesScript([extra.imagesCommand]);
  const cluster = await getRealCluster();
  cluster.realNode!.loadImages([...stackImages(), ...(extra.images ?? [])]);
  return cluster;
}

/** A JSON request with our own Host header (fetch does not let one set it). */
export function httpJson(base: URL, method: string, p: string, headers: Record<string, string>, body?: unknown): Promise<KubeObject> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ hostname: base.hostname, port: base.port, method, path: p, headers: { ...headers, ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}) }, timeout: 30_000 }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => ((res.statusCode ?? 0) < 300 ? resolve(JSON.parse(text) as KubeObject) : reject(new Error(`${method} ${p} -> ${res.statusCode}: ${text.slice(0, 300)}`))));
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** MLflow's REST API as the stack's admin: `ask(method, path, body)`. */
export function mlflowApi(serviceUrl: string, inClusterUrl: string, outputs: Record<string, string>): (method: string, p: string, body?: unknown) => Promise<KubeObject> {
  const auth = `Basic ${Buffer.from(`${outputs.mlflowAdminUsername}:${outputs.mlflowAdminPassword}`).toString("base64")}`;
  const host = new URL(inClusterUrl).host;
  return (method, p, body) => httpJson(new URL(serviceUrl), method, p, { host, authorization: auth }, body);
}

/** Run a command; resolves with its output, rejects with it on a non-zero exit. */
export function sh(command: string, opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", command], { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} exited ${code}:\n${out.split("\n").slice(-60).join("\n")}`));
    });
  });
}

/**
 * `npm run retrain` as the retrain workflow runs it: the stack's outputs into
 * scripts/ci/with-cluster.ts (kubectl port-forwards), with `--before-deploy` building the new
 * model image and loading it into the node. Resolves with the command's output.
 */
export function retrainThroughWithCluster(cluster: Cluster, stack: StackCopy, stackName: string): Promise<string> {
  const { registry } = LOCAL_IMAGES;
  const socket = cluster.realNode!.containerdSocket;
  const beforeDeploy = `bash scripts/cluster/images.sh build-model --registry ${registry} --tag "$MODEL_IMAGE_TAG" && bash scripts/cluster/images.sh load --containerd ${socket} ${registry}/model-api:"$MODEL_IMAGE_TAG"`;
  return sh(
    `pulumi stack output --json --show-secrets --stack ${stackName} | npx tsx scripts/ci/with-cluster.ts -- npm run -s retrain -- --drifter --rows 3000 --tolerance 1 --stack ${stackName} --before-deploy '${beforeDeploy}'`,
    { cwd: stack.work, env: { ...stack.penv.env, PATH: toolchainPath(), KUBECONFIG: cluster.kubeconfig }, timeoutMs: 1_200_000 },
  );
}

/**
 * The model version the stack's model API serves once it answers with `tag` (`model-v<N>`):
 * right after a roll the Service's routes and the new pod's NetworkPolicy rules take a moment
 * on the node (kube-proxy, kube-router), so it asks again until then (at most 90 s).
 */
export async function waitForServedModel(cluster: Cluster, namespace: string, token: string, tag: string): Promise<KubeObject> {
  const url = await serviceAddress(cluster.client, namespace, "model-api", 8080);
  let last = "no answer yet";
  return waitFor(`the model API serving ${tag}`, async () => {
    try {
      const res = await fetch(`${url}/model`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
      const model = (await res.json()) as KubeObject;
      last = `${res.status} ${JSON.stringify(model)}`;
      return `model-v${model.version}` === tag ? model : undefined;
    } catch (e) {
      last = (e as Error).message;
      return undefined;
    }
  }, { timeoutMs: 90_000, intervalMs: 2000 }).catch((e) => {
    throw new Error(`${(e as Error).message}; last: ${last}`);
  });
}

export interface StackCopy {
  /** The copy of the project the stack lives in. */
  work: string;
  penv: PulumiEnv;
  /** Pulumi arguments with `--stack <name>` appended. */
  args: (...a: string[]) => string[];
  /** `pulumi destroy` (errors ignored), then the copy and the state are removed. */
  remove: () => Promise<void>;
}

/** A copy of the project with a new stack of the given config (plain keys, then secret keys), on the local file backend. */
export async function stackInCopy(stack: string, kubeconfig: string, config: Array<[string, string]>, secretConfig: Array<[string, string]> = []): Promise<StackCopy> {
  const penv = pulumiEnv(kubeconfig);
  const work = mkdtempSync(path.join(tmpdir(), `drift-loop-e2e-${stack}-`));
  cpSync(REPO_ROOT, work, { recursive: true, filter: (src) => !SKIP_COPY.has(path.basename(src)) });
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
  const args = (...a: string[]) => [...a, "--stack", stack];
  await pulumiOk(["stack", "init", stack], work, penv.env);
  // The value after `--` (a PEM or a value starting with "-" is no flag), so the flags go first.
  for (const [k, v] of config) await pulumiOk(["config", "set", "--stack", stack, `drift-loop:${k}`, "--", v], work, penv.env);
  for (const [k, v] of secretConfig) await pulumiOk(["config", "set", "--stack", stack, "--secret", `drift-loop:${k}`, "--", v], work, penv.env);
  return {
    work,
    penv,
    args,
    remove: async () => {
      await pulumi(args("destroy", "--yes", "--skip-preview"), work, penv.env).catch(() => undefined);
      penv.cleanup();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
