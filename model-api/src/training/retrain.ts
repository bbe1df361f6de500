/**
 * Retraining as a stack update: train (./training.ts); when the candidate is promoted,
 * put its model file into the image build context, set the stack's model image tag to
 * `model-v<version>` and run `pulumi up` through the Automation API. With image building
 * on, the Images component builds the new image from that context during the update and
 * the ModelApi Deployment rolls to it; nothing else changes.
 *
 * Not promoted -> nothing is written and nothing is deployed.
 */
import { spawn } from "node:child_process";
import { copyFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MODEL_BUILD_FILE, STACK_CONFIG } from "../../../lib/contract";
import type { Logger } from "../../../lib/logger";
import type { ModelFile } from "../model";
import { writeModelFile } from "./model-io";
import { formatChanges, type OpCounts, type StackSelector } from "./stack";
import { runTraining, loadChampion, type TrainingDeps, type TrainingOptions, type TrainingOutcome } from "./training";

/** The image tag of a registry version: `model-v7`. */
export function imageTagFor(version: string): string {
  if (!/^\d+$/.test(version)) throw new Error(`model version ${JSON.stringify(version)} is not a registry version number`);
  return `model-v${version}`;
}

export interface DeployOptions {
  stackName: string;
  /** The Pulumi project directory (the repo root). */
  workDir: string;
  /** Preview only: config and build context are restored afterwards. */
  dryRun: boolean;
  /** Pulumi's progress output, line by line. */
  onOutput: (out: string) => void;
  /**
   * A shell command run after the model file is written and before `pulumi up` (not in a dry
   * run), with MODEL_IMAGE_TAG and MODEL_FILE set: builds and publishes the model image when
   * the stack does not build images itself (drift-loop:buildImages=false).
   */
  beforeDeploy?: string;
}

export interface DeployResult {
  tag: string;
  previousTag?: string;
  /** Preview (dry run) or update change counts. */
  changes: OpCounts | undefined;
  result: "previewed" | "succeeded";
  outputs?: Record<string, unknown>;
}

export class DeployError extends Error {
  constructor(message: string, readonly tag: string) {
    super(message);
    this.name = "DeployError";
  }
}

/**
 * Writes the model into the build context, sets the tag and runs up (or preview). In a
 * dry run the previous model file and config value are put back, whatever happens.
 */
export async function deployModel(model: ModelFile, tag: string, o: DeployOptions, selectStack: StackSelector, log: Logger): Promise<DeployResult> {
  const modelPath = join(o.workDir, MODEL_BUILD_FILE);
  const backup = `${modelPath}.before-preview`;
  const hadModel = existsSync(modelPath);
  if (o.dryRun && hadModel) await copyFile(modelPath, backup);
  let previousTag: string | undefined;
  let configChanged = false;
  let stackRef: Awaited<ReturnType<StackSelector>> | undefined;
  try {
    await writeModelFile(modelPath, model);
    log.info({ path: modelPath, version: model.version }, "model file written into the image build context");
    try {
      stackRef = await selectStack({ stackName: o.stackName, workDir: o.workDir });
    } catch (err) {
      throw new DeployError(`cannot select the Pulumi stack ${JSON.stringify(o.stackName)} in ${o.workDir}: ${(err as Error).message.split("\n")[0]} (the Pulumi CLI must be on PATH and the stack must exist: pulumi stack ls)`, tag);
    }
    const stack = stackRef;
    previousTag = await stack.getConfig(STACK_CONFIG.modelImageTag);
    // Before the config names the new tag: if the image cannot be made, the stack still names one that exists.
    if (o.beforeDeploy && !o.dryRun) await runBeforeDeploy(o.beforeDeploy, { MODEL_IMAGE_TAG: tag, MODEL_FILE: modelPath }, o, log, tag);
    await stack.setConfig(STACK_CONFIG.modelImageTag, { value: tag });
    configChanged = true;
    log.info({ stack: stack.name, key: STACK_CONFIG.modelImageTag, from: previousTag ?? "(unset)", to: tag }, "stack config set");
    if (o.dryRun) {
      const r = await stack.preview({ onOutput: o.onOutput });
      return { tag, previousTag, changes: r.changeSummary, result: "previewed" };
    }
    let r;
    try {
      r = await stack.up({ onOutput: o.onOutput });
    } catch (err) {
      throw new DeployError(`pulumi up of stack ${o.stackName} failed: ${(err as Error).message.split("\n").slice(0, 5).join(" ")}`, tag);
    }
    const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
    log.info({ stack: stack.name, result: r.summary.result, changes: formatChanges(r.summary.resourceChanges) }, "stack updated");
    return { tag, previousTag, changes: r.summary.resourceChanges, result: "succeeded", outputs };
  } finally {
    if (o.dryRun) {
      if (configChanged && stackRef) {
        if (previousTag === undefined) await stackRef.removeConfig(STACK_CONFIG.modelImageTag);
        else await stackRef.setConfig(STACK_CONFIG.modelImageTag, { value: previousTag });
      }
      if (hadModel) {
        await copyFile(backup, modelPath);
        await rm(backup, { force: true });
      } else await rm(modelPath, { force: true });
    }
  }
}

