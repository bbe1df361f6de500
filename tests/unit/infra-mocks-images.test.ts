/**
 * The mocks behave like the providers where the tests rely on it, and the Images component
 * builds with content-hash tags, or references published tags when building is off.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { objectSource, parseConfig } from "../../infra/config";
import { REPO_ROOT } from "../../infra/platform";
import { readServerVersions } from "../../components/images/versions";
import { parseVersionsEnv } from "../../lib/versions-env";
import { dockerfileInputs } from "../../components/images/context-hash";
import { ProviderState, RecordingMocks, changes, cloudConfig, makeRepoFixture, promiseOf, runPlatform, settle } from "../helpers/pulumi";
import { registryHost } from "../../lib/registry";

describe("provider-like mocks", () => {
  it("names unnamed Kubernetes objects <resource name>-<8 hex> and puts them in namespace default", async () => {
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, "drift-loop", "test", false);
    const cm = new k8s.core.v1.ConfigMap("settings", { data: { a: "1" } });
    const named = new k8s.core.v1.ConfigMap("other", { metadata: { name: "fixed", namespace: "ns1" }, data: {} });
    const ns = new k8s.core.v1.Namespace("ns", {});
    assert.match(await promiseOf(cm.metadata.name), /^settings-[0-9a-f]{8}$/);
    assert.equal(await promiseOf(cm.metadata.namespace), "default");
    assert.equal(await promiseOf(named.metadata.name), "fixed");
    assert.equal(await promiseOf(named.metadata.namespace), "ns1");
    assert.equal(await promiseOf(ns.metadata.namespace), undefined, "a Namespace has no namespace");
    await settle();
  });

  it("gives RandomPassword a random result of the requested length and character classes", async () => {
    await pulumi.runtime.setMocks(new RecordingMocks(), "drift-loop", "test", false);
    const a = await promiseOf(new random.RandomPassword("a", { length: 37, special: false }).result);
    const b = await promiseOf(new random.RandomPassword("b", { length: 37, special: false }).result);
    const lower = await promiseOf(new random.RandomPassword("c", { length: 64, special: false, upper: false }).result);
    assert.equal(a.length, 37);
    assert.match(a, /^[A-Za-z0-9]+$/);
    assert.notEqual(a, b);
    assert.match(lower, /^[a-z0-9]{64}$/);
    await settle();
  });

  it("keeps auto-names and passwords for a stack that already has them (shared state)", async () => {
    const state = new ProviderState();
    const once = async () => {
      await pulumi.runtime.setMocks(new RecordingMocks(state), "drift-loop", "test", false);
      const r = [await promiseOf(new k8s.core.v1.Secret("s", {}).metadata.name), await promiseOf(new random.RandomPassword("p", { length: 20 }).result)];
      await settle();
      return r;
    };
    assert.deepEqual(await once(), await once());
  });
});

describe("Images", () => {
  const minikube = (extra: Record<string, string> = {}) => parseConfig(objectSource({ profile: "minikube", ...extra }));

  it("re-tags only the image whose sources changed, which rolls only the pods that run it", async () => {
    const root = makeRepoFixture();
    const state = new ProviderState();
    const before = await runPlatform(minikube(), { state, repoRoot: root });
    fs.appendFileSync(path.join(root, "drift-job", "src", "main.ts"), "// a change\n");
    const after = await runPlatform(minikube(), { state, repoRoot: root });
    // The drift-job image runs the drift CronJob, the MLflow users Job and the backup's uploader.
    assert.deepEqual(Object.keys(changes(before, after)).sort(), [
      "docker:index/image:Image::images-drift-job",
      "kubernetes:batch/v1:CronJob::drift-monitor-drift",
      "kubernetes:batch/v1:CronJob::postgres-backup-cron",
      "kubernetes:batch/v1:Job::mlflow-users",
    ]);
    assert.notEqual(before.outputs.images.driftJob, after.outputs.images.driftJob);
    assert.equal(before.outputs.images.drifter, after.outputs.images.drifter);
  });

  it("follows what each Dockerfile copies: a drifter change re-tags only the drifter image and the pods that run it", async () => {
    const root = makeRepoFixture();
    const state = new ProviderState();
    const before = await runPlatform(minikube(), { state, repoRoot: root });
    fs.appendFileSync(path.join(root, "drifter", "src", "main.ts"), "// a change\n");
    const after = await runPlatform(minikube(), { state, repoRoot: root });
    // The drifter image runs the drifter Deployment and the MinIO init Job's seed CLI.
    assert.deepEqual(Object.keys(changes(before, after)).sort(), ["docker:index/image:Image::images-drifter", "kubernetes:apps/v1:Deployment::drifter-deploy", "kubernetes:batch/v1:Job::minio-init"]);
    assert.equal(before.outputs.images.driftJob, after.outputs.images.driftJob);
    assert.equal(before.outputs.images.modelApi, after.outputs.images.modelApi);
  });

  it("re-tags every workload image when shared code changes", async () => {
    const root = makeRepoFixture();
    const a = await runPlatform(minikube(), { repoRoot: root });
    fs.appendFileSync(path.join(root, "lib", "contract.ts"), "export const Y = 2;\n");
    const b = await runPlatform(minikube(), { repoRoot: root });
    for (const k of ["drifter", "driftJob", "modelApiPlatform"]) assert.notEqual(a.outputs.images[k], b.outputs.images[k], k);
    assert.equal(a.outputs.images.mlflow, b.outputs.images.mlflow);
  });

  it("re-tags the MLflow image when its pip constraints change, and nothing else", async () => {
    const root = makeRepoFixture();
    const state = new ProviderState();
    const before = await runPlatform(minikube(), { state, repoRoot: root });
    fs.appendFileSync(path.join(root, "scripts", "mlflow-constraints.txt"), "# a change\n");
    const after = await runPlatform(minikube(), { state, repoRoot: root });
    assert.deepEqual(Object.keys(changes(before, after)).sort(), ["docker:index/image:Image::images-mlflow", "kubernetes:apps/v1:Deployment::mlflow-deploy"]);
    assert.notEqual(before.outputs.images.mlflow, after.outputs.images.mlflow);
    assert.equal(before.outputs.images.minio, after.outputs.images.minio);
  });

  it("reads the context paths a Dockerfile copies, skipping copies from other stages", () => {
    const text = [
      "FROM node:20.20.2-bookworm-slim AS build",
      "COPY package.json package-lock.json ./",
      "COPY --chown=0:0 lib ./lib",
      'COPY ["model-api/src", "./model-api/src"]',
      "COPY model-api/model/ \\",
      "     ./model-in/",
      "COPY --from=build --chown=0:0 /src/dist ./dist",
      "ADD drifter/src ./drifter/src",
    ].join("\n");
    assert.deepEqual(dockerfileInputs(text), ["package.json", "package-lock.json", "lib", "model-api/src", "model-api/model", "drifter/src"]);
    for (const dir of ["drifter", "drift-job", "model-api"]) {
      const file = path.join(REPO_ROOT, dir, "Dockerfile");
      if (!fs.existsSync(file)) continue; // written by the workload's engineer; checked once merged
      const inputs = dockerfileInputs(fs.readFileSync(file, "utf8"));
      assert.ok(inputs.includes("lib") && inputs.some((i) => i.startsWith(`${dir}/`)), `${dir}/Dockerfile copies ${inputs.join(", ")}`);
    }
  });

  it("stops with the missing Dockerfile's path when building is on", async () => {
    const root = makeRepoFixture();
    fs.rmSync(path.join(root, "model-api", "Dockerfile"));
    await assert.rejects(runPlatform(minikube(), { repoRoot: root }), /model-api\/Dockerfile not found.*set drift-loop:buildImages=false/);
  });

  it("references published, pinned tags when building is off", async () => {
    const root = makeRepoFixture();
    const run = await runPlatform(minikube({ buildImages: "false", imageTag: "1.4.2", minioImage: "registry.example.com/minio:RELEASE.2025-10-15T17-29-55Z" }), { repoRoot: root });
    assert.equal(run.resources.filter((r) => r.type === "docker:index/image:Image").length, 0);
    const v = readServerVersions(REPO_ROOT);
    assert.deepEqual(run.outputs.images, {
      drifter: "drift-loop/drifter:1.4.2",
      driftJob: "drift-loop/drift-job:1.4.2",
      modelApiPlatform: "drift-loop/model-api:1.4.2",
      mlflow: `drift-loop/mlflow:${v.mlflow}`,
      minio: "registry.example.com/minio:RELEASE.2025-10-15T17-29-55Z",
      postgres: "postgres:15.14-bookworm",
    });
  });

  it("logs in to the registry host of imageRegistry (a Docker Hub owner is docker.io), the same rule as the pipeline", async () => {
    for (const [registry, host] of [
      ["ghcr.io/acme", "ghcr.io"],
      ["registry.example.com:5000/team", "registry.example.com:5000"],
      ["acme", "docker.io"],
    ] as const) {
      const run = await runPlatform(cloudConfig({ imageRegistry: registry }), { repoRoot: makeRepoFixture() });
      const images = run.resources.filter((r) => r.type === "docker:index/image:Image");
      assert.ok(images.length > 0);
      for (const img of images) assert.equal(img.inputs.registry?.server, host, `${registry}: ${img.name}`);
      assert.equal(registryHost(registry), host);
    }
  });

  it("builds MinIO and MLflow at the pins in scripts/versions.env", async () => {
    const file = path.join(REPO_ROOT, "scripts", "versions.env");
    assert.ok(fs.existsSync(file), "scripts/versions.env is the one place the server versions are pinned");
    const pins = parseVersionsEnv(fs.readFileSync(file, "utf8"));
    const run = await runPlatform(minikube(), { repoRoot: makeRepoFixture() });
    const args = (name: string) => run.resources.find((r) => r.name === name)!.inputs.build.args;
    assert.equal(args("images-minio").MINIO_MODULE_VERSION, pins.MINIO_MODULE_VERSION);
    assert.equal(args("images-minio").MINIO_RELEASE, pins.MINIO_RELEASE);
    // The proxy serves no .info for that pseudo-version and the checksum database has no record: the build writes the one and checks the zip hash.
    assert.equal(args("images-minio").MINIO_COMMIT_TIME, pins.MINIO_COMMIT_TIME);
    assert.equal(args("images-minio").MINIO_ZIP_H1, pins.MINIO_ZIP_H1);
    assert.equal(args("images-mlflow").MLFLOW_VERSION, pins.MLFLOW_VERSION);
    assert.equal(args("images-mlflow").PSYCOPG2_VERSION, pins.PSYCOPG2_VERSION);
    assert.equal(args("images-mlflow").BOTO3_VERSION, pins.BOTO3_VERSION);
    assert.match(run.outputs.images.minio, new RegExp(`^drift-loop/minio:${pins.MINIO_RELEASE}-[0-9a-f]{12}$`));
  });

  it("has Dockerfiles for MLflow and MinIO on pinned bases that run as a numeric non-root user", () => {
    for (const [file, uid] of [
      ["mlflow.Dockerfile", "10001"],
      ["minio.Dockerfile", "10002"],
    ] as const) {
      const text = fs.readFileSync(path.join(REPO_ROOT, "components", "images", file), "utf8");
      for (const m of text.matchAll(/^ARG \w+_IMAGE=(\S+)$/gm)) {
        assert.match(m[1]!, /:[0-9][A-Za-z0-9_.-]*$/, `${file}: base ${m[1]} is not pinned to a version`);
      }
      assert.match(text, new RegExp(`^USER ${uid}:${uid}$`, "m"), `${file}: USER`);
      assert.doesNotMatch(text, /latest/);
    }
  });
});
