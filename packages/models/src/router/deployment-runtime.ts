/**
 * The live state of one deployment: calls in flight, latency EWMAs, its circuit breaker, its
 * Retry-After cooldown and its rpm/tpm windows. Every change goes through `#dispatch`.
 *
 * States a deployment reports to the selector (first match wins):
 * - open: the breaker is open until T; not admissible;
 * - probing: the breaker is half-open and its one probe is running; not admissible;
 * - cooling-down: a Retry-After is in force until T; not admissible;
 * - saturated: a limit (concurrency, rpm, tpm) is reached; admissible once room appears;
 * - half-open: the breaker admits one probe; admissible (the call becomes the probe);
 * - ready: admissible.
 * Transitions: `admit` takes a lease (in flight +1, rpm +1, tpm +estimate, maybe the probe
 * slot); `settle` returns it with an outcome: success (EWMAs, tpm corrected to real usage,
 * breaker success), failure (breaker failure, optional cooldown) or neutral (caller cancelled:
 * no breaker outcome, the probe slot is freed).
 */
import { type BreakerSettings, type BreakerState, breakerStep, CLOSED } from "./circuit-breaker.ts";
import type { CandidateState, Deployment, DeploymentStats } from "./router-types.ts";
import { SlidingWindow, type WindowEntry } from "./sliding-window.ts";

const MINUTE_MS = 60_000;

/** A deployment's state at a moment, as the selector sees it. */
export interface DeploymentStatus {
  readonly state: Exclude<CandidateState, "failed-this-call">;
  /** When the state is expected to change (cooldown end, open end, window expiry). */
  readonly until: number | undefined;
  readonly detail: string;
}

/** A taken admission, returned through {@link DeploymentRuntime.settle}. */
export interface Lease {
  readonly startedAt: number;
  readonly isProbe: boolean;
  readonly tokens: WindowEntry;
  settled: boolean;
}

/** How a call ended. */
export type CallOutcome =
  | {
      readonly kind: "success";
      readonly latencyMs: number;
      readonly ttftMs?: number;
      readonly tokens?: number;
    }
  | { readonly kind: "failure"; readonly retryAfterMs?: number }
  | { readonly kind: "neutral" };

type Action =
  | { type: "admit"; lease: Lease }
  | { type: "settle"; lease: Lease; outcome: CallOutcome; now: number }
  | { type: "tick"; now: number };

/** Mutable runtime state of one deployment. */
export class DeploymentRuntime {
  readonly deployment: Deployment;
  readonly #breakerSettings: BreakerSettings;
  readonly #alpha: number;
  readonly #requests = new SlidingWindow(MINUTE_MS);
  readonly #tokens = new SlidingWindow(MINUTE_MS);
  #inFlight = 0;
  #latencyEwma: number | undefined;
  #ttftEwma: number | undefined;
  #samples = 0;
  #breaker: BreakerState = CLOSED;
  #cooldownUntil: number | undefined;

  /** Creates the runtime of `deployment` with no history. */
  constructor(deployment: Deployment, breaker: BreakerSettings, ewmaAlpha: number) {
    this.deployment = deployment;
    this.#breakerSettings = breaker;
    this.#alpha = ewmaAlpha;
  }

  /** Calls in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Latency EWMA in ms: time to first token when `stream`, whole call otherwise. */
  latency(stream: boolean): number | undefined {
    return stream ? this.#ttftEwma : this.#latencyEwma;
  }

  /** The state the selector sees at `now` for a call of `estimatedTokens`. */
  status(now: number, estimatedTokens: number): DeploymentStatus {
    this.#dispatch({ type: "tick", now });
    const breaker = this.#breaker;
    if (breaker.kind === "open") {
      return { state: "open", until: breaker.until, detail: `breaker open (${breaker.why})` };
    }
    if (breaker.kind === "half-open" && breaker.probing) {
      return { state: "probing", until: undefined, detail: "half-open, probe in flight" };
    }
    if (this.#cooldownUntil !== undefined && this.#cooldownUntil > now) {
      const until = this.#cooldownUntil;
      return { state: "cooling-down", until, detail: `Retry-After until t=${until}` };
    }
    const saturated = this.#saturation(now, estimatedTokens);
    if (saturated) return { state: "saturated", ...saturated };
    if (breaker.kind === "half-open") {
      return { state: "half-open", until: undefined, detail: "half-open, one probe allowed" };
    }
    return { state: "ready", until: undefined, detail: `${this.#inFlight} in flight` };
  }

