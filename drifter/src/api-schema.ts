/**
 * The query contract of `GET /api/v1/data`: a JSON schema Fastify validates with, and the
 * words that tell a caller what each parameter allows (used in every 400).
 */
import { MAX_ROWS, MAX_SEED, LEGACY_COLS, SCENARIOS, SCHEMAS } from "./generate";
import { FORMATS } from "./format";

export const DATA_PARAMS = {
  rows: `an integer from 1 to ${MAX_ROWS} (default DRIFT_ROWS)`,
  seed: `an integer from 0 to ${MAX_SEED} (default: random, echoed in the X-Drift-Seed header)`,
  scenario: `one of ${SCENARIOS.join(", ")}, or a comma-separated list of them`,
  magnitude: "a number from 0 (no drift) to 1 (strongest)",
  format: FORMATS.join(", "),
  schema: SCHEMAS.join(", "),
  cols: `an integer from ${LEGACY_COLS.min} to ${LEGACY_COLS.max} (schema=legacy only)`,
  label: "true or false (schema=credit only; include the ground-truth label column)",
} as const;

export type DataParam = keyof typeof DATA_PARAMS;

export interface DataQuery {
  rows?: number;
  seed?: number;
  scenario?: string;
  magnitude?: number;
  format?: (typeof FORMATS)[number];
  schema?: (typeof SCHEMAS)[number];
  cols?: number;
  label?: boolean;
}

export const dataQuerySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    rows: { type: "integer", minimum: 1, maximum: MAX_ROWS },
    seed: { type: "integer", minimum: 0, maximum: MAX_SEED },
    scenario: { type: "string", minLength: 1, maxLength: 200 },
    magnitude: { type: "number", minimum: 0, maximum: 1 },
    format: { type: "string", enum: [...FORMATS] },
    schema: { type: "string", enum: [...SCHEMAS] },
    cols: { type: "integer", minimum: LEGACY_COLS.min, maximum: LEGACY_COLS.max },
    label: { type: "boolean" },
  },
} as const;
