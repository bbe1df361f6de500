/**
 * The test scripts: `npm test` runs every folder but e2e; `npm run test:unit` runs every
 * folder that is neither integration (real services), browser (a real Chromium) nor e2e
 * (a cluster), and only those. Mocha adds a spec on the command line to the config's, so
 * each script names its own config instead.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");
const read = (f: string) => JSON.parse(readFileSync(join(ROOT, f), "utf8"));

describe("test scripts", () => {
  const folders = readdirSync(join(ROOT, "tests"), { withFileTypes: true })
    .filter((e) => e.isDirectory() && readdirSync(join(ROOT, "tests", e.name)).some((f) => f.endsWith(".test.ts")))
    .map((e) => e.name)
    .sort();

  it("test:unit runs exactly the folders that need no services, browser or cluster", () => {
    assert.equal(read("package.json").scripts["test:unit"], "mocha --config tests/.mocharc.unit.json");
    const spec: string[] = read("tests/.mocharc.unit.json").spec;
    const expected = folders.filter((f) => !["integration", "browser", "e2e"].includes(f));
    assert.deepEqual(spec.map((s) => s.replace(/^tests\/([^/]+)\/\*\*\/\*\.test\.ts$/, "$1")).sort(), expected);
  });

  it("npm test runs every test folder but e2e, which has its own config", () => {
    const rc = read(".mocharc.json");
    assert.deepEqual(rc.spec, ["tests/**/*.test.ts"]);
    assert.deepEqual(rc.ignore, ["tests/e2e/**"]);
    assert.ok(folders.includes("e2e") && read("tests/e2e/.mocharc.json").spec.every((s: string) => s.startsWith("tests/e2e/")));
  });
});
