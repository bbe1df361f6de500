/**
 * The README and docs/ link only to files inside the repository (a clone has nothing
 * beside it), and every relative link and #anchor resolves.
 */
import { strict as assert } from "node:assert";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REPO_ROOT } from "../../scripts/docs-config";

const PAGES = ["README.md", "drift-job/README.md", "drift-job/src/stats/README.md", ...readdirSync(join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to '-'. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!.replace(/`/g, ""))));
}

describe("links of the README and docs/", () => {
  it("has the four docs pages", () => {
    for (const p of ["architecture", "drift-methods", "configuration", "operations"]) assert.ok(PAGES.includes(`docs/${p}.md`), p);
  });

  for (const page of PAGES) {
    it(`${page}: every relative link resolves to a file inside the repository, with its anchor`, () => {
      const file = join(REPO_ROOT, page);
      const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
      const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
      assert.ok(links.length > 0 || page !== "README.md", "the README links to the docs");
      for (const link of links) {
        const [target, anchor] = link.split("#") as [string, string | undefined];
        const path = target === "" ? file : resolve(dirname(file), target);
        assert.ok(!relative(REPO_ROOT, path).startsWith(".."), `${link} leaves the repository`);
        assert.ok(existsSync(path), `${link}: ${relative(REPO_ROOT, path)} does not exist`);
        if (anchor) assert.ok(anchors(path).has(anchor), `${link}: no heading with the anchor #${anchor} in ${relative(REPO_ROOT, path)}`);
      }
    });
  }
});
