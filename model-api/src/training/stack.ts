/**
 * The boundary to the Pulumi Automation API: the few stack operations retraining needs,
 * as an interface, so the retrain command can be tested without a Pulumi engine.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";

export type OpCounts = Partial<Record<string, number>>;

export interface StackHandle {
  readonly name: string;
  /** The config value, or undefined when the key is not set. */
  getConfig(key: string): Promise<string | undefined>;
  setConfig(key: string, value: { value: string; secret?: boolean }): Promise<void>;
  removeConfig(key: string): Promise<void>;
  preview(opts: { onOutput: (out: string) => void }): Promise<{ changeSummary: OpCounts }>;
  up(opts: { onOutput: (out: string) => void }): Promise<{ summary: { result: string; resourceChanges?: OpCounts }; outputs: Record<string, { value: unknown; secret: boolean }> }>;
}

/** Selects an existing stack of the project in `workDir`. */
export type StackSelector = (args: { stackName: string; workDir: string }) => Promise<StackHandle>;

/** The real selector: `LocalWorkspace.selectStack` (needs the `pulumi` CLI on PATH). */
export const pulumiStackSelector: StackSelector = async ({ stackName, workDir }) => {
  const stack = await LocalWorkspace.selectStack({ stackName, workDir });
  return {
    name: stack.name,
    getConfig: async (key) => {
      const all = await stack.getAllConfig();
      return all[key]?.value;
    },
    setConfig: (key, value) => stack.setConfig(key, value),
    removeConfig: (key) => stack.removeConfig(key),
    preview: async ({ onOutput }) => {
      const r = await stack.preview({ onOutput, diff: false });
      return { changeSummary: r.changeSummary as OpCounts };
    },
    up: async ({ onOutput }) => {
      const r = await stack.up({ onOutput });
      return { summary: { result: r.summary.result, resourceChanges: r.summary.resourceChanges as OpCounts | undefined }, outputs: r.outputs };
    },
  };
};

/** "update 1, same 42" from an operation map, most interesting first. */
export function formatChanges(ops: OpCounts | undefined): string {
  if (!ops) return "no change summary";
  const order = ["create", "update", "replace", "delete", "same"];
  const entries = Object.entries(ops).filter(([, n]) => (n ?? 0) > 0);
  entries.sort(([a], [b]) => (order.indexOf(a) === -1 ? 99 : order.indexOf(a)) - (order.indexOf(b) === -1 ? 99 : order.indexOf(b)));
  return entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(", ") : "no changes";
}

/** The repository root: the nearest directory above `from` with a Pulumi.yaml (else the nearest with package.json). */
export function findRepoRoot(from: string = __dirname): string {
  let pkg: string | undefined;
  for (let d = resolve(from); ; d = dirname(d)) {
    if (existsSync(join(d, "Pulumi.yaml"))) return d;
    if (!pkg && existsSync(join(d, "package.json"))) pkg = d;
    if (dirname(d) === d) return pkg ?? process.cwd();
  }
}
