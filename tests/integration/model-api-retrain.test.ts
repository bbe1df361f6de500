import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENV, MLFLOW, STACK_CONFIG } from "../../lib/contract";
import type { MlflowClient } from "../../lib/mlflow";
import { s3Env } from "../../lib/s3";
import { toCsv } from "../../model-api/src/training/dataset";
import { parseModelFile } from "../../model-api/src/model";
import { MODEL_BUILD_FILE } from "../../lib/contract";
import { retrainCommand } from "../../model-api/src/training/retrain-cli";
import type { StackHandle, StackSelector } from "../../model-api/src/training/stack";
import type { Services } from "../helpers/services";
import { creditRows, realClients } from "../modelapi/fixtures";

/**
 * The Automation API boundary, recorded: no Pulumi engine can run here, so the stack is the
 * one stand-in (the retrain command depends on the StackHandle interface only).
 */
class RecordingStack implements StackHandle {
  readonly calls: string[] = [];
  readonly config = new Map<string, string>();
  selectedWith?: { stackName: string; workDir: string };
  modelAtUp?: string;
  constructor(readonly name: string, private readonly workDir: string, private readonly failUp = false) {}
  selector: StackSelector = async (args) => {
    this.selectedWith = args;
    this.calls.push(`select ${args.stackName}`);
    return this;
  };
  async getConfig(key: string) {
    return this.config.get(key);
  }
  async setConfig(key: string, v: { value: string }) {
    this.calls.push(`set ${key}=${v.value}`);
    this.config.set(key, v.value);
  }
  async removeConfig(key: string) {
    this.calls.push(`remove ${key}`);
    this.config.delete(key);
  }
  async preview({ onOutput }: { onOutput: (s: string) => void }) {
    this.calls.push("preview");
    onOutput("Previewing update (dev)\n");
    return { changeSummary: { same: 40, update: 2 } };
  }
  async up({ onOutput }: { onOutput: (s: string) => void }) {
    this.calls.push("up");
    // What the image build would see in its context at this moment.
    this.modelAtUp = readFileSync(join(this.workDir, MODEL_BUILD_FILE), "utf8");
    onOutput("Updating (dev)\n");
    if (this.failUp) throw new Error("docker build failed: no space left on device");
    return { summary: { result: "succeeded", resourceChanges: { same: 40, update: 2 } }, outputs: { modelImageTag: { value: this.config.get(STACK_CONFIG.modelImageTag), secret: false }, minioSecretKey: { value: "s3cr3t", secret: true } } };
  }
}

