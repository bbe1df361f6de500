import { strict as assert } from "node:assert";
import { createHash, randomUUID } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as mod from "../../components/github/pipeline";
import type * as PipelineModule from "../../components/github/pipeline";
import { parse } from "yaml";
import { SECRETS, VARIABLES, renderWorkflows } from "../../components/github/workflows";

interface Registered {
  type: string;
  name: string;
  /** Inputs with secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** Names of the inputs that arrived as secrets. */
  secretInputs: Set<string>;
  provider: string;
}

const isSecretValue = (v: unknown): v is { value: unknown } =>
  typeof v === "object" && v !== null && (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;

/**
 * Mocks that answer like the GitHub provider: ids in its import formats, the computed
 * fields it fills in (timestamps, the commit of a file), secrets kept secret.
 */
class GithubMocks implements pulumi.runtime.Mocks {
  readonly registered: Registered[] = [];

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const secretInputs = new Set(Object.keys(args.inputs).filter((k) => isSecretValue(args.inputs[k])));
    const inputs = Object.fromEntries(Object.entries(args.inputs).map(([k, v]) => [k, isSecretValue(v) ? v.value : v]));
    this.registered.push({ type: args.type, name: args.name, inputs, secretInputs, provider: args.provider ?? "" });
    const now = new Date().toISOString();
    switch (args.type) {
      case "github:index/actionsSecret:ActionsSecret":
        return { id: `${inputs.repository}:${inputs.secretName}`, state: { ...args.inputs, createdAt: now, updatedAt: now, remoteUpdatedAt: now, keyId: "568250167242549743" } };
      case "github:index/actionsVariable:ActionsVariable":
        return { id: `${inputs.repository}:${inputs.variableName}`, state: { ...args.inputs, createdAt: now, updatedAt: now } };
      case "github:index/repositoryFile:RepositoryFile": {
        const sha = createHash("sha1").update(String(inputs.content)).digest("hex");
        return { id: `${inputs.repository}/${inputs.file}`, state: { ...args.inputs, branch: inputs.branch ?? "main", commitSha: sha, sha, ref: inputs.branch ?? "main" } };
      }
      default:
        return { id: `${args.name}-${randomUUID().slice(0, 8)}`, state: args.inputs };
    }
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    return args.inputs;
  }

  ofType(type: string): Registered[] {
    return this.registered.filter((r) => r.type === type);
  }
}

const promiseOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply((v) => resolve(v)));

/** Waits until every child of the pipeline is registered. */
async function settled(p: PipelineModule.GithubPipeline): Promise<void> {
  await Promise.all([p.urn, ...[p.secrets, p.variables, p.files].flatMap((m) => Object.values(m).map((r) => r.id))].map((o) => promiseOf(o as pulumi.Output<unknown>)));
}

const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n";

