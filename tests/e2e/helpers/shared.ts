// One e2e cluster per mocha process, started on first use and stopped by the root hook
// (registered in tests/e2e/.mocharc.json) when the run ends.
import { startCluster, type Cluster } from "./cluster";
import { ensureToolchain, type Component } from "./toolchain";

let shared: Promise<Cluster> | undefined;

export const CLUSTER_COMPONENTS: Component[] = ["etcd", "kubernetes", "kwok"];

/** The shared cluster; builds the control-plane toolchain first if needed (slow when cold). */
export function getCluster(): Promise<Cluster> {
  if (!shared) {
    shared = (async () => {
      ensureToolchain(CLUSTER_COMPONENTS);
      return startCluster({ keepData: process.env.E2E_KEEP_DATA === "1" });
    })();
    // A failed start is reported by every caller; do not cache it as an unhandled rejection.
    shared.catch(() => undefined);
  }
  return shared;
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    if (!shared) return;
    const cluster = await shared.catch(() => undefined);
    shared = undefined;
    await cluster?.stop();
  },
};
