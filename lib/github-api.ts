/**
 * The GitHub REST API URL (GITHUB_API_URL, the stack's githubApiUrl): github.com's, a
 * GitHub Enterprise Server's (`https://ghe.example.com:8443/api/v3`) or a test rig's plain
 * http receiver. The one rule for what the stack config accepts and for the port the drift
 * CronJob's egress NetworkPolicy opens to reach it (lib/http-url.ts).
 */
import { httpUrlPort, parseHttpUrl } from "./http-url";

/** What the rule allows, for error messages. */
export const GITHUB_API_URL_RULE = "an http(s) URL such as https://api.github.com or https://ghe.example.com:8443/api/v3";

/** The URL when `text` is an http:// or https:// URL, else undefined. */
export const parseGithubApiUrl = parseHttpUrl;

/** The TCP port the API is reached on: the URL's explicit port, else 443 for https and 80 for http. */
export function githubApiPort(apiUrl: string): number {
  return httpUrlPort(apiUrl, "GitHub API URL", GITHUB_API_URL_RULE);
}
