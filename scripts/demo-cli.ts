/**
 * `npm run demo`: drift-loop on this machine without any Kubernetes: the local cluster
 * (`npm run cluster -- up`), our images built from their Dockerfiles and loaded into its
 * node, the dev stack `pulumi up`-ed as stack "demo" with a local file backend, the loop
 * run once (traffic through the model API, then the drift check), and what to open.
 * `npm run demo -- down` removes it all. Needs root.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { EXIT, UsageError, parseFlags, runMain } from "../lib/cli";
import { BUCKETS } from "../lib/contract";
import { getText } from "../lib/s3";
import { HISTORY_KEYS, type HistoryIndex } from "../drift-job/src/report/history";
import { KubeClient } from "./cluster/kube";
import { LOCAL_IMAGES, runCronJobOnce, serviceAddress, stackImages, stackS3 } from "./cluster/loop";
import { imagesScript } from "./cluster/node";
import { pulumi, pulumiEnv, pulumiOk } from "./cluster/pulumi";
import { REPO_ROOT, ensureToolchain, toolchain } from "./cluster/toolchain";
import { containerdSocketOf, down as clusterDown, runningCluster, up as clusterUp } from "./cluster-cli";
import { cacheRoot } from "./services/config";

const STACK = "demo";
const NS = "drift-loop";
const { registry: REGISTRY, tag: TAG } = LOCAL_IMAGES;

const HELP = `Usage: npm run demo [-- down|help]

Runs drift-loop end to end on this machine, with no Kubernetes, cloud or registry needed:
  1. the local single-node cluster (npm run cluster -- up; builds what is missing)
  2. our images (drifter, drift-job, model-api, MLflow, MinIO) built from their Dockerfiles
     by a private Docker daemon, on local stand-ins of the public base images
  3. the images loaded into the node
  4. pulumi up of the stack "${STACK}" (Pulumi.${STACK}.yaml, local file backend)
  5. the loop once: the traffic job sends drifting rows through the model API, then the
     drift check writes its report, logs to MLflow and decides on a retrain
  6. the addresses to open, the report, and the credentials file
The first run builds for about 30 minutes (Go and Docker builds); later runs take minutes.

  down     pulumi destroy, remove the stack, stop the cluster
  help     print this help

Needs root, Debian's docker.io, containerd, iptables, ipset, conntrack,
containernetworking-plugins and mmdebstrap (see README "Quick start").
Files: <cache>/demo (cache: $DRIFT_LOOP_CACHE, default ~/.cache/drift-loop).`;

const demoDir = () => path.join(cacheRoot(), "demo");

function step(n: number, what: string): () => void {
  const started = Date.now();
  process.stderr.write(`demo: [${n}/6] ${what}\n`);
  return () => process.stderr.write(`demo: [${n}/6] done in ${Math.round((Date.now() - started) / 1000)} s\n`);
}

/** The Pulumi environment of the demo stack: kept under <cache>/demo, passphrase in a 0600 file. */
function demoPulumi(kubeconfig: string) {
  const dir = demoDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const passFile = path.join(dir, "passphrase");
  if (!existsSync(passFile)) writeFileSync(passFile, randomBytes(24).toString("hex"), { mode: 0o600 });
  const p = pulumiEnv(kubeconfig, { root: path.join(dir, "pulumi"), passphrase: readFileSync(passFile, "utf8").trim() });
  return { ...p, passFile };
}

