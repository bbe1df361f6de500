/**
 * "An HTTP server" part (drifter, model API, MLflow): a Service with one named `http` port
 * selecting its pods, the NetworkPolicy that admits its clients (pods with its access label;
 * the ingress controller and the outside when it is exposed), an Ingress when one is
 * configured, and its Deployment, whose pod PodBuilder hardens like every other.
 *
 * Two steps, because a part often needs its Service's name before its pod exists (MLflow's
 * allowed hosts, a Job that calls the server): `httpServer(...)` declares the Service and the
 * network side, `.deploy(...)` the Deployment.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { METRICS_CLIENT } from "../../lib/auth";
import type { ServiceType } from "./args";
import type { ClientTokens } from "./credentials";
import type { AccessTarget } from "./labels";
import { allowIngress, exposeIngress, type IngressSettings } from "./network";
import { PodBuilder, serviceHost, type PodArgs } from "./pod";

/** The name of the one port of an HTTP server's Service and container. */
export const HTTP_PORT_NAME = "http";

/** What Prometheus needs to scrape an HTTP server's /metrics (components/monitoring makes a ServiceMonitor of it). */
export interface ScrapeTarget {
  /** Short name of the part (drifter, model-api): names its ServiceMonitor. */
  part: string;
  /** Labels of the part's Service: the ServiceMonitor selects it by exactly these. */
  serviceLabels: Record<string, string>;
  /** Name of the Service's port that serves the metrics. */
  port: string;
  /** Path of the metrics. Defaults to /metrics (lib/auth.ts METRICS_PATH). */
  path?: string;
  /** The Secret (in the platform namespace) and key holding Prometheus' bearer token for this server. */
  token: { name: pulumi.Input<string>; key: string };
}

/** The scrape target of a server whose tokens include Prometheus' (credentials.ts withMetricsClient). */
export function scrapeTarget(part: string, labels: Record<string, string>, tokens: ClientTokens): ScrapeTarget {
  return { part, serviceLabels: labels, port: HTTP_PORT_NAME, token: tokens.secretKey(METRICS_CLIENT) };
}

export interface HttpServerArgs {
  namespace: pulumi.Input<string>;
  /** Labels of the Service, the Deployment, the NetworkPolicy and the Ingress; they select the pods. */
  labels: Record<string, string>;
  /** Type of the Service; a NodePort or LoadBalancer Service is also admitted from outside the cluster. */
  serviceType: ServiceType;
  /** The one HTTP port (Service and container, named `http`). */
  port: number;
  /** The access label the server's clients carry (components/shared/labels.ts). */
  access: AccessTarget;
  /** Expose through this Ingress (`<name>-<ingressSuffix>`). Defaults to no Ingress. */
  ingress?: IngressSettings;
  /** Suffix of the Ingress's name, e.g. `api` or `ui`. Defaults to `ingress`. */
  ingressSuffix?: string;
  /** The paths the Ingress routes (Prefix match). Defaults to everything (`/`). */
  paths?: readonly string[];
  /** Prometheus' namespace, admitted to the port (the server's /metrics). Defaults to none. */
  metricsFrom?: string;
}

/** What the part gives of its Deployment: its pod (labels default to the server's) and how many. */
export interface HttpDeploymentArgs {
  replicas: pulumi.Input<number>;
  /** Roll one new pod at a time, never below the replica count. Defaults to false: Kubernetes' default strategy. */
  surge?: boolean;
  /** The pod; the container gets the `http` port. `labels` defaults to the server's labels (add access labels here). */
  pod: Omit<PodArgs, "labels"> & { labels?: Record<string, string> };
}

export interface HttpServer {
  service: k8s.core.v1.Service;
  /** `<svc>.<ns>.svc.cluster.local` */
  host: pulumi.Output<string>;
  /** `http://<host>:<port>` */
  url: pulumi.Output<string>;
  policy: k8s.networking.v1.NetworkPolicy;
  /** Only when `ingress` is set. */
  ingress?: k8s.networking.v1.Ingress;
  /** Declares the server's Deployment (`<name>-deploy`). */
  deploy(args: HttpDeploymentArgs): k8s.apps.v1.Deployment;
}

export function httpServer(name: string, args: HttpServerArgs, opts: pulumi.CustomResourceOptions): HttpServer {
  const { namespace, labels, port, ingress } = args;
  const service = new k8s.core.v1.Service(
    `${name}-svc`,
    {
      metadata: { namespace, labels },
      spec: { type: args.serviceType, selector: labels, ports: [{ name: HTTP_PORT_NAME, port, targetPort: port, protocol: "TCP" }] },
    },
    opts,
  );
  const host = serviceHost(service);
  const policy = allowIngress(
    `${name}-allow-clients`,
    {
      namespace,
      podLabels: labels,
      ports: [port],
      access: args.access,
      ingressFrom: ingress ? { namespace: ingress.controllerNamespace, ports: [port] } : undefined,
      metricsFrom: args.metricsFrom ? { namespace: args.metricsFrom, ports: [port] } : undefined,
      externalPorts: args.serviceType === "ClusterIP" ? undefined : [port],
    },
    opts,
  );
  const ing = ingress ? exposeIngress(`${name}-${args.ingressSuffix ?? "ingress"}`, { namespace, service, port, ingress, labels, paths: args.paths }, opts) : undefined;
  return {
    service,
    host,
    url: pulumi.interpolate`http://${host}:${port}`,
    policy,
    ingress: ing,
    deploy: (d) => {
      const pod = new PodBuilder({ ...d.pod, labels: d.pod.labels ?? labels, container: { ...d.pod.container, ports: [{ name: HTTP_PORT_NAME, containerPort: port }] } });
      return new k8s.apps.v1.Deployment(`${name}-deploy`, { metadata: { namespace, labels }, spec: pod.asDeploymentSpec({ selector: labels, replicas: d.replicas, surge: d.surge }) }, opts);
    },
  };
}
