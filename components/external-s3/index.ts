import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PartArgs } from "../shared/args";
import { credentialsHash } from "../shared/credentials";
import { ACCESS, accessLabels, appLabels } from "../shared/labels";
import { serviceAccount } from "../shared/pod";
import { S3_SECRET_KEYS, s3ClientEnv, seedJob, type S3Target, type S3UserCredentials } from "../shared/s3";
import { S3_USERS, type S3User } from "../../lib/storage-access";

/** Arguments of the ExternalS3 component (namespace, pull policy, size: PartArgs). */
export interface ExternalS3Args extends PartArgs {
  /** The endpoint URL as configured (MLflow's MLFLOW_S3_ENDPOINT_URL) and its parts. */
  url: string;
  target: S3Target;
  /** A key pair for every client; unset = the pods' cloud identity. */
  keys?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
  /** Annotations of every S3 client's ServiceAccount (the cloud identity). */
  serviceAccountAnnotations: Record<string, string>;
  /** Image that runs the init Job (the drifter image: `node dist/drifter/src/seed-cli.js`). */
  seedImage: pulumi.Input<string>;
  /** LOG_LEVEL of the init Job. */
  logLevel: string;
}

/** Link-local addresses of the cloud's instance metadata and pod identity agents (169.254.169.254, EKS's 169.254.170.23). */
const LINK_LOCAL = "169.254.0.0/16";

/**
 * An S3-compatible store the team brings (AWS S3, GCS's XML API, R2, a MinIO or Ceph it
 * runs): no server of ours. It gives the platform's S3 clients the same things the in-cluster
 * MinIO does (components/shared/s3.ts): their env, pointing at the store, and their
 * credentials: one Secret with the configured key pair, or no keys at all when the pods get a
 * cloud identity through their ServiceAccounts' annotations. An egress policy lets the pods
 * labelled as S3 clients reach the store's port (and, with a cloud identity, the token
 * exchange on 443 and the link-local identity agents on 80). The init Job checks that every
 * bucket exists (creating one it may create) and writes the initial reference, as the
 * MinIO init Job does; users and policies are the store's own (the `s3Policies` output).
 */
export class ExternalS3 extends pulumi.ComponentResource {
  public readonly endpointUrl: pulumi.Output<string>;
  public readonly target: S3Target;
  /** Each workload's credentials: all the same key pair, or all the cloud identity. */
  public readonly users: Record<S3User, S3UserCredentials>;
  public readonly initJob: k8s.batch.v1.Job;
  public readonly secret?: k8s.core.v1.Secret;

  constructor(name: string, args: ExternalS3Args, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:external-s3:ExternalS3", name, {}, opts);
    const labels = appLabels("external-s3", name);
    this.endpointUrl = pulumi.output(args.url);
    this.target = args.target;
    const keys = args.keys;
    let ref: { name: pulumi.Output<string>; accessKeyKey: string; secretKeyKey: string } | undefined;
    if (keys) {
      this.secret = new k8s.core.v1.Secret(
        `${name}-credentials`,
        { metadata: { namespace: args.namespace, labels }, type: "Opaque", stringData: { [S3_SECRET_KEYS.accessKey]: keys.accessKeyId, [S3_SECRET_KEYS.secretKey]: keys.secretAccessKey } },
        { parent: this },
      );
      ref = { name: this.secret.metadata.name, accessKeyKey: S3_SECRET_KEYS.accessKey, secretKeyKey: S3_SECRET_KEYS.secretKey };
    }
    const creds: S3UserCredentials = {
      secret: ref,
      accessKey: keys?.accessKeyId,
      secretKey: keys?.secretAccessKey,
      env: s3ClientEnv(this.target, ref),
      hash: keys ? credentialsHash(keys.accessKeyId, keys.secretAccessKey) : "cloud-identity",
    };
    this.users = Object.fromEntries(S3_USERS.map((u) => [u, creds])) as Record<S3User, S3UserCredentials>;

    const egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: args.target.port }] }];
    if (!keys) {
      egress.push(
        { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
        { to: [{ ipBlock: { cidr: LINK_LOCAL } }], ports: [{ protocol: "TCP", port: 80 }] },
      );
    }
    new k8s.networking.v1.NetworkPolicy(
      `${name}-allow-egress`,
      {
        metadata: { namespace: args.namespace, labels },
        spec: { podSelector: { matchLabels: { [ACCESS.minio]: "true" } }, policyTypes: ["Egress"], egress },
      },
      { parent: this },
    );

    const initLabels = { ...appLabels("s3-init", name), ...accessLabels("minio") };
    const sa = serviceAccount(`${name}-init-sa`, args.namespace, initLabels, { parent: this }, args.serviceAccountAnnotations);
    // Checks (or creates) the prefixed buckets and writes the initial reference; no users.
    this.initJob = seedJob(
      `${name}-init`,
      {
        namespace: args.namespace,
        labels: initLabels,
        serviceAccountName: sa.metadata.name,
        image: args.seedImage,
        imagePullPolicy: args.imagePullPolicy,
        size: args.size,
        logLevel: args.logLevel,
        env: creds.env,
        credentialsHash: creds.hash,
      },
      { parent: this },
    );
    this.registerOutputs({ endpointUrl: this.endpointUrl });
  }
}
