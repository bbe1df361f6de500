/**
 * Every Kubernetes object the program declares, rendered to YAML and validated against the
 * Kubernetes OpenAPI schema bundled in kubernetes-models 5.1.0 (pinned in package-lock.json;
 * its 5.0 line moved the schema to Kubernetes v1.36.0, see docs in the report). No download:
 * the schema is compiled into the package. The validator checks types, formats (quantities,
 * int-or-string), enums and required fields; unknown fields are caught earlier by tsc, since
 * every object is built from @pulumi/kubernetes' typed inputs.
 */
import { strict as assert } from "node:assert";
import YAML from "yaml";
import { cloudConfig, k8sTypeInfo, makeRepoFixture, manifests, minikubeConfig, runPlatform } from "../helpers/pulumi";
import { modelClass, validateManifest } from "../helpers/k8s-schema";

describe("Kubernetes OpenAPI schema (kubernetes-models 5.1.0)", () => {
  it("is the schema of a recent Kubernetes (v1.36 per the package's 5.0 changelog; at least v1.34 by its content)", async () => {
    // resource.k8s.io/v1 (DRA) went GA in v1.34; PodSpec.hostnameOverride appeared in v1.34.
    await modelClass("resource.k8s.io/v1", "ResourceClaim");
    const { Pod } = (await import("kubernetes-models/v1/Pod")) as any;
    new Pod({ metadata: { name: "p" }, spec: { hostnameOverride: "h", containers: [{ name: "c", image: "i:1" }] } }).validate();
    await assert.rejects(validateManifest({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { hostnameOverride: 5, containers: [] } }), /hostnameOverride must be string/);
  });

  it("rejects a malformed object (the validator is live)", async () => {
    const bad = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "two", selector: {}, template: { spec: { containers: [{ name: "a", image: "a:1" }] } } } };
    await assert.rejects(validateManifest(bad), /replicas must be integer/);
    const badQuantity = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "x" }, spec: { resources: { requests: { storage: "5 gigs" } } } };
    await assert.rejects(validateManifest(badQuantity), /quantity/);
  });

  for (const [profile, config] of [
    ["minikube", minikubeConfig],
    ["cloud", cloudConfig],
  ] as const) {
    it(`accepts every object of the ${profile} profile, rendered to YAML and read back`, async () => {
      const run = await runPlatform(config(), { repoRoot: makeRepoFixture() });
      const objects = manifests(run.resources);
      assert.equal(objects.length, run.resources.filter((r) => k8sTypeInfo(r.type)).length);
      const docs = objects.map((m) => YAML.stringify(m)).join("---\n");
      const parsed = YAML.parseAllDocuments(docs).map((d) => d.toJS());
      assert.equal(parsed.length, objects.length);
      const failures: string[] = [];
      for (const m of parsed) {
        try {
          await validateManifest(m);
        } catch (err) {
          failures.push(`${m.kind} ${m.metadata?.name}: ${(err as Error).message}`);
        }
      }
      assert.deepEqual(failures, []);
    });
  }
});
