// The platform's monitoring with the monitoring people already run, on the real node: the
// Prometheus Operator, a Prometheus it runs and a Pushgateway (helpers/monitoring.ts, set up
// as kube-prometheus-stack does). The stack is deployed with `monitoring=true`: Prometheus
// finds our ServiceMonitors, passes our NetworkPolicies from its namespace and our servers'
// bearer tokens, and scrapes every server; the drift CronJob pushes its run to the
// Pushgateway through its egress policy; and every query of the Grafana dashboard the stack
// ships (read back from its ConfigMap) returns data from this real run. No Grafana can be had
// here (no package registry serves one), so the panels are checked through their queries.
import assert from "node:assert/strict";

import { type Cluster } from "../../scripts/cluster/cluster";
import { conditionStatus, waitFor, type KubeObject } from "../../scripts/cluster/kube";
import { LOCAL_IMAGES, podSummary, runCronJobOnce, serviceAddress } from "../../scripts/cluster/loop";
import { NODE } from "../../scripts/cluster/node";
import { pulumiOk } from "../../scripts/cluster/pulumi";
import { MONITORING_COMPONENTS } from "../../scripts/cluster/toolchain";
import { DASHBOARD_KEY } from "../../components/monitoring";
import { startGithubReceiver, type GithubReceiver } from "../helpers/github-receiver";
import { MONITORING_IMAGES, MONITORING_NS, startMonitoring, type MonitoringStack } from "./helpers/monitoring";
import { clusterForStacks, stackInCopy, type StackCopy } from "./helpers/stack";

const STACK = "monitored";
const NS = "drift-loop-mon";
const RELEASE = "e2e";
const { registry: REGISTRY, tag: TAG } = LOCAL_IMAGES;
/** Grafana's variables, as Grafana would set them for this stack. */
const VARIABLES: Record<string, string> = { namespace: NS, __rate_interval: "2m", __interval: "5m", __interval_ms: "300000" };
const REPOSITORY = "acme/drift-loop";
const DISPATCH_TOKEN = "ghp_e2e-monitoring-dispatch-token-0123";

