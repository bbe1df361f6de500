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

/**
 * A short, bounded description of a bad value for an error message. Objects and arrays are
 * named, not serialised: a value nested thousands deep (or megabytes wide) would overflow
 * the stack or flood the answer.
 */
function show(v: unknown): string {
  if (typeof v === "string") return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}... (${v.length} characters)` : JSON.stringify(v);
  if (Array.isArray(v)) return `an array (${v.length} ${v.length === 1 ? "item" : "items"})`;
  if (typeof v === "object" && v !== null) return "an object";
  // JSON has no Infinity: JSON.parse gives it for a number beyond a 64-bit float (1e400).
  if (typeof v === "number" && !Number.isFinite(v) && !Number.isNaN(v)) return `a number beyond ${v < 0 ? "-" : ""}1.8e308 (too large for a 64-bit float)`;
  return String(v);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `path.key` for a key as people write field names, `path["key"]` for any other (an empty
 * key, spaces, dots), shortened when long: the error names exactly the key that was sent.
 */
export function fieldPath(path: string, key: string): string {
  if (IDENTIFIER.test(key) && key.length <= 60) return path ? `${path}.${key}` : key;
  const shown = key.length > 60 ? `${JSON.stringify(key.slice(0, 60)).slice(0, -1)}..."` : JSON.stringify(key);
  return `${path}[${shown}]`;
}

/** Checks one feature value; returns the problem, or undefined when valid. */
export function checkValue(f: Feature, v: unknown): string | undefined {
  if (v === null) return undefined;
  if (f.kind === "num") {
    if (typeof v !== "number") return `${show(v)} is not a number; allowed: ${describeAllowed(f)}`;
    if (!Number.isFinite(v)) return `${show(v)} is not allowed; allowed: ${describeAllowed(f)}`;
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
  const at = (k: string) => fieldPath(path, k);
  // Own keys only, so a `__proto__` or `constructor` key (an own property after JSON.parse)
  // is reported like any other unknown field, and nothing is read from the prototype.
  for (const k of Object.keys(r)) {
    if (!KNOWN.has(k)) return { field: at(k), message: `unknown field; allowed fields: ${ALLOWED_LIST}` };
  }
  for (const f of FEATURES) {
    if (!Object.hasOwn(r, f.name)) return { field: at(f.name), message: `is required; allowed: ${describeAllowed(f)}` };
    const problem = checkValue(f, r[f.name]);
    if (problem) return { field: at(f.name), message: problem };
  }
  const label = Object.hasOwn(r, LABEL) ? r[LABEL] : undefined;
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
