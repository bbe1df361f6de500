import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ENV } from "../../lib/contract";
import { GITHUB_TOKEN_KEY } from "../../components/drift-monitor";
import { SECRETS, VARIABLES } from "../../components/github/workflows";
import { parseConfig, objectSource, ConfigValidationError } from "../../infra/config";
import { createGithubPipeline } from "../../infra/github";
import { registryHost } from "../../lib/registry";
import { type RecordedResource, RecordingMocks, makeRepoFixture, runPlatform, settle } from "../helpers/pulumi";

/** The platform and its GitHub pipeline, as infra/index.ts declares them, under the platform's mocks. */
async function runProgram(values: Record<string, string | number | boolean | undefined>) {
  const cfg = parseConfig(objectSource(values));
  const run = await runPlatform(cfg, { repoRoot: makeRepoFixture() });
  const pipeline = createGithubPipeline(cfg);
  await settle();
  return { cfg, run, pipeline, github: run.resources.filter((r) => r.type.startsWith("github:") || r.type === "pulumi:providers:github") };
}

const byType = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);

const cloudGithub = {
  profile: "cloud",
  imageRegistry: "ghcr.io/acme",
  registryUsername: "acme-bot",
  registryToken: "ghcr-token",
  ingressDomain: "ml.example.com",
  ingressTlsClusterIssuer: "letsencrypt-prod",
  githubRepository: "acme/drift-loop",
  githubBranch: "main",
  githubDispatchToken: "dispatch-token",
  githubToken: "admin-token",
  pipelineBackendUrl: "s3://acme-pulumi-state",
  pipelineStateAccessKeyId: "AKIAEXAMPLE",
  pipelineStateSecretAccessKey: "state-secret",
  pipelineKubeconfig: "apiVersion: v1\nkind: Config\n",
  pulumiConfigPassphrase: "passphrase",
};

