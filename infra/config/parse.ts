/**
 * The parser: raw strings in (a ConfigSource), one typed PlatformConfig or one
 * ConfigValidationError listing every problem out. Pure, so tests build configs without a
 * Pulumi engine; infra/config/index.ts adapts the stack's config to a ConfigSource.
 * Keys a profile decides (stacks/profiles.ts) take the profile's value when unset.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROFILES, PROFILE_NAMES, isProfileName, type ProfileName } from "../../stacks/profiles";
import { PULL_POLICIES, SERVICE_TYPES, SIZES } from "../../components/shared/args";
import { parseScenarios } from "../../lib/scenarios";
import { readNumberSetting, type NumberSetting } from "../../lib/settings";
import { GITHUB_REPOSITORY_RULE, parseGithubRepository } from "../../lib/github-repository";
import { GITHUB_API_URL_RULE, parseGithubApiUrl } from "../../lib/github-api";
import { BUCKET_PREFIX_RULE, bucketPrefixProblem } from "../../lib/contract";
import { S3_ENDPOINT_RULE, parseS3Endpoint } from "../../lib/s3";
import { PUSHGATEWAY_URL_RULE } from "../../lib/pushgateway";
import { parseHttpUrl } from "../../lib/http-url";
import { ALLOWED_HOST, ANNOTATION_RULE, DNS_LABEL, DNS_SUBDOMAIN, IMAGE_REF, LABEL_RULE, QUANTITY, REGISTRY, TAG, cronProblem, parseKeyValues, unknownKeyProblems } from "./checks";
import {
  CONFIG_KEYS,
  CONFIG_NAMESPACE,
  CURRENT_SOURCES,
  DRIFT_SCHEMAS,
  LOG_LEVELS,
  PG_SSL_MODES,
  STATTESTS,
  STORE_PLACES,
  type ExternalPostgresConfig,
  type ExternalS3Config,
  type KeyInfo,
  type PlatformConfig,
  type StorePlace,
} from "./keys";

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
  /** Every key set under the namespace (without the `drift-loop:` prefix), to refuse unknown ones; absent = no check. */
  keys?(): string[];
}

/** A source over a plain object (tests, tools); secret keys are wrapped in pulumi.secret. */
export function objectSource(values: Record<string, string | number | boolean | undefined>): ConfigSource {
  const raw = (key: string) => {
    const v = values[key];
    return v === undefined || v === "" ? undefined : String(v);
  };
  return {
    keys: () => Object.keys(values).filter((k) => values[k] !== undefined),
    get: raw,
    getSecret: (key) => {
      const v = raw(key);
      return v === undefined ? undefined : pulumi.secret(v);
    },
  };
}

/**
 * Validates raw config into a PlatformConfig. All problems are collected so a stack with
 * three bad keys gets one message naming all three, each with its allowed values.
 */
