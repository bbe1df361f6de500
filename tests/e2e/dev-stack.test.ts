// The real dev stack (Pulumi.yaml + Pulumi.dev.yaml + infra/) deployed by the real Pulumi
// engine to the cluster with a real node: our images built from our Dockerfiles
// (scripts/cluster/images.sh, on local stand-ins of the public base images) and referenced by
// tag, a local file backend, and a GitHub stand-in on the node IP that the pods reach. Then
// the loop as deployed: traffic through the model API, request logs in MinIO, the drift
// check's report, MLflow run and repository_dispatch, the retrain through `npm run retrain`
// (scripts/ci/with-cluster.ts port-forwards with kubectl, as the retrain workflow does),
// the model API rolled to the new image, and destroy. Everything runs in a copy of the
// project, so the test never edits the committed stack config or model file.
import assert from "node:assert/strict";

import { type Cluster } from "../../scripts/cluster/cluster";
import { conditionStatus, readiness, ResourcePaths, waitFor, type KubeObject } from "../../scripts/cluster/kube";
import { LOCAL_IMAGES, podSummary, runCronJobOnce, serviceAddress, stackS3 } from "../../scripts/cluster/loop";
import { NODE } from "../../scripts/cluster/node";
import { pulumiOk } from "../../scripts/cluster/pulumi";
import { BUCKETS, MLFLOW } from "../../lib/contract";
import { startGithubReceiver, type GithubReceiver } from "../helpers/github-receiver";
import { clusterForStacks, mlflowApi, retrainThroughWithCluster, stackInCopy, waitForServedModel, type StackCopy } from "./helpers/stack";

const STACK = "dev";
const NS = "drift-loop";
const { registry: REGISTRY, tag: TAG } = LOCAL_IMAGES;
const REPOSITORY = "acme/drift-loop";
const DISPATCH_TOKEN = "ghp_e2e-dispatch-token-0123456789";

