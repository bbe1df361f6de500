/**
 * The drifter against an attacker: bearer tokens (401 without the right one, probes open),
 * stream slots per client, and slow readers cut after the stream's time or idle bound, so
 * eight slow clients cannot starve everyone else. Real HTTP over loopback, raw sockets for
 * the readers that never read.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request, type IncomingMessage, type ClientRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startInProcess, type Running } from "./support";

const TOKENS = { "drift-job": "d".repeat(40) + "1", traffic: "t".repeat(40) + "2", people: "p".repeat(40) + "3" };

/** A GET whose body is never read: the response sits in the socket buffers and holds its slot. */
function stall(url: string, token: string): Promise<{ res: IncomingMessage; req: ClientRequest; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.pause();
      res.on("error", () => undefined);
      const closed = new Promise<void>((r) => res.socket.on("close", () => r()));
      resolve({ res, req, closed });
    });
    req.on("error", reject);
    req.end();
  });
}

async function get(url: string, token?: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe("drifter: tokens, stream slots and slow readers", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "drifter-tokens-"));
    for (const [client, token] of Object.entries(TOKENS)) writeFileSync(join(dir, client), `${token}\n`);
    writeFileSync(join(dir, "..data"), "kubernetes' own entry, not a client");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe("bearer tokens", () => {
    let d: Running;
    before(async () => (d = await startInProcess({ DRIFT_SCHEMA: "credit", API_TOKENS_DIR: dir })));
    after(async () => d?.close());

    it("answers 401 with WWW-Authenticate without a token, with a wrong one, and with another scheme", async () => {
      for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${"x".repeat(41)}` }, { authorization: `Basic ${Buffer.from(`u:${TOKENS.traffic}`).toString("base64")}` }, { authorization: `Bearer ${TOKENS.traffic}x` }]) {
        for (const path of ["/api/v1/data?rows=10", "/api/v1/schema", "/metrics", "/nowhere"]) {
          const res = await fetch(`${d.base}${path}`, { headers });
          assert.equal(res.status, 401, `${path} ${JSON.stringify(headers)}`);
          assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="drifter"');
          assert.deepEqual(Object.keys(JSON.parse(await res.text())).sort(), ["error", "message", "statusCode"], "nothing but the refusal");
        }
      }
    });

    it("serves each client with its own token, and keeps the probes open", async () => {
      for (const token of Object.values(TOKENS)) {
        const r = await get(`${d.base}/api/v1/data?rows=10&seed=1`, token);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.text.trim().split("\n").length, 11);
      }
      assert.equal((await get(`${d.base}/healthz`)).status, 200);
      assert.equal((await get(`${d.base}/readyz`)).status, 200);
    });

    it("refuses to start on a token directory without tokens or with a short token, naming the variable", async () => {
      const empty = mkdtempSync(join(tmpdir(), "drifter-empty-"));
      try {
        await assert.rejects(startInProcess({ API_TOKENS_DIR: empty }), /API_TOKENS_DIR=.*no client tokens/);
        writeFileSync(join(empty, "people"), "short");
        await assert.rejects(startInProcess({ API_TOKENS_DIR: empty }), /API_TOKENS_DIR=.*client people.*at least 32/);
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });
  });

  describe("slots", () => {
    it("keeps slots per client: a client holding its share gets 503, another client is served", async () => {
      const d = await startInProcess({ DRIFT_SCHEMA: "credit", API_TOKENS_DIR: dir, DRIFTER_THREADS: "0", DRIFTER_SLOTS: "8", DRIFTER_SLOTS_PER_CLIENT: "2", DRIFTER_STREAM_MAX_SECONDS: "60", DRIFTER_STREAM_IDLE_SECONDS: "60" });
      const held: Awaited<ReturnType<typeof stall>>[] = [];
      try {
        for (let i = 0; i < 2; i++) held.push(await stall(`${d.base}/api/v1/data?rows=1000000&seed=${i}`, TOKENS.people));
        const third = await get(`${d.base}/api/v1/data?rows=10`, TOKENS.people);
        assert.equal(third.status, 503, third.text);
        assert.match(third.text, /limit 2 per client/);
        assert.equal(third.headers.get("retry-after"), "1");
        const other = await get(`${d.base}/api/v1/data?rows=10&seed=3`, TOKENS["drift-job"]);
        assert.equal(other.status, 200, other.text);
      } finally {
        for (const h of held) h.req.destroy();
        await d.close();
      }
    });

    it("cuts readers that stop reading (idle bound) and readers that take too long (time bound), freeing their slots", async () => {
      const d = await startInProcess({ DRIFT_SCHEMA: "credit", API_TOKENS_DIR: dir, DRIFTER_THREADS: "0", DRIFTER_SLOTS: "2", DRIFTER_SLOTS_PER_CLIENT: "2", DRIFTER_STREAM_MAX_SECONDS: "3", DRIFTER_STREAM_IDLE_SECONDS: "1" });
      try {
        // Eight slow clients (here: all the slots) that never read ...
        const held = [await stall(`${d.base}/api/v1/data?rows=1000000&seed=1`, TOKENS.people), await stall(`${d.base}/api/v1/data?rows=1000000&seed=2`, TOKENS.traffic)];
        const blocked = await get(`${d.base}/api/v1/data?rows=10`, TOKENS["drift-job"]);
        assert.equal(blocked.status, 503, "all slots are held");
        // ... lose them once they have taken nothing for the idle bound (the server cuts
        // them; a paused client socket does not notice, so the server is asked).
        const t0 = Date.now();
        let served = blocked;
        while (served.status !== 200 && Date.now() - t0 < 10_000) {
          await new Promise((r) => setTimeout(r, 100));
          served = await get(`${d.base}/api/v1/data?rows=10&seed=4`, TOKENS["drift-job"]);
        }
        assert.equal(served.status, 200, served.text);
        assert.ok(Date.now() - t0 < 2900, `slots freed by the idle bound (1 s), took ${Date.now() - t0} ms`);
        for (const h of held) h.req.destroy();

        // A reader that trickles (reads a little, often: never idle) is cut by the time bound.
        const slow = await stall(`${d.base}/api/v1/data?rows=1000000&seed=5`, TOKENS.people);
        const t1 = Date.now();
        const trickle = setInterval(() => slow.res.read(64 * 1024), 20);
        const cutBy = async (reason: string) => (await get(`${d.base}/metrics`, TOKENS.people)).text.includes(`drifter_batches_cut_total{reason="${reason}"} 1`);
        while (!(await cutBy("stream_timeout")) && Date.now() - t1 < 10_000) await new Promise((r) => setTimeout(r, 100));
        clearInterval(trickle);
        slow.req.destroy();
        const took = Date.now() - t1;
        assert.ok(took >= 2500 && took < 6000, `cut by the time bound (3 s), took ${took} ms`);
        const metrics = await get(`${d.base}/metrics`, TOKENS.people);
        assert.match(metrics.text, /drifter_batches_cut_total\{reason="idle_timeout"\} 2/);
        assert.match(metrics.text, /drifter_batches_cut_total\{reason="stream_timeout"\} 1/);
        assert.match(metrics.text, /drifter_batches_in_flight 0/);
      } finally {
        await d.close();
      }
    });
  });

  it("rejects a per-client limit above the total, naming both variables", async () => {
    await assert.rejects(startInProcess({ DRIFTER_SLOTS: "2", DRIFTER_SLOTS_PER_CLIENT: "3" }), /DRIFTER_SLOTS_PER_CLIENT=3 is larger than DRIFTER_SLOTS=2/);
  });
});
