/**
 * Monitoring under Pulumi mocks: the config keys; with `monitoring` off nothing of it exists
 * (no ServiceMonitor, no dashboard, no `prometheus` token, no MinIO metrics token, no
 * admission of Prometheus' namespace); with it on, each ServiceMonitor (drifter, model API,
 * MinIO) selects exactly its Service and port and sends a token that exists, only the scraped servers' metrics ports admit Prometheus'
 * namespace, and the ServiceMonitors are valid against the Prometheus Operator v0.85.0 CRD's
 * own schema (scripts/setup.d/80-monitoring.sh fetches it). The drift CronJob's push.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import YAML from "yaml";
import { METRICS_CLIENT, METRICS_PATH } from "../../lib/auth";
import { MINIO_METRICS_PATH, minioMetricsToken } from "../../lib/minio-metrics";
import { ENV, PORTS } from "../../lib/contract";
import { ConfigValidationError, objectSource, parseConfig } from "../../infra/config";
import { DASHBOARD_KEY, SERVICE_MONITOR } from "../../components/monitoring";
import { GRAFANA_DASHBOARD_LABEL, driftLoopDashboard } from "../../components/monitoring/dashboard";
import { HTTP_PORT_NAME } from "../../components/shared/http-server";
import { locateMonitoringParts } from "../../scripts/services/config";
import { validateManifest } from "../helpers/k8s-schema";
import { byKind, cloudConfig, containersOf, makeRepoFixture, manifests, minikubeConfig, runPlatform, selects, workloads, type Run } from "../helpers/pulumi";

const ON = { monitoring: "true", monitoringLabels: "release=kube-prometheus-stack,team=ml" };
const PUSHGATEWAY = "http://prometheus-pushgateway.monitoring.svc:9091";

function problemsOf(values: Record<string, string>): string {
  try {
    parseConfig(objectSource(values));
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError, String(err));
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(values)}`);
}

/** Rules of a NetworkPolicy that admit pods of `namespace`, with their ports. */
function namespaceRules(policy: Record<string, any>, namespace: string): number[][] {
  return (policy.spec.ingress ?? [])
    .filter((r: any) => (r.from ?? []).some((f: any) => f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === namespace))
    .map((r: any) => r.ports.map((p: any) => p.port));
}

const allSecretKeys = (ms: Record<string, any>[]) => byKind(ms, "Secret").flatMap((s) => Object.keys({ ...s.data, ...s.stringData }));

/** The ServiceMonitor CRD's v1 schema, with `additionalProperties: false` wherever the schema lists properties and does not keep unknown fields: the API server would silently drop a misspelt field (pruning), this check refuses it. */
function serviceMonitorSchema(): Record<string, unknown> {
  const crd = YAML.parse(readFileSync(join(locateMonitoringParts().crdDir, "monitoring.coreos.com_servicemonitors.yaml"), "utf8"));
  assert.equal(crd.spec.names.kind, SERVICE_MONITOR.kind);
  const version = crd.spec.versions.find((v: any) => `${crd.spec.group}/${v.name}` === SERVICE_MONITOR.apiVersion);
  assert.ok(version?.served, `the CRD serves ${SERVICE_MONITOR.apiVersion}`);
  const closeObjects = (s: any): void => {
    if (!s || typeof s !== "object") return;
    if (s.properties && s.additionalProperties === undefined && !s["x-kubernetes-preserve-unknown-fields"]) s.additionalProperties = false;
    for (const v of Object.values(s)) closeObjects(v);
  };
  const schema = structuredClone(version.schema.openAPIV3Schema);
  closeObjects(schema.properties.spec);
  return schema;
}

