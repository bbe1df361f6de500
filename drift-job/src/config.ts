/**
 * The drift CronJob's configuration, read once from the environment (lib/contract.ts
 * names) and validated: a bad value stops the run at start with a message that names the
 * variable and what it allows.
 */
import { ENV } from "../../lib/contract";
import { ConfigError, enumEnv, floatEnv, intEnv, optionalStringEnv, urlEnv } from "../../lib/env";
import { GITHUB_REPOSITORY_RULE, parseGithubRepository } from "../../lib/github-repository";
import { type S3Settings, s3SettingsFromEnv } from "../../lib/s3";
import { LABEL, PREDICTION, PROBABILITY } from "../../lib/schema";
import { UsageError, type AnalysisSettings } from "./analyze";
import { buildDriftOptions } from "./options";
import { DEFAULT_POLICY } from "./policy";

export type CurrentSource = "requests" | "drifter";

export interface GithubSettings {
  token: string;
  owner: string;
  repo: string;
  apiUrl: string;
}

export interface JobConfig {
  s3: S3Settings;
  mlflowUrl: string;
  source: CurrentSource;
  drifterUrl?: string;
  windowMinutes: number;
  /** End of the window (exclusive); default: now rounded down to a multiple of the window. */
  windowEnd?: Date;
  analysis: AnalysisSettings;
  cooldownMinutes: number;
  /** Absent when GITHUB_TOKEN / GITHUB_REPOSITORY are not set: the decision is recorded, nothing is sent. */
  github?: GithubSettings;
}

type Env = Record<string, string | undefined>;

export const DEFAULT_WINDOW_MINUTES = 60;
export const DEFAULT_COOLDOWN_MINUTES = 360;

export function jobConfigFromEnv(env: Env = process.env): JobConfig {
  const source = enumEnv(env, ENV.driftCurrentSource, ["requests", "drifter"] as const, "requests");
  const stattest = optionalStringEnv(env, ENV.driftStattest);
  let drift;
  try {
    drift = buildDriftOptions(
      {
        stattest: stattest === "auto" ? undefined : stattest,
        threshold: optionalStringEnv(env, ENV.driftThreshold),
        driftShare: optionalStringEnv(env, ENV.driftShare),
        minSampleSize: optionalStringEnv(env, ENV.driftMinSampleSize),
      },
      {
        stattest: ENV.driftStattest,
        threshold: ENV.driftThreshold,
        driftShare: ENV.driftShare,
        numStattest: "",
        catStattest: "",
        numThreshold: "",
        catThreshold: "",
        columnStattest: "",
        columnThreshold: "",
        columnType: "",
        columns: "",
        minSampleSize: ENV.driftMinSampleSize,
      },
    );
  } catch (err) {
    if (err instanceof UsageError) throw new ConfigError(err.message);
    throw err;
  }
  const token = optionalStringEnv(env, ENV.githubToken);
  const repository = optionalStringEnv(env, ENV.githubRepository);
  let github: GithubSettings | undefined;
  if (token || repository) {
    if (!token) throw new ConfigError(`${ENV.githubRepository} is set but ${ENV.githubToken} is not; set both to send retrain events, or neither`);
    if (!repository) throw new ConfigError(`${ENV.githubToken} is set but ${ENV.githubRepository} is not; expected owner/repo`);
    const r = parseGithubRepository(repository);
    if (!r?.owner) throw new ConfigError(`${ENV.githubRepository}=${JSON.stringify(repository)} is not owner/repo (e.g. acme/drift-loop; ${GITHUB_REPOSITORY_RULE})`);
    github = { token, owner: r.owner, repo: r.name, apiUrl: urlEnv(env, ENV.githubApiUrl, "https://api.github.com") };
  }
  const windowEndText = optionalStringEnv(env, ENV.driftWindowEnd);
  let windowEnd: Date | undefined;
  if (windowEndText !== undefined) {
    windowEnd = new Date(windowEndText);
    if (Number.isNaN(windowEnd.getTime())) throw new ConfigError(`${ENV.driftWindowEnd}=${JSON.stringify(windowEndText)} is not a date; expected ISO 8601, e.g. 2026-11-21T12:00:00Z`);
  }
  return {
    s3: s3SettingsFromEnv(env),
    mlflowUrl: urlEnv(env, ENV.mlflowTrackingUri),
    source,
    drifterUrl: source === "drifter" ? urlEnv(env, ENV.drifterUrl) : optionalStringEnv(env, ENV.drifterUrl),
    windowMinutes: intEnv(env, ENV.driftWindowMinutes, { min: 1, max: 7 * 24 * 60, fallback: DEFAULT_WINDOW_MINUTES }),
    windowEnd,
    analysis: {
      drift,
      model: { prediction: PREDICTION, probability: PROBABILITY, label: LABEL },
      policy: {
        psiThreshold: floatEnv(env, ENV.retrainPsiThreshold, { min: 0, max: 100, fallback: DEFAULT_POLICY.psiThreshold }),
        driftedShare: floatEnv(env, ENV.retrainDriftedShare, { min: 0, max: 1, fallback: DEFAULT_POLICY.driftedShare }),
      },
    },
    cooldownMinutes: intEnv(env, ENV.retrainCooldownMinutes, { min: 0, max: 30 * 24 * 60, fallback: DEFAULT_COOLDOWN_MINUTES }),
    github,
  };
}

/** The window [start, end) the run checks: aligned to the window length, so a re-run checks the same one. */
export function windowOf(cfg: Pick<JobConfig, "windowMinutes" | "windowEnd">, now: number): { start: Date; end: Date } {
  const len = cfg.windowMinutes * 60_000;
  const end = cfg.windowEnd ? cfg.windowEnd.getTime() : Math.floor(now / len) * len;
  return { start: new Date(end - len), end: new Date(end) };
}
