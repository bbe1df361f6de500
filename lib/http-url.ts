/**
 * The one rule for an http(s) URL the stack config accepts for a service the platform's
 * pods call out to (the GitHub API, a Pushgateway), and the TCP port an egress
 * NetworkPolicy must open to reach it.
 */

/** The URL when `text` is an http:// or https:// URL, else undefined. */
export function parseHttpUrl(text: string): URL | undefined {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return undefined;
  }
  return u.protocol === "https:" || u.protocol === "http:" ? u : undefined;
}

/** The TCP port of a parsed http(s) URL: its explicit port, else 443 for https and 80 for http. */
export function urlPort(u: URL): number {
  // URL drops a port equal to the scheme's default, so "" means 443 (https) or 80 (http).
  if (u.port !== "") return Number(u.port);
  return u.protocol === "https:" ? 443 : 80;
}

/** The TCP port of an http(s) URL (urlPort); `rule` names what is allowed when it is not one. */
export function httpUrlPort(text: string, what: string, rule: string): number {
  const u = parseHttpUrl(text);
  if (!u) throw new Error(`${what} ${JSON.stringify(text)} is not valid; allowed: ${rule}`);
  return urlPort(u);
}
