import { strict as assert } from "node:assert";
import { DRIFT_EVENT_TYPE } from "../../lib/contract";
import { githubDispatcher } from "../../drift-job/src/github";
import { EMPTY_STATE, parseState, planRetrain, planTrigger, type StateStore, type TriggerState } from "../../drift-job/src/trigger";
import { startGithubReceiver, type GithubReceiver } from "../helpers/github-receiver";

const H = 3_600_000;
const T0 = Date.parse("2026-11-21T10:00:00Z");

/** The state kept as the JSON text a real store would keep (so what is saved must survive a round trip). */
function jsonStore(): StateStore & { text?: string; saves: number } {
  const s: StateStore & { text?: string; saves: number } = {
    saves: 0,
    async load() {
      return s.text ? parseState(s.text) : EMPTY_STATE;
    },
    async save(state: TriggerState) {
      s.saves++;
      s.text = JSON.stringify(state);
    },
  };
  return s;
}

describe("retrain trigger", () => {
  let gh: GithubReceiver;
  before(async () => {
    gh = await startGithubReceiver({ token: "t0ken", repository: "acme/loop" });
  });
  after(() => gh.close());
  beforeEach(() => {
    gh.dispatches.length = 0;
    gh.requests.length = 0;
  });

  const dispatcher = () => githubDispatcher({ token: "t0ken", owner: "acme", repo: "loop", apiUrl: gh.url }, undefined, { attempts: 3, baseDelayMs: 10 });
  const run = async (store: StateStore, fired: boolean, windowEnd: number, now: number, cooldownMinutes = 360) => {
    const p = await planRetrain(store, dispatcher(), { fired, windowEnd: new Date(windowEnd).toISOString(), now, cooldownMinutes, report: `s3://reports/${windowEnd}/report.json`, reasons: ["PSI above 0.2"] });
    return p.execute(() => ({ reason: "PSI above 0.2", report: "s3://reports/x/report.json", window_end: new Date(windowEnd).toISOString() }));
  };

  it("sends one repository_dispatch drift-detected with the documented request shape", async () => {
    const store = jsonStore();
    const out = await run(store, true, T0, T0 + 60_000);
    assert.equal(out.action, "dispatched");
    assert.equal(gh.dispatches.length, 1);
    const d = gh.dispatches[0];
    assert.equal(d.event_type, DRIFT_EVENT_TYPE);
    assert.equal(d.client_payload?.report, "s3://reports/x/report.json");
    assert.match(String(d.headers.authorization), /^(token|bearer) t0ken$/i);
    assert.match(String(d.headers.accept), /application\/vnd\.github/);
    assert.equal(parseState(store.text!).episode?.status, "sent");
  });

  it("sends nothing when the same window runs again", async () => {
    const store = jsonStore();
    await run(store, true, T0, T0 + 60_000);
    const again = await run(store, true, T0, T0 + 120_000, 0);
    assert.equal(again.action, "suppressed");
    assert.match(again.message, /already requested for this window/);
    assert.equal(gh.dispatches.length, 1);
  });

  it("asks once per drift episode: later drifted windows wait for the cooldown, a calm window ends the episode", async () => {
    const store = jsonStore();
    assert.equal((await run(store, true, T0, T0)).action, "dispatched");
    assert.equal((await run(store, true, T0 + H, T0 + H)).action, "suppressed");
    assert.equal((await run(store, true, T0 + 2 * H, T0 + 2 * H)).action, "suppressed");
    assert.equal(gh.dispatches.length, 1);
    // Past the 6 h cooldown the drift persists: ask again (the retrain may have been lost).
    assert.equal((await run(store, true, T0 + 7 * H, T0 + 7 * H)).action, "dispatched");
    assert.equal(gh.dispatches.length, 2);
    // The drift goes away: the episode ends, and the next drift is a new episode, sent at once.
    assert.equal((await run(store, false, T0 + 8 * H, T0 + 8 * H)).action, "not-needed");
    assert.equal(parseState(store.text!).episode, null);
    assert.equal((await run(store, true, T0 + 9 * H, T0 + 9 * H)).action, "dispatched");
    assert.equal(gh.dispatches.length, 3);
  });

  it("retries GitHub errors with backoff and succeeds when GitHub recovers", async () => {
    const store = jsonStore();
    gh.failNext(2, 502);
    const out = await run(store, true, T0, T0);
    assert.equal(out.action, "dispatched");
    assert.deepEqual(
      gh.requests.map((r) => r.status),
      [502, 502, 204],
    );
  });

  it("records a failed dispatch so that the next firing run asks again, even for the same window", async () => {
    const store = jsonStore();
    gh.failNext(3, 503);
    const out = await run(store, true, T0, T0);
    assert.equal(out.action, "failed");
    assert.equal(parseState(store.text!).episode?.status, "failed");
    assert.equal(gh.dispatches.length, 0);
    const retry = await run(store, true, T0, T0 + 60_000);
    assert.equal(retry.action, "dispatched");
    assert.equal(parseState(store.text!).episode?.attempts, 2);
    assert.equal(gh.dispatches.length, 1);
  });

  it("does not retry a rejected token, and says what to check", async () => {
    const bad = githubDispatcher({ token: "wrong", owner: "acme", repo: "loop", apiUrl: gh.url }, undefined, { attempts: 3, baseDelayMs: 10 });
    await assert.rejects(bad.send({ reason: "x" }), /GitHub answered 401.*check GITHUB_TOKEN/);
    assert.equal(gh.requests.length, 1);
  });

  it("refuses a payload with more than 10 top-level keys before sending", async () => {
    const payload = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i]));
    await assert.rejects(dispatcher().send(payload), /11 top-level keys; GitHub allows at most 10/);
    assert.equal(gh.requests.length, 0);
  });

  it("plans without GitHub configured: the decision is recorded, nothing is sent", async () => {
    const store = jsonStore();
    const p = await planRetrain(store, undefined, { fired: true, windowEnd: "x", now: T0, cooldownMinutes: 1, report: "r", reasons: [] });
    assert.equal(p.action, "disabled");
    assert.match(p.message, /GitHub is not configured/);
    assert.equal(store.saves, 0);
  });

  it("is a pure plan: a pending dispatch counts as sent (no second retrain after a crash)", () => {
    const state: TriggerState = {
      ...EMPTY_STATE,
      episode: { started_at: "2026-11-21T10:00:00.000Z", window_end: "2026-11-21T10:00:00.000Z", dispatched_at: "2026-11-21T10:00:00.000Z", status: "pending", attempts: 1, report: "r", reasons: [] },
    };
    assert.equal(planTrigger(state, { fired: true, windowEnd: "2026-11-21T11:00:00.000Z", now: T0 + H, cooldownMinutes: 360 }).kind, "suppressed");
  });

  it("rejects stored state it does not understand", () => {
    assert.throws(() => parseState('{"version":2}'), /not a retrain trigger state/);
    assert.throws(() => parseState("{"), SyntaxError);
  });
});
