/**
 * lib/cli.ts: the one way every entry point reports an error and exits, checked on real
 * processes; and every workload entry point goes through it.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");

/** Runs a main body under runMain("prog", ...) in its own process. */
function run(body: string, opts: { help?: boolean; env?: Record<string, string> } = {}): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "drift-loop-cli-"));
  try {
    const file = join(dir, "main.ts");
    writeFileSync(
      file,
      `import { runMain, UsageError } from ${JSON.stringify(join(ROOT, "lib", "cli"))};
import { ConfigError } from ${JSON.stringify(join(ROOT, "lib", "env"))};
void UsageError; void ConfigError;
runMain("prog", async () => { ${body} }, ${JSON.stringify({ help: opts.help ?? false })});
`,
    );
    const { DEBUG: _debug, ...env } = process.env;
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: ROOT, env: { ...env, ...opts.env }, encoding: "utf8", timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("lib/cli.ts runMain", function () {
  this.timeout(120_000);

  it("exits with main's code, 0 when main returns nothing, and prints nothing of its own", () => {
    assert.deepEqual(run("return 3;"), { status: 3, stdout: "", stderr: "" });
    assert.deepEqual(run('process.stdout.write("done\\n");'), { status: 0, stdout: "done\n", stderr: "" });
  });

  it("prints a usage error as `<prog>: <message>` (with the --help pointer when the program has one) and exits 2", () => {
    assert.deepEqual(run('throw new UsageError("--rows must be an integer");', { help: true }), { status: 2, stdout: "", stderr: "prog: --rows must be an integer\nRun with --help for the options.\n" });
    assert.deepEqual(run('throw new ConfigError("PORT=x is not an integer");'), { status: 2, stdout: "", stderr: "prog: PORT=x is not an integer\n" });
  });

  it("prints any other error as `<prog>: failed: [<code>: ]<message>` and exits 1; the stack only with DEBUG set", () => {
    const coded = 'throw Object.assign(new Error("connect refused"), { code: "ECONNREFUSED" });';
    assert.deepEqual(run(coded), { status: 1, stdout: "", stderr: "prog: failed: ECONNREFUSED: connect refused\n" });
    const debug = run('throw new TypeError("x is undefined");', { env: { DEBUG: "1" } });
    assert.equal(debug.status, 1);
    assert.match(debug.stderr, /^prog: failed: x is undefined\nTypeError: x is undefined\n\s+at /);
  });
});

describe("workload entry points", () => {
  const entries = ["drifter/src", "drift-job/src", "model-api/src"].flatMap((dir) => {
    const walk = (d: string): string[] =>
      readdirSync(join(ROOT, d), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${d}/${e.name}`) : /^(main|cli|.*-cli)\.ts$/.test(e.name) ? [`${d}/${e.name}`] : []));
    return walk(dir);
  });

  it("each runs through lib/cli.ts runMain and exits nowhere else (the drift job's SIGTERM exit 143 aside)", () => {
    assert.ok(entries.length >= 10, entries.join(", "));
    for (const f of entries) {
      const src = readFileSync(join(ROOT, f), "utf8");
      assert.equal(src.match(/\brunMain\(/g)?.length, 1, `${f} calls runMain once`);
      const exits = src.match(/process\.exit(Code)?\b/g) ?? [];
      if (f === "drift-job/src/main.ts") assert.deepEqual(exits, ["process.exit"], f);
      else assert.deepEqual(exits, [], `${f} exits only through runMain`);
      assert.doesNotMatch(src, /class \w*UsageError/, `${f} defines no UsageError of its own`);
    }
  });
});
