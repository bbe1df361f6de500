/**
 * Runs a command (the retrain) on a GitHub runner with the stack's MLflow, MinIO and
 * drifter reachable: one `kubectl port-forward` per Service, found from the stack
 * outputs, and the workload env vars (lib/contract ENV) pointing at the forwarded ports.
 * A stack with an external S3 store (the `objectStore` output) is reached directly: no
 * MinIO tunnel; its key pair, or, with a cloud identity, the runner's own S3_ACCESS_KEY/
 * S3_SECRET_KEY or its AWS web identity (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE).
 * The trainer's own credentials (its MinIO user, its MLflow user, its drifter token; never
 * the MinIO root user) come from the secret stack outputs on stdin and are masked in the
 * Actions log before anything else is printed; they never touch the disk.
 *
 *   pulumi stack output --json --show-secrets | npx tsx scripts/ci/with-cluster.ts -- npm run retrain
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { ENV } from "../../lib/contract";
import { parseS3Endpoint } from "../../lib/s3";

/** Stack outputs this reads (exported by infra/index.ts; a test checks the names). */
export const STACK_OUTPUTS = {
  mlflowUrl: "mlflowUrl",
  minioEndpoint: "minioEndpoint",
  objectStore: "objectStore",
  drifterUrl: "drifterUrl",
  trainerS3AccessKey: "trainerS3AccessKey",
  trainerS3SecretKey: "trainerS3SecretKey",
  trainerMlflowUsername: "trainerMlflowUsername",
  trainerMlflowPassword: "trainerMlflowPassword",
  trainerDrifterToken: "trainerDrifterToken",
} as const;

/** The secret outputs among them, masked in the Actions log. */
const SECRET_OUTPUTS = [
  STACK_OUTPUTS.trainerS3AccessKey,
  STACK_OUTPUTS.trainerS3SecretKey,
  STACK_OUTPUTS.trainerMlflowUsername,
  STACK_OUTPUTS.trainerMlflowPassword,
  STACK_OUTPUTS.trainerDrifterToken,
];

export type TunnelName = "mlflow" | "minio" | "drifter";

export interface Tunnel {
  name: TunnelName;
  /** The stack output the in-cluster URL came from. */
  output: string;
  service: string;
  namespace: string;
  port: number;
}

const URL_OUTPUTS: Record<TunnelName, string> = {
  mlflow: STACK_OUTPUTS.mlflowUrl,
  minio: STACK_OUTPUTS.minioEndpoint,
  drifter: STACK_OUTPUTS.drifterUrl,
};

function requireString(outputs: Record<string, unknown>, name: string): string {
  const v = outputs[name];
  if (typeof v !== "string" || v === "") {
    throw new Error(`stack output ${name} is ${v === undefined ? "missing" : JSON.stringify(v)}; expected a string (run \`pulumi stack output --json --show-secrets\`)`);
  }
  if (v === "[secret]") throw new Error(`stack output ${name} is "[secret]": pass --show-secrets to \`pulumi stack output\``);
  return v;
}

/** The `objectStore` output (absent in stacks from before it: the in-cluster MinIO, no prefix). */
interface ObjectStoreOutput {
  external: boolean;
  endpoint: string;
  region: string;
  pathStyle: boolean;
  bucketPrefix: string;
}

function objectStoreOf(outputs: Record<string, unknown>): ObjectStoreOutput | undefined {
  const o = outputs[STACK_OUTPUTS.objectStore];
  if (o === undefined) return undefined;
  const ok =
    !!o && typeof o === "object" && typeof (o as ObjectStoreOutput).external === "boolean" && typeof (o as ObjectStoreOutput).endpoint === "string" && typeof (o as ObjectStoreOutput).bucketPrefix === "string";
  if (!ok) throw new Error(`stack output ${STACK_OUTPUTS.objectStore} is ${JSON.stringify(o)}; expected { external, endpoint, region, pathStyle, bucketPrefix }`);
  return o as ObjectStoreOutput;
}