async function up(print: (s: string) => void): Promise<number> {
  let done = step(1, "the local cluster (npm run cluster -- up)");
  await clusterUp(() => undefined);
  const st = runningCluster();
  if (!st) throw new Error("the cluster did not come up; see npm run cluster -- status");
  done();

  done = step(2, "images from our Dockerfiles (first time: about 15 minutes)");
  imagesScript(["base"], { progress: true });
  imagesScript(["build", "--registry", REGISTRY, "--tag", TAG], { progress: true });
  done();

  done = step(3, "loading the images into the node");
  imagesScript(["load", "--containerd", containerdSocketOf(st), ...stackImages()], { progress: true });
  done();

  done = step(4, `pulumi up of stack "${STACK}" (local file backend)`);
  ensureToolchain(["pulumi", "language-nodejs", "provider-kubernetes", "provider-random"], { progress: true });
  const p = demoPulumi(st.kubeconfig);
  const args = (...a: string[]) => [...a, "--stack", STACK];
  if ((await pulumi(["stack", "select", STACK], REPO_ROOT, p.env)).code !== 0) await pulumiOk(["stack", "init", STACK], REPO_ROOT, p.env);
  for (const [k, v] of [
    ["buildImages", "false"],
    ["imageRegistry", REGISTRY],
    ["imageTag", TAG],
    ["storageClass", "standard"],
    ["trafficScenario", "mean_shift"],
    ["requestLogFlushRows", "200"],
    ["requestLogFlushSeconds", "5"],
  ]) {
    await pulumiOk(args("config", "set", `drift-loop:${k}`, v), REPO_ROOT, p.env);
  }
  const upRun = await pulumi(args("up", "--yes", "--skip-preview"), REPO_ROOT, p.env, 1_800_000);
  if (upRun.code !== 0) throw new Error(`pulumi up failed:\n${upRun.stdout.split("\n").slice(-40).join("\n")}\n${upRun.stderr}`);
  done();

  done = step(5, "the loop once: traffic, then the drift check");
  const pki = path.join(st.dataDir, "pki");
  const client = new KubeClient({ server: st.server, ca: path.join(pki, "ca.crt"), cert: path.join(pki, "admin.crt"), key: path.join(pki, "admin.key") });
  try {
    const traffic = await runCronJobOnce(client, NS, "traffic", 600_000);
    if (!traffic.succeeded) throw new Error(`the traffic job failed:\n${traffic.logs}`);
    process.stderr.write(`demo:   traffic job done in ${traffic.seconds} s\n`);
    // The request log's last rows reach MinIO within requestLogFlushSeconds; then check the
    // hour up to now (the CronJob itself checks the last full hour).
    await new Promise((r) => setTimeout(r, 7000));
    const drift = await runCronJobOnce(client, NS, "drift-check", 600_000, { DRIFT_WINDOW_END: new Date().toISOString() });
    if (!drift.succeeded) throw new Error(`the drift check failed:\n${drift.logs}`);
    process.stderr.write(`demo:   drift check done in ${drift.seconds} s\n`);
    done();

    step(6, "what to open");
    const out = JSON.parse(await pulumiOk(args("stack", "output", "--json", "--show-secrets"), REPO_ROOT, p.env));
    const s3 = await stackS3(client, NS, out);
    const reportDir = path.join(REPO_ROOT, "out", "demo");
    mkdirSync(reportDir, { recursive: true });
    // The drift history (index.json, newest window first) names the report of the check just run.
    const history = JSON.parse(await getText(s3, BUCKETS.reports, HISTORY_KEYS.json)) as HistoryIndex;
    const latest = history.entries[0];
    if (!latest) throw new Error(`the drift check stored no report (s3://${BUCKETS.reports}/${HISTORY_KEYS.json} lists none)`);
    await s3.fGetObject(BUCKETS.reports, `${latest.folder}/report.html`, path.join(reportDir, "report.html"));
    await s3.fGetObject(BUCKETS.reports, HISTORY_KEYS.html, path.join(reportDir, "history.html"));
    const verdict = latest.not_enough_data
      ? "not enough data for a decision"
      : `${latest.dataset_drift ? "DRIFT" : "no drift"}: ${latest.number_of_drifted_columns} of ${latest.number_of_columns} columns drifted${latest.drifted_columns.length ? ` (${latest.drifted_columns.slice(0, 5).join(", ")}${latest.drifted_columns.length > 5 ? ", ..." : ""})` : ""}`;
    const credentials = path.join(demoDir(), "credentials.txt");
    writeFileSync(credentials, [
      `MLflow admin:        ${out.mlflowAdminUsername} / ${out.mlflowAdminPassword}`,
      `MinIO root:          ${out.minioRootUser} / ${out.minioRootPassword}`,
      `model API token:     ${out.modelApiToken}`,
      `drifter token:       ${out.drifterToken}`,
      "",
    ].join("\n"), { mode: 0o600 });
    const modelApi = await serviceAddress(client, NS, "model-api", 8080);
    const drifter = await serviceAddress(client, NS, "drifter", 8000);
    const console_ = await serviceAddress(client, NS, "minio", 9001).catch(() => undefined);
    print(`drift-loop runs on the local cluster (stack "${STACK}", namespace ${NS}). Open, from this machine:
  MLflow          ${out.mlflow}
                  (MLflow answers only to its own names, as with a real ingress: open it through the
                  port-forward; experiments "training" and "drift-monitoring"; log in as the MLflow admin)${console_ ? `\n  MinIO console   ${console_}   (buckets requests, reports, datasets; MinIO root user)` : ""}
  model API       ${modelApi}/model   (Authorization: Bearer <model API token>)
  drifter         ${drifter}/api/v1/data?rows=10&format=csv   (Authorization: Bearer <drifter token>)
  drift report    file://${path.join(reportDir, "report.html")}   (${latest.rows} rows of ${latest.window_start} .. ${latest.window_end}: ${verdict})
  drift history   file://${path.join(reportDir, "history.html")}   (s3://${BUCKETS.reports}/${HISTORY_KEYS.html}, every window)
  credentials     ${credentials}   (readable only by you)

Use kubectl and pulumi on it:
  export KUBECONFIG=${st.kubeconfig} PATH=${toolchain.bin}:$PATH
  export PULUMI_BACKEND_URL=${p.env.PULUMI_BACKEND_URL} PULUMI_CONFIG_PASSPHRASE_FILE=${p.passFile}
  kubectl -n ${NS} get pods;  pulumi stack output --stack ${STACK}
Run the loop again:  npm run demo   (the CronJobs also run on their schedules: traffic every 5 minutes, the drift check hourly)
Remove everything:   npm run demo -- down`);
    return EXIT.ok;
  } finally {
    client.close();
  }
}

