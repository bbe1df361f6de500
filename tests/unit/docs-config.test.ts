/**
 * docs/configuration.md is generated from the one table of config keys (CONFIG_KEYS with
 * lib/settings.ts, the profiles and Pulumi.yaml's descriptions): it must be what the
 * generator writes now, and Pulumi.yaml must not keep a second copy of the bounds.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { CONFIG_KEYS } from "../../infra/config";
import { CONFIGURATION_DOC, REPO_ROOT, renderConfigurationDoc } from "../../scripts/docs-config";
import { DRIFT_SETTINGS, allowedRange } from "../../lib/settings";

describe("docs/configuration.md", () => {
  const doc = readFileSync(CONFIGURATION_DOC, "utf8");

  it("is what `npm run docs:config` writes from the settings table (run it after changing a key)", () => {
    assert.ok(doc === renderConfigurationDoc(), "docs/configuration.md is stale: run `npm run docs:config` and commit the result");
  });

  it("lists every key with its bounds, and the drift settings with the bounds the drift job checks", () => {
    for (const key of Object.keys(CONFIG_KEYS)) assert.match(doc, new RegExp(`^\\| \`${key}\` \\|`, "m"), key);
    for (const [key, s] of Object.entries(DRIFT_SETTINGS)) {
      const row = doc.split("\n").find((l) => l.startsWith(`| \`${key}\` |`))!;
      assert.ok(row.includes(`\`${s.env}\``), `${key} names ${s.env}`);
      if (s.type !== "string") assert.ok(row.includes(allowedRange(s)), `${key} shows ${allowedRange(s)}`);
      else for (const v of s.allowed) assert.ok(row.includes(`\`${v}\``), `${key} lists ${v}`);
    }
  });

  it("keeps bounds out of Pulumi.yaml's descriptions, so they have one home (CONFIG_KEYS)", () => {
    const declared = YAML.parse(readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8")).config as Record<string, { description: string }>;
    for (const [key, info] of Object.entries(CONFIG_KEYS)) {
      if (info.min === undefined) continue;
      assert.doesNotMatch(declared[key]!.description, /\d\s*\.\.\s*\d|\ba number\b/, `${key}: the range belongs in CONFIG_KEYS, not the description`);
    }
  });
});
