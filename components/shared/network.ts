/**
 * NetworkPolicy helpers. The namespace denies all traffic by default (components/namespace);
 * each server part admits its port from pods with its access label, and from the ingress
 * controller's namespace when it is exposed through an Ingress.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ACCESS, type AccessTarget } from "./labels";

export interface AllowIngressArgs {
  namespace: pulumi.Input<string>;
  /** Pods the policy protects. */
  podLabels: Record<string, string>;
  /** Ports opened to clients with the access label. */
  ports: number[];
  /** The access label clients carry. */
  access: AccessTarget;
  /** Also admit these ports from the ingress controller's namespace. */
  ingressFrom?: { namespace: string; ports: number[] };
  /** Also admit these ports from anywhere: the Service is a NodePort/LoadBalancer for people. */
  externalPorts?: number[];
}

export function allowIngress(name: string, args: AllowIngressArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
  const rules: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [
    {
      from: [{ podSelector: { matchLabels: { [ACCESS[args.access]]: "true" } } }],
      ports: args.ports.map((port) => ({ protocol: "TCP", port })),
    },
  ];
  if (args.ingressFrom) {
    rules.push({
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.ingressFrom.namespace } } }],
      ports: args.ingressFrom.ports.map((port) => ({ protocol: "TCP", port })),
    });
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

export interface ExposeArgs {
  namespace: pulumi.Input<string>;
  service: k8s.core.v1.Service;
  port: number;
  host: string;
  className: string;
  labels: Record<string, string>;
}

/** An Ingress routing `host` to a Service port. */
export function exposeIngress(name: string, args: ExposeArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.Ingress {
  return new k8s.networking.v1.Ingress(
    name,
    {
      metadata: { namespace: args.namespace, labels: args.labels },
      spec: {
        ingressClassName: args.className,
        rules: [
          {
            host: args.host,
            http: {
              paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: args.service.metadata.name, port: { number: args.port } } } }],
            },
          },
        ],
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
}

export interface HttpServerNetworkArgs {
  namespace: pulumi.Input<string>;
  /** The server's pod labels (also the Ingress's labels). */
  labels: Record<string, string>;
  service: k8s.core.v1.Service;
  port: number;
  /** The access label its clients carry. */
  access: AccessTarget;
  /** A NodePort/LoadBalancer Service is also reachable from outside the cluster. */
  serviceType: string;
  ingress?: IngressSettings;
}

/**
 * The network side of a server with one HTTP port: its NetworkPolicy (clients with the access
 * label; the ingress controller and the outside when it is exposed) and its Ingress
 * (`<name>-<ingressSuffix>`) when one is configured.
 */
export function exposeHttpServer(name: string, ingressSuffix: string, args: HttpServerNetworkArgs, opts: pulumi.CustomResourceOptions): void {
  const { ingress, port } = args;
  allowIngress(
    `${name}-allow-clients`,
    {
      namespace: args.namespace,
      podLabels: args.labels,
      ports: [port],
      access: args.access,
      ingressFrom: ingress ? { namespace: ingress.controllerNamespace, ports: [port] } : undefined,
      externalPorts: args.serviceType === "ClusterIP" ? undefined : [port],
    },
    opts,
  );
  if (ingress) {
    exposeIngress(`${name}-${ingressSuffix}`, { namespace: args.namespace, service: args.service, port, host: ingress.host, className: ingress.className, labels: args.labels }, opts);
  }
}