describe("dev stack on a real node: up, the loop, retrain, destroy", function () {
  let cluster: Cluster;
  let stack: StackCopy;
  let github: GithubReceiver;
  let secrets: Record<string, string>;
  const args = (...a: string[]) => stack.args(...a);
  const pulumiIn = (a: string[], timeoutMs?: number) => pulumiOk(a, stack.work, stack.penv.env, timeoutMs);

  before(async function () {
    this.timeout(0);
    cluster = await clusterForStacks();
    github = await startGithubReceiver({ token: DISPATCH_TOKEN, repository: REPOSITORY, host: NODE.ip });
    stack = await stackInCopy(
      STACK,
      cluster.kubeconfig,
      [
        ["buildImages", "false"], // built above from the same Dockerfiles, referenced by tag
        ["imageRegistry", REGISTRY],
        ["imageTag", TAG],
        ["storageClass", cluster.storageClass],
        // The drift check dispatches to the GitHub stand-in; the repository's secrets and
        // workflows are not managed here (no GitHub provider can run).
        ["githubRepository", REPOSITORY],
        ["githubPipeline", "false"],
        ["githubApiUrl", github.url],
        // Traffic that drifts, and request logs flushed in small objects.
        ["trafficScenario", "mean_shift"],
        ["trafficRows", "1200"],
        ["requestLogFlushRows", "200"],
        ["requestLogFlushSeconds", "5"],
      ],
      [["githubDispatchToken", DISPATCH_TOKEN]],
    );
  });

  after(async function () {
    this.timeout(600_000);
    await github?.close();
    await stack?.remove();
  });

  const pods = () => cluster.client.list(`/api/v1/namespaces/${NS}/pods`);
  const serviceUrl = (part: string, port: number) => serviceAddress(cluster.client, NS, part, port);
  const runCronJob = async (container: string, timeoutMs: number, env?: Record<string, string>) => {
    const run = await runCronJobOnce(cluster.client, NS, container, timeoutMs, env);
    assert.ok(run.succeeded, `Job ${run.name} failed: ${JSON.stringify(run.job.status?.conditions)}\n${run.logs}`);
    return run;
  };

  it("brings every pod up Running and Ready from its real probes", async () => {
    await pulumiIn(args("up", "--yes", "--skip-preview"), 1_800_000).catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${await podSummary(cluster.client, NS)}`);
    });
    const paths = new ResourcePaths(cluster.client);
    const state = JSON.parse(await pulumiIn(args("stack", "export")));
    const k8s = (state.deployment.resources as Array<{ urn: string; type: string; outputs?: KubeObject }>).filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"));
    assert.ok(k8s.length > 10, `expected the platform's resources in the state, got ${k8s.length}`);
    for (const r of k8s) {
      const o = r.outputs ?? {};
      const live = await cluster.client.find(await paths.objectPath(o.apiVersion, o.kind, o.metadata?.namespace, o.metadata?.name));
      assert.ok(live, `${r.urn} is in the state but not in the cluster`);
      const ready = readiness(live);
      assert.ok(!ready || ready.ready, `${r.urn} is not ready: ${ready?.why}`);
    }
    for (const p of await pods()) {
      if (p.status.phase === "Succeeded") continue; // the init Jobs' pods
      assert.equal(p.status.phase, "Running", `${p.metadata.name}: ${JSON.stringify(p.status)}`);
      assert.equal(conditionStatus(p, "Ready"), "True", `${p.metadata.name} is not Ready`);
    }
    // Each Deployment rolled out once (one ReplicaSet): nothing changed a pod template after the create.
    const deployments = await cluster.client.list(`/apis/apps/v1/namespaces/${NS}/deployments`);
    const replicaSets = await cluster.client.list(`/apis/apps/v1/namespaces/${NS}/replicasets`);
    for (const d of deployments) {
      const owned = replicaSets.filter((rs) => (rs.metadata.ownerReferences ?? []).some((o: { uid: string }) => o.uid === d.metadata.uid));
      assert.equal(owned.length, 1, `${d.metadata.name} has ${owned.length} ReplicaSets`);
    }
    secrets = JSON.parse(await pulumiIn(args("stack", "output", "--json", "--show-secrets")));
  });

  it("exports URLs and keeps credentials out of the plain outputs", async () => {
    const plain = JSON.parse(await pulumiIn(args("stack", "output", "--json")));
    assert.equal(plain.namespace, NS);
    for (const key of ["mlflowUrl", "drifterUrl", "modelApiUrl", "minioEndpoint"]) {
      assert.match(plain[key], /^http:\/\/[a-z0-9-]+\.drift-loop\.svc\.cluster\.local:\d+$/, key);
    }
    for (const key of ["postgresPassword", "minioRootPassword", "mlflowAdminPassword", "trainerS3SecretKey"]) {
      assert.equal(plain[key], "[secret]", `${key} must be a secret output`);
    }
    assert.match(plain.githubDispatch, new RegExp(`repository_dispatch .*${REPOSITORY}`));
  });

  it("serves the drifter and the model API, and refuses them without a token", async () => {
    const drifter = await serviceUrl("drifter", 8000);
    assert.equal((await fetch(`${drifter}/healthz`)).status, 200);
    assert.equal((await fetch(`${drifter}/api/v1/data?rows=5&format=csv`)).status, 401);
    const batch = await fetch(`${drifter}/api/v1/data?rows=5&format=csv`, { headers: { authorization: `Bearer ${secrets.drifterToken}` } });
    assert.equal(batch.status, 200, await batch.clone().text());
    assert.equal((await batch.text()).trim().split("\n").length, 6, "a header and 5 rows");
    const modelApi = await serviceUrl("model-api", 8080);
    const model = await fetch(`${modelApi}/model`, { headers: { authorization: `Bearer ${secrets.modelApiToken}` } });
    assert.equal(model.status, 200);
  });

  it("sends traffic through the model API, whose request log lands in MinIO", async () => {
    await runCronJob("traffic", 300_000);
    const s3 = await stackS3(cluster.client, NS, secrets);
    const objects = await waitFor("request log objects", async () => {
      const list: string[] = [];
      for await (const o of s3.listObjectsV2(BUCKETS.requests, "", true)) if (o.name) list.push(o.name);
      return list.length > 0 ? list : undefined;
    }, { timeoutMs: 60_000, intervalMs: 2000 });
    assert.ok(objects.length >= 1, `request log objects: ${objects.join(", ")}`);
    // The last rows are flushed within requestLogFlushSeconds (5 s here).
    await new Promise((r) => setTimeout(r, 7000));
  });

  it("checks drift: report.json and report.html in MinIO, a run in MLflow, repository_dispatch to GitHub", async () => {
    // The hour up to now (the CronJob checks the last full hour, which has no traffic yet).
    await runCronJob("drift-check", 600_000, { DRIFT_WINDOW_END: new Date().toISOString() });
    const s3 = await stackS3(cluster.client, NS, secrets);
    const reports: string[] = [];
    for await (const o of s3.listObjectsV2(BUCKETS.reports, "", true)) if (o.name) reports.push(o.name);
    assert.ok(reports.some((n) => n.endsWith("report.json")), `reports: ${reports.join(", ")}`);
    assert.ok(reports.some((n) => n.endsWith("report.html")), `reports: ${reports.join(", ")}`);
    const ask = mlflowApi(await serviceUrl("mlflow", 5000), secrets.mlflowUrl, secrets);
    const exp = await ask("GET", `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${MLFLOW.driftExperiment}`);
    const runs = await ask("POST", "/api/2.0/mlflow/runs/search", { experiment_ids: [exp.experiment.experiment_id] });
    assert.ok((runs.runs ?? []).length >= 1, `no drift run in MLflow: ${JSON.stringify(runs)}`);
    assert.ok(github.dispatches.some((d) => d.event_type === "drift-detected"), `dispatches: ${JSON.stringify(github.requests)}`);
  });

  it("backs Postgres up into MinIO with the backup CronJob (pg_dump, then the upload)", async () => {
    await runCronJob("upload", 300_000);
    const s3 = await stackS3(cluster.client, NS, secrets);
    const dumps: Array<{ name: string; size: number }> = [];
    for await (const o of s3.listObjectsV2(BUCKETS.backups, "", true)) if (o.name) dumps.push({ name: o.name, size: o.size ?? 0 });
    assert.equal(dumps.length, 1, `backups: ${JSON.stringify(dumps)}`);
    assert.ok(dumps[0].size > 1000, `the dump is too small to hold MLflow's tables: ${JSON.stringify(dumps[0])}`);
  });

  it("retrains with npm run retrain: a new model image, the model API rolled, the new version served", async () => {
    const out = await retrainThroughWithCluster(cluster, stack, STACK);
    const tag = /model-v\d+/.exec(out)?.[0];
    assert.ok(tag, `no model tag in the retrain output:\n${out}`);
    const deployments = await cluster.client.list(`/apis/apps/v1/namespaces/${NS}/deployments`);
    const rolled = deployments.filter((d) => (d.spec.template.spec.containers as Array<{ image: string }>).some((c) => c.image === `${REGISTRY}/model-api:${tag}`));
    assert.equal(rolled.length, 1, "exactly one Deployment, the model API's, runs the new model image");
    assert.ok(readiness(rolled[0])?.ready, "the model API Deployment is ready after the retrain");
    await waitForServedModel(cluster, NS, secrets.modelApiToken, tag);
  });

  it("leaves the namespace empty after pulumi destroy", async () => {
    await pulumiIn(args("destroy", "--yes", "--skip-preview"), 900_000);
    await waitFor(`namespace ${NS} gone`, async () => ((await cluster.client.find(`/api/v1/namespaces/${NS}`)) === undefined ? true : undefined), { timeoutMs: 180_000, intervalMs: 1000 });
  });
});
