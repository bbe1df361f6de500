/**
 * Pulumi mocks that behave like the real providers where our wiring depends on it, and a
 * runner that executes the platform program under them and records every resource.
 *
 * - Kubernetes: metadata.name is `<resource name>-<8 random hex>` when the program gives
 *   none (the provider's auto-naming), namespaced kinds default to namespace "default",
 *   apiVersion/kind are filled in.
 * - random.RandomPassword: `result` is a random string of the requested length from the
 *   requested character classes.
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
import type { PlatformConfig } from "../../infra/config";
import { createPlatform, type Platform } from "../../infra/platform";

export interface RecordedResource {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, any>;
  state: Record<string, any>;
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

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  constructor(readonly state = new ProviderState()) {}

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const key = `${args.type}::${args.name}`;
    if (this.resources.some((r) => `${r.type}::${r.name}` === key)) throw new Error(`duplicate resource ${key}`);
    const inputs = JSON.parse(JSON.stringify(args.inputs ?? {}));
    let state: Record<string, any> = { ...inputs };
    let id: string | undefined = `${args.name}-id`;
    const k8s = k8sTypeInfo(args.type);
    if (k8s) {
      const metadata = { ...(inputs.metadata ?? {}) };
      if (!metadata.name) metadata.name = this.state.remember(`name:${key}`, () => `${args.name}-${randomBytes(4).toString("hex")}`);
      if (!CLUSTER_SCOPED.has(k8s.kind) && !metadata.namespace) metadata.namespace = "default";
      state = { ...inputs, apiVersion: k8s.apiVersion, kind: k8s.kind, metadata };
      id = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
    } else if (args.type === "random:index/randomPassword:RandomPassword") {
      const result = this.state.remember(`result:${key}`, () => randomPasswordLike(inputs));
      state = { ...inputs, result, bcryptHash: `$2a$10$${randomBytes(22).toString("base64")}` };
    } else if (args.type === "docker:index/image:Image") {
      state = { ...inputs, baseImageName: inputs.imageName, repoDigest: `${String(inputs.imageName).split(":")[0]}@sha256:${randomBytes(32).toString("hex")}` };
    } else if (!args.custom) {
      id = undefined;
    }
    this.resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs, state });
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
export async function runPlatform(cfg: PlatformConfig, opts: { state?: ProviderState; repoRoot?: string } = {}): Promise<Run> {
  const mocks = new RecordingMocks(opts.state);
  await pulumi.runtime.setMocks(mocks, "drift-loop", "test", false);
  const t0 = performance.now();
  const platform = createPlatform(cfg, { repoRoot: opts.repoRoot });
  const outputs = await promiseOf(pulumi.output(platform.outputs as any));
  await settle();
  const ms = performance.now() - t0;
  return { mocks, resources: mocks.resources, platform, outputs, ms };
}

/** A throwaway repository root with the three workload Dockerfiles and a bit of code to hash. */
export function makeRepoFixture(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "drift-loop-repo-"));
  for (const dir of ["drifter", "drift-job", "model-api"]) {
    fs.mkdirSync(path.join(root, dir, "src"), { recursive: true });
    fs.writeFileSync(path.join(root, dir, "Dockerfile"), `FROM node:20.19.5-bookworm-slim\nUSER 1000\n# ${dir}\n`);
    fs.writeFileSync(path.join(root, dir, "src", "main.ts"), `export const part = ${JSON.stringify(dir)};\n`);
  }
  fs.mkdirSync(path.join(root, "lib"));
  fs.writeFileSync(path.join(root, "lib", "contract.ts"), "export const X = 1;\n");
  fs.writeFileSync(path.join(root, "package.json"), "{}\n");
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