describe("monitoring (Prometheus Operator, Pushgateway)", () => {
  describe("config", () => {
    it("is off by default: namespace monitoring, no extra labels, no push", () => {
      const cfg = minikubeConfig();
      assert.deepEqual(cfg.monitoring, { enabled: false, namespace: "monitoring", labels: {}, pushgatewayUrl: "" });
    });

    it("reads the ServiceMonitor labels as Kubernetes labels", () => {
      const cfg = minikubeConfig({ monitoring: "true", monitoringNamespace: "observability", monitoringLabels: " release=kps , example.com/team=ml-platform", pushgatewayUrl: PUSHGATEWAY });
      assert.deepEqual(cfg.monitoring, { enabled: true, namespace: "observability", labels: { release: "kps", "example.com/team": "ml-platform" }, pushgatewayUrl: PUSHGATEWAY });
    });

    it("refuses bad values, naming the key and what is allowed", () => {
      const msg = problemsOf({ monitoring: "yes", monitoringNamespace: "Monitoring", monitoringLabels: "release,team=ml team,-x=y,ok=1,ok=2", pushgatewayUrl: "pushgateway:9091" });
      assert.match(msg, /drift-loop:monitoring="yes" is not a boolean; allowed: true, false/);
      assert.match(msg, /drift-loop:monitoringNamespace="Monitoring" is not valid; allowed: a namespace name/);
      assert.match(msg, /drift-loop:monitoringLabels has "release", "team=ml team", "-x=y", "ok=2"; allowed: comma-separated key=value pairs of Kubernetes labels/);
      assert.match(msg, /drift-loop:pushgatewayUrl="pushgateway:9091" is not valid; allowed: an http\(s\) URL of a Pushgateway/);
      assert.match(problemsOf({ monitoringLabels: `release=${"x".repeat(64)}` }), /monitoringLabels has "release=x{64}"/);
    });
  });

  describe("off (the default)", () => {
    let run: Run;
    before(async () => {
      run = await runPlatform(cloudConfig(), { repoRoot: makeRepoFixture() });
    });

    it("creates no ServiceMonitor, no dashboard, no prometheus token and admits nothing from the monitoring namespace", () => {
      const ms = manifests(run.resources);
      assert.equal(ms.filter((m) => m.kind === SERVICE_MONITOR.kind).length, 0);
      assert.equal(byKind(ms, "ConfigMap").filter((c) => c.metadata.labels?.grafana_dashboard).length, 0);
      assert.ok(!allSecretKeys(ms).includes(METRICS_CLIENT), "no workload holds a token for Prometheus");
      assert.equal(run.platform.minio?.scrapeTarget, undefined);
      assert.equal(byKind(ms, "Secret").filter((s) => /prometheus/.test(s.metadata.name)).length, 0, "no MinIO metrics token");
      for (const p of byKind(ms, "NetworkPolicy")) assert.deepEqual(namespaceRules(p, "monitoring"), [], p.metadata.name);
      assert.equal(run.platform.monitoring, undefined);
      const drift = workloads(ms).find((w) => w.podLabels["app.kubernetes.io/name"] === "drift-job")!;
      assert.ok(!containersOf(drift).some((c) => (c.env ?? []).some((e: any) => e.name === ENV.pushgatewayUrl)));
    });
  });

  for (const [profile, config] of [
    ["minikube", minikubeConfig],
    ["cloud", cloudConfig],
  ] as const) {
    describe(`on, ${profile} profile`, () => {
      let run: Run;
      let ms: Record<string, any>[];
      before(async () => {
        run = await runPlatform(config({ ...ON, pushgatewayUrl: PUSHGATEWAY }), { repoRoot: makeRepoFixture() });
        ms = manifests(run.resources);
      });
      const serviceMonitors = () => ms.filter((m) => m.apiVersion === SERVICE_MONITOR.apiVersion && m.kind === SERVICE_MONITOR.kind);

      it("scrapes the drifter, the model API and MinIO: each ServiceMonitor selects exactly its Service, by its port name and metrics path", () => {
        const sms = serviceMonitors();
        assert.equal(sms.length, 3);
        const services = byKind(ms, "Service");
        const scraped = new Set<string>();
        for (const sm of sms) {
          assert.equal(sm.metadata.namespace, run.outputs.namespace);
          assert.deepEqual(sm.spec.namespaceSelector, { matchNames: [run.outputs.namespace] });
          const hits = services.filter((s) => s.metadata.namespace === sm.metadata.namespace && selects(sm.spec.selector.matchLabels, s.metadata.labels ?? {}));
          assert.equal(hits.length, 1, `${sm.metadata.name} selects ${hits.map((s) => s.metadata.name).join(", ") || "nothing"}`);
          const svc = hits[0]!;
          assert.deepEqual(sm.spec.selector.matchLabels, svc.metadata.labels, "selector = the Service's labels");
          assert.equal(sm.spec.endpoints.length, 1);
          const ep = sm.spec.endpoints[0];
          const part = svc.metadata.labels["app.kubernetes.io/name"];
          assert.equal(ep.port, part === "minio" ? "s3" : HTTP_PORT_NAME);
          assert.ok(svc.spec.ports.some((p: any) => p.name === ep.port), `${svc.metadata.name} has a port named ${ep.port}`);
          assert.equal(ep.path, part === "minio" ? MINIO_METRICS_PATH : METRICS_PATH);
          scraped.add(part);
        }
        assert.deepEqual([...scraped].sort(), ["drifter", "minio", "model-api"]);
      });

      it("sends the drifter's and the model API's own prometheus token, from a Secret key that exists next to the ServiceMonitor and that the server mounts", () => {
        const secrets = byKind(ms, "Secret");
        for (const sm of serviceMonitors().filter((m) => m.spec.selector.matchLabels["app.kubernetes.io/name"] !== "minio")) {
          const auth = sm.spec.endpoints[0].authorization;
          assert.equal(auth.type, "Bearer");
          assert.equal(auth.credentials.key, METRICS_CLIENT);
          const secret = secrets.find((s) => s.metadata.name === auth.credentials.name && s.metadata.namespace === sm.metadata.namespace);
          assert.ok(secret, `Secret ${auth.credentials.name} exists in ${sm.metadata.namespace}`);
          assert.ok(METRICS_CLIENT in { ...secret.data, ...secret.stringData });
          const server = workloads(ms).find((w) => w.longRunning && selects(sm.spec.selector.matchLabels, w.podLabels))!;
          assert.ok((server.podSpec.volumes ?? []).some((v: any) => v.secret?.secretName === secret.metadata.name), `${server.name} mounts ${secret.metadata.name}`);
        }
        // Exactly the two scraped servers have such a token; no pod's env reads one.
        assert.equal(allSecretKeys(ms).filter((k) => k === METRICS_CLIENT).length, 2);
        for (const w of workloads(ms)) {
          for (const c of containersOf(w)) assert.ok(!(c.env ?? []).some((e: any) => e.valueFrom?.secretKeyRef?.key === METRICS_CLIENT), `${w.name} reads no prometheus token`);
        }
      });

      it("sends MinIO a metrics token signed with its root key, kept in a Secret of its own that no pod reads", () => {
        const sm = serviceMonitors().find((m) => m.spec.selector.matchLabels["app.kubernetes.io/name"] === "minio")!;
        const auth = sm.spec.endpoints[0].authorization;
        assert.equal(auth.type, "Bearer");
        const secret = byKind(ms, "Secret").find((s) => s.metadata.name === auth.credentials.name && s.metadata.namespace === sm.metadata.namespace)!;
        assert.ok(secret, "the token Secret exists next to the ServiceMonitor");
        const root = byKind(ms, "Secret").find((s) => s.stringData?.["root-password"])!;
        assert.equal(secret.stringData[auth.credentials.key], minioMetricsToken(root.stringData["root-user"], root.stringData["root-password"]));
        for (const w of workloads(ms)) {
          assert.ok(!(w.podSpec.volumes ?? []).some((v: any) => v.secret?.secretName === secret.metadata.name), `${w.name} does not mount it`);
          for (const c of containersOf(w)) assert.ok(!(c.env ?? []).some((e: any) => e.valueFrom?.secretKeyRef?.name === secret.metadata.name), `${w.name} does not read it`);
        }
      });

      it("puts the monitoringLabels on every ServiceMonitor (kube-prometheus-stack selects by release)", () => {
        for (const sm of serviceMonitors()) {
          assert.equal(sm.metadata.labels.release, "kube-prometheus-stack");
          assert.equal(sm.metadata.labels.team, "ml");
        }
      });

      it("admits the monitoring namespace to the drifter's and the model API's port and MinIO's S3 port only (not its console)", () => {
        const admitted = byKind(ms, "NetworkPolicy")
          .map((p) => ({ part: p.spec.podSelector.matchLabels?.["app.kubernetes.io/name"], ports: namespaceRules(p, "monitoring") }))
          .filter((x) => x.ports.length > 0);
        const byPart = Object.fromEntries(admitted.map((x) => [x.part, x.ports]));
        assert.deepEqual(byPart, { drifter: [[PORTS.drifter]], "model-api": [[PORTS.modelApi]], minio: [[PORTS.minio]] }, "one rule each, with the one port");
      });

      it("ships the dashboard as a ConfigMap labelled grafana_dashboard: \"1\" in the monitoring namespace", () => {
        const cms = byKind(ms, "ConfigMap").filter((c) => c.metadata.labels?.grafana_dashboard === GRAFANA_DASHBOARD_LABEL.grafana_dashboard);
        assert.equal(cms.length, 1);
        assert.equal(cms[0]!.metadata.namespace, "monitoring");
        assert.deepEqual(JSON.parse(cms[0]!.data[DASHBOARD_KEY]), JSON.parse(JSON.stringify(driftLoopDashboard(run.outputs.namespace))));
      });

      it("declares every other object (Secrets, NetworkPolicies, the dashboard ConfigMap) as the Kubernetes OpenAPI schema accepts it", async () => {
        const failures: string[] = [];
        for (const m of ms.filter((x) => x.kind !== SERVICE_MONITOR.kind)) {
          try {
            await validateManifest(JSON.parse(JSON.stringify(m)));
          } catch (err) {
            failures.push(`${m.kind} ${m.metadata?.name}: ${(err as Error).message}`);
          }
        }
        assert.deepEqual(failures, []);
      });

      it("declares ServiceMonitors the Prometheus Operator v0.85.0 CRD's schema accepts (and the check refuses a misspelt field)", () => {
        const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
        const validate = ajv.compile(serviceMonitorSchema());
        for (const sm of serviceMonitors()) {
          const obj = JSON.parse(JSON.stringify(sm)) as Record<string, any>;
          assert.ok(validate(obj), `${sm.metadata.name}: ${ajv.errorsText(validate.errors)}`);
          const typo = structuredClone(obj);
          typo.spec.endpoints[0].authorisation = typo.spec.endpoints[0].authorization;
          delete typo.spec.endpoints[0].authorization;
          assert.equal(validate(typo), false, "a misspelt field is refused");
          const badType = structuredClone(obj);
          badType.spec.endpoints[0].authorization.credentials.key = 1;
          assert.equal(validate(badType), false, "a wrong type is refused");
        }
      });
    });
  }

  describe("the drift CronJob's push", () => {
    it("passes PUSHGATEWAY_URL and the pod's namespace, and opens egress to the monitoring namespace on the URL's port only", async () => {
      const run = await runPlatform(minikubeConfig({ pushgatewayUrl: PUSHGATEWAY, monitoringNamespace: "observability" }), { repoRoot: makeRepoFixture() });
      const ms = manifests(run.resources);
      const drift = workloads(ms).find((w) => w.podLabels["app.kubernetes.io/name"] === "drift-job")!;
      const env = containersOf(drift)[0]!.env as any[];
      assert.equal(env.find((e) => e.name === ENV.pushgatewayUrl)?.value, PUSHGATEWAY);
      assert.deepEqual(env.find((e) => e.name === ENV.podNamespace)?.valueFrom, { fieldRef: { fieldPath: "metadata.namespace" } });
      const egress = byKind(ms, "NetworkPolicy").filter((p) => p.spec.policyTypes.includes("Egress") && Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0 && selects(p.spec.podSelector.matchLabels, drift.podLabels));
      const toMonitoring = egress.filter((p) => p.spec.egress.some((r: any) => r.to.some((t: any) => t.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "observability")));
      assert.equal(toMonitoring.length, 1);
      assert.deepEqual(toMonitoring[0]!.spec.egress, [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } } }], ports: [{ protocol: "TCP", port: 9091 }] }]);
      // The push needs no Prometheus Operator: no ServiceMonitor without `monitoring`.
      assert.equal(ms.filter((m) => m.kind === SERVICE_MONITOR.kind).length, 0);
    });
  });
});
