import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { findUrls, formatResults, main, smokeCheck } from "../../scripts/ci/smoke-check";
import { SMOKE_TOKEN_OUTPUT } from "../../components/github/workflows";
import { apiTokens } from "../../lib/auth";
import { createLogger } from "../../lib/logger";
import { createMetrics } from "../../model-api/src/serving/metrics";
import { compileModel } from "../../model-api/src/model";
import { buildServer } from "../../model-api/src/serving/server";
import { trainedModel } from "../modelapi/fixtures";

const ROOT = resolve(__dirname, "..", "..");

async function listen(handler: (count: number) => number): Promise<{ server: Server; url: string; hits: () => number }> {
  let count = 0;
  const server = createServer((_req, res) => {
    count++;
    res.statusCode = handler(count);
    res.end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, hits: () => count };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<string> {
  const { server, url } = await listen(() => 200);
  await new Promise((r) => server.close(r));
  return url;
}

describe("smoke check of the stack outputs' URLs after a deploy", () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  it("finds the http(s) URLs among nested stack outputs and ignores commands and secrets", () => {
    const outputs = {
      namespace: "drift-loop",
      urls: { mlflow: "http://mlflow.example.com:5000", modelApi: "https://api.example.com/v1" },
      portForward: ["kubectl -n drift-loop port-forward svc/mlflow 5000:5000"],
      minioRootPassword: "[secret]",
      replicas: 2,
    };
    assert.deepEqual(findUrls(outputs), [
      { output: "urls.mlflow", url: "http://mlflow.example.com:5000/" },
      { output: "urls.modelApi", url: "https://api.example.com/v1" },
    ]);
  });

  it("passes reachable URLs, skips unreachable and in-cluster ones, and fails a URL that keeps answering 5xx", async () => {
    const up = await listen(() => 200);
    const notFound = await listen(() => 404);
    const broken = await listen(() => 503);
    servers.push(up.server, notFound.server, broken.server);
    const closed = await closedPort();
    const results = await smokeCheck(
      { ok: up.url, missingPage: notFound.url, broken: broken.url, closed, inCluster: "http://mlflow.drift-loop.svc.cluster.local:5000" },
      { attempts: 3, retryDelayMs: 10, timeoutMs: 2000 },
    );
    assert.deepEqual(
      results.map((r) => [r.output, r.status]),
      [["ok", "ok"], ["missingPage", "ok"], ["broken", "failed"], ["closed", "unreachable"], ["inCluster", "in-cluster"]],
    );
    assert.equal(broken.hits(), 3, "a server error is retried");
    assert.equal(up.hits(), 1);
    assert.match(results.find((r) => r.output === "closed")!.detail, /ECONNREFUSED/);
    assert.match(formatResults(results), /broken\s+http:\/\/127\.0\.0\.1:\d+\/\s+failed\s+HTTP 503/);
  });

  it("passes a URL whose pods come up while it retries", async () => {
    const rolling = await listen((n) => (n < 3 ? 502 : 200));
    servers.push(rolling.server);
    const [result] = await smokeCheck({ api: rolling.url }, { attempts: 5, retryDelayMs: 10 });
    assert.equal(result.status, "ok");
    assert.equal(rolling.hits(), 3);
  });

  it("fails the deploy step (exit 1) naming the output whose URL keeps answering 5xx", async () => {
    const broken = await listen(() => 500);
    const up = await listen(() => 200);
    servers.push(broken.server, up.server);
    const dir = mkdtempSync(join(tmpdir(), "drift-loop-smoke-"));
    const errors: string[] = [];
    const log = console.log, err = console.error;
    console.log = () => {};
    console.error = (m: string) => errors.push(m);
    try {
      writeFileSync(join(dir, "outputs.json"), JSON.stringify({ modelApi: broken.url, mlflow: up.url }));
      assert.equal(await main([join(dir, "outputs.json")], { attempts: 2, retryDelayMs: 10 }), 1);
      assert.match(errors.join("\n"), /::error::1 URL\(s\) answered with a server error: modelApi/);
      writeFileSync(join(dir, "outputs.json"), JSON.stringify({ mlflow: up.url }));
      assert.equal(await main([join(dir, "outputs.json")]), 0);
      assert.equal(await main(["a.json", "b.json"]), 2);
    } finally {
      console.log = log;
      console.error = err;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 0 when no URL is reachable from the runner and 2 on outputs that are not JSON", async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), "drift-loop-smoke-"));
    const run = (file: string) => spawnSync(process.execPath, ["--import", "tsx", "scripts/ci/smoke-check.ts", file], { cwd: ROOT, encoding: "utf8" });
    try {
      writeFileSync(join(dir, "unreachable.json"), JSON.stringify({ url: "http://mlflow.drift-loop.svc.cluster.local:5000" }));
      const unreachable = run(join(dir, "unreachable.json"));
      assert.equal(unreachable.status, 0, unreachable.stderr);
      assert.match(unreachable.stdout, /in-cluster/);
      assert.match(unreachable.stdout, /no stack URL is reachable/);

      writeFileSync(join(dir, "bad.json"), "Current stack is dev:\n");
      const bad = run(join(dir, "bad.json"));
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /cannot read stack outputs .*expected the JSON of `pulumi stack output --json`/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads its token from a stack output the program really exports", () => {
    assert.match(readFileSync(join(ROOT, "infra", "index.ts"), "utf8"), new RegExp(`^export const ${SMOKE_TOKEN_OUTPUT} = `, "m"));
  });

  it("checks that an exposed model API refuses anonymous clients and serves the smoke check's token", async () => {
    const token = "s".repeat(48);
    const api = buildServer({ model: compileModel(trainedModel(500)), log: createLogger("test", "silent"), metrics: createMetrics({ defaultMetrics: false }), bodyLimit: 65536, maxBatchRows: 10, tokens: apiTokens({ smoke: token }) });
    await api.app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const url = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
      const ok = await smokeCheck({ modelApi: url }, { modelApiToken: token, attempts: 1 });
      assert.deepEqual(ok.map((r) => [r.output, r.status]), [["modelApi", "ok"], ["modelApi /model without a token", "ok"], ["modelApi /model with the smoke token", "ok"]]);
      const wrong = await smokeCheck({ modelApi: url }, { modelApiToken: "x".repeat(48), attempts: 1 });
      assert.equal(wrong[2]!.status, "failed");
      assert.match(wrong[2]!.detail, /401: the token is refused/);
      // A model API that answers anyone fails the check.
      const open = buildServer({ model: compileModel(trainedModel(500)), log: createLogger("test", "silent"), metrics: createMetrics({ defaultMetrics: false }), bodyLimit: 65536, maxBatchRows: 10 });
      await open.app.listen({ port: 0, host: "127.0.0.1" });
      const openUrl = `http://127.0.0.1:${(open.app.server.address() as AddressInfo).port}`;
      const anyone = await smokeCheck({ modelApi: openUrl }, { attempts: 1 });
      await open.app.close();
      assert.equal(anyone[1]!.status, "failed");
      assert.match(anyone[1]!.detail, /answers without a token/);
    } finally {
      await api.app.close();
    }
  });
});
