/**
 * A small client for MLflow's REST API (tracking, artifacts through the server's
 * artifact proxy, and the model registry). Only what drift-loop uses.
 */
import { ENV } from "./contract";
import { optionalStringEnv } from "./env";
import { withRetry } from "./retry";
import type { Logger } from "./logger";

export interface MlflowCredentials {
  username: string;
  password: string;
}

/** The workload's MLflow user (MLFLOW_TRACKING_USERNAME/PASSWORD, MLflow's own names); undefined when unset. */
export function mlflowCredentialsFromEnv(env: Record<string, string | undefined> = process.env): MlflowCredentials | undefined {
  const username = optionalStringEnv(env, ENV.mlflowTrackingUsername);
  const password = optionalStringEnv(env, ENV.mlflowTrackingPassword);
  return username && password ? { username, password } : undefined;
}

export class MlflowError extends Error {
  constructor(message: string, readonly status: number, readonly errorCode?: string) {
    super(message);
    this.name = "MlflowError";
  }
}

export interface MlflowRun {
  info: { run_id: string; experiment_id: string; artifact_uri: string; status: string; run_name?: string };
  data: {
    metrics?: { key: string; value: number; step?: number; timestamp?: number }[];
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
  };
}

export interface ModelVersion {
  name: string;
  version: string;
  run_id?: string;
  source?: string;
  aliases?: string[];
  tags?: { key: string; value: string }[];
}

