/**
 * The stack configuration, read once and validated into one typed object.
 *
 * `parseConfig` is pure (raw strings in, a typed object or a ConfigValidationError out) so
 * tests can build configs without a Pulumi engine; `readConfig` is the thin adapter that
 * reads `drift-loop:*` keys from the stack. Every key is declared with its type, default and
 * description in Pulumi.yaml; keys a profile decides (stacks/profiles.ts) have no default
 * there and take the profile's value when unset. CONFIG_KEYS below holds each key's type,
 * default and allowed values; the drift check's keys are lib/settings.ts's entries, the
 * ones the drift job checks its environment against. docs/configuration.md is generated
 * from CONFIG_KEYS and Pulumi.yaml (npm run docs:config).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  PROFILES,
  PROFILE_NAMES,
  PULL_POLICIES,
  SERVICE_TYPES,
  SIZES,
  isProfileName,
  type ProfileName,
  type PullPolicy,
  type ServiceType,
  type Size,
} from "../stacks/profiles";
import { SCHEMAS, parseScenarios } from "../lib/scenarios";
import { ENV } from "../lib/contract";
import { DRIFT_SETTINGS, readNumberSetting, type NumberSetting } from "../lib/settings";
import { GITHUB_REPOSITORY_RULE, parseGithubRepository } from "../lib/github-repository";
import type { DriftCheckSettings, TrafficSettings } from "../components/drift-monitor";
import type { IngressTls } from "../components/shared/network";

/** The config namespace (the project name in Pulumi.yaml). */
export const CONFIG_NAMESPACE = "drift-loop";

/** Drift tables the drifter understands: its own list, not a copy. */
export const DRIFT_SCHEMAS = SCHEMAS;
export const CURRENT_SOURCES = DRIFT_SETTINGS.driftCurrentSource.allowed;
export const STATTESTS = DRIFT_SETTINGS.driftStattest.allowed;
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;

export interface GithubConfig {
  /** owner/name; "" switches the GitHub pipeline (and the drift dispatch) off. */
  repository: string;
  branch: string;
  apiUrl: string;
  /** Token the drift CronJob uses for repository_dispatch (Kubernetes Secret, GITHUB_TOKEN). */
  dispatchToken?: pulumi.Output<string>;
  /** Pipeline secrets consumed by components/github (GithubPipeline). */
  kubeconfig?: pulumi.Output<string>;
  pulumiConfigPassphrase?: pulumi.Output<string>;
  pulumiAccessToken?: pulumi.Output<string>;
  registryToken?: pulumi.Output<string>;
  /** Token of the GitHub provider that writes the pipeline's secrets and files; unset = env GITHUB_TOKEN. */
  token?: pulumi.Output<string>;
  /** State backend URL the workflows log in to; "" = Pulumi Cloud. */
  backendUrl: string;
  /** Credentials of an s3:// state backend, for the workflows. */
  stateAccessKeyId?: pulumi.Output<string>;
  stateSecretAccessKey?: pulumi.Output<string>;
}

