/**
 * The program's layout, as the code has it: infra/ composes components/ and reads stacks/;
 * stacks/ picks among what components/ accept; components/ know neither. And one home for
 * pod hardening: components/shared/pod.ts (PodBuilder) is the only file that writes a pod's
 * or a container's security settings.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith(".ts") ? [rel] : [];
  });
}

/** Relative module specifiers of a file (import/export ... from, import(), require()), resolved to repository paths. */
function localImports(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.[^"']*)["']/gm)].map((m) => m[1]!);
  return specs.map((s) => path.relative(ROOT, path.resolve(ROOT, path.dirname(file), s)));
}

const under = (p: string, dir: string) => p === dir || p.startsWith(dir + path.sep);

describe("the program's layout", () => {
  it("finds the imports it checks (the scanner is not blind)", () => {
    const imports = localImports(path.join("infra", "platform.ts"));
    assert.ok(imports.includes(path.join("components", "drifter")), imports.join(", "));
    assert.ok(localImports(path.join("stacks", "profiles.ts")).includes(path.join("components", "shared", "args")));
  });

  it("components/ import nothing from stacks/ or infra/", () => {
    const bad = tsFiles("components").flatMap((f) => localImports(f).filter((i) => under(i, "stacks") || under(i, "infra")).map((i) => `${f} -> ${i}`));
    assert.deepEqual(bad, []);
  });

  it("stacks/ import nothing from infra/", () => {
    const bad = tsFiles("stacks").flatMap((f) => localImports(f).filter((i) => under(i, "infra")).map((i) => `${f} -> ${i}`));
    assert.deepEqual(bad, []);
  });

  it("writes pod and container security settings only in components/shared/pod.ts", () => {
    const pod = path.join("components", "shared", "pod.ts");
    const files = tsFiles("components");
    assert.ok(files.includes(pod));
    const bad = files.filter((f) => f !== pod && /\b(securityContext|enableServiceLinks|runAsNonRoot|allowPrivilegeEscalation)\b/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    assert.deepEqual(bad, []);
  });
});
