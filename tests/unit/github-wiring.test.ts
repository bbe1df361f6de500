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

  describe("githubPipeline=false: the drift dispatch without the pipeline", () => {
    const dispatchOnly = { profile: "minikube", githubRepository: "acme/drift-loop", githubDispatchToken: "dispatch-token", githubPipeline: "false" };

    it("needs neither a state backend nor a provider token, and declares nothing on GitHub", async () => {
      const { cfg, github, pipeline, run } = await runProgram(dispatchOnly);
      assert.equal(cfg.github.pipeline, false);
      assert.equal(pipeline, undefined);
      assert.deepEqual(github.map((r) => `${r.type} ${r.name}`), []);
      assert.deepEqual(run.resources.filter((r) => /github/i.test(r.type)).map((r) => r.type), [], "no GithubPipeline component, no GitHub provider");
      assert.match(await new Promise<string>((r) => pulumi.output(run.platform.outputs.githubDispatch).apply(r)), /^on: repository_dispatch drift-detected to acme\/drift-loop at https:\/\/api\.github\.com; GitHub pipeline off \(drift-loop:githubPipeline=false\)$/);
    });

    it("still gives the drift CronJob GITHUB_REPOSITORY, GITHUB_API_URL and GITHUB_TOKEN from its own Secret", async () => {
      const { run } = await runProgram({ ...dispatchOnly, githubApiUrl: "http://github-stand-in:8080" });
      const tokenSecrets = byType(run.resources, "kubernetes:core/v1:Secret").filter((s) => s.inputs.stringData?.[GITHUB_TOKEN_KEY] === "dispatch-token");
      assert.equal(tokenSecrets.length, 1);
      assert.ok(tokenSecrets[0].secretPaths.some((p) => p.startsWith("stringData")), "the token reaches the provider as a secret");
      const crons = byType(run.resources, "kubernetes:batch/v1:CronJob").filter((c) =>
        c.inputs.spec.jobTemplate.spec.template.spec.containers.some((k: { env?: { name: string }[] }) => (k.env ?? []).some((e) => e.name === ENV.githubToken)),
      );
      assert.deepEqual(crons.map((c) => c.name), ["drift-monitor-drift"]);
      const env = Object.fromEntries(crons[0].inputs.spec.jobTemplate.spec.template.spec.containers[0].env.map((e: { name: string }) => [e.name, e]));
      assert.equal(env[ENV.githubRepository].value, "acme/drift-loop");
      assert.equal(env[ENV.githubApiUrl].value, "http://github-stand-in:8080");
      assert.deepEqual(env[ENV.githubToken].valueFrom, { secretKeyRef: { name: tokenSecrets[0].state.metadata.name, key: GITHUB_TOKEN_KEY } });
    });

    it("still requires the dispatch token with a repository", () => {
      assert.throws(() => parseConfig(objectSource({ ...dispatchOnly, githubDispatchToken: undefined })), /drift-loop:githubDispatchToken is required when drift-loop:githubRepository is set/);
    });

    it("refuses the keys only the pipeline reads, naming each (they would be unused)", () => {
      assert.throws(
        () => parseConfig(objectSource({ ...dispatchOnly, githubToken: "admin-token", pulumiConfigPassphrase: "passphrase", pipelineBackendUrl: "s3://state" })),
        (e: Error) =>
          e instanceof ConfigValidationError &&
          e.problems.length === 1 &&
          /^drift-loop:pulumiConfigPassphrase, drift-loop:githubToken, drift-loop:pipelineBackendUrl are set but drift-loop:githubPipeline=false: only the GitHub pipeline reads them, so they would be unused; allowed: remove them \(pulumi config rm pulumiConfigPassphrase; pulumi config rm githubToken; pulumi config rm pipelineBackendUrl\), or drift-loop:githubPipeline=true$/.test(e.problems[0]!),
      );
      assert.throws(() => parseConfig(objectSource({ ...dispatchOnly, pipelineKubeconfig: "apiVersion: v1" })), /drift-loop:pipelineKubeconfig is set but drift-loop:githubPipeline=false: only the GitHub pipeline reads it/);
      // The registry token is not the pipeline's alone: the image build pushes with it.
      assert.doesNotThrow(() => parseConfig(objectSource({ ...dispatchOnly, registryToken: "ghcr-token" })));
      // Pulumi.yaml's declared defaults reach every stack (githubBranch: main): not set by a user.
      assert.doesNotThrow(() => parseConfig(objectSource({ ...dispatchOnly, githubBranch: "main", pipelineBackendUrl: "" })));
      assert.throws(() => parseConfig(objectSource({ ...dispatchOnly, githubBranch: "release" })), /drift-loop:githubBranch is set but drift-loop:githubPipeline=false/);
    });

    it("is refused as a non-boolean", () => {
      assert.throws(() => parseConfig(objectSource({ ...dispatchOnly, githubPipeline: "no" })), /drift-loop:githubPipeline="no" is not a boolean; allowed: true, false/);
    });
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

    it("declares nothing on GitHub with githubPipeline=false, and says the dispatch is on", async () => {
      const mocks = new RecordingMocks();
      await pulumi.runtime.setMocks(mocks, "drift-loop", "dev", false);
      const program = loadProgram(
        { ...base, "drift-loop:githubRepository": "acme/drift-loop", "drift-loop:githubDispatchToken": "dispatch-token", "drift-loop:githubPipeline": "false" },
        ["drift-loop:githubDispatchToken"],
      );
      await settle();
      assert.equal(program.githubPipeline, "off (drift-loop:githubPipeline=false: acme/drift-loop's secrets and workflows are managed elsewhere; the drift dispatch is on)");
      assert.match(program.githubDispatch, /^on: repository_dispatch drift-detected to acme\/drift-loop .*GitHub pipeline off/);
      assert.deepEqual(mocks.resources.filter((r) => /github/i.test(r.type)).map((r) => r.type), []);
      assert.ok(mocks.resources.some((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "drift-monitor-github"), "the dispatch token Secret");
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