  #saturation(
    now: number,
    estimate: number,
  ): { until: number | undefined; detail: string } | undefined {
    const limits = this.deployment.limits ?? {};
    if (limits.maxConcurrency !== undefined && this.#inFlight >= limits.maxConcurrency) {
      return { until: undefined, detail: `${this.#inFlight}/${limits.maxConcurrency} in flight` };
    }
    if (limits.rpm !== undefined) {
      const requests = this.#requests.count(now);
      if (requests >= limits.rpm) {
        const until = this.#requests.nextExpiry(now);
        return { until, detail: `rpm ${requests}/${limits.rpm} until t=${until}` };
      }
    }
    if (limits.tpm !== undefined) {
      const tokens = this.#tokens.total(now);
      // An empty window admits any call, or a call larger than the whole tpm could never run.
      if (tokens > 0 && tokens + estimate > limits.tpm) {
        const until = this.#tokens.nextExpiry(now);
        return { until, detail: `tpm ${tokens}+${estimate}/${limits.tpm} until t=${until}` };
      }
    }
    return undefined;
  }

  /** Admits a call at `now` (the caller checked the status); returns its lease. */
  admit(now: number, estimatedTokens: number): Lease {
    this.#dispatch({ type: "tick", now });
    const lease: Lease = {
      startedAt: now,
      isProbe: this.#breaker.kind === "half-open",
      tokens: this.#tokens.add(now, estimatedTokens),
      settled: false,
    };
    this.#requests.add(now, 1);
    this.#dispatch({ type: "admit", lease });
    return lease;
  }

  /** Ends a lease with its outcome; later calls for the same lease do nothing. */
  settle(lease: Lease, outcome: CallOutcome, now: number): void {
    if (lease.settled) return;
    this.#dispatch({ type: "settle", lease, outcome, now });
  }

  /** A snapshot for `router.stats()`. */
  stats(now: number): DeploymentStats {
    this.#dispatch({ type: "tick", now });
    const breaker = this.#breaker;
    return {
      id: this.deployment.id,
      inFlight: this.#inFlight,
      latencyEwmaMs: this.#latencyEwma,
      ttftEwmaMs: this.#ttftEwma,
      samples: this.#samples,
      breaker: breaker.kind,
      consecutiveFailures: breaker.kind === "closed" ? breaker.consecutiveFailures : 0,
      openUntil: breaker.kind === "open" ? breaker.until : undefined,
      cooldownUntil:
        this.#cooldownUntil !== undefined && this.#cooldownUntil > now
          ? this.#cooldownUntil
          : undefined,
      requestsInWindow: this.#requests.count(now),
      tokensInWindow: this.#tokens.total(now),
    };
  }

  #dispatch(action: Action): void {
    const settings = this.#breakerSettings;
    switch (action.type) {
      case "tick":
        this.#breaker = breakerStep(this.#breaker, action, settings);
        return;
      case "admit":
        this.#inFlight++;
        if (action.lease.isProbe)
          this.#breaker = breakerStep(this.#breaker, { type: "probe-start" }, settings);
        return;
      case "settle":
        action.lease.settled = true;
        this.#inFlight--;
        this.#applyOutcome(action.lease, action.outcome, action.now);
    }
  }

  #applyOutcome(lease: Lease, outcome: CallOutcome, now: number): void {
    const settings = this.#breakerSettings;
    if (outcome.kind === "neutral") {
      if (lease.isProbe)
        this.#breaker = breakerStep(this.#breaker, { type: "probe-abandoned" }, settings);
      return;
    }
    if (outcome.kind === "failure") {
      this.#breaker = breakerStep(this.#breaker, { type: "failure", now }, settings);
      if (outcome.retryAfterMs !== undefined) {
        this.#cooldownUntil = Math.max(this.#cooldownUntil ?? 0, now + outcome.retryAfterMs);
      }
      return;
    }
    this.#breaker = breakerStep(this.#breaker, { type: "success", now }, settings);
    if (outcome.tokens !== undefined) this.#tokens.correct(lease.tokens, outcome.tokens);
    this.#latencyEwma = this.#ewma(this.#latencyEwma, outcome.latencyMs);
    if (outcome.ttftMs !== undefined) this.#ttftEwma = this.#ewma(this.#ttftEwma, outcome.ttftMs);
    this.#samples++;
  }

  #ewma(previous: number | undefined, sample: number): number {
    return previous === undefined ? sample : previous + this.#alpha * (sample - previous);
  }
}
