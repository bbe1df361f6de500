import { strict as assert } from "node:assert";
import { exitOf, freePort, getText, parseCsv, spawnDrifter, waitFor } from "./support";
import { loadConfig } from "../../drifter/src/config";
import { ConfigError } from "../../lib/env";

describe("drifter process (npm run drifter)", function () {
  this.timeout(60_000);

  it("refuses to start with an out-of-range DRIFT_ROWS, naming the variable and the bounds", async () => {
    const d = spawnDrifter({ PORT: String(await freePort()), DRIFT_ROWS: "99" });
    const { code } = await exitOf(d.proc);
    assert.equal(code, 2);
    assert.match(d.output(), /DRIFT_ROWS=99 is out of range; allowed: 100\.\.10000/);
  });

  it("validates every DRIFT_* variable against the legacy contract's bounds", () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ DRIFT_ROWS: "10001" }, /DRIFT_ROWS=10001 .*100\.\.10000/],
      [{ DRIFT_COLS: "1" }, /DRIFT_COLS=1 .*2\.\.30/],
      [{ DRIFT_COLS: "31" }, /DRIFT_COLS=31 .*2\.\.30/],
      [{ DRIFT_PROB: "1.5" }, /DRIFT_PROB=1\.5 .*0\.\.1/],
      [{ DRIFT_PROB: "often" }, /DRIFT_PROB="often" is not a number/],
      [{ DRIFT_MAGNITUDE: "-1" }, /DRIFT_MAGNITUDE=-1 .*0\.\.1/],
      [{ DRIFT_SCHEMA: "bank" }, /DRIFT_SCHEMA="bank" .*allowed: credit, legacy/],
      [{ DRIFT_SCENARIO: "concept" }, /DRIFT_SCENARIO: scenario concept needs schema=credit/],
      [{ DRIFT_SCENARIO: "flood", DRIFT_SCHEMA: "credit" }, /DRIFT_SCENARIO: scenario "flood" is unknown/],
      [{ PORT: "70000" }, /PORT=70000 .*1\.\.65535/],
      [{ DRIFTER_THREADS: "65" }, /DRIFTER_THREADS=65 .*0\.\.64/],
      [{ DRIFTER_THREADS: "two" }, /DRIFTER_THREADS="two" is not an integer/],
      // Plain decimal only, and a scenario list as written.
      [{ DRIFT_ROWS: "1e3" }, /DRIFT_ROWS="1e3" is not an integer in decimal digits; allowed: 100\.\.10000/],
      [{ DRIFT_ROWS: "0x400" }, /DRIFT_ROWS="0x400" is not an integer/],
      [{ DRIFT_COLS: "0b11" }, /DRIFT_COLS="0b11" is not an integer/],
      [{ DRIFT_PROB: "0x1" }, /DRIFT_PROB="0x1" is not a number in decimal notation; allowed: 0\.\.1/],
      [{ DRIFT_MAGNITUDE: "Infinity" }, /DRIFT_MAGNITUDE="Infinity" is not a number/],
      [{ DRIFT_SCENARIO: "none,,mean_shift" }, /DRIFT_SCENARIO: item 2 of the scenario list "none,,mean_shift" is empty/],
      [{ DRIFT_SCENARIO: "mean_shift, scale_change" }, /DRIFT_SCENARIO: item 2 .* has spaces around the name/],
    ];
    for (const [env, message] of bad) assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(env));
    const c = loadConfig({});
    assert.deepEqual([c.schema, c.rows, c.cols, c.driftProb, c.scenario], ["legacy", 1000, 12, 0.5, ["drift_prob"]]);
    assert.deepEqual(loadConfig({ DRIFT_SCHEMA: "credit" }).scenario, []);
    assert.equal(loadConfig({ DRIFTER_THREADS: "0" }).threads, 0);
    assert.ok(c.threads >= 1 && c.threads <= 4, `default threads ${c.threads}: the CPUs this process may use, at most 4`);
    assert.deepEqual(loadConfig({ DRIFT_SCHEMA: "credit", DRIFT_SCENARIO: "concept,mean_shift" }).scenario, ["mean_shift", "concept"]);
  });

  it("serves the env-configured table, then on SIGTERM turns unready, finishes the batch in flight and exits 0", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const d = spawnDrifter({ PORT: String(port), DRIFT_ROWS: "250", DRIFT_COLS: "4", DRIFT_PROB: "1" });
    try {
      await waitFor(`${base}/readyz`);
      const small = await getText(`${base}/api/v1/data?seed=5`);
      const t = parseCsv(small.text);
      assert.deepEqual(t.header, ["feat0", "feat1", "feat2", "feat3"]);
      assert.equal(t.rows.length, 250);

      // A large batch, read slowly, is in flight when SIGTERM arrives.
      const res = await fetch(`${base}/api/v1/data?rows=1000000&seed=5&schema=credit`);
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.ok(first.value && first.value.length > 0);
      d.proc.kill("SIGTERM");
      // Readiness drops (503, or the connection is refused) while the batch finishes.
      let during: number | string = 200;
      for (let i = 0; i < 100 && during === 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        during = await fetch(`${base}/readyz`).then((r) => r.status, () => "refused");
      }
      assert.ok(during === 503 || during === "refused", `readyz during shutdown: ${during}\n${d.output()}`);
      let newlines = 0;
      for (let i = 0; i < first.value!.length; i++) if (first.value![i] === 10) newlines++;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (let i = 0; i < value.length; i++) if (value[i] === 10) newlines++;
      }
      assert.equal(newlines, 1_000_001, "the batch in flight is complete");
      const { code } = await exitOf(d.proc);
      assert.equal(code, 0);
      assert.match(d.output(), /shutting down/);
      assert.match(d.output(), /"outcome":"complete"/);
      assert.match(d.output(), /"msg":"stopped"/);
    } finally {
      if (d.proc.exitCode === null) d.proc.kill("SIGKILL");
    }
  });
});
