import { bearerHeaders } from "../../lib/auth";
import { ENV } from "../../lib/contract";
import { readDrifterBatch } from "../../lib/drifter-batch";
import { optionalStringEnv } from "../../lib/env";
import { withRetry } from "../../lib/retry";

/** Attempts at the drifter when it cannot be reached or answers 5xx/429 (about 7 s of backoff in all). */
export const DRIFTER_ATTEMPTS = 5;

/** An answer worth asking again: the drifter is busy or restarting, not refusing our request. */
class RetryableAnswer extends Error {}

/**
 * One credit batch from the drifter, as NDJSON text: `GET /api/v1/data?format=ndjson&schema=credit`
 * with a 60 s timeout. A connection that fails (a pod that has just started may be refused for
 * a moment while the cluster's NetworkPolicy enforcer admits it; a drifter pod that restarts)
 * and a 5xx or 429 answer are tried again, DRIFTER_ATTEMPTS times in all with backoff. An
 * unreachable drifter, an error answer, or a batch that does not
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
  attempts: number = DRIFTER_ATTEMPTS,
): Promise<string> {
  const url = new URL(`${drifterUrl.replace(/\/+$/, "")}/api/v1/data`);
  url.searchParams.set("format", "ndjson");
  url.searchParams.set("schema", "credit");
  url.searchParams.set("rows", String(params.rows));
  if (params.seed !== undefined) url.searchParams.set("seed", String(params.seed));
  if (params.scenario) url.searchParams.set("scenario", params.scenario);
  if (params.magnitude !== undefined) url.searchParams.set("magnitude", String(params.magnitude));
  const answer = async (): Promise<Response> => {
    let res: Response;
    try {
      res = await fetchImpl(url, { headers: bearerHeaders(token), signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new RetryableAnswer(`cannot reach the drifter at ${url.origin}: ${(err as Error).message}${cause ? ` (${cause})` : ""}`);
    }
    if (!res.ok) {
      const text = await res.text().catch((err: Error) => `(the answer broke off: ${err.message})`);
      const message = `the drifter answered ${res.status} for ${url.pathname}${url.search}: ${text.slice(0, 300)}`;
      throw res.status >= 500 || res.status === 429 ? new RetryableAnswer(message) : fail(message);
    }
    return res;
  };
  let res: Response;
  try {
    res = await withRetry(answer, { what: `drifter ${url.origin}`, attempts, baseDelayMs: 500, retryable: (err) => err instanceof RetryableAnswer });
  } catch (err) {
    throw err instanceof RetryableAnswer ? fail(`${err.message}${attempts > 1 ? ` (${attempts} attempts)` : ""}`) : err;
  }
  try {
    return await readDrifterBatch(res, "ndjson", `the drifter's batch ${url.pathname}${url.search} from ${url.origin}`);
  } catch (err) {
    throw fail((err as Error).message);
  }
}
