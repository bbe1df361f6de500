/**
 * The stack configuration, read once and checked into one typed object:
 *
 * - keys.ts: the key table (CONFIG_KEYS: each key's type, default, bounds or allowed
 *   values) and the typed PlatformConfig;
 * - checks.ts: the checks of single values (names, tags, images, cron) and of unknown keys;
 * - parse.ts: parseConfig, raw strings in, a PlatformConfig or a ConfigValidationError
 *   naming every bad key and what it allows out;
 * - this file: readConfig, the adapter that reads the stack's `drift-loop:*` keys.
 *
 * Every key is declared with its type, default and description in Pulumi.yaml. A key set
 * under the namespace that the table does not know is an error (with the close matches), so
 * a typo fails `pulumi preview` instead of leaving the default in place.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, type PlatformConfig } from "./keys";
import { ConfigValidationError, parseConfig, type ConfigSource } from "./parse";

export { CONFIG_KEYS, CONFIG_NAMESPACE, CURRENT_SOURCES, DRIFT_SCHEMAS, LOG_LEVELS, PG_SSL_MODES, STATTESTS, STORE_PLACES, type ExternalPostgresConfig, type ExternalS3Config, type GithubConfig, type KeyInfo, type PlatformConfig, type StorePlace } from "./keys";
export { closeMatches, cronProblem, unknownKeyProblems } from "./checks";
export { ConfigValidationError, objectSource, parseConfig, type ConfigSource } from "./parse";

/** Reads the stack's `drift-loop:*` config; unknown keys under the namespace are errors too. */
export function readConfig(): PlatformConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const prefix = `${CONFIG_NAMESPACE}:`;
  const src: ConfigSource = {
    keys: () => Object.keys(pulumi.runtime.allConfig()).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)),
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
