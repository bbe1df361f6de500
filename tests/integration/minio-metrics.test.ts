/**
 * MinIO's Prometheus endpoint against the real MinIO server (tests/helpers/services): the
 * token lib/minio-metrics.ts signs (what the MinIO ServiceMonitor sends) is accepted, and
 * one signed with another key, an expired one or none is refused.
 */
import { strict as assert } from "node:assert";
import { MINIO_METRICS_PATH, minioMetricsToken } from "../../lib/minio-metrics";
import { getServices, type Services } from "../helpers/services";

describe("MinIO metrics token (real MinIO)", function () {
  this.timeout(120_000);
  let svc: Services;
  before(async () => {
    svc = await getServices();
  });
  const scrape = (token?: string) =>
    fetch(`http://${svc.s3.endPoint}:${svc.s3.port}${MINIO_METRICS_PATH}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("answers the cluster metrics to the token signed with the access key's secret", async () => {
    const res = await scrape(minioMetricsToken(svc.s3.accessKey, svc.s3.secretKey));
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^# HELP minio_/m);
  });

  it("refuses a token signed with another key, an expired token and no token", async () => {
    assert.equal((await scrape(minioMetricsToken(svc.s3.accessKey, `${svc.s3.secretKey}x`))).status, 403);
    assert.equal((await scrape(minioMetricsToken(svc.s3.accessKey, svc.s3.secretKey, Math.floor(Date.now() / 1000) - 60))).status, 403);
    assert.equal((await scrape()).status, 403);
  });
});
