/**
 * `npm run retrain`: train, register, promote only if not worse, and deploy the promoted
 * model as a stack update (new model image tag, `pulumi up` via the Automation API).
 */
import { ENV, MLFLOW, MODEL_BUILD_FILE, STACK_CONFIG } from "../../../lib/contract";
import { optionalStringEnv, urlEnv } from "../../../lib/env";
import { createLogger } from "../../../lib/logger";
import { MlflowClient } from "../../../lib/mlflow";
import { S3_ENV_HELP, s3Client, s3SettingsFromEnv } from "../../../lib/s3";
import { UsageError, parseFlags, runMain } from "../../../lib/cli";
import { DeployError, redeployChampion, retrain, type RetrainResult } from "./retrain";
import { findRepoRoot, formatChanges, pulumiStackSelector, type StackSelector } from "./stack";
import { printOutcome } from "./train-cli";
import { TRAIN_FLAGS, TRAIN_HELP, resolveTraining } from "./train-options";
import { dataInfoOf, loadTrainingRows } from "./training-data";

const HELP = `Usage: npm run retrain -- [options]

Retraining as a stack update. Trains a candidate (as npm run train), registers it in MLflow
and, only when it is not worse than the champion on the same holdout, promotes it, writes
its model file to ${MODEL_BUILD_FILE} (the model-api image build context), sets the
stack config ${STACK_CONFIG.modelImageTag} to model-v<version> and runs pulumi up through
the Automation API: the new image is built and the model API rolls to it. A candidate that
is not promoted changes nothing. Needs the pulumi CLI and the stack's backend login.

${TRAIN_HELP.replace("--dry-run            train, log and compare, but register nothing, promote nothing, write no reference", "--dry-run            train and compare, register and promote nothing, and only preview the\n                       stack update (config and build context are restored afterwards)")}
Stack:
  --stack <name>       the Pulumi stack to update (default: $PULUMI_STACK or dev)
  --work-dir <dir>     the Pulumi project directory (default: the repository root)
  --redeploy-champion  no training: deploy the current champion ("${MLFLOW.championAlias}") again,
                       e.g. after a failed update
  --before-deploy <command>
                       a shell command run in the project directory after the model file is
                       written and before pulumi up, with MODEL_IMAGE_TAG and MODEL_FILE set:
                       builds and pushes the model image when the stack references images
                       instead of building them (drift-loop:buildImages=false); if it fails,
                       nothing is deployed

Environment: ${ENV.mlflowTrackingUri}, ${ENV.drifterUrl}, and the S3 store:
  ${S3_ENV_HELP}
  PULUMI_CONFIG_PASSPHRASE or PULUMI_ACCESS_TOKEN (for the stack's backend)

Examples:
  npm run retrain -- --drifter --rows 50000
  npm run retrain -- --file data/fresh.csv --stack dev --dry-run`;

const FLAGS = { ...TRAIN_FLAGS, stack: { type: "string" }, "work-dir": { type: "string" }, "redeploy-champion": { type: "boolean" }, "before-deploy": { type: "string" } } as const;

/** The command, with its Pulumi boundary injectable (tests pass their own selector). */
export async function retrainCommand(argv: string[], env: Record<string, string | undefined>, selectStack: StackSelector, print: (s: string) => void = console.log): Promise<number> {
  const v = parseFlags(argv, FLAGS);
  if (v.help) {
    print(HELP);
    return 0;
  }
  const stackName = typeof v.stack === "string" ? v.stack : (optionalStringEnv(env, "PULUMI_STACK") ?? "dev");
  if (!/^[A-Za-z0-9_.\-/]{1,100}$/.test(stackName)) throw new UsageError(`--stack=${JSON.stringify(stackName)} is not a stack name`);
  const workDir = typeof v["work-dir"] === "string" ? v["work-dir"] : findRepoRoot();
  const beforeDeploy = typeof v["before-deploy"] === "string" ? v["before-deploy"] : undefined;
  if (beforeDeploy !== undefined && beforeDeploy.trim() === "") throw new UsageError("--before-deploy is empty; allowed: a shell command, e.g. --before-deploy 'docker build ... -t $REGISTRY/model-api:$MODEL_IMAGE_TAG . && docker push ...'");
  const log = createLogger("retrain", env.LOG_LEVEL ?? "info");
  const onOutput = (out: string) => process.stderr.write(out);
  const mlflow = new MlflowClient(urlEnv(env, ENV.mlflowTrackingUri), log);
  const s3 = s3Client(s3SettingsFromEnv(env));
  const deps = { mlflow, s3, log, selectStack };

  let result: RetrainResult;
  let json = v.json === true;
  try {
    if (v["redeploy-champion"]) {
      result = await redeployChampion({ stackName, workDir, dryRun: v["dry-run"] === true, onOutput, beforeDeploy }, deps);
    } else {
      const t = resolveTraining(v, env);
      json = t.json;
      const { rows, source } = await loadTrainingRows(t.source, log);
      result = await retrain({ ...t, rows, source, dataInfo: dataInfoOf(t.source) }, { stackName, workDir, onOutput, beforeDeploy }, deps);
    }
  } catch (err) {
    if (err instanceof DeployError && !(v["dry-run"] === true)) {
      throw new DeployError(`${err.message}\nThe champion alias already points at the new version; the cluster still runs the previous image. Fix the cause and run: npm run retrain -- --redeploy-champion --stack ${stackName}`, err.tag);
    }
    throw err;
  }
  if (json) {
    print(JSON.stringify({ deployed: result.deployed, reason: result.reason, version: result.training?.version ?? null, promoted: result.training?.decision.promoted ?? null, tag: result.deploy?.tag ?? null, previous_tag: result.deploy?.previousTag ?? null, changes: result.deploy?.changes ?? null }));
    return 0;
  }
  if (result.training) printOutcome(result.training, false, print);
  if (result.deploy) {
    const d = result.deploy;
    print(`stack           ${stackName}: ${STACK_CONFIG.modelImageTag} ${d.previousTag ?? "(unset)"} -> ${d.tag}`);
    print(`${d.result === "previewed" ? "preview        " : "update         "} ${formatChanges(d.changes)}`);
  }
  print(`result          ${result.reason}`);
  return 0;
}

if (require.main === module) runMain("retrain", () => retrainCommand(process.argv.slice(2), process.env, pulumiStackSelector), { help: true });
