// The local cluster's and the demo's command lines (npm run cluster, npm run demo): help,
// and clear refusals, without starting anything (the e2e suite starts the real cluster).
import { strict as assert } from "node:assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../helpers/script";

describe("npm run cluster / npm run demo: usage", function () {
  this.timeout(60_000);
  // An empty cache: no cluster runs there.
  const env = { DRIFT_LOOP_CACHE: mkdtempSync(join(tmpdir(), "cluster-cli-")) };

  it("explains the commands, the node's addresses and what it needs", async () => {
    const r = await runScript("scripts/cluster-cli.ts", ["--help"], env);
    assert.equal(r.code, 0);
    for (const s of ["up", "down", "status", "env", "eval \"$(npm run -s cluster -- up)\"", "10.250.0.1", "kube-router", "Needs root"]) assert.ok(r.stdout.includes(s), `help lacks ${s}`);
  });

  it("refuses an unknown command or flag with exit 2, naming what is allowed", async () => {
    const bad = await runScript("scripts/cluster-cli.ts", ["start"], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cluster: unknown command "start"; allowed: up, down, status, env, help/);
    const flag = await runScript("scripts/cluster-cli.ts", ["up", "--nodes", "3"], env);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--nodes/);
  });

  it("says the cluster is not running, and how to start it", async () => {
    const st = await runScript("scripts/cluster-cli.ts", ["status"], env);
    assert.equal(st.code, 1);
    assert.match(st.stdout, /cluster: not running \(start it: npm run cluster -- up\)/);
    const e = await runScript("scripts/cluster-cli.ts", ["env"], env);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /the cluster is not running; start it: npm run cluster -- up/);
    const down = await runScript("scripts/cluster-cli.ts", ["down"], env);
    assert.equal(down.code, 0);
    assert.match(down.stderr, /cluster: not running/);
  });

  it("demo: explains its steps, and refuses an unknown command", async () => {
    const h = await runScript("scripts/demo-cli.ts", ["--help"], env);
    assert.equal(h.code, 0);
    for (const s of ["npm run demo [-- down|help]", "pulumi up of the stack \"demo\"", "npm run cluster -- up", "down"]) assert.ok(h.stdout.includes(s), `help lacks ${s}`);
    const bad = await runScript("scripts/demo-cli.ts", ["upp"], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /demo: unknown command "upp"; allowed: up \(the default\), down, help/);
  });
});