describe("the program's GitHub pipeline wiring (platform mocks)", function () {
  this.timeout(60_000);

  it("declares nothing on GitHub and no dispatch token Secret when githubRepository is empty", async () => {
    const { github, pipeline, run } = await runProgram({ profile: "minikube" });
    assert.equal(pipeline, undefined);
    assert.deepEqual(github, []);
    const secrets = byType(run.resources, "kubernetes:core/v1:Secret").filter((s) => /github/.test(s.name));
    assert.deepEqual(secrets.map((s) => s.name), []);
  });

  it("declares the pipeline for a cloud stack: S3 state, registry login, kubeconfig, admin token on the provider", async () => {
    const { github } = await runProgram(cloudGithub);
    const provider = byType(github, "pulumi:providers:github");
    assert.equal(provider.length, 1);
    assert.equal(provider[0].inputs.owner, "acme");
    assert.equal(provider[0].inputs.token, "admin-token");
    assert.deepEqual(provider[0].secretPaths, ["token"]);
    const secrets: Record<string, RecordedResource> = Object.fromEntries(byType(github, "github:index/actionsSecret:ActionsSecret").map((s) => [s.inputs.secretName, s]));
    assert.deepEqual(Object.keys(secrets).sort(), [SECRETS.kubeconfig, SECRETS.pulumiConfigPassphrase, SECRETS.registryToken, SECRETS.stateAccessKeyId, SECRETS.stateSecretAccessKey].sort());
    for (const s of Object.values(secrets)) assert.deepEqual(s.secretPaths, ["value"], `${s.inputs.secretName}: only the value, as a secret`);
    assert.equal(secrets[SECRETS.registryToken].inputs.value, "ghcr-token");
    const vars = Object.fromEntries(byType(github, "github:index/actionsVariable:ActionsVariable").map((v) => [v.inputs.variableName, v.inputs.value]));
    assert.deepEqual(vars, {
      [VARIABLES.stack]: "test",
      [VARIABLES.backendUrl]: "s3://acme-pulumi-state",
      [VARIABLES.registryServer]: "ghcr.io",
      [VARIABLES.registryUsername]: "acme-bot",
    });
    const files = byType(github, "github:index/repositoryFile:RepositoryFile");
    assert.equal(files.length, 3);
    for (const f of files) assert.equal(f.inputs.branch, "main");
  });

  it("gives the dispatch token only to the drift CronJob, as a Secret the retrain workflow's trigger reads", async () => {
    const { run } = await runProgram(cloudGithub);
    const tokenSecrets = byType(run.resources, "kubernetes:core/v1:Secret").filter((s) => JSON.stringify(s.inputs).includes('"dispatch-token"'));
    assert.equal(tokenSecrets.length, 1, "one Kubernetes Secret holds the dispatch token");
    const elsewhere = run.resources.filter((r) => r !== tokenSecrets[0] && JSON.stringify(r.inputs).includes("dispatch-token"));
    assert.deepEqual(elsewhere.map((r) => `${r.type} ${r.name}`), [], "the token is in no other resource (no ConfigMap, no plain env, no output)");
    const secretName = tokenSecrets[0].state.metadata.name;
    const podSpecs = run.resources
      .filter((r) => /kubernetes:(apps\/v1:(Deployment|StatefulSet)|batch\/v1:(CronJob|Job))/.test(r.type))
      .map((r) => ({ r, spec: r.type.endsWith("CronJob") ? r.inputs.spec.jobTemplate.spec.template.spec : r.inputs.spec.template.spec }));
    const users = podSpecs.filter(({ spec }) =>
      JSON.stringify(spec).includes(`"name":"${secretName}"`),
    );
    assert.equal(users.length, 1, `only one workload references ${secretName}: ${users.map((u) => u.r.name).join(", ")}`);
    assert.equal(users[0].r.type, "kubernetes:batch/v1:CronJob");
    assert.equal(tokenSecrets[0].inputs.stringData[GITHUB_TOKEN_KEY], "dispatch-token");
    assert.ok(tokenSecrets[0].secretPaths.some((p) => p.startsWith("stringData")), "the token reaches the provider as a secret");
    const env = users[0].spec.containers.flatMap((c: { env?: { name: string; valueFrom?: unknown; value?: unknown }[] }) => c.env ?? []);
    const token = env.find((e: { name: string }) => e.name === ENV.githubToken);
    assert.deepEqual(token?.valueFrom, { secretKeyRef: { name: secretName, key: GITHUB_TOKEN_KEY } });
    assert.equal(env.find((e: { name: string }) => e.name === ENV.githubRepository)?.value, "acme/drift-loop");
  });

  it("names the Pulumi Cloud stack org/project/stack and logs in with the access token", async () => {
    const cfg = parseConfig(objectSource({ ...cloudGithub, pipelineBackendUrl: "", pipelineStateAccessKeyId: undefined, pipelineStateSecretAccessKey: undefined, pulumiAccessToken: "pul-abc" }));
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, "drift-loop", "test", false, "acme");
    createGithubPipeline(cfg);
    await settle();
    const github = mocks.resources;
    const vars = Object.fromEntries(byType(github, "github:index/actionsVariable:ActionsVariable").map((v) => [v.inputs.variableName, v.inputs.value]));
    assert.equal(vars[VARIABLES.stack], "acme/drift-loop/test");
    assert.equal(vars[VARIABLES.backendUrl], undefined);
    assert.ok(byType(github, "github:index/actionsSecret:ActionsSecret").some((s) => s.inputs.secretName === SECRETS.pulumiAccessToken));
  });

  it("rejects a repository config the workflows could not work with, naming the keys", () => {
    assert.throws(
      () => parseConfig(objectSource({ ...cloudGithub, pipelineBackendUrl: "" })),
      (e: Error) => e instanceof ConfigValidationError && /could not reach the stack's state; allowed: drift-loop:pipelineBackendUrl .* or drift-loop:pulumiAccessToken/.test(e.message),
    );
    assert.throws(() => parseConfig(objectSource({ ...cloudGithub, pipelineBackendUrl: "bucket-name" })), /pipelineBackendUrl="bucket-name" is not a state backend URL/);
    assert.throws(() => parseConfig(objectSource({ ...cloudGithub, pipelineStateSecretAccessKey: undefined })), /go together; allowed: set both or neither/);
  });

  describe("the real program (infra/index.ts)", () => {
    const root = path.resolve(__dirname, "..", "..");
    const programFiles = (f: string) => ["infra", "components", "stacks"].some((d) => f.startsWith(path.join(root, d) + path.sep));
    function loadProgram(config: Record<string, string>, secretKeys: string[]): Record<string, any> {
      pulumi.runtime.setAllConfig(config, secretKeys);
      for (const f of Object.keys(require.cache)) if (programFiles(f)) delete require.cache[f];
      return require("../../infra");
    }
    afterEach(() => pulumi.runtime.setAllConfig({}));
    const base = { "drift-loop:profile": "minikube", "drift-loop:buildImages": "false" };

    it("declares the pipeline, with its own provider, when githubRepository is set", async () => {
      const mocks = new RecordingMocks();
      await pulumi.runtime.setMocks(mocks, "drift-loop", "dev", false);
      const secretKeys = ["drift-loop:githubDispatchToken", "drift-loop:githubToken", "drift-loop:pulumiConfigPassphrase"];
      const program = loadProgram(
        {
          ...base,
          "drift-loop:githubRepository": "acme/drift-loop",
          "drift-loop:githubDispatchToken": "dispatch-token",
          "drift-loop:githubToken": "admin-token",
          "drift-loop:pipelineBackendUrl": "s3://acme-pulumi-state",
          "drift-loop:pulumiConfigPassphrase": "passphrase",
        },
        secretKeys,
      );
      await settle();
      assert.equal(
        program.githubPipeline,
        "acme/drift-loop (branch main): workflows .github/workflows/pr-check.yml, .github/workflows/deploy.yml, .github/workflows/retrain.yml; secrets PULUMI_CONFIG_PASSPHRASE; variables PULUMI_STACK, PULUMI_BACKEND_URL",
      );
      const types = mocks.resources.filter((r) => r.type.includes("github")).map((r) => r.type).sort();
      assert.deepEqual(types, [
        "drift-loop:github:GithubPipeline",
        "github:index/actionsSecret:ActionsSecret",
        "github:index/actionsVariable:ActionsVariable",
        "github:index/actionsVariable:ActionsVariable",
        "github:index/repositoryFile:RepositoryFile",
        "github:index/repositoryFile:RepositoryFile",
        "github:index/repositoryFile:RepositoryFile",
        "pulumi:providers:github",
      ]);
    });

    it("declares nothing on GitHub when githubRepository is empty", async () => {
      const mocks = new RecordingMocks();
      await pulumi.runtime.setMocks(mocks, "drift-loop", "dev", false);
      const program = loadProgram(base, []);
      await settle();
      assert.equal(program.githubPipeline, "off (drift-loop:githubRepository is empty)");
      assert.ok(mocks.resources.length > 20, "the platform itself is declared");
      assert.deepEqual(mocks.resources.filter((r) => /github/i.test(r.type)).map((r) => r.type), []);
    });
  });

  it("finds the registry host of an image prefix", () => {
    assert.equal(registryHost("ghcr.io/acme"), "ghcr.io");
    assert.equal(registryHost("registry.example.com:5000/team/x"), "registry.example.com:5000");
    assert.equal(registryHost("acme/images"), "docker.io");
    assert.equal(registryHost("localhost/x"), "localhost");
    assert.equal(registryHost("drift-loop"), "docker.io");
  });

  it("writes workflow files that parse and trigger on the configured branch", async () => {
    const { github } = await runProgram({ ...cloudGithub, githubBranch: "release" });
    const deploy = byType(github, "github:index/repositoryFile:RepositoryFile").find((f) => f.inputs.file === ".github/workflows/deploy.yml");
    assert.ok(deploy);
    assert.deepEqual(parse(String(deploy.inputs.content)).on, { push: { branches: ["release"] } });
  });
});
