/**
 * Workloads share code only through lib/: no file of one workload imports another
 * workload's file, lib/ imports nothing outside lib/, and the Pulumi program (infra,
 * components, stacks) imports no workload. Each workload's Dockerfile copies only the
 * shared lib/ and its own folder (plus the package and tsconfig files), and its ignore
 * file sends nothing else to the builder. Each workload is an npm workspace whose
 * package.json lists exactly the packages its code (with the lib/ files it uses) imports
 * at run time, at the root's pinned versions; its image installs only those.
 */
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");
const WORKLOADS = ["drifter", "model-api", "drift-job"] as const;
const BUILD_FILES = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json"];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** The repository paths a file's relative imports resolve to. */
function importsOf(file: string): string[] {
  const src = readFileSync(join(ROOT, file), "utf8");
  return [...src.matchAll(/(?:from\s+|import\s*\(\s*|import\s+|require\(\s*)["'](\.{1,2}\/[^"']+)["']/g)].map((m) => {
    const base = resolve(ROOT, dirname(file), m[1].replace(/\.js$/, ""));
    const target = [`${base}.ts`, join(base, "index.ts"), base].find((p) => existsSync(p));
    assert.ok(target, `${file} imports ${m[1]}, which does not exist`);
    return relative(ROOT, target);
  });
}

const top = (path: string) => path.split("/")[0];

/** The packages a workload's files, and the lib/ files they reach, import at run time (type-only imports aside). */
function runtimePackages(w: string): string[] {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const stack = tsFiles(w);
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const t of importsOf(f)) stack.push(t);
    const src = readFileSync(join(ROOT, f), "utf8");
    for (const m of src.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?from\s+["']([^."'][^"']*)["']|(?:import\s*\(\s*|require\(\s*)["']([^."'][^"']*)["']/gm)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith("node:")) continue;
      packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
    }
  }
  // tsx is required only when a worker thread runs from the TypeScript sources (development).
  packages.delete("tsx");
  return [...packages].sort();
}

/** Context paths the Dockerfile COPYs (not copies from other stages). */
function copies(dockerfile: string): string[] {
  return dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^COPY\s/.test(l) && !l.includes("--from="))
    .flatMap((l) => l.split(/\s+/).slice(1).filter((p) => !p.startsWith("--")).slice(0, -1))
    .map((p) => p.replace(/\/$/, ""));
}

describe("workload boundaries", () => {
  for (const w of WORKLOADS) {
    it(`${w} imports only its own files and lib/`, () => {
      const files = tsFiles(w);
      assert.ok(files.length > 0);
      for (const f of files) for (const t of importsOf(f)) assert.ok(top(t) === w || top(t) === "lib", `${f} imports ${t}`);
    });

    it(`${w}/Dockerfile copies only lib/, ${w}/ and the package and tsconfig files, and its ignore file sends nothing else`, () => {
      const own = copies(readFileSync(join(ROOT, w, "Dockerfile"), "utf8"));
      assert.ok(own.includes("lib") && own.some((c) => c.startsWith(`${w}/`)), `${w}/Dockerfile copies ${own.join(", ")}`);
      for (const c of own) assert.ok(BUILD_FILES.includes(c) || c === "lib" || c.startsWith(`${w}/`), `${w}/Dockerfile copies ${c}`);
      const allowed = readFileSync(join(ROOT, w, "Dockerfile.dockerignore"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("!"))
        .map((l) => l.slice(1));
      for (const a of allowed) assert.ok(BUILD_FILES.includes(a) || a.startsWith("lib/") || a.startsWith(`${w}/`), `${w}/Dockerfile.dockerignore lets ${a} through`);
    });
  }

  for (const w of WORKLOADS) {
    it(`${w}/package.json lists exactly the packages ${w} imports at run time, pinned as the root pins them, and its image installs only those`, () => {
      const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
      const pkg = JSON.parse(readFileSync(join(ROOT, w, "package.json"), "utf8"));
      assert.ok(root.workspaces.includes(w), `${w} is a workspace of the root package.json`);
      assert.equal(pkg.name, `@drift-loop/${w}`);
      assert.deepEqual(Object.keys(pkg.dependencies).sort(), runtimePackages(w));
      for (const [name, version] of Object.entries(pkg.dependencies)) assert.equal(version, root.dependencies[name], `${w}: ${name} is pinned as the root pins it`);
      assert.equal(pkg.devDependencies, undefined, "build tools stay at the root");
      const dockerfile = readFileSync(join(ROOT, w, "Dockerfile"), "utf8");
      assert.match(dockerfile, new RegExp(`^RUN npm ci --omit=dev .*-w @drift-loop/${w}\\b`, "m"), `${w}/Dockerfile installs its workspace's runtime dependencies only`);
    });
  }

  it("lib/ imports nothing outside lib/", () => {
    for (const f of tsFiles("lib")) for (const t of importsOf(f)) assert.equal(top(t), "lib", `${f} imports ${t}`);
  });

  it("the Pulumi program (infra, components, stacks) imports no workload", () => {
    for (const dir of ["infra", "components", "stacks"]) {
      for (const f of tsFiles(dir)) for (const t of importsOf(f)) assert.ok(!(WORKLOADS as readonly string[]).includes(top(t)), `${f} imports ${t}`);
    }
  });
});
