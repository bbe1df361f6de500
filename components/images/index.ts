import * as docker from "@pulumi/docker";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { contextHash, dockerfileInputs } from "./context-hash";
import { readServerVersions, type ServerVersions } from "./versions";
import { MODEL_BUILD_DIR } from "../../lib/contract";
import { registryHost } from "../../lib/registry";

/** Our three workload images: the folder holding the Dockerfile and the code it builds. */
export const WORKLOAD_IMAGES = {
  drifter: "drifter",
  driftJob: "drift-job",
  modelApi: "model-api",
} as const;
export type WorkloadImage = keyof typeof WORKLOAD_IMAGES;

/**
 * The baked model of model-api/Dockerfile: a retrain writes it and builds the model image
 * (modelImageTag). The platform model-api image (traffic CronJob) leaves it out of its hash
 * so a retrain does not re-tag it.
 */
export const MODEL_BUILD_CONTEXT = MODEL_BUILD_DIR;

/** Arguments of the Images component. */
export interface ImagesArgs {
  /** Build our images with @pulumi/docker (true), or reference existing tags (false). */
  build: boolean;
  /** Push the built images to the registry (cloud) or leave them in the local daemon (Minikube). */
  push: boolean;
  /** Repository prefix: "drift-loop" or "<registry host>/<owner>". */
  registry: string;
  /** Tag of the platform images; a content hash is appended when building. */
  tag: string;
  /** Tag of the model API image the ModelApi serves; "" = the platform model-api image. */
  modelTag: string;
  /** Pinned Postgres image. */
  postgresImage: string;
  /** MinIO image override ("" = ours: built, or `<registry>/minio:<release>`). */
  minioImage: string;
  /** Whether the stack runs MinIO at all (false with an external S3 store: nothing is built or referenced). Defaults to true. */
  withMinio?: boolean;
  /** MLflow image override ("" = ours: built, or `<registry>/mlflow:<version>`). */
  mlflowImage: string;
  /** Registry login for pushes (used only when `push` is true). Defaults to none: the Docker daemon's own login. */
  registryAuth?: { username: string; password: pulumi.Input<string> };
  /** Repository root (holds the workload folders and scripts/versions.env). */
  repoRoot: string;
}

/**
 * The images of every part. Building: `docker.Image` builds of drifter, drift-job, model-api,
 * MLflow and MinIO, tagged `<tag>-<content hash>` (unique per content) and pushed only for
 * cloud. Not building: references to already published tags. Either way every reference
 * carries a pinned tag.
 */
export class Images extends pulumi.ComponentResource {
  public readonly drifter: pulumi.Output<string>;
  public readonly driftJob: pulumi.Output<string>;
  /** The platform model-api image: runs the traffic CronJob, and serves when modelTag is "". */
  public readonly modelApiPlatform: pulumi.Output<string>;
  /** The image the ModelApi Deployment serves. */
  public readonly model: pulumi.Output<string>;
  /** `<registry>/model-api`: where a retrain puts a new model tag. */
  public readonly modelRepository: string;
  public readonly mlflow: pulumi.Output<string>;
  /** Unset when the stack uses an external S3 store. */
  public readonly minio?: pulumi.Output<string>;
  public readonly postgres: pulumi.Output<string>;
  public readonly versions: ServerVersions;

  constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:images:Images", name, {}, opts);
    this.versions = readServerVersions(args.repoRoot);
    const repo = (image: string) => `${args.registry}/${image}`;
    const registry =
      args.push && args.registryAuth
        ? { server: registryHost(args.registry), username: args.registryAuth.username, password: args.registryAuth.password }
        : undefined;
    const build = (id: string, imageName: string, context: string, dockerfile: string, buildArgs?: Record<string, string>): pulumi.Output<string> => {
      const image = new docker.Image(
        `${name}-${id}`,
        {
          imageName,
          build: { context, dockerfile, args: buildArgs },
          skipPush: !args.push,
          registry,
        },
        { parent: this },
      );
      return image.imageName;
    };