async function down(): Promise<number> {
  const st = runningCluster();
  if (st) {
    const p = demoPulumi(st.kubeconfig);
    if ((await pulumi(["stack", "select", STACK], REPO_ROOT, p.env)).code === 0) {
      process.stderr.write(`demo: pulumi destroy of stack "${STACK}"\n`);
      await pulumiOk(["destroy", "--yes", "--skip-preview", "--stack", STACK], REPO_ROOT, p.env, 900_000);
      await pulumiOk(["stack", "rm", "--yes", "--force", STACK], REPO_ROOT, p.env);
    }
  }
  await clusterDown();
  imagesScript(["daemon", "stop"]);
  rmSync(demoDir(), { recursive: true, force: true });
  rmSync(path.join(REPO_ROOT, `Pulumi.${STACK}.yaml`), { force: true });
  process.stderr.write("demo: removed (the private Docker daemon is stopped; its images stay cached for the next run)\n");
  return EXIT.ok;
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  const v = parseFlags(cmd?.startsWith("-") ? [cmd, ...rest] : rest, { help: { type: "boolean" } });
  const print = (s: string) => console.log(s);
  if (v.help || cmd === "help") {
    print(HELP);
    return EXIT.ok;
  }
  if (cmd === undefined || cmd === "up") return up(print);
  if (cmd === "down") return down();
  throw new UsageError(`unknown command ${JSON.stringify(cmd)}; allowed: up (the default), down, help`);
}

if (require.main === module) runMain("demo", main, { help: true });
