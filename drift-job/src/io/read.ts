/**
 * Reading a data file (CSV or NDJSON, optionally gzip-compressed) into a `Dataset`.
 * The format comes from the name (.csv, .ndjson, .jsonl, .json, with or without .gz),
 * else from the first byte ("{" = NDJSON).
 */
import type { Dataset } from "../types";
import { readCsv } from "./csv";
import { readNdjson } from "./ndjson";
import { type ByteSource, DataError, bufferSource, fileSource } from "./source";

export type DataFormat = "csv" | "ndjson";

export function formatOf(source: ByteSource): DataFormat {
  const name = source.name.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".csv") || name.endsWith(".txt")) return "csv";
  if (name.endsWith(".ndjson") || name.endsWith(".jsonl") || name.endsWith(".json")) return "ndjson";
  const head = Buffer.from(source.head(4096)).toString("utf8").replace(/^\uFEFF/, "").trimStart();
  return head.startsWith("{") ? "ndjson" : "csv";
}

export async function readSource(source: ByteSource): Promise<Dataset> {
  return formatOf(source) === "csv" ? readCsv(source) : readNdjson([source]);
}

/** Reads a local file; a missing or unreadable file is a `DataError` naming it. */
export async function readDatasetFile(path: string): Promise<Dataset> {
  return readSource(fileSource(path));
}

/** Reads bytes already in memory (an object from MinIO). */
export async function readDatasetBuffer(name: string, data: Uint8Array): Promise<Dataset> {
  return readSource(bufferSource(name, data));
}

export { DataError };
