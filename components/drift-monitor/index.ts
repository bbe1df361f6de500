import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENV } from "../../lib/contract";
import { githubApiPort } from "../../lib/github-api";
import { pushgatewayPort } from "../../lib/pushgateway";
import type { PartArgs } from "../shared/args";
import { accessLabels, appLabels } from "../shared/labels";
import { allowEgress, namespacePeer } from "../shared/network";
import { NODE_UID, PodBuilder, plainEnv, scratch, secretEnv, serviceAccount, type PodContainer } from "../shared/pod";
import { resourcesFor } from "../shared/resources";

/** Key of the GitHub token Secret read by the drift CronJob (and only by it). */
export const GITHUB_TOKEN_KEY = "token";

export interface DriftCheckSettings {
  /** Cron schedule of the drift check (the old Airflow DAG's schedule). */
  schedule: string;
  /** DRIFT_WINDOW_MINUTES: the window of production requests compared to the reference. */
  windowMinutes: number;
  /** DRIFT_CURRENT_SOURCE: requests (logged traffic) or drifter (a fresh batch). */
  currentSource: string;
  /** DRIFT_STATTEST: a method id, or auto (Evidently's per-column defaults). */
  stattest: string;
  /** DRIFT_THRESHOLD. Defaults to the method's own threshold (DRIFT_THRESHOLD unset). */
  threshold?: number;
  /** DRIFT_SHARE: dataset drift when at least this share of columns drifted. */
  driftShare: number;
  /** DRIFT_MIN_SAMPLE_SIZE: fewest non-missing values per side a column needs for a decision (lib/settings.ts DRIFT_SETTINGS.driftMinSampleSize). */
  minSampleSize: number;
  /** RETRAIN_PSI_THRESHOLD: retrain when any column's PSI exceeds this. */
  retrainPsiThreshold: number;
  /** RETRAIN_DRIFTED_SHARE: ... or when more than this share of columns drifted. */
  retrainDriftedShare: number;
  /** RETRAIN_COOLDOWN_MINUTES: one drift episode asks for one retrain. */
  retrainCooldownMinutes: number;
  /** activeDeadlineSeconds of one run. */
  deadlineSeconds: number;
}

export interface TrafficSettings {
  /** Cron schedule of the simulated production traffic. */
  schedule: string;
  /** TRAFFIC_ROWS per run. */
  rows: number;
  /** TRAFFIC_BATCH_SIZE rows per request. */
  batchSize: number;
  /** TRAFFIC_SCENARIO asked of the drifter. */
  scenario: string;
  /** activeDeadlineSeconds of one run. */
  deadlineSeconds: number;
}

/** Arguments of the DriftMonitor component (namespace, pull policy, size: PartArgs). */
export interface DriftMonitorArgs extends PartArgs {
  /** drift-job image (drift-job/Dockerfile). */
  driftJobImage: pulumi.Input<string>;
  /** Image that runs the traffic CLI: the platform model-api image (not the retrained model tag). */
  trafficImage: pulumi.Input<string>;
  /** LOG_LEVEL. */
  logLevel: string;
  /**
   * The drift job's own credentials: its MinIO user (S3_*), its MLflow user
   * (MLFLOW_TRACKING_USERNAME/PASSWORD) and its drifter token (DRIFTER_TOKEN), as env
   * entries that reference Secrets. Read at each run's start: a rotation needs no roll.
   */
  driftJobCredentials: k8s.types.input.core.v1.EnvVar[];
  /** Annotations of the drift job's ServiceAccount (an external S3 store's cloud identity). Defaults to none. */
  driftJobServiceAccountAnnotations?: Record<string, string>;
  /** The traffic job's drifter and model API tokens (DRIFTER_TOKEN, MODEL_API_TOKEN). */
  trafficCredentials: k8s.types.input.core.v1.EnvVar[];
  /** MLFLOW_TRACKING_URI. */
  mlflowUrl: pulumi.Input<string>;
  /** DRIFTER_URL. */
  drifterUrl: pulumi.Input<string>;
  /** MODEL_API_URL. */
  modelApiUrl: pulumi.Input<string>;
  /** Drift check settings. */
  drift: DriftCheckSettings;
  /** Traffic settings. */
  traffic: TrafficSettings;
  /** When set, the drift check sends repository_dispatch drift-detected to this repository. Defaults to no dispatch: no token Secret, no egress to GitHub. The egress opens the port of `apiUrl` (lib/github-api.ts githubApiPort). */
  github?: { repository: string; apiUrl: string; token: pulumi.Input<string> };
  /** When set, the drift check pushes each run's metrics to this Pushgateway (PUSHGATEWAY_URL), which runs in `namespace`: the egress opens the URL's port (lib/pushgateway.ts pushgatewayPort) to that namespace only. Defaults to no push, no egress. */
  pushgateway?: { url: string; namespace: string };
}

