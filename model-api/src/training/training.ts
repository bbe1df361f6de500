/**
 * The training pipeline: train -> log to MLflow -> register a version -> compare with the
 * champion on the same holdout -> promote (alias + new drift reference) only when the
 * candidate is not worse. Each step's I/O goes through the clients passed in.
 */
import type { Client } from "minio";
import { BUCKETS, KEYS, MLFLOW, referenceMetaOf, type ReferenceMeta } from "../../../lib/contract";
import type { Logger } from "../../../lib/logger";
import type { MlflowClient, MlflowRun } from "../../../lib/mlflow";
import { ensureBucket, getText, objectExists, putText } from "../../../lib/s3";
import { FEATURE_NAMES } from "../../../lib/schema";
import { sha256, toCsv } from "./dataset";
import { parseModelFile, type ModelFile, type ModelMetrics } from "../model";
import { evaluateModel, trainModel, type LabelledRow, type TrainOptions } from "./trainer";

/** Metrics a promotion can be decided on; for log_loss and brier lower is better. */
export const PROMOTION_METRICS = ["auc", "accuracy", "f1", "log_loss", "brier"] as const;
export type PromotionMetric = (typeof PROMOTION_METRICS)[number];
const LOWER_IS_BETTER = new Set<PromotionMetric>(["log_loss", "brier"]);

/** Path of the model file inside an MLflow run's artifacts. */
export const MODEL_ARTIFACT = "model/model.json";

export interface TrainingOptions extends TrainOptions {
  rows: LabelledRow[];
  /** Where the rows came from, for provenance. */
  source: string;
  seed: number;
  holdoutFraction: number;
  metric: PromotionMetric;
  /** The candidate may be this much worse on `metric` and still count as not worse. Default 0. */
  tolerance: number;
  /** Do everything except registering, aliasing and writing the reference (dry run). */
  dryRun?: boolean;
  /** Generator scenario and seed of the rows when known (for the reference metadata). */
  dataInfo?: { scenario?: string; seed?: number };
}

export interface TrainingDeps {
  mlflow: MlflowClient;
  s3: Client;
  log: Logger;
}

export interface PromotionDecision {
  promoted: boolean;
  metric: PromotionMetric;
  candidate: number;
  /** Undefined when there was no champion yet. */
  champion?: number;
  championVersion?: string;
  reason: string;
}

export interface TrainingOutcome {
  model: ModelFile;
  runId: string;
  /** Registry version; undefined in a dry run. */
  version?: string;
  decision: PromotionDecision;
  /** Set when the reference was replaced: the archived copy of the previous one. */
  archivedReference?: string;
  referenceRows?: number;
}

/** Is `candidate` not worse than `champion` on `metric` (within `tolerance`)? Pure. */
export function decidePromotion(metric: PromotionMetric, candidate: ModelMetrics, champion: { version: string; metrics: ModelMetrics } | undefined, tolerance = 0): PromotionDecision {
  const c = candidate[metric];
  if (!champion) return { promoted: true, metric, candidate: c, reason: "no champion yet" };
  const h = champion.metrics[metric];
  const lower = LOWER_IS_BETTER.has(metric);
  const notWorse = lower ? c <= h + tolerance : c >= h - tolerance;
  const cmp = `${metric} ${fmt(c)} vs champion v${champion.version} ${fmt(h)} on the same holdout${tolerance ? ` (tolerance ${tolerance})` : ""}`;
  return {
    promoted: notWorse,
    metric,
    candidate: c,
    champion: h,
    championVersion: champion.version,
    reason: notWorse ? `not worse: ${cmp}` : `worse: ${cmp}`,
  };
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(5) : String(x));

/** The champion's model file from the registry, or undefined when there is no champion. */
export async function loadChampion(mlflow: MlflowClient): Promise<{ version: string; model: ModelFile; runId: string } | undefined> {
  const v = await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias);
  if (!v) return undefined;
  if (!v.run_id) throw new Error(`champion version ${v.version} of ${MLFLOW.registeredModel} has no run id; cannot load its model`);
  const run = await mlflow.getRun(v.run_id);
  const text = (await mlflow.downloadArtifact(run.info, MODEL_ARTIFACT)).toString("utf8");
  return { version: v.version, model: parseModelFile(text), runId: v.run_id };
}