    const dockerfileOf = (dir: string): string => {
      const dockerfile = `${dir}/Dockerfile`;
      if (!fs.existsSync(path.join(args.repoRoot, dockerfile))) {
        throw new pulumi.ResourceError(
          `${dockerfile} not found under ${args.repoRoot}: cannot build the ${dir} image; set drift-loop:buildImages=false to deploy published tags instead`,
          this,
        );
      }
      return dockerfile;
    };
    /** The hash of an image built from the project root: its Dockerfile, every path it COPYs, and its build args. */
    const hashOf = (dockerfile: string, exclude: string[] = [], buildArgs: Record<string, string> = {}): string => {
      const inputs = dockerfileInputs(fs.readFileSync(path.join(args.repoRoot, dockerfile), "utf8"));
      const extra = Object.keys(buildArgs).length ? JSON.stringify(buildArgs) : "";
      return contextHash(args.repoRoot, [dockerfile, `${dockerfile}.dockerignore`, ".dockerignore", ...inputs], extra, exclude).slice(0, 12);
    };
    const workload = (key: WorkloadImage): pulumi.Output<string> => {
      const dir = WORKLOAD_IMAGES[key];
      if (!args.build) return pulumi.output(`${repo(dir)}:${args.tag}`);
      const dockerfile = dockerfileOf(dir);
      const hash = hashOf(dockerfile, key === "modelApi" ? [MODEL_BUILD_CONTEXT] : []);
      // Relative paths: Pulumi runs the program from the project root, and state stays portable.
      return build(dir, `${repo(dir)}:${args.tag}-${hash}`, ".", dockerfile);
    };
    this.drifter = workload("drifter");
    this.driftJob = workload("driftJob");
    this.modelApiPlatform = workload("modelApi");
    this.modelRepository = repo(WORKLOAD_IMAGES.modelApi);
    if (!args.modelTag) {
      this.model = this.modelApiPlatform;
    } else if (!args.build) {
      this.model = pulumi.output(`${this.modelRepository}:${args.modelTag}`);
    } else {
      // A retrain with building on: the model image is built from the context holding the
      // new model file (model-api/model/model.json), tagged with the retrain's tag. Only this
      // build and the ModelApi Deployment change; MODEL_IMAGE_TAG lets the Dockerfile check
      // that the baked model is that version.
      this.model = build("model", `${this.modelRepository}:${args.modelTag}`, ".", dockerfileOf(WORKLOAD_IMAGES.modelApi), { MODEL_IMAGE_TAG: args.modelTag });
    }

    const v = this.versions;
    // Relative to the project root (the program's working directory), where this folder lives.
    const imagesDir = path.relative(path.resolve(__dirname, "..", ".."), __dirname).split(path.sep).join("/");
    const serverImage = (id: "mlflow" | "minio", override: string, version: string, buildArgs: Record<string, string>): pulumi.Output<string> => {
      if (override) return pulumi.output(override);
      if (!args.build) return pulumi.output(`${repo(id)}:${version}`);
      // Built from the project root like the workloads (the Dockerfile's .dockerignore keeps the
      // context to what it COPYs, e.g. MLflow's pip constraints from scripts/).
      const dockerfile = `${imagesDir}/${id}.Dockerfile`;
      return build(id, `${repo(id)}:${version}-${hashOf(dockerfile, [], buildArgs)}`, ".", dockerfile, buildArgs);
    };
    this.mlflow = serverImage("mlflow", args.mlflowImage, v.mlflow, {
      MLFLOW_VERSION: v.mlflow,
      PSYCOPG2_VERSION: v.psycopg2,
      BOTO3_VERSION: v.boto3,
    });
    if (args.withMinio !== false) {
      this.minio = serverImage("minio", args.minioImage, v.minioRelease, {
        MINIO_MODULE: v.minioModule,
        MINIO_MODULE_VERSION: v.minioModuleVersion,
        MINIO_COMMIT_TIME: v.minioCommitTime,
        MINIO_ZIP_H1: v.minioZipH1,
        MINIO_RELEASE: v.minioRelease,
      });
    }
    this.postgres = pulumi.output(args.postgresImage);

    this.registerOutputs({
      drifter: this.drifter,
      driftJob: this.driftJob,
      modelApiPlatform: this.modelApiPlatform,
      model: this.model,
      mlflow: this.mlflow,
      minio: this.minio,
    });
  }
}