export interface PlatformConfig {
  profile: ProfileName;
  namespace: string;
  logLevel: (typeof LOG_LEVELS)[number];
  serviceType: ServiceType;
  storageClass: string;
  size: Size;
  postgresStorage: string;
  minioStorage: string;
  images: {
    registry: string;
    pullPolicy: PullPolicy;
    build: boolean;
    push: boolean;
    /** Tag of our platform images (drifter, drift-job, model-api tools). */
    tag: string;
    /** Tag of the model API image the ModelApi Deployment serves; "" = the platform model-api image. */
    modelTag: string;
    postgres: string;
    /** "" = our own image (built, or `<registry>/minio:<release>`). */
    minio: string;
    /** "" = our own image (built, or `<registry>/mlflow:<version>`). */
    mlflow: string;
    registryUsername: string;
    registryToken?: pulumi.Output<string>;
  };
  ingress: {
    enabled: boolean;
    className: string;
    domain: string;
    controllerNamespace: string;
    /** How every Ingress gets its certificate: a cert-manager ClusterIssuer, or an existing TLS Secret (one is required when ingress is on). */
    tls: IngressTls;
  };
  /** What the Ingresses expose besides MLflow (each off unless the stack says so). */
  expose: { drifter: boolean; modelApi: boolean; minioConsole: boolean };
  /** Extra Host names MLflow accepts (e.g. a LoadBalancer's DNS name), besides its Service names and localhost. */
  mlflowAllowedHosts: string[];
  drifter: {
    replicas: number;
    driftProb: number;
    rows: number;
    cols: number;
    scenario: string;
    magnitude: number;
    schema: (typeof DRIFT_SCHEMAS)[number];
  };
  modelApi: { replicas: number; requestLogFlushRows: number; requestLogFlushSeconds: number };
  /** The drift check's settings (the DriftMonitor component's), with the allowed sources and methods. */
  drift: DriftCheckSettings & { currentSource: (typeof CURRENT_SOURCES)[number]; stattest: (typeof STATTESTS)[number] };
  traffic: TrafficSettings;
  github: GithubConfig;
}

/** One key's declaration: used by the parser, the docs (docs/configuration.md) and the Pulumi.yaml test. */
export interface KeyInfo {
  type: "string" | "integer" | "boolean" | "number";
  /** Default when no profile decides it; undefined = profile default or none. */
  default?: string | number | boolean;
  profileDefault?: boolean;
  secret?: boolean;
  /** Bounds of an integer or number key (minExclusive: the minimum itself is not allowed). */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  /** The values a string key allows, when it is a fixed list. */
  allowed?: readonly string[];
  /** The environment variable a workload reads this key from, when it is passed on as one. */
  env?: string;
}