/**
 * The CronJobs that replace the Airflow DAG: the drift check (drift-job/src/main.ts, which
 * writes reports, logs to MLflow and asks GitHub for a retrain) and the traffic generator
 * (model-api/src/traffic/traffic-cli.ts). Never two runs at once, bounded run time, short history.
 */
export class DriftMonitor extends pulumi.ComponentResource {
  public readonly driftCronJob: k8s.batch.v1.CronJob;
  public readonly trafficCronJob: k8s.batch.v1.CronJob;
  /** The Secret with the dispatch token (only when GitHub is configured). */
  public readonly githubSecret?: k8s.core.v1.Secret;

  constructor(name: string, args: DriftMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:drift-monitor:DriftMonitor", name, {}, opts);
    const d = args.drift;
    const t = args.traffic;

    const driftLabels = appLabels("drift-job", name);
    const driftPodLabels = { ...driftLabels, ...accessLabels("minio", "mlflow", "drifter") };
    const driftSa = serviceAccount(`${name}-drift-sa`, args.namespace, driftLabels, { parent: this }, args.driftJobServiceAccountAnnotations);
    const env: k8s.types.input.core.v1.EnvVar[] = [
      plainEnv(ENV.logLevel, args.logLevel),
      ...args.driftJobCredentials,
      plainEnv(ENV.mlflowTrackingUri, args.mlflowUrl),
      plainEnv(ENV.drifterUrl, args.drifterUrl),
      plainEnv(ENV.driftWindowMinutes, d.windowMinutes),
      plainEnv(ENV.driftCurrentSource, d.currentSource),
      ...(d.stattest !== "auto" ? [plainEnv(ENV.driftStattest, d.stattest)] : []),
      ...(d.threshold !== undefined ? [plainEnv(ENV.driftThreshold, d.threshold)] : []),
      plainEnv(ENV.driftShare, d.driftShare),
      plainEnv(ENV.driftMinSampleSize, d.minSampleSize),
      plainEnv(ENV.retrainPsiThreshold, d.retrainPsiThreshold),
      plainEnv(ENV.retrainDriftedShare, d.retrainDriftedShare),
      plainEnv(ENV.retrainCooldownMinutes, d.retrainCooldownMinutes),
    ];
    if (args.github) {
      this.githubSecret = new k8s.core.v1.Secret(
        `${name}-github`,
        { metadata: { namespace: args.namespace, labels: driftLabels }, type: "Opaque", stringData: { [GITHUB_TOKEN_KEY]: args.github.token } },
        { parent: this },
      );
      env.push(
        plainEnv(ENV.githubRepository, args.github.repository),
        plainEnv(ENV.githubApiUrl, args.github.apiUrl),
        secretEnv(ENV.githubToken, this.githubSecret.metadata.name, GITHUB_TOKEN_KEY),
      );
      // The dispatch goes to the GitHub API outside the namespace, on the port of its URL
      // (443 for github.com; a GitHub Enterprise Server or a test receiver may use another).
      allowEgress(`${name}-allow-github-egress`, { namespace: args.namespace, podLabels: driftLabels, to: { ipBlock: { cidr: "0.0.0.0/0" } }, port: githubApiPort(args.github.apiUrl) }, { parent: this });
    }

    if (args.pushgateway) {
      env.push(plainEnv(ENV.pushgatewayUrl, args.pushgateway.url), { name: ENV.podNamespace, valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
      // Only to Prometheus' namespace, where the Pushgateway runs.
      allowEgress(`${name}-allow-pushgateway-egress`, { namespace: args.namespace, podLabels: driftLabels, to: namespacePeer(args.pushgateway.namespace), port: pushgatewayPort(args.pushgateway.url) }, { parent: this });
    }

    this.driftCronJob = cronJob(this, `${name}-drift`, {
      namespace: args.namespace,
      labels: driftLabels,
      podLabels: driftPodLabels,
      schedule: d.schedule,
      deadlineSeconds: d.deadlineSeconds,
      serviceAccountName: driftSa.metadata.name,
      container: {
        name: "drift-check",
        image: args.driftJobImage,
        imagePullPolicy: args.imagePullPolicy,
        command: ["node", "dist/drift-job/src/main.js"],
        env,
        resources: resourcesFor("driftJob", args.size),
      },
    });

    const trafficLabels = appLabels("traffic", name);
    const trafficSa = serviceAccount(`${name}-traffic-sa`, args.namespace, trafficLabels, { parent: this });
    this.trafficCronJob = cronJob(this, `${name}-traffic`, {
      namespace: args.namespace,
      labels: trafficLabels,
      podLabels: { ...trafficLabels, ...accessLabels("drifter", "modelApi") },
      schedule: t.schedule,
      deadlineSeconds: t.deadlineSeconds,
      serviceAccountName: trafficSa.metadata.name,
      container: {
        name: "traffic",
        image: args.trafficImage,
        imagePullPolicy: args.imagePullPolicy,
        command: ["node", "dist/model-api/src/traffic/traffic-cli.js"],
        env: [
          plainEnv(ENV.logLevel, args.logLevel),
          plainEnv(ENV.drifterUrl, args.drifterUrl),
          plainEnv(ENV.modelApiUrl, args.modelApiUrl),
          plainEnv(ENV.trafficRows, t.rows),
          plainEnv(ENV.trafficBatchSize, t.batchSize),
          plainEnv(ENV.trafficScenario, t.scenario),
          ...args.trafficCredentials,
        ],
        resources: resourcesFor("traffic", args.size),
      },
    });

    this.registerOutputs({});
  }
}

interface CronJobSpec {
  namespace: pulumi.Input<string>;
  /** Labels of the CronJob and its Jobs. */
  labels: Record<string, string>;
  /** Labels of the pods (with their access labels). */
  podLabels: Record<string, string>;
  schedule: string;
  deadlineSeconds: number;
  serviceAccountName: pulumi.Input<string>;
  container: PodContainer;
}

/** One of the monitor's CronJobs: never two runs at once, bounded run time, short history. */
function cronJob(parent: pulumi.Resource, name: string, s: CronJobSpec): k8s.batch.v1.CronJob {
  const pod = new PodBuilder({
    labels: s.podLabels,
    serviceAccountName: s.serviceAccountName,
    uid: NODE_UID,
    container: s.container,
    volumes: [scratch("tmp", "/tmp", "512Mi")],
  });
  return new k8s.batch.v1.CronJob(
    name,
    {
      metadata: { namespace: s.namespace, labels: s.labels },
      spec: pod.asCronJobSpec({
        cron: {
          schedule: s.schedule,
          concurrencyPolicy: "Forbid",
          // A run that could not start within this many seconds of its slot is skipped.
          startingDeadlineSeconds: 300,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
        },
        jobLabels: s.labels,
        job: { restartPolicy: "Never", backoffLimit: 1, activeDeadlineSeconds: s.deadlineSeconds, ttlSecondsAfterFinished: 86400 },
      }),
    },
    { parent },
  );
}
