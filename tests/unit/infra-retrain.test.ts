/**
 * Retraining is a stack update to a new model image tag: two runs of the program against the
 * same (mock) state, differing only in drift-loop:modelImageTag, must differ in the ModelApi
 * Deployment's container image and nowhere else.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { objectSource, parseConfig } from "../../infra/config";
import { ProviderState, changes, makeRepoFixture, runPlatform, type Run } from "../helpers/pulumi";

describe("retraining as a stack update", () => {
  const repoRoot = makeRepoFixture();
  const run = (state: ProviderState, extra: Record<string, string>) => runPlatform(parseConfig(objectSource({ profile: "minikube", ...extra })), { state, repoRoot });

  it("rolls the API when the image tag changes, and changes nothing else", async () => {
    const state = new ProviderState();
    // Images published by the retrain pipeline (buildImages=false): the tag is all that moves.
    const v1 = await run(state, { modelImageTag: "model-v1", buildImages: "false" });
    const v2 = await run(state, { modelImageTag: "model-v2", buildImages: "false" });
    assert.deepEqual(changes(v1, v2), {
      "kubernetes:apps/v1:Deployment::model-api-deploy": ["spec.template.spec.containers[0].image"],
    });
    const image = (r: Run) => r.resources.find((x) => x.name === "model-api-deploy")!.inputs.spec.template.spec.containers[0].image;
    assert.equal(image(v1), "drift-loop/model-api:model-v1");
    assert.equal(image(v2), "drift-loop/model-api:model-v2");
    assert.equal(v2.outputs.modelImage, "drift-loop/model-api:model-v2");
  });

  it("with building on, builds the retrained model image and rolls the API, and nothing else", async () => {
    const state = new ProviderState();
    const v1 = await run(state, { modelImageTag: "model-v1" });
    fs.writeFileSync(path.join(repoRoot, "model-api", "model", "model.json"), '{"version":"2"}\n');
    const v2 = await run(state, { modelImageTag: "model-v2" });
    assert.deepEqual(changes(v1, v2), {
      "docker:index/image:Image::images-model": ["build.args.MODEL_IMAGE_TAG", "imageName"],
      "kubernetes:apps/v1:Deployment::model-api-deploy": ["spec.template.spec.containers[0].image"],
    });
    const model = v2.resources.find((r) => r.name === "images-model")!;
    assert.equal(model.inputs.imageName, "drift-loop/model-api:model-v2");
    assert.equal(model.inputs.build.dockerfile, "model-api/Dockerfile");
    assert.equal(model.inputs.skipPush, true);
    // The platform model-api image (traffic CronJob) keeps its tag: the model file is not part of its hash.
    assert.equal(v1.outputs.images.modelApiPlatform, v2.outputs.images.modelApiPlatform);
    // modelImage is the served image; images.modelApiPlatform is not it after a retrain.
    assert.equal(v2.outputs.modelImage, "drift-loop/model-api:model-v2");
    assert.notEqual(v2.outputs.images.modelApiPlatform, v2.outputs.modelImage);
    const traffic = v2.resources.find((r) => r.name === "drift-monitor-traffic")!;
    assert.equal(traffic.inputs.spec.jobTemplate.spec.template.spec.containers[0].image, v2.outputs.images.modelApiPlatform, "the traffic CronJob runs the platform image");
  });

  it("switches from the platform model-api image to a retrained tag the same way, for the cloud profile too", async () => {
    const state = new ProviderState();
    const cloud = { profile: "cloud", imageRegistry: "ghcr.io/acme", ingressDomain: "ml.example.com", ingressTlsClusterIssuer: "letsencrypt-prod" };
    const first = await run(state, { ...cloud, buildImages: "false" });
    const retrained = await run(state, { ...cloud, buildImages: "false", modelImageTag: "20261122-0815-abc1234" });
    assert.deepEqual(Object.keys(changes(first, retrained)), ["kubernetes:apps/v1:Deployment::model-api-deploy"]);
    // The traffic CronJob keeps running the platform image's traffic CLI.
    const traffic = (r: Run) => r.resources.find((x) => x.name === "drift-monitor-traffic")!.inputs.spec.jobTemplate.spec.template.spec.containers[0].image;
    assert.equal(traffic(first), traffic(retrained));
  });

  it("does see other changes (the comparison is not blind)", async () => {
    const state = new ProviderState();
    const a = await run(state, { modelImageTag: "model-v1" });
    const b = await run(state, { modelImageTag: "model-v1", driftSchedule: "*/30 * * * *" });
    assert.deepEqual(changes(a, b), { "kubernetes:batch/v1:CronJob::drift-monitor-drift": ["spec.schedule"] });
    const c = await run(new ProviderState(), { modelImageTag: "model-v1" });
    const fresh = changes(a, c);
    // A new stack gets new passwords and new auto-names, so Secrets and every pod referencing them change.
    assert.deepEqual(fresh["kubernetes:core/v1:Secret::postgres-credentials"], ["stringData.password"]);
    assert.ok(fresh["kubernetes:apps/v1:Deployment::mlflow-deploy"], "MLflow references the new Secret names");
  });
});
