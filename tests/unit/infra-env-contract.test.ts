/**
 * The env the program gives each container, resolved the way the kubelet resolves it
 * (Secret keys, ConfigMap envFrom, $(VAR) expansion from earlier entries), read by each
 * workload's own config loader: the infra side and the workload side agree on names,
 * formats and bounds, or this fails.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mlflowCredentialsFromEnv } from "../../lib/mlflow";
import { S3_USERS, SECRET_KEY_LENGTH, userSecretEnv } from "../../lib/storage-access";
import { loadConfig as drifterConfig } from "../../drifter/src/config";
import { jobConfigFromEnv } from "../../drift-job/src/config";
import { s3SettingsFromEnv } from "../../lib/s3";
import { BAKED_MODEL_PATH, PORTS } from "../../lib/contract";
import { loadConfig as modelApiConfig } from "../../model-api/src/config";
import { SECRETS, byKind, cloudConfig, containersOf, makeRepoFixture, manifests, minikubeConfig, runPlatform, workloads, type Workload } from "../helpers/pulumi";

/** The container's environment as the kubelet builds it. */
function resolvedEnv(ms: Record<string, any>[], w: Workload, container?: string): Record<string, string> {
  const c = containersOf(w).find((x) => container === undefined || x.name === container)!;
  const env: Record<string, string> = {};
  for (const ef of c.envFrom ?? []) {
    const cm = byKind(ms, "ConfigMap").find((x) => x.metadata.name === ef.configMapRef.name)!;
    Object.assign(env, cm.data);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.secretKeyRef) {
      const s = byKind(ms, "Secret").find((x) => x.metadata.name === e.valueFrom.secretKeyRef.name)!;
      env[e.name] = String({ ...s.data, ...s.stringData }[e.valueFrom.secretKeyRef.key]);
    } else if (e.value !== undefined) {
      env[e.name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => (name in env ? env[name]! : m));
    }
  }
  // Secret volumes as the kubelet writes them (one file per key), at a local path.
  for (const m of c.volumeMounts ?? []) {
    const v = (w.podSpec.volumes ?? []).find((x: any) => x.name === m.name);
    if (!v?.secret) continue;
    const s = byKind(ms, "Secret").find((x) => x.metadata.name === v.secret.secretName)!;
    const dir = join(mkdtempSync(join(tmpdir(), "env-contract-")), "mount");
    mkdirSync(dir);
    for (const [k, val] of Object.entries({ ...s.data, ...s.stringData })) writeFileSync(join(dir, k), String(val));
    for (const [k, val] of Object.entries(env)) if (val === m.mountPath) env[k] = dir;
  }
  return env;
}

function part(ms: Record<string, any>[], name: string): Workload {
  return workloads(ms).find((w) => w.podLabels["app.kubernetes.io/name"] === name)!;
}