/** Every key the program reads. Pulumi.yaml must declare exactly these (a unit test checks). */
export const CONFIG_KEYS: Readonly<Record<string, KeyInfo>> = {
  profile: { type: "string", default: "minikube", allowed: PROFILE_NAMES },
  namespace: { type: "string", default: "drift-loop" },
  logLevel: { type: "string", default: "info", allowed: LOG_LEVELS, env: ENV.logLevel },
  serviceType: { type: "string", profileDefault: true, allowed: SERVICE_TYPES },
  storageClass: { type: "string", profileDefault: true },
  size: { type: "string", profileDefault: true, allowed: SIZES },
  postgresStorage: { type: "string", profileDefault: true },
  minioStorage: { type: "string", profileDefault: true },
  imageRegistry: { type: "string", profileDefault: true },
  imagePullPolicy: { type: "string", profileDefault: true, allowed: PULL_POLICIES },
  buildImages: { type: "boolean", profileDefault: true },
  pushImages: { type: "boolean", profileDefault: true },
  imageTag: { type: "string", default: "0.1.0" },
  modelImageTag: { type: "string", default: "" },
  postgresImage: { type: "string", default: "postgres:15.14-bookworm" },
  minioImage: { type: "string", default: "" },
  mlflowImage: { type: "string", default: "" },
  registryUsername: { type: "string", default: "" },
  registryToken: { type: "string", secret: true },
  ingressEnabled: { type: "boolean", profileDefault: true },
  ingressClassName: { type: "string", profileDefault: true },
  ingressDomain: { type: "string", default: "" },
  ingressControllerNamespace: { type: "string", profileDefault: true },
  ingressTlsClusterIssuer: { type: "string", default: "" },
  ingressTlsSecret: { type: "string", default: "" },
  exposeDrifter: { type: "boolean", default: false },
  exposeModelApi: { type: "boolean", default: false },
  exposeMinioConsole: { type: "boolean", default: false },
  mlflowAllowedHosts: { type: "string", default: "" },
  drifterReplicas: { type: "integer", profileDefault: true, min: 1, max: 20 },
  modelApiReplicas: { type: "integer", profileDefault: true, min: 1, max: 20 },
  driftProb: { type: "number", default: 0.5, min: 0, max: 1, env: ENV.driftProb },
  driftRows: { type: "integer", default: 1000, min: 100, max: 10000, env: ENV.driftRows },
  driftCols: { type: "integer", default: 12, min: 2, max: 30, env: ENV.driftCols },
  driftScenario: { type: "string", default: "none", env: ENV.driftScenario },
  driftMagnitude: { type: "number", default: 0.5, min: 0, max: 1, env: ENV.driftMagnitude },
  driftSchema: { type: "string", default: "credit", allowed: DRIFT_SCHEMAS, env: ENV.driftSchema },
  driftSchedule: { type: "string", default: "0 * * * *" },
  driftWindowMinutes: DRIFT_SETTINGS.driftWindowMinutes,
  driftCurrentSource: DRIFT_SETTINGS.driftCurrentSource,
  driftStattest: DRIFT_SETTINGS.driftStattest,
  driftThreshold: DRIFT_SETTINGS.driftThreshold,
  driftShare: DRIFT_SETTINGS.driftShare,
  driftMinSampleSize: DRIFT_SETTINGS.driftMinSampleSize,
  driftJobDeadlineSeconds: { type: "integer", default: 900, min: 60, max: 86400 },
  retrainPsiThreshold: DRIFT_SETTINGS.retrainPsiThreshold,
  retrainDriftedShare: DRIFT_SETTINGS.retrainDriftedShare,
  retrainCooldownMinutes: DRIFT_SETTINGS.retrainCooldownMinutes,
  trafficSchedule: { type: "string", default: "*/5 * * * *" },
  trafficRows: { type: "integer", default: 500, min: 1, max: 100000, env: ENV.trafficRows },
  trafficBatchSize: { type: "integer", default: 100, min: 1, max: 1000, env: ENV.trafficBatchSize },
  trafficScenario: { type: "string", default: "none", env: ENV.trafficScenario },
  trafficDeadlineSeconds: { type: "integer", default: 240, min: 30, max: 86400 },
  requestLogFlushRows: { type: "integer", default: 500, min: 1, max: 100000, env: ENV.requestLogFlushRows },
  requestLogFlushSeconds: { type: "integer", default: 60, min: 1, max: 3600, env: ENV.requestLogFlushSeconds },
  githubRepository: { type: "string", default: "", env: ENV.githubRepository },
  githubBranch: { type: "string", default: "main" },
  githubApiUrl: { type: "string", default: "https://api.github.com", env: ENV.githubApiUrl },
  githubDispatchToken: { type: "string", secret: true },
  pipelineKubeconfig: { type: "string", secret: true },
  pulumiConfigPassphrase: { type: "string", secret: true },
  pulumiAccessToken: { type: "string", secret: true },
  githubToken: { type: "string", secret: true },
  pipelineBackendUrl: { type: "string", default: "" },
  pipelineStateAccessKeyId: { type: "string", secret: true },
  pipelineStateSecretAccessKey: { type: "string", secret: true },
};

export class ConfigValidationError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid drift-loop stack config:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigValidationError";
  }
}

/** Where raw values come from: plain keys as strings, secret keys as secret outputs. */
export interface ConfigSource {
  get(key: string): string | undefined;
  getSecret(key: string): pulumi.Output<string> | undefined;
  /** True when the stack stores the key encrypted; absent = cannot tell (no check). */
  isSecret?(key: string): boolean;
}

