import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENV, PORTS } from "../../lib/contract";
import type { ExposedPartArgs } from "../shared/args";
import { appLabels } from "../shared/labels";
import { httpServer, scrapeTarget, type ScrapeTarget } from "../shared/http-server";
import { NODE_UID, httpProbes, scratch, serviceAccount } from "../shared/pod";
import { coresFor, resourcesFor } from "../shared/resources";
import { CREDENTIALS_ANNOTATION, clientTokens, withMetricsClient, type ClientTokens } from "../shared/credentials";

/** The drifter's clients, each with its own bearer token. */
export const DRIFTER_CLIENTS = ["drift-job", "traffic", "trainer", "people"] as const;
export type DrifterClient = (typeof DRIFTER_CLIENTS)[number];

/** What the drifter's Ingress routes: the data and schema API and the probes, never /metrics. */
export const DRIFTER_PUBLIC_PATHS = ["/api/v1/", "/healthz", "/readyz"] as const;

/** The drifter's DRIFT_* settings (checked by infra/config against lib/settings and the drifter's lists). */
export interface DrifterSettings {
  /** DRIFT_PROB: per-column drift probability of the drift_prob scenario (0..1). */
  driftProb: number;
  /** DRIFT_ROWS: default rows per batch (100..10000). */
  rows: number;
  /** DRIFT_COLS: legacy feature columns (2..30). */
  cols: number;
  /** DRIFT_SCENARIO: default scenario(s), comma-separated. */
  scenario: string;
  /** DRIFT_MAGNITUDE: strength of the scenario (0..1). */
  magnitude: number;
  /** DRIFT_SCHEMA: the default table (credit or legacy). */
  schema: string;
}

/** Arguments of the Drifter component (namespace, pull policy, size, Service type and Ingress: ExposedPartArgs). */
export interface DrifterArgs extends ExposedPartArgs {
  /** Drifter image (drifter/Dockerfile). */
  image: pulumi.Input<string>;
  /** Replicas. */
  replicas: pulumi.Input<number>;
  /** LOG_LEVEL. */
  logLevel: string;
  /** Prometheus' namespace: admitted to the port, and given a token of its own that opens /metrics only (lib/auth.ts METRICS_CLIENT). Defaults to none: no such token. */
  metricsFrom?: string;
  /** The DRIFT_* settings. */
  settings: DrifterSettings;
}

/**
 * The data generator (drifter/src/main.ts): a Deployment and a Service on PORTS.drifter.
 * Every route but the probes needs a client's bearer token (DRIFTER_CLIENTS, `tokens`).
 */
export class Drifter extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly configMap: k8s.core.v1.ConfigMap;
  public readonly host: pulumi.Output<string>;
  public readonly port: number = PORTS.drifter;
  /** `http://<svc>.<ns>.svc.cluster.local:8000`, DRIFTER_URL of its clients. */
  public readonly url: pulumi.Output<string>;
  /** The clients' tokens: `tokens.clientEnv(client, ENV.drifterToken)` for a client's pod. */
  public readonly tokens: ClientTokens;
  /** What Prometheus scrapes (only with `metricsFrom`). */
  public readonly scrapeTarget?: ScrapeTarget;

  constructor(name: string, args: DrifterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:drifter:Drifter", name, {}, opts);
    const labels = appLabels("drifter", name);
    const sa = serviceAccount(`${name}-sa`, args.namespace, labels, { parent: this });
    const s = args.settings;

    const server = httpServer(
      name,
      { namespace: args.namespace, labels, serviceType: args.serviceType, port: PORTS.drifter, access: "drifter", ingress: args.ingress, ingressSuffix: "api", paths: DRIFTER_PUBLIC_PATHS, metricsFrom: args.metricsFrom },
      { parent: this },
    );
    ({ service: this.service, host: this.host, url: this.url } = server);

    // Auto-named: a settings change gets a new ConfigMap name, so the pods roll.
    this.configMap = new k8s.core.v1.ConfigMap(
      `${name}-settings`,
      {
        metadata: { namespace: args.namespace, labels },
        data: {
          [ENV.port]: String(PORTS.drifter),
          [ENV.logLevel]: args.logLevel,
          [ENV.driftProb]: String(s.driftProb),
          [ENV.driftRows]: String(s.rows),
          [ENV.driftCols]: String(s.cols),
          [ENV.driftScenario]: s.scenario,
          [ENV.driftMagnitude]: String(s.magnitude),
          [ENV.driftSchema]: s.schema,
          // Worker threads for large batches: one per whole core of the CPU limit (0 below one core).
          [ENV.drifterThreads]: String(coresFor("drifter", args.size)),
        },
      },
      { parent: this },
    );

    this.tokens = clientTokens(name, { namespace: args.namespace, labels, clients: withMetricsClient(DRIFTER_CLIENTS, args.metricsFrom !== undefined) }, this);
    if (args.metricsFrom !== undefined) this.scrapeTarget = scrapeTarget("drifter", labels, this.tokens);

    this.deployment = server.deploy({
      replicas: args.replicas,
      surge: true,
      pod: {
        serviceAccountName: sa.metadata.name,
        uid: NODE_UID,
        // New tokens are read at start: a rotation rolls the pods.
        annotations: { [CREDENTIALS_ANNOTATION]: this.tokens.server.hash },
        container: {
          name: "drifter",
          image: args.image,
          imagePullPolicy: args.imagePullPolicy,
          command: ["node", "dist/drifter/src/main.js"],
          envFrom: [{ configMapRef: { name: this.configMap.metadata.name } }],
          env: [this.tokens.server.env],
          resources: resourcesFor("drifter", args.size),
        },
        probes: httpProbes(PORTS.drifter),
        volumes: [scratch("tmp", "/tmp"), this.tokens.server],
      },
    });
    this.registerOutputs({ url: this.url });
  }
}
