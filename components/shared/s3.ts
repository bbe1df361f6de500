/**
 * What an S3 client pod is given, wherever the store is (components/minio in the cluster,
 * components/external-s3 outside it): the S3_* env that lib/s3.ts s3SettingsFromEnv reads,
 * and the credentials each workload holds. One home, so both stores wire clients the same way.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { ENV } from "../../lib/contract";
import { plainEnv, secretEnv } from "./pod";

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
