/**
 * The drift check's settings, each declared once: its environment variable, its type, its
 * allowed values or bounds and its default. The Pulumi program (infra/config.ts, which
 * takes these entries into CONFIG_KEYS under the same names) and the drift CronJob's
 * loader (drift-job/src/config.ts) both check a value with `readNumberSetting` and
 * `readChoiceSetting` below, so `pulumi preview` accepts exactly what the job accepts and
 * both say the same thing about a bad value. The Postgres backup's retention
 * (BACKUP_SETTINGS) is declared the same way, for the stack config and the backup CLI
 * (drift-job/src/backup-cli.ts). docs/configuration.md is generated from these tables
 * (scripts/docs-config.ts).
 */
import { ENV } from "./contract";
import { parseDecimalInteger, parseDecimalNumber } from "./numbers";

/** A number setting: integers in decimal digits, or decimal numbers (lib/numbers.ts). */
export interface NumberSetting {
  readonly type: "integer" | "number";
  /** The environment variable the workload reads. */
  readonly env: string;
  readonly min: number;
  readonly max: number;
  /** The minimum itself is not allowed: a value must be above it. */
  readonly minExclusive?: boolean;
  /** Absent: no default (the workload's own choice applies, e.g. each method's threshold). */
  readonly default?: number;
}

/** A setting with a fixed list of values. */
export interface ChoiceSetting<T extends string = string> {
  readonly type: "string";
  readonly env: string;
  readonly allowed: readonly T[];
  readonly default: T;
}

/**
 * The drift methods (their ids are Evidently's `stattest` names): docs/drift-methods.md
 * says what each one scores and when it calls a column drifted.
 */
export const DRIFT_METHODS = ["ks", "chisquare", "z", "wasserstein", "psi", "kl_div", "jensenshannon", "hellinger"] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];

const integer = (env: string, min: number, max: number, dflt: number): NumberSetting => ({ type: "integer", env, min, max, default: dflt });
const decimal = (env: string, min: number, max: number, dflt: number | undefined, minExclusive = false): NumberSetting => ({ type: "number", env, min, max, ...(minExclusive ? { minExclusive } : {}), ...(dflt !== undefined ? { default: dflt } : {}) });
const choice = <T extends string>(env: string, allowed: readonly T[], dflt: T): ChoiceSetting<T> => ({ type: "string", env, allowed, default: dflt });

/**
 * Why these bounds: each is what the drift job can honour.
 * - driftWindowMinutes: one minute to one week of logged requests in one run.
 * - driftThreshold: above 0 (a p-value method calls drift when p <= threshold, a distance
 *   when score >= threshold: 0 would call every column or none); up to 1000, far above any
 *   score the distances reach on real data.
 * - driftShare: above 0 (0 would call every window drifted, even one with no drifted
 *   column) up to 1 (every column).
 * - retrainCooldownMinutes: 0 (ask again on every firing run) to 30 days: the cooldown is
 *   how long a lost or failed retrain waits to be asked for again while drift persists.
 */
export const DRIFT_SETTINGS = {
  driftWindowMinutes: integer(ENV.driftWindowMinutes, 1, 7 * 24 * 60, 60),
  driftCurrentSource: choice(ENV.driftCurrentSource, ["requests", "drifter"] as const, "requests"),
  driftStattest: choice(ENV.driftStattest, ["auto", ...DRIFT_METHODS] as const, "auto"),
  driftThreshold: decimal(ENV.driftThreshold, 0, 1000, undefined, true),
  driftShare: decimal(ENV.driftShare, 0, 1, 0.5, true),
  driftMinSampleSize: integer(ENV.driftMinSampleSize, 1, 1_000_000, 30),
  retrainPsiThreshold: decimal(ENV.retrainPsiThreshold, 0, 100, 0.2),
  retrainDriftedShare: decimal(ENV.retrainDriftedShare, 0, 1, 0.3),
  retrainCooldownMinutes: integer(ENV.retrainCooldownMinutes, 0, 30 * 24 * 60, 360),
} as const;

export type DriftSettingName = keyof typeof DRIFT_SETTINGS;

/**
 * The Postgres backup's retention (lib/pg-backup.ts): a dump is deleted only when it is
 * neither among the newest `backupKeepLast` nor younger than `backupMaxAgeDays` days, so
 * the newest `backupKeepLast` dumps are always kept.
 * - backupKeepLast: at least 1 (the dump just written) up to 1000.
 * - backupMaxAgeDays: 0 (age keeps nothing beyond the newest backupKeepLast) up to ten years.
 */
export const BACKUP_SETTINGS = {
  backupKeepLast: integer(ENV.backupKeepLast, 1, 1000, 7),
  backupMaxAgeDays: integer(ENV.backupMaxAgeDays, 0, 3650, 30),
} as const;

/**
 * The minimum sample size of a drift decision: a column with fewer non-missing values
 * than this on either side is reported as "not enough data" and never asks for a retrain.
 */
export const MIN_SAMPLE_SIZE = {
  default: DRIFT_SETTINGS.driftMinSampleSize.default!,
  min: DRIFT_SETTINGS.driftMinSampleSize.min,
  max: DRIFT_SETTINGS.driftMinSampleSize.max,
} as const;

/** The allowed values of a number setting, for messages and docs: "1..10080" or "more than 0, up to 1". */
export function allowedRange(s: Pick<NumberSetting, "min" | "max" | "minExclusive">): string {
  return s.minExclusive ? `more than ${s.min}, up to ${s.max}` : `${s.min}..${s.max}`;
}

/** True when `n` is within the setting's bounds. */
export function inRange(s: Pick<NumberSetting, "min" | "max" | "minExclusive">, n: number): boolean {
  return (s.minExclusive ? n > s.min : n >= s.min) && n <= s.max;
}

export type SettingRead<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * Reads `text` (already trimmed) as a value of the number setting `s`; `name` is how the
 * caller's user knows it (drift-loop:driftShare, DRIFT_SHARE, --drift-share) and starts
 * the problem text, which says what is allowed.
 */
export function readNumberSetting(s: Pick<NumberSetting, "type" | "min" | "max" | "minExclusive">, name: string, text: string): SettingRead<number> {
  const n = s.type === "integer" ? parseDecimalInteger(text) : parseDecimalNumber(text);
  if (n === undefined) {
    const what = s.type === "integer" ? "an integer in decimal digits" : "a number in decimal notation";
    return { ok: false, problem: `${name}=${JSON.stringify(text)} is not ${what}; allowed: ${allowedRange(s)}` };
  }
  if (!inRange(s, n)) return { ok: false, problem: `${name}=${n} is out of range; allowed: ${allowedRange(s)}` };
  return { ok: true, value: n };
}

/** Reads `text` (already trimmed) as one of the choice setting's values. */
export function readChoiceSetting<T extends string>(s: Pick<ChoiceSetting<T>, "allowed">, name: string, text: string): SettingRead<T> {
  if (!(s.allowed as readonly string[]).includes(text)) return { ok: false, problem: `${name}=${JSON.stringify(text)} is not allowed; allowed: ${s.allowed.join(", ")}` };
  return { ok: true, value: text as T };
}
