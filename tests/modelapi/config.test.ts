import { strict as assert } from "node:assert";
import { BAKED_MODEL_PATH, PORTS } from "../../lib/contract";
import { ConfigError } from "../../lib/env";
import { loadConfig } from "../../model-api/src/serving/config";

const s3 = { S3_ENDPOINT: "minio", S3_ACCESS_KEY: "a", S3_SECRET_KEY: "b" };

describe("model-api configuration", () => {
  it("defaults to the baked model, the contract port and request logging on", () => {
    const c = loadConfig({ ...s3, HOSTNAME: "model-api-6f7d9-abcde" });
    assert.equal(c.modelPath, BAKED_MODEL_PATH);
    assert.equal(c.port, PORTS.modelApi);
    assert.equal(c.requestLog?.pod, "model-api-6f7d9-abcde");
    assert.equal(c.requestLog?.bucket, "requests");
    assert.equal(c.requestLog?.maxBufferedRows, 100_000);
    assert.equal(c.shutdownTimeoutMs, 25_000);
  });

  it("requires MinIO settings unless request logging is switched off", () => {
    assert.throws(() => loadConfig({}), (e: Error) => e instanceof ConfigError && /S3_ENDPOINT is required/.test(e.message));
    assert.equal(loadConfig({ REQUEST_LOG: "false" }).requestLog, undefined);
  });

  it("names the variable and the allowed range of bad values", () => {
    assert.throws(() => loadConfig({ ...s3, REQUEST_LOG_FLUSH_ROWS: "0" }), /REQUEST_LOG_FLUSH_ROWS=0 is out of range; allowed: 1\.\.100000/);
    assert.throws(() => loadConfig({ ...s3, REQUEST_LOG_FLUSH_SECONDS: "soon" }), /REQUEST_LOG_FLUSH_SECONDS="soon" is not an integer/);
    assert.throws(() => loadConfig({ ...s3, REQUEST_LOG_FLUSH_ROWS: "5000", REQUEST_LOG_MAX_BUFFERED_ROWS: "2000" }), /REQUEST_LOG_MAX_BUFFERED_ROWS=2000 is out of range; allowed: 5000\.\./);
    assert.throws(() => loadConfig({ ...s3, REQUEST_LOG: "maybe" }), /REQUEST_LOG="maybe" is not a boolean/);
  });
});
