/**
 * The platform program under provider-like mocks, for both profiles: what it declares, how
 * the parts are wired, and the security settings of every pod.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ENV, PORTS } from "../../lib/contract";
import { cronProblem } from "../../infra/config";
import { ACCESS } from "../../components/shared/labels";
import { DUMP_DIR, DUMP_FILE } from "../../components/postgres-backup";
import { pgDumpCommand } from "../../lib/pg-backup";
import {
  SECRETS,
  byKind,
  cloudConfig,
  containersOf,
  makeRepoFixture,
  manifests,
  minikubeConfig,
  runPlatform,
  selects,
  workloads,
  type Run,
  type Workload,
} from "../helpers/pulumi";

/** Kinds and how many of each the program declares, per profile. */
const EXPECTED: Record<"minikube" | "cloud", Record<string, number>> = {
  minikube: {
    "kubernetes:core/v1:Namespace": 1,
    // ... + the backup CronJob's egress policy
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 8,
    "kubernetes:core/v1:ServiceAccount": 8,
    "kubernetes:core/v1:Service": 5,
    // Postgres, MinIO root, 5 MinIO workload users, MLflow admin, 2 MLflow workload users,
    // the drifter's and the model API's client tokens.
    "kubernetes:core/v1:Secret": 12,
    // the drifter's settings, MLflow's auth app config
    "kubernetes:core/v1:ConfigMap": 2,
    "kubernetes:apps/v1:Deployment": 3,
    "kubernetes:apps/v1:StatefulSet": 2,
    // MinIO's init Job, the MLflow users Job
    "kubernetes:batch/v1:Job": 2,
    // drift check, traffic, Postgres backup
    "kubernetes:batch/v1:CronJob": 3,
    // Postgres, MinIO root user and password, 5 MinIO users, MLflow admin, Flask key and
    // 2 users, 4 drifter and 3 model API client tokens
    "random:index/randomPassword:RandomPassword": 19,
    // the MLflow admin's id
    "random:index/randomString:RandomString": 1,
    "docker:index/image:Image": 5,
    "drift-loop:namespace:Namespace": 1,
    "drift-loop:images:Images": 1,
    "drift-loop:postgres:Postgres": 1,
    "drift-loop:minio:Minio": 1,
    "drift-loop:mlflow:Mlflow": 1,
    "drift-loop:drifter:Drifter": 1,
    "drift-loop:model-api:ModelApi": 1,
    "drift-loop:drift-monitor:DriftMonitor": 1,
    "drift-loop:postgres-backup:PostgresBackup": 1,
  },
  cloud: {} as Record<string, number>,
};
EXPECTED.cloud = {
  ...EXPECTED.minikube,
  // + the GitHub egress policy of the drift job, + the dispatch token Secret, + MLflow's
  // Ingress (the drifter, model API and MinIO console are exposed only when the stack says so)
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": 9,
  "kubernetes:core/v1:Secret": 13,
  "kubernetes:networking.k8s.io/v1:Ingress": 1,
};

function countTypes(run: Run): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of run.resources) out[r.type] = (out[r.type] ?? 0) + 1;
  return out;
}

/** The Service a `<svc>.<ns>.svc.cluster.local` host names, or a failed assertion. */
function serviceForHost(ms: Record<string, any>[], host: string): Record<string, any> {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(host);
  assert.ok(m, `${host} is not a <svc>.<ns>.svc.cluster.local name`);
  const svc = byKind(ms, "Service").find((s) => s.metadata.name === m[1] && s.metadata.namespace === m[2]);
  assert.ok(svc, `${host} names no Service the program declares`);
  return svc;
}

function workloadBehind(ms: Record<string, any>[], svc: Record<string, any>): Workload {
  const ws = workloads(ms).filter((w) => w.longRunning && w.namespace === svc.metadata.namespace && selects(svc.spec.selector, w.podLabels));
  assert.equal(ws.length, 1, `Service ${svc.metadata.name} selects ${ws.length} workloads`);
  return ws[0]!;
}

function envOf(w: Workload, container?: string): Record<string, any> {
  const c = containersOf(w).find((x) => container === undefined || x.name === container)!;
  return Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e]));
}

/** The ConfigMap data a container sees through envFrom. */
function envFromData(ms: Record<string, any>[], w: Workload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of containersOf(w)) {
    for (const ef of c.envFrom ?? []) {
      const cm = byKind(ms, "ConfigMap").find((x) => x.metadata.name === ef.configMapRef?.name && x.metadata.namespace === w.namespace);
      assert.ok(cm, `${w.name}: envFrom names ConfigMap ${ef.configMapRef?.name}, which the program does not declare`);
      Object.assign(out, cm.data);
    }
  }
  return out;
}

