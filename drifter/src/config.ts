/**
 * The drifter's configuration, read once from the environment and validated. The legacy
 * contract's names and bounds are kept: DRIFT_PROB (0..1), DRIFT_ROWS (100..10000,
 * default 1000), DRIFT_COLS (2..30, default 12).
 */
import { availableParallelism } from "node:os";
import { ENV, PORTS } from "../../lib/contract";
import { ConfigError, enumEnv, floatEnv, intEnv, optionalStringEnv } from "../../lib/env";
import { SCHEMAS, ScenarioError, parseScenarios, type Scenario, type SchemaName } from "./scenarios";
import { LEGACY_COLS } from "./generate";

export interface DrifterConfig {
  port: number;
  host: string;
  /** The table served when a request names none (`schema=`). */
  schema: SchemaName;
  /** Default rows per batch (DRIFT_ROWS). */
  rows: number;
  /** Default number of legacy feat columns (DRIFT_COLS). */
  cols: number;
  /** Per-column drift probability of the `drift_prob` scenario (DRIFT_PROB). */
  driftProb: number;
  /** Default scenario(s) for the default table (DRIFT_SCENARIO). */
  scenario: Scenario[];
  /** Default magnitude of every other scenario (DRIFT_MAGNITUDE). */
  magnitude: number;
  /** Worker threads that make batches of PARALLEL_MIN_ROWS rows or more (DRIFTER_THREADS; 0: none). */
  threads: number;
}

/** DRIFTER_THREADS bounds; the default is the CPUs this process may use, at most 4. */
export const THREADS_ENV_BOUNDS = { min: 0, max: 64 } as const;

export const ROWS_ENV_BOUNDS = { min: 100, max: 10000, default: 1000 } as const;

/** Built-in default scenario per table: legacy keeps the classic DRIFT_PROB behaviour. */
export const DEFAULT_SCENARIO: Readonly<Record<SchemaName, Scenario[]>> = { legacy: ["drift_prob"], credit: [] };

export function loadConfig(env: Record<string, string | undefined> = process.env): DrifterConfig {
  const schema = enumEnv(env, ENV.driftSchema, SCHEMAS, "legacy");
  const scenarioRaw = optionalStringEnv(env, ENV.driftScenario);
  let scenario = DEFAULT_SCENARIO[schema];
  if (scenarioRaw !== undefined) {
    try {
      scenario = parseScenarios(scenarioRaw, schema);
    } catch (err) {
      if (err instanceof ScenarioError) throw new ConfigError(`${ENV.driftScenario}: ${err.message}`);
      throw err;
    }
  }
  return {
    port: intEnv(env, ENV.port, { min: 1, max: 65535, fallback: PORTS.drifter }),
    host: optionalStringEnv(env, "HOST") ?? "0.0.0.0",
    schema,
    rows: intEnv(env, ENV.driftRows, { min: ROWS_ENV_BOUNDS.min, max: ROWS_ENV_BOUNDS.max, fallback: ROWS_ENV_BOUNDS.default }),
    cols: intEnv(env, ENV.driftCols, { min: LEGACY_COLS.min, max: LEGACY_COLS.max, fallback: LEGACY_COLS.default }),
    driftProb: floatEnv(env, ENV.driftProb, { min: 0, max: 1, fallback: 0.5 }),
    scenario,
    magnitude: floatEnv(env, ENV.driftMagnitude, { min: 0, max: 1, fallback: 0.5 }),
    threads: intEnv(env, ENV.drifterThreads, { ...THREADS_ENV_BOUNDS, fallback: Math.min(availableParallelism(), 4) }),
  };
}
