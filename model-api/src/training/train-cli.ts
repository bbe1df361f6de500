/**
 * `npm run train`: train the classifier, log it to MLflow, register a version and promote
 * it only when it is not worse than the champion. `--offline` trains without any service
 * (the image build uses it to bake the first model from INITIAL_REFERENCE).
 */
import { ENV, INITIAL_REFERENCE, MLFLOW } from "../../../lib/contract";
import { urlEnv } from "../../../lib/env";
import { createLogger } from "../../../lib/logger";
import { MlflowClient } from "../../../lib/mlflow";
import { S3_ENV_HELP, s3Client, s3SettingsFromEnv } from "../../../lib/s3";
import { UsageError, parseFlags, runMain } from "../../../lib/cli";
import { sha256, toCsv } from "./dataset";
import { writeModelFile } from "./model-io";
import { TRAIN_FLAGS, TRAIN_HELP, resolveTraining } from "./train-options";
import { trainModel } from "./trainer";
import { dataInfoOf, loadTrainingRows } from "./training-data";
import { runTraining, type TrainingOutcome } from "./training";

const HELP = `Usage: npm run train -- [options]

Trains the credit-risk classifier (logistic regression; numeric features imputed and
standardised, categorical one-hot with "other" and "missing" columns), logs params,
metrics and the model file to MLflow (experiment "${MLFLOW.trainingExperiment}"), registers a
version of "${MLFLOW.registeredModel}", and only when it is not worse than the current
champion on the same holdout: sets the alias "${MLFLOW.championAlias}" and stores the
training data as the new drift reference in MinIO (the previous one is archived).

${TRAIN_HELP}
  --out <path>         write the model file here (online: only when promoted)
  --offline            no MLflow, no MinIO: train and write --out only; default data:
                       --generate with the initial reference (rows ${INITIAL_REFERENCE.rows}, seed ${INITIAL_REFERENCE.seed})
  --version <label>    version label of an --offline model (default "initial")

Environment: ${ENV.mlflowTrackingUri}, ${ENV.drifterUrl}, and the S3 store:
  ${S3_ENV_HELP}

Examples:
  npm run train -- --file data/credit.csv
  npm run train -- --drifter --rows 50000 --scenario mean_shift
  npm run train -- --offline --out model-api/model/model.json`;

const FLAGS = { ...TRAIN_FLAGS, out: { type: "string" }, offline: { type: "boolean" }, version: { type: "string" } } as const;

async function main(): Promise<number> {
  const v = parseFlags(process.argv.slice(2), FLAGS);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const offline = v.offline === true;
  const t = resolveTraining(v, process.env, { offline });
  const log = createLogger("trainer");
  const out = typeof v.out === "string" ? v.out : undefined;
  if (v.out === "") throw new UsageError("--out needs a path");

  if (offline) {
    if (!out) throw new UsageError("--offline needs --out <path> for the model file");
    if (t.dryRun) throw new UsageError("--dry-run has no meaning with --offline (nothing is registered anyway)");
    const version = typeof v.version === "string" ? v.version : "initial";
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(version)) throw new UsageError(`--version=${JSON.stringify(version)} must be 1-64 of A-Z a-z 0-9 _ . -`);
    const { rows, source } = await loadTrainingRows(t.source, log);
    // SOURCE_DATE_EPOCH makes image builds reproducible byte for byte.
    const epoch = Number(process.env.SOURCE_DATE_EPOCH);
    const now = Number.isFinite(epoch) && process.env.SOURCE_DATE_EPOCH ? new Date(epoch * 1000) : new Date();
    const { model } = trainModel(rows, { ...t, version, source, dataSha256: sha256(toCsv(rows)), now });
    await writeModelFile(out, model);
    log.info({ out, version, auc: model.metrics.auc, accuracy: model.metrics.accuracy }, "wrote the model file");
    if (t.json) console.log(JSON.stringify({ version, out, metrics: model.metrics, training: model.training }));
    return 0;
  }
  if (v.version !== undefined) throw new UsageError("--version is only for --offline models; registered versions are numbered by MLflow");

  // Services config first: a missing variable fails before a long data fetch.
  const mlflow = new MlflowClient(urlEnv(process.env, ENV.mlflowTrackingUri), log);
  const s3 = s3Client(s3SettingsFromEnv());
  const { rows, source } = await loadTrainingRows(t.source, log);
  const outcome = await runTraining({ ...t, rows, source, dataInfo: dataInfoOf(t.source) }, { mlflow, s3, log });
  if (out && outcome.decision.promoted && !t.dryRun) {
    await writeModelFile(out, outcome.model);
    log.info({ out }, "wrote the promoted model file");
  }
  printOutcome(outcome, t.json);
  return 0;
}

export function printOutcome(o: TrainingOutcome, json: boolean, print: (s: string) => void = console.log): void {
  if (json) {
    print(JSON.stringify({ run_id: o.runId, version: o.version ?? null, promoted: o.decision.promoted, decision: o.decision, metrics: o.model.metrics, archived_reference: o.archivedReference ?? null }));
    return;
  }
  const m = o.model.metrics;
  print(
    [
      `MLflow run      ${o.runId}`,
      `model version   ${o.version ?? "(dry run: not registered)"}`,
      `holdout         auc ${m.auc.toFixed(4)}  accuracy ${m.accuracy.toFixed(4)}  f1 ${m.f1.toFixed(4)}  log_loss ${m.log_loss.toFixed(4)}  (${m.rows} rows)`,
      `decision        ${o.decision.promoted ? "PROMOTED" : "NOT PROMOTED"}: ${o.decision.reason}`,
      ...(o.archivedReference ? [`old reference   archived to ${o.archivedReference}`] : []),
    ].join("\n"),
  );
}

if (require.main === module) runMain("train", main, { help: true });
