/**
 * The router's public data shapes: deployments, alias settings, router options and the routing
 * decision record. Everything here is plain data except `Deployment.model`, so decisions and
 * stats can be checkpointed and logged as JSON.
 */
import type {
  LanguageModelV4,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import type { ModelPrice } from "../pricing/model-price.ts";

/** What a deployment's model can do; calls needing a capability skip deployments without it. */
export interface DeploymentCapabilities {
  readonly tools: boolean;
  readonly structuredOutput: boolean;
  readonly vision: boolean;
}

/** Per-deployment admission limits. Every limit is optional; absent means unlimited. */
export interface DeploymentLimits {
  /** Requests admitted per sliding 60 s window. */
  readonly rpm?: number;
  /** Tokens (prompt + output) per sliding 60 s window; estimated at admission, corrected after. */
  readonly tpm?: number;
  /** Calls in flight at once (a stream counts until it ends). */
  readonly maxConcurrency?: number;
}

/** One concrete model behind an alias: a provider, a model id, its price and its limits. */
export interface Deployment {
  /** Unique across the router; named in decisions, errors and stats. */
  readonly id: string;
  /** The group this deployment serves by default (e.g. `fast`, `smart`, `local`). */
  readonly alias: string;
  readonly model: LanguageModelV4;
  readonly provider: string;
  readonly modelId: string;
  /** Used by the `cost` strategy; resolve with `priceFor(provider, modelId)`. */
  readonly price: ModelPrice;
  /** Prompt plus output tokens the model accepts. */
  readonly contextWindow: number;
  readonly capabilities: DeploymentCapabilities;
  readonly limits?: DeploymentLimits;
  /** Whole-call timeout for `generate`, time-to-first-token timeout for `stream`. */
  readonly timeoutMs?: number;
  readonly tags?: readonly string[];
  /** Relative share for the `weighted` strategy (default 1; 0 never picks it while others can). */
  readonly weight?: number;
}

/** How an alias picks among its deployments. */
export type RoutingStrategy = "cost" | "latency" | "least-busy" | "weighted" | "ordered";

/**
 * What a call does when the deployment the strategy prefers is saturated (rpm, tpm or
 * concurrency): `queue` waits for it by priority; `next` spills to the next candidate and
 * queues only when every candidate is saturated.
 */
export type OverflowMode = "queue" | "next";

/** Settings of one alias. */
export interface AliasConfig {
  readonly strategy: RoutingStrategy;
  /** Deployment ids in preference order; default: every deployment whose `alias` matches. */
  readonly deployments?: readonly string[];
  /** `latency` strategy: deployments whose EWMA exceeds this rank after those within it. */
  readonly latencySlaMs?: number;
  /** Default `queue`. */
  readonly overflow?: OverflowMode;
  /** How long a call may wait for a saturated deployment (default 30 000 ms). */
  readonly queueTimeoutMs?: number;
  /**
   * How long a call may wait for a cooled-down or open deployment when no other candidate is
   * left (default: the router's `maxWaitMs`). Longer cooldowns fail fast.
   */
  readonly maxWaitMs?: number;
  /** Attempts per call, fallbacks included (default: candidates + 1, at least 2). */
  readonly maxAttempts?: number;
}

/** Circuit-breaker settings, shared by every deployment. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker (default 5). */
  readonly failureThreshold?: number;
  /** Failure share in the window that opens it (default 0.5), once `minimumCalls` are seen. */
  readonly failureRate?: number;
  /** Calls in the window before the failure rate counts (default 10). */
  readonly minimumCalls?: number;
  /** Window of the failure rate (default 60 000 ms). */
  readonly windowMs?: number;
  /** Time open before one probe is allowed (default 30 000 ms). */
  readonly cooldownMs?: number;
}

