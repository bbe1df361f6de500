/**
 * The retrain trigger: turns "the retrain policy fired" into at most one
 * `repository_dispatch` per drift episode, with its state stored durably (MinIO
 * `reports/state/retrain-trigger.json`) so that CronJob runs, re-runs and restarts agree.
 *
 * An episode starts with the first run whose policy fires and ends with the first run
 * whose policy does not. Within an episode:
 * - the first firing run sends the dispatch;
 * - a re-run of a window that already sent one sends nothing;
 * - later firing runs send nothing until the cooldown has passed since the last dispatch
 *   (then they ask again: the retrain may have failed or been lost);
 * - a dispatch that failed (GitHub down) is retried by the next firing run.
 * The state is written as "pending" before sending, so a crash between sending and
 * recording can cause at most a missed retry, never a second retrain in the cooldown.
 */
import type { Logger } from "../../lib/logger";

export type DispatchStatus = "pending" | "sent" | "failed";

export interface Episode {
  started_at: string;
  /** The window whose run last sent (or tried to send) a dispatch. */
  window_end: string;
  dispatched_at: string;
  status: DispatchStatus;
  attempts: number;
  report: string;
  reasons: string[];
  error?: string;
}

export interface TriggerState {
  version: 1;
  episode: Episode | null;
  /** Last dispatches (newest last, at most 20), for people reading the state. */
  history: { at: string; window_end: string; status: DispatchStatus; report: string }[];
  updated_at: string;
}

export const EMPTY_STATE: TriggerState = { version: 1, episode: null, history: [], updated_at: new Date(0).toISOString() };

export type Plan =
  | { kind: "dispatch"; why: string }
  | { kind: "suppressed"; why: string }
  | { kind: "not-needed"; why: string };

export interface PlanInput {
  fired: boolean;
  /** No compared column had enough data for a decision: the window says nothing either way. */
  undecided?: boolean;
  windowEnd: string;
  now: number;
  cooldownMinutes: number;
}

/** What to do, from the stored state and this run's policy result (pure). */
export function planTrigger(state: TriggerState, input: PlanInput): Plan {
  const ep = state.episode;
  if (input.undecided) return { kind: "suppressed", why: "not enough data in this window for a drift decision: no retrain request, and a drift episode (if any) goes on" };
  if (!input.fired) return { kind: "not-needed", why: ep ? "retrain policy did not fire: the drift episode is over" : "retrain policy did not fire" };
  if (!ep) return { kind: "dispatch", why: "retrain policy fired: a new drift episode" };
  if (ep.status === "failed") return { kind: "dispatch", why: `the previous retrain request (window ${ep.window_end}) failed: asking again` };
  if (ep.window_end === input.windowEnd) return { kind: "suppressed", why: `retrain already requested for this window (${ep.window_end}) at ${ep.dispatched_at}` };
  const since = input.now - Date.parse(ep.dispatched_at);
  const cooldown = input.cooldownMinutes * 60_000;
  if (since < cooldown) {
    const next = new Date(Date.parse(ep.dispatched_at) + cooldown).toISOString();
    return { kind: "suppressed", why: `drift episode since ${ep.started_at}: retrain requested at ${ep.dispatched_at}; cooldown until ${next}` };
  }
  return { kind: "dispatch", why: `drift persists ${Math.round(since / 60_000)} min after the last retrain request (cooldown ${input.cooldownMinutes} min): asking again` };
}

/** The state after this run's plan (before sending, for "dispatch": status pending). */
export function nextState(state: TriggerState, plan: Plan, input: PlanInput & { report: string; reasons: string[] }): TriggerState {
  const at = new Date(input.now).toISOString();
  if (plan.kind === "not-needed") return state.episode ? { ...state, episode: null, updated_at: at } : state;
  if (plan.kind === "suppressed") return state;
  const prev = state.episode;
  const episode: Episode = {
    started_at: prev?.started_at ?? at,
    window_end: input.windowEnd,
    dispatched_at: at,
    status: "pending",
    attempts: prev && prev.status === "failed" ? prev.attempts + 1 : 1,
    report: input.report,
    reasons: input.reasons,
  };
  return { ...state, episode, updated_at: at };
}

export function withStatus(state: TriggerState, status: DispatchStatus, now: number, error?: string): TriggerState {
  if (!state.episode) return state;
  const at = new Date(now).toISOString();
  const episode: Episode = { ...state.episode, status, ...(error ? { error } : {}) };
  if (!error) delete episode.error;
  const history = [...state.history, { at, window_end: episode.window_end, status, report: episode.report }].slice(-20);
  return { ...state, episode, history, updated_at: at };
}

