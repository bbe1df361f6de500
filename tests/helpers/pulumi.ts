/**
 * Pulumi mocks that behave like the real providers where our wiring depends on it, and a
 * runner that executes the platform program under them and records every resource.
 *
 * - Kubernetes: metadata.name is `<resource name>-<8 random hex>` when the program gives
 *   none (the provider's auto-naming), namespaced kinds default to namespace "default",
 *   apiVersion/kind are filled in.
 * - random.RandomPassword and RandomString: `result` is a random string of the requested
 *   length from the requested character classes.
 * - docker.Image: `imageName` echoes the input, `repoDigest` is a fresh digest.
 *
 * `ProviderState` plays the part of the stack state: pass the same one to two runs and
 * auto-names and passwords stay what they were, as on a real `pulumi up` of an existing stack.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes, randomInt } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { objectSource, parseConfig, type PlatformConfig } from "../../infra/config";
import { createPlatform, type Platform } from "../../infra/platform";

export interface RecordedResource {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, any>;
  state: Record<string, any>;
  /** Input paths that arrived as secrets. */
  secretPaths: string[];
}

/** Kinds without a namespace (of those the program could declare). */
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PersistentVolume", "IngressClass", "PriorityClass", "CustomResourceDefinition"]);

/** What a real stack's state would remember between updates. */
export class ProviderState {
  readonly values = new Map<string, any>();
  remember<T>(key: string, make: () => T): T {
    if (!this.values.has(key)) this.values.set(key, make());
    return this.values.get(key) as T;
  }
}

export function randomPasswordLike(inputs: Record<string, any>): string {
  const length = Number(inputs.length);
  if (!Number.isInteger(length) || length < 1) throw new Error(`RandomPassword: length must be a positive integer, got ${inputs.length}`);
  let chars = "";
  if (inputs.lower !== false) chars += "abcdefghijklmnopqrstuvwxyz";
  if (inputs.upper !== false) chars += "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (inputs.numeric !== false) chars += "0123456789";
  if (inputs.special !== false) chars += inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?";
  let out = "";
  for (let i = 0; i < length; i++) out += chars[randomInt(chars.length)];
  return out;
}

/** "kubernetes:apps/v1:Deployment" -> { apiVersion: "apps/v1", kind: "Deployment" }. */
export function k8sTypeInfo(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:([^:]+):(.+)$/.exec(type);
  if (!m) return undefined;
  return { apiVersion: m[1] === "core/v1" ? "v1" : m[1]!, kind: m[2]! };
}

/** Pulumi's wire marker of a secret value: `{ [SIG]: SECRET_SIG, value }`. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces secret markers by their values; `paths` collects where secrets were. */
export function unwrapSecrets(v: any, paths: string[] = [], at = ""): any {
  if (Array.isArray(v)) return v.map((x, i) => unwrapSecrets(x, paths, `${at}[${i}]`));
  if (v && typeof v === "object") {
    if (v[SIG_KEY] === SECRET_SIG) {
      paths.push(at || ".");
      return unwrapSecrets(v.value, paths, at);
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x, paths, at ? `${at}.${k}` : k)]));
  }
  return v;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  constructor(readonly state = new ProviderState()) {}

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const key = `${args.type}::${args.name}`;
    if (this.resources.some((r) => `${r.type}::${r.name}` === key)) throw new Error(`duplicate resource ${key}`);
    const secretPaths: string[] = [];
    const inputs = unwrapSecrets(JSON.parse(JSON.stringify(args.inputs ?? {})), secretPaths);
    let state: Record<string, any> = { ...inputs };
    let id: string | undefined = `${args.name}-id`;
    const k8s = k8sTypeInfo(args.type);
    if (k8s) {
      const metadata = { ...(inputs.metadata ?? {}) };
      if (!metadata.name) metadata.name = this.state.remember(`name:${key}`, () => `${args.name}-${randomBytes(4).toString("hex")}`);
      if (!CLUSTER_SCOPED.has(k8s.kind) && !metadata.namespace) metadata.namespace = "default";
      state = { ...inputs, apiVersion: k8s.apiVersion, kind: k8s.kind, metadata };
      id = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
    } else if (args.type === "random:index/randomPassword:RandomPassword" || args.type === "random:index/randomString:RandomString") {
      const result = this.state.remember(`result:${key}`, () => randomPasswordLike(inputs));
      state = { ...inputs, result, bcryptHash: `$2a$10$${randomBytes(22).toString("base64")}` };
    } else if (args.type === "docker:index/image:Image") {
      state = { ...inputs, baseImageName: inputs.imageName, repoDigest: `${String(inputs.imageName).split(":")[0]}@sha256:${randomBytes(32).toString("hex")}` };
    } else if (!args.custom) {
      id = undefined;
    }
    this.resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs, state, secretPaths });
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    return args.inputs;
  }
}

