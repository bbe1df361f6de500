import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ENV } from "../../lib/contract";
import { STACK_OUTPUTS, clusterEnv, forwardedPort, tunnelsFor } from "../../scripts/ci/with-cluster";

const ROOT = resolve(__dirname, "..", "..");

/** Stack outputs as `pulumi stack output --json --show-secrets` prints them for the platform program. */
const outputs = {
  namespace: "drift-loop",
  mlflowUrl: "http://mlflow-3f9a1c2e.drift-loop.svc.cluster.local:5000",
  mlflow: "kubectl -n drift-loop port-forward svc/mlflow-3f9a1c2e 5000:5000  # then http://localhost:5000",
  minioEndpoint: "http://minio-0b7d44aa.drift-loop.svc.cluster.local:9000",
  drifterUrl: "http://drifter-91c0ffee.drift-loop.svc.cluster.local:8000",
  minioRootUser: "drift-loop-admin",
  minioRootPassword: "r00t-Passw0rd",
  trainerS3AccessKey: "trainer",
  trainerS3SecretKey: "s3cr3t-Passw0rd",
  trainerMlflowUsername: "trainer",
  trainerMlflowPassword: "mlfl0w-Passw0rd",
  trainerDrifterToken: "dr1fter-T0ken",
};

describe("running the retrain on a runner with the cluster's services port-forwarded", () => {
  it("reads stack outputs the program really exports", () => {
    const program = readFileSync(resolve(ROOT, "infra/index.ts"), "utf8");
    for (const name of Object.values(STACK_OUTPUTS)) assert.match(program, new RegExp(`^export const ${name} = `, "m"), `infra/index.ts exports ${name}`);
  });

  it("finds the Service, namespace and port of MLflow, MinIO and the drifter", () => {
    assert.deepEqual(tunnelsFor(outputs), [
      { name: "mlflow", output: "mlflowUrl", service: "mlflow-3f9a1c2e", namespace: "drift-loop", port: 5000 },
      { name: "minio", output: "minioEndpoint", service: "minio-0b7d44aa", namespace: "drift-loop", port: 9000 },
      { name: "drifter", output: "drifterUrl", service: "drifter-91c0ffee", namespace: "drift-loop", port: 8000 },
    ]);
  });

  it("names the output when it is missing, still secret, or not an in-cluster URL", () => {
    const { drifterUrl: _d, ...noDrifter } = outputs;
    assert.throws(() => tunnelsFor(noDrifter), /stack output drifterUrl is missing/);
    assert.throws(() => tunnelsFor({ ...outputs, mlflowUrl: "http://mlflow.example.com" }), /mlflowUrl="http:\/\/mlflow.example.com" is not an in-cluster Service URL/);
    assert.throws(() => clusterEnv({ ...outputs, trainerS3SecretKey: "[secret]" }, { mlflow: 1, minio: 2, drifter: 3 }), /pass --show-secrets/);
  });

  it("reads the local port from kubectl port-forward's output", () => {
    assert.equal(forwardedPort("Forwarding from 127.0.0.1:41234 -> 5000"), 41234);
    assert.equal(forwardedPort("Forwarding from [::1]:41234 -> 5000"), undefined);
    assert.equal(forwardedPort("Handling connection for 41234"), undefined);
  });

  it("points the workload env vars at the forwarded ports with the trainer's own credentials, never the root user", () => {
    const env = clusterEnv(outputs, { mlflow: 41001, minio: 41002, drifter: 41003 });
    assert.deepEqual(env, {
      [ENV.mlflowTrackingUri]: "http://127.0.0.1:41001",
      [ENV.s3Endpoint]: "127.0.0.1",
      [ENV.s3Port]: "41002",
      [ENV.s3UseSsl]: "false",
      [ENV.s3AccessKey]: "trainer",
      [ENV.s3SecretKey]: "s3cr3t-Passw0rd",
      [ENV.mlflowTrackingUsername]: "trainer",
      [ENV.mlflowTrackingPassword]: "mlfl0w-Passw0rd",
      [ENV.drifterUrl]: "http://127.0.0.1:41003",
      [ENV.drifterToken]: "dr1fter-T0ken",
    });
    assert.ok(!Object.values(env).includes(outputs.minioRootPassword));
  });

  it("reaches an external S3 store directly (no MinIO tunnel), with the stack's key pair or the runner's own, and the bucket prefix", () => {
    const store = { external: true, endpoint: "https://s3.eu-west-1.amazonaws.com", region: "eu-west-1", pathStyle: false, bucketPrefix: "acme-ml-" };
    const external = { ...outputs, minioEndpoint: store.endpoint, objectStore: store };
    assert.deepEqual(tunnelsFor(external).map((t) => t.name), ["mlflow", "drifter"]);
    const s3 = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("S3_")));
    assert.deepEqual(s3(clusterEnv(external, { mlflow: 1, drifter: 3 }, {})), {
      [ENV.s3Endpoint]: "s3.eu-west-1.amazonaws.com",
      [ENV.s3Port]: "443",
      [ENV.s3UseSsl]: "true",
      [ENV.s3Region]: "eu-west-1",
      [ENV.s3PathStyle]: "false",
      [ENV.s3AccessKey]: "trainer",
      [ENV.s3SecretKey]: "s3cr3t-Passw0rd",
      [ENV.s3BucketPrefix]: "acme-ml-",
    });
    // A cloud identity: the stack has no key pair; the runner's own keys, or none (its AWS web identity).
    const { trainerS3AccessKey: _a, trainerS3SecretKey: _s, ...identity } = external;
    const runner = clusterEnv(identity, { mlflow: 1, drifter: 3 }, { [ENV.s3AccessKey]: "AKIARUNNER", [ENV.s3SecretKey]: "runner-secret" });
    assert.equal(runner[ENV.s3AccessKey], "AKIARUNNER");
    assert.equal(runner[ENV.s3SecretKey], "runner-secret");
    const none = clusterEnv(identity, { mlflow: 1, drifter: 3 }, {});
    assert.equal(none[ENV.s3AccessKey], undefined);
    assert.equal(none[ENV.s3Endpoint], "s3.eu-west-1.amazonaws.com");
    // The in-cluster MinIO with a prefix: the trainer gets the prefix too.
    const prefixed = clusterEnv({ ...outputs, objectStore: { ...store, external: false, endpoint: outputs.minioEndpoint } }, { mlflow: 1, minio: 2, drifter: 3 }, {});
    assert.equal(prefixed[ENV.s3BucketPrefix], "acme-ml-");
    assert.equal(prefixed[ENV.s3Port], "2");
    assert.throws(() => tunnelsFor({ ...outputs, objectStore: "s3" }), /stack output objectStore is "s3"; expected/);
  });

  it("refuses bad input with exit 2 before starting anything, and masks the credentials first in Actions", function () {
    this.timeout(60_000);
    const run = (args: string[], input: string, env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ["--import", "tsx", "scripts/ci/with-cluster.ts", ...args], { cwd: ROOT, input, encoding: "utf8", env: { ...process.env, ...env } });
    const noCommand = run([], JSON.stringify(outputs));
    assert.equal(noCommand.status, 2);
    assert.match(noCommand.stderr, /no command to run; put it after --/);
    const notJson = run(["--", "true"], "Current stack is dev");
    assert.equal(notJson.status, 2);
    assert.match(notJson.stderr, /cannot use the stack outputs on stdin/);
    const secret = run(["--", "true"], JSON.stringify({ ...outputs, trainerS3SecretKey: "[secret]" }), { GITHUB_ACTIONS: "true" });
    assert.equal(secret.status, 2);
    assert.match(secret.stderr, /pass --show-secrets/);
    const lines = run(["--", "true"], JSON.stringify({ ...outputs, mlflowUrl: "nope" }), { GITHUB_ACTIONS: "true" }).stdout.split("\n");
    assert.deepEqual(lines.slice(0, 5), ["::add-mask::trainer", "::add-mask::s3cr3t-Passw0rd", "::add-mask::trainer", "::add-mask::mlfl0w-Passw0rd", "::add-mask::dr1fter-T0ken"]);
  });
});
