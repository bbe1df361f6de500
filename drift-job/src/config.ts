/**
 * The drift CronJob's configuration, read once from the environment (lib/contract.ts
 * names) and validated: a bad value stops the run at start with a message that names the
 * variable and what it allows. The drift settings' bounds and defaults are lib/settings.ts's,
 * the same the Pulumi config checks, so a stack `pulumi preview` accepts starts this job.
 */
import { ENV } from "../../lib/contract";
import { ConfigError, optionalStringEnv, urlEnv } from "../../lib/env";
import { GITHUB_REPOSITORY_RULE, parseGithubRepository } from "../../lib/github-repository";
import { parseHttpUrl } from "../../lib/http-url";
import { PUSHGATEWAY_URL_RULE, PUSH_JOB } from "../../lib/pushgateway";
import { DRIFT_SETTINGS, allowedRange, readChoiceSetting, readNumberSetting, type ChoiceSetting, type NumberSetting } from "../../lib/settings";
import { type S3Settings, s3SettingsFromEnv } from "../../lib/s3";
import { LABEL, PREDICTION, PROBABILITY } from "../../lib/schema";
import { UsageError } from "../../lib/cli";
import type { AnalysisSettings } from "./analyze";
import { buildDriftOptions } from "./options";

export type CurrentSource = (typeof DRIFT_SETTINGS.driftCurrentSource.allowed)[number];

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
  /** Absent when PUSHGATEWAY_URL is not set: no metrics are pushed (push-metrics.ts). */
  pushgateway?: PushgatewaySettings;
}

export interface PushgatewaySettings {
  url: string;
  /** The push's grouping labels: job (PUSH_JOB) and, when POD_NAMESPACE is set, namespace. */
  grouping: { job: string; namespace?: string };
}

type Env = Record<string, string | undefined>;

/** A number setting's value from its variable, or its default when unset. */
function numberSetting(env: Env, s: NumberSetting): number {
  const text = optionalStringEnv(env, s.env);
  if (text === undefined) {
    if (s.default === undefined) throw new ConfigError(`${s.env} is required; allowed: ${allowedRange(s)}`);
    return s.default;
  }
  const r = readNumberSetting(s, s.env, text);
  if (!r.ok) throw new ConfigError(r.problem);
  return r.value;
}

/** A choice setting's value from its variable, or its default when unset. */
function choiceSetting<T extends string>(env: Env, s: ChoiceSetting<T>): T {
  const r = readChoiceSetting(s, s.env, optionalStringEnv(env, s.env) ?? s.default);
  if (!r.ok) throw new ConfigError(r.problem);
  return r.value;
}

export function jobConfigFromEnv(env: Env = process.env): JobConfig {
  const source = choiceSetting(env, DRIFT_SETTINGS.driftCurrentSource);
  const stattest = choiceSetting(env, DRIFT_SETTINGS.driftStattest);
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
  const pushgatewayUrl = optionalStringEnv(env, ENV.pushgatewayUrl);
  const namespace = optionalStringEnv(env, ENV.podNamespace);
  if (pushgatewayUrl !== undefined && !parseHttpUrl(pushgatewayUrl)) {
    throw new ConfigError(`${ENV.pushgatewayUrl}=${JSON.stringify(pushgatewayUrl)} is not valid; allowed: ${PUSHGATEWAY_URL_RULE}`);
  }
  const pushgateway: PushgatewaySettings | undefined =
    pushgatewayUrl === undefined ? undefined : { url: pushgatewayUrl.replace(/\/+$/, ""), grouping: { job: PUSH_JOB, ...(namespace ? { namespace } : {}) } };
  return {
    s3: s3SettingsFromEnv(env),
    mlflowUrl: urlEnv(env, ENV.mlflowTrackingUri),
    source,
    drifterUrl: source === "drifter" ? urlEnv(env, ENV.drifterUrl) : optionalStringEnv(env, ENV.drifterUrl),
    windowMinutes: numberSetting(env, DRIFT_SETTINGS.driftWindowMinutes),
    windowEnd,
    analysis: {
      drift,
      model: { prediction: PREDICTION, probability: PROBABILITY, label: LABEL },
      policy: {
        psiThreshold: numberSetting(env, DRIFT_SETTINGS.retrainPsiThreshold),
        driftedShare: numberSetting(env, DRIFT_SETTINGS.retrainDriftedShare),
      },
    },
    cooldownMinutes: numberSetting(env, DRIFT_SETTINGS.retrainCooldownMinutes),
    github,
    ...(pushgateway ? { pushgateway } : {}),
  };
}

/** The window [start, end) the run checks: aligned to the window length, so a re-run checks the same one. */
export function windowOf(cfg: Pick<JobConfig, "windowMinutes" | "windowEnd">, now: number): { start: Date; end: Date } {
  const len = cfg.windowMinutes * 60_000;
  const end = cfg.windowEnd ? cfg.windowEnd.getTime() : Math.floor(now / len) * len;
  return { start: new Date(end - len), end: new Date(end) };
}
