/**
 * Smoke check after `pulumi up`: every http(s) URL among the stack outputs that the runner
 * can reach must answer without a server error. In-cluster names (`*.svc`,
 * `*.cluster.local`) and hosts that do not resolve or refuse the connection are reported
 * as not reachable from here and skipped: a Minikube stack has no public URL, and a
 * port-forward command is not a URL.
 *
 * When the model API is exposed (its output `modelApi` is a public URL), `/model` must also
 * refuse a request without a token (401) and, with the smoke check's own token
 * (MODEL_API_TOKEN, the stack's secret output smokeModelApiToken), answer 200.
 *
 *   pulumi stack output --json | npx tsx scripts/ci/smoke-check.ts
 *   MODEL_API_TOKEN=... npx tsx scripts/ci/smoke-check.ts outputs.json
 */
import { readFileSync } from "node:fs";
import { ENV } from "../../lib/contract";

export type SmokeStatus = "ok" | "failed" | "unreachable" | "in-cluster";

export interface SmokeResult {
  /** Stack output path, e.g. `urls.mlflow`. */
  output: string;
  url: string;
  status: SmokeStatus;
  /** HTTP status or the network error. */
  detail: string;
}

export interface SmokeOptions {
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Attempts for a URL that answers with a server error (pods may still be rolling). */
  attempts?: number;
  /** Wait between attempts. */
  retryDelayMs?: number;
  /** The smoke check's model API token: with it, an exposed model API's /model must answer 200. */
  modelApiToken?: string;
}

const IN_CLUSTER = /(\.svc|\.cluster\.local)$/i;

/** Every http(s) URL in the stack outputs, with the output path it came from. Secrets (`[secret]`) are never read. */
export function findUrls(outputs: unknown, path = ""): { output: string; url: string }[] {
  if (typeof outputs === "string") {
    if (!/^https?:\/\//i.test(outputs)) return [];
    try {
      return [{ output: path, url: new URL(outputs).toString() }];
    } catch {
      return [];
    }
  }
  if (Array.isArray(outputs)) return outputs.flatMap((v, i) => findUrls(v, `${path}[${i}]`));
  if (outputs && typeof outputs === "object") {
    return Object.entries(outputs).flatMap(([k, v]) => findUrls(v, path ? `${path}.${k}` : k));
  }
  return [];
}

async function probe(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<{ status?: number; error?: string }> {
  try {
    const res = await fetch(url, { method: "GET", redirect: "manual", headers, signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { status: res.status };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return { error: err.cause?.code ?? err.cause?.message ?? err.name ?? String(e) };
  }
}

/** Probes each URL once (a server error is retried); never throws. */
export async function smokeCheck(outputs: unknown, options: SmokeOptions = {}): Promise<SmokeResult[]> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const attempts = options.attempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 6_000;
  const results: SmokeResult[] = [];
  for (const { output, url } of findUrls(outputs)) {
    const host = new URL(url).hostname;
    if (IN_CLUSTER.test(host)) {
      results.push({ output, url, status: "in-cluster", detail: "in-cluster DNS name" });
      continue;
    }
    let result: SmokeResult = { output, url, status: "unreachable", detail: "" };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const { status, error } = await probe(url, timeoutMs);
      if (status === undefined) {
        result = { output, url, status: "unreachable", detail: error ?? "no answer" };
        break;
      }
      result = { output, url, status: status >= 500 ? "failed" : "ok", detail: `HTTP ${status}` };
      if (status < 500) break;
      if (attempt < attempts) await new Promise((r) => setTimeout(r, retryDelayMs));
    }
    results.push(result);
  }
  // The exposed model API: refuses anonymous clients, serves the smoke check's token.
  const api = (outputs as Record<string, unknown> | null)?.modelApi;
  const reached = results.find((r) => r.output === "modelApi" && r.status === "ok");
  if (typeof api === "string" && reached) {
    const url = `${api.replace(/\/+$/, "")}/model`;
    const anonymous = await probe(url, timeoutMs);
    results.push({
      output: "modelApi /model without a token",
      url,
      status: anonymous.status === 401 ? "ok" : "failed",
      detail: anonymous.status === undefined ? (anonymous.error ?? "no answer") : anonymous.status === 401 ? "HTTP 401" : `HTTP ${anonymous.status}: answers without a token`,
    });
    if (options.modelApiToken) {
      const authed = await probe(url, timeoutMs, { authorization: `Bearer ${options.modelApiToken}` });
      results.push({
        output: "modelApi /model with the smoke token",
        url,
        status: authed.status === 200 ? "ok" : "failed",
        detail: authed.status === undefined ? (authed.error ?? "no answer") : `HTTP ${authed.status}${authed.status === 401 ? ": the token is refused" : ""}`,
      });
    }
  }
  return results;
}

export function formatResults(results: SmokeResult[]): string {
  if (results.length === 0) return "no http(s) URLs among the stack outputs";
  const rows = [["output", "url", "result", "detail"], ...results.map((r) => [r.output, r.url, r.status, r.detail])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

const HELP = `Usage: smoke-check.ts [outputs.json]

Reads stack outputs (\`pulumi stack output --json\`) from the file or stdin and checks that
every http(s) URL the runner can reach answers without a 5xx. In-cluster and unreachable
URLs are skipped. An exposed model API's /model must answer 401 without a token and 200
with ${ENV.modelApiToken} (when set). Exits 1 when a reachable URL keeps failing, 2 on bad input.`;

export async function main(argv: string[], options: SmokeOptions = {}): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  if (argv.length > 1) {
    console.error(`expected at most one argument (a JSON file of stack outputs), got ${argv.length}\n\n${HELP}`);
    return 2;
  }
  const source = argv[0] ?? 0;
  let outputs: unknown;
  try {
    outputs = JSON.parse(readFileSync(source, "utf8"));
  } catch (e) {
    console.error(`cannot read stack outputs from ${argv[0] ?? "stdin"}: ${(e as Error).message} (expected the JSON of \`pulumi stack output --json\`)`);
    return 2;
  }
  const results = await smokeCheck(outputs, { modelApiToken: process.env[ENV.modelApiToken] || undefined, ...options });
  console.log(formatResults(results));
  const failed = results.filter((r) => r.status === "failed");
  if (failed.length > 0) {
    console.error(`::error::${failed.length} URL(s) answered with a server error: ${failed.map((r) => r.output).join(", ")}`);
    return 1;
  }
  if (!results.some((r) => r.status === "ok")) {
    console.log("::notice::no stack URL is reachable from the runner; nothing to smoke check");
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
