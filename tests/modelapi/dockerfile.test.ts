import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BAKED_MODEL_PATH, PORTS } from "../../lib/contract";

// No Docker engine here: the image is checked by reading its Dockerfile against the repo.
const root = join(__dirname, "..", "..");
const dockerfile = readFileSync(join(root, "model-api", "Dockerfile"), "utf8");
const ignore = readFileSync(join(root, "model-api", "Dockerfile.dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));

/** Is a context path sent to the builder under the whitelist-style ignore file? */
function inContext(path: string): boolean {
  let included = true;
  for (const rule of ignore) {
    const neg = rule.startsWith("!");
    const pat = neg ? rule.slice(1) : rule;
    const re = new RegExp(`^${pat.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "\u0000").replace(/\*/g, "[^/]*").replace(/\u0000/g, ".*")}$`);
    if (re.test(path) || re.test(`${path}/x`)) included = neg;
  }
  return included;
}

describe("model-api Dockerfile", () => {
  it("uses only pinned node:20 bookworm-slim base images", () => {
    const froms = instructions.filter((l) => l.startsWith("FROM "));
    assert.ok(froms.length >= 2, "multi-stage");
    for (const f of froms) assert.match(f, /^FROM node:20\.\d+\.\d+-bookworm-slim( AS \w+)?$/);
    assert.doesNotMatch(dockerfile, /:latest\b/);
  });

  it("copies only files that exist and that the ignore file sends to the builder", () => {
    const copies = instructions.filter((l) => l.startsWith("COPY ") && !l.includes("--from="));
    assert.ok(copies.length >= 5);
    for (const c of copies) {
      const parts = c.split(/\s+/).slice(1).filter((p) => !p.startsWith("--"));
      for (const src of parts.slice(0, -1)) {
        const clean = src.replace(/\/$/, "");
        assert.ok(existsSync(join(root, clean)), `${src} exists in the repo`);
        assert.ok(inContext(clean), `${src} is in the build context`);
      }
    }
    assert.ok(!inContext("node_modules/x"), "node_modules is not sent");
    assert.ok(!inContext("tests/modelapi/fixtures.ts"), "tests are not sent");
  });

  it("bakes a model at BAKED_MODEL_PATH: the one in the context, or one trained offline, checked against the tag", () => {
    assert.ok(dockerfile.includes(`/app/model/model.json`) && BAKED_MODEL_PATH === "/app/model/model.json");
    assert.match(dockerfile, /node dist\/model-api\/src\/training\/train-cli\.js --offline --out \/out\/model\/model\.json --version initial/);
    assert.match(dockerfile, /node dist\/model-api\/src\/training\/check-model-cli\.js \/out\/model\/model\.json "\$\{MODEL_IMAGE_TAG\}"/);
    for (const ts of ["training/train-cli.ts", "training/check-model-cli.ts", "serving/main.ts", "traffic/traffic-cli.ts"]) assert.ok(existsSync(join(root, "model-api", "src", ts)), ts);
    assert.ok(existsSync(join(root, "model-api", "model")), "the model folder exists, so COPY model-api/model/ never fails");
  });

  it("runs the server as uid 1000 on the model API port", () => {
    const last = dockerfile.slice(dockerfile.lastIndexOf("FROM "));
    assert.match(last, /^USER 1000(:1000)?$/m);
    assert.match(last, new RegExp(`^EXPOSE ${PORTS.modelApi}$`, "m"));
    assert.match(last, /^CMD \["node", "dist\/model-api\/src\/serving\/main\.js"\]$/m);
    assert.match(last, /COPY --from=deps .*node_modules/, "production dependencies only");
    // The deps stage installs model-api's workspace only: its runtime dependencies, not the Pulumi program's.
    const deps = instructions.slice(instructions.findIndex((l) => / AS deps$/.test(l)) + 1);
    assert.deepEqual(deps.slice(0, 3), ["WORKDIR /src", "COPY package.json package-lock.json ./", "COPY model-api/package.json ./model-api/"]);
    assert.match(deps[3], /^RUN npm ci --omit=dev .*-w @drift-loop\/model-api\b/);
  });
});
