/**
 * Validation of the drift options shared by the CLI flags and the CronJob's environment:
 * method ids, thresholds, the drift share, per-column choices. Every error names the
 * flag or variable, the bad value and what is allowed.
 */
import { DRIFT_SETTINGS, readNumberSetting, type NumberSetting } from "../../lib/settings";
import { STATTEST_IDS, type ColumnType, type DriftOptions, type MethodChoice, type StatTestId } from "./types";
import { UsageError } from "../../lib/cli";

export function parseStattest(value: string, where: string): StatTestId {
  const v = value.trim();
  if (!(STATTEST_IDS as readonly string[]).includes(v)) {
    throw new UsageError(`${where}: unknown method ${JSON.stringify(value)}; allowed: ${STATTEST_IDS.join(", ")}`);
  }
  return v as StatTestId;
}

/** A value of a number setting of lib/settings.ts, or a UsageError naming `where` and what is allowed. */
export function parseSetting(setting: NumberSetting, value: string, where: string, hint = ""): number {
  const r = readNumberSetting(setting, where, value.trim());
  if (!r.ok) throw new UsageError(r.problem + hint);
  return r.value;
}

/** A threshold (DRIFT_SETTINGS.driftThreshold): p-value methods call drift when p <= t, distances when score >= t. */
export function parseThreshold(value: string, where: string): number {
  return parseSetting(DRIFT_SETTINGS.driftThreshold, value, where, " (e.g. 0.05 for p-value methods, 0.1 for distances)");
}

/** The dataset drift share (DRIFT_SETTINGS.driftShare). */
export function parseShare(value: string, where: string): number {
  return parseSetting(DRIFT_SETTINGS.driftShare, value, where);
}

/** The minimum sample size (DRIFT_SETTINGS.driftMinSampleSize, shared with the Pulumi config). */
export function parseMinSampleSize(value: string, where: string): number {
  return parseSetting(DRIFT_SETTINGS.driftMinSampleSize, value, where, " (the fewest non-missing values per side for a drift decision)");
}

/** "COL=VALUE" pairs (the column name may itself contain "="; the last one splits). */
export function parsePairs(values: string[] | undefined, where: string): [string, string][] {
  return (values ?? []).map((raw) => {
    const i = raw.lastIndexOf("=");
    if (i <= 0 || i === raw.length - 1) throw new UsageError(`${where} ${JSON.stringify(raw)}: expected COLUMN=VALUE`);
    return [raw.slice(0, i).trim(), raw.slice(i + 1).trim()];
  });
}

export interface RawDriftOptions {
  stattest?: string;
  threshold?: string;
  driftShare?: string;
  numStattest?: string;
  catStattest?: string;
  numThreshold?: string;
  catThreshold?: string;
  columnStattest?: string[];
  columnThreshold?: string[];
  columnType?: string[];
  columns?: string;
  minSampleSize?: string;
}

/** Builds validated `DriftOptions`; `names` says how each field is called where it came from (flag or env var). */
export function buildDriftOptions(raw: RawDriftOptions, names: Record<keyof RawDriftOptions, string>): DriftOptions {
  const o: DriftOptions = {};
  if (raw.stattest !== undefined) o.stattest = parseStattest(raw.stattest, names.stattest);
  if (raw.threshold !== undefined) o.threshold = parseThreshold(raw.threshold, names.threshold);
  if (raw.driftShare !== undefined) o.driftShare = parseShare(raw.driftShare, names.driftShare);
  const perType: Partial<Record<ColumnType, MethodChoice>> = {};
  const setType = (t: ColumnType, field: keyof MethodChoice, v: StatTestId | number) => {
    perType[t] = { ...perType[t], [field]: v };
  };
  if (raw.numStattest !== undefined) setType("num", "stattest", parseStattest(raw.numStattest, names.numStattest));
  if (raw.catStattest !== undefined) setType("cat", "stattest", parseStattest(raw.catStattest, names.catStattest));
  if (raw.numThreshold !== undefined) setType("num", "threshold", parseThreshold(raw.numThreshold, names.numThreshold));
  if (raw.catThreshold !== undefined) setType("cat", "threshold", parseThreshold(raw.catThreshold, names.catThreshold));
  if (Object.keys(perType).length) o.perType = perType;
  const perColumn: Record<string, MethodChoice> = {};
  for (const [col, id] of parsePairs(raw.columnStattest, names.columnStattest)) {
    perColumn[col] = { ...perColumn[col], stattest: parseStattest(id, `${names.columnStattest} ${col}`) };
  }
  for (const [col, t] of parsePairs(raw.columnThreshold, names.columnThreshold)) {
    perColumn[col] = { ...perColumn[col], threshold: parseThreshold(t, `${names.columnThreshold} ${col}`) };
  }
  if (Object.keys(perColumn).length) o.perColumn = perColumn;
  const columnTypes: Record<string, ColumnType> = {};
  for (const [col, t] of parsePairs(raw.columnType, names.columnType)) {
    if (t !== "num" && t !== "cat") throw new UsageError(`${names.columnType} ${col}: type ${JSON.stringify(t)}; allowed: num, cat`);
    columnTypes[col] = t;
  }
  if (Object.keys(columnTypes).length) o.columnTypes = columnTypes;
  if (raw.minSampleSize !== undefined) o.minSampleSize = parseMinSampleSize(raw.minSampleSize, names.minSampleSize);
  if (raw.columns !== undefined) {
    const cols = raw.columns
      .split(",")
      .map((c) => c.trim())
      .filter((c) => c !== "");
    if (cols.length === 0) throw new UsageError(`${names.columns}: expected a comma-separated list of column names, e.g. age,income`);
    const dup = cols.find((c, i) => cols.indexOf(c) !== i);
    if (dup) throw new UsageError(`${names.columns}: column ${JSON.stringify(dup)} is listed twice`);
    o.columns = cols;
  }
  return o;
}
