/**
 * The checks of single values that are not a bound or a fixed list (those are in the key
 * table): the shapes of names, tags, image references and quantities, cron schedules, and
 * unknown keys with their close matches.
 */
import { CONFIG_KEYS, CONFIG_NAMESPACE } from "./keys";

export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// An image reference with an explicit tag or digest: [registry/]path:tag or ...@sha256:hex.
export const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;
export const REGISTRY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** Field ranges of a 5-field cron schedule. */
const CRON_FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];
const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

/** Returns why a cron schedule is invalid, or undefined when Kubernetes accepts it. */
export function cronProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith("@")) return CRON_MACROS.includes(s) ? undefined : `unknown macro ${s}; allowed: ${CRON_MACROS.join(", ")}`;
  if (/^(TZ|CRON_TZ)=/.test(s)) return "time zones in the schedule are not allowed (Kubernetes rejects TZ= in spec.schedule)";
  const fields = s.split(/\s+/);
  if (fields.length !== 5) return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (let i = 0; i < 5; i++) {
    const f = CRON_FIELDS[i]!;
    const value = (tok: string): number | undefined => {
      if (/^\d+$/.test(tok)) return Number(tok);
      const idx = f.names?.indexOf(tok.toUpperCase()) ?? -1;
      if (idx < 0) return undefined;
      return f.name === "month" ? idx + 1 : idx;
    };
    for (const part of fields[i]!.split(",")) {
      const m = /^(\*|\?|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(part);
      const bad = `${f.name} field ${JSON.stringify(fields[i])}: allowed ${f.min}-${f.max}${f.names ? ` or ${f.names[0]}-${f.names[f.names.length - 1]}` : ""}, *, lists (a,b), ranges (a-b) and steps (*/n)`;
      if (!m) return bad;
      if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > f.max - f.min + 1)) return bad;
      if (m[1] === "*" || m[1] === "?") continue;
      const [a, b] = m[1]!.split("-");
      const lo = value(a!);
      const hi = b === undefined ? lo : value(b);
      if (lo === undefined || hi === undefined || lo < f.min || hi > f.max || lo > hi) return bad;
    }
  }
  return undefined;
}

/** A Kubernetes label name (the part after an optional `<DNS subdomain>/` prefix) and a non-empty label value: at most 63 characters. */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const KEY_RULE = "key: [prefix/]name, name at most 63 letters, digits, - _ . starting and ending alphanumeric; prefix a DNS subdomain; each key once";
export const LABEL_RULE = `comma-separated key=value pairs of Kubernetes labels, e.g. release=kube-prometheus-stack (${KEY_RULE}; value like a name)`;
export const ANNOTATION_RULE = `comma-separated key=value pairs of Kubernetes annotations, e.g. eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/drift-loop (${KEY_RULE}; value any text without commas)`;

/**
 * Parses `k=v,k2=v2` into Kubernetes labels or annotations (the same keys; a label's value
 * is limited like a name, an annotation's is free text); returns the pairs that are not
 * valid, for the caller's message (LABEL_RULE, ANNOTATION_RULE).
 */
export function parseKeyValues(text: string, kind: "label" | "annotation"): { pairs: Record<string, string>; bad: string[] } {
  const pairs: Record<string, string> = {};
  const bad: string[] = [];
  if (text.trim() === "") return { pairs, bad };
  for (const pair of text.split(",").map((p) => p.trim())) {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? pair : pair.slice(0, eq).trim();
    const value = eq < 0 ? "" : pair.slice(eq + 1).trim();
    const slash = key.lastIndexOf("/");
    const prefix = slash < 0 ? undefined : key.slice(0, slash);
    const name = slash < 0 ? key : key.slice(slash + 1);
    const okKey = LABEL_NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
    const okValue = kind === "label" ? LABEL_NAME.test(value) : value !== "";
    if (eq < 0 || !okKey || !okValue || key in pairs) bad.push(pair);
    else pairs[key] = value;
  }
  return { pairs, bad };
}

/** A host name or IP MLflow may accept, optionally with :port or a * label (never * alone). */
export const ALLOWED_HOST = /^[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?(:\d{1,5})?$/;

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The known keys closest to an unknown one, best first (at most `max`): those within a few
 * edits of it, ignoring case, and those that contain it or that it contains.
 */
export function closeMatches(unknown: string, known: readonly string[] = Object.keys(CONFIG_KEYS), max = 3): string[] {
  const u = unknown.toLowerCase();
  const limit = Math.max(2, Math.floor(u.length / 3));
  return known
    .map((k) => {
      const l = k.toLowerCase();
      const d = editDistance(u, l);
      const contains = u.length >= 4 && (l.includes(u) || u.includes(l));
      return { k, d, ok: d <= limit || contains };
    })
    .filter((m) => m.ok)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, max)
    .map((m) => m.k);
}

/**
 * One problem per key set under the namespace that the program does not read (a typo would
 * otherwise be ignored silently and the default used), naming the close matches.
 */
export function unknownKeyProblems(keys: Iterable<string>): string[] {
  const problems: string[] = [];
  for (const k of keys) {
    if (Object.prototype.hasOwnProperty.call(CONFIG_KEYS, k)) continue;
    const near = closeMatches(k);
    const hint = near.length > 0 ? `did you mean ${near.map((n) => `${CONFIG_NAMESPACE}:${n}`).join(", ")}?` : "no known key is close to it";
    problems.push(`${CONFIG_NAMESPACE}:${k} is not a key drift-loop reads; ${hint} (every key: docs/configuration.md; remove it with pulumi config rm ${k})`);
  }
  return problems;
}