/** Runs the --before-deploy command in the project directory; its output goes where Pulumi's goes. */
async function runBeforeDeploy(command: string, extraEnv: Record<string, string>, o: DeployOptions, log: Logger, tag: string): Promise<void> {
  log.info({ command, ...extraEnv }, "running the before-deploy command");
  const started = Date.now();
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn("sh", ["-c", command], { cwd: o.workDir, env: { ...process.env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (b: Buffer) => o.onOutput(b.toString()));
    child.stderr.on("data", (b: Buffer) => o.onOutput(b.toString()));
    child.on("error", (err) => resolve(err.message));
    child.on("close", (c, signal) => resolve(c ?? `signal ${signal}`));
  });
  if (code !== 0) throw new DeployError(`the before-deploy command failed (${typeof code === "number" ? `exit ${code}` : code}): ${command}; nothing was deployed`, tag);
  log.info({ seconds: Math.round((Date.now() - started) / 1000) }, "before-deploy command done");
}

export interface RetrainResult {
  training?: TrainingOutcome;
  deployed: boolean;
  deploy?: DeployResult;
  reason: string;
}

/** Train, and when promoted deploy the new model as a stack update. */
export async function retrain(t: TrainingOptions, d: Omit<DeployOptions, "dryRun">, deps: TrainingDeps & { selectStack: StackSelector }): Promise<RetrainResult> {
  const training = await runTraining(t, deps);
  if (!training.decision.promoted) {
    deps.log.info({ reason: training.decision.reason }, "not promoted: nothing to deploy, the stack is left as it is");
    return { training, deployed: false, reason: `not promoted (${training.decision.reason}); nothing deployed` };
  }
  const tag = t.dryRun ? `model-candidate-${training.model.training.data_sha256.slice(0, 12)}` : imageTagFor(training.version!);
  const deploy = await deployModel(training.model, tag, { ...d, dryRun: t.dryRun === true }, deps.selectStack, deps.log);
  return { training, deployed: !t.dryRun, deploy, reason: t.dryRun ? `dry run: previewed ${tag}` : `deployed ${tag}` };
}

/** Deploys the current champion again (recovery after a failed update), without training. */
export async function redeployChampion(d: DeployOptions, deps: TrainingDeps & { selectStack: StackSelector }): Promise<RetrainResult> {
  const champion = await loadChampion(deps.mlflow);
  if (!champion) throw new Error("there is no champion model to deploy; run npm run train first");
  const tag = imageTagFor(champion.version);
  const deploy = await deployModel(champion.model, tag, d, deps.selectStack, deps.log);
  return { deployed: !d.dryRun, deploy, reason: d.dryRun ? `dry run: previewed the champion ${tag}` : `redeployed the champion ${tag}` };
}
