/**
 * Bring your own object store and database, under provider-like mocks: every combination
 * of the profile (minikube, cloud), the object store (the in-cluster MinIO, an external
 * store with a key pair, an external store with a cloud identity) and the database (the
 * in-cluster Postgres, an external one over verified TLS). For each, the env every consumer
 * gets is resolved as the kubelet would and read by the workloads' own loaders, so the
 * wiring is checked the way the pods will see it.
 */
import { strict as assert } from "node:assert";
import { BUCKET_NAMES, ENV, PORTS, bucketsWithPrefix } from "../../lib/contract";
import { s3SettingsFromEnv } from "../../lib/s3";
import { jobConfigFromEnv } from "../../drift-job/src/config";
import { loadConfig as modelApiConfig } from "../../model-api/src/serving/config";
import { POSTGRES_CA_PATH } from "../../components/mlflow";
import { ACCESS } from "../../components/shared/labels";
import { SERVICE_MONITOR } from "../../components/monitoring";
import { ProviderState, byKind, changes, cloudConfig, containersOf, makeRepoFixture, manifests, minikubeConfig, resolvedEnv, runPlatform, selects, workloads, type Run, type Workload } from "../helpers/pulumi";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTESTONLY\n-----END CERTIFICATE-----\n";
const S3_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const S3_ACCESS = "AKIAIOSFODNN7EXAMPLE";
// Characters that would break a URI if the password were put in one.
const PG_PASSWORD = "p@ss/w:rd%20 #?&";
const ROLE = "arn:aws:iam::123456789012:role/drift-loop";

const STORES = {
  inCluster: {},
  keys: {
    s3Endpoint: "https://s3.eu-west-1.amazonaws.com",
    s3Region: "eu-west-1",
    s3BucketPrefix: "acme-ml-",
    s3PathStyle: "false",
    s3AccessKeyId: S3_ACCESS,
    s3SecretAccessKey: S3_SECRET,
  },
  identity: {
    s3Endpoint: "https://objects.example.com:9443",
    s3BucketPrefix: "acme.ml.",
    s3ServiceAccountAnnotations: `eks.amazonaws.com/role-arn=${ROLE}`,
  },
} as const;
const DATABASES = {
  inCluster: {},
  external: {
    postgresHost: "mydb.abc123.eu-west-1.rds.amazonaws.com",
    postgresPort: "6543",
    postgresDatabase: "ml_tracking",
    postgresUser: "mlflow_app",
    postgresPassword: PG_PASSWORD,
    postgresCaCert: CA,
  },
} as const;

/** The pods that talk to S3, by their app label (the backup only with the in-cluster Postgres). */
const S3_CLIENTS = ["mlflow", "model-api", "drift-job", "postgres-backup"];

function part(ms: Record<string, any>[], name: string): Workload | undefined {
  return workloads(ms).find((w) => w.podLabels["app.kubernetes.io/name"] === name);
}

/** The egress rules that select the pod and open the port to somewhere outside the namespace. */
function egressOpens(ms: Record<string, any>[], w: Workload, port: number): boolean {
  return byKind(ms, "NetworkPolicy").some(
    (p) =>
      (p.spec.policyTypes ?? []).includes("Egress") &&
      selects(p.spec.podSelector?.matchLabels, w.podLabels) &&
      (p.spec.egress ?? []).some((r: any) => (r.ports ?? []).some((pt: any) => pt.port === port) && (r.to ?? []).some((t: any) => t.ipBlock)),
  );
}

