/**
 * A per-deployment circuit breaker as a pure reducer, so its transitions are testable as data.
 *
 * States and transitions:
 * - closed: calls flow. A failure adds to the consecutive count and the window; the breaker
 *   opens on `failureThreshold` consecutive failures, or when at least `minimumCalls` calls in
 *   the last `windowMs` failed at `failureRate` or more. A success resets the consecutive count.
 * - open (until T): no calls. At T (seen on the next `tick`) it becomes half-open.
 * - half-open: exactly ONE probe call is admitted (`probe-start` marks it). Its success closes
 *   the breaker with fresh counts; its failure opens it again for another cooldown. A probe
 *   that ends without an outcome (caller cancelled) frees the slot for another probe.
 *
 * The breaker works the same with one deployment as with many: that is what keeps a lone
 * failing deployment from being hammered (LiteLLM #40405).
 */
import type { BreakerOptions } from "./router-types.ts";

/** Breaker settings with defaults applied. */
export type BreakerSettings = Required<BreakerOptions>;

/** Defaults: 5 consecutive failures, or 50 % of at least 10 calls in 60 s; 30 s open. */
export const DEFAULT_BREAKER: BreakerSettings = {
  failureThreshold: 5,
  failureRate: 0.5,
  minimumCalls: 10,
  windowMs: 60_000,
  cooldownMs: 30_000,
};

interface Outcome {
  readonly at: number;
  readonly ok: boolean;
}

/** The breaker's state. */
export type BreakerState =
  | {
      readonly kind: "closed";
      readonly consecutiveFailures: number;
      readonly outcomes: readonly Outcome[];
    }
  | { readonly kind: "open"; readonly until: number; readonly why: string }
  | { readonly kind: "half-open"; readonly probing: boolean };

/** What can happen to a breaker. */
export type BreakerEvent =
  | { readonly type: "tick"; readonly now: number }
  | { readonly type: "probe-start" }
  | { readonly type: "probe-abandoned" }
  | { readonly type: "success"; readonly now: number }
  | { readonly type: "failure"; readonly now: number };

/** A closed breaker with no history. */
export const CLOSED: BreakerState = { kind: "closed", consecutiveFailures: 0, outcomes: [] };

/** Returns the breaker's next state. Pure. */
export function breakerStep(
  state: BreakerState,
  event: BreakerEvent,
  settings: BreakerSettings,
): BreakerState {
  switch (event.type) {
    case "tick":
      return state.kind === "open" && event.now >= state.until
        ? { kind: "half-open", probing: false }
        : state;
    case "probe-start":
      return state.kind === "half-open" ? { kind: "half-open", probing: true } : state;
    case "probe-abandoned":
      return state.kind === "half-open" ? { kind: "half-open", probing: false } : state;
    case "success":
      return state.kind === "open" ? state : recordSuccess(state, event.now, settings);
    case "failure":
      return recordFailure(state, event.now, settings);
  }
}

function recordSuccess(state: BreakerState, now: number, settings: BreakerSettings): BreakerState {
  if (state.kind !== "closed") return CLOSED;
  return {
    kind: "closed",
    consecutiveFailures: 0,
    outcomes: [...recent(state.outcomes, now, settings), { at: now, ok: true }],
  };
}

function recordFailure(state: BreakerState, now: number, settings: BreakerSettings): BreakerState {
  const until = now + settings.cooldownMs;
  // A late failure of a call admitted before the breaker opened must not extend the cooldown.
  if (state.kind === "open") return state;
  if (state.kind === "half-open") return { kind: "open", until, why: "the half-open probe failed" };
  const consecutiveFailures = state.consecutiveFailures + 1;
  const outcomes = [...recent(state.outcomes, now, settings), { at: now, ok: false }];
  if (consecutiveFailures >= settings.failureThreshold) {
    return { kind: "open", until, why: `${consecutiveFailures} consecutive failures` };
  }
  const failed = outcomes.filter((o) => !o.ok).length;
  if (
    outcomes.length >= settings.minimumCalls &&
    failed / outcomes.length >= settings.failureRate
  ) {
    return {
      kind: "open",
      until,
      why: `${failed} of ${outcomes.length} calls failed in ${settings.windowMs} ms`,
    };
  }
  return { kind: "closed", consecutiveFailures, outcomes };
}

function recent(outcomes: readonly Outcome[], now: number, settings: BreakerSettings): Outcome[] {
  return outcomes.filter((o) => o.at > now - settings.windowMs);
}