export async function runTraining(o: TrainingOptions, deps: TrainingDeps): Promise<TrainingOutcome> {
  const { mlflow, s3, log } = deps;
  const csv = toCsv(o.rows);
  const dataSha256 = sha256(csv);
  const t0 = Date.now();
  const { model, holdout } = trainModel(o.rows, { ...o, version: "candidate", dataSha256 });
  log.info({ rows: o.rows.length, holdout: holdout.length, iterations: model.training.iterations, converged: model.training.converged, ms: Date.now() - t0, auc: model.metrics.auc, accuracy: model.metrics.accuracy }, "trained the candidate");

  const experimentId = await mlflow.getOrCreateExperiment(MLFLOW.trainingExperiment);
  const run = await mlflow.createRun(experimentId, `train-${new Date().toISOString().replace(/[:.]/g, "-")}`, { "drift-loop.kind": "training", ...(o.dryRun ? { "drift-loop.dry_run": "true" } : {}) });
  const runId = run.run_id;
  try {
    await mlflow.logBatch(runId, {
      params: {
        rows: o.rows.length,
        train_rows: model.training.rows,
        holdout_rows: model.training.holdout_rows,
        holdout_fraction: o.holdoutFraction,
        seed: o.seed,
        l2: model.training.l2,
        max_iter: o.maxIter ?? 200,
        min_category_count: o.minCategoryCount ?? 5,
        promotion_metric: o.metric,
        promotion_tolerance: o.tolerance,
        source: o.source,
        data_sha256: dataSha256,
        features: FEATURE_NAMES.join(","),
        model_format: model.format,
      },
      metrics: {
        ...prefixed("holdout_", model.metrics),
        train_iterations: model.training.iterations,
        train_final_loss: model.training.final_loss,
        train_converged: model.training.converged ? 1 : 0,
        train_seconds: (Date.now() - t0) / 1000,
      },
    });

    // The champion, scored on this candidate's holdout: both numbers come from the same rows.
    const champion = await loadChampion(mlflow);
    const holdoutRows = holdout.map((i) => o.rows[i]);
    const championMetrics = champion ? evaluateModel(champion.model, holdoutRows) : undefined;
    const decision = decidePromotion(o.metric, model.metrics, champion && championMetrics ? { version: champion.version, metrics: championMetrics } : undefined, o.tolerance);
    log.info({ ...decision }, decision.promoted ? "candidate is not worse than the champion: promoting" : "candidate is worse than the champion: not promoting");
    await mlflow.logBatch(runId, {
      metrics: {
        [`candidate_holdout_${o.metric}`]: decision.candidate,
        ...(decision.champion !== undefined ? { [`champion_holdout_${o.metric}`]: decision.champion } : {}),
        ...(championMetrics ? prefixed("champion_holdout_", championMetrics) : {}),
        promoted: decision.promoted ? 1 : 0,
      },
      tags: {
        "promotion.decision": decision.promoted ? "promoted" : "rejected",
        "promotion.reason": decision.reason,
        ...(decision.championVersion ? { "promotion.champion_version": decision.championVersion } : {}),
      },
    });

    if (o.dryRun) {
      model.version = `candidate-${dataSha256.slice(0, 12)}`;
      model.tags = { mlflow_run_id: runId, dry_run: "true" };
      await mlflow.logArtifact(run, MODEL_ARTIFACT, JSON.stringify(model, null, 2), "application/json");
      await mlflow.setTerminated(runId, "FINISHED");
      return { model, runId, decision };
    }

    // Register a version (always: rejected candidates stay inspectable), then upload the
    // model file that carries that version number.
    await mlflow.ensureRegisteredModel(MLFLOW.registeredModel, "drift-loop credit-risk classifier (logistic regression, JSON model file)");
    const source = `${run.artifact_uri.replace(/\/+$/, "")}/model`;
    const mv = await mlflow.createModelVersion(MLFLOW.registeredModel, source, runId, {
      "promotion.decision": decision.promoted ? "promoted" : "rejected",
      [`holdout_${o.metric}`]: String(decision.candidate),
      data_sha256: dataSha256,
    });
    model.version = mv.version;
    model.tags = { mlflow_run_id: runId, registered_model: MLFLOW.registeredModel };
    await mlflow.logArtifact(run, MODEL_ARTIFACT, JSON.stringify(model, null, 2), "application/json");
    await mlflow.logBatch(runId, { tags: { "model.version": mv.version } });
    log.info({ model: MLFLOW.registeredModel, version: mv.version }, "registered a model version");

    let archivedReference: string | undefined;
    if (decision.promoted) {
      // Reference first (under its own versioned key, the previous one archived), then the
      // alias, then the `current` keys: a failure part-way leaves the old pair consistent.
      await ensureBucket(s3, BUCKETS.datasets);
      archivedReference = await archiveCurrentReference(s3, log);
      const meta = promotedReferenceMeta(model, o, runId, dataSha256);
      const versionKey = `reference/versions/model-v${mv.version}`;
      await putText(s3, BUCKETS.datasets, `${versionKey}.csv`, csv, "text/csv");
      await putText(s3, BUCKETS.datasets, `${versionKey}.json`, JSON.stringify(meta, null, 2), "application/json");
      await mlflow.setAlias(MLFLOW.registeredModel, MLFLOW.championAlias, mv.version);
      await putText(s3, BUCKETS.datasets, KEYS.reference, csv, "text/csv");
      await putText(s3, BUCKETS.datasets, KEYS.referenceMeta, JSON.stringify(meta, null, 2), "application/json");
      await mlflow.logBatch(runId, { tags: { "reference.key": `s3://${BUCKETS.datasets}/${KEYS.reference}`, "reference.versioned_key": `s3://${BUCKETS.datasets}/${versionKey}.csv`, ...(archivedReference ? { "reference.archived_previous": archivedReference } : {}) } });
      log.info({ alias: MLFLOW.championAlias, version: mv.version, reference: `s3://${BUCKETS.datasets}/${KEYS.reference}`, archivedReference }, "promoted: champion alias and drift reference updated");
    }
    await mlflow.setTerminated(runId, "FINISHED");
    return { model, runId, version: mv.version, decision, archivedReference, referenceRows: decision.promoted ? o.rows.length : undefined };
  } catch (err) {
    await mlflow.setTerminated(runId, "FAILED").catch(() => undefined);
    throw err;
  }
}