for (const [profile, config] of [
  ["minikube", minikubeConfig],
  ["cloud", cloudConfig],
] as const) {
  for (const store of Object.keys(STORES) as (keyof typeof STORES)[]) {
    for (const database of Object.keys(DATABASES) as (keyof typeof DATABASES)[]) {
      describe(`${profile} profile, ${store === "inCluster" ? "in-cluster MinIO" : `external S3 (${store})`}, ${database === "inCluster" ? "in-cluster Postgres" : "external Postgres"}`, () => {
        let run: Run;
        let ms: Record<string, any>[];
        const s3 = STORES[store] as Record<string, string>;
        const pg = DATABASES[database] as Record<string, string>;
        const external = store !== "inCluster";
        const buckets = bucketsWithPrefix(s3.s3BucketPrefix ?? "");
        before(async () => {
          run = await runPlatform(config({ ...s3, ...pg }), { repoRoot: makeRepoFixture() });
          ms = manifests(run.resources);
        });

        it("creates the in-cluster MinIO and Postgres only when the stack brings none, and the backup with the in-cluster Postgres only", () => {
          const sts = byKind(ms, "StatefulSet").map((s) => s.metadata.labels["app.kubernetes.io/name"]).sort();
          assert.deepEqual(sts, [...(external ? [] : ["minio"]), ...(database === "inCluster" ? ["postgres"] : [])].sort());
          assert.equal(!!part(ms, "postgres-backup"), database === "inCluster");
          assert.equal(!!part(ms, "minio-init"), !external);
          assert.equal(!!part(ms, "s3-init"), external);
          assert.equal(run.outputs.images.minio === undefined, external, "no MinIO image built or named for an external store");
          assert.equal(run.outputs.images.postgres === undefined, database === "external");
          assert.ok(!run.resources.some((r) => r.type === "docker:index/image:Image" && /minio/.test(JSON.stringify(r.inputs.imageName))) || !external);
        });

        it("points every S3 client at the store, with the bucket prefix, through the workloads' own loader", () => {
          const clients = S3_CLIENTS.filter((c) => c !== "postgres-backup" || database === "inCluster").concat(external ? ["s3-init"] : ["minio-init"]);
          for (const name of clients) {
            const w = part(ms, name)!;
            assert.ok(w, name);
            const container = name === "postgres-backup" ? "upload" : undefined;
            const env = resolvedEnv(ms, w, container);
            if (name === "mlflow") {
              const url = new URL(env.MLFLOW_S3_ENDPOINT_URL!);
              if (external) assert.equal(env.MLFLOW_S3_ENDPOINT_URL, s3.s3Endpoint);
              else assert.match(url.hostname, /^minio-svc-[0-9a-f]{8}\./);
              assert.equal(env.AWS_DEFAULT_REGION, s3.s3Region ?? "us-east-1");
              assert.equal(env.MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE, s3.s3PathStyle === "false" ? "virtual" : "path");
              const args: string[] = containersOf(w)[0]!.args;
              assert.equal(args[args.indexOf("--artifacts-destination") + 1], `s3://${buckets.mlflow}`);
              if (store === "keys") assert.deepEqual([env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY], [S3_ACCESS, S3_SECRET]);
              if (store === "identity") assert.ok(!("AWS_ACCESS_KEY_ID" in env) && !("AWS_SECRET_ACCESS_KEY" in env), "boto3 finds the cloud identity itself");
              continue;
            }
            const settings = s3SettingsFromEnv(env);
            assert.equal(env[ENV.s3BucketPrefix] ?? "", s3.s3BucketPrefix ?? "", `${name}: bucket prefix`);
            if (external) {
              const u = new URL(s3.s3Endpoint!);
              assert.equal(settings.endPoint, u.hostname, name);
              assert.equal(settings.port, Number(u.port || 443), name);
              assert.equal(settings.useSSL, true, name);
              assert.equal(settings.region, s3.s3Region ?? "us-east-1");
              assert.equal(settings.pathStyle, s3.s3PathStyle !== "false");
              assert.deepEqual([settings.accessKey, settings.secretKey], store === "keys" ? [S3_ACCESS, S3_SECRET] : ["", ""], `${name}: credentials`);
              assert.ok(egressOpens(ms, w, settings.port), `${name} may reach the store's port ${settings.port}`);
              if (store === "identity") assert.ok(egressOpens(ms, w, 443), `${name} may reach the token exchange (STS) on 443`);
            } else {
              assert.match(settings.endPoint, /^minio-svc-[0-9a-f]{8}\./);
              assert.equal(settings.port, PORTS.minio);
            }
          }
          const modelApi = modelApiConfig(resolvedEnv(ms, part(ms, "model-api")!));
          if (external) assert.equal(modelApi.requestLog?.s3.endPoint, new URL(s3.s3Endpoint!).hostname);
          const job = jobConfigFromEnv(resolvedEnv(ms, part(ms, "drift-job")!));
          assert.equal(job.s3.accessKey, store === "keys" ? S3_ACCESS : store === "identity" ? "" : "drift-job");
        });

        it("gives a cloud identity to exactly the S3 clients' ServiceAccounts", () => {
          const annotated = byKind(ms, "ServiceAccount").filter((sa) => sa.metadata.annotations?.["eks.amazonaws.com/role-arn"] === ROLE);
          if (store !== "identity") {
            assert.equal(annotated.length, 0);
            return;
          }
          const clients = S3_CLIENTS.filter((c) => c !== "postgres-backup" || database === "inCluster").concat("s3-init");
          const saOf = (name: string) => part(ms, name)!.podSpec.serviceAccountName;
          assert.deepEqual(annotated.map((sa) => sa.metadata.name).sort(), clients.map(saOf).sort());
          for (const other of ["drifter", "traffic"]) assert.ok(!annotated.some((sa) => sa.metadata.name === saOf(other)), `${other} gets no cloud identity`);
        });

        it("connects MLflow to the database with the password in PGPASSWORD only, over verified TLS when external", () => {
          const w = part(ms, "mlflow")!;
          const env = resolvedEnv(ms, w);
          const uri = new URL(env.MLFLOW_BACKEND_STORE_URI!.replace(/^postgresql\+psycopg2:/, "http:"));
          assert.equal(uri.password, "", "no password in the URI (it would be in MLflow's arguments)");
          const ini = byKind(ms, "ConfigMap").find((c) => c.data?.["basic_auth.ini"])!.data["basic_auth.ini"] as string;
          assert.ok(ini.includes(env.MLFLOW_BACKEND_STORE_URI!), "the auth app uses the same database");
          if (database === "external") {
            assert.equal(uri.hostname, pg.postgresHost);
            assert.equal(uri.port, pg.postgresPort);
            assert.equal(decodeURIComponent(uri.username), pg.postgresUser);
            assert.equal(uri.pathname, `/${pg.postgresDatabase}`);
            assert.equal(env.PGPASSWORD, PG_PASSWORD);
            assert.equal(env.PGSSLMODE, "verify-full");
            assert.equal(env.PGSSLROOTCERT, POSTGRES_CA_PATH);
            const mount = containersOf(w)[0]!.volumeMounts.find((m: any) => POSTGRES_CA_PATH.startsWith(`${m.mountPath}/`));
            assert.ok(mount, "the CA is mounted where PGSSLROOTCERT points");
            const cm = byKind(ms, "ConfigMap").find((c) => c.metadata.name === w.podSpec.volumes.find((v: any) => v.name === mount.name).configMap.name)!;
            assert.equal(cm.data[POSTGRES_CA_PATH.slice(POSTGRES_CA_PATH.lastIndexOf("/") + 1)], CA);
            assert.ok(egressOpens(ms, w, Number(pg.postgresPort)), "MLflow may reach the database's port");
            assert.equal(run.outputs.credentials.postgresPassword, undefined, "the stack does not repeat a password the team gave it");
            assert.deepEqual({ ...run.outputs.database, host: String(run.outputs.database.host) }, { external: true, host: pg.postgresHost, port: 6543, database: "ml_tracking", sslMode: "verify-full" });
          } else {
            assert.match(uri.hostname, /^postgres-svc-[0-9a-f]{8}\./);
            assert.ok(!("PGSSLMODE" in env));
            assert.ok(typeof run.outputs.credentials.postgresPassword === "string");
          }
        });

        it("keeps the store's keys and the database password in Secrets only, and MinIO's root user out of an external stack", () => {
          const plain = JSON.stringify(ms.filter((m) => m.kind !== "Secret"));
          for (const v of [S3_SECRET, PG_PASSWORD]) assert.ok(!plain.includes(v), "a secret value outside a Secret");
          if (external) {
            assert.equal(run.outputs.credentials.minioRootUser, undefined);
            assert.equal(run.outputs.credentials.minioRootPassword, undefined);
            assert.ok(!run.resources.some((r) => r.name === "minio-root-password"), "no MinIO root password generated");
          }
          if (store === "keys") {
            const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.state.stringData?.["secret-key"] === S3_SECRET)!;
            assert.ok(secret.secretPaths.includes("stringData"), "the store's secret key reaches its Secret as a Pulumi secret");
          }
        });

        it("reports where the data lives, and what an external store's identity must be allowed", () => {
          const o = run.outputs.objectStore;
          assert.equal(o.external, external);
          assert.equal(o.bucketPrefix, s3.s3BucketPrefix ?? "");
          assert.deepEqual(Object.keys(o.buckets).sort(), Object.keys(BUCKET_NAMES).sort());
          if (!external) {
            assert.equal(run.outputs.s3Policies, undefined);
            return;
          }
          assert.equal(o.endpoint, s3.s3Endpoint);
          const arns = JSON.stringify(run.outputs.s3Policies);
          for (const b of Object.values(buckets)) assert.ok(arns.includes(`arn:aws:s3:::${b}`), `the policies name ${b}`);
          assert.ok(!/arn:aws:s3:::(datasets|mlflow|reports|requests|backups)\b/.test(arns), "every bucket with the prefix");
          assert.deepEqual(Object.keys(run.outputs.s3Policies).sort(), ["backup", "drift-job", "init", "mlflow", "model-api", "trainer"]);
          assert.equal(run.outputs.credentials.trainerS3AccessKey, store === "keys" ? S3_ACCESS : undefined);
          // The S3 client label is what the external store's egress policy selects.
          for (const name of ["mlflow", "model-api", "drift-job"]) assert.equal(part(ms, name)!.podLabels[ACCESS.minio], "true");
        });
      });
    }
  }
}