/** The Services to forward, from the in-cluster URLs `http://<svc>.<ns>.svc.cluster.local:<port>` (no MinIO with an external store). */
export function tunnelsFor(outputs: Record<string, unknown>): Tunnel[] {
  const external = objectStoreOf(outputs)?.external === true;
  return (Object.keys(URL_OUTPUTS) as TunnelName[]).filter((name) => !(external && name === "minio")).map((name) => {
    const output = URL_OUTPUTS[name];
    const raw = requireString(outputs, output);
    const m = /^https?:\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?:(\d{1,5})\/?$/.exec(raw);
    if (!m) throw new Error(`stack output ${output}=${JSON.stringify(raw)} is not an in-cluster Service URL; expected http://<service>.<namespace>.svc.cluster.local:<port>`);
    return { name, output, service: m[1], namespace: m[3], port: Number(m[6]) };
  });
}

/** The local port of a `kubectl port-forward` from its first line of output, e.g. `Forwarding from 127.0.0.1:41234 -> 5000`. */
export function forwardedPort(line: string): number | undefined {
  const m = /^Forwarding from 127\.0\.0\.1:(\d+) -> \d+/.exec(line.trim());
  return m ? Number(m[1]) : undefined;
}

/** The S3 env of the trainer: the forwarded MinIO, or the external store itself. */
function s3EnvFor(outputs: Record<string, unknown>, local: Partial<Record<TunnelName, number>>, runnerEnv: Record<string, string | undefined>): Record<string, string> {
  const store = objectStoreOf(outputs);
  const prefix: Record<string, string> = store?.bucketPrefix ? { [ENV.s3BucketPrefix]: store.bucketPrefix } : {};
  if (!store?.external) {
    return {
      [ENV.s3Endpoint]: "127.0.0.1",
      [ENV.s3Port]: String(local.minio),
      [ENV.s3UseSsl]: "false",
      [ENV.s3AccessKey]: requireString(outputs, STACK_OUTPUTS.trainerS3AccessKey),
      [ENV.s3SecretKey]: requireString(outputs, STACK_OUTPUTS.trainerS3SecretKey),
      ...prefix,
    };
  }
  const url = parseS3Endpoint(store.endpoint);
  if (!url) throw new Error(`stack output ${STACK_OUTPUTS.objectStore}.endpoint=${JSON.stringify(store.endpoint)} is not an S3 endpoint URL`);
  // The stack's key pair when it has one; with a cloud identity, the runner's own.
  const stackKeys = outputs[STACK_OUTPUTS.trainerS3AccessKey] !== undefined;
  const keys: Record<string, string> = stackKeys
    ? { [ENV.s3AccessKey]: requireString(outputs, STACK_OUTPUTS.trainerS3AccessKey), [ENV.s3SecretKey]: requireString(outputs, STACK_OUTPUTS.trainerS3SecretKey) }
    : runnerEnv[ENV.s3AccessKey] && runnerEnv[ENV.s3SecretKey]
      ? { [ENV.s3AccessKey]: runnerEnv[ENV.s3AccessKey]!, [ENV.s3SecretKey]: runnerEnv[ENV.s3SecretKey]! }
      : {};
  return {
    [ENV.s3Endpoint]: url.host,
    [ENV.s3Port]: String(url.port),
    [ENV.s3UseSsl]: String(url.useSsl),
    [ENV.s3Region]: store.region,
    [ENV.s3PathStyle]: String(store.pathStyle),
    ...keys,
    ...prefix,
  };
}

/** The workload env for the forwarded ports (names from lib/contract ENV). */
export function clusterEnv(outputs: Record<string, unknown>, local: Partial<Record<TunnelName, number>>, runnerEnv: Record<string, string | undefined> = process.env): Record<string, string> {
  return {
    [ENV.mlflowTrackingUri]: `http://127.0.0.1:${local.mlflow}`,
    ...s3EnvFor(outputs, local, runnerEnv),
    [ENV.mlflowTrackingUsername]: requireString(outputs, STACK_OUTPUTS.trainerMlflowUsername),
    [ENV.mlflowTrackingPassword]: requireString(outputs, STACK_OUTPUTS.trainerMlflowPassword),
    [ENV.drifterUrl]: `http://127.0.0.1:${local.drifter}`,
    [ENV.drifterToken]: requireString(outputs, STACK_OUTPUTS.trainerDrifterToken),
  };
}