describe("GithubPipeline (Pulumi mocks)", () => {
  // The component declares resources only when constructed, so a static import is fine.
  const mocks = new GithubMocks();
  before(() => pulumi.runtime.setMocks(mocks, "drift-loop", "test", false));
  beforeEach(() => mocks.registered.splice(0));

  const fullSettings = (): PipelineModule.GithubSettings => ({
    repository: "acme/drift-loop",
    token: "ghp_providertoken",
    branch: "main",
    stack: "acme/drift-loop/cloud",
    backendUrl: "s3://acme-pulumi-state",
    kubeconfig: KUBECONFIG,
    pulumiConfigPassphrase: "correct horse battery staple",
    stateBackendAccessKeyId: "AKIAEXAMPLE",
    stateBackendSecretAccessKey: "s3cr3t",
    registryServer: "ghcr.io",
    registryUsername: "acme-bot",
    registryToken: "ghcr_token",
  });

  it("declares the kubeconfig (base64), the state credentials and the registry token as secret Actions secrets", async () => {
    const pipeline = mod.githubPipeline("gh", fullSettings());
    assert.ok(pipeline);
    await settled(pipeline);
    const secrets = mocks.ofType("github:index/actionsSecret:ActionsSecret");
    assert.deepEqual(
      secrets.map((s) => s.inputs.secretName).sort(),
      [SECRETS.kubeconfig, SECRETS.pulumiConfigPassphrase, SECRETS.registryToken, SECRETS.stateAccessKeyId, SECRETS.stateSecretAccessKey].sort(),
    );
    for (const s of secrets) {
      assert.deepEqual([...s.secretInputs], ["value"], `${s.inputs.secretName}: the value reaches the provider as a secret`);
      assert.equal(s.inputs.repository, "drift-loop", "the repository name, without the owner");
      assert.equal(s.inputs.plaintextValue, undefined, "not the deprecated plaintext field");
    }
    const kube = secrets.find((s) => s.inputs.secretName === SECRETS.kubeconfig)!;
    assert.equal(Buffer.from(String(kube.inputs.value), "base64").toString("utf8"), KUBECONFIG);
    assert.equal(secrets.find((s) => s.inputs.secretName === SECRETS.registryToken)!.inputs.value, "ghcr_token");
    for (const secret of Object.values(pipeline.secrets)) {
      assert.equal(await pulumi.isSecret(secret.value), true, "the value output is secret");
    }
  });

  it("keeps the Pulumi Cloud token secret and skips the credentials that are not configured", async () => {
    const pipeline = mod.githubPipeline("gh", { repository: "acme/drift-loop", stack: "acme/drift-loop/dev", pulumiAccessToken: "pul-123" });
    assert.ok(pipeline);
    await settled(pipeline);
    const secrets = mocks.ofType("github:index/actionsSecret:ActionsSecret");
    assert.deepEqual(secrets.map((s) => s.inputs.secretName), [SECRETS.pulumiAccessToken]);
    assert.ok(secrets[0].secretInputs.has("value"));
    assert.deepEqual(mocks.ofType("github:index/actionsVariable:ActionsVariable").map((v) => v.inputs.variableName), [VARIABLES.stack]);
  });

  it("sets the stack, state backend and registry as plain Actions variables", async () => {
    const pipeline = mod.githubPipeline("gh", fullSettings());
    assert.ok(pipeline);
    await settled(pipeline);
    const vars = Object.fromEntries(mocks.ofType("github:index/actionsVariable:ActionsVariable").map((v) => [String(v.inputs.variableName), v]));
    assert.deepEqual(
      Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.inputs.value])),
      { PULUMI_STACK: "acme/drift-loop/cloud", PULUMI_BACKEND_URL: "s3://acme-pulumi-state", REGISTRY_SERVER: "ghcr.io", REGISTRY_USERNAME: "acme-bot" },
    );
    for (const v of Object.values(vars)) assert.equal(v.secretInputs.size, 0, "variables are not secrets");
  });

  it("writes the three workflow files, as generated, to the configured branch", async () => {
    const pipeline = mod.githubPipeline("gh", { ...fullSettings(), branch: "platform-pipeline", commitMessage: "ci: workflows from pulumi" });
    assert.ok(pipeline);
    await settled(pipeline);
    const files = mocks.ofType("github:index/repositoryFile:RepositoryFile");
    const generated = renderWorkflows({ branch: "platform-pipeline" });
    assert.deepEqual(files.map((f) => f.inputs.file).sort(), Object.keys(generated).map((f) => `.github/workflows/${f}`).sort());
    for (const f of files) {
      assert.equal(f.inputs.branch, "platform-pipeline");
      assert.equal(f.inputs.repository, "drift-loop");
      assert.equal(f.inputs.overwriteOnCreate, true, "takes over a file that already exists");
      assert.equal(f.inputs.commitMessage, "ci: workflows from pulumi");
      assert.equal(f.inputs.content, generated[String(f.inputs.file).replace(".github/workflows/", "")]);
    }
    assert.deepEqual(Object.keys(pipeline.files).sort(), files.map((f) => String(f.inputs.file)).sort());
  });

  it("commits to main by default, and makes the workflows trigger on the configured branch", async () => {
    const { branch: _branch, ...settings } = fullSettings();
    const pipeline = mod.githubPipeline("gh", settings);
    assert.ok(pipeline);
    await settled(pipeline);
    for (const f of mocks.ofType("github:index/repositoryFile:RepositoryFile")) assert.equal(f.inputs.branch, "main");
    mocks.registered.splice(0);

    const release = mod.githubPipeline("gh-release", { ...settings, branch: "release/v2" });
    assert.ok(release);
    await settled(release);
    const files = Object.fromEntries(mocks.ofType("github:index/repositoryFile:RepositoryFile").map((f) => [String(f.inputs.file), f]));
    const deploy = parse(String(files[".github/workflows/deploy.yml"].inputs.content));
    const pr = parse(String(files[".github/workflows/pr-check.yml"].inputs.content));
    assert.deepEqual(deploy.on, { push: { branches: ["release/v2"] } });
    assert.deepEqual(pr.on, { pull_request: { branches: ["release/v2"] } });
    assert.equal(files[".github/workflows/deploy.yml"].inputs.branch, "release/v2");
    assert.throws(() => mod.githubPipeline("gh-bad", { ...settings, branch: "feature/*" }), /branch "feature\/\*" is not a branch name/);
  });

  it("uses a GitHub provider for the repository's owner with a secret token, for every GitHub resource", async () => {
    const pipeline = mod.githubPipeline("gh", fullSettings());
    assert.ok(pipeline);
    await settled(pipeline);
    const providers = mocks.ofType("pulumi:providers:github");
    assert.equal(providers.length, 1);
    assert.equal(providers[0].inputs.owner, "acme");
    assert.equal(providers[0].inputs.baseUrl, "https://api.github.com/", "the provider's default: github.com");
    assert.ok(providers[0].secretInputs.has("token"));
    const ghResources = mocks.registered.filter((r) => r.type.startsWith("github:index/"));
    assert.equal(ghResources.length, 5 + 4 + 3);
    for (const r of ghResources) assert.match(r.provider, /pulumi:providers:github::gh-github::/, `${r.type} ${r.name}`);
  });

  it("points the provider at GitHub Enterprise's host for an /api/v3 API URL", () => {
    assert.equal(mod.providerBaseUrl("https://api.github.com"), undefined);
    assert.equal(mod.providerBaseUrl("https://ghe.example.com/api/v3"), "https://ghe.example.com/");
    assert.equal(mod.providerBaseUrl("http://127.0.0.1:8123"), "http://127.0.0.1:8123/");
    assert.throws(() => mod.providerBaseUrl("ghe.example.com"), /is not a URL; allowed: https:\/\/api.github.com/);
  });

  it("creates nothing when no GitHub repository is configured", async () => {
    const { repository: _repo, ...rest } = fullSettings();
    assert.equal(mod.githubPipeline("gh", rest), undefined);
    assert.equal(mod.githubPipeline("gh", { ...rest, repository: "  " }), undefined);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(mocks.registered, []);
  });

  it("names what is wrong with a repository that is not owner/name", () => {
    assert.throws(() => mod.githubPipeline("gh", { ...fullSettings(), repository: "drift-loop" }), /needs the owner: "owner\/name"/);
    assert.throws(() => mod.githubPipeline("gh", { ...fullSettings(), repository: "acme/drift loop" }), /not a GitHub repository; expected "owner\/name"/);
    assert.throws(() => mod.githubPipeline("gh", { ...fullSettings(), repository: "https://github.com/acme/drift-loop" }), /not a GitHub repository/);
    assert.equal(mod.repositoryName("acme/drift-loop.v2"), "drift-loop.v2");
    assert.equal(mod.repositoryOwner("acme/x"), "acme");
  });

  it("fails early when the workflows could not reach the stack's state or log in to the registry", () => {
    const base = fullSettings();
    const { backendUrl: _b, ...noBackend } = base;
    assert.throws(() => mod.githubPipeline("gh1", noBackend), /cannot reach the stack's state; set a state backend URL .* or a Pulumi access token/);
    const { registryToken: _t, ...noRegistryToken } = base;
    assert.throws(() => mod.githubPipeline("gh2", noRegistryToken), /registry server needs a registry username and token/);
    const { stateBackendSecretAccessKey: _s, ...halfKeys } = base;
    assert.throws(() => mod.githubPipeline("gh3", halfKeys), /set both or neither/);
    assert.throws(() => mod.githubPipeline("gh4", { ...base, stack: "" }), /needs the stack name/);
  });
});