/** Time for the router. `createManualClock()` (tests) and the sim's clocks fit. */
export interface RouterClock {
  /** Milliseconds since an epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects once `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** A source of uniform numbers in [0, 1), injected so `weighted` picks are reproducible. */
export type RandomSource = () => number;

/** Options of a single routed call. */
export interface RouteCallOptions {
  /** Higher is admitted first when calls queue (default 0); FIFO within a priority. */
  readonly priority?: number;
  /** Cancels waiting and the model call; the router rethrows the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * The call's prompt tokens when the caller already counted them (the gateway does, for its
   * reservation), so the prompt is not tokenized twice. Default: counted by the router.
   */
  readonly promptTokens?: number;
  /** Streaming only: watches the relayed parts and finishes before the stream closes. */
  readonly tap?: StreamTap;
}

/**
 * A watcher of one routed stream, so a caller can meter it without piping it through another
 * stream (each stream layer costs several promise hops per part).
 */
export interface StreamTap {
  /** Sees each part as it is handed to the reader (parts read while peeking included). */
  part?(part: LanguageModelV4StreamPart): void;
  /**
   * Runs once the provider stream ended normally, with its finish part's usage; the reader's
   * stream closes when it settles, or errors with its rejection. Not called on a cancel or
   * an interruption.
   */
  finish?(usage: LanguageModelV4Usage | undefined): Promise<void> | void;
  /**
   * Runs once instead of `finish` when the stream ended early: the reader cancelled it, or the
   * provider stream broke after parts were relayed. `delivered` counts the token parts the
   * reader got. The provider bills what it generated, so the caller meters this too.
   */
  abandon?(end: { kind: "cancelled" | "interrupted"; delivered: number }): Promise<void> | void;
}

/** The state of a candidate when a decision was made. */
export type CandidateState =
  | "ready"
  | "half-open"
  | "saturated"
  | "cooling-down"
  | "open"
  | "probing"
  | "failed-this-call";

/** One candidate as the router saw it when deciding. */
export interface CandidateView {
  readonly id: string;
  readonly state: CandidateState;
  /** Human detail, e.g. "rpm 10/10 until t=60000" or "$0.15/M input". */
  readonly detail: string;
}

/**
 * Why a call went to a deployment. Plain JSON data, so the engine can checkpoint it and a
 * replayed run can reuse the choice instead of routing again.
 */
export interface RoutingDecision {
  readonly alias: string;
  readonly deployment: string;
  readonly strategy: RoutingStrategy;
  /** A sentence, e.g. "cheapest with tools: $0.15/M vs $2.50/M input". */
  readonly reason: string;
  /** Every candidate considered, in the strategy's ranking order. */
  readonly candidates: readonly CandidateView[];
  /** 1 for the first attempt of a call. */
  readonly attempt: number;
  /** The deployment whose retryable failure caused this attempt. */
  readonly fallbackFrom?: string;
  /** The failure of `fallbackFrom`, summarised. */
  readonly fallbackError?: string;
  /** Clock time of the decision. */
  readonly decidedAt: number;
  /** How long the call waited (queue, cooldown) before this decision. */
  readonly waitedMs: number;
  /** Prompt plus expected output tokens, as used for cost and tpm. */
  readonly estimatedTokens: number;
}

/** Live numbers of one deployment, for dashboards and tests. */
export interface DeploymentStats {
  readonly id: string;
  readonly inFlight: number;
  readonly latencyEwmaMs: number | undefined;
  readonly ttftEwmaMs: number | undefined;
  readonly samples: number;
  readonly breaker: "closed" | "open" | "half-open";
  readonly consecutiveFailures: number;
  /** When an open breaker admits its probe. */
  readonly openUntil: number | undefined;
  /** When a Retry-After cooldown ends. */
  readonly cooldownUntil: number | undefined;
  readonly requestsInWindow: number;
  readonly tokensInWindow: number;
}

/** A snapshot of the router. */
export interface RouterStats {
  readonly at: number;
  readonly deployments: Readonly<Record<string, DeploymentStats>>;
  /** Calls waiting per alias (queued for capacity or for a cooldown). */
  readonly queued: Readonly<Record<string, number>>;
}
