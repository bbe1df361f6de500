/**
 * The registry host of an image repository prefix, the one rule for it: the first path
 * part when it names a host (has a `.` or a `:`, or is `localhost`), as Docker reads an
 * image name; anything else is Docker Hub.
 *
 *   registryHost("ghcr.io/acme")                   -> "ghcr.io"
 *   registryHost("registry.example.com:5000/team") -> "registry.example.com:5000"
 *   registryHost("acme/images"), registryHost("drift-loop") -> "docker.io"
 */
export function registryHost(prefix: string): string {
  const first = prefix.split("/")[0]!;
  return prefix.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}