/** Reads and validates stored state; anything unreadable is reported, not trusted. */
export function parseState(text: string): TriggerState {
  const o = JSON.parse(text) as Partial<TriggerState>;
  if (o.version !== 1 || !Array.isArray(o.history) || (o.episode !== null && typeof o.episode !== "object")) {
    throw new Error("not a retrain trigger state (version 1)");
  }
  if (o.episode && (typeof o.episode.dispatched_at !== "string" || Number.isNaN(Date.parse(o.episode.dispatched_at)) || typeof o.episode.window_end !== "string")) {
    throw new Error("the episode has no valid dispatched_at / window_end");
  }
  return o as TriggerState;
}

export interface StateStore {
  load(): Promise<TriggerState>;
  save(state: TriggerState): Promise<void>;
}

export interface Dispatcher {
  /** Where events go, for logs ("owner/repo at https://api.github.com"). */
  readonly target: string;
  send(payload: object): Promise<void>;
}

export type TriggerOutcome =
  | { action: "dispatched"; message: string }
  | { action: "suppressed"; message: string }
  | { action: "not-needed"; message: string }
  | { action: "disabled"; message: string }
  | { action: "failed"; message: string; error: Error };

export interface TriggerInput extends PlanInput {
  report: string;
  reasons: string[];
}

export interface PlannedTrigger {
  /** What will happen, for the report written before anything is sent. */
  action: TriggerOutcome["action"];
  message: string;
  /** When the last retrain request before this run was sent (ms, from the stored state's history); absent when none was, or GitHub is off. */
  lastSentAt?: number;
  /** Carries the plan out: records the state and, for a dispatch, sends `payload`. */
  execute(payload: () => object): Promise<TriggerOutcome>;
}

/**
 * Reads the state and plans (no side effect yet). Storage errors are thrown: the caller
 * decides the exit code. `execute` sends the dispatch when planned; a dispatch that fails
 * after its retries is recorded as failed (the next firing run asks again) and returned.
 */
export async function planRetrain(store: StateStore, dispatcher: Dispatcher | undefined, input: TriggerInput, log?: Logger): Promise<PlannedTrigger> {
  if (!dispatcher) {
    const outcome: TriggerOutcome = input.fired
      ? { action: "disabled", message: "retrain policy fired, but GitHub is not configured (GITHUB_TOKEN, GITHUB_REPOSITORY): no event sent" }
      : { action: "not-needed", message: "retrain policy did not fire" };
    return { ...outcome, execute: async () => outcome };
  }
  const state = await store.load();
  const lastSent = state.history.filter((h) => h.status === "sent").at(-1);
  const lastSentAt = lastSent ? Date.parse(lastSent.at) : undefined;
  const plan = planTrigger(state, input);
  const planned = nextState(state, plan, input);
  if (plan.kind !== "dispatch") {
    const outcome: TriggerOutcome = { action: plan.kind, message: plan.why };
    return {
      ...outcome,
      lastSentAt,
      async execute() {
        if (planned !== state) await store.save(planned);
        log?.info({ plan: plan.kind }, plan.why);
        return outcome;
      },
    };
  }
  return {
    action: "dispatched",
    message: `retrain requested (repository_dispatch to ${dispatcher.target}): ${plan.why}`,
    lastSentAt,
    async execute(payload) {
      await store.save(planned); // pending: recorded before sending
      try {
        await dispatcher.send(payload());
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        await saveQuietly(store, withStatus(planned, "failed", input.now, e.message.slice(0, 500)), log);
        return { action: "failed", message: `retrain request to ${dispatcher.target} failed (the next firing run asks again): ${e.message}`, error: e };
      }
      // Sent: a failure to record "sent" leaves "pending", which suppresses repeats just the same.
      await saveQuietly(store, withStatus(planned, "sent", input.now), log);
      log?.info({ target: dispatcher.target }, `retrain requested: ${plan.why}`);
      return { action: "dispatched", message: `retrain requested (repository_dispatch to ${dispatcher.target}): ${plan.why}` };
    },
  };
}

async function saveQuietly(store: StateStore, state: TriggerState, log?: Logger): Promise<void> {
  try {
    await store.save(state);
  } catch (err) {
    log?.warn({ err: String(err) }, "could not record the retrain trigger state after sending; the pending record stays");
  }
}
