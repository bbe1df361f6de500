/**
 * Sending `repository_dispatch` (event type `drift-detected`) to GitHub with Octokit,
 * retried with backoff on 5xx, 429 and network errors; other 4xx (bad token, unknown
 * repository, invalid payload) fail at once with GitHub's message.
 */
import { Octokit } from "@octokit/rest";
import { DRIFT_EVENT_TYPE, type DriftDispatchPayload } from "../../lib/contract";
import type { Logger } from "../../lib/logger";
import { withRetry } from "../../lib/retry";
import type { GithubSettings } from "./config";
import type { Dispatcher } from "./trigger";

/** GitHub allows at most 10 top-level keys in client_payload. */
export const MAX_PAYLOAD_KEYS = 10;

export class GithubError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = "GithubError";
  }
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown }).status;
  return typeof s === "number" ? s : undefined;
}

export function isRetryableGithubError(err: unknown): boolean {
  const s = statusOf(err);
  if (s === undefined || s === 500) return true; // network error (octokit reports 500 for fetch failures) or server error
  return s >= 500 || s === 429;
}

export function githubDispatcher(g: GithubSettings, log?: Logger, retry: { attempts?: number; baseDelayMs?: number } = {}): Dispatcher {
  const octokit = new Octokit({
    auth: g.token,
    baseUrl: g.apiUrl,
    userAgent: "drift-loop-drift-job",
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const target = `${g.owner}/${g.repo} at ${g.apiUrl}`;
  return {
    target,
    async send(payload: object) {
      const keys = Object.keys(payload);
      if (keys.length > MAX_PAYLOAD_KEYS) throw new GithubError(`client_payload has ${keys.length} top-level keys; GitHub allows at most ${MAX_PAYLOAD_KEYS}`);
      try {
        await withRetry(
          () =>
            octokit.rest.repos.createDispatchEvent({
              owner: g.owner,
              repo: g.repo,
              event_type: DRIFT_EVENT_TYPE,
              client_payload: payload as unknown as DriftDispatchPayload & Record<string, unknown>,
              headers: { "x-github-api-version": "2022-11-28" },
            }),
          { what: `repository_dispatch to ${g.owner}/${g.repo}`, attempts: retry.attempts ?? 5, baseDelayMs: retry.baseDelayMs ?? 500, log, retryable: isRetryableGithubError },
        );
      } catch (err) {
        const s = statusOf(err);
        const msg = (err as Error).message;
        const hint = s === 401 ? " (check GITHUB_TOKEN)" : s === 404 ? " (check GITHUB_REPOSITORY and that the token may write to it)" : "";
        throw new GithubError(`GitHub answered ${s ?? "no response"}: ${msg}${hint}`, s);
      }
    },
  };
}
