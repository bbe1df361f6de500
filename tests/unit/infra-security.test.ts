/**
 * Who gets in, under Pulumi mocks, for both profiles as configured by default and with
 * everything exposed: every Ingress serves TLS, only MinIO and its init Job see the MinIO
 * root user, every HTTP server reachable from outside the namespace asks for credentials,
 * each client holds its own token only, /metrics is never routed, and a stack with ingress
 * on but no TLS stops at `pulumi preview` naming both keys.
 */
import { strict as assert } from "node:assert";
import { ENV, PORTS } from "../../lib/contract";
import { AUTH_SETUP_ENV } from "../../lib/mlflow-auth";
import { ConfigValidationError, objectSource, parseConfig } from "../../infra/config";
import { CLUSTER_ISSUER_ANNOTATION } from "../../components/shared/network";
import { ProviderState, byKind, changes, cloudConfig, containersOf, makeRepoFixture, manifests, minikubeConfig, runPlatform, selects, workloads, type Run, type Workload } from "../helpers/pulumi";

const ALL_EXPOSED = { exposeDrifter: "true", exposeModelApi: "true", exposeMinioConsole: "true" };

const VARIANTS = {
  "minikube, as configured": () => minikubeConfig(),
  "minikube, ingress on with a TLS Secret, everything exposed, NodePort Services": () =>
    minikubeConfig({ ingressEnabled: "true", ingressDomain: "dev.example.test", ingressTlsSecret: "wildcard-tls", serviceType: "NodePort", ...ALL_EXPOSED }),
  "cloud, as configured": () => cloudConfig(),
  "cloud, everything exposed": () => cloudConfig(ALL_EXPOSED),
} as const;

const part = (w: Workload) => w.podLabels["app.kubernetes.io/name"];
const envOf = (c: Record<string, any>): Record<string, any> => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e]));

function workloadsBehind(ms: Record<string, any>[], svc: Record<string, any>): Workload[] {
  return workloads(ms).filter((w) => w.longRunning && selects(svc.spec.selector, w.podLabels));
}

/** Does this server ask every client for credentials on this port? Says how, or why not. */
function authOf(ms: Record<string, any>[], w: Workload, port: number): string | undefined {
  const c = containersOf(w)[0]!;
  const env = envOf(c);
  if (part(w) === "minio" && port === PORTS.minioConsole) return "MinIO's own login";
  if (part(w) === "minio" && port === PORTS.minio) return "S3 signatures";
  if (part(w) === "mlflow") {
    const args: string[] = c.args ?? [];
    return args[args.indexOf("--app-name") + 1] === "basic-auth" && env[AUTH_SETUP_ENV.adminPassword]?.valueFrom?.secretKeyRef ? "MLflow basic auth" : undefined;
  }
  const dir = env[ENV.apiTokensDir]?.value;
  if (!dir) return undefined;
  const mount = (c.volumeMounts ?? []).find((m: any) => m.mountPath === dir);
  const volume = (w.podSpec.volumes ?? []).find((v: any) => v.name === mount?.name);
  const secret = byKind(ms, "Secret").find((s) => s.metadata.name === volume?.secret?.secretName);
  return secret && Object.keys(secret.stringData).length > 0 ? `bearer tokens of ${Object.keys(secret.stringData).join(", ")}` : undefined;
}

