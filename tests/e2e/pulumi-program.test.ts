// The real Pulumi CLI, language host and kubernetes provider against the e2e cluster, with
// a small TypeScript program in a temp dir and a local file state backend: what a user's
// `pulumi up` / `preview` / `destroy` does, minus the cloud.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { type Cluster } from "../../scripts/cluster/cluster";
import { waitFor } from "../../scripts/cluster/kube";
import { pulumi, pulumiEnv, pulumiOk, type PulumiEnv } from "../../scripts/cluster/pulumi";
import { getCluster } from "./helpers/shared";
import { REPO_ROOT, ensureToolchain } from "../../scripts/cluster/toolchain";

const PROGRAM = `import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const ns = new k8s.core.v1.Namespace("smoke", {
  metadata: { labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
});
const settings = new k8s.core.v1.ConfigMap("settings", {
  metadata: { namespace: ns.metadata.name },
  data: { greeting: config.require("greeting") },
});
export const namespace = ns.metadata.name;
export const configMapName = settings.metadata.name;
`;

function writeProgram(dir: string): void {
  writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    [
      "name: e2e-smoke",
      "description: e2e smoke program",
      // The same runtime options as the project's Pulumi.yaml: tsx loads the TypeScript.
      "runtime:",
      "  name: nodejs",
      "  options:",
      "    typescript: false",
      '    nodeargs: "--import tsx"',
      "",
    ].join("\n"),
  );
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "e2e-smoke", main: "index.ts" }));
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, target: "es2020", module: "commonjs" }, files: ["index.ts"] }),
  );
  writeFileSync(path.join(dir, "index.ts"), PROGRAM);
  // The program uses the repository's pinned @pulumi/* packages.
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
}

describe("Pulumi CLI + kubernetes provider against the e2e cluster", function () {
  let cluster: Cluster;
  let penv: PulumiEnv;
  let dir: string;
  const stack = "smoke";

  before(async function () {
    this.timeout(0);
    ensureToolchain(["pulumi", "language-nodejs", "provider-kubernetes"]);
    cluster = await getCluster();
    penv = pulumiEnv(cluster.kubeconfig);
    dir = mkdtempSync(path.join(tmpdir(), "drift-loop-e2e-program-"));
    writeProgram(dir);
    await pulumiOk(["stack", "init", stack], dir, penv.env);
    await pulumiOk(["config", "set", "greeting", "hello"], dir, penv.env);
  });

  after(async function () {
    this.timeout(300_000);
    if (dir && penv) {
      await pulumi(["destroy", "--yes", "--skip-preview"], dir, penv.env).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      penv.cleanup();
    }
  });

  it("reports the pinned CLI version", async () => {
    const out = await pulumiOk(["version"], dir, penv.env);
    assert.equal(out.trim(), "v3.248.0");
  });

  it("creates the namespace and ConfigMap with pulumi up", async () => {
    await pulumiOk(["up", "--yes", "--skip-preview"], dir, penv.env);
    const outputs = JSON.parse(await pulumiOk(["stack", "output", "--json"], dir, penv.env));
    // Auto-names: the logical name plus a random suffix, as the real provider makes them.
    assert.match(outputs.namespace, /^smoke-[0-9a-z]{8}$/);
    assert.match(outputs.configMapName, /^settings-[0-9a-z]{8}$/);
    const ns = await cluster.client.get(`/api/v1/namespaces/${outputs.namespace}`);
    assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    const cm = await cluster.client.get(`/api/v1/namespaces/${outputs.namespace}/configmaps/${outputs.configMapName}`);
    assert.deepEqual(cm.data, { greeting: "hello" });
  });

  it("previews a ConfigMap data change as exactly one replacement, then rolls to a new name", async () => {
    // The kubernetes provider replaces (rather than patches) ConfigMaps, so pods that
    // reference the auto-generated name roll when the data changes.
    const before = JSON.parse(await pulumiOk(["stack", "output", "--json"], dir, penv.env));
    await pulumiOk(["config", "set", "greeting", "bonjour"], dir, penv.env);
    const preview = JSON.parse(await pulumiOk(["preview", "--json"], dir, penv.env));
    const changes = (preview.steps as Array<{ op: string; urn: string }>).filter((s) => s.op !== "same");
    assert.equal(changes.length, 1, JSON.stringify(changes));
    assert.equal(changes[0].op, "replace");
    assert.match(changes[0].urn, /ConfigMap::settings$/);
    await pulumiOk(["up", "--yes", "--skip-preview"], dir, penv.env);
    const after = JSON.parse(await pulumiOk(["stack", "output", "--json"], dir, penv.env));
    assert.equal(after.namespace, before.namespace);
    assert.notEqual(after.configMapName, before.configMapName);
    const cm = await cluster.client.get(`/api/v1/namespaces/${after.namespace}/configmaps/${after.configMapName}`);
    assert.deepEqual(cm.data, { greeting: "bonjour" });
    assert.equal(await cluster.client.find(`/api/v1/namespaces/${before.namespace}/configmaps/${before.configMapName}`), undefined);
  });

  it("removes everything with pulumi destroy", async () => {
    const outputs = JSON.parse(await pulumiOk(["stack", "output", "--json"], dir, penv.env));
    await pulumiOk(["destroy", "--yes", "--skip-preview"], dir, penv.env);
    await waitFor(`namespace ${outputs.namespace} gone`, async () => {
      const ns = await cluster.client.find(`/api/v1/namespaces/${outputs.namespace}`);
      return ns === undefined ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 1000 });
    const state = JSON.parse(await pulumiOk(["stack", "export"], dir, penv.env));
    assert.equal((state.deployment.resources ?? []).length, 0);
  });
});