for (const [profile, config] of [
  ["minikube", minikubeConfig],
  ["cloud", cloudConfig],
] as const) {
  describe(`workload env contract, ${profile} profile`, () => {
    let ms: Record<string, any>[];
    let minioUser: string;
    before(async () => {
      const run = await runPlatform(config(), { repoRoot: makeRepoFixture() });
      ms = manifests(run.resources);
      minioUser = run.resources.find((r) => r.name === "minio-root-user")!.state.result;
    });
    const clientsOf = (tokens: { client: string }[] | undefined) => (tokens ?? []).map((t) => t.client).sort();

    it("starts the drifter with a config its own loader accepts", () => {
      const c = drifterConfig(resolvedEnv(ms, part(ms, "drifter")));
      assert.equal(c.port, PORTS.drifter);
      assert.equal(c.schema, "credit");
      assert.equal(c.rows, 1000);
      // One worker thread per whole core of the container's CPU limit.
      const limit = containersOf(part(ms, "drifter"))[0].resources.limits.cpu as string;
      assert.equal(c.threads, Math.floor(Number(limit.replace(/m$/, "")) / 1000), `threads for a ${limit} CPU limit`);
      assert.deepEqual(clientsOf(c.tokens), ["drift-job", "people", "traffic", "trainer"], "the mounted tokens are valid, one per client");
    });

    it("starts the model API with the baked model and a request log in MinIO", () => {
      const c = modelApiConfig(resolvedEnv(ms, part(ms, "model-api")));
      assert.equal(c.port, PORTS.modelApi);
      assert.equal(c.modelPath, BAKED_MODEL_PATH);
      assert.ok(c.requestLog, "request logging is on");
      assert.match(c.requestLog.s3.endPoint, /^minio-svc-[0-9a-f]{8}\.drift-loop\.svc\.cluster\.local$/);
      assert.equal(c.requestLog.s3.port, PORTS.minio);
      assert.equal(c.requestLog.s3.accessKey, "model-api", "its own MinIO user");
      assert.equal(c.requestLog.flushRows, 500);
      assert.deepEqual(clientsOf(c.tokens), ["people", "smoke", "traffic"]);
    });

    it("starts the drift check with the retrain policy, MLflow, and GitHub only when configured", () => {
      const c = jobConfigFromEnv(resolvedEnv(ms, part(ms, "drift-job")));
      assert.match(c.mlflowUrl, /^http:\/\/mlflow-svc-[0-9a-f]{8}\.drift-loop\.svc\.cluster\.local:5000\/?$/);
      assert.equal(c.source, "requests");
      assert.equal(c.windowMinutes, 60);
      assert.equal(c.cooldownMinutes, 360);
      const env = resolvedEnv(ms, part(ms, "drift-job"));
      assert.equal(c.s3.accessKey, "drift-job", "its own MinIO user");
      assert.equal(mlflowCredentialsFromEnv(env)?.username, "drift-job");
      assert.ok((mlflowCredentialsFromEnv(env)?.password.length ?? 0) >= 12, "MLflow's password rule");
      assert.ok((env.DRIFTER_TOKEN ?? "").length >= 32);
      if (profile === "cloud") {
        assert.equal(c.github?.token, SECRETS.dispatchToken);
        assert.equal(c.github?.owner, "acme");
        assert.equal(c.github?.repo, "drift-loop");
      } else assert.equal(c.github, undefined);
    });

    it("gives the MinIO init Job an S3 connection to the MinIO Service", () => {
      const s = s3SettingsFromEnv(resolvedEnv(ms, part(ms, "minio-init")));
      assert.match(s.endPoint, /^minio-svc-[0-9a-f]{8}\./);
      assert.equal(s.useSSL, false);
      assert.equal(s.accessKey, minioUser, "the init Job is root");
      const env = resolvedEnv(ms, part(ms, "minio-init"));
      for (const u of S3_USERS) {
        const key = env[userSecretEnv(u)] ?? "";
        assert.ok(key.length >= SECRET_KEY_LENGTH.min && key.length <= SECRET_KEY_LENGTH.max, `${userSecretEnv(u)} fits MinIO's limits`);
      }
    });

    it("expands MLflow's backend store URI from the Postgres Secret, in order", () => {
      const env = resolvedEnv(ms, part(ms, "mlflow"));
      const pg = byKind(ms, "Secret").find((s) => s.stringData?.database === "mlflow")!;
      assert.equal(env.MLFLOW_BACKEND_STORE_URI, `postgresql+psycopg2://mlflow:${pg.stringData.password}@${env.MLFLOW_BACKEND_STORE_URI!.split("@")[1]}`);
      assert.match(env.MLFLOW_BACKEND_STORE_URI!, /@postgres-svc-[0-9a-f]{8}\.drift-loop\.svc\.cluster\.local:5432\/mlflow$/);
      assert.doesNotMatch(env.MLFLOW_BACKEND_STORE_URI!, /\$\(/, "every $(VAR) resolved");
    });
  });
}