function partWorkload(ms: Record<string, any>[], part: string): Workload {
  const ws = workloads(ms).filter((w) => w.podLabels["app.kubernetes.io/name"] === part);
  assert.equal(ws.length, 1, `expected one ${part} workload, found ${ws.length}`);
  return ws[0]!;
}

/** Asserts that the client pod may connect to the Service's pods under the NetworkPolicies. */
function assertAllowed(ms: Record<string, any>[], client: Workload, svc: Record<string, any>, port: number): void {
  const server = workloadBehind(ms, svc);
  const policies = byKind(ms, "NetworkPolicy").filter(
    (p) => p.metadata.namespace === server.namespace && (p.spec.policyTypes ?? []).includes("Ingress") && selects(p.spec.podSelector?.matchLabels, server.podLabels),
  );
  const allowed = policies.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule: any) =>
        (rule.ports ?? []).some((pt: any) => pt.port === port) &&
        (rule.from ?? []).some((f: any) => f.podSelector && !f.namespaceSelector && selects(f.podSelector.matchLabels, client.podLabels)),
    ),
  );
  assert.ok(allowed, `${client.name} may not reach ${svc.metadata.name}:${port}: no NetworkPolicy admits its labels ${JSON.stringify(client.podLabels)}`);
}

for (const profile of ["minikube", "cloud"] as const) {
  describe(`the platform program, ${profile} profile`, () => {
    let run: Run;
    let ms: Record<string, any>[];
    const ns = "drift-loop";

    before(async () => {
      const cfg = profile === "minikube" ? minikubeConfig() : cloudConfig();
      run = await runPlatform(cfg, { repoRoot: makeRepoFixture() });
      ms = manifests(run.resources);
    });

    it("declares every expected resource, and nothing else", () => {
      assert.deepEqual(countTypes(run), EXPECTED[profile]);
    });

    it("puts every namespaced object in the platform namespace, which enforces Pod Security restricted", () => {
      const nsObj = byKind(ms, "Namespace")[0]!;
      assert.equal(nsObj.metadata.name, ns);
      for (const mode of ["enforce", "audit", "warn"]) {
        assert.equal(nsObj.metadata.labels[`pod-security.kubernetes.io/${mode}`], "restricted");
        assert.match(nsObj.metadata.labels[`pod-security.kubernetes.io/${mode}-version`], /^v1\.\d+$/);
      }
      for (const m of ms.filter((x) => x.kind !== "Namespace")) assert.equal(m.metadata.namespace, ns, `${m.kind} ${m.metadata.name}`);
    });

    it("gives generated names (provider auto-naming) to everything but the namespace", () => {
      for (const m of ms.filter((x) => x.kind !== "Namespace")) assert.match(m.metadata.name, /-[0-9a-f]{8}$/, `${m.kind} ${m.metadata.name}`);
    });

    it("selects exactly one workload with every Service, on a port its container exposes", () => {
      for (const svc of byKind(ms, "Service")) {
        const w = workloadBehind(ms, svc);
        const containerPorts = containersOf(w).flatMap((c) => (c.ports ?? []).map((p: any) => p.containerPort));
        for (const p of svc.spec.ports) assert.ok(containerPorts.includes(p.targetPort), `${svc.metadata.name} targets port ${p.targetPort}, not exposed by ${w.name}`);
      }
    });

    it("matches each Deployment/StatefulSet selector to its own pod labels", () => {
      for (const w of workloads(ms).filter((x) => x.longRunning)) {
        assert.ok(selects(w.manifest.spec.selector.matchLabels, w.podLabels), `${w.name}: selector does not match its pod template`);
      }
    });

    it("resolves every secretKeyRef to a declared Secret and one of its keys, and every envFrom to a declared ConfigMap", () => {
      let refs = 0;
      for (const w of workloads(ms)) {
        for (const c of containersOf(w)) {
          for (const e of c.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            if (!ref) continue;
            refs++;
            const secret = byKind(ms, "Secret").find((s) => s.metadata.name === ref.name && s.metadata.namespace === w.namespace);
            assert.ok(secret, `${w.name}/${c.name} env ${e.name} names Secret ${ref.name}, which the program does not declare`);
            const keys = Object.keys({ ...(secret.stringData ?? {}), ...(secret.data ?? {}) });
            assert.ok(keys.includes(ref.key), `${w.name}/${c.name} env ${e.name} needs key ${ref.key}; Secret ${ref.name} has ${keys.join(", ")}`);
          }
          envFromData(ms, w);
        }
      }
      assert.ok(refs >= 10, `only ${refs} secret references found`);
    });

    it("points the drift CronJob at the MinIO, MLflow and drifter Services by DNS name, port and Secret keys", () => {
      const drift = partWorkload(ms, "drift-job");
      const env = envOf(drift);
      const minio = serviceForHost(ms, env[ENV.s3Endpoint].value);
      assert.equal(workloadBehind(ms, minio).podLabels["app.kubernetes.io/name"], "minio");
      assert.ok(minio.spec.ports.some((p: any) => String(p.port) === env[ENV.s3Port].value), "S3_PORT is not a port of the MinIO Service");
      assert.equal(env[ENV.s3Port].value, String(PORTS.minio));
      // Its own MinIO user, MLflow user and drifter token; never the root user.
      const minioSecret = byKind(ms, "Secret").find((s) => s.metadata.name === env[ENV.s3AccessKey].valueFrom.secretKeyRef.name)!;
      assert.equal(minioSecret.stringData[env[ENV.s3AccessKey].valueFrom.secretKeyRef.key], "drift-job");
      assert.notEqual(workloadBehind(ms, minio).podSpec.containers[0].env.find((e: any) => e.name === "MINIO_ROOT_USER").valueFrom.secretKeyRef.name, minioSecret.metadata.name);
      assert.equal(env[ENV.mlflowTrackingUsername].value, "drift-job");
      assert.equal(byKind(ms, "Secret").find((s) => s.metadata.name === env[ENV.mlflowTrackingPassword].valueFrom.secretKeyRef.name)!.stringData.username, "drift-job");
      assert.equal(env[ENV.drifterToken].valueFrom.secretKeyRef.key, "drift-job");
      assertAllowed(ms, drift, minio, PORTS.minio);

      for (const [name, part, port] of [
        [ENV.mlflowTrackingUri, "mlflow", PORTS.mlflow],
        [ENV.drifterUrl, "drifter", PORTS.drifter],
      ] as const) {
        const url = new URL(env[name].value);
        const svc = serviceForHost(ms, url.hostname);
        assert.equal(workloadBehind(ms, svc).podLabels["app.kubernetes.io/name"], part, `${name} points at the wrong Service`);
        assert.equal(Number(url.port), port);
        assert.ok(svc.spec.ports.some((p: any) => p.port === port));
        assertAllowed(ms, drift, svc, port);
      }
      for (const k of [ENV.retrainPsiThreshold, ENV.retrainDriftedShare, ENV.retrainCooldownMinutes, ENV.driftShare, ENV.driftMinSampleSize, ENV.driftWindowMinutes, ENV.driftCurrentSource]) {
        assert.ok(env[k]?.value !== undefined, `drift CronJob lacks ${k}`);
      }
      assert.equal(env[ENV.retrainPsiThreshold].value, "0.2");
      assert.equal(env[ENV.retrainDriftedShare].value, "0.3");
      assert.equal(env[ENV.driftMinSampleSize].value, "30");
      assert.deepEqual(containersOf(drift)[0]!.command, ["node", "dist/drift-job/src/main.js"]);
    });

    it("points the traffic CronJob at the drifter and the model API, and the model API at MinIO", () => {
      const traffic = partWorkload(ms, "traffic");
      const env = envOf(traffic);
      for (const [name, part, port] of [
        [ENV.drifterUrl, "drifter", PORTS.drifter],
        [ENV.modelApiUrl, "model-api", PORTS.modelApi],
      ] as const) {
        const url = new URL(env[name].value);
        const svc = serviceForHost(ms, url.hostname);
        assert.equal(workloadBehind(ms, svc).podLabels["app.kubernetes.io/name"], part);
        assert.equal(Number(url.port), port);
        assertAllowed(ms, traffic, svc, port);
      }
      assert.deepEqual(containersOf(traffic)[0]!.command, ["node", "dist/model-api/src/traffic/traffic-cli.js"]);
      for (const k of [ENV.trafficRows, ENV.trafficBatchSize, ENV.trafficScenario]) assert.ok(env[k], `traffic lacks ${k}`);

      const api = partWorkload(ms, "model-api");
      const apiEnv = envOf(api);
      const minio = serviceForHost(ms, apiEnv[ENV.s3Endpoint].value);
      assertAllowed(ms, api, minio, PORTS.minio);
      assert.equal(apiEnv[ENV.modelPath].value, "/app/model/model.json");
      assert.equal(apiEnv[ENV.port].value, String(PORTS.modelApi));
      for (const k of [ENV.requestLogFlushRows, ENV.requestLogFlushSeconds, ENV.s3AccessKey, ENV.s3SecretKey, ENV.s3Port, ENV.s3UseSsl]) assert.ok(apiEnv[k], `model API lacks ${k}`);

      const seed = partWorkload(ms, "minio-init");
      assert.deepEqual(containersOf(seed)[0]!.command, ["node", "dist/drifter/src/seed-cli.js"]);
      assertAllowed(ms, seed, serviceForHost(ms, envOf(seed)[ENV.s3Endpoint].value), PORTS.minio);
      assert.equal(containersOf(seed)[0]!.image, run.outputs.images.drifter, "the init Job runs the drifter image");
    });

    it("connects MLflow to Postgres and MinIO through Service names and Secrets, never a literal password", () => {
      const mlflow = partWorkload(ms, "mlflow");
      const env = envOf(mlflow);
      const uri = env.MLFLOW_BACKEND_STORE_URI.value as string;
      // No password in the URI (it would be in the process's arguments): libpq reads PGPASSWORD.
      const m = /^postgresql\+psycopg2:\/\/mlflow@([^:/]+):(\d+)\/(\w+)$/.exec(uri);
      assert.ok(m, `backend store URI ${uri} must name the user and no password`);
      const pg = serviceForHost(ms, m[1]!);
      assert.equal(workloadBehind(ms, pg).podLabels["app.kubernetes.io/name"], "postgres");
      assert.equal(Number(m[2]), PORTS.postgres);
      assertAllowed(ms, mlflow, pg, PORTS.postgres);
      const pgWorkload = workloadBehind(ms, pg);
      assert.equal(env.PGPASSWORD.valueFrom.secretKeyRef.name, envOf(pgWorkload).POSTGRES_PASSWORD.valueFrom.secretKeyRef.name);
      assert.equal(env.PGPASSWORD.valueFrom.secretKeyRef.key, envOf(pgWorkload).POSTGRES_PASSWORD.valueFrom.secretKeyRef.key);

      const s3 = new URL(env.MLFLOW_S3_ENDPOINT_URL.value);
      const minio = serviceForHost(ms, s3.hostname);
      assert.equal(Number(s3.port), PORTS.minio);
      assertAllowed(ms, mlflow, minio, PORTS.minio);
      // MLflow's own MinIO user, not root.
      const s3Secret = byKind(ms, "Secret").find((s) => s.metadata.name === env.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef.name)!;
      assert.equal(s3Secret.stringData[env.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef.key], "mlflow");
      assert.equal(env.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef.name, s3Secret.metadata.name);
      assert.notEqual(env.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef.name, envOf(workloadBehind(ms, minio)).MINIO_ROOT_PASSWORD.valueFrom.secretKeyRef.name);

      const args: string[] = containersOf(mlflow)[0]!.args;
      const arg = (flag: string) => args[args.indexOf(flag) + 1];
      assert.equal(arg("--backend-store-uri"), "$(MLFLOW_BACKEND_STORE_URI)");
      assert.ok(args.includes("--serve-artifacts"));
      assert.equal(arg("--artifacts-destination"), "s3://mlflow");
      assert.equal(arg("--allowed-hosts"), "$(MLFLOW_SERVER_ALLOWED_HOSTS)");
      assert.equal(arg("--app-name"), "basic-auth", "MLflow's own login");
      const hosts = (env.MLFLOW_SERVER_ALLOWED_HOSTS.value as string).split(",");
      const svcHost = new URL(run.outputs.mlflow.url).hostname;
      for (const h of [svcHost, `${svcHost}:${PORTS.mlflow}`, "localhost", "localhost:*", "127.0.0.1:*"]) assert.ok(hosts.includes(h), `--allowed-hosts lacks ${h}`);
      // A port-forward's local port is any port (the real run's retrain was refused: "Invalid Host header").
      assert.ok(!hosts.some((h) => h.includes("*") && !/^(localhost|127\.0\.0\.1):\*$/.test(h)), `only the local names take any port: ${hosts.join(",")}`);
      if (profile === "cloud") assert.ok(hosts.includes("mlflow.ml.example.com"));
      assert.ok(!hosts.includes("*"), "MLflow must not accept any Host");
    });

    it("runs every container non-root, read-only, without privilege escalation or capabilities, under RuntimeDefault seccomp", () => {
      let n = 0;
      for (const w of workloads(ms)) {
        const pod = w.podSpec;
        assert.equal(pod.securityContext?.runAsNonRoot, true, `${w.name}: pod runAsNonRoot`);
        assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault", `${w.name}: pod seccomp`);
        assert.equal(pod.automountServiceAccountToken, false, `${w.name}: no API token`);
        assert.equal(pod.enableServiceLinks, false, `${w.name}: no injected Service env vars`);
        assert.ok(pod.serviceAccountName, `${w.name}: own ServiceAccount`);
        assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, `${w.name}: host namespaces`);
        const volumeNames = new Set([...(pod.volumes ?? []).map((v: any) => v.name), ...(w.manifest.spec.volumeClaimTemplates ?? []).map((v: any) => v.metadata.name)]);
        for (const c of containersOf(w)) {
          n++;
          const where = `${w.kind} ${w.name} container ${c.name}`;
          const sc = c.securityContext ?? {};
          assert.equal(sc.runAsNonRoot, true, `${where}: runAsNonRoot`);
          assert.ok(Number(sc.runAsUser ?? pod.securityContext.runAsUser) > 0, `${where}: numeric non-root uid`);
          assert.equal(sc.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
          assert.equal(sc.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
          assert.deepEqual(sc.capabilities?.drop, ["ALL"], `${where}: capabilities`);
          assert.ok(!sc.capabilities?.add || sc.capabilities.add.length === 0, `${where}: added capabilities`);
          assert.equal(sc.seccompProfile?.type, "RuntimeDefault", `${where}: seccomp`);
          assert.notEqual(sc.privileged, true, `${where}: privileged`);
          for (const vm of c.volumeMounts ?? []) assert.ok(volumeNames.has(vm.name), `${where}: mount ${vm.name} has no volume`);
          const tmp = (c.volumeMounts ?? []).find((vm: any) => vm.mountPath === "/tmp");
          assert.ok(tmp, `${where}: a writable /tmp`);
          assert.ok((pod.volumes ?? []).find((v: any) => v.name === tmp.name)?.emptyDir, `${where}: /tmp is an emptyDir`);
        }
      }
      assert.ok(n >= 8, `checked only ${n} containers`);
    });

    it("pins every image tag and sets requests and limits on every container", () => {
      for (const w of workloads(ms)) {
        for (const c of containersOf(w)) {
          const where = `${w.name}/${c.name}`;
          assert.match(c.image, /^[^\s]+(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})$/, `${where}: image ${c.image} has no pinned tag`);
          assert.doesNotMatch(c.image, /:latest$/, `${where}: latest`);
          assert.ok(c.imagePullPolicy, `${where}: imagePullPolicy`);
          for (const k of ["requests", "limits"]) for (const r of ["cpu", "memory"]) assert.ok(c.resources?.[k]?.[r], `${where}: resources.${k}.${r}`);
        }
      }
    });

    it("probes every long-running container for liveness and readiness, on a port it listens on", () => {
      for (const w of workloads(ms).filter((x) => x.longRunning)) {
        for (const c of containersOf(w)) {
          for (const probe of ["livenessProbe", "readinessProbe"]) {
            const p = c[probe];
            assert.ok(p, `${w.name}/${c.name}: ${probe}`);
            if (p.httpGet) assert.ok((c.ports ?? []).some((cp: any) => cp.containerPort === p.httpGet.port), `${w.name}: ${probe} port`);
            else assert.ok(p.exec?.command?.length, `${w.name}: ${probe} exec`);
          }
        }
      }
      for (const part of ["drifter", "model-api"]) {
        const c = containersOf(partWorkload(ms, part))[0]!;
        assert.equal(c.livenessProbe.httpGet.path, "/healthz");
        assert.equal(c.readinessProbe.httpGet.path, "/readyz");
      }
    });

    it("keeps Postgres and MinIO data on PersistentVolumeClaims", () => {
      for (const [part, mountPath] of [
        ["postgres", "/var/lib/postgresql/data"],
        ["minio", "/data"],
      ] as const) {
        const w = partWorkload(ms, part);
        assert.equal(w.kind, "StatefulSet");
        const claim = w.manifest.spec.volumeClaimTemplates[0];
        assert.ok(claim.spec.resources.requests.storage);
        if (profile === "minikube") assert.equal(claim.spec.storageClassName, "standard");
        else assert.equal(claim.spec.storageClassName, undefined, "cloud uses the cluster's default StorageClass");
        const c = containersOf(w)[0]!;
        assert.ok(c.volumeMounts.some((vm: any) => vm.name === claim.metadata.name && vm.mountPath === mountPath));
      }
      const pg = partWorkload(ms, "postgres");
      assert.equal(pg.podSpec.securityContext.runAsUser, 999);
      assert.equal(pg.podSpec.securityContext.fsGroup, 999);
      assert.equal(envOf(pg).PGDATA.value, "/var/lib/postgresql/data/pgdata");
    });

    it("runs the CronJobs one at a time, with deadlines and bounded history", () => {
      const cronJobs = byKind(ms, "CronJob");
      assert.equal(cronJobs.length, 3);
      for (const cj of cronJobs) {
        assert.equal(cj.spec.concurrencyPolicy, "Forbid");
        assert.ok(cj.spec.startingDeadlineSeconds > 0);
        assert.ok(cj.spec.jobTemplate.spec.activeDeadlineSeconds > 0);
        assert.ok(cj.spec.successfulJobsHistoryLimit >= 1 && cj.spec.successfulJobsHistoryLimit <= 5);
        assert.ok(cj.spec.failedJobsHistoryLimit >= 1 && cj.spec.failedJobsHistoryLimit <= 5);
        assert.equal(cronProblem(cj.spec.schedule), undefined);
      }
      const job = byKind(ms, "Job")[0]!;
      assert.ok(job.spec.activeDeadlineSeconds > 0 && job.spec.backoffLimit >= 1);
    });

    it("backs up Postgres on schedule: pg_dump from the Postgres image, uploaded by the backup user, with the configured retention", () => {
      const cfg = profile === "minikube" ? minikubeConfig() : cloudConfig();
      const w = partWorkload(ms, "postgres-backup");
      const cj = w.manifest;
      assert.equal(cj.kind, "CronJob");
      assert.equal(cj.spec.schedule, cfg.backup.schedule);
      assert.equal(cj.spec.schedule, "30 2 * * *", "Pulumi.yaml's default");
      assert.equal(cj.spec.concurrencyPolicy, "Forbid");
      assert.equal(cj.spec.jobTemplate.spec.template.spec.restartPolicy, "Never");
      const [dump] = w.podSpec.initContainers;
      const [upload] = w.podSpec.containers;
      assert.equal(w.podSpec.initContainers.length, 1);
      assert.equal(dump.image, run.outputs.images.postgres, "pg_dump of the server's own version");
      assert.deepEqual(dump.command, pgDumpCommand(DUMP_FILE));
      assert.equal(upload.image, run.outputs.images.driftJob);
      assert.deepEqual(upload.command, ["node", "dist/drift-job/src/backup-cli.js", "upload", DUMP_FILE]);
      const pgSecret = byKind(ms, "Secret").find((x) => x.metadata.name === envOf(w, "pg-dump").PGPASSWORD.valueFrom.secretKeyRef.name)!;
      assert.equal(pgSecret.metadata.name, envOf(partWorkload(ms, "postgres"), "postgres").POSTGRES_PASSWORD.valueFrom.secretKeyRef.name);
      // Each container holds only the credential it uses.
      assert.equal(envOf(w, "upload").PGPASSWORD, undefined, "the uploader never sees the Postgres password");
      assert.equal(envOf(w, "pg-dump")[ENV.s3SecretKey], undefined, "pg_dump never sees the MinIO key");
      const userRef = envOf(w, "upload")[ENV.s3AccessKey].valueFrom.secretKeyRef;
      assert.equal(byKind(ms, "Secret").find((x) => x.metadata.name === userRef.name)!.stringData[userRef.key], "backup");
      assert.equal(envOf(w, "upload")[ENV.backupKeepLast].value, String(cfg.backup.keepLast));
      assert.equal(envOf(w, "upload")[ENV.backupMaxAgeDays].value, String(cfg.backup.maxAgeDays));
      assert.deepEqual(cfg.backup, { schedule: "30 2 * * *", keepLast: 7, maxAgeDays: 30 });
      // The dump's scratch volume is as large as the Postgres volume; both containers mount it.
      assert.equal(w.podSpec.volumes.find((v: any) => v.name === "backup").emptyDir.sizeLimit, cfg.postgresStorage);
      for (const c of [dump, upload]) assert.ok(c.volumeMounts.some((m: any) => m.name === "backup" && m.mountPath === DUMP_DIR));
      for (const c of [dump, upload]) assert.ok(c.resources.limits.cpu && c.resources.limits.memory, `${c.name} has limits`);
      assert.notEqual(w.podSpec.serviceAccountName, partWorkload(ms, "postgres").podSpec.serviceAccountName, "its own ServiceAccount");
      // Network: admitted by Postgres and MinIO (access labels), and its egress names only them.
      for (const part of ["postgres", "minio"]) {
        const svc = byKind(ms, "Service").find((x) => x.spec.selector?.["app.kubernetes.io/name"] === part)!;
        assertAllowed(ms, w, svc, part === "postgres" ? PORTS.postgres : PORTS.minio);
      }
      assert.equal(w.podLabels[ACCESS.mlflow], undefined);
      const egress = byKind(ms, "NetworkPolicy").filter((p) => Object.keys(p.spec.podSelector?.matchLabels ?? {}).length > 0 && selects(p.spec.podSelector.matchLabels, w.podLabels));
      assert.equal(egress.length, 1);
      assert.deepEqual(egress[0]!.spec.policyTypes, ["Egress"]);
      const targets = egress[0]!.spec.egress.map((r: any) => [r.to[0].podSelector.matchLabels["app.kubernetes.io/name"], r.ports.map((pt: any) => pt.port)]);
      assert.deepEqual(targets, [["postgres", [PORTS.postgres]], ["minio", [PORTS.minio]]]);
    });

    it("denies all traffic by default and admits each server port only from its clients", () => {
      const policies = byKind(ms, "NetworkPolicy");
      const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.policyTypes.includes("Ingress") && p.spec.policyTypes.includes("Egress") && !p.spec.ingress && !p.spec.egress);
      assert.ok(deny, "a default-deny policy");
      for (const svc of byKind(ms, "Service")) {
        const server = workloadBehind(ms, svc);
        const own = policies.filter((p) => selects(p.spec.podSelector?.matchLabels, server.podLabels) && Object.keys(p.spec.podSelector?.matchLabels ?? {}).length > 0);
        assert.ok(own.length > 0, `no NetworkPolicy protects ${server.name}`);
        for (const p of own) for (const rule of p.spec.ingress ?? []) assert.ok(rule.from?.length > 0, `${p.metadata.name} admits from anywhere`);
      }
      // Nobody but MLflow and the backup holds the Postgres access label.
      const pgClients = workloads(ms).filter((w) => w.podLabels[ACCESS.postgres] === "true").map((w) => w.podLabels["app.kubernetes.io/name"]);
      assert.deepEqual(pgClients.sort(), ["mlflow", "postgres-backup"]);
    });

    it("exports the namespace, URLs or port-forward commands, the model image, and credentials only as secrets", async () => {
      const o = run.outputs;
      assert.equal(o.namespace, ns);
      assert.match(o.mlflow.url, /^http:\/\/mlflow-svc-[0-9a-f]{8}\.drift-loop\.svc\.cluster\.local:5000$/);
      if (profile === "minikube") {
        assert.match(o.mlflow.external, /^kubectl -n drift-loop port-forward svc\/mlflow-svc-[0-9a-f]{8} 5000:5000/);
        assert.match(o.minio.console, /port-forward svc\/minio-svc-[0-9a-f]{8} 9001:9001/);
        assert.match(o.modelApi.external, /port-forward svc\/model-api-svc-[0-9a-f]{8} 8080:8080/);
        assert.match(o.drifter.external, /port-forward svc\/drifter-svc-[0-9a-f]{8} 8000:8000/);
      } else {
        assert.equal(o.mlflow.external, "https://mlflow.ml.example.com");
        // Exposed only when the stack says so (exposeMinioConsole, exposeDrifter, exposeModelApi).
        assert.match(o.minio.console, /port-forward svc\/minio-svc-[0-9a-f]{8} 9001:9001/);
        assert.match(o.modelApi.external, /port-forward svc\/model-api-svc-[0-9a-f]{8} 8080:8080/);
      }
      assert.deepEqual(Object.keys(o.images).sort(), ["driftJob", "drifter", "minio", "mlflow", "modelApiPlatform", "postgres"], "images names the platform model-api image as such; the served one is modelImage");
      assert.equal(o.modelImage, run.outputs.images.modelApiPlatform, "until a retrain the served image is the platform one");
      assert.equal(o.modelImageTag, o.modelImage.split(":").pop());
      assert.match(o.modelImageTag, /^0\.1\.0-[0-9a-f]{12}$/, "until a retrain, the platform build's tag");
      const creds = run.platform.outputs.credentials;
      for (const [k, v] of Object.entries(creds)) assert.equal(await pulumi.isSecret(v), true, `${k} must be a secret output`);
      for (const [k, v] of Object.entries({ ns: run.platform.outputs.namespace, url: run.platform.outputs.mlflow.url, image: run.platform.outputs.modelImage })) {
        assert.equal(await pulumi.isSecret(v), false, `${k} is not a secret`);
      }
    });

    it("keeps every generated password and configured secret out of plain objects, env literals and plain outputs", () => {
      const secrets = run.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.state.result as string);
      assert.equal(secrets.length, 19);
      for (const s of secrets) assert.ok(s.length >= 20);
      const configured = Object.values(SECRETS);
      const haystack = JSON.stringify({
        objects: ms.filter((m) => m.kind !== "Secret"),
        outputs: { ...run.outputs, credentials: undefined },
      });
      for (const s of [...secrets, ...(profile === "cloud" ? configured : [])]) {
        assert.ok(!haystack.includes(s), `a secret value appears in plain objects or outputs`);
        assert.ok(!haystack.includes(JSON.stringify(s).slice(1, -1)), `a secret value appears (escaped) in plain objects or outputs`);
      }
      // Secrets do hold them (the wiring really uses the generated values).
      const secretText = JSON.stringify(byKind(ms, "Secret"));
      for (const s of secrets) assert.ok(secretText.includes(s));
    });

    it(profile === "cloud" ? "gives the GitHub token to the drift CronJob only, through its own Secret" : "sends no GitHub dispatch when no repository is configured", () => {
      const drift = partWorkload(ms, "drift-job");
      const holders = workloads(ms).filter((w) => containersOf(w).some((c) => (c.env ?? []).some((e: any) => e.name === ENV.githubToken)));
      if (profile === "minikube") {
        assert.equal(holders.length, 0);
        assert.equal(envOf(drift)[ENV.githubRepository], undefined);
        return;
      }
      assert.deepEqual(holders.map((w) => w.name), [drift.name]);
      const ref = envOf(drift)[ENV.githubToken].valueFrom.secretKeyRef;
      const secret = byKind(ms, "Secret").find((s) => s.metadata.name === ref.name)!;
      assert.deepEqual(Object.keys(secret.stringData), [ref.key], "the token Secret holds the token only");
      assert.equal(secret.stringData[ref.key], SECRETS.dispatchToken);
      for (const w of workloads(ms)) {
        for (const c of containersOf(w)) for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name === ref.name) assert.equal(w.name, drift.name);
      }
      assert.equal(envOf(drift)[ENV.githubRepository].value, "acme/drift-loop");
      const egress = byKind(ms, "NetworkPolicy").find((p) => p.spec.policyTypes.includes("Egress") && selects(p.spec.podSelector.matchLabels, drift.podLabels) && Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0);
      assert.ok(egress?.spec.egress.some((r: any) => r.ports.some((pt: any) => pt.port === 443)), "HTTPS egress for the dispatch");
    });

    if (profile === "cloud") {
      it("pushes the built images to the configured registry with the registry token", () => {
        const images = run.resources.filter((r) => r.type === "docker:index/image:Image");
        for (const img of images) {
          assert.match(img.inputs.imageName, /^ghcr\.io\/acme\/[a-z-]+:[A-Za-z0-9_.-]+-[0-9a-f]{12}$/);
          assert.equal(img.inputs.skipPush, false);
          assert.equal(img.inputs.registry.server, "ghcr.io");
          assert.equal(img.inputs.registry.username, "acme-bot");
        }
      });
    } else {
      it("builds the images into Minikube's daemon with unique content-hash tags, without pushing", () => {
        const images = run.resources.filter((r) => r.type === "docker:index/image:Image");
        const names = images.map((i) => i.inputs.imageName as string);
        assert.equal(new Set(names).size, 5);
        for (const img of images) {
          assert.equal(img.inputs.skipPush, true);
          assert.match(img.inputs.imageName, /^drift-loop\/[a-z-]+:[A-Za-z0-9_.-]+-[0-9a-f]{12}$/);
        }
        const df = Object.fromEntries(images.map((i) => [i.name, i.inputs.build.dockerfile]));
        assert.equal(df["images-drifter"], "drifter/Dockerfile");
        assert.equal(df["images-drift-job"], "drift-job/Dockerfile");
        assert.equal(df["images-model-api"], "model-api/Dockerfile");
        assert.equal(df["images-mlflow"], "components/images/mlflow.Dockerfile");
        assert.equal(df["images-minio"], "components/images/minio.Dockerfile");
        const minio = images.find((i) => i.name === "images-minio")!;
        assert.match(minio.inputs.build.args.MINIO_MODULE_VERSION, /^v0\.0\.0-\d{14}-[0-9a-f]{12}$/);
        const mlflow = images.find((i) => i.name === "images-mlflow")!;
        assert.deepEqual(Object.keys(mlflow.inputs.build.args).sort(), ["BOTO3_VERSION", "MLFLOW_VERSION", "PSYCOPG2_VERSION"]);
      });
    }
  });
}

