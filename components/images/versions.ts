/**
 * The pinned server versions, read from scripts/versions.env (owned by the services set-up:
 * the local test services and the image builds use the same pins). Plain KEY=value lines.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface ServerVersions {
  minioModule: string;
  minioModuleVersion: string;
  minioRelease: string;
  mlflow: string;
  psycopg2: string;
  boto3: string;
}

/** Used only when scripts/versions.env is absent (a checkout without the services set-up). */
export const FALLBACK_VERSIONS: ServerVersions = {
  minioModule: "github.com/minio/minio",
  minioModuleVersion: "v0.0.0-20251015172955-9e49d5e7a648",
  minioRelease: "RELEASE.2025-10-15T17-29-55Z",
  mlflow: "3.17.2",
  psycopg2: "2.9.10",
  boto3: "1.35.99",
};

export function parseVersionsEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Z0-9_]+)=(\S*)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export function readServerVersions(repoRoot: string): ServerVersions {
  const file = path.join(repoRoot, "scripts", "versions.env");
  if (!fs.existsSync(file)) return FALLBACK_VERSIONS;
  const v = parseVersionsEnv(fs.readFileSync(file, "utf8"));
  const need = (k: string): string => {
    const x = v[k];
    if (!x) throw new Error(`${file} has no ${k}=...; it must pin ${k} (see the services set-up)`);
    return x;
  };
  return {
    minioModule: v.MINIO_MODULE ?? FALLBACK_VERSIONS.minioModule,
    minioModuleVersion: need("MINIO_MODULE_VERSION"),
    minioRelease: need("MINIO_RELEASE"),
    mlflow: need("MLFLOW_VERSION"),
    psycopg2: need("PSYCOPG2_VERSION"),
    boto3: need("BOTO3_VERSION"),
  };
}