for (const [variant, config] of Object.entries(VARIANTS)) {
  describe(`security of the platform program: ${variant}`, () => {
    let run: Run;
    let ms: Record<string, any>[];
    const cfg = config();

    before(async () => {
      run = await runPlatform(cfg, { repoRoot: makeRepoFixture() });
      ms = manifests(run.resources);
    });

    it("serves TLS on every Ingress: a certificate for its host, from cert-manager or the configured Secret", () => {
      const ingresses = byKind(ms, "Ingress");
      assert.equal(ingresses.length, cfg.ingress.enabled ? 1 + Object.values(cfg.expose).filter(Boolean).length : 0);
      for (const ing of ingresses) {
        const hosts = ing.spec.rules.map((r: any) => r.host);
        assert.equal(ing.spec.tls?.length, 1, `${ing.metadata.name} has no tls block`);
        assert.deepEqual(ing.spec.tls[0].hosts, hosts);
        if (cfg.ingress.tls.clusterIssuer) {
          assert.equal(ing.metadata.annotations?.[CLUSTER_ISSUER_ANNOTATION], cfg.ingress.tls.clusterIssuer);
          assert.match(ing.spec.tls[0].secretName, /^[a-z0-9-]+-tls$/);
        } else {
          assert.equal(ing.spec.tls[0].secretName, cfg.ingress.tls.secretName);
          assert.equal(ing.metadata.annotations?.[CLUSTER_ISSUER_ANNOTATION], undefined);
        }
      }
    });

    it("routes only the public paths: never /metrics", () => {
      for (const ing of byKind(ms, "Ingress")) {
        const paths: string[] = ing.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.path));
        const host: string = ing.spec.rules[0].host;
        for (const p of paths) assert.ok(!"/metrics".startsWith(p) || (host.startsWith("mlflow.") || host.startsWith("minio.")), `${host} routes ${p}, which takes in /metrics`);
        if (host.startsWith("model-api.")) assert.deepEqual([...paths].sort(), ["/healthz", "/model", "/predict", "/readyz"]);
        if (host.startsWith("drifter.")) assert.deepEqual([...paths].sort(), ["/api/v1/", "/healthz", "/readyz"]);
      }
    });

    it("gives the MinIO root user to MinIO and its init Job only", () => {
      const minio = workloads(ms).find((w) => part(w) === "minio")!;
      const rootSecret = envOf(containersOf(minio)[0]!).MINIO_ROOT_USER.valueFrom.secretKeyRef.name;
      const holders = workloads(ms).filter((w) => JSON.stringify(w.podSpec).includes(`"${rootSecret}"`));
      assert.deepEqual(holders.map(part).sort(), ["minio", "minio-init"]);
      // ... and every other S3 client has a user of its own, named after it.
      const users: Record<string, string> = {};
      for (const w of workloads(ms)) {
        for (const c of containersOf(w)) {
          const ref = envOf(c)[ENV.s3AccessKey]?.valueFrom?.secretKeyRef ?? envOf(c).AWS_ACCESS_KEY_ID?.valueFrom?.secretKeyRef;
          if (!ref || ["minio", "minio-init"].includes(part(w))) continue;
          users[part(w)] = byKind(ms, "Secret").find((s) => s.metadata.name === ref.name)!.stringData[ref.key];
        }
      }
      assert.deepEqual(users, { mlflow: "mlflow", "model-api": "model-api", "drift-job": "drift-job", "postgres-backup": "backup" });
    });

    it("asks for credentials on every server the outside can reach (Ingress backends, NodePort/LoadBalancer Services)", () => {
      const reachable: { svc: Record<string, any>; port: number }[] = [];
      for (const ing of byKind(ms, "Ingress")) {
        for (const p of ing.spec.rules[0].http.paths) {
          reachable.push({ svc: byKind(ms, "Service").find((s) => s.metadata.name === p.backend.service.name)!, port: p.backend.service.port.number });
        }
      }
      for (const svc of byKind(ms, "Service")) if ((svc.spec.type ?? "ClusterIP") !== "ClusterIP") for (const p of svc.spec.ports) reachable.push({ svc, port: p.port });
      if (cfg.ingress.enabled || cfg.serviceType !== "ClusterIP") assert.ok(reachable.length > 0);
      for (const { svc, port } of reachable) {
        for (const w of workloadsBehind(ms, svc)) assert.ok(authOf(ms, w, port), `${part(w)} on port ${port} answers anyone`);
      }
      // The HTTP servers require credentials inside the cluster too.
      for (const name of ["drifter", "model-api", "mlflow"]) {
        const w = workloads(ms).find((x) => part(x) === name)!;
        assert.ok(authOf(ms, w, 0), `${name} answers anyone`);
      }
    });

    it("gives each client its own token and user only, and the token Secrets to their servers only", () => {
      const tokenOf = (w: Workload, variable: string) => envOf(containersOf(w)[0]!)[variable]?.valueFrom?.secretKeyRef?.key;
      const byPart = Object.fromEntries(workloads(ms).map((w) => [part(w), w]));
      assert.equal(tokenOf(byPart["drift-job"]!, ENV.drifterToken), "drift-job");
      assert.equal(tokenOf(byPart.traffic!, ENV.drifterToken), "traffic");
      assert.equal(tokenOf(byPart.traffic!, ENV.modelApiToken), "traffic");
      assert.equal(envOf(containersOf(byPart["drift-job"]!)[0]!)[ENV.mlflowTrackingUsername].value, "drift-job");
      for (const w of workloads(ms)) {
        const mounted = (w.podSpec.volumes ?? []).filter((v: any) => v.secret).map((v: any) => v.secret.secretName);
        for (const name of mounted) {
          const secret = byKind(ms, "Secret").find((s) => s.metadata.name === name)!;
          assert.ok(["drifter", "model-api"].includes(part(w)), `${part(w)} mounts the Secret ${name}`);
          assert.ok(secret.metadata.name.startsWith(`${part(w)}-api-tokens`), `${part(w)} mounts another server's tokens`);
        }
      }
    });

    it("exports https:// URLs for what is exposed, port-forward commands for the rest, and credentials as secrets only", async () => {
      const o = run.outputs;
      const expected = (name: string, exposed: boolean) => (cfg.ingress.enabled && exposed ? `https://${name}.${cfg.ingress.domain}` : undefined);
      for (const [out, name, exposed] of [
        [o.mlflow.external, "mlflow", true],
        [o.minio.console, "minio", cfg.expose.minioConsole],
        [o.drifter.external, "drifter", cfg.expose.drifter],
        [o.modelApi.external, "model-api", cfg.expose.modelApi],
      ] as const) {
        const want = expected(name, exposed);
        if (want) assert.equal(out, want);
        else assert.match(out, /^kubectl -n \S+ port-forward /);
        assert.doesNotMatch(out, /^http:\/\//);
      }
    });
  });
}

