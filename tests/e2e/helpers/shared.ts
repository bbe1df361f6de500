// The e2e clusters, one of each kind per mocha process, started on first use and stopped by
// the root hook (registered in tests/e2e/.mocharc.json) when the run ends: the kwok cluster
// (fake nodes: fast tests of what the API server and controllers do) and the real-node
// cluster (containers run: the platform's pods, its network and its policies).
import { startCluster, type Cluster } from "../../../scripts/cluster/cluster";
import { REAL_CLUSTER_COMPONENTS, ensureToolchain, type Component } from "../../../scripts/cluster/toolchain";

export const CLUSTER_COMPONENTS: Component[] = ["etcd", "kubernetes", "kwok"];

const shared: { kwok?: Promise<Cluster>; real?: Promise<Cluster> } = {};

function start(kind: "kwok" | "real"): Promise<Cluster> {
  let p = shared[kind];
  if (!p) {
    p = (async () => {
      ensureToolchain(kind === "real" ? REAL_CLUSTER_COMPONENTS : CLUSTER_COMPONENTS);
      return startCluster({ node: kind, keepData: process.env.E2E_KEEP_DATA === "1" });
    })();
    // A failed start is reported by every caller; do not cache it as an unhandled rejection.
    p.catch(() => undefined);
    shared[kind] = p;
  }
  return p;
}

/** The shared kwok cluster; builds the control-plane toolchain first if needed (slow when cold). */
export const getCluster = (): Promise<Cluster> => start("kwok");

/** The shared cluster with one real node (root only); builds what it needs first. */
export const getRealCluster = (): Promise<Cluster> => start("real");

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    for (const kind of ["real", "kwok"] as const) {
      const p = shared[kind];
      shared[kind] = undefined;
      const cluster = await p?.catch(() => undefined);
      await cluster?.stop();
    }
  },
};
