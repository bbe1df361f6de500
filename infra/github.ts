/**
 * The GitHub pipeline of the stack, from its config: nothing when `githubRepository` is
 * empty or `githubPipeline` is false (the drift dispatch alone, components/drift-monitor),
 * else the GithubPipeline component with a GitHub provider for the repository's owner.
 */
import * as pulumi from "@pulumi/pulumi";
import { type GithubPipeline, githubPipeline } from "../components/github/pipeline";
import { registryHost } from "../lib/registry";
import type { PlatformConfig } from "./config";

/**
 * The stack name the workflows select: `org/project/stack` for Pulumi Cloud, the plain
 * stack name for a self-managed backend (where the program's project is implied).
 */
export function pipelineStackName(cfg: PlatformConfig): string {
  return cfg.github.backendUrl === "" ? `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` : pulumi.getStack();
}

export function createGithubPipeline(cfg: PlatformConfig): GithubPipeline | undefined {
  const g = cfg.github;
  if (g.repository === "" || !g.pipeline) return undefined;
  const pushesToRegistry = cfg.images.push && g.registryToken !== undefined;
  const registryUsername = cfg.images.registryUsername === "" ? undefined : cfg.images.registryUsername;
  return githubPipeline("github", {
    repository: g.repository,
    branch: g.branch,
    apiUrl: g.apiUrl,
    token: g.token,
    stack: pipelineStackName(cfg),
    backendUrl: g.backendUrl === "" ? undefined : g.backendUrl,
    kubeconfig: g.kubeconfig,
    pulumiConfigPassphrase: g.pulumiConfigPassphrase,
    pulumiAccessToken: g.pulumiAccessToken,
    stateBackendAccessKeyId: g.stateAccessKeyId,
    stateBackendSecretAccessKey: g.stateSecretAccessKey,
    registryServer: pushesToRegistry ? registryHost(cfg.images.registry) : undefined,
    registryUsername: pushesToRegistry ? registryUsername : undefined,
    registryToken: pushesToRegistry ? g.registryToken : undefined,
  });
}

/** The `githubPipeline` stack output: what the pipeline wrote, or why it is off. */
export function githubPipelineSummary(cfg: PlatformConfig, pipeline: GithubPipeline | undefined): string {
  const g = cfg.github;
  if (pipeline) {
    return `${g.repository} (branch ${g.branch}): workflows ${Object.keys(pipeline.files).join(", ")}; secrets ${Object.keys(pipeline.secrets).join(", ")}; variables ${Object.keys(pipeline.variables).join(", ")}`;
  }
  if (g.repository === "") return "off (drift-loop:githubRepository is empty)";
  return `off (drift-loop:githubPipeline=false: ${g.repository}'s secrets and workflows are managed elsewhere; the drift dispatch is on)`;
}
