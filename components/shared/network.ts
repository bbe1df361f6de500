/**
 * NetworkPolicy and Ingress helpers. The namespace denies all traffic by default
 * (components/namespace); each server part admits its port from pods with its access label,
 * from the ingress controller's namespace when it is exposed through an Ingress, and from
 * Prometheus' namespace when monitoring scrapes it (http-server.ts puts these together for an
 * HTTP server).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ACCESS, type AccessTarget } from "./labels";

/** Pods of another namespace, admitted to some ports (the ingress controller's, Prometheus'). */
export interface NamespacePorts {
  namespace: string;
  ports: number[];
}

/** A NetworkPolicy peer: every pod of the namespace (by its kubernetes.io/metadata.name label). */
export function namespacePeer(namespace: string): k8s.types.input.networking.v1.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } };
}

export interface AllowIngressArgs {
  namespace: pulumi.Input<string>;
  /** Pods the policy protects. */
  podLabels: Record<string, string>;
  /** Ports opened to clients with the access label. */
  ports: number[];
  /** The access label clients carry. */
  access: AccessTarget;
  /** Also admit these ports from the ingress controller's namespace. Defaults to none. */
  ingressFrom?: NamespacePorts;
  /** Also admit these ports (where /metrics is served) from Prometheus' namespace (monitoringNamespace). Defaults to none. */
  metricsFrom?: NamespacePorts;
  /** Also admit these ports from anywhere: the Service is a NodePort/LoadBalancer for people. Defaults to none. */
  externalPorts?: number[];
}

export function allowIngress(name: string, args: AllowIngressArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
  const rules: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [
    {
      from: [{ podSelector: { matchLabels: { [ACCESS[args.access]]: "true" } } }],
      ports: args.ports.map((port) => ({ protocol: "TCP", port })),
    },
  ];
  for (const from of [args.ingressFrom, args.metricsFrom]) {
    if (from) rules.push({ from: [namespacePeer(from.namespace)], ports: from.ports.map((port) => ({ protocol: "TCP", port })) });
  }
  if (args.externalPorts?.length) {
    rules.push({ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: args.externalPorts.map((port) => ({ protocol: "TCP", port })) });
  }
  return new k8s.networking.v1.NetworkPolicy(
    name,
    {
      metadata: { namespace: args.namespace, labels: args.podLabels },
      spec: { podSelector: { matchLabels: args.podLabels }, policyTypes: ["Ingress"], ingress: rules },
    },
    opts,
  );
}

export interface AllowEgressArgs {
  namespace: pulumi.Input<string>;
  /** Pods the policy lets out (and the policy's labels). */
  podLabels: Record<string, string>;
  /** Where to: a namespace (namespacePeer) or an address block. */
  to: k8s.types.input.networking.v1.NetworkPolicyPeer;
  /** The one TCP port opened. */
  port: number;
}

/** Lets the pods open connections to one TCP port of `to`, past the namespace's default deny (components/namespace). */
export function allowEgress(name: string, args: AllowEgressArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    name,
    {
      metadata: { namespace: args.namespace, labels: args.podLabels },
      spec: { podSelector: { matchLabels: args.podLabels }, policyTypes: ["Egress"], egress: [{ to: [args.to], ports: [{ protocol: "TCP", port: args.port }] }] },
    },
    opts,
  );
}

export interface ExposeArgs {
  namespace: pulumi.Input<string>;
  service: k8s.core.v1.Service;
  port: number;
  ingress: IngressSettings;
  labels: Record<string, string>;
  /** The paths routed (Prefix match); anything else answers the controller's 404. Defaults to everything (`/`). */
  paths?: readonly string[];
}

/** How an Ingress gets its certificate: from a cert-manager ClusterIssuer, or an existing TLS Secret. */
export type IngressTls = { clusterIssuer: string; secretName?: undefined } | { secretName: string; clusterIssuer?: undefined };

/** The cert-manager annotation that makes it issue the Ingress's certificate. */
export const CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";

/**
 * A TLS Ingress routing `host` (only the given paths) to a Service port. With a ClusterIssuer,
 * cert-manager writes the certificate into `<host's first label>-tls`; ingress-nginx then
 * redirects plain HTTP to HTTPS (its default when an Ingress has TLS).
 */
export function exposeIngress(name: string, args: ExposeArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.Ingress {
  const { host, className, tls } = args.ingress;
  const secretName = tls.secretName ?? `${host.split(".")[0]}-tls`;
  const backend = { service: { name: args.service.metadata.name, port: { number: args.port } } };
  return new k8s.networking.v1.Ingress(
    name,
    {
      metadata: {
        namespace: args.namespace,
        labels: args.labels,
        ...(tls.clusterIssuer ? { annotations: { [CLUSTER_ISSUER_ANNOTATION]: tls.clusterIssuer } } : {}),
      },
      spec: {
        ingressClassName: className,
        tls: [{ hosts: [host], secretName }],
        rules: [{ host, http: { paths: (args.paths ?? ["/"]).map((path) => ({ path, pathType: "Prefix", backend })) } }],
      },
    },
    opts,
  );
}

/** Where a part is exposed through an Ingress (components' `ingress` arg). */
export interface IngressSettings {
  host: string;
  className: string;
  controllerNamespace: string;
  tls: IngressTls;
}
