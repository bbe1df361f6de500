/**
 * Generated credentials: bearer tokens per client of a server (drifter, model API), kept
 * in one Secret per server that the server mounts as a directory (lib/auth.ts reads it)
 * and that each client reads its own key of; and the hash that rolls a pod when a
 * credential it read at start changes (the value itself never enters a pod spec).
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { METRICS_CLIENT } from "../../lib/auth";
import { ENV } from "../../lib/contract";
import { secretEnv } from "./pod";

/** Where a server's tokens Secret is mounted (API_TOKENS_DIR). */
export const TOKENS_MOUNT = "/etc/drift-loop/api-tokens";

/** The pod annotation whose value changes with the credentials the pod read at start. */
export const CREDENTIALS_ANNOTATION = "drift-loop.dev/credentials-hash";

/** A short hash of credentials, plain (it reveals nothing of 40+ random characters), for CREDENTIALS_ANNOTATION. */
export function credentialsHash(...values: pulumi.Input<string>[]): pulumi.Output<string> {
  return pulumi.unsecret(pulumi.all(values).apply((vs) => createHash("sha256").update(vs.join("\0")).digest("hex").slice(0, 16)));
}

/** A random credential: letters and digits, 48 by default (`length` for MinIO's 40 at most). */
export function generated(name: string, parent: pulumi.Resource, length = 48, keepers?: pulumi.Input<Record<string, pulumi.Input<string>>>): random.RandomPassword {
  return new random.RandomPassword(name, { length, special: false, ...(keepers ? { keepers } : {}) }, { parent });
}

export interface ClientTokens {
  secret: k8s.core.v1.Secret;
  /** Each client's token (secret outputs). */
  tokens: Record<string, pulumi.Output<string>>;
  /** The server's side: the Secret mounted read-only, and API_TOKENS_DIR pointing at it. */
  server: { volume: k8s.types.input.core.v1.Volume; mount: k8s.types.input.core.v1.VolumeMount; env: k8s.types.input.core.v1.EnvVar; hash: pulumi.Output<string> };
  /** A client's side: its own token only, in `variable` (DRIFTER_TOKEN, MODEL_API_TOKEN). */
  clientEnv(client: string, variable: string): k8s.types.input.core.v1.EnvVar;
  /** Where a client's token is (the Secret's name and key), for a reference outside a pod (a ServiceMonitor's authorization). */
  secretKey(client: string): { name: pulumi.Output<string>; key: string };
}

/** A server's clients, plus Prometheus (lib/auth.ts METRICS_CLIENT: /metrics only) when it is scraped: without monitoring no such token exists. */
export function withMetricsClient(clients: readonly string[], scraped: boolean): readonly string[] {
  return scraped ? [...clients, METRICS_CLIENT] : clients;
}

/** One generated token per client, in one Secret (`<name>-api-tokens`). */
export function clientTokens(
  name: string,
  args: { namespace: pulumi.Input<string>; labels: Record<string, string>; clients: readonly string[] },
  parent: pulumi.Resource,
): ClientTokens {
  const tokens = Object.fromEntries(args.clients.map((c) => [c, generated(`${name}-token-${c}`, parent).result]));
  const secret = new k8s.core.v1.Secret(`${name}-api-tokens`, { metadata: { namespace: args.namespace, labels: args.labels }, type: "Opaque", stringData: tokens }, { parent });
  const secretKey = (client: string) => {
    if (!args.clients.includes(client)) throw new pulumi.ResourceError(`${client} is not a client of ${name}; its clients: ${args.clients.join(", ")}`, parent);
    return { name: secret.metadata.name, key: client };
  };
  return {
    secret,
    tokens,
    server: {
      volume: { name: "api-tokens", secret: { secretName: secret.metadata.name, defaultMode: 0o444 } },
      mount: { name: "api-tokens", mountPath: TOKENS_MOUNT, readOnly: true },
      env: { name: ENV.apiTokensDir, value: TOKENS_MOUNT },
      hash: credentialsHash(...Object.values(tokens)),
    },
    clientEnv: (client, variable) => secretEnv(variable, secretKey(client).name, client),
    secretKey,
  };
}
