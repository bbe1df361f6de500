/** Shared fixtures of the model-api tests: generated credit rows, a valid row, a trained model. */
import { generateRows } from "../../lib/generator/generate";
import { toLabelledRows, toCsv, sha256 } from "../../model-api/src/training/dataset";
import type { ModelFile } from "../../model-api/src/model";
import { trainModel, type LabelledRow } from "../../model-api/src/training/trainer";

/** Labelled credit rows from the drifter's seeded generator. */
export function creditRows(rows: number, seed: number, scenario = "none", magnitude?: number): LabelledRow[] {
  return toLabelledRows([...generateRows({ schema: "credit", rows, seed, scenario, magnitude, label: true })], "generated").rows;
}

/** A row that passes validation (the label is optional). */
export function validRow(): Record<string, number | string | null> {
  return {
    age: 35,
    income: 52000,
    loan_amount: 12000,
    credit_score: 690,
    debt_to_income: 0.31,
    months_employed: 48,
    num_open_accounts: 4,
    employment_type: "salaried",
    home_ownership: "rent",
    loan_purpose: "car",
    region: "north",
  };
}

const cache = new Map<string, ModelFile>();

/** A model trained on `rows` generated rows (cached per size and seed). */
export function trainedModel(rows = 4000, seed = 11, version = "test"): ModelFile {
  const key = `${rows}/${seed}/${version}`;
  let m = cache.get(key);
  if (!m) {
    const data = creditRows(rows, seed);
    m = trainModel(data, { seed: 1, version, source: "fixture", dataSha256: sha256(toCsv(data)) }).model;
    cache.set(key, m);
  }
  return structuredClone(m);
}

import { Client } from "minio";
import { BUCKETS } from "../../lib/contract";
import { createLogger } from "../../lib/logger";
import { MlflowClient } from "../../lib/mlflow";
import { ensureBucket, s3Client } from "../../lib/s3";
import { getServices, type Services } from "../helpers/services";

/** Real MinIO + MLflow clients for the model-api tests, buckets created. */
export async function realClients(): Promise<{ svc: Services; s3: Client; mlflow: MlflowClient; log: ReturnType<typeof createLogger> }> {
  const svc = await getServices();
  const s3 = s3Client(svc.s3);
  for (const b of [BUCKETS.datasets, BUCKETS.requests, BUCKETS.reports]) await ensureBucket(s3, b);
  const log = createLogger("test", process.env.TEST_LOG_LEVEL ?? "silent");
  return { svc, s3, mlflow: new MlflowClient(svc.mlflowUrl, log), log };
}

import { spawn } from "node:child_process";

/** Runs a TypeScript entry point as a child process without blocking this event loop (in-process servers keep answering). */
export function runTs(script: string, args: string[], env: Record<string, string | undefined>, cwd: string, timeoutMs = 60_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
