/**
 * Where the servers installed by `npm run setup` live, and the pinned versions
 * (scripts/versions.env, shared with the set-up scripts and the image builds).
 */
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { readVersionsEnv, versionsFile } from "../../lib/versions-env";

export const REPO_ROOT = resolve(__dirname, "..", "..");
export const VERSIONS_FILE = versionsFile(REPO_ROOT);

/** The cache folder outside the repository that `npm run setup` installs into. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.DRIFT_LOOP_CACHE || join(homedir(), ".cache", "drift-loop");
}


export interface Versions {
  minioCommit: string;
  minioRelease: string;
  mlflowVersion: string;
  postgresMajor: number;
}

export function readVersions(file = VERSIONS_FILE): Versions {
  const need = readVersionsEnv(file);
  return {
    minioCommit: need("MINIO_COMMIT"),
    minioRelease: need("MINIO_RELEASE"),
    mlflowVersion: need("MLFLOW_VERSION"),
    postgresMajor: Number(need("POSTGRES_MAJOR")),
  };
}

export interface Binaries {
  postgresBin: string;
  minio: string;
  mlflow: string;
  /**
   * A plain-SQL dump of MLflow's freshly migrated database for this MLflow version and
   * Postgres major, made on the first start; restoring it skips ~20 s of schema migrations.
   */
  mlflowSchemaTemplate: string;
}

export class NotInstalledError extends Error {
  constructor(what: string, looked: string) {
    super(`${what} is not installed (looked for ${looked}). Run 'npm run setup' first (installs into ${cacheRoot()}).`);
    this.name = "NotInstalledError";
  }
}

/** Newest /usr/lib/postgresql/<major>/bin with initdb and postgres, major >= minMajor. */
export function findPostgresBin(minMajor: number, base = "/usr/lib/postgresql"): string | undefined {
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .filter((d) => /^\d+$/.test(d) && Number(d) >= minMajor)
    .filter((d) => existsSync(join(base, d, "bin", "initdb")) && existsSync(join(base, d, "bin", "postgres")))
    .map(Number)
    .sort((a, b) => b - a);
  return majors.length ? join(base, String(majors[0]), "bin") : undefined;
}

/** The installed server binaries, or a NotInstalledError that says to run `npm run setup`. */
export function locateBinaries(env: NodeJS.ProcessEnv = process.env): Binaries {
  const v = readVersions();
  const cache = cacheRoot(env);
  const postgresBin = findPostgresBin(v.postgresMajor);
  if (!postgresBin) throw new NotInstalledError(`PostgreSQL >= ${v.postgresMajor}`, "/usr/lib/postgresql/*/bin/initdb");
  const minioDir = join(cache, `minio-${v.minioCommit}`);
  const minio = join(minioDir, "bin", "minio");
  if (!existsSync(minio) || !existsSync(join(minioDir, ".installed"))) throw new NotInstalledError(`MinIO ${v.minioRelease}`, minio);
  const venv = join(cache, `mlflow-${v.mlflowVersion}`);
  const mlflow = join(venv, "bin", "mlflow");
  if (!existsSync(mlflow) || !existsSync(join(venv, ".drift-loop-installed"))) throw new NotInstalledError(`MLflow ${v.mlflowVersion}`, mlflow);
  const major = postgresBin.split("/").at(-2);
  return { postgresBin, minio, mlflow, mlflowSchemaTemplate: join(venv, `schema-pg${major}.sql`) };
}

/** What scripts/setup.d/80-monitoring.sh installs: the Pushgateway binary and the Prometheus Operator's CRD files. */
export interface MonitoringParts {
  pushgateway: string;
  /** Directory of the operator's CRD YAML files (monitoring.coreos.com_<plural>.yaml). */
  crdDir: string;
}

/** The installed monitoring test parts, or a NotInstalledError that says to run `npm run setup`. */
export function locateMonitoringParts(env: NodeJS.ProcessEnv = process.env): MonitoringParts {
  const need = readVersionsEnv(VERSIONS_FILE);
  const cache = cacheRoot(env);
  const pgwDir = join(cache, `pushgateway-${need("PUSHGATEWAY_VERSION")}`);
  const pushgateway = join(pgwDir, "bin", "pushgateway");
  if (!existsSync(pushgateway) || !existsSync(join(pgwDir, ".installed"))) throw new NotInstalledError(`Pushgateway ${need("PUSHGATEWAY_VERSION")}`, pushgateway);
  const opDir = join(cache, `prometheus-operator-${need("PROMETHEUS_OPERATOR_VERSION")}`);
  const crdDir = join(opDir, "crds");
  if (!existsSync(join(opDir, ".installed"))) throw new NotInstalledError(`Prometheus Operator ${need("PROMETHEUS_OPERATOR_VERSION")} CRDs`, crdDir);
  return { pushgateway, crdDir };
}
