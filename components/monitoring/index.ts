/**
 * Monitoring through the Prometheus Operator (kube-prometheus-stack and the like), created
 * only when the stack says its CRDs are present (`monitoring`): one ServiceMonitor per
 * server with metrics (drifter, model API, MinIO), each sending that server's own bearer
 * token for Prometheus (a Secret key in the same namespace), and the Grafana dashboard (dashboard.ts)
 * as a ConfigMap labelled grafana_dashboard: "1" in Prometheus' namespace, where the
 * kube-prometheus-stack Grafana sidecar looks by default. docs/monitoring.md.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { METRICS_PATH } from "../../lib/auth";
import type { ScrapeTarget } from "../shared/http-server";
import { appLabels } from "../shared/labels";
import { GRAFANA_DASHBOARD_LABEL, driftLoopDashboard } from "./dashboard";

/** The API of the ServiceMonitor CRD (Prometheus Operator). */
export const SERVICE_MONITOR = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor" } as const;

/** The key of the dashboard ConfigMap (the file name the Grafana sidecar writes). */
export const DASHBOARD_KEY = "drift-loop.json";

/** Arguments of the Monitoring component. */
export interface MonitoringArgs {
  /** The platform's namespace: the ServiceMonitors (next to the Services and token Secrets they name). */
  namespace: pulumi.Input<string>;
  /** Prometheus' and Grafana's namespace: the dashboard ConfigMap goes there. */
  monitoringNamespace: string;
  /** The platform namespace's name as text: the default of the dashboard's `namespace` variable. */
  platformNamespace: string;
  /** The servers to scrape. */
  targets: ScrapeTarget[];
  /** Extra labels on every ServiceMonitor (e.g. release: kube-prometheus-stack, what its Prometheus selects). Defaults to none. */
  serviceMonitorLabels?: Record<string, string>;
  /** Scrape interval. Defaults to 30s. */
  interval?: string;
}

export class Monitoring extends pulumi.ComponentResource {
  /** One per target, by part. */
  public readonly serviceMonitors: Record<string, k8s.apiextensions.CustomResource> = {};
  public readonly dashboard: k8s.core.v1.ConfigMap;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:monitoring:Monitoring", name, {}, opts);
    const labels = appLabels("monitoring", name);
    for (const t of args.targets) {
      this.serviceMonitors[t.part] = new k8s.apiextensions.CustomResource(
        `${name}-${t.part}`,
        {
          ...SERVICE_MONITOR,
          metadata: { namespace: args.namespace, labels: { ...labels, ...args.serviceMonitorLabels } },
          spec: {
            selector: { matchLabels: t.serviceLabels },
            namespaceSelector: { matchNames: [args.namespace] },
            endpoints: [
              {
                port: t.port,
                path: t.path ?? METRICS_PATH,
                scheme: "http",
                interval: args.interval ?? "30s",
                authorization: { type: "Bearer", credentials: { name: t.token.name, key: t.token.key } },
              },
            ],
          },
        },
        { parent: this },
      );
    }
    this.dashboard = new k8s.core.v1.ConfigMap(
      `${name}-dashboard`,
      {
        metadata: { namespace: args.monitoringNamespace, labels: { ...labels, ...GRAFANA_DASHBOARD_LABEL } },
        data: { [DASHBOARD_KEY]: JSON.stringify(driftLoopDashboard(args.platformNamespace), null, 2) },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