/** Resolves an output (unknowns never happen here: mocks run as an update, not a preview). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Waits until every resource registration the program started has reached the mocks. */
export async function settle(): Promise<void> {
  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (waitForRPCs) await waitForRPCs();
  // Registrations whose inputs resolve late start new RPCs: wait until nothing moves.
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    if (waitForRPCs) await waitForRPCs();
  }
}

export interface Run {
  mocks: RecordingMocks;
  resources: RecordedResource[];
  platform: Platform;
  outputs: any;
  ms: number;
}

/** Runs createPlatform(cfg) under fresh mocks (state shared when given) and records it all. */
export async function runPlatform(cfg: PlatformConfig, opts: { state?: ProviderState; repoRoot?: string; sourceMaps?: boolean } = {}): Promise<Run> {
  const mocks = new RecordingMocks(opts.state);
  await pulumi.runtime.setMocks(mocks, "drift-loop", "test", false);
  // Pulumi records a source position (a stack trace) per resource; with tsx's source maps on,
  // that alone costs ~1 s per run. Positions are not needed here: maps off while it runs.
  const maps = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(opts.sourceMaps ?? false);
  const t0 = performance.now();
  let platform: Platform;
  let outputs: any;
  try {
    platform = createPlatform(cfg, { repoRoot: opts.repoRoot });
    outputs = await promiseOf(pulumi.output(platform.outputs as any));
    await settle();
  } finally {
    process.setSourceMapsEnabled(maps);
  }
  const ms = performance.now() - t0;
  return { mocks, resources: mocks.resources, platform, outputs, ms };
}

/** A throwaway repository root with the workload Dockerfiles, a bit of code to hash, and our server images' real Dockerfiles and inputs. */
export function makeRepoFixture(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "drift-loop-repo-"));
  const copies: Record<string, string[]> = {
    drifter: ["lib ./lib", "drifter/src ./drifter/src"],
    "drift-job": ["lib ./lib", "drift-job/src ./drift-job/src"],
    "model-api": ["lib ./lib", "model-api/src ./model-api/src", "model-api/model/ ./model-in/"],
  };
  for (const [dir, lines] of Object.entries(copies)) {
    fs.mkdirSync(path.join(root, dir, "src"), { recursive: true });
    const df = ["FROM node:20.20.2-bookworm-slim AS build", "COPY package.json package-lock.json ./", ...lines.map((l) => `COPY ${l}`), "FROM node:20.20.2-bookworm-slim", "COPY --from=build /app/dist ./dist", "USER 1000", ""];
    fs.writeFileSync(path.join(root, dir, "Dockerfile"), df.join("\n"));
    fs.writeFileSync(path.join(root, dir, "src", "main.ts"), `export const part = ${JSON.stringify(dir)};\n`);
  }
  fs.mkdirSync(path.join(root, "model-api", "model"));
  fs.writeFileSync(path.join(root, "model-api", "model", "model.json"), '{"version":"1"}\n');
  fs.mkdirSync(path.join(root, "lib"));
  fs.writeFileSync(path.join(root, "lib", "contract.ts"), "export const X = 1;\n");
  fs.writeFileSync(path.join(root, "package.json"), "{}\n");
  fs.writeFileSync(path.join(root, "package-lock.json"), "{}\n");
  const realRoot = path.resolve(__dirname, "..", "..");
  for (const f of ["components/images/mlflow.Dockerfile", "components/images/mlflow.Dockerfile.dockerignore", "components/images/minio.Dockerfile", "components/images/minio.Dockerfile.dockerignore", "scripts/mlflow-constraints.txt", "scripts/versions.env"]) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.copyFileSync(path.join(realRoot, f), path.join(root, f));
  }
  return root;
}

/** Kubernetes objects of a run, as manifests (apiVersion, kind, metadata with the final name, the rest of the inputs). */
export function manifests(resources: RecordedResource[]): Record<string, any>[] {
  return resources
    .filter((r) => k8sTypeInfo(r.type))
    .map((r) => {
      const { apiVersion, kind, metadata, ...rest } = r.state;
      return { apiVersion, kind, metadata, ...rest };
    });
}

/** A workload object with its pod template, whatever its kind. */
export interface Workload {
  manifest: Record<string, any>;
  kind: string;
  name: string;
  namespace: string;
  podLabels: Record<string, string>;
  podSpec: Record<string, any>;
  /** Long-running (Deployment, StatefulSet) as opposed to run-to-completion (Job, CronJob). */
  longRunning: boolean;
}

