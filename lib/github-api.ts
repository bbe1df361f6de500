/**
 * The GitHub REST API URL (GITHUB_API_URL, the stack's githubApiUrl): github.com's, a
 * GitHub Enterprise Server's (`https://ghe.example.com:8443/api/v3`) or a test rig's plain
 * http receiver. The one rule for what the stack config accepts and for the port the drift
 * CronJob's egress NetworkPolicy opens to reach it.
 */

/** What the rule allows, for error messages. */
export const GITHUB_API_URL_RULE = "an http(s) URL such as https://api.github.com or https://ghe.example.com:8443/api/v3";

/** The URL when `text` is an http:// or https:// URL, else undefined. */
export function parseGithubApiUrl(text: string): URL | undefined {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return undefined;
  }
  return u.protocol === "https:" || u.protocol === "http:" ? u : undefined;
}

/** The TCP port the API is reached on: the URL's explicit port, else 443 for https and 80 for http. */
export function githubApiPort(apiUrl: string): number {
  const u = parseGithubApiUrl(apiUrl);
  if (!u) throw new Error(`GitHub API URL ${JSON.stringify(apiUrl)} is not valid; allowed: ${GITHUB_API_URL_RULE}`);
  // URL drops a port equal to the scheme's default, so "" means 443 (https) or 80 (http).
  if (u.port !== "") return Number(u.port);
  return u.protocol === "https:" ? 443 : 80;
}
