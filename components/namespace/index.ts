import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "../shared/labels";

/** Pod Security Standard level and the pinned policy version the namespace enforces. */
export const POD_SECURITY = { level: "restricted", version: "v1.33" } as const;

/** Arguments of the Namespace component. */
export interface NamespaceArgs {
  /** Name of the namespace (a DNS label). */
  name: pulumi.Input<string>;
}

/**
 * The platform's namespace: Pod Security `restricted` (enforced, audited, warned), and a
 * default-deny NetworkPolicy so every connection is one some part explicitly allows. Pods
 * may resolve DNS and open connections inside the namespace; each server admits only its
 * clients (components/shared/network.ts).
 */
export class Namespace extends pulumi.ComponentResource {
  public readonly namespace: k8s.core.v1.Namespace;
  /** The namespace name, for every other component's metadata. */
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: NamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:namespace:Namespace", name, {}, opts);
    const psa: Record<string, string> = {};
    for (const mode of ["enforce", "audit", "warn"]) {
      psa[`pod-security.kubernetes.io/${mode}`] = POD_SECURITY.level;
      psa[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY.version;
    }
    this.namespace = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: args.name, labels: { "app.kubernetes.io/part-of": PART_OF, ...psa } } },
      { parent: this },
    );
    this.name = this.namespace.metadata.name;
    const child = { parent: this, dependsOn: [this.namespace] };

    new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      {
        metadata: { namespace: this.name },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-allow-dns-and-namespace-egress`,
      {
        metadata: { namespace: this.name },
        spec: {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [
            {
              to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
            { to: [{ podSelector: {} }] },
          ],
        },
      },
      child,
    );
    this.registerOutputs({ name: this.name });
  }
}
