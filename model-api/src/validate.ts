/**
 * Validation of one input row against the dataset schema (lib/schema.ts). Used at both
 * edges: the API (`POST /predict`) and the training data loader. Errors name the field,
 * the value and what is allowed. Pure functions.
 */
import { CATEGORY_PATTERN, FEATURES, FEATURE_NAMES, LABEL, type Feature, type Row } from "../../lib/schema";

export interface FieldError {
  /** Path of the bad field, e.g. `rows[3].age`. */
  field: string;
  message: string;
}

const KNOWN = new Set<string>([...FEATURE_NAMES, LABEL]);
const ALLOWED_LIST = [...FEATURE_NAMES, LABEL].join(", ");

export function describeAllowed(f: Feature): string {
  if (f.kind === "num") return `${f.integer ? "an integer" : "a number"} from ${f.min} to ${f.max}, or null when missing`;
  return `a category string matching ${CATEGORY_PATTERN} (known: ${f.categories.join(", ")}; unseen categories are accepted), or null when missing`;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Checks one feature value; returns the problem, or undefined when valid. */
export function checkValue(f: Feature, v: unknown): string | undefined {
  if (v === null) return undefined;
  if (f.kind === "num") {
    if (typeof v !== "number") return `${show(v)} is not a number; allowed: ${describeAllowed(f)}`;
    if (!Number.isFinite(v)) return `${show(v)} is not finite; allowed: ${describeAllowed(f)}`;
    if (f.integer && !Number.isInteger(v)) return `${v} is not an integer; allowed: ${describeAllowed(f)}`;
    if (v < f.min || v > f.max) return `${v} is out of range; allowed: ${describeAllowed(f)}`;
    return undefined;
  }
  if (typeof v !== "string") return `${show(v)} is not a string; allowed: ${describeAllowed(f)}`;
  if (!CATEGORY_PATTERN.test(v)) return `${show(v)} is not a valid category; allowed: ${describeAllowed(f)}`;
  return undefined;
}

/**
 * Validates a row object. Every schema feature must be present (null marks a missing
 * value); the label `default` may be present (0, 1 or null); any other field is an error.
 * Returns the first problem, or undefined.
 */
export function checkRow(row: unknown, path: string, opts: { requireLabel?: boolean } = {}): FieldError | undefined {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    return { field: path || "body", message: `must be an object with the fields ${ALLOWED_LIST}` };
  }
  const r = row as Record<string, unknown>;
  const at = (k: string) => (path ? `${path}.${k}` : k);
  for (const k of Object.keys(r)) {
    if (!KNOWN.has(k)) return { field: at(k), message: `unknown field; allowed fields: ${ALLOWED_LIST}` };
  }
  for (const f of FEATURES) {
    if (!(f.name in r)) return { field: at(f.name), message: `is required; allowed: ${describeAllowed(f)}` };
    const problem = checkValue(f, r[f.name]);
    if (problem) return { field: at(f.name), message: problem };
  }
  const label = r[LABEL];
  if (label === undefined || (label === null && opts.requireLabel)) {
    if (opts.requireLabel) return { field: at(LABEL), message: "the label is required for training and is missing; allowed: 0 or 1" };
  } else if (label !== 0 && label !== 1 && !(label === null && !opts.requireLabel)) {
    return { field: at(LABEL), message: `${show(label)} is not a label; allowed: 0 or 1${opts.requireLabel ? "" : " or null"}` };
  }
  return undefined;
}

/** Only the schema features of a validated row (drops the label). */
export function featuresOf(r: Record<string, unknown>): Row {
  const out: Row = {};
  for (const name of FEATURE_NAMES) out[name] = r[name] as number | string | null;
  return out;
}
