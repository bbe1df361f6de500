/**
 * Who may do what in MinIO: one user per workload, each with one policy that allows only
 * what the workload does. The MinIO init Job (drifter/src/seed-cli.ts) creates the users
 * and policies as root; the Pulumi program gives each workload its own user's keys
 * (components/minio) and only MinIO and the init Job the root user.
 *
 *   model-api  writes request logs:                          requests/*
 *   drift-job  reads request logs and the reference,         requests/*, datasets/reference/*
 *              writes reports and its cooldown state,        reports/* (KEYS.retrainState is in it)
 *              lists reports/ for the history index
 *   trainer    reads and writes the reference (and archive): datasets/reference/*; its MLflow
 *              artifacts go through MLflow's artifact proxy (MLflow's own user below)
 *   mlflow     its artifact store:                           mlflow/*
 *   backup     writes, lists and prunes Postgres dumps:      backups/* (nothing else: it
 *              cannot read the data the dumps do not hold)
 */
import { BUCKETS, type BucketId } from "./contract";
import { ConfigError } from "./env";
import { MinioAdmin, type PolicyDocument } from "./minio-admin";
import type { S3Settings } from "./s3";

export type S3User = "model-api" | "drift-job" | "trainer" | "mlflow" | "backup";

/** The reference datasets' prefix in BUCKETS.datasets (KEYS.reference and its archive). */
export const REFERENCE_PREFIX = "reference/";

const obj = (bucket: string, prefix = "") => `arn:aws:s3:::${bucket}/${prefix}*`;
const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;

function policy(...statements: PolicyDocument["Statement"]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * Each workload user's policy for the given bucket names. The policy is named after the user
 * (`drift-loop-<user>`). The same documents are what an external store's IAM policies must
 * allow (the stack's `s3Policies` output, with the stack's bucket prefix).
 */
export function s3Policies(b: { readonly [K in BucketId]: string }): Readonly<Record<S3User, PolicyDocument>> {
  return {
    "model-api": policy({ Effect: "Allow", Action: ["s3:PutObject"], Resource: [obj(b.requests)] }),
    "drift-job": policy(
      // reports: the history index (drift-job/src/report/history.ts) is rebuilt from a listing.
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn(b.requests), bucketArn(b.reports)] },
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: [obj(b.requests), obj(b.datasets, REFERENCE_PREFIX)] },
      { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [obj(b.reports)] },
    ),
    trainer: policy(
      // HEAD bucket (the trainer's ensureBucket) needs s3:ListBucket on the bucket.
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn(b.datasets)] },
      { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [obj(b.datasets, REFERENCE_PREFIX)] },
    ),
    mlflow: policy(
      { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [bucketArn(b.mlflow)] },
      { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [obj(b.mlflow)] },
    ),
    // The backup CronJob lists (retention), writes and deletes dumps; the restore reads them.
    backup: policy(
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn(b.backups)] },
      { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [obj(b.backups)] },
    ),
  };
}

/**
 * What an external store's init Job needs (components/external-s3): see every bucket (HEAD),
 * create one that is missing (leave s3:CreateBucket out when the buckets are made by hand),
 * and write the initial reference. The in-cluster MinIO's init Job runs as root instead.
 */
export function s3InitPolicy(b: { readonly [K in BucketId]: string }): PolicyDocument {
  return policy(
    { Effect: "Allow", Action: ["s3:ListBucket", "s3:CreateBucket"], Resource: Object.values(b).map(bucketArn) },
    { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [obj(b.datasets, REFERENCE_PREFIX)] },
  );
}

/** The policies of this process's buckets (lib/contract.ts BUCKETS). */
export const S3_POLICIES = s3Policies(BUCKETS);

export const S3_USERS = Object.keys(S3_POLICIES) as S3User[];

export const policyName = (user: S3User) => `drift-loop-${user}`;

/** The init Job's variable with a user's secret key (the access key is the user's name). */
export const userSecretEnv = (user: S3User) => `S3_USER_${user.toUpperCase().replace(/-/g, "_")}_SECRET_KEY`;

/** MinIO's length limits of a secret key. */
export const SECRET_KEY_LENGTH = { min: 8, max: 40 } as const;

/** Creates or updates each given workload user with its secret key and its one policy (idempotent). */
export async function ensureUsers(root: S3Settings, users: Partial<Record<S3User, string>>): Promise<void> {
  const admin = new MinioAdmin(root);
  for (const [user, secretKey] of Object.entries(users) as [S3User, string][]) {
    if (secretKey.length < SECRET_KEY_LENGTH.min || secretKey.length > SECRET_KEY_LENGTH.max) {
      throw new ConfigError(`${userSecretEnv(user)} is ${secretKey.length} characters; allowed: ${SECRET_KEY_LENGTH.min}..${SECRET_KEY_LENGTH.max} (MinIO's limits)`);
    }
    await admin.setPolicy(policyName(user), S3_POLICIES[user]);
    await admin.setUser(user, secretKey);
    await admin.attachPolicy(user, policyName(user));
  }
}
