/**
 * The env the program gives each container, resolved the way the kubelet resolves it
 * (Secret keys, ConfigMap envFrom, $(VAR) expansion from earlier entries), read by each
 * workload's own config loader: the infra side and the workload side agree on names,
 * formats and bounds, or this fails.
 */
import { strict as assert } from "node:assert";
import { mlflowCredentialsFromEnv } from "../../lib/mlflow";
import { S3_USERS, SECRET_KEY_LENGTH, userSecretEnv } from "../../lib/storage-access";
import { loadConfig as drifterConfig } from "../../drifter/src/config";
import { jobConfigFromEnv, type JobConfig } from "../../drift-job/src/config";
import { CONFIG_KEYS, ConfigValidationError, type PlatformConfig } from "../../infra/config";
import { ConfigError } from "../../lib/env";
import { DRIFT_SETTINGS, type DriftSettingName } from "../../lib/settings";
import { s3SettingsFromEnv } from "../../lib/s3";
import { BAKED_MODEL_PATH, PORTS } from "../../lib/contract";
import { loadConfig as modelApiConfig } from "../../model-api/src/serving/config";
import { SECRETS, byKind, cloudConfig, containersOf, makeRepoFixture, manifests, minikubeConfig, resolvedEnv, runPlatform, workloads, type Workload } from "../helpers/pulumi";

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

    it("gives MLflow the Postgres password from its Secret as PGPASSWORD, never in the backend store URI", () => {
      const env = resolvedEnv(ms, part(ms, "mlflow"));
      const pg = byKind(ms, "Secret").find((s) => s.stringData?.database === "mlflow")!;
      assert.equal(env.PGPASSWORD, pg.stringData.password);
      assert.equal(env.MLFLOW_BACKEND_STORE_URI, `postgresql+psycopg2://mlflow@${env.MLFLOW_BACKEND_STORE_URI!.split("@")[1]}`);
      assert.match(env.MLFLOW_BACKEND_STORE_URI!, /@postgres-svc-[0-9a-f]{8}\.drift-loop\.svc\.cluster\.local:5432\/mlflow$/);
      assert.doesNotMatch(env.MLFLOW_BACKEND_STORE_URI!, /\$\(/, "every $(VAR) resolved");
    });
  });
}

/** The next float above x (for "just outside" a number bound). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const i = new BigInt64Array(f.buffer);
  i[0] += x > 0 ? 1n : -1n;
  return f[0]!;
}
const nextDown = (x: number): number => -nextUp(-x);

/** Where each drift setting lands on both sides: a new setting in lib/settings.ts must be added here (the Record type says so). */
const ON_INFRA: Record<DriftSettingName, (c: PlatformConfig) => unknown> = {
  driftWindowMinutes: (c) => c.drift.windowMinutes,
  driftCurrentSource: (c) => c.drift.currentSource,
  driftStattest: (c) => c.drift.stattest,
  driftThreshold: (c) => c.drift.threshold,
  driftShare: (c) => c.drift.driftShare,
  driftMinSampleSize: (c) => c.drift.minSampleSize,
  retrainPsiThreshold: (c) => c.drift.retrainPsiThreshold,
  retrainDriftedShare: (c) => c.drift.retrainDriftedShare,
  retrainCooldownMinutes: (c) => c.drift.retrainCooldownMinutes,
};
const ON_JOB: Record<DriftSettingName, (c: JobConfig) => unknown> = {
  driftWindowMinutes: (c) => c.windowMinutes,
  driftCurrentSource: (c) => c.source,
  driftStattest: (c) => c.analysis.drift.stattest ?? "auto",
  driftThreshold: (c) => c.analysis.drift.threshold,
  driftShare: (c) => c.analysis.drift.driftShare,
  driftMinSampleSize: (c) => c.analysis.drift.minSampleSize,
  retrainPsiThreshold: (c) => c.analysis.policy.psiThreshold,
  retrainDriftedShare: (c) => c.analysis.policy.driftedShare,
  retrainCooldownMinutes: (c) => c.cooldownMinutes,
};

interface Walk {
  /** Values both sides must accept: the lowest and the highest allowed (every value of a choice). */
  accepted: (string | number)[];
  /** Values both sides must reject: just below the minimum, just above the maximum (a value not in a choice). */
  rejected: (string | number)[];
}

