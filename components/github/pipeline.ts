/**
 * The GitHub side of drift-loop, declared like the rest of the platform: the Actions
 * secrets and variables the workflows read, and the workflow files themselves, written
 * to a branch of the repository with `RepositoryFile`. Created by the program only when
 * a GitHub repository is configured.
 *
 * The provider (owner + token) comes from the parent or `opts.providers`; the token needs
 * the `repo` and `workflow` scopes (fine-grained: Contents, Secrets, Variables and
 * Workflows read/write), since writing under .github/workflows/ needs the latter. The
 * deploy and retrain workflows run `pulumi up` of this program too, so that token must
 * come from the stack config (`githubToken`, a secret), not from the job's own token,
 * which may write neither secrets nor workflow files.
 */
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { GITHUB_REPOSITORY_RULE, parseGithubRepository } from "../../lib/github-repository";
import { DEFAULT_BRANCH, SECRETS, VARIABLES, WORKFLOWS_DIR, renderWorkflows } from "./workflows";

export interface GithubPipelineArgs {
  /** The repository, `owner/name` or just `name` (the provider's owner). */
  repository: pulumi.Input<string>;
  /** Branch deployments come from: the workflow files are committed to it (it must exist) and trigger on it. Default `main`. */
  branch?: string;
  /** The stack the workflows preview, update and retrain (`org/project/stack` for Pulumi Cloud). */
  stack: pulumi.Input<string>;
  /** State backend URL (`s3://...`, `file://...`); unset = Pulumi Cloud. */
  backendUrl?: pulumi.Input<string>;
  /** Plain kubeconfig YAML for the cluster; stored base64-encoded. Unset = the stack's own kubeconfig setting. */
  kubeconfig?: pulumi.Input<string>;
  /** Passphrase of the stack's passphrase secrets provider. */
  pulumiConfigPassphrase?: pulumi.Input<string>;
  /** Pulumi Cloud access token (needed when `backendUrl` is unset). */
  pulumiAccessToken?: pulumi.Input<string>;
  /** Access key id of an s3:// state backend. */
  stateBackendAccessKeyId?: pulumi.Input<string>;
  /** Secret access key of an s3:// state backend. */
  stateBackendSecretAccessKey?: pulumi.Input<string>;
  /** Container registry host the images are pushed to (cloud stacks); unset = no registry login. */
  registryServer?: pulumi.Input<string>;
  /** User name for the registry. */
  registryUsername?: pulumi.Input<string>;
  /** Token (password) for the registry. */
  registryToken?: pulumi.Input<string>;
  /** Commit message of workflow file changes. */
  commitMessage?: pulumi.Input<string>;
}

/** `owner/name` or `name` -> `name`, with the GitHub naming rules checked. */
export function repositoryName(repository: string): string {
  const r = parseGithubRepository(repository.trim());
  if (!r) {
    throw new Error(`githubRepository ${JSON.stringify(repository)} is not a GitHub repository; expected "owner/name" or "name" (${GITHUB_REPOSITORY_RULE})`);
  }
  return r.name;
}

/** The owner part of `owner/name`, or undefined for a bare `name`. */
export function repositoryOwner(repository: string): string | undefined {
  repositoryName(repository);
  const slash = repository.trim().indexOf("/");
  return slash > 0 ? repository.trim().slice(0, slash) : undefined;
}

export class GithubPipeline extends pulumi.ComponentResource {
  /** The repository name the secrets and files belong to. */
  public readonly repository: pulumi.Output<string>;
  /** The Actions secrets declared, by secret name. */
  public readonly secrets: Record<string, github.ActionsSecret> = {};
  /** The Actions variables declared, by variable name. */
  public readonly variables: Record<string, github.ActionsVariable> = {};
  /** The workflow files written, by path in the repository. */
  public readonly files: Record<string, github.RepositoryFile> = {};

