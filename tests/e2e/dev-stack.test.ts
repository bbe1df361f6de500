// The real dev stack (Pulumi.yaml + Pulumi.dev.yaml + infra/) deployed by the real Pulumi
// engine to the e2e cluster: images referenced by tag (no Docker here), GitHub off, a local
// file backend. Then the retrain update of the model image tag through the Automation API
// boundary `npm run retrain` uses (model-api/src/training/stack.ts), then destroy. Everything runs
// in a copy of the project, so the test never edits the committed stack config.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { type Cluster } from "./helpers/cluster";
import { ResourcePaths, readiness, waitFor, type KubeObject } from "./helpers/kube";
import { pulumi, pulumiEnv, pulumiOk, type PulumiEnv } from "./helpers/pulumi";
import { getCluster } from "./helpers/shared";
import { REPO_ROOT, ensureToolchain } from "./helpers/toolchain";
import { STACK_CONFIG } from "../../lib/contract";
import { pulumiStackSelector } from "../../model-api/src/training/stack";

const STACK = "dev";
const NEW_MODEL_TAG = "model-v2";
const SKIP_COPY = new Set(["node_modules", ".git", "dist", ".pulumi-state"]);

/** Run `fn` with process.env extended by `env` (the Automation API reads process.env). */
async function withEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

interface StateResource {
  urn: string;
  type: string;
  outputs?: KubeObject;
}

