/**
 * One rule for a GitHub repository name (lib/github-repository.ts), used by the Pulumi
 * config (githubRepository), the GitHub pipeline component and the drift job
 * (GITHUB_REPOSITORY): all three accept and refuse the same names.
 */
import { strict as assert } from "node:assert";
import { jobConfigFromEnv } from "../../drift-job/src/config";
import { repositoryName } from "../../components/github/pipeline";
import { ConfigValidationError, objectSource, parseConfig } from "../../infra/config";
import { ENV } from "../../lib/contract";
import { parseGithubRepository } from "../../lib/github-repository";

const JOB_ENV = { [ENV.s3Endpoint]: "minio", [ENV.s3AccessKey]: "a", [ENV.s3SecretKey]: "b", [ENV.mlflowTrackingUri]: "http://mlflow:5000", [ENV.githubToken]: "t" };

function infraAccepts(repository: string): boolean {
  try {
    parseConfig(objectSource({ githubRepository: repository, githubDispatchToken: "t", pipelineBackendUrl: "s3://state" }));
    return true;
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError, String(err));
    assert.match(err.message, /drift-loop:githubRepository=.* is not valid; allowed: owner\/name of a GitHub repository \(owner: letters, digits and '-', not starting with '-'/);
    return false;
  }
}

function jobAccepts(repository: string): boolean {
  try {
    jobConfigFromEnv({ ...JOB_ENV, [ENV.githubRepository]: repository });
    return true;
  } catch (err) {
    assert.match((err as Error).message, /GITHUB_REPOSITORY=.* is not owner\/repo/);
    return false;
  }
}

function pipelineAccepts(repository: string): boolean {
  try {
    repositoryName(repository);
    return true;
  } catch (err) {
    assert.match((err as Error).message, /is not a GitHub repository; expected "owner\/name" or "name"/);
    return false;
  }
}

describe("GitHub repository names, one rule everywhere", () => {
  const good = ["acme/drift-loop", "a/b", "Acme-Corp/drift_loop.v2", "a1-b2/.github", `${"o".repeat(39)}/${"n".repeat(100)}`];
  const bad = ["-acme/drift-loop", "acme/", "/drift-loop", "acme/..", "acme/.", "acme/drift loop", `${"o".repeat(40)}/x`, `acme/${"n".repeat(101)}`, "acme/drift/loop", "ac_me/x", "https://github.com/acme/drift-loop"];

  for (const r of good) {
    it(`accepts ${r.length > 40 ? `${r.slice(0, 12)}... (${r.length} characters)` : r} in the stack config, the pipeline and the drift job`, () => {
      assert.deepEqual(parseGithubRepository(r), { owner: r.split("/")[0], name: r.split("/")[1] });
      assert.equal(infraAccepts(r), true);
      assert.equal(pipelineAccepts(r), true);
      assert.equal(jobAccepts(r), true);
    });
  }
  for (const r of bad) {
    it(`refuses ${r.length > 40 ? `${r.slice(0, 12)}... (${r.length} characters)` : r} in all three`, () => {
      assert.equal(parseGithubRepository(r), undefined);
      assert.equal(infraAccepts(r), false);
      assert.equal(pipelineAccepts(r), false);
      assert.equal(jobAccepts(r), false);
    });
  }

  it("lets the pipeline take a bare name (the provider's owner) where the config and the job need the owner", () => {
    assert.deepEqual(parseGithubRepository("drift-loop"), { name: "drift-loop" });
    assert.equal(pipelineAccepts("drift-loop"), true);
    assert.equal(infraAccepts("drift-loop"), false);
    assert.equal(jobAccepts("drift-loop"), false);
  });
});
