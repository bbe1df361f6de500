/**
 * The initial reference dataset: the credit table (scenario none, with labels) of
 * INITIAL_REFERENCE's seed and size, written to `datasets/` at KEYS.reference with its
 * metadata at KEYS.referenceMeta. The first model is trained on the very same rows (the
 * image build trains it with `train-cli --offline`, which generates the same INITIAL_REFERENCE
 * rows with lib/generator).
 */
import { createHash } from "node:crypto";
import type { Client } from "minio";
import { BUCKETS, INITIAL_REFERENCE, KEYS, referenceMetaOf, type ReferenceMeta } from "../../lib/contract";
import type { Logger } from "../../lib/logger";
import { getText, objectExists, putText } from "../../lib/s3";
import { createRowSource, type GenerateOptions } from "../../lib/generator/generate";
import { serialize } from "./format";

/** The generator options of the initial reference. */
export function referenceOptions(): GenerateOptions & { schema: "credit" } {
  return { schema: "credit", rows: INITIAL_REFERENCE.rows, seed: INITIAL_REFERENCE.seed, scenario: "none", label: true };
}

/** The initial reference as CSV bytes (deterministic: the same bytes on every run). */
export function referenceCsv(): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of serialize(createRowSource(referenceOptions()), "csv")) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The metadata of the initial reference (lib/contract.ts referenceMetaOf). */
export function initialReferenceMeta(csv: Buffer, now = new Date()): ReferenceMeta {
  const o = referenceOptions();
  return referenceMetaOf({
    model_version: null,
    rows: o.rows,
    scenario: "none",
    seed: o.seed,
    sha256: createHash("sha256").update(csv).digest("hex"),
    source: "drifter seed-cli (initial reference)",
    created_at: now.toISOString(),
  });
}

export type ReferenceOutcome = "written" | "kept" | "meta-restored";

/**
 * Writes the initial reference unless one is there. Never overwrites: an existing
 * reference may be a retrain's. If a previous run died between the CSV and its metadata,
 * the metadata is written only when the stored CSV is byte for byte the initial one.
 */
export async function writeInitialReference(client: Client, log?: Logger): Promise<ReferenceOutcome> {
  const bucket = BUCKETS.datasets;
  const csv = referenceCsv();
  if (await objectExists(client, bucket, KEYS.reference)) {
    if (await objectExists(client, bucket, KEYS.referenceMeta)) {
      log?.info({ bucket, key: KEYS.reference }, "a reference dataset is already there; kept as it is");
      return "kept";
    }
    const stored = Buffer.from(await getText(client, bucket, KEYS.reference), "utf8");
    if (stored.equals(csv)) {
      await putText(client, bucket, KEYS.referenceMeta, JSON.stringify(initialReferenceMeta(csv), null, 2) + "\n", "application/json");
      log?.warn({ bucket, key: KEYS.referenceMeta }, "the initial reference had no metadata (an earlier run stopped half-way); metadata written");
      return "meta-restored";
    }
    log?.warn({ bucket, key: KEYS.reference, meta: KEYS.referenceMeta }, "a reference dataset without metadata is there and it is not the initial one; kept as it is, metadata not invented");
    return "kept";
  }
  await putText(client, bucket, KEYS.reference, csv, "text/csv");
  await putText(client, bucket, KEYS.referenceMeta, JSON.stringify(initialReferenceMeta(csv), null, 2) + "\n", "application/json");
  log?.info({ bucket, key: KEYS.reference, rows: INITIAL_REFERENCE.rows, seed: INITIAL_REFERENCE.seed, bytes: csv.length }, "initial reference dataset written");
  return "written";
}
