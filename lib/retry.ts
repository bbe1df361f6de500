import type { Logger } from "./logger";

export interface RetryOptions {
  /** Attempts in total, including the first. */
  attempts?: number;
  /** Delay before the second attempt, doubled each time. */
  baseDelayMs?: number;
  /** Upper bound of one delay. */
  maxDelayMs?: number;
  /** What is being tried, for the log. */
  what: string;
  log?: Logger;
  /** Return false for errors that no retry can fix (e.g. a 4xx). */
  retryable?: (err: unknown) => boolean;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn` until it succeeds, with exponential backoff and jitter; rethrows the last error. */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseDelayMs ?? 200;
  const max = opts.maxDelayMs ?? 5000;
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      if (i === attempts || (opts.retryable && !opts.retryable(err))) break;
      const delay = Math.min(max, base * 2 ** (i - 1)) * (0.5 + Math.random() / 2);
      opts.log?.warn({ err: String(err), attempt: i, of: attempts, delayMs: Math.round(delay) }, `${opts.what} failed, retrying`);
      await sleep(delay);
    }
  }
  throw last;
}
