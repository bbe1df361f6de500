/**
 * The Pulumi program: read the stack config once, build the platform, export its outputs.
 * Everything else lives in components/ (one part each) and stacks/ (profiles).
 */
import { readConfig } from "./config";
import { createGithubPipeline, githubPipelineSummary } from "./github";
import { createPlatform } from "./platform";

const cfg = readConfig();
const platform = createPlatform(cfg);
const o = platform.outputs;
// Only when githubRepository is set and githubPipeline is true: Actions secrets/variables and the workflow files.
const pipeline = createGithubPipeline(cfg);

export const namespace = o.namespace;
export const mlflowUrl = o.mlflow.url;
export const mlflow = o.mlflow.external;
export const minioEndpoint = o.minio.endpoint;
export const minioConsole = o.minio.console;
// Where the data lives (the in-cluster MinIO and Postgres, or the team's own: docs/cloud.md).
export const objectStore = o.objectStore;
export const database = o.database;
// External S3 only: what each workload's identity (or the one key pair) must be allowed.
export const s3Policies = o.s3Policies;
export const drifterUrl = o.drifter.url;
export const drifter = o.drifter.external;
export const modelApiUrl = o.modelApi.url;
export const modelApi = o.modelApi.external;
// The image serving predictions (changes with a retrain's modelImageTag) and its tag.
export const modelImage = o.modelImage;
export const modelImageTag = o.modelImageTag;
// The platform images; `images.modelApiPlatform` is the model-api image of the platform tag (traffic CronJob), not the served model.
export const images = o.images;
export const githubDispatch = o.githubDispatch;
// Credentials: secret outputs only (`pulumi stack output --show-secrets NAME`). README, "Threat model".
export const postgresPassword = o.credentials.postgresPassword;
export const minioRootUser = o.credentials.minioRootUser;
export const minioRootPassword = o.credentials.minioRootPassword;
export const mlflowAdminUsername = o.credentials.mlflowAdminUsername;
export const mlflowAdminPassword = o.credentials.mlflowAdminPassword;
export const modelApiToken = o.credentials.modelApiToken;
export const smokeModelApiToken = o.credentials.smokeModelApiToken;
export const drifterToken = o.credentials.drifterToken;
export const trainerS3AccessKey = o.credentials.trainerS3AccessKey;
export const trainerS3SecretKey = o.credentials.trainerS3SecretKey;
export const trainerMlflowUsername = o.credentials.trainerMlflowUsername;
export const trainerMlflowPassword = o.credentials.trainerMlflowPassword;
export const trainerDrifterToken = o.credentials.trainerDrifterToken;
export const backupS3SecretKey = o.credentials.backupS3SecretKey;
export const githubPipeline = githubPipelineSummary(cfg, pipeline);