export function parseConfig(src: ConfigSource): PlatformConfig {
  // Unknown keys first: a typo of a key is the likeliest reason for the other problems.
  const problems: string[] = src.keys ? unknownKeyProblems(src.keys()) : [];
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
  /** A `k=v,...` key of Kubernetes labels or annotations (checks.ts parseKeyValues). */
  const keyValues = (k: string, kind: "label" | "annotation"): Record<string, string> => {
    const { pairs, bad } = parseKeyValues(str(k), kind);
    if (bad.length > 0) problems.push(`${key(k)} has ${bad.map((b) => JSON.stringify(b)).join(", ")}; allowed: ${kind === "label" ? LABEL_RULE : ANNOTATION_RULE}`);
    return pairs;
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
  if (!parseGithubApiUrl(githubApiUrl)) {
    problems.push(`${key("githubApiUrl")}=${JSON.stringify(githubApiUrl)} is not a URL; allowed: ${GITHUB_API_URL_RULE}`);
  }
  const dispatchToken = src.getSecret("githubDispatchToken");
  if (githubRepository !== "" && dispatchToken === undefined) {
    problems.push(`${key("githubDispatchToken")} is required when ${key("githubRepository")} is set; allowed: a secret token (pulumi config set --secret githubDispatchToken ...) or leave githubRepository empty`);
  }
  /** Keys of CONFIG_KEYS set to a value other than their default (Pulumi.yaml's declarations supply the defaults to every stack). */
  const setKeys = (which: (i: KeyInfo) => boolean): string[] =>
    Object.entries(CONFIG_KEYS)
      .filter(([k, i]) => which(i) && src.get(k) !== undefined && src.get(k) !== (i.default === undefined ? undefined : String(i.default)))
      .map(([k]) => k);
  /** "<keys> is/are set but <why>; allowed: remove it/them (...), or <otherwise>". */
  const unusedProblem = (unused: string[], why: string, otherwise: string): string => {
    const one = unused.length === 1;
    return (
      `${unused.map(key).join(", ")} ${one ? "is" : "are"} set but ${why}, so ${one ? "it" : "they"} would be unused; ` +
      `allowed: remove ${one ? "it" : "them"} (${unused.map((k) => `pulumi config rm ${k}`).join("; ")}), or ${otherwise}`
    );
  };
  // githubPipeline=false: the dispatch only (the repository's secrets and workflows are
  // managed elsewhere), so nothing the pipeline alone reads may be set: it would be unused.
  const githubPipeline = bool("githubPipeline");
  if (!githubPipeline) {
    const unused = setKeys((i) => i.pipelineOnly === true);
    if (unused.length > 0) problems.push(unusedProblem(unused, `${key("githubPipeline")}=false: only the GitHub pipeline reads ${unused.length === 1 ? "it" : "them"}`, `${key("githubPipeline")}=true`));
  }

  // Where the data lives: the in-cluster MinIO and Postgres, or the team's own services.
  const s3Endpoint = str("s3Endpoint");
  const postgresHost = str("postgresHost");
  const places: StorePlace[] = [s3Endpoint === "" ? "inClusterS3" : "externalS3", postgresHost === "" ? "inClusterPostgres" : "externalPostgres"];
  for (const place of Object.keys(STORE_PLACES) as StorePlace[]) {
    if (places.includes(place)) continue;
    const unused = setKeys((i) => i.onlyWith === place);
    const now = places.find((p) => p.endsWith(place.endsWith("S3") ? "S3" : "Postgres"))!;
    if (unused.length > 0) problems.push(unusedProblem(unused, `only read when ${STORE_PLACES[place]}, and ${STORE_PLACES[now]}`, `the other ${place.endsWith("S3") ? "object store" : "database"}`));
  }
  const bucketPrefix = str("s3BucketPrefix");
  const prefixWhy = bucketPrefixProblem(bucketPrefix);
  if (prefixWhy) problems.push(`${key("s3BucketPrefix")}=${JSON.stringify(bucketPrefix)} cannot be used: ${prefixWhy}; allowed: ${BUCKET_PREFIX_RULE}`);
  const externalS3 = s3Endpoint === "" ? undefined : parseExternalS3(s3Endpoint);
  const externalPostgres = postgresHost === "" ? undefined : parseExternalPostgres(postgresHost);

  function parseExternalS3(endpoint: string): ExternalS3Config {
    const url = parseS3Endpoint(endpoint);
    if (!url) problems.push(`${key("s3Endpoint")}=${JSON.stringify(endpoint)} is not an S3 endpoint; allowed: ${S3_ENDPOINT_RULE}, or empty for the in-cluster MinIO`);
    const region = matching("s3Region", /^[a-z0-9][a-z0-9-]{0,31}$/, "a region name such as us-east-1, eu-central-1 or auto");
    const accessKeyId = src.getSecret("s3AccessKeyId");
    const secretAccessKey = src.getSecret("s3SecretAccessKey");
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
      problems.push(`${key("s3AccessKeyId")} and ${key("s3SecretAccessKey")} go together; allowed: set both (secrets), or neither when the pods get a cloud identity (${key("s3ServiceAccountAnnotations")})`);
    }
    return {
      url: endpoint,
      host: url?.host ?? "",
      port: url?.port ?? 443,
      useSsl: url?.useSsl ?? true,
      region,
      pathStyle: bool("s3PathStyle"),
      keys: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      serviceAccountAnnotations: keyValues("s3ServiceAccountAnnotations", "annotation"),
    };
  }

  function parseExternalPostgres(host: string): ExternalPostgresConfig {
    if (!DNS_SUBDOMAIN.test(host.toLowerCase()) || host.length > 253) {
      problems.push(`${key("postgresHost")}=${JSON.stringify(host)} is not a host name; allowed: a DNS name or IPv4 address such as mydb.abc123.eu-west-1.rds.amazonaws.com, or empty for the in-cluster Postgres`);
    }
    const password = src.getSecret("postgresPassword");
    if (password === undefined) {
      problems.push(`${key("postgresPassword")} is required when ${key("postgresHost")} is set; allowed: a secret value (pulumi config set --secret postgresPassword ...)`);
    }
    const sslMode = oneOf("postgresSslMode", PG_SSL_MODES);
    // PEM ends with a newline (the value is read trimmed).
    const caCert = str("postgresCaCert") === "" ? "" : `${str("postgresCaCert")}\n`;
    if (caCert !== "" && !/^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+?-----END CERTIFICATE-----\s*$/.test(caCert)) {
      problems.push(`${key("postgresCaCert")} is not a PEM certificate; allowed: one or more "-----BEGIN CERTIFICATE-----" blocks (pulumi config set postgresCaCert -- "$(cat ca.pem)")`);
    }
    if (caCert !== "" && !sslMode.startsWith("verify-")) {
      problems.push(`${key("postgresCaCert")} is set but ${key("postgresSslMode")}=${sslMode} does not verify the server; allowed: ${key("postgresSslMode")}=verify-full or verify-ca, or remove postgresCaCert`);
    }
    const identifier = /^[A-Za-z0-9_][A-Za-z0-9_.@$-]{0,62}$/;
    const identifierRule = "a Postgres name: letters, digits, _ . @ $ -, at most 63 characters";
    return {
      host,
      port: int("postgresPort"),
      database: matching("postgresDatabase", identifier, identifierRule),
      user: matching("postgresUser", identifier, identifierRule),
      password: password ?? pulumi.secret(""),
      sslMode,
      caCert,
    };
  }

  // The GitHub workflows must reach the stack's state: a backend URL or a Pulumi Cloud token.
  const pipelineBackendUrl = str("pipelineBackendUrl");
  if (pipelineBackendUrl !== "" && !/^(s3|gs|azblob|file|https?):\/\/\S+$/.test(pipelineBackendUrl)) {
    problems.push(`${key("pipelineBackendUrl")}=${JSON.stringify(pipelineBackendUrl)} is not a state backend URL; allowed: s3://, gs://, azblob://, file:// or https:// URL, or empty for Pulumi Cloud`);
  }
  if (githubPipeline && githubRepository !== "" && pipelineBackendUrl === "" && src.get("pulumiAccessToken") === undefined) {
    problems.push(`${key("githubRepository")} is set but the workflows could not reach the stack's state; allowed: ${key("pipelineBackendUrl")} (e.g. s3://bucket) or ${key("pulumiAccessToken")} (Pulumi Cloud), or ${key("githubPipeline")}=false for the drift dispatch without the pipeline`);
  }
  if (githubPipeline && (src.get("pipelineStateAccessKeyId") === undefined) !== (src.get("pipelineStateSecretAccessKey") === undefined)) {
    problems.push(`${key("pipelineStateAccessKeyId")} and ${key("pipelineStateSecretAccessKey")} go together; allowed: set both or neither`);
  }
  // Secrets must be set as secrets: a plain value would sit readable in Pulumi.<stack>.yaml.
  for (const [k, i] of Object.entries(CONFIG_KEYS)) {
    if (i.secret && src.get(k) !== undefined && src.isSecret && !src.isSecret(k)) {
      problems.push(`${key(k)} is set as plain text; allowed: a secret value only (pulumi config set --secret ${k} ...)`);
    }
  }

  const monitoring = (() => {
    const labels = keyValues("monitoringLabels", "label");
    const pushgatewayUrl = str("pushgatewayUrl");
    if (pushgatewayUrl !== "" && !parseHttpUrl(pushgatewayUrl)) problems.push(`${key("pushgatewayUrl")}=${JSON.stringify(pushgatewayUrl)} is not valid; allowed: ${PUSHGATEWAY_URL_RULE}`);
    return {
      enabled: bool("monitoring"),
      namespace: matching("monitoringNamespace", DNS_LABEL, "a namespace name (DNS label), e.g. monitoring"),
      labels,
      pushgatewayUrl,
    };
  })();
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
        if (h === "*" || !ALLOWED_HOST.test(h)) {
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
    backup: {
      schedule: schedule("backupSchedule"),
      keepLast: int("backupKeepLast"),
      maxAgeDays: int("backupMaxAgeDays"),
    },
    s3: { bucketPrefix, external: externalS3 },
    externalPostgres,
    github: {
      repository: githubRepository,
      pipeline: githubPipeline,
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
    monitoring,
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
