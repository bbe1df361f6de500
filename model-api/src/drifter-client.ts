import { bearerHeaders } from "../../lib/auth";
import { ENV } from "../../lib/contract";
import { readDrifterBatch } from "../../lib/drifter-batch";
import { optionalStringEnv } from "../../lib/env";

/**
 * One credit batch from the drifter, as NDJSON text: `GET /api/v1/data?format=ndjson&schema=credit`
 * with a 60 s timeout. An unreachable drifter, an error answer, or a batch that does not
 * hold the rows its X-Drift-Rows header announced (a drifter that died mid-stream) is
 * thrown (built by `fail`, so callers keep their own error type), naming the drifter and
 * what it answered. Sends the client's drifter token (DRIFTER_TOKEN) when it has one.
 */
export async function fetchCreditNdjson(
  drifterUrl: string,
  params: { rows: number; seed?: number; scenario?: string; magnitude?: number },
  fetchImpl: typeof fetch = fetch,
  fail: (message: string) => Error = (message) => new Error(message),
  token: string | undefined = optionalStringEnv(process.env, ENV.drifterToken),
): Promise<string> {
  const url = new URL(`${drifterUrl.replace(/\/+$/, "")}/api/v1/data`);
  url.searchParams.set("format", "ndjson");
  url.searchParams.set("schema", "credit");
  url.searchParams.set("rows", String(params.rows));
  if (params.seed !== undefined) url.searchParams.set("seed", String(params.seed));
  if (params.scenario) url.searchParams.set("scenario", params.scenario);
  if (params.magnitude !== undefined) url.searchParams.set("magnitude", String(params.magnitude));
  let res: Response;
  try {
    res = await fetchImpl(url, { headers: bearerHeaders(token), signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw fail(`cannot reach the drifter at ${url.origin}: ${(err as Error).message}`);
  }
  if (!res.ok) {
    const text = await res.text().catch((err: Error) => `(the answer broke off: ${err.message})`);
    throw fail(`the drifter answered ${res.status} for ${url.pathname}${url.search}: ${text.slice(0, 300)}`);
  }
  try {
    return await readDrifterBatch(res, "ndjson", `the drifter's batch ${url.pathname}${url.search} from ${url.origin}`);
  } catch (err) {
    throw fail((err as Error).message);
  }
}
