/**
 * The drift-job image, checked by reading it (no Docker engine here): pinned base, non-root,
 * the entry points the CronJob and users run, and every source file those entry points
 * import actually copied into the build stage and let through the ignore file.
 */
import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");
const DOCKERFILE = readFileSync(join(ROOT, "drift-job/Dockerfile"), "utf8");
const IGNORE = readFileSync(join(ROOT, "drift-job/Dockerfile.dockerignore"), "utf8");

/** Relative imports reachable from the entry files, as repository paths. */
function reachable(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = entries.map((e) => join(ROOT, e));
  while (stack.length) {
    const file = stack.pop()!;
    const rel = relative(ROOT, file);
    if (seen.has(rel)) continue;
    seen.add(rel);
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
      const base = resolve(dirname(file), m[1].replace(/\.js$/, ""));
      const target = [`${base}.ts`, join(base, "index.ts")].find((p) => existsSync(p));
      assert.ok(target, `${rel} imports ${m[1]}, which does not exist`);
      stack.push(target);
    }
  }
  return seen;
}

describe("drift-job image (Dockerfile, by inspection)", () => {
  it("builds on a pinned node 20 bookworm-slim patch release in every stage, never latest", () => {
    const froms = [...DOCKERFILE.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    assert.ok(froms.length >= 2, "multi-stage");
    for (const f of froms) assert.match(f, /^node:20\.\d+\.\d+-bookworm-slim$/);
    assert.doesNotMatch(DOCKERFILE, /:latest\b/);
  });

  it("compiles with tsc in the build stage, installs production dependencies only for the runtime, runs as user 1000", () => {
    assert.match(DOCKERFILE, /RUN npm ci\b/);
    assert.match(DOCKERFILE, /npx tsc -p tsconfig\.build\.json/);
    assert.match(DOCKERFILE, /npm ci --omit=dev .*-w @drift-loop\/drift-job\b/, "the runtime installs the drift-job workspace only");
    const lastStage = DOCKERFILE.slice(DOCKERFILE.lastIndexOf("\nFROM "));
    assert.match(lastStage, /^USER 1000(:1000)?$/m);
    assert.match(lastStage, /^CMD \["node", ?"dist\/drift-job\/src\/main\.js"\]$/m);
  });

  it("copies every file the job, the CLI and the reader thread import, and the ignore file lets them through", () => {
    const files = reachable(["drift-job/src/main.ts", "drift-job/src/cli.ts", "drift-job/src/io/read-worker.ts", "drift-job/src/io/compute-worker.ts"]);
    const copied = [...DOCKERFILE.matchAll(/^COPY (?!--from)(?:--\S+\s+)*(\S+)\s+\S+$/gm)].map((m) => m[1].replace(/\/$/, ""));
    const allowed = IGNORE.split("\n")
      .filter((l) => l.startsWith("!"))
      .map((l) => l.slice(1).replace(/\/\*\*$/, ""));
    for (const f of files) {
      assert.ok(copied.some((c) => f === c || f.startsWith(`${c}/`)), `${f} is not copied into the build stage`);
      assert.ok(allowed.some((a) => f === a || f.startsWith(`${a}/`)), `${f} is excluded by Dockerfile.dockerignore`);
    }
    assert.ok(files.has("lib/request-log.ts"), "the request-log reader (shared with the model API through lib/) is part of the job");
    for (const c of copied) assert.ok(existsSync(join(ROOT, c)), `COPY source ${c} exists`);
  });
});