function prefixed(prefix: string, m: ModelMetrics): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [`${prefix}${k}`, v]));
}

/** The metadata of a promoted model's reference (lib/contract.ts referenceMetaOf). */
function promotedReferenceMeta(model: ModelFile, o: TrainingOptions, runId: string, dataSha256: string): ReferenceMeta {
  return referenceMetaOf({
    model_version: model.version,
    rows: o.rows.length,
    scenario: o.dataInfo?.scenario ?? "unknown",
    seed: o.dataInfo?.seed ?? null,
    sha256: dataSha256,
    source: o.source,
    created_at: new Date().toISOString(),
    mlflow_run_id: runId,
  });
}

/** Copies the current reference (and its metadata) to `reference/archive/...`; returns the CSV key, or undefined when there was none. */
export async function archiveCurrentReference(s3: Client, log: Logger): Promise<string | undefined> {
  if (!(await objectExists(s3, BUCKETS.datasets, KEYS.reference))) return undefined;
  let meta: Record<string, unknown> = {};
  let metaText: string | undefined;
  if (await objectExists(s3, BUCKETS.datasets, KEYS.referenceMeta)) {
    metaText = await getText(s3, BUCKETS.datasets, KEYS.referenceMeta);
    try {
      meta = JSON.parse(metaText);
    } catch {
      log.warn({ key: KEYS.referenceMeta }, "the current reference metadata is not JSON; archiving it as it is");
    }
  }
  const label = String(meta.model_version === null ? "initial" : (meta.model_version ?? "unknown")).replace(/[^A-Za-z0-9_.-]/g, "_");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const base = `reference/archive/${stamp}-model-${label}`;
  const csv = await getText(s3, BUCKETS.datasets, KEYS.reference);
  await putText(s3, BUCKETS.datasets, `${base}.csv`, csv, "text/csv");
  if (metaText !== undefined) await putText(s3, BUCKETS.datasets, `${base}.json`, metaText, "application/json");
  return `s3://${BUCKETS.datasets}/${base}.csv`;
}

export type { MlflowRun };