/** A source over a plain object (tests, tools); secret keys are wrapped in pulumi.secret. */
export function objectSource(values: Record<string, string | number | boolean | undefined>): ConfigSource {
  const raw = (key: string) => {
    const v = values[key];
    return v === undefined || v === "" ? undefined : String(v);
  };
  return {
    get: raw,
    getSecret: (key) => {
      const v = raw(key);
      return v === undefined ? undefined : pulumi.secret(v);
    },
  };
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// An image reference with an explicit tag or digest: [registry/]path:tag or ...@sha256:hex.
const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;
const REGISTRY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

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

/**
 * Validates raw config into a PlatformConfig. All problems are collected so a stack with
 * three bad keys gets one message naming all three, each with its allowed values.
 */
export function parseConfig(src: ConfigSource): PlatformConfig {
  const problems: string[] = [];
  const key = (k: string) => `${CONFIG_NAMESPACE}:${k}`;
  const info = (k: string): KeyInfo => {
    const i = CONFIG_KEYS[k];
    if (!i) throw new Error(`internal: config key ${k} is not declared in CONFIG_KEYS`);
    return i;
  };

  const profileRaw = src.get("profile") ?? String(info("profile").default);
  if (!isProfileName(profileRaw)) {
    problems.push(`${key("profile")}=${JSON.stringify(profileRaw)} is not a known profile; allowed: ${PROFILE_NAMES.join(", ")}`);
  }
  const profileName: ProfileName = isProfileName(profileRaw) ? profileRaw : "minikube";
  const profile = PROFILES[profileName];

  const str = (k: string, fallback?: string): string => {
    const v = src.get(k);
    if (v !== undefined) return v.trim();
    const d = info(k).default;
    return d !== undefined ? String(d) : (fallback ?? "");
  };
  const oneOf = <T extends string>(k: string, allowed: readonly T[], fallback?: T): T => {
    if (info(k).allowed !== allowed) throw new Error(`internal: CONFIG_KEYS.${k}.allowed is not the list the parser checks`);
    const v = str(k, fallback);
    if (!(allowed as readonly string[]).includes(v)) {
      problems.push(`${key(k)}=${JSON.stringify(v)} is not allowed; allowed: ${allowed.join(", ")}`);
      return allowed[0]!;
    }
    return v as T;
  };
  /** An integer or number key, checked against its CONFIG_KEYS bounds (lib/settings.ts's rule and message). */
  const bounded = (k: string, fallback?: number): number => {
    const i = info(k);
    if ((i.type !== "integer" && i.type !== "number") || i.min === undefined || i.max === undefined) throw new Error(`internal: CONFIG_KEYS.${k} has no bounds`);
    const raw = src.get(k);
    if (raw === undefined) return typeof i.default === "number" ? i.default : (fallback as number);
    const r = readNumberSetting(i as NumberSetting, key(k), raw.trim());
    if (!r.ok) {
      problems.push(r.problem);
      return i.min;
    }
    return r.value;
  };
  const int = (k: string, fallback?: number): number => bounded(k, fallback);
  const num = (k: string): number => bounded(k);
  const optNum = (k: string): number | undefined => (src.get(k) === undefined ? undefined : num(k));
  const boolKey = (k: string, fallback: boolean): boolean => {
    const raw = src.get(k);
    if (raw === undefined) return fallback;
    const s = raw.trim().toLowerCase();
    if (s === "true") return true;
    if (s === "false") return false;
    problems.push(`${key(k)}=${JSON.stringify(raw)} is not a boolean; allowed: true, false`);
    return fallback;
  };
  const matching = (k: string, re: RegExp, what: string, fallback?: string, allowEmpty = false): string => {
    const v = str(k, fallback);
    if (v === "" && allowEmpty) return v;
    if (!re.test(v)) problems.push(`${key(k)}=${JSON.stringify(v)} is not valid; allowed: ${what}`);
    return v;
  };
  const tag = (k: string, allowEmpty: boolean): string => {
    const v = matching(k, TAG, "a Docker tag: letters, digits, _ . - (max 128, not starting with . or -)", undefined, allowEmpty);
    if (v === "latest") problems.push(`${key(k)}="latest" is not allowed: pin a tag (e.g. 0.1.0 or a git sha)`);
    return v;
  };
  const image = (k: string): string => {
    const v = matching(k, IMAGE_REF, "an image reference with a pinned tag or digest, e.g. registry.example.com/minio:RELEASE.2025-10-15T17-29-55Z", undefined, true);
    if (/:latest$/.test(v)) problems.push(`${key(k)}=${JSON.stringify(v)} uses the tag latest; pin a version`);
    return v;
  };
  const schedule = (k: string): string => {
    const v = str(k);
    const why = cronProblem(v);
    if (why) problems.push(`${key(k)}=${JSON.stringify(v)} is not a valid cron schedule: ${why}`);
    return v;
  };
  /** Scenario list checked by the drifter's own parser (names, and which table they apply to). */
  const scenario = (k: string, schema: (typeof DRIFT_SCHEMAS)[number]): string => {
    const v = str(k);
    try {
      parseScenarios(v, schema);
    } catch (err) {
      problems.push(`${key(k)}=${JSON.stringify(v)}: ${(err as Error).message}`);
    }
    return v;
  };
  const quantity = (k: string, fallback: string): string => matching(k, QUANTITY, "a Kubernetes quantity such as 5Gi or 500Mi", fallback);

  const registry = str("imageRegistry", profile.imageRegistry);
  if (registry === "") {
    problems.push(`${key("imageRegistry")} is required for profile ${profileName}; allowed: a registry prefix such as ghcr.io/acme (images become <prefix>/drifter:<tag>)`);
  } else if (!REGISTRY.test(registry)) {
    problems.push(`${key("imageRegistry")}=${JSON.stringify(registry)} is not valid; allowed: a registry prefix such as ghcr.io/acme or drift-loop (lowercase, no tag)`);
  }

  const ingressEnabled = boolKey("ingressEnabled", profile.ingressEnabled);
  const ingressDomain = matching("ingressDomain", DNS_SUBDOMAIN, "a DNS domain such as ml.example.com", undefined, true);
  if (ingressEnabled && ingressDomain === "") {
    problems.push(`${key("ingressDomain")} is required when ingress is on (${key("ingressEnabled")}=true, the ${profileName} profile's default is ${profile.ingressEnabled}); allowed: a DNS domain such as ml.example.com, or set ${key("ingressEnabled")}=false`);
  }

  // Every Ingress serves TLS: a certificate from cert-manager, or one the operator provides.
  const tlsIssuer = matching("ingressTlsClusterIssuer", DNS_SUBDOMAIN, "the name of a cert-manager ClusterIssuer, e.g. letsencrypt-prod", undefined, true);
  const tlsSecret = matching("ingressTlsSecret", DNS_SUBDOMAIN, "the name of a kubernetes.io/tls Secret in the platform namespace", undefined, true);
  if (ingressEnabled && tlsIssuer === "" && tlsSecret === "") {
    problems.push(`ingress is on (${key("ingressEnabled")}=true) but no TLS is configured; allowed: ${key("ingressTlsClusterIssuer")} (a cert-manager ClusterIssuer name) or ${key("ingressTlsSecret")} (an existing TLS Secret for *.<ingressDomain> in the namespace)`);
  }
  if (tlsIssuer !== "" && tlsSecret !== "") {
    problems.push(`${key("ingressTlsClusterIssuer")} and ${key("ingressTlsSecret")} are both set; allowed: one of them`);
  }
  const bool = (k: string) => boolKey(k, info(k).default as boolean);

  const githubRepository = str("githubRepository");
  if (githubRepository !== "" && !parseGithubRepository(githubRepository)?.owner) {
    problems.push(`${key("githubRepository")}=${JSON.stringify(githubRepository)} is not valid; allowed: owner/name of a GitHub repository (${GITHUB_REPOSITORY_RULE}), or empty to switch the pipeline off`);
  }
  const githubApiUrl = str("githubApiUrl");
  try {
    const u = new URL(githubApiUrl);
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("protocol");
  } catch {
    problems.push(`${key("githubApiUrl")}=${JSON.stringify(githubApiUrl)} is not a URL; allowed: an http(s) URL such as https://api.github.com`);
  }
  const dispatchToken = src.getSecret("githubDispatchToken");
  if (githubRepository !== "" && dispatchToken === undefined) {
    problems.push(`${key("githubDispatchToken")} is required when ${key("githubRepository")} is set; allowed: a secret token (pulumi config set --secret githubDispatchToken ...) or leave githubRepository empty`);
  }
  // The GitHub workflows must reach the stack's state: a backend URL or a Pulumi Cloud token.
  const pipelineBackendUrl = str("pipelineBackendUrl");
  if (pipelineBackendUrl !== "" && !/^(s3|gs|azblob|file|https?):\/\/\S+$/.test(pipelineBackendUrl)) {
    problems.push(`${key("pipelineBackendUrl")}=${JSON.stringify(pipelineBackendUrl)} is not a state backend URL; allowed: s3://, gs://, azblob://, file:// or https:// URL, or empty for Pulumi Cloud`);
  }
  if (githubRepository !== "" && pipelineBackendUrl === "" && src.get("pulumiAccessToken") === undefined) {
    problems.push(`${key("githubRepository")} is set but the workflows could not reach the stack's state; allowed: ${key("pipelineBackendUrl")} (e.g. s3://bucket) or ${key("pulumiAccessToken")} (Pulumi Cloud)`);
  }
  if ((src.get("pipelineStateAccessKeyId") === undefined) !== (src.get("pipelineStateSecretAccessKey") === undefined)) {
    problems.push(`${key("pipelineStateAccessKeyId")} and ${key("pipelineStateSecretAccessKey")} go together; allowed: set both or neither`);
  }
  // Secrets must be set as secrets: a plain value would sit readable in Pulumi.<stack>.yaml.
  for (const [k, i] of Object.entries(CONFIG_KEYS)) {
    if (i.secret && src.get(k) !== undefined && src.isSecret && !src.isSecret(k)) {
      problems.push(`${key(k)} is set as plain text; allowed: a secret value only (pulumi config set --secret ${k} ...)`);
    }
  }

  const driftSchema = oneOf("driftSchema", DRIFT_SCHEMAS);
  const cfg: PlatformConfig = {
    profile: profileName,
    namespace: matching("namespace", DNS_LABEL, "a DNS label: lowercase letters, digits and -, at most 63 characters"),
    logLevel: oneOf("logLevel", LOG_LEVELS),
    serviceType: oneOf("serviceType", SERVICE_TYPES, profile.serviceType),
    storageClass: matching("storageClass", DNS_SUBDOMAIN, "a StorageClass name, or empty for the cluster default", profile.storageClass, true),
    size: oneOf("size", SIZES, profile.size),
    postgresStorage: quantity("postgresStorage", profile.postgresStorage),
    minioStorage: quantity("minioStorage", profile.minioStorage),
    images: {
      registry,
      pullPolicy: oneOf("imagePullPolicy", PULL_POLICIES, profile.imagePullPolicy),
      build: boolKey("buildImages", profile.buildImages),
      push: boolKey("pushImages", profile.pushImages),
      tag: tag("imageTag", false),
      modelTag: tag("modelImageTag", true),
      postgres: image("postgresImage"),
      minio: image("minioImage"),
      mlflow: image("mlflowImage"),
      registryUsername: str("registryUsername"),
      registryToken: src.getSecret("registryToken"),
    },
    ingress: {
      enabled: ingressEnabled,
      className: matching("ingressClassName", DNS_SUBDOMAIN, "an IngressClass name such as nginx", profile.ingressClassName),
      domain: ingressDomain,
      controllerNamespace: matching("ingressControllerNamespace", DNS_LABEL, "a namespace name", profile.ingressControllerNamespace),
      tls: tlsSecret !== "" ? { secretName: tlsSecret } : { clusterIssuer: tlsIssuer },
    },
    expose: { drifter: bool("exposeDrifter"), modelApi: bool("exposeModelApi"), minioConsole: bool("exposeMinioConsole") },
    mlflowAllowedHosts: (() => {
      const v = str("mlflowAllowedHosts");
      const hosts = v === "" ? [] : v.split(",").map((h) => h.trim());
      for (const h of hosts) {
        if (h === "*" || !/^[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?(:\d{1,5})?$/.test(h)) {
          problems.push(`${key("mlflowAllowedHosts")} has ${JSON.stringify(h)}; allowed: comma-separated host names or IPs, optionally with :port or a * label (never * alone)`);
        }
      }
      return hosts;
    })(),
    drifter: {
      replicas: int("drifterReplicas", profile.replicas),
      driftProb: num("driftProb"),
      rows: int("driftRows"),
      cols: int("driftCols"),
      scenario: scenario("driftScenario", driftSchema),
      magnitude: num("driftMagnitude"),
      schema: driftSchema,
    },
    modelApi: {
      replicas: int("modelApiReplicas", profile.replicas),
      requestLogFlushRows: int("requestLogFlushRows"),
      requestLogFlushSeconds: int("requestLogFlushSeconds"),
    },
    drift: {
      schedule: schedule("driftSchedule"),
      windowMinutes: int("driftWindowMinutes"),
      currentSource: oneOf("driftCurrentSource", CURRENT_SOURCES),
      stattest: oneOf("driftStattest", STATTESTS),
      threshold: optNum("driftThreshold"),
      driftShare: num("driftShare"),
      minSampleSize: int("driftMinSampleSize"),
      retrainPsiThreshold: num("retrainPsiThreshold"),
      retrainDriftedShare: num("retrainDriftedShare"),
      retrainCooldownMinutes: int("retrainCooldownMinutes"),
      deadlineSeconds: int("driftJobDeadlineSeconds"),
    },
    traffic: {
      schedule: schedule("trafficSchedule"),
      rows: int("trafficRows"),
      batchSize: int("trafficBatchSize"),
      // The traffic CronJob asks for the credit table (the model API's schema).
      scenario: scenario("trafficScenario", "credit"),
      deadlineSeconds: int("trafficDeadlineSeconds"),
    },
    github: {
      repository: githubRepository,
      branch: matching("githubBranch", /^[A-Za-z0-9._\/-]{1,255}$/, "a branch name such as main"),
      apiUrl: githubApiUrl,
      dispatchToken,
      kubeconfig: src.getSecret("pipelineKubeconfig"),
      pulumiConfigPassphrase: src.getSecret("pulumiConfigPassphrase"),
      pulumiAccessToken: src.getSecret("pulumiAccessToken"),
      registryToken: src.getSecret("registryToken"),
      token: src.getSecret("githubToken"),
      backendUrl: pipelineBackendUrl,
      stateAccessKeyId: src.getSecret("pipelineStateAccessKeyId"),
      stateSecretAccessKey: src.getSecret("pipelineStateSecretAccessKey"),
    },
  };
  if (cfg.traffic.batchSize > cfg.traffic.rows) {
    problems.push(`${key("trafficBatchSize")}=${cfg.traffic.batchSize} is larger than ${key("trafficRows")}=${cfg.traffic.rows}; allowed: 1..trafficRows`);
  }
  if (cfg.images.push && cfg.images.registry === "drift-loop") {
    problems.push(`${key("pushImages")}=true needs a real registry in ${key("imageRegistry")} (now "drift-loop", the local-daemon prefix); allowed: a registry such as ghcr.io/acme, or pushImages=false`);
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return cfg;
}

/** Reads the stack's `drift-loop:*` config; unknown keys under the namespace are errors too. */
export function readConfig(): PlatformConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const src: ConfigSource = {
    get: (k) => {
      const v = config.get(k);
      return v === undefined || v === "" ? undefined : v;
    },
    getSecret: (k) => (config.get(k) ? config.requireSecret(k) : undefined),
    isSecret: (k) => {
      const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
      return isConfigSecret ? isConfigSecret(`${CONFIG_NAMESPACE}:${k}`) : true;
    },
  };
  try {
    return parseConfig(src);
  } catch (err) {
    if (err instanceof ConfigValidationError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