export function workloads(ms: Record<string, any>[]): Workload[] {
  const out: Workload[] = [];
  for (const m of ms) {
    let template: any;
    if (m.kind === "Deployment" || m.kind === "StatefulSet" || m.kind === "Job") template = m.spec.template;
    else if (m.kind === "CronJob") template = m.spec.jobTemplate.spec.template;
    else continue;
    out.push({
      manifest: m,
      kind: m.kind,
      name: m.metadata.name,
      namespace: m.metadata.namespace,
      podLabels: template.metadata?.labels ?? {},
      podSpec: template.spec,
      longRunning: m.kind === "Deployment" || m.kind === "StatefulSet",
    });
  }
  return out;
}

export function containersOf(w: Workload): Record<string, any>[] {
  return [...(w.podSpec.initContainers ?? []), ...(w.podSpec.containers ?? [])];
}

export function byKind(ms: Record<string, any>[], kind: string): Record<string, any>[] {
  return ms.filter((m) => m.kind === kind);
}

/** True when every key/value of `selector` is in `labels`. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Secret config values of the test stacks (must never show up outside Secrets). */
export const SECRETS = {
  dispatchToken: "ghp_dispatchTOKEN0123456789abcdefXYZ",
  registryToken: "ghcr_registryTOKEN0123456789abcdef",
  kubeconfig: "apiVersion: v1\nkind: Config\nusers: [{name: ci, user: {token: kubeTOKEN0123456789}}]\n",
  passphrase: "correct-horse-battery-staple-0123",
};

export function minikubeConfig(extra: Record<string, string> = {}): PlatformConfig {
  return parseConfig(objectSource({ profile: "minikube", ...extra }));
}

export function cloudConfig(extra: Record<string, string> = {}): PlatformConfig {
  return parseConfig(
    objectSource({
      profile: "cloud",
      imageRegistry: "ghcr.io/acme",
      ingressDomain: "ml.example.com",
      ingressTlsClusterIssuer: "letsencrypt-prod",
      githubRepository: "acme/drift-loop",
      githubDispatchToken: SECRETS.dispatchToken,
      registryUsername: "acme-bot",
      registryToken: SECRETS.registryToken,
      pipelineKubeconfig: SECRETS.kubeconfig,
      pulumiConfigPassphrase: SECRETS.passphrase,
      pipelineBackendUrl: "s3://acme-pulumi-state",
      ...extra,
    }),
  );
}


/** Paths where two JSON values differ. */
export function diffPaths(a: unknown, b: unknown, at = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    return [...keys].flatMap((k) => diffPaths((a as any)[k], (b as any)[k], Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k));
  }
  return [at || "."];
}

/** Resource key -> paths that changed between two runs (added/removed resources included). */
export function changes(before: Run, after: Run): Record<string, string[]> {
  const index = (rs: RecordedResource[]) => new Map(rs.map((r) => [`${r.type}::${r.name}`, r]));
  const a = index(before.resources);
  const b = index(after.resources);
  const out: Record<string, string[]> = {};
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const ra = a.get(key);
    const rb = b.get(key);
    if (!ra || !rb) out[key] = [ra ? "(deleted)" : "(created)"];
    else {
      const d = diffPaths(ra.inputs, rb.inputs);
      if (d.length > 0) out[key] = d;
    }
  }
  return out;
}

/** The container's environment as the kubelet builds it. */
export function resolvedEnv(ms: Record<string, any>[], w: Workload, container?: string): Record<string, string> {
  const c = containersOf(w).find((x) => container === undefined || x.name === container)!;
  const env: Record<string, string> = {};
  for (const ef of c.envFrom ?? []) {
    const cm = byKind(ms, "ConfigMap").find((x) => x.metadata.name === ef.configMapRef.name)!;
    Object.assign(env, cm.data);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.secretKeyRef) {
      const s = byKind(ms, "Secret").find((x) => x.metadata.name === e.valueFrom.secretKeyRef.name)!;
      env[e.name] = String({ ...s.data, ...s.stringData }[e.valueFrom.secretKeyRef.key]);
    } else if (e.value !== undefined) {
      env[e.name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => (name in env ? env[name]! : m));
    }
  }
  // Secret volumes as the kubelet writes them (one file per key), at a local path.
  for (const m of c.volumeMounts ?? []) {
    const v = (w.podSpec.volumes ?? []).find((x: any) => x.name === m.name);
    if (!v?.secret) continue;
    const s = byKind(ms, "Secret").find((x) => x.metadata.name === v.secret.secretName)!;
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "env-contract-")), "mount");
    fs.mkdirSync(dir);
    for (const [k, val] of Object.entries({ ...s.data, ...s.stringData })) fs.writeFileSync(path.join(dir, k), String(val));
    for (const [k, val] of Object.entries(env)) if (val === m.mountPath) env[k] = dir;
  }
  return env;
}