/** Starts `kubectl port-forward` for a tunnel and resolves with the local port once it listens. */
function forward(t: Tunnel, timeoutMs: number): { child: ChildProcess; ready: Promise<number> } {
  const child = spawn("kubectl", ["-n", t.namespace, "port-forward", "--address", "127.0.0.1", `svc/${t.service}`, `:${t.port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ready = new Promise<number>((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`kubectl port-forward svc/${t.service} did not listen within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        const port = forwardedPort(line);
        if (port !== undefined) {
          clearTimeout(timer);
          resolve(port);
        }
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run kubectl (${e.message}); it must be on PATH with KUBECONFIG set`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward svc/${t.service} -n ${t.namespace} exited with ${code}: ${stderr.trim()}`));
    });
  });
  return { child, ready };
}

const HELP = `Usage: pulumi stack output --json --show-secrets | with-cluster.ts [--timeout-ms N] -- <command> [args...]

Port-forwards the stack's MLflow, MinIO and drifter Services (kubectl, KUBECONFIG) and runs
<command> with ${ENV.mlflowTrackingUri} (+ the trainer's ${ENV.mlflowTrackingUsername}/${ENV.mlflowTrackingPassword}),
${ENV.s3Endpoint}/${ENV.s3Port}/${ENV.s3AccessKey}/${ENV.s3SecretKey} (the trainer's MinIO user) and ${ENV.drifterUrl}
(+ the trainer's ${ENV.drifterToken}) pointing at them. With an external S3 store (the stack's
objectStore output) there is no MinIO tunnel: ${ENV.s3Endpoint} is the store, with the stack's key
pair, or with a cloud identity this runner's own ${ENV.s3AccessKey}/${ENV.s3SecretKey} (or its AWS web
identity). Exits with the command's exit code; 2 on bad input.`;

export async function main(argv: string[], stdin: string | number = 0): Promise<number> {
  const dash = argv.indexOf("--");
  const opts = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  if (opts.includes("--help") || opts.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  let timeoutMs = 60_000;
  for (let i = 0; i < opts.length; i++) {
    if (opts[i] === "--timeout-ms" && /^\d+$/.test(opts[i + 1] ?? "")) timeoutMs = Number(opts[++i]);
    else {
      console.error(`unknown argument ${JSON.stringify(opts[i])}; allowed: --timeout-ms <ms>, --help, then -- <command>\n\n${HELP}`);
      return 2;
    }
  }
  if (command.length === 0) {
    console.error(`no command to run; put it after --\n\n${HELP}`);
    return 2;
  }
  let outputs: Record<string, unknown>;
  let tunnels: Tunnel[];
  try {
    outputs = JSON.parse(readFileSync(stdin, "utf8")) as Record<string, unknown>;
    if (!outputs || typeof outputs !== "object" || Array.isArray(outputs)) throw new Error("not a JSON object");
    if (process.env.GITHUB_ACTIONS === "true") {
      for (const name of SECRET_OUTPUTS) {
        const v = outputs[name];
        if (typeof v === "string" && v !== "") console.log(`::add-mask::${v}`);
      }
    }
    tunnels = tunnelsFor(outputs);
    clusterEnv(outputs, { mlflow: 0, minio: 0, drifter: 0 }); // validates the credentials and the store early
  } catch (e) {
    console.error(`cannot use the stack outputs on stdin: ${(e as Error).message}`);
    return 2;
  }

  const forwards = tunnels.map((t) => ({ t, ...forward(t, timeoutMs) }));
  // A tunnel that fails while we wait for another is reported when its turn comes.
  for (const f of forwards) f.ready.catch(() => undefined);
  const stopAll = () => forwards.forEach((f) => f.child.kill("SIGTERM"));
  try {
    const local: Partial<Record<TunnelName, number>> = {};
    for (const f of forwards) {
      local[f.t.name] = await f.ready;
      console.log(`${f.t.name}: svc/${f.t.service} in ${f.t.namespace} -> 127.0.0.1:${local[f.t.name]}`);
    }
    const env = { ...process.env, ...clusterEnv(outputs, local) };
    const child = spawn(command[0], command.slice(1), { stdio: "inherit", env });
    const relay = (sig: NodeJS.Signals) => child.kill(sig);
    process.on("SIGTERM", relay).on("SIGINT", relay);
    const code = await new Promise<number>((resolve) => {
      child.on("error", (e) => {
        console.error(`cannot run ${command[0]}: ${e.message}`);
        resolve(127);
      });
      child.on("exit", (c, signal) => resolve(c ?? (signal ? 128 + 15 : 1)));
    });
    process.off("SIGTERM", relay).off("SIGINT", relay);
    return code;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  } finally {
    stopAll();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
