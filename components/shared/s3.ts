/**
 * What an S3 client pod is given, wherever the store is (components/minio in the cluster,
 * components/external-s3 outside it): the S3_* env that lib/s3.ts s3SettingsFromEnv reads,
 * and the credentials each workload holds. One home, so both stores wire clients the same way.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENV } from "../../lib/contract";
import type { Size } from "./args";
import { CREDENTIALS_ANNOTATION } from "./credentials";
import { NODE_UID, PodBuilder, plainEnv, scratch, secretEnv } from "./pod";
import { resourcesFor } from "./resources";

/** Where S3 clients connect. */
export interface S3Target {
  host: pulumi.Input<string>;
  port: number;
  useSsl: boolean;
  region: string;
  pathStyle: boolean;
  /** S3_BUCKET_PREFIX ("" = none). */
  bucketPrefix: string;
}

/** Keys of every S3 credentials Secret of ours (a MinIO workload user's, or the external store's pair). */
export const S3_SECRET_KEYS = { accessKey: "access-key", secretKey: "secret-key" } as const;

/** A Secret with an access key and a secret key, under the given keys. */
export interface S3KeySecret {
  name: pulumi.Input<string>;
  accessKeyKey: string;
  secretKeyKey: string;
}

/** A workload's S3 credentials: the env of its pods and the hash that rolls them when its key changes. */
export interface S3UserCredentials {
  /** The Secret with its keys; unset = no keys, the pod's cloud identity signs (external store). */
  secret?: S3KeySecret;
  /** Its access key and secret key (secret outputs), for the stack's outputs (the trainer's, the backup's); unset with a cloud identity. */
  accessKey?: pulumi.Input<string>;
  secretKey?: pulumi.Output<string>;
  /** The S3_* env (lib/s3.ts) of a workload that uses these credentials. */
  env: k8s.types.input.core.v1.EnvVar[];
  hash: pulumi.Input<string>;
}

/** The S3_* env of a client of the target, signing with the Secret's keys (none: the pod's cloud identity). */
export function s3ClientEnv(t: S3Target, secret?: S3KeySecret): k8s.types.input.core.v1.EnvVar[] {
  return [
    plainEnv(ENV.s3Endpoint, t.host),
    plainEnv(ENV.s3Port, t.port),
    plainEnv(ENV.s3UseSsl, t.useSsl),
    plainEnv(ENV.s3Region, t.region),
    plainEnv(ENV.s3PathStyle, t.pathStyle),
    ...(t.bucketPrefix ? [plainEnv(ENV.s3BucketPrefix, t.bucketPrefix)] : []),
    ...(secret ? [secretEnv(ENV.s3AccessKey, secret.name, secret.accessKeyKey), secretEnv(ENV.s3SecretKey, secret.name, secret.secretKeyKey)] : []),
  ];
}

export interface SeedJobArgs {
  namespace: pulumi.Input<string>;
  /** The Job's and its pod's labels (with the S3 client access label). */
  labels: Record<string, string>;
  serviceAccountName: pulumi.Input<string>;
  /** The drifter image (its seed CLI). */
  image: pulumi.Input<string>;
  imagePullPolicy: pulumi.Input<string>;
  size: Size;
  logLevel: string;
  /** The store's S3_* env for the seed CLI, and whatever else it needs (MinIO's user keys). */
  env: k8s.types.input.core.v1.EnvVar[];
  /** Hash of the credentials it uses: a new key changes the template, so the Job is replaced and runs again. */
  credentialsHash: pulumi.Input<string>;
}

/**
 * The object store's init Job, whichever store it is (MinIO's, or an external one): our own
 * seed CLI (drifter/src/seed-cli.ts) makes the buckets and writes the initial reference
 * (idempotent; it never overwrites a newer reference). Auto-named, so a new drifter image
 * runs it again.
 */
export function seedJob(name: string, args: SeedJobArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
  const pod = new PodBuilder({
    labels: args.labels,
    annotations: { [CREDENTIALS_ANNOTATION]: pulumi.output(args.credentialsHash) },
    serviceAccountName: args.serviceAccountName,
    uid: NODE_UID,
    container: {
      name: "seed",
      image: args.image,
      imagePullPolicy: args.imagePullPolicy,
      command: ["node", "dist/drifter/src/seed-cli.js"],
      env: [...args.env, plainEnv(ENV.logLevel, args.logLevel)],
      resources: resourcesFor("minioInit", args.size),
    },
    volumes: [scratch("tmp", "/tmp", "128Mi")],
  });
  return new k8s.batch.v1.Job(
    name,
    { metadata: { namespace: args.namespace, labels: args.labels }, spec: pod.asJobSpec({ restartPolicy: "OnFailure", backoffLimit: 6, activeDeadlineSeconds: 600 }) },
    opts,
  );
}
