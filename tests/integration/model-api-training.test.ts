import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "minio";
import { BUCKETS, ENV, KEYS, MLFLOW } from "../../lib/contract";
import type { Logger } from "../../lib/logger";
import type { MlflowClient } from "../../lib/mlflow";
import { getText, listKeys, objectExists, s3Env } from "../../lib/s3";
import { sha256, toCsv } from "../../model-api/src/training/dataset";
import { parseModelFile } from "../../model-api/src/model";
import { MODEL_ARTIFACT, runTraining, type TrainingOptions } from "../../model-api/src/training/training";
import type { Services } from "../helpers/services";
import { creditRows, realClients } from "../modelapi/fixtures";

const repoRoot = join(__dirname, "..", "..");

describe("model-api training against real MLflow and MinIO", function () {
  this.timeout(180_000);
  let s3: Client;
  let mlflow: MlflowClient;
  let log: Logger;
  let svc: Services;
  const base = (rows = creditRows(3000, 101)): TrainingOptions => ({ rows, source: "test", seed: 1, holdoutFraction: 0.2, metric: "auc", tolerance: 0 });

  before(async () => {
    ({ s3, mlflow, log, svc } = await realClients());
  });

  it("registers a version, sets the champion alias and makes its training data the drift reference", async () => {
    const rows = creditRows(3000, 101);
    // tolerance 1: promoted whatever champion other tests left behind.
    const out = await runTraining({ ...base(rows), tolerance: 1 }, { s3, mlflow, log });
    assert.equal(out.decision.promoted, true);
    assert.match(out.version ?? "", /^\d+$/);
    const champion = await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias);
    assert.equal(champion?.version, out.version);
    assert.equal(champion?.run_id, out.runId);

    const run = await mlflow.getRun(out.runId);
    const metric = (k: string) => run.data.metrics?.find((m) => m.key === k)?.value;
    const param = (k: string) => run.data.params?.find((p) => p.key === k)?.value;
    const tag = (k: string) => run.data.tags?.find((t) => t.key === k)?.value;
    assert.ok((metric("holdout_auc") ?? 0) > 0.97);
    assert.equal(param("rows"), "3000");
    assert.equal(param("promotion_metric"), "auc");
    assert.equal(tag("promotion.decision"), "promoted");
    assert.equal(run.info.status, "FINISHED");

    const artifact = parseModelFile((await mlflow.downloadArtifact(run.info, MODEL_ARTIFACT)).toString("utf8"));
    assert.equal(artifact.version, out.version, "the logged model file carries its registry version");
    assert.deepEqual(artifact.coefficients, out.model.coefficients);

    assert.equal(await getText(s3, BUCKETS.datasets, KEYS.reference), toCsv(rows));
    const meta = JSON.parse(await getText(s3, BUCKETS.datasets, KEYS.referenceMeta));
    assert.equal(meta.model_version, out.version);
    assert.equal(meta.rows, 3000);
    assert.equal(meta.sha256, sha256(toCsv(rows)), "the same metadata shape as the drifter's initial reference");
    assert.equal(meta.label, "default");
    assert.equal(meta.schema, "credit");
    assert.ok(await objectExists(s3, BUCKETS.datasets, `reference/versions/model-v${out.version}.csv`));
  });

  it("does not promote a worse candidate, keeps champion and reference, and logs both scores", async () => {
    const good = await runTraining({ ...base(), tolerance: 1 }, { s3, mlflow, log });
    const refBefore = await getText(s3, BUCKETS.datasets, KEYS.reference);
    // An untrained model (all weights 0) is certainly worse: AUC 0.5.
    const worse = await runTraining({ ...base(creditRows(3000, 202)), maxIter: 0 }, { s3, mlflow, log });
    assert.equal(worse.decision.promoted, false);
    assert.equal(worse.decision.championVersion, good.version);
    assert.equal(worse.decision.candidate, 0.5);
    assert.ok((worse.decision.champion ?? 0) > 0.97);
    assert.ok(Number(worse.version) > Number(good.version), "the rejected candidate is still registered");
    assert.equal((await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias))?.version, good.version);
    assert.equal(await getText(s3, BUCKETS.datasets, KEYS.reference), refBefore, "the reference is unchanged");

    const run = await mlflow.getRun(worse.runId);
    const metric = (k: string) => run.data.metrics?.find((m) => m.key === k)?.value;
    assert.equal(metric("candidate_holdout_auc"), 0.5);
    assert.ok((metric("champion_holdout_auc") ?? 0) > 0.97);
    assert.equal(metric("promoted"), 0);
    assert.equal(run.data.tags?.find((t) => t.key === "promotion.decision")?.value, "rejected");
    assert.match(run.data.tags?.find((t) => t.key === "promotion.reason")?.value ?? "", /^worse: auc 0\.50000 vs champion v\d+/);
  });

  it("archives the previous reference when a new champion replaces it", async () => {
    const first = await runTraining({ ...base(creditRows(2000, 303)), tolerance: 1 }, { s3, mlflow, log });
    const firstCsv = await getText(s3, BUCKETS.datasets, KEYS.reference);
    const second = await runTraining({ ...base(creditRows(2000, 304)), tolerance: 1 }, { s3, mlflow, log });
    assert.ok(second.archivedReference, "an archive key is reported");
    const key = second.archivedReference!.replace(`s3://${BUCKETS.datasets}/`, "");
    assert.match(key, new RegExp(`^reference/archive/.*-model-${first.version}\\.csv$`));
    assert.equal(await getText(s3, BUCKETS.datasets, key), firstCsv);
    assert.ok(await objectExists(s3, BUCKETS.datasets, key.replace(/\.csv$/, ".json")));
    assert.notEqual(await getText(s3, BUCKETS.datasets, KEYS.reference), firstCsv);
  });

  it("registers and promotes nothing in a dry run", async () => {
    const before = await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias);
    const refKeys = await listKeys(s3, BUCKETS.datasets, "reference/");
    const out = await runTraining({ ...base(), tolerance: 1, dryRun: true }, { s3, mlflow, log });
    assert.equal(out.decision.promoted, true, "it would have been promoted");
    assert.equal(out.version, undefined);
    assert.equal((await mlflow.getVersionByAlias(MLFLOW.registeredModel, MLFLOW.championAlias))?.version, before?.version);
    assert.deepEqual(await listKeys(s3, BUCKETS.datasets, "reference/"), refKeys);
  });

  it("runs as `npm run train` on a CSV file and explains bad flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "train-cli-"));
    const file = join(dir, "train.csv");
    writeFileSync(file, toCsv(creditRows(1500, 404)));
    const env = { ...process.env, ...s3Env(svc.s3), [ENV.mlflowTrackingUri]: svc.mlflowUrl, LOG_LEVEL: "warn" };
    const run = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "model-api/src/training/train-cli.ts", ...args], { cwd: repoRoot, env, encoding: "utf8", timeout: 120_000 });
    const ok = run(["--file", file, "--tolerance", "1", "--json", "--out", join(dir, "model.json")]);
    assert.equal(ok.status, 0, ok.stderr);
    const res = JSON.parse(ok.stdout.trim().split("\n").pop()!);
    assert.equal(res.promoted, true);
    assert.equal(parseModelFile(readFileSync(join(dir, "model.json"), "utf8")).version, res.version);

    const bad = run(["--file", file, "--holdout", "0.9"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--holdout must be a number in \(0, 0\.5\]; got "0\.9"/);
    const unknown = run(["--fiel", file]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--fiel'/);
    const missing = run(["--file", join(dir, "nope.csv")]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read the training file .*nope\.csv: ENOENT/);
  });

  it("trains the initial model offline from INITIAL_REFERENCE, byte for byte reproducibly", () => {
    const dir = mkdtempSync(join(tmpdir(), "train-offline-"));
    const run = (out: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "model-api/src/training/train-cli.ts", "--offline", "--out", out], { cwd: repoRoot, env: { ...process.env, SOURCE_DATE_EPOCH: "1795000000", LOG_LEVEL: "warn" }, encoding: "utf8", timeout: 120_000 });
    const a = run(join(dir, "a.json"));
    assert.equal(a.status, 0, a.stderr);
    run(join(dir, "b.json"));
    const text = readFileSync(join(dir, "a.json"), "utf8");
    assert.equal(readFileSync(join(dir, "b.json"), "utf8"), text);
    const m = parseModelFile(text);
    assert.equal(m.version, "initial");
    assert.match(m.training.source, /rows=5000 seed=20261121/);
    assert.ok(m.metrics.auc > 0.97);
  });
});