describe("rotating the credentials of the team's own services", () => {
  it("rolls the pods that read them at start (MLflow, the model API), and only the Secrets and those pods change", async () => {
    const state = new ProviderState();
    const repoRoot = makeRepoFixture();
    const given = { ...STORES.keys, ...DATABASES.external };
    const before = await runPlatform(cloudConfig(given), { state, repoRoot });
    const after = await runPlatform(cloudConfig({ ...given, postgresPassword: "a-new-password-2027", s3SecretAccessKey: "a-new-secret-key-2027" }), { state, repoRoot });
    const changed = changes(before, after);
    const kinds = Object.keys(changed).map((k) => k.split("::")[0]!.replace(/^kubernetes:[^:]+:/, ""));
    assert.deepEqual([...new Set(kinds)].sort(), ["Deployment", "Job", "Secret"], JSON.stringify(changed, null, 1));
    const deployments = Object.keys(changed).filter((k) => k.includes(":Deployment::")).map((k) => k.split("::")[1]).sort();
    assert.deepEqual(deployments, ["mlflow-deploy", "model-api-deploy"]);
    for (const k of Object.keys(changed).filter((k) => k.includes(":Deployment::"))) {
      assert.ok(changed[k]!.every((p) => p.includes("annotations")), `${k} changes only its credentials annotation: ${changed[k]}`);
    }
  });
});

describe("monitoring a stack on the team's own store", () => {
  it("scrapes the drifter and the model API, but no MinIO (the store is monitored where it runs)", async () => {
    const run = await runPlatform(cloudConfig({ ...STORES.keys, monitoring: "true" }), { repoRoot: makeRepoFixture() });
    const ms = manifests(run.resources);
    const monitors = ms.filter((m) => m.kind === SERVICE_MONITOR.kind);
    const targets = monitors.map((m) => m.spec.selector.matchLabels["app.kubernetes.io/name"]).sort();
    assert.deepEqual(targets, ["drifter", "model-api"]);
  });
});