export class MlflowClient {
  readonly baseUrl: string;
  /** Basic-auth header of the MLflow user, sent with every call (the server runs MLflow's basic-auth app). */
  private readonly authHeader: Record<string, string>;
  constructor(
    trackingUri: string,
    private readonly log?: Logger,
    private readonly attempts = 4,
    /** The user; undefined = from the environment (mlflowCredentialsFromEnv), null = anonymous. */
    credentials: MlflowCredentials | null | undefined = mlflowCredentialsFromEnv(),
  ) {
    this.baseUrl = trackingUri.replace(/\/+$/, "");
    this.authHeader = credentials ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}` } : {};
  }

  private async call<T>(method: string, path: string, body?: unknown, query?: Record<string, string>): Promise<T> {
    const url = new URL(`${this.baseUrl}/api/2.0/mlflow/${path}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return withRetry(
      async () => {
        const res = await fetch(url, {
          method,
          headers: body === undefined ? this.authHeader : { "content-type": "application/json", ...this.authHeader },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (!res.ok) {
          let code: string | undefined;
          let msg = text;
          try {
            const j = JSON.parse(text);
            code = j.error_code;
            msg = j.message ?? text;
          } catch {
            /* not JSON */
          }
          throw new MlflowError(`MLflow ${method} ${path} failed with ${res.status}: ${msg.slice(0, 500)}`, res.status, code);
        }
        return (text ? JSON.parse(text) : {}) as T;
      },
      { what: `MLflow ${method} ${path}`, attempts: this.attempts, log: this.log, retryable: isRetryable },
    );
  }

  /** The experiment's id, creating the experiment when it does not exist. */
  async getOrCreateExperiment(name: string): Promise<string> {
    try {
      const r = await this.call<{ experiment: { experiment_id: string } }>("GET", "experiments/get-by-name", undefined, { experiment_name: name });
      return r.experiment.experiment_id;
    } catch (err) {
      if (!(err instanceof MlflowError) || err.errorCode !== "RESOURCE_DOES_NOT_EXIST") throw err;
    }
    try {
      const r = await this.call<{ experiment_id: string }>("POST", "experiments/create", { name });
      return r.experiment_id;
    } catch (err) {
      // Created concurrently by someone else.
      if (err instanceof MlflowError && err.errorCode === "RESOURCE_ALREADY_EXISTS") return this.getOrCreateExperiment(name);
      throw err;
    }
  }

  async createRun(experimentId: string, runName: string, tags: Record<string, string> = {}): Promise<MlflowRun["info"]> {
    const r = await this.call<{ run: MlflowRun }>("POST", "runs/create", {
      experiment_id: experimentId,
      run_name: runName,
      start_time: Date.now(),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    return r.run.info;
  }

  /** Logs metrics, params and tags in requests within MLflow's limits (1000 metrics, 100 params or tags each). */
  async logBatch(runId: string, batch: { metrics?: Record<string, number>; params?: Record<string, string | number | boolean>; tags?: Record<string, string> }): Promise<void> {
    const ts = Date.now();
    const metrics = Object.entries(batch.metrics ?? {})
      .filter(([, v]) => Number.isFinite(v))
      .map(([key, value]) => ({ key: sanitizeKey(key), value, timestamp: ts, step: 0 }));
    const params = Object.entries(batch.params ?? {}).map(([key, value]) => ({ key: sanitizeKey(key), value: String(value).slice(0, 6000) }));
    const tags = Object.entries(batch.tags ?? {}).map(([key, value]) => ({ key: sanitizeKey(key), value }));
    const chunks = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
    for (const m of chunks(metrics, 1000)) await this.call("POST", "runs/log-batch", { run_id: runId, metrics: m, params: [], tags: [] });
    for (const p of chunks(params, 100)) await this.call("POST", "runs/log-batch", { run_id: runId, metrics: [], params: p, tags: [] });
    for (const t of chunks(tags, 100)) await this.call("POST", "runs/log-batch", { run_id: runId, metrics: [], params: [], tags: t });
  }

  async setTerminated(runId: string, status: "FINISHED" | "FAILED" | "KILLED" = "FINISHED"): Promise<void> {
    await this.call("POST", "runs/update", { run_id: runId, status, end_time: Date.now() });
  }

  async getRun(runId: string): Promise<MlflowRun> {
    return (await this.call<{ run: MlflowRun }>("GET", "runs/get", undefined, { run_id: runId })).run;
  }

  async searchRuns(experimentIds: string[], filter = "", maxResults = 100, orderBy: string[] = ["attributes.start_time DESC"]): Promise<MlflowRun[]> {
    const r = await this.call<{ runs?: MlflowRun[] }>("POST", "runs/search", { experiment_ids: experimentIds, filter, max_results: maxResults, order_by: orderBy });
    return r.runs ?? [];
  }

  /** URL of a run artifact in the server's artifact proxy (`--serve-artifacts`). */
  artifactUrl(run: { experiment_id: string; run_id: string; artifact_uri?: string }, path: string): string {
    const clean = path.split("/").map(encodeURIComponent).join("/");
    const prefix = proxiedPrefix(run);
    return `${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${prefix}/${clean}`;
  }

  async logArtifact(run: { experiment_id: string; run_id: string; artifact_uri?: string }, path: string, body: Buffer | string, contentType = "application/octet-stream"): Promise<void> {
    const url = this.artifactUrl(run, path);
    await withRetry(
      async () => {
        const res = await fetch(url, { method: "PUT", headers: { "content-type": contentType, ...this.authHeader }, body: typeof body === "string" ? Buffer.from(body) : body });
        if (!res.ok) throw new MlflowError(`MLflow artifact upload ${path} failed with ${res.status}: ${(await res.text()).slice(0, 300)}`, res.status);
      },
      { what: `MLflow artifact upload ${path}`, attempts: this.attempts, log: this.log, retryable: isRetryable },
    );
  }

  async downloadArtifact(run: { experiment_id: string; run_id: string; artifact_uri?: string }, path: string): Promise<Buffer> {
    const url = this.artifactUrl(run, path);
    return withRetry(
      async () => {
        const res = await fetch(url, { headers: this.authHeader });
        if (!res.ok) throw new MlflowError(`MLflow artifact download ${path} failed with ${res.status}`, res.status);
        return Buffer.from(await res.arrayBuffer());
      },
      { what: `MLflow artifact download ${path}`, attempts: this.attempts, log: this.log, retryable: isRetryable },
    );
  }

  async listArtifacts(runId: string, path = ""): Promise<{ path: string; is_dir: boolean; file_size?: number }[]> {
    const r = await this.call<{ files?: { path: string; is_dir: boolean; file_size?: number }[] }>("GET", "artifacts/list", undefined, { run_id: runId, path });
    return r.files ?? [];
  }

  // Model registry
  async ensureRegisteredModel(name: string, description = ""): Promise<void> {
    try {
      await this.call("POST", "registered-models/create", { name, description });
    } catch (err) {
      if (!(err instanceof MlflowError) || err.errorCode !== "RESOURCE_ALREADY_EXISTS") throw err;
    }
  }

  async createModelVersion(name: string, source: string, runId: string, tags: Record<string, string> = {}): Promise<ModelVersion> {
    const r = await this.call<{ model_version: ModelVersion }>("POST", "model-versions/create", {
      name,
      source,
      run_id: runId,
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    return r.model_version;
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call("POST", "registered-models/alias", { name, alias, version });
  }

  /** The version behind an alias, or undefined when the alias (or model) does not exist. */
  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      const r = await this.call<{ model_version: ModelVersion }>("GET", "registered-models/alias", undefined, { name, alias });
      return r.model_version;
    } catch (err) {
      if (err instanceof MlflowError && (err.status === 404 || err.errorCode === "RESOURCE_DOES_NOT_EXIST" || err.errorCode === "INVALID_PARAMETER_VALUE")) return undefined;
      throw err;
    }
  }
}

/** `mlflow-artifacts:/1/abc/artifacts` -> `1/abc/artifacts`; falls back to the default layout. */
function proxiedPrefix(run: { experiment_id: string; run_id: string; artifact_uri?: string }): string {
  const m = run.artifact_uri?.match(/^mlflow-artifacts:(?:\/\/[^/]*)?\/(.+)$/);
  return m ? m[1].replace(/\/+$/, "") : `${run.experiment_id}/${run.run_id}/artifacts`;
}

/** MLflow metric/param keys allow alphanumerics, _ - . space / only. */
export function sanitizeKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_\-. /]/g, "_").slice(0, 250);
}

function isRetryable(err: unknown): boolean {
  if (err instanceof MlflowError) return err.status >= 500 || err.status === 429;
  return true; // network errors
}