describe("TLS config of the Ingresses", () => {
  const problems = (values: Record<string, string>): string => {
    try {
      parseConfig(objectSource({ profile: "cloud", imageRegistry: "ghcr.io/acme", ingressDomain: "ml.example.com", ...values }));
      return "";
    } catch (err) {
      assert.ok(err instanceof ConfigValidationError);
      return err.message;
    }
  };

  it("stops a cloud stack with neither a ClusterIssuer nor a TLS Secret, naming both keys", () => {
    const msg = problems({});
    assert.match(msg, /drift-loop:ingressTlsClusterIssuer/);
    assert.match(msg, /drift-loop:ingressTlsSecret/);
  });

  it("refuses both at once, and names that are not Kubernetes names", () => {
    assert.match(problems({ ingressTlsClusterIssuer: "letsencrypt", ingressTlsSecret: "wildcard" }), /both set; allowed: one of them/);
    assert.match(problems({ ingressTlsSecret: "Not_A_Name" }), /drift-loop:ingressTlsSecret="Not_A_Name" is not valid/);
  });

  it("accepts either one, and needs neither with ingress off", () => {
    assert.equal(problems({ ingressTlsClusterIssuer: "letsencrypt-prod" }), "");
    assert.equal(problems({ ingressTlsSecret: "wildcard-tls" }), "");
    assert.equal(problems({ ingressEnabled: "false" }), "");
  });
});

describe("rotating a generated credential (replacing its random resource)", () => {
  /** Runs the program twice on one state; between the runs the named random resource gets a new result, as `pulumi up --replace <urn>` does. */
  async function rotate(type: "randomPassword:RandomPassword" | "randomString:RandomString", name: string): Promise<string[]> {
    const state = new ProviderState();
    const root = makeRepoFixture();
    const before = await runPlatform(minikubeConfig(), { state, repoRoot: root });
    const key = `result:random:index/${type}::${name}`;
    assert.ok(state.values.delete(key), `no ${key} in the state`);
    const after = await runPlatform(minikubeConfig(), { state, repoRoot: root });
    return Object.keys(changes(before, after)).filter((k) => k.startsWith("kubernetes:")).sort();
  }

  it("a workload's MinIO key: its Secret, the init Job (it sets the key) and the model API's pods (it reads it at start)", async () => {
    assert.deepEqual(await rotate("randomPassword:RandomPassword", "minio-user-model-api-secret-key"), [
      "kubernetes:apps/v1:Deployment::model-api-deploy",
      "kubernetes:batch/v1:Job::minio-init",
      "kubernetes:core/v1:Secret::minio-user-model-api",
    ]);
  });

  it("the MinIO root password: its Secret and MinIO's pod", async () => {
    assert.deepEqual(await rotate("randomPassword:RandomPassword", "minio-root-password"), ["kubernetes:apps/v1:StatefulSet::minio-sts", "kubernetes:core/v1:Secret::minio-credentials"]);
  });

  it("the MLflow admin: a new name and password, MLflow's pod (it creates that admin) and the users Job (it deletes the old one)", async () => {
    assert.deepEqual(await rotate("randomString:RandomString", "mlflow-admin-id"), [
      "kubernetes:apps/v1:Deployment::mlflow-deploy",
      "kubernetes:batch/v1:Job::mlflow-users",
      "kubernetes:core/v1:Secret::mlflow-admin",
    ]);
  });

  it("an MLflow workload user: its Secret and the users Job", async () => {
    assert.deepEqual(await rotate("randomPassword:RandomPassword", "mlflow-user-trainer-password"), ["kubernetes:batch/v1:Job::mlflow-users", "kubernetes:core/v1:Secret::mlflow-user-trainer"]);
  });

  it("a client's drifter token: the tokens Secret and the drifter's pods", async () => {
    assert.deepEqual(await rotate("randomPassword:RandomPassword", "drifter-token-traffic"), ["kubernetes:apps/v1:Deployment::drifter-deploy", "kubernetes:core/v1:Secret::drifter-api-tokens"]);
  });
});
