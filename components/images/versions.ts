/**
 * The pinned server versions the images are built at, from scripts/versions.env (owned by
 * the services set-up: the local test services and the image builds use the same pins,
 * read by the one parser in lib/versions-env.ts). The file is part of the repository: a
 * checkout without it is broken, and the build says so rather than guess versions.
 */
import { readVersionsEnv, versionsFile } from "../../lib/versions-env";

export interface ServerVersions {
  minioModule: string;
  minioModuleVersion: string;
  /** The commit time and module zip hash: the proxy serves no .info and the checksum database no record for that pseudo-version, so the build writes the one and checks the other. */
  minioCommitTime: string;
  minioZipH1: string;
  minioRelease: string;
  mlflow: string;
  psycopg2: string;
  boto3: string;
}

export function readServerVersions(repoRoot: string): ServerVersions {
  const need = readVersionsEnv(versionsFile(repoRoot));
  return {
    minioModule: need("MINIO_MODULE"),
    minioModuleVersion: need("MINIO_MODULE_VERSION"),
    minioCommitTime: need("MINIO_COMMIT_TIME"),
    minioZipH1: need("MINIO_ZIP_H1"),
    minioRelease: need("MINIO_RELEASE"),
    mlflow: need("MLFLOW_VERSION"),
    psycopg2: need("PSYCOPG2_VERSION"),
    boto3: need("BOTO3_VERSION"),
  };
}
