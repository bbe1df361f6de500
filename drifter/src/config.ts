/**
 * The drifter's configuration, read once from the environment and validated. The legacy
 * contract's names and bounds are kept: DRIFT_PROB (0..1), DRIFT_ROWS (100..10000,
 * default 1000), DRIFT_COLS (2..30, default 12).
 */
import { availableParallelism } from "node:os";
import { ENV, PORTS } from "../../lib/contract";
import { readTokenDir, type ApiToken } from "../../lib/auth";
import { ConfigError, enumEnv, floatEnv, intEnv, optionalStringEnv } from "../../lib/env";
import { SCHEMAS, ScenarioError, parseScenarios, type Scenario, type SchemaName } from "../../lib/scenarios";
import { LEGACY_COLS } from "../../lib/generator/generate";

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
  /** Stream slots: batches served at once, and at most so many per client; more get 503 + Retry-After. */
  slots: { total: number; perClient: number };
  /** A batch's response is cut after this long in all (ms) ... */
  streamMaxMs: number;
  /** ... or when the client has taken nothing for this long (ms). */
  streamIdleMs: number;
  /** Client tokens (API_TOKENS_DIR); undefined = no authentication (local runs only). */
  tokens?: ApiToken[];
}

/** The drifter's own variables of its stream limits. */
export const LIMIT_ENV = {
  slots: "DRIFTER_SLOTS",
  slotsPerClient: "DRIFTER_SLOTS_PER_CLIENT",
  streamMaxSeconds: "DRIFTER_STREAM_MAX_SECONDS",
  streamIdleSeconds: "DRIFTER_STREAM_IDLE_SECONDS",
} as const;

/**
 * Bounds and defaults of the stream limits. A batch of the largest size (MAX_ROWS) takes a
 * few seconds on a cluster network; a reader slower than that holds a slot for nothing.
 */
export const LIMIT_BOUNDS = {
  slots: { min: 1, max: 256, default: 8 },
  slotsPerClient: { min: 1, max: 256, default: 4 },
  streamMaxSeconds: { min: 1, max: 3600, default: 120 },
  streamIdleSeconds: { min: 1, max: 600, default: 15 },
} as const;

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
  const bound = (name: keyof typeof LIMIT_ENV) => {
    const b = LIMIT_BOUNDS[name];
    return intEnv(env, LIMIT_ENV[name], { min: b.min, max: b.max, fallback: b.default });
  };
  const total = bound("slots");
  const perClientSet = optionalStringEnv(env, LIMIT_ENV.slotsPerClient) !== undefined;
  const perClient = perClientSet ? bound("slotsPerClient") : Math.min(LIMIT_BOUNDS.slotsPerClient.default, total);
  if (perClient > total) throw new ConfigError(`${LIMIT_ENV.slotsPerClient}=${perClient} is larger than ${LIMIT_ENV.slots}=${total}; allowed: 1..${LIMIT_ENV.slots}`);
  const tokensDir = optionalStringEnv(env, ENV.apiTokensDir);
  return {
    slots: { total, perClient },
    streamMaxMs: bound("streamMaxSeconds") * 1000,
    streamIdleMs: bound("streamIdleSeconds") * 1000,
    tokens: tokensDir === undefined ? undefined : readTokenDir(tokensDir, ENV.apiTokensDir),
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
