/**
 * Bodies an attacker (or a broken client) sends to `POST /predict`, over real HTTP against
 * the model API server: every one gets a 4xx naming the field and the rule, none a 500,
 * and the server keeps serving. No request log here (it is not what is under test), so no
 * MinIO is needed.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { createLogger } from "../../lib/logger";
import { FEATURE_NAMES } from "../../lib/schema";
import { createMetrics, type ApiMetrics } from "../../model-api/src/serving/metrics";
import { compileModel } from "../../model-api/src/model";
import { buildServer, type ModelApiServer } from "../../model-api/src/serving/server";
import { trainedModel, validRow } from "./fixtures";

const BODY_LIMIT = 256 * 1024;

interface Answer {
  status: number;
  body: { error?: string; field?: string; message?: string; [k: string]: unknown };
}

describe("model API: hostile request bodies over HTTP", function () {
  this.timeout(60_000);
  let server: ModelApiServer;
  let metrics: ApiMetrics;
  let url: string;

  before(async () => {
    metrics = createMetrics({ defaultMetrics: false });
    server = buildServer({ model: compileModel(trainedModel(1000)), log: createLogger("test", "silent"), metrics, bodyLimit: BODY_LIMIT, maxBatchRows: 500 });
    await server.app.listen({ port: 0, host: "127.0.0.1" });
    url = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}/predict`;
  });
  after(async () => server?.app.close());

  async function post(text: string, contentType = "application/json"): Promise<Answer> {
    const res = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body: text });
    const raw = await res.text();
    return { status: res.status, body: JSON.parse(raw) as Answer["body"] };
  }

  /** A valid row's JSON with `"field": <valueText>` in place of the field's value. */
  const rowWith = (field: string, valueText: string) => JSON.stringify(validRow()).replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${valueText}`);

  function assertRejected(r: Answer, status: number, field: string, message: RegExp): void {
    assert.equal(r.status, status, JSON.stringify(r.body).slice(0, 500));
    assert.equal(r.body.field, field);
    assert.match(r.body.message ?? "", message);
  }

  it("names the field of a value nested 5,000 deep (array or object), not a 500", async () => {
    assertRejected(await post(rowWith("age", "[".repeat(5000) + "]".repeat(5000))), 400, "age", /an array \(1 item\) is not a number; allowed: an integer from 18 to 100/);
    assertRejected(await post(rowWith("region", '{"a":'.repeat(5000) + "1" + "}".repeat(5000))), 400, "region", /an object is not a string; allowed: a category string/);
    const deepRows = `{"rows":[${JSON.stringify(validRow())},${"[".repeat(5000)}${"]".repeat(5000)}]}`;
    assertRejected(await post(deepRows), 400, "rows[1]", /must be an object with the fields age, income/);
  });

  it("answers as deep a nesting as the body limit allows with a 400", async () => {
    const depth = Math.floor((BODY_LIMIT - 400) / 2);
    assertRejected(await post(rowWith("income", "[".repeat(depth) + "]".repeat(depth))), 400, "income", /is not a number/);
  });

  it("reports a __proto__ or constructor key as an unknown field, and pollutes nothing", async () => {
    const row = JSON.stringify(validRow());
    assertRejected(await post(row.replace("{", '{"__proto__":{"polluted":1},')), 400, "__proto__", /unknown field; allowed fields: age, income/);
    assertRejected(await post(row.replace("{", '{"constructor":{"prototype":{"polluted":1}},')), 400, "constructor", /unknown field/);
    assertRejected(await post(`{"rows":[${row},${row.replace("{", '{"__proto__":{"polluted":1},')}]}`), 400, "rows[1].__proto__", /unknown field/);
    assertRejected(await post(`{"rows":[${row}],"__proto__":{"polluted":1}}`), 400, "__proto__", /unknown field next to "rows"/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype untouched");
  });

  it("says a number beyond a 64-bit float (1e400) is too large, naming the field", async () => {
    assertRejected(await post(rowWith("age", "1e400")), 400, "age", /a number beyond 1\.8e308 \(too large for a 64-bit float\) is not allowed; allowed: an integer from 18 to 100/);
    assertRejected(await post(rowWith("income", "-1e400")), 400, "income", /a number beyond -1\.8e308 .*allowed: a number from 0 to 10000000/);
    const r = await post(rowWith("age", "1e400"));
    assert.doesNotMatch(r.body.message!, /^null/, "the value is not shown as null");
  });

  it("names the body and the problem for malformed, empty and non-JSON bodies", async () => {
    assertRejected(await post('{"rows": ['), 400, "body", /the body is not valid JSON \(.*\); send one row/);
    assertRejected(await post(""), 400, "body", /the body is empty; send one row/);
    assertRejected(await post("   \n"), 400, "body", /the body is empty/);
    assertRejected(await post("age=1", "text/plain"), 415, "content-type", /"text\/plain" is not accepted; send Content-Type: application\/json/);
    assertRejected(await post(`{"pad":"${"x".repeat(BODY_LIMIT)}"}`), 413, "body", /larger than 262144 bytes/);
  });

  it("shows odd and huge keys and values briefly, but exactly enough to find them", async () => {
    const row = JSON.stringify(validRow());
    assertRejected(await post(row.replace("{", '{"":1,')), 400, '[""]', /unknown field/);
    assertRejected(await post(row.replace("{", '{"a b.c":1,')), 400, '["a b.c"]', /unknown field/);
    const long = await post(row.replace("{", `{"${"k".repeat(100_000)}":1,`));
    assert.equal(long.status, 400);
    assert.ok(long.body.field!.length < 80, `field shown briefly: ${long.body.field!.length} characters`);
    assert.match(long.body.field!, /^\["k+\.\.\."\]$/);
    const big = await post(rowWith("region", JSON.stringify("x".repeat(200_000))));
    assertRejected(big, 400, "region", /^"x{40}"\.\.\. \(200000 characters\) is not a valid category/);
    assert.ok(big.body.message!.length < 400);
  });

  it("keeps the invalid-request metric's field label to the schema's names", async () => {
    for (let i = 0; i < 5; i++) await post(JSON.stringify(validRow()).replace("{", `{"made_up_${i}":1,`));
    await post(rowWith("age", "1e400"));
    const text = await metrics.registry.metrics();
    const fields = [...text.matchAll(/model_api_invalid_requests_total\{field="([^"]*)"\}/g)].map((m) => m[1]);
    assert.ok(fields.includes("unknown_field"), fields.join(","));
    assert.ok(fields.includes("age"), fields.join(","));
    for (const f of fields) assert.ok(!/made_up|__proto__|constructor/.test(f), `label ${f} comes from the request`);
  });

  it("answers any JSON value in place of a body or a field with 200 or a 4xx naming the field, never a 5xx", async () => {
    const fieldName = fc.constantFrom(...FEATURE_NAMES, "default");
    const body = fc.oneof(
      fc.jsonValue().map((v) => ({ text: JSON.stringify(v) ?? "null", field: undefined as string | undefined })),
      fc.tuple(fieldName, fc.jsonValue({ maxDepth: 4 })).map(([f, v]) => ({ text: JSON.stringify({ ...validRow(), [f]: v }), field: f })),
      fc.tuple(fieldName, fc.jsonValue()).map(([f, v]) => ({ text: JSON.stringify({ rows: [validRow(), { ...validRow(), [f]: v }] }), field: `rows[1].${f}` })),
      fc.tuple(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({ text: JSON.stringify({ ...validRow(), [k]: v }), field: undefined })),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ text, field }) => {
        const r = await post(text);
        if (r.status === 200) return;
        assert.ok(r.status >= 400 && r.status < 500, `status ${r.status} for ${text.slice(0, 200)}: ${JSON.stringify(r.body)}`);
        assert.equal(typeof r.body.field, "string", `no field for ${text.slice(0, 200)}`);
        assert.match(r.body.message ?? "", /allowed|must|send|at most/, `no rule in ${r.body.message}`);
        if (field) assert.equal(r.body.field, field, `for ${text.slice(0, 200)}`);
      }),
      { numRuns: 300 },
    );
  });

  it("still scores a valid row after all of that, with or without a byte order mark", async () => {
    const r = await post(JSON.stringify(validRow()));
    assert.equal(r.status, 200);
    assert.ok(typeof r.body.probability === "number");
    const bom = await post(`\uFEFF${JSON.stringify(validRow())}`);
    assert.equal(bom.status, 200, JSON.stringify(bom.body));
    assert.equal(bom.body.probability, r.body.probability);
  });
});
