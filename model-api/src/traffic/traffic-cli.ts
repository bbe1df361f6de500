/**
 * The traffic CronJob's entry point (`npm run traffic`): a drifter batch posted to the
 * model API as simulated production traffic. Exits 1 when any request failed.
 */
import { ENV } from "../../../lib/contract";
import { ConfigError, intEnv, optionalStringEnv, urlEnv } from "../../../lib/env";
import { parseScenarios } from "../../../lib/scenarios";
import { createLogger } from "../../../lib/logger";
import { parseFlags, runMain } from "../../../lib/cli";
import { fetchDrifterBatch, postTraffic } from "./traffic";

const HELP = `Usage: npm run traffic [-- --help]

Fetches a batch from the drifter and posts it to the model API's POST /predict in batches,
as simulated production traffic (the model API logs every row to MinIO for the drift
check). Configured by the environment (the traffic CronJob sets it):

  ${ENV.drifterUrl}        drifter base URL (required), e.g. http://drifter:8000
  ${ENV.modelApiUrl}       model API base URL (required), e.g. http://model-api:8080
  ${ENV.drifterToken}, ${ENV.modelApiToken}  this client's bearer tokens (when the servers require them)
  ${ENV.trafficRows}        rows per run, 1..100000 (default 1000)
  ${ENV.trafficBatchSize}  rows per request, 1..1000 (default 100)
  ${ENV.trafficScenario}    drifter scenario(s), e.g. none, mean_shift, concept (default: the
                    drifter's configured DRIFT_SCENARIO)
  TRAFFIC_CONCURRENCY requests in flight, 1..16 (default 2)

Logs one summary line; exit code 1 when any request failed, 2 on bad configuration.`;

async function main(): Promise<number> {
  const v = parseFlags(process.argv.slice(2), { help: { type: "boolean", short: "h" } });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const env = process.env;
  const log = createLogger("traffic");
  const scenario = optionalStringEnv(env, ENV.trafficScenario);
  if (scenario !== undefined) {
    try {
      parseScenarios(scenario, "credit");
    } catch (err) {
      throw new ConfigError(`${ENV.trafficScenario}: ${(err as Error).message}`);
    }
  }
  const o = {
    drifterUrl: urlEnv(env, ENV.drifterUrl),
    modelApiUrl: urlEnv(env, ENV.modelApiUrl),
    modelApiToken: optionalStringEnv(env, ENV.modelApiToken),
    rows: intEnv(env, ENV.trafficRows, { min: 1, max: 100_000, fallback: 1000 }),
    batchSize: intEnv(env, ENV.trafficBatchSize, { min: 1, max: 1000, fallback: 100 }),
    scenario,
    concurrency: intEnv(env, "TRAFFIC_CONCURRENCY", { min: 1, max: 16, fallback: 2 }),
    attempts: 4,
    log,
  };
  const rows = await fetchDrifterBatch(o);
  const s = await postTraffic(rows, o);
  const line = { rows: s.rows, requests: s.requests, ok_requests: s.okRequests, failed_requests: s.failedRequests, ok_rows: s.okRows, failed_rows: s.failedRows, predicted_positive_rate: s.okRows ? s.positives / s.okRows : null, model_versions: s.modelVersions, scenario: scenario ?? "(drifter default)", ms: s.ms, errors: s.errors };
  if (s.failedRequests) log.error(line, "traffic run finished with failed requests");
  else log.info(line, "traffic run finished");
  return s.failedRequests ? 1 : 0;
}

runMain("traffic", main, { help: true });
