// Where the e2e toolchain lives (built by scripts/e2e/build-toolchain.sh) and how to make
// sure it is there before a test needs it.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const BUILD_SCRIPT = path.join(REPO_ROOT, "scripts", "e2e", "build-toolchain.sh");

/** The toolchain's root: the build script's rule (DRIFT_LOOP_E2E_CACHE, else <DRIFT_LOOP_CACHE>/e2e). */
export function cacheRoot(): string {
  const e2e = process.env.DRIFT_LOOP_E2E_CACHE;
  if (e2e) return e2e;
  return path.join(process.env.DRIFT_LOOP_CACHE ?? path.join(homedir(), ".cache", "drift-loop"), "e2e");
}

export const toolchain = {
  get bin(): string {
    return path.join(cacheRoot(), "bin");
  },
  get kwokStages(): string {
    return path.join(cacheRoot(), "kwok", "stages.yaml");
  },
  tool(name: string): string {
    return path.join(this.bin, name);
  },
};

/** A component of the toolchain, as named by the build script. */
export type Component =
  | "etcd"
  | "kwok"
  | "pulumi"
  | "language-nodejs"
  | "provider-kubernetes"
  | "provider-random"
  | "kubernetes"
  | "runc"
  | "pause"
  | "coredns"
  | "kube-router"
  | "prometheus"
  | "prometheus-operator"
  | "pushgateway";

/** What a cluster with a real node needs from the toolchain. */
export const REAL_CLUSTER_COMPONENTS: Component[] = ["etcd", "kubernetes", "runc", "pause", "coredns", "kube-router"];

/** What the monitoring e2e runs in the cluster (tests/e2e/helpers/monitoring.ts). */
export const MONITORING_COMPONENTS: Component[] = ["prometheus", "prometheus-operator", "pushgateway"];

/** The Prometheus Operator's own source tree as the build script copied it: its CRDs and RBAC examples. */
export function prometheusOperatorSource(): string {
  return path.join(cacheRoot(), "work", "prometheus-operator", "src");
}

/** The build script's marker of a component ("" when not built). */
export function markerText(component: Component): string {
  const marker = path.join(cacheRoot(), "markers", component);
  return existsSync(marker) ? readFileSync(marker, "utf8") : "";
}

/** The version recorded by the build script's marker, or undefined when not built. */
export function builtVersion(component: Component): string | undefined {
  const line = markerText(component)
    .split("\n")
    .find((l) => l.startsWith("version="));
  return line?.slice("version=".length);
}

/**
 * Build the named components (a no-op for those already built at the pinned version).
 * Throws with the script's output when a build fails, so the reason shows in the test.
 */
export function ensureToolchain(components: Component[], opts: { progress?: boolean } = {}): void {
  // With progress, the script's log lines go to stderr as they come (a cold build takes minutes).
  const res = spawnSync("bash", [BUILD_SCRIPT, ...components], {
    encoding: "utf8",
    stdio: ["ignore", opts.progress ? process.stderr : "pipe", opts.progress ? process.stderr : "pipe"],
  });
  if (res.status !== 0) {
    throw new Error(
      `scripts/e2e/build-toolchain.sh ${components.join(" ")} failed (exit ${res.status}):\n` +
        `${res.stdout ?? ""}\n${res.stderr ?? "(output above)"}`.trim(),
    );
  }
  for (const c of components) {
    if (!builtVersion(c)) throw new Error(`toolchain component ${c} has no marker after the build`);
  }
}

/** PATH with the toolchain first, so the Pulumi CLI finds its language host and providers. */
export function toolchainPath(): string {
  return [toolchain.bin, path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter);
}
