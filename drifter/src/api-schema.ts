/**
 * The query contract of `GET /api/v1/data`: what each parameter allows, in words (served at
 * /api/v1/schema and used in every 400), and the parser that accepts exactly that. Numbers
 * are plain decimal (lib/numbers.ts): `rows=1e3`, `0x10` or `0b11` are refused, not read
 * as 1000, 16 and 3. Each parameter may be given once.
 */
import { parseDecimalInteger, parseDecimalNumber } from "../../lib/numbers";
import { FORMATS } from "./format";
import { MAX_ROWS, MAX_SEED, LEGACY_COLS, SCENARIOS, SCHEMAS } from "../../lib/generator/generate";

const MAX_SCENARIO_CHARS = 200;

export const DATA_PARAMS = {
  rows: `an integer from 1 to ${MAX_ROWS} in decimal digits (default DRIFT_ROWS)`,
  seed: `an integer from 0 to ${MAX_SEED} in decimal digits (default: random, echoed in the X-Drift-Seed header)`,
  scenario: `one of ${SCENARIOS.join(", ")}, or a list of them separated by single commas (no spaces, no empty items; at most ${MAX_SCENARIO_CHARS} characters)`,
  magnitude: "a decimal number from 0 (no drift) to 1 (strongest)",
  format: FORMATS.join(", "),
  schema: SCHEMAS.join(", "),
  cols: `an integer from ${LEGACY_COLS.min} to ${LEGACY_COLS.max} in decimal digits (schema=legacy only)`,
  label: "true or false (schema=credit only; include the ground-truth label column)",
} as const;

export type DataParam = keyof typeof DATA_PARAMS;

export interface DataQuery {
  rows?: number;
  seed?: number;
  /** As given; checked against the table by parseScenarios (it depends on `schema`). */
  scenario?: string;
  magnitude?: number;
  format?: (typeof FORMATS)[number];
  schema?: (typeof SCHEMAS)[number];
  cols?: number;
  label?: boolean;
}

/** A query parameter the request got wrong; `message` names it and what it allows. */
export class QueryError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = "QueryError";
  }
}

const integer = (min: number, max: number) => (raw: string) => {
  const n = parseDecimalInteger(raw);
  return n !== undefined && n >= min && n <= max ? n : undefined;
};
const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (raw: string) =>
    (allowed as readonly string[]).includes(raw) ? (raw as T) : undefined;

/** Per parameter: the value, or undefined when the text is not what DATA_PARAMS says. */
const PARSE: { [K in DataParam]-?: (raw: string) => DataQuery[K] | undefined } = {
  rows: integer(1, MAX_ROWS),
  seed: integer(0, MAX_SEED),
  scenario: (raw) => (raw.length >= 1 && raw.length <= MAX_SCENARIO_CHARS ? raw : undefined),
  magnitude: (raw) => {
    const n = parseDecimalNumber(raw);
    return n !== undefined && n >= 0 && n <= 1 ? n : undefined;
  },
  format: oneOf(FORMATS),
  schema: oneOf(SCHEMAS),
  cols: integer(LEGACY_COLS.min, LEGACY_COLS.max),
  label: (raw) => (raw === "true" ? true : raw === "false" ? false : undefined),
};

const shown = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);

/**
 * Reads the query string of `GET /api/v1/data` (the part after `?`). Throws a QueryError
 * for an unknown parameter, a repeated one, or a value the parameter does not allow.
 */
export function parseDataQuery(search: string): DataQuery {
  const q: Record<string, unknown> = {};
  for (const [name, raw] of new URLSearchParams(search)) {
    if (!Object.hasOwn(DATA_PARAMS, name)) {
      throw new QueryError(name, `unknown query parameter ${shown(name)}; allowed parameters: ${Object.keys(DATA_PARAMS).join(", ")}`);
    }
    const p = name as DataParam;
    if (Object.hasOwn(q, p)) throw new QueryError(p, `query parameter ${p} is given more than once; give it once: ${DATA_PARAMS[p]}`);
    const value = PARSE[p](raw);
    if (value === undefined) {
      throw new QueryError(p, `query parameter ${p}=${shown(raw)} is ${raw === "" ? "empty" : "invalid"}; allowed: ${DATA_PARAMS[p]}`);
    }
    q[p] = value;
  }
  return q as DataQuery;
}