describe("monitoring on a real node: the Prometheus Operator scrapes the platform, the Pushgateway holds the drift run, the dashboard's queries have data", function () {
  let cluster: Cluster;
  let monitoring: MonitoringStack;
  let stack: StackCopy;
  let github: GithubReceiver;
  const pulumiIn = (a: string[], timeoutMs?: number) => pulumiOk(a, stack.work, stack.penv.env, timeoutMs);

  before(async function () {
    this.timeout(0);
    cluster = await clusterForStacks({ components: MONITORING_COMPONENTS, imagesCommand: "monitoring-images", images: Object.values(MONITORING_IMAGES) });
    monitoring = await startMonitoring(cluster, RELEASE);
    // A GitHub stand-in, so that the drifting traffic ends in a retrain request (the retrain panel's data).
    github = await startGithubReceiver({ token: DISPATCH_TOKEN, repository: REPOSITORY, host: NODE.ip });
    stack = await stackInCopy(STACK, cluster.kubeconfig, [
      ["namespace", NS],
      ["buildImages", "false"],
      ["imageRegistry", REGISTRY],
      ["imageTag", TAG],
      ["storageClass", cluster.storageClass],
      ["monitoring", "true"],
      ["monitoringNamespace", MONITORING_NS],
      ["monitoringLabels", `release=${RELEASE}`],
      ["pushgatewayUrl", monitoring.pushgatewayUrl],
      ["trafficScenario", "mean_shift"],
      ["trafficRows", "1200"],
      ["requestLogFlushRows", "200"],
      ["requestLogFlushSeconds", "5"],
      ["githubRepository", REPOSITORY],
      ["githubPipeline", "false"],
      ["githubApiUrl", github.url],
    ], [["githubDispatchToken", DISPATCH_TOKEN]]);
  });

  after(async function () {
    this.timeout(600_000);
    await stack?.remove();
    await monitoring?.remove();
    await github?.close();
  });

  const runCronJob = async (container: string, timeoutMs: number, env?: Record<string, string>) => {
    const run = await runCronJobOnce(cluster.client, NS, container, timeoutMs, env);
    assert.ok(run.succeeded, `Job ${run.name} failed: ${JSON.stringify(run.job.status?.conditions)}\n${run.logs}`);
    return run;
  };

  it("deploys with monitoring on, and Prometheus scrapes the drifter, the model API and MinIO with their tokens", async () => {
    await pulumiIn(stack.args("up", "--yes", "--skip-preview"), 1_800_000).catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${await podSummary(cluster.client, NS)}`);
    });
    const ours = await waitFor("every target of the platform up", async () => {
      const targets = (await monitoring.targets()).filter((t) => t.labels?.namespace === NS);
      const services = new Set(targets.map((t) => t.labels.service as string));
      const allUp = targets.length >= 3 && targets.every((t) => t.health === "up");
      return allUp && services.size >= 3 ? targets : undefined;
    }, { timeoutMs: 180_000, intervalMs: 3000 }).catch(async (e) => {
      const targets = (await monitoring.targets()).map((t) => ({ job: t.labels?.job, ns: t.labels?.namespace, health: t.health, error: t.lastError }));
      throw new Error(`${(e as Error).message}: ${JSON.stringify(targets)}`);
    });
    const jobs = ours.map((t: KubeObject) => t.scrapePool as string).sort();
    assert.ok(jobs.some((j) => j.includes("drifter")) && jobs.some((j) => j.includes("model-api")) && jobs.some((j) => j.includes("minio")), `scrape pools: ${jobs.join(", ")}`);
    for (const t of ours) assert.equal(t.lastError, "", `${t.scrapeUrl}: ${t.lastError}`);
    assert.ok((await monitoring.query(`up{namespace="${NS}"}`)).every((s) => s.value[1] === "1"));
    // Scraped with the bearer token, not around it: the same path without one is refused.
    const modelApi = await serviceAddress(cluster.client, NS, "model-api", 8080);
    assert.equal((await fetch(`${modelApi}/metrics`)).status, 401);
  });

  it("pushes the drift check's run to the Pushgateway through the drift CronJob's egress policy", async () => {
    await runCronJob("traffic", 300_000);
    await new Promise((r) => setTimeout(r, 7000)); // the request log flushes within 5 s
    await runCronJob("drift-check", 600_000, { DRIFT_WINDOW_END: new Date().toISOString() });
    const share = await waitFor("the drift share in Prometheus", async () => {
      const r = await monitoring.query(`drift_loop_drift_share{namespace="${NS}", job="drift-loop-drift"}`);
      return r.length > 0 ? r : undefined;
    }, { timeoutMs: 120_000, intervalMs: 3000 });
    const value = Number(share[0]!.value[1]);
    assert.ok(value >= 0 && value <= 1, `drift share ${value}`);
    const columns = await monitoring.query(`drift_loop_column_drift_score{namespace="${NS}"}`);
    assert.ok(columns.length >= 5, `per-column scores: ${columns.length}`);
    assert.ok(columns.every((c) => c.metric.column && c.metric.stattest), "each score names its column and method");
    assert.ok(github.dispatches.some((d) => d.event_type === "drift-detected"), "the drifting traffic asked for a retrain");
    assert.equal((await monitoring.query(`drift_loop_retrain_requested{namespace="${NS}"}`))[0]?.value[1], "1");
  });

  it("ships a dashboard whose every query returns data from this run (Grafana's variables set as Grafana would)", async () => {
    const cms = await cluster.client.list(`/api/v1/namespaces/${MONITORING_NS}/configmaps?labelSelector=grafana_dashboard%3D1`);
    assert.equal(cms.length, 1, "one dashboard ConfigMap for the Grafana sidecar");
    const dashboard = JSON.parse(cms[0]!.data[DASHBOARD_KEY]) as KubeObject;
    const queries: Array<{ panel: string; expr: string }> = [];
    for (const p of dashboard.panels as KubeObject[]) for (const t of p.targets ?? []) queries.push({ panel: p.title, expr: t.expr });
    for (const a of dashboard.annotations?.list ?? []) if (a.target?.expr) queries.push({ panel: `annotation ${a.name}`, expr: a.target.expr });
    assert.ok(queries.length >= 10, `${queries.length} queries`);
    const resolve = (expr: string) => expr.replace(/\$\{?([A-Za-z_]+)\}?/g, (m, name: string) => VARIABLES[name] ?? m);
    const empty: string[] = [];
    await waitFor("data for every panel", async () => {
      empty.length = 0;
      for (const q of queries) {
        const expr = resolve(q.expr);
        assert.doesNotMatch(expr, /\$/, `a variable Grafana would set is left in ${q.expr}`);
        const result = await monitoring.query(expr);
        const values = result.map((s) => Number(s.value[1]));
        if (values.length === 0 || values.every((v) => Number.isNaN(v))) empty.push(`${q.panel}: ${expr}`);
      }
      return empty.length === 0 ? true : undefined;
    }, { timeoutMs: 240_000, intervalMs: 10_000 }).catch((e) => {
      throw new Error(`${(e as Error).message}; without data: ${empty.join(" | ")}`);
    });
  });

  it("leaves Prometheus healthy: its own pod Ready, no failed scrape of ours", async () => {
    const pod = await cluster.client.get(`/api/v1/namespaces/${MONITORING_NS}/pods/prometheus-${RELEASE}-0`);
    assert.equal(conditionStatus(pod, "Ready"), "True");
    const failed = (await monitoring.targets()).filter((t) => t.labels?.namespace === NS && t.health !== "up");
    assert.deepEqual(failed, []);
  });
});
