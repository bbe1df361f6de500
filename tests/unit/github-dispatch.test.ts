import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { DRIFT_DISPATCH_PAYLOAD_KEYS, DRIFT_EVENT_TYPE, RETRAIN_ENV } from "../../lib/contract";
import { githubDispatcher } from "../../drift-job/src/github";
import { payloadOf } from "../../drift-job/src/job";
import type { DriftReport } from "../../drift-job/src/analyze";
import { evaluatePolicy } from "../../drift-job/src/policy";
import type { ColumnDrift, DatasetDrift } from "../../drift-job/src/types";
import { renderWorkflows } from "../../components/github/workflows";
import { type GithubReceiver, startGithubReceiver } from "../helpers/github-receiver";

/**
 * The part of GitHub's expression language the generated workflows use in `env:` values:
 * `${{ a.b.c }}` and `${{ x || y }}` over the `github` and `inputs` contexts. `||` gives the
 * first truthy operand; a missing property is null, which becomes "" in an env var.
 */
function evaluateEnv(value: string, contexts: Record<string, unknown>): string {
  const m = /^\$\{\{\s*(.+?)\s*\}\}$/.exec(value);
  if (!m) return value;
  let result: unknown = null;
  for (const operand of m[1].split("||").map((s) => s.trim())) {
    assert.match(operand, /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/, `unsupported expression ${operand} (extend the evaluator)`);
    result = operand.split(".").reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? ((o as Record<string, unknown>)[k] ?? null) : null), contexts);
    if (result) break;
  }
  return result === null || result === undefined ? "" : typeof result === "object" ? JSON.stringify(result) : String(result);
}

/** The env of the retrain workflow's Retrain step for a run started by `event`. */
function retrainStepEnv(contexts: Record<string, unknown>): Record<string, string> {
  const wf = parse(renderWorkflows()["retrain.yml"]);
  const step = wf.jobs.retrain.steps.find((s: { name: string }) => s.name === "Retrain");
  return Object.fromEntries(Object.entries(step.env as Record<string, string>).map(([k, v]) => [k, evaluateEnv(v, contexts)]));
}

function column(psi: number, drifted: boolean): ColumnDrift {
  return {
    column_type: "num",
    stattest_name: "Wasserstein distance (normed)",
    stattest: "wasserstein",
    stattest_threshold: 0.1,
    drift_score: drifted ? 0.4 : 0.02,
    drift_detected: drifted,
    psi,
    reference: { count: 1000, missing: 0 },
    current: { count: 1000, missing: 0 },
    histogram: { bins: [], referenceCounts: [], currentCounts: [], reference: [], current: [] },
  };
}

describe("drift dispatch -> retrain workflow (the drift job's sender, a local GitHub receiver)", () => {
  let receiver: GithubReceiver;
  before(async () => {
    receiver = await startGithubReceiver({ token: "dispatch-token", repository: "acme/drift-loop" });
  });
  after(() => receiver.close());

  it("sends the event type the retrain workflow listens to, and the workflow reads every field it needs from it", async () => {
    const columns = { income: column(0.35, true), age: column(0.05, false), employment: column(0.26, true) };
    const drift: DatasetDrift = {
      dataset_drift: true,
      drift_share: 0.5,
      number_of_columns: 3,
      number_of_drifted_columns: 2,
      share_of_drifted_columns: 2 / 3,
      number_of_failed_columns: 0,
      number_of_columns_without_enough_data: 0,
      columns_only_in_reference: [],
      columns_only_in_current: [],
      columns,
    };
    const decision = evaluatePolicy(drift);
    assert.ok(decision.fired, "the default policy fires on PSI 0.35");
    // payloadOf reads the drift fields and the policy decision of the report.
    const report = { ...drift, retrain: { ...decision, action: "" } } as unknown as DriftReport;
    const payload = payloadOf(report, "s3://reports/2026-11-22T00-00-00Z/report.json", "0123456789abcdef", { start: new Date("2026-11-21T23:00:00Z"), end: new Date("2026-11-22T00:00:00Z") }, "7");

    await githubDispatcher({ token: "dispatch-token", owner: "acme", repo: "drift-loop", apiUrl: receiver.url }).send(payload);
    assert.equal(receiver.dispatches.length, 1, JSON.stringify(receiver.requests));
    const sent = receiver.dispatches[0];

    const retrain = parse(renderWorkflows()["retrain.yml"]);
    assert.deepEqual(retrain.on.repository_dispatch.types, [sent.event_type]);
    assert.equal(sent.event_type, DRIFT_EVENT_TYPE);
    assert.deepEqual(Object.keys(sent.client_payload ?? {}).sort(), [...DRIFT_DISPATCH_PAYLOAD_KEYS].sort(), "the drift job sends exactly the contract's keys");

    // What the run started by this event sees (GitHub's repository_dispatch webhook payload).
    const env = retrainStepEnv({ github: { event_name: "repository_dispatch", event: { action: sent.event_type, client_payload: sent.client_payload } }, inputs: {} });
    assert.deepEqual(env, {
      [RETRAIN_ENV.reason]: payload.reason,
      [RETRAIN_ENV.report]: "s3://reports/2026-11-22T00-00-00Z/report.json",
      [RETRAIN_ENV.mlflowRunId]: "0123456789abcdef",
      [RETRAIN_ENV.modelVersion]: "7",
    });
    assert.match(env[RETRAIN_ENV.reason], /PSI above 0.2 in 2 columns \(income 0.350, employment 0.260\)/);
    const referenced = [...renderWorkflows()["retrain.yml"].matchAll(/client_payload\.(\w+)/g)].map((m) => m[1]);
    for (const key of referenced) {
      const v = (sent.client_payload ?? {})[key];
      assert.ok(typeof v === "string" && v !== "", `client_payload.${key} is read by the workflow and sent as a non-empty string (got ${JSON.stringify(v)})`);
    }
  });

  it("gives the reason typed by hand, and empty drift fields, to a retrain started with workflow_dispatch", () => {
    const env = retrainStepEnv({ github: { event_name: "workflow_dispatch", event: { inputs: { reason: "new labelled data" } } }, inputs: { reason: "new labelled data" } });
    assert.deepEqual(env, { [RETRAIN_ENV.reason]: "new labelled data", [RETRAIN_ENV.report]: "", [RETRAIN_ENV.mlflowRunId]: "", [RETRAIN_ENV.modelVersion]: "" });
  });
});
