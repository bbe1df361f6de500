/**
 * The GitHub pipeline of the stack, from its config: nothing when `githubRepository` is
 * empty, else the GithubPipeline component with a GitHub provider for the repository's owner.
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
  if (g.repository === "") return undefined;
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
