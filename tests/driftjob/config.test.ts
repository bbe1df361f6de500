import { strict as assert } from "node:assert";
import { ENV } from "../../lib/contract";
import { ConfigError } from "../../lib/env";
import { jobConfigFromEnv, windowOf } from "../../drift-job/src/config";
import { payloadOf } from "../../drift-job/src/job";
import { reportFolder } from "../../drift-job/src/storage";
import { sampleReport } from "./fixtures";

const BASE = {
  [ENV.s3Endpoint]: "minio",
  [ENV.s3AccessKey]: "a",
  [ENV.s3SecretKey]: "b",
  [ENV.mlflowTrackingUri]: "http://mlflow:5000",
};

describe("drift job configuration", () => {
  it("uses the documented defaults: requests, 60 min window, PSI 0.2 / 30% policy, 6 h cooldown, no GitHub", () => {
    const c = jobConfigFromEnv(BASE);
    assert.equal(c.source, "requests");
    assert.equal(c.windowMinutes, 60);
    assert.deepEqual(c.analysis.policy, { psiThreshold: 0.2, driftedShare: 0.3 });
    assert.equal(c.cooldownMinutes, 360);
    assert.equal(c.github, undefined);
    assert.deepEqual(c.analysis.drift, {});
  });

  it("reads the method, threshold, share and retrain settings, and treats DRIFT_STATTEST=auto as the default choice", () => {
    const c = jobConfigFromEnv({ ...BASE, [ENV.driftStattest]: "psi", [ENV.driftThreshold]: "0.25", [ENV.driftShare]: "0.4", [ENV.retrainPsiThreshold]: "0.3", [ENV.retrainDriftedShare]: "0.5", [ENV.retrainCooldownMinutes]: "30" });
    assert.deepEqual(c.analysis.drift, { stattest: "psi", threshold: 0.25, driftShare: 0.4 });
    assert.deepEqual(c.analysis.policy, { psiThreshold: 0.3, driftedShare: 0.5 });
    assert.equal(c.cooldownMinutes, 30);
    assert.equal(jobConfigFromEnv({ ...BASE, [ENV.driftStattest]: "auto" }).analysis.drift.stattest, undefined);
  });

  it("pushes to PUSHGATEWAY_URL only when it is set, grouped by the job and the pod's namespace", () => {
    assert.equal(jobConfigFromEnv(BASE).pushgateway, undefined);
    assert.deepEqual(jobConfigFromEnv({ ...BASE, [ENV.pushgatewayUrl]: "http://pgw.monitoring.svc:9091/", [ENV.podNamespace]: "drift-loop" }).pushgateway, {
      url: "http://pgw.monitoring.svc:9091",
      grouping: { job: "drift-loop-drift", namespace: "drift-loop" },
    });
    assert.deepEqual(jobConfigFromEnv({ ...BASE, [ENV.pushgatewayUrl]: "https://pgw.example.com" }).pushgateway?.grouping, { job: "drift-loop-drift" });
    assert.throws(() => jobConfigFromEnv({ ...BASE, [ENV.pushgatewayUrl]: "ftp://pgw:9091" }), (e: Error) => e instanceof ConfigError && /PUSHGATEWAY_URL="ftp:\/\/pgw:9091" is not valid; allowed: an http\(s\) URL of a Pushgateway/.test(e.message));
  });

  it("names the variable and what is allowed for bad values", () => {
    assert.throws(() => jobConfigFromEnv({ ...BASE, [ENV.driftStattest]: "anderson" }), (e: Error) => e instanceof ConfigError && /DRIFT_STATTEST="anderson" is not allowed; allowed: auto, ks/.test(e.message));
    assert.throws(() => jobConfigFromEnv({ ...BASE, [ENV.driftCurrentSource]: "kafka" }), /DRIFT_CURRENT_SOURCE="kafka" is not allowed; allowed: requests, drifter/);
    assert.throws(() => jobConfigFromEnv({ ...BASE, [ENV.driftCurrentSource]: "drifter" }), /DRIFTER_URL is required/);
    assert.throws(() => jobConfigFromEnv({ ...BASE, [ENV.retrainDriftedShare]: "1.5" }), /RETRAIN_DRIFTED_SHARE=1.5 is out of range; allowed: 0..1/);
    assert.throws(() => jobConfigFromEnv({ ...BASE, [ENV.githubToken]: "t" }), /GITHUB_TOKEN is set but GITHUB_REPOSITORY is not/);
    assert.throws(() => jobConfigFromEnv({ ...BASE, [ENV.githubToken]: "t", [ENV.githubRepository]: "just-a-name" }), /is not owner\/repo/);
    assert.throws(() => jobConfigFromEnv({ ...BASE, [ENV.driftWindowEnd]: "yesterday" }), /DRIFT_WINDOW_END="yesterday" is not a date/);
  });

  it("reads GitHub settings with api.github.com as the default API", () => {
    const c = jobConfigFromEnv({ ...BASE, [ENV.githubToken]: "t", [ENV.githubRepository]: "acme/drift-loop" });
    assert.deepEqual(c.github, { token: "t", owner: "acme", repo: "drift-loop", apiUrl: "https://api.github.com" });
  });

  it("aligns the window to its length so a re-run in the same period checks the same window", () => {
    const now = Date.parse("2026-11-21T13:47:12Z");
    const w = windowOf({ windowMinutes: 60 }, now);
    assert.equal(w.start.toISOString(), "2026-11-21T12:00:00.000Z");
    assert.equal(w.end.toISOString(), "2026-11-21T13:00:00.000Z");
    assert.deepEqual(windowOf({ windowMinutes: 60 }, now + 10 * 60_000), w);
    assert.equal(windowOf({ windowMinutes: 15 }, now).end.toISOString(), "2026-11-21T13:45:00.000Z");
    assert.equal(windowOf({ windowMinutes: 60, windowEnd: new Date("2026-01-01T05:00:00Z") }, now).start.toISOString(), "2026-01-01T04:00:00.000Z");
    assert.equal(reportFolder(w.end), "2026-11-21T13-00-00Z");
  });

  it("builds a dispatch payload within GitHub's 10 top-level keys", () => {
    const p = payloadOf(sampleReport(), "s3://reports/x/report.json", "run1", { start: new Date(0), end: new Date(3_600_000) }, "7");
    assert.ok(Object.keys(p).length <= 10);
    assert.equal(p.model_version, "7");
    assert.deepEqual(p.drifted_columns, ["income", "home_ownership"]);
    assert.match(p.reason, /PSI above 0.2/);
  });
});