/** The bounds of one setting, walked: for a number, its min and max and the nearest values outside them. */
function walk(s: (typeof DRIFT_SETTINGS)[DriftSettingName]): Walk {
  if (s.type === "string") return { accepted: [...s.allowed], rejected: ["not-a-" + s.allowed[0]] };
  const step = (x: number, up: boolean) => (s.type === "integer" ? x + (up ? 1 : -1) : up ? nextUp(x) : nextDown(x));
  const lowest = s.minExclusive ? step(s.min, true) : s.min;
  const belowMin = s.minExclusive ? s.min : step(s.min, false);
  return { accepted: [lowest, s.max], rejected: [belowMin, step(s.max, true)] };
}

describe("drift settings at their bounds: pulumi preview accepts exactly what the drift job accepts", () => {
  const names = Object.keys(DRIFT_SETTINGS) as DriftSettingName[];
  const walks = Object.fromEntries(names.map((n) => [n, walk(DRIFT_SETTINGS[n])])) as Record<DriftSettingName, Walk>;
  /** The drift job's env as the program renders it with every setting at one end of its range. */
  const rendered: Record<"lowest" | "highest", Record<string, string>> = { lowest: {}, highest: {} };

  before(async () => {
    for (const end of ["lowest", "highest"] as const) {
      const values = Object.fromEntries(names.map((n) => [n, String(end === "lowest" ? walks[n].accepted[0] : walks[n].accepted.at(-1))]));
      const cfg = minikubeConfig(values);
      const run = await runPlatform(cfg, { repoRoot: makeRepoFixture() });
      const ms = manifests(run.resources);
      rendered[end] = resolvedEnv(ms, part(ms, "drift-job"));
    }
  });

  it("walks every shared setting (the table has number and choice settings, each with a bound on both sides)", () => {
    assert.ok(names.length >= 9, `${names.length} settings`);
    for (const n of names) {
      assert.ok(walks[n].accepted.length >= 2 && walks[n].rejected.length >= 1, n);
      assert.equal(CONFIG_KEYS[n], DRIFT_SETTINGS[n], `CONFIG_KEYS.${n} is lib/settings.ts's entry, not a copy`);
    }
  });

  for (const end of ["lowest", "highest"] as const) {
    it(`renders every setting at its ${end} allowed value into an env the drift job reads back unchanged`, () => {
      const job = jobConfigFromEnv(rendered[end]);
      for (const n of names) {
        const w = walks[n];
        const want = end === "lowest" ? w.accepted[0] : w.accepted.at(-1);
        assert.equal(ON_JOB[n](job), want, `${n} (${DRIFT_SETTINGS[n].env}=${rendered[end][DRIFT_SETTINGS[n].env]})`);
      }
    });
  }

  for (const n of Object.keys(DRIFT_SETTINGS) as DriftSettingName[]) {
    const s = DRIFT_SETTINGS[n];
    const w = walk(s);
    it(`${n}: both accept ${w.accepted.map((v) => String(v)).join(", ")} and both reject ${w.rejected.map((v) => String(v)).join(", ")}, naming the key or variable`, () => {
      for (const v of w.accepted) {
        // The stack value is typed as text (pulumi config set); the program writes numbers into the env with String().
        const cfg = minikubeConfig({ [n]: String(v) });
        assert.equal(ON_INFRA[n](cfg), v, `infra reads ${n}=${String(v)}`);
        const job = jobConfigFromEnv({ ...rendered.lowest, [s.env]: String(v) });
        assert.equal(ON_JOB[n](job), v, `the job reads ${s.env}=${String(v)}`);
      }
      for (const v of w.rejected) {
        let infraProblem = "";
        try {
          minikubeConfig({ [n]: String(v) });
        } catch (err) {
          assert.ok(err instanceof ConfigValidationError, String(err));
          infraProblem = err.problems.find((p) => p.startsWith(`drift-loop:${n}=`)) ?? "";
        }
        assert.match(infraProblem, /; allowed: /, `pulumi preview rejects ${n}=${String(v)} naming the key and what is allowed`);
        let jobProblem = "";
        try {
          jobConfigFromEnv({ ...rendered.lowest, [s.env]: String(v) });
        } catch (err) {
          assert.ok(err instanceof ConfigError, String(err));
          jobProblem = err.message;
        }
        assert.ok(jobProblem.startsWith(`${s.env}=`), `the drift job rejects ${s.env}=${String(v)} naming the variable: ${jobProblem || "accepted"}`);
        // One rule, one message: the same text after the name on both sides (the job may add a hint).
        const rule = infraProblem.slice(`drift-loop:${n}`.length);
        assert.ok(jobProblem.slice(s.env.length).startsWith(rule), `same rule: ${jobProblem} / ${infraProblem}`);
      }
    });
  }
});
