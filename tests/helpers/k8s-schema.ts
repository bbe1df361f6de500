/**
 * Kubernetes objects checked against the OpenAPI schema bundled in kubernetes-models 5.1.0
 * (tests/unit/infra-schema.test.ts says which Kubernetes that is).
 */
import { strict as assert } from "node:assert";

type Validatable = { validate(): void };
type ModelClass = new (data: any) => Validatable;

/** "apps/v1" + "Deployment" -> the kubernetes-models class (ESM, loaded with import()). */
export async function modelClass(apiVersion: string, kind: string): Promise<ModelClass> {
  const group = apiVersion === "v1" ? "v1" : apiVersion;
  const mod = (await import(`kubernetes-models/${group}/${kind}`)) as Record<string, ModelClass>;
  const cls = mod[kind];
  assert.ok(cls, `kubernetes-models has no ${apiVersion} ${kind}`);
  return cls;
}

export async function validateManifest(m: Record<string, any>): Promise<void> {
  const Cls = await modelClass(m.apiVersion, m.kind);
  new Cls(m).validate();
}