  constructor(name: string, args: GithubPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("drift-loop:github:GithubPipeline", name, {}, opts);

    if (args.repository === undefined || args.repository === "") {
      throw new pulumi.ResourceError("GithubPipeline needs a repository (config githubRepository: \"owner/name\")", this);
    }
    if (args.stack === undefined || args.stack === "") {
      throw new pulumi.ResourceError("GithubPipeline needs the stack name the workflows operate on", this);
    }
    if (args.backendUrl === undefined && args.pulumiAccessToken === undefined) {
      throw new pulumi.ResourceError(
        "GithubPipeline: the workflows cannot reach the stack's state; set a state backend URL (s3://..., file://...) or a Pulumi access token",
        this,
      );
    }
    if (args.registryServer !== undefined && (args.registryUsername === undefined || args.registryToken === undefined)) {
      throw new pulumi.ResourceError("GithubPipeline: a registry server needs a registry username and token for the login", this);
    }
    const pairs = [args.stateBackendAccessKeyId, args.stateBackendSecretAccessKey].filter((v) => v !== undefined).length;
    if (pairs === 1) {
      throw new pulumi.ResourceError("GithubPipeline: the state backend access key id and secret access key go together; set both or neither", this);
    }

    const repository = pulumi.output(args.repository).apply((r) => {
      try {
        return repositoryName(r);
      } catch (e) {
        throw new pulumi.ResourceError((e as Error).message, this);
      }
    });
    this.repository = repository;

    // Secrets: always passed as secret inputs, so neither the state nor a preview shows them.
    const secretValues: [string, pulumi.Input<string> | undefined][] = [
      [SECRETS.kubeconfig, args.kubeconfig === undefined ? undefined : pulumi.output(args.kubeconfig).apply((k) => Buffer.from(k, "utf8").toString("base64"))],
      [SECRETS.pulumiConfigPassphrase, args.pulumiConfigPassphrase],
      [SECRETS.pulumiAccessToken, args.pulumiAccessToken],
      [SECRETS.stateAccessKeyId, args.stateBackendAccessKeyId],
      [SECRETS.stateSecretAccessKey, args.stateBackendSecretAccessKey],
      [SECRETS.registryToken, args.registryToken],
    ];
    for (const [secretName, value] of secretValues) {
      if (value === undefined) continue;
      this.secrets[secretName] = new github.ActionsSecret(
        `${name}-${resourceSuffix(secretName)}`,
        { repository, secretName, value: pulumi.secret(value) },
        { parent: this },
      );
    }

    const variableValues: [string, pulumi.Input<string> | undefined][] = [
      [VARIABLES.stack, args.stack],
      [VARIABLES.backendUrl, args.backendUrl],
      [VARIABLES.registryServer, args.registryServer],
      [VARIABLES.registryUsername, args.registryUsername],
    ];
    for (const [variableName, value] of variableValues) {
      if (value === undefined) continue;
      this.variables[variableName] = new github.ActionsVariable(
        `${name}-${resourceSuffix(variableName)}`,
        { repository, variableName, value },
        { parent: this },
      );
    }

    // Secrets and variables first: a workflow started by the new file must find them.
    const settings = [...Object.values(this.secrets), ...Object.values(this.variables)];
    let files: Record<string, string>;
    try {
      files = renderWorkflows({ branch: args.branch });
    } catch (e) {
      throw new pulumi.ResourceError(`GithubPipeline: ${(e as Error).message}`, this);
    }
    for (const [file, content] of Object.entries(files)) {
      const path = `${WORKFLOWS_DIR}/${file}`;
      this.files[path] = new github.RepositoryFile(
        `${name}-${file.replace(/\.ya?ml$/, "")}`,
        {
          repository,
          branch: args.branch ?? DEFAULT_BRANCH,
          file: path,
          content,
          commitMessage: args.commitMessage ?? `drift-loop: update ${path} (generated by the Pulumi program)`,
          overwriteOnCreate: true,
        },
        { parent: this, dependsOn: settings },
      );
    }

    this.registerOutputs({
      repository: this.repository,
      secretNames: Object.keys(this.secrets),
      variableNames: Object.keys(this.variables),
      workflowFiles: Object.keys(this.files),
    });
  }

}

/** `PULUMI_CONFIG_PASSPHRASE` -> `pulumi-config-passphrase` (stable logical names). */
function resourceSuffix(envName: string): string {
  return envName.toLowerCase().replace(/_/g, "-");
}

/** GitHub settings as the program reads them from config; `repository` unset = no pipeline. */
export interface GithubSettings extends Omit<GithubPipelineArgs, "repository"> {
  /** `owner/name`; unset or empty = GitHub is not configured. */
  repository?: string;
  /** Token for the GitHub provider; unset = the provider reads GITHUB_TOKEN from the environment. */
  token?: pulumi.Input<string>;
  /** REST API URL (GITHUB_API_URL); unset = github.com. GitHub Enterprise: https://<host>/api/v3. */
  apiUrl?: string;
}

/**
 * The provider's `baseUrl` for a REST API URL: none for github.com, the host for GitHub
 * Enterprise (`https://ghe.example.com/api/v3` -> `https://ghe.example.com/`), else the URL.
 */
export function providerBaseUrl(apiUrl: string | undefined): string | undefined {
  if (apiUrl === undefined || apiUrl === "") return undefined;
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new pulumi.RunError(`GitHub API URL ${JSON.stringify(apiUrl)} is not a URL; allowed: https://api.github.com or https://<host>/api/v3`);
  }
  if (url.hostname === "api.github.com") return undefined;
  const path = url.pathname.replace(/\/+$/, "").replace(/\/api\/v3$/, "");
  return `${url.origin}${path}/`;
}

/**
 * The pipeline and its GitHub provider (owner from `owner/name`), or undefined when no
 * repository is configured: then nothing GitHub-related is created at all.
 */
export function githubPipeline(name: string, settings: GithubSettings, opts?: pulumi.ComponentResourceOptions): GithubPipeline | undefined {
  const { repository, token, apiUrl, ...args } = settings;
  if (repository === undefined || repository.trim() === "") return undefined;
  let owner: string | undefined;
  try {
    owner = repositoryOwner(repository);
  } catch (e) {
    throw new pulumi.RunError((e as Error).message);
  }
  if (owner === undefined) {
    throw new pulumi.RunError(`githubRepository ${JSON.stringify(repository)} needs the owner: "owner/name"`);
  }
  const provider = new github.Provider(
    `${name}-github`,
    { owner, baseUrl: providerBaseUrl(apiUrl), token: token === undefined ? undefined : pulumi.secret(token) },
    { parent: opts?.parent },
  );
  const providers = Array.isArray(opts?.providers) ? [...opts.providers, provider] : { ...opts?.providers, github: provider };
  return new GithubPipeline(name, { ...args, repository }, { ...opts, providers });
}