describe("the platform program with NodePort/LoadBalancer Services", () => {
  it("admits people from outside only to the UI/API ports of the Services it exposes", async () => {
    const open = manifests((await runPlatform(minikubeConfig({ serviceType: "LoadBalancer", mlflowAllowedHosts: "mlflow.lb.example.com,10.1.2.3:5000" }), { repoRoot: makeRepoFixture() })).resources);
    const closed = manifests((await runPlatform(minikubeConfig(), { repoRoot: makeRepoFixture() })).resources);
    const externalPorts = (ms: Record<string, any>[]) =>
      byKind(ms, "NetworkPolicy")
        .flatMap((p) => (p.spec.ingress ?? []).filter((r: any) => r.from.some((f: any) => f.ipBlock)).flatMap((r: any) => r.ports.map((pt: any) => pt.port)))
        .sort((a: number, b: number) => a - b);
    assert.deepEqual(externalPorts(open), [PORTS.mlflow, PORTS.drifter, PORTS.modelApi, PORTS.minioConsole].sort((a, b) => a - b));
    assert.deepEqual(externalPorts(closed), []);
    assert.ok(byKind(open, "Service").filter((s) => s.spec.type === "LoadBalancer").length === 4, "Postgres stays headless");
    // MLflow's Host check lets the LoadBalancer's name through when the stack names it.
    const mlflow = workloads(open).find((w) => w.podLabels["app.kubernetes.io/name"] === "mlflow")!;
    const hosts = containersOf(mlflow)[0]!.env.find((e: any) => e.name === "MLFLOW_SERVER_ALLOWED_HOSTS").value.split(",");
    assert.ok(hosts.includes("mlflow.lb.example.com") && hosts.includes("10.1.2.3:5000"));
  });
});