describe("retraining as a stack update (npm run retrain)", function () {
  this.timeout(180_000);
  let svc: Services;
  let mlflow: MlflowClient;
  let env: Record<string, string | undefined>;
  let dataFile: string;

  before(async () => {
    ({ svc, mlflow } = await realClients());
    env = { ...s3Env(svc.s3), [ENV.mlflowTrackingUri]: svc.mlflowUrl, LOG_LEVEL: "silent" };
    const dir = mkdtempSync(join(tmpdir(), "retrain-data-"));
    dataFile = join(dir, "fresh.csv");
    writeFileSync(dataFile, toCsv(creditRows(3000, 505)));
  });

  const run = async (args: string[], stack: RecordingStack) => {
    const lines: string[] = [];
    const code = await retrainCommand(args, env, stack.selector, (s) => lines.push(s));
    return { code, out: lines.join("\n") };
  };

  it("sets the stack's model image tag to model-v<version> and runs up when the candidate is promoted", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "retrain-repo-"));
    const stack = new RecordingStack("dev", workDir);
    stack.config.set(STACK_CONFIG.modelImageTag, "model-v1");
    const { code, out } = await run(["--file", dataFile, "--tolerance", "1", "--stack", "dev", "--work-dir", workDir], stack);
    assert.equal(code, 0);
    const champion = await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias);
    const tag = `model-v${champion!.version}`;
    assert.deepEqual(stack.selectedWith, { stackName: "dev", workDir });
    assert.deepEqual(stack.calls, ["select dev", `set ${STACK_CONFIG.modelImageTag}=${tag}`, "up"]);
    // The promoted model is in the build context before the update builds the image.
    assert.equal(parseModelFile(stack.modelAtUp!).version, champion!.version);
    assert.match(out, new RegExp(`${STACK_CONFIG.modelImageTag} model-v1 -> ${tag}`));
    assert.match(out, /update +update 2, same 40/);
    assert.match(out, /PROMOTED/);
  });

  it("deploys nothing when the candidate is not promoted", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "retrain-repo-"));
    const stack = new RecordingStack("dev", workDir);
    const before = await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias);
    const { code, out } = await run(["--file", dataFile, "--max-iter", "0", "--work-dir", workDir], stack);
    assert.equal(code, 0);
    assert.deepEqual(stack.calls, [], "the stack is not even selected");
    assert.equal(existsSync(join(workDir, MODEL_BUILD_FILE)), false, "no model file in the build context");
    assert.match(out, /NOT PROMOTED/);
    assert.match(out, /nothing deployed/);
    assert.equal((await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias))?.version, before?.version);
  });

  it("only previews in a dry run and puts the config and the build context back", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "retrain-repo-"));
    mkdirSync(join(workDir, "model-api", "model"), { recursive: true });
    writeFileSync(join(workDir, MODEL_BUILD_FILE), "the committed model\n");
    const stack = new RecordingStack("staging", workDir);
    stack.config.set(STACK_CONFIG.modelImageTag, "model-v3");
    const before = await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias);
    const { code, out } = await run(["--file", dataFile, "--tolerance", "1", "--dry-run", "--stack", "staging", "--work-dir", workDir], stack);
    assert.equal(code, 0);
    assert.equal(stack.calls[0], "select staging");
    assert.match(stack.calls[1], new RegExp(`^set ${STACK_CONFIG.modelImageTag}=model-candidate-[0-9a-f]{12}$`));
    assert.deepEqual(stack.calls.slice(2), ["preview", `set ${STACK_CONFIG.modelImageTag}=model-v3`]);
    assert.ok(!stack.calls.includes("up"));
    assert.equal(stack.config.get(STACK_CONFIG.modelImageTag), "model-v3");
    assert.equal(readFileSync(join(workDir, MODEL_BUILD_FILE), "utf8"), "the committed model\n");
    assert.match(out, /preview +update 2, same 40/);
    assert.equal((await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias))?.version, before?.version, "nothing promoted");
  });

  it("says how to recover when pulumi up fails after the promotion", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "retrain-repo-"));
    const stack = new RecordingStack("dev", workDir, true);
    await assert.rejects(run(["--file", dataFile, "--tolerance", "1", "--work-dir", workDir], stack), (e: Error) => {
      assert.match(e.message, /pulumi up of stack dev failed: docker build failed/);
      assert.match(e.message, /npm run retrain -- --redeploy-champion --stack dev/);
      return true;
    });
  });

  it("redeploys the current champion without training", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "retrain-repo-"));
    const stack = new RecordingStack("dev", workDir);
    const champion = await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias);
    const { code } = await run(["--redeploy-champion", "--work-dir", workDir], stack);
    assert.equal(code, 0);
    assert.deepEqual(stack.calls, ["select dev", `set ${STACK_CONFIG.modelImageTag}=model-v${champion!.version}`, "up"]);
    assert.equal(parseModelFile(stack.modelAtUp!).version, champion!.version);
  });

  it("runs --before-deploy after the model file is written and before up, with the tag and file", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "retrain-repo-"));
    const stack = new RecordingStack("dev", workDir);
    // What an image build would see: the tag, and the model file already in place.
    const cmd = `printf '%s %s ' "$MODEL_IMAGE_TAG" "$PWD" > seen.txt && head -c 1 "$MODEL_FILE" >> seen.txt`;
    const { code } = await run(["--redeploy-champion", "--work-dir", workDir, "--before-deploy", cmd], stack);
    assert.equal(code, 0);
    const champion = await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias);
    assert.equal(readFileSync(join(workDir, "seen.txt"), "utf8"), `model-v${champion!.version} ${workDir} {`);
    assert.deepEqual(stack.calls, ["select dev", `set ${STACK_CONFIG.modelImageTag}=model-v${champion!.version}`, "up"]);
  });

  it("deploys nothing when --before-deploy fails, and says so", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "retrain-repo-"));
    const stack = new RecordingStack("dev", workDir);
    await assert.rejects(run(["--redeploy-champion", "--work-dir", workDir, "--before-deploy", "echo building; exit 3"], stack), (e: Error) => {
      assert.match(e.message, /the before-deploy command failed \(exit 3\): echo building; exit 3; nothing was deployed/);
      return true;
    });
    assert.deepEqual(stack.calls, ["select dev"], "neither the config nor the stack changed");
    await assert.rejects(run(["--redeploy-champion", "--before-deploy", " "], stack), /--before-deploy is empty/);
  });

  it("explains its flags and rejects bad ones before doing anything", async () => {
    const stack = new RecordingStack("dev", tmpdir());
    const help = await run(["--help"], stack);
    assert.match(help.out, /Usage: npm run retrain/);
    assert.match(help.out, /--dry-run/);
    await assert.rejects(run(["--stack", "dev;rm -rf", "--file", dataFile], stack), /--stack="dev;rm -rf" is not a stack name/);
    await assert.rejects(run(["--metric", "speed", "--file", dataFile], stack), /--metric="speed" is not allowed; allowed: auc, accuracy, f1, log_loss, brier/);
    await assert.rejects(run(["--file", dataFile, "--generate"], stack), /choose one data source/);
    assert.deepEqual(stack.calls, []);
  });
});
