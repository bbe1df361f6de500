/**
 * The GitHub API URL (lib/github-api.ts): the stack config accepts http(s) URLs only, and
 * the drift CronJob's egress NetworkPolicy opens the port of the configured URL (a GitHub
 * Enterprise Server on 8443, a plain-http test receiver), not a fixed 443.
 */
import { strict as assert } from "node:assert";
import { ConfigValidationError, objectSource, parseConfig } from "../../infra/config";
import { githubApiPort, parseGithubApiUrl } from "../../lib/github-api";
import { byKind, makeRepoFixture, manifests, runPlatform, selects, workloads } from "../helpers/pulumi";

describe("the GitHub API URL (lib/github-api.ts)", function () {
  this.timeout(60_000);

  it("takes the port from the URL: explicit, else 443 for https and 80 for http", () => {
    assert.equal(githubApiPort("https://api.github.com"), 443);
    assert.equal(githubApiPort("http://github-stand-in.test/"), 80);
    assert.equal(githubApiPort("https://ghe.example.com:8443/api/v3"), 8443);
    assert.equal(githubApiPort("http://127.0.0.1:18080"), 18080);
    // An explicit default port is the same port (URL normalises it away).
    assert.equal(githubApiPort("https://ghe.example.com:443/api/v3"), 443);
    assert.equal(githubApiPort("http://ghe.example.com:80/api/v3"), 80);
    assert.throws(() => githubApiPort("ftp://ghe.example.com/"), /is not valid; allowed: an http\(s\) URL/);
  });

  it("accepts http(s) URLs only, in the stack config too", () => {
    assert.ok(parseGithubApiUrl("https://ghe.example.com:8443/api/v3"));
    assert.equal(parseGithubApiUrl("ghe.example.com"), undefined);
    assert.equal(parseGithubApiUrl("ftp://ghe.example.com"), undefined);
    assert.throws(
      () => parseConfig(objectSource({ githubApiUrl: "ftp://ghe.example.com" })),
      (e: Error) => e instanceof ConfigValidationError && /drift-loop:githubApiUrl="ftp:\/\/ghe\.example\.com" is not a URL; allowed: an http\(s\) URL/.test(e.message),
    );
  });

  for (const [apiUrl, port] of [
    ["https://api.github.com", 443],
    ["http://github-stand-in.drift-loop-e2e.svc", 80],
    ["https://ghe.example.com:8443/api/v3", 8443],
  ] as const) {
    it(`opens TCP ${port} from the drift CronJob for githubApiUrl=${apiUrl}`, async () => {
      const cfg = parseConfig(objectSource({ githubRepository: "acme/drift-loop", githubDispatchToken: "dispatch-token", githubApiUrl: apiUrl, githubPipeline: "false" }));
      const ms = manifests((await runPlatform(cfg, { repoRoot: makeRepoFixture() })).resources);
      const drift = workloads(ms).find((w) => w.podLabels["app.kubernetes.io/name"] === "drift-job")!;
      const egress = byKind(ms, "NetworkPolicy").filter(
        (p) => p.spec.policyTypes.includes("Egress") && Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0 && selects(p.spec.podSelector.matchLabels, drift.podLabels) && p.spec.egress.some((r: any) => r.to?.some((t: any) => t.ipBlock)),
      );
      assert.equal(egress.length, 1, "one egress policy to the GitHub API");
      assert.deepEqual(egress[0]!.spec.egress.flatMap((r: any) => r.ports), [{ protocol: "TCP", port }]);
      const env = Object.fromEntries((drift.podSpec.containers[0].env ?? []).map((e: any) => [e.name, e.value]));
      assert.equal(env.GITHUB_API_URL, apiUrl);
    });
  }
});