describe("dev stack: pulumi up, retrain update, destroy against the e2e cluster", function () {
  let cluster: Cluster;
  let penv: PulumiEnv;
  let work: string; // a copy of the project
  const args = (...a: string[]) => [...a, "--stack", STACK];

  before(async function () {
    this.timeout(0);
    // Builds what is missing (slow when cold); a build that fails fails the suite.
    ensureToolchain(["pulumi", "language-nodejs", "provider-kubernetes", "provider-random"]);
    cluster = await getCluster();
    penv = pulumiEnv(cluster.kubeconfig);
    work = mkdtempSync(path.join(tmpdir(), "drift-loop-e2e-dev-"));
    cpSync(REPO_ROOT, work, { recursive: true, filter: (src) => !SKIP_COPY.has(path.basename(src)) });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
    await pulumiOk(["stack", "init", STACK], work, penv.env);
    for (const [k, v] of [
      ["drift-loop:buildImages", "false"], // no Docker engine: reference images by tag
      ["drift-loop:storageClass", cluster.storageClass],
      ["drift-loop:githubRepository", ""], // GitHub pipeline and dispatch off
    ]) {
      await pulumiOk(args("config", "set", k, v), work, penv.env);
    }
  });

  after(async function () {
    this.timeout(600_000);
    if (!penv) return;
    await pulumi(args("destroy", "--yes", "--skip-preview"), work, penv.env).catch(() => undefined);
    penv.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const stateResources = async (): Promise<StateResource[]> => {
    const state = JSON.parse(await pulumiOk(args("stack", "export"), work, penv.env));
    return state.deployment.resources ?? [];
  };

  it("creates every Kubernetes resource of the stack, and each one is ready", async () => {
    await pulumiOk(args("up", "--yes", "--skip-preview"), work, penv.env, 1_200_000);
    const paths = new ResourcePaths(cluster.client);
    const k8s = (await stateResources()).filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"));
    assert.ok(k8s.length > 10, `expected the platform's resources in the state, got ${k8s.length}`);
    for (const r of k8s) {
      const o = r.outputs ?? {};
      const p = await paths.objectPath(o.apiVersion, o.kind, o.metadata?.namespace, o.metadata?.name);
      const live = await cluster.client.find(p);
      assert.ok(live, `${r.urn} is in the state but not in the cluster (${p})`);
      const ready = readiness(live);
      assert.ok(!ready || ready.ready, `${r.urn} is not ready: ${ready?.why}`);
    }
    // Each Deployment rolled out once: one ReplicaSet per Deployment, so nothing changed a pod
    // template after the create (a late checksum or annotation would roll it a second time).
    const deployments = await cluster.client.list("/apis/apps/v1/namespaces/drift-loop/deployments");
    const replicaSets = await cluster.client.list("/apis/apps/v1/namespaces/drift-loop/replicasets");
    for (const d of deployments) {
      const owned = replicaSets.filter((rs) => (rs.metadata.ownerReferences ?? []).some((o: { uid: string }) => o.uid === d.metadata.uid));
      assert.equal(owned.length, 1, `${d.metadata.name} has ${owned.length} ReplicaSets: ${owned.map((rs) => rs.metadata.name).join(", ")}`);
    }
  });

  it("exports the namespace, URLs and model tag, and keeps credentials secret", async () => {
    const plain = JSON.parse(await pulumiOk(args("stack", "output", "--json"), work, penv.env));
    assert.equal(plain.namespace, "drift-loop");
    for (const key of ["mlflowUrl", "drifterUrl", "modelApiUrl", "minioEndpoint"]) {
      assert.match(plain[key], /^http:\/\/[a-z0-9-]+\.drift-loop\.svc\.cluster\.local:\d+$/, key);
    }
    for (const key of ["postgresPassword", "minioRootUser", "minioRootPassword"]) {
      assert.equal(plain[key], "[secret]", `${key} must be a secret output`);
    }
  });

  it("stores generated passwords in the Kubernetes Secrets", async () => {
    const secrets = JSON.parse(await pulumiOk(args("stack", "output", "--json", "--show-secrets"), work, penv.env));
    const all = await cluster.client.list("/api/v1/namespaces/drift-loop/secrets");
    const values = all.flatMap((s) => Object.values((s.data ?? {}) as Record<string, string>)).map((b64) => Buffer.from(b64, "base64").toString("utf8"));
    for (const key of ["postgresPassword", "minioRootPassword"]) {
      const v: string = secrets[key];
      assert.ok(v.length >= 16, `${key} is too short to be generated`);
      assert.ok(values.includes(v), `${key} is not in any Secret of the namespace`);
    }
    assert.notEqual(secrets.postgresPassword, secrets.minioRootPassword);
  });

  it("previews a retrain (new model image tag) as exactly one update and rolls the model API", async () => {
    // The same Automation API boundary as `npm run retrain` (model-api/src/training/retrain.ts).
    const stack = await withEnv(penv.env, () => pulumiStackSelector({ stackName: STACK, workDir: work }));
    const lines: string[] = [];
    const onOutput = (out: string) => lines.push(out);
    await withEnv(penv.env, () => stack.setConfig(STACK_CONFIG.modelImageTag, { value: NEW_MODEL_TAG }));
    const preview = await withEnv(penv.env, () => stack.preview({ onOutput }));
    const { same: _same, ...changed } = preview.changeSummary;
    assert.deepEqual(changed, { update: 1 }, lines.join(""));
    // Which one: the model API Deployment (the CLI's JSON preview names it).
    const json = JSON.parse(await pulumiOk(args("preview", "--json"), work, penv.env));
    const steps = (json.steps as Array<{ op: string; urn: string }>).filter((st) => st.op !== "same");
    assert.equal(steps.length, 1, JSON.stringify(steps));
    assert.match(steps[0].urn, /kubernetes:apps\/v1:Deployment::model-api-deploy$/);
    const up = await withEnv(penv.env, () => stack.up({ onOutput }));
    assert.equal(up.summary.result, "succeeded");
    assert.equal(up.summary.resourceChanges?.update, 1);
    const modelImage = String(up.outputs.modelImage?.value);
    assert.match(modelImage, new RegExp(`:${NEW_MODEL_TAG}$`), `outputs after the retrain up: ${JSON.stringify(up.outputs)}`);
    const modelApiState = (await stateResources()).find((r) => /kubernetes:apps\/v1:Deployment::model-api-deploy$/.test(r.urn));
    const modelApiDeployment = modelApiState?.outputs?.metadata?.name;
    assert.ok(modelApiDeployment, "the model API Deployment is in the state");
    const deps = await cluster.client.list("/apis/apps/v1/namespaces/drift-loop/deployments");
    const rolled = deps.filter((d) =>
      (d.spec.template.spec.containers as Array<{ image: string }>).some((c) => c.image.endsWith(`:${NEW_MODEL_TAG}`)),
    );
    assert.deepEqual(rolled.map((d) => d.metadata.name), [modelApiDeployment], "exactly one Deployment, the model API's, runs the new model tag");
    // The output names the image the model API actually runs.
    assert.deepEqual((rolled[0].spec.template.spec.containers as Array<{ image: string }>).map((c) => c.image), [modelImage]);
    const ready = readiness(rolled[0]);
    assert.ok(ready, `no readiness notion for ${rolled[0].kind}`);
    assert.ok(ready.ready, `the model API Deployment is not ready after the retrain up: ${ready.why}`);
  });

  it("leaves the namespace empty after pulumi destroy", async () => {
    await pulumiOk(args("destroy", "--yes", "--skip-preview"), work, penv.env, 900_000);
    await waitFor("namespace drift-loop gone", async () => {
      const ns = await cluster.client.find("/api/v1/namespaces/drift-loop");
      return ns === undefined ? true : undefined;
    }, { timeoutMs: 180_000, intervalMs: 1000 });
    assert.equal((await stateResources()).length, 0);
  });
});
