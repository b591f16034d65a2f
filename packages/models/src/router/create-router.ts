/**
 * `createRouter`: a provider-agnostic router over AI SDK `LanguageModelV4` deployments, with
 * per-alias strategies, fallbacks, Retry-After cooldowns, circuit breakers, rpm/tpm/concurrency
 * limits with a priority queue, and every routing decision returned as data.
 *
 * A call's life: profiled (needs, token estimate) -> capable candidates filtered (else
 * NoCapableDeploymentError) -> queued (a ticket in the alias's line) -> admitted (a lease on one
 * deployment, a decision emitted) -> called -> settled. A retryable failure settles the lease as
 * a failure and loops back to "queued" with the deployment marked tried; a non-retryable one
 * surfaces as DeploymentRequestError. Attempts are bounded by the alias's `maxAttempts`.
 */
import type {
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
} from "@ai-sdk/provider";
import { type CallProfile, describeNeeds, incapability, profileCall } from "./call-profile.ts";
import { classifyFailure } from "./classify-failure.ts";
import type { DeploymentRuntime, Lease } from "./deployment-runtime.ts";
import { type Admitted, RouteWaiter } from "./route-waiter.ts";
import { type ConfigInput, type ResolvedAlias, resolveConfig } from "./router-config.ts";
import {
  DeploymentRequestError,
  type FailedAttempt,
  NoCapableDeploymentError,
  RouteExhaustedError,
  UnknownAliasError,
} from "./router-errors.ts";
import type {
  Deployment,
  RandomSource,
  RouteCallOptions,
  RouterClock,
  RouterStats,
  RoutingDecision,
} from "./router-types.ts";
import type { TriedDeployment } from "./select-deployment.ts";
import { readToFirstToken, relayStream, type StreamEnd, usageTokens } from "./stream-relay.ts";
import { systemRouterClock, timedCall } from "./timed-call.ts";

/** Options of {@link createRouter}. */
export interface RouterOptions extends ConfigInput {
  /** Time source for windows, cooldowns, waits and timeouts (default: real time). */
  readonly clock?: RouterClock;
  /** Uniform [0, 1) source for the `weighted` strategy (default `Math.random`). */
  readonly random?: RandomSource;
  /** Called with every decision, before the model call starts (checkpoint it here). */
  readonly onDecision?: (decision: RoutingDecision) => void;
}

/** Shared fields of a routed call's result. */
interface Routed {
  /** The decision of the attempt that answered. */
  readonly decision: RoutingDecision;
  /** Every attempt's decision, first to last (fallbacks included). */
  readonly decisions: readonly RoutingDecision[];
  readonly deployment: Deployment;
}

/** What `router.generate` returns. */
export interface RoutedGenerate extends Routed {
  readonly result: LanguageModelV4GenerateResult;
}

/** What `router.stream` returns once the first token has arrived. */
export interface RoutedStream extends Routed {
  /** Relays the provider stream; errors with StreamInterruptedError if it breaks after tokens. */
  readonly stream: ReadableStream<LanguageModelV4StreamPart>;
  readonly request: LanguageModelV4StreamResult["request"];
  readonly response: LanguageModelV4StreamResult["response"];
}

/** A model router; create it with {@link createRouter}. */
export interface Router {
  /** Routes a non-streaming call of `alias`. */
  generate(
    alias: string,
    options: LanguageModelV4CallOptions,
    call?: RouteCallOptions,
  ): Promise<RoutedGenerate>;
  /** Routes a streaming call; resolves at the first token, so failures before it fall back. */
  stream(
    alias: string,
    options: LanguageModelV4CallOptions,
    call?: RouteCallOptions,
  ): Promise<RoutedStream>;
  /** A snapshot of in-flight counts, EWMAs, breakers, cooldowns, windows and queue depths. */
  stats(): RouterStats;
  /** The configured alias names. */
  readonly aliases: readonly string[];
}

interface CallPlan {
  readonly alias: ResolvedAlias;
  readonly capable: readonly DeploymentRuntime[];
  readonly profile: CallProfile;
  readonly stream: boolean;
  readonly call: RouteCallOptions;
}

/**
 * Creates a router. Validates the whole configuration first.
 * @throws InvalidLimitError, InvalidRouterConfigError on a bad configuration.
 * @example
 * const router = createRouter({
 *   deployments: [mini, gpt4o],
 *   aliases: { smart: { strategy: "cost" } },
 *   onDecision: (d) => log(d.reason),
 * });
 * const { result, decision } = await router.generate("smart", { prompt });
 */
export function createRouter(options: RouterOptions): Router {
  const config = resolveConfig(options);
  const clock = options.clock ?? systemRouterClock;
  const waiter = new RouteWaiter(clock, options.random ?? Math.random, [...config.aliases.keys()]);
  const emit = options.onDecision ?? (() => {});
  const plan = (
    aliasName: string,
    callOptions: LanguageModelV4CallOptions,
    stream: boolean,
    call: RouteCallOptions = {},
  ): CallPlan => {
    const alias = config.aliases.get(aliasName);
    if (!alias) throw new UnknownAliasError(aliasName, [...config.aliases.keys()]);
    const profile = profileCall(callOptions, config.defaultOutputTokens, call.promptTokens);
    return { alias, capable: capableOf(alias, profile), profile, stream, call };
  };
  const settle = (
    runtime: DeploymentRuntime,
    lease: Lease,
    outcome: Parameters<DeploymentRuntime["settle"]>[1],
  ) => {
    runtime.settle(lease, outcome, clock.now());
    waiter.changed();
  };
  return {
    aliases: [...config.aliases.keys()],
    async generate(alias, callOptions, call) {
      const callPlan = plan(alias, callOptions, false, call);
      const done = await runAttempts(
        callPlan,
        waiter,
        emit,
        clock,
        settle,
        async ({ runtime, lease }) => {
          const started = clock.now();
          const result = await timedCall(
            clock,
            runtime.deployment,
            "answer",
            call?.signal,
            (abortSignal) =>
              runtime.deployment.model.doGenerate(withSignal(callOptions, abortSignal)),
          );
          const latencyMs = clock.now() - started;
          settle(runtime, lease, { kind: "success", latencyMs, tokens: usageTokens(result.usage) });
          return result;
        },
      );
      return {
        result: done.value,
        decision: done.decision,
        decisions: done.decisions,
        deployment: done.deployment,
      };
    },
    async stream(alias, callOptions, call) {
      const callPlan = plan(alias, callOptions, true, call);
      const done = await runAttempts(
        callPlan,
        waiter,
        emit,
        clock,
        settle,
        async ({ runtime, lease }) => {
          const started = clock.now();
          const peeked = await timedCall(
            clock,
            runtime.deployment,
            "first token",
            call?.signal,
            async (abortSignal) =>
              readToFirstToken(
                await runtime.deployment.model.doStream(withSignal(callOptions, abortSignal)),
                abortSignal,
              ),
          );
          const ttftMs = clock.now() - started;
          const onEnd = (end: StreamEnd) => {
            if (end.kind === "cancelled") return settle(runtime, lease, { kind: "neutral" });
            if (end.kind === "interrupted") return settle(runtime, lease, { kind: "failure" });
            const latencyMs = clock.now() - started;
            settle(runtime, lease, {
              kind: "success",
              latencyMs,
              ttftMs,
              tokens: usageTokens(end.usage),
            });
          };
          const stream = relayStream(peeked, runtime.deployment.id, onEnd, call?.tap);
          return { stream, request: peeked.result.request, response: peeked.result.response };
        },
      );
      return {
        ...done.value,
        decision: done.decision,
        decisions: done.decisions,
        deployment: done.deployment,
      };
    },
    stats() {
      const now = clock.now();
      const deployments = Object.fromEntries(
        [...config.runtimes].map(([id, r]) => [id, r.stats(now)]),
      );
      return { at: now, deployments, queued: waiter.queueDepths() };
    },
  };
}

/** The call's options with `signal`; the options themselves when they carry it already. */
function withSignal(
  options: LanguageModelV4CallOptions,
  signal: AbortSignal | undefined,
): LanguageModelV4CallOptions {
  return options.abortSignal === signal ? options : { ...options, abortSignal: signal };
}

function capableOf(alias: ResolvedAlias, profile: CallProfile): DeploymentRuntime[] {
  const rejected: Record<string, string> = {};
  const capable = alias.runtimes.filter((runtime) => {
    const why = incapability(runtime.deployment, profile);
    if (why !== undefined) rejected[runtime.deployment.id] = why;
    return why === undefined;
  });
  if (capable.length > 0) return capable;
  const needs = describeNeeds(profile.needs);
  const size = `${profile.promptTokens} prompt tokens`;
  throw new NoCapableDeploymentError(alias.name, needs ? `${needs} and ${size}` : size, rejected);
}

/**
 * The attempt loop: admit, call, and on a retryable failure settle the lease as failed and try
 * again (another deployment, or the same one after its Retry-After).
 */
async function runAttempts<T>(
  plan: CallPlan,
  waiter: RouteWaiter,
  emit: (decision: RoutingDecision) => void,
  clock: RouterClock,
  settle: (
    runtime: DeploymentRuntime,
    lease: Lease,
    outcome: { kind: "failure"; retryAfterMs?: number } | { kind: "neutral" },
  ) => void,
  attempt: (admitted: Admitted) => Promise<T>,
): Promise<{
  value: T;
  decision: RoutingDecision;
  decisions: RoutingDecision[];
  deployment: Deployment;
}> {
  const tried = new Map<string, TriedDeployment>();
  const failures: FailedAttempt[] = [];
  const decisions: RoutingDecision[] = [];
  let fallbackFrom: string | undefined;
  let lastError: unknown;
  for (let number = 1; number <= plan.alias.maxAttempts; number++) {
    const admitted = await waiter.acquire({ ...plan, tried, attempt: number, fallbackFrom });
    if (admitted === "exhausted") break;
    const { runtime, lease, decision } = admitted;
    decisions.push(decision);
    try {
      emit(decision);
    } catch (error) {
      settle(runtime, lease, { kind: "neutral" });
      throw error;
    }
    try {
      const value = await attempt(admitted);
      return { value, decision, decisions, deployment: runtime.deployment };
    } catch (error) {
      if (plan.call.signal?.aborted) {
        settle(runtime, lease, { kind: "neutral" });
        throw plan.call.signal.reason ?? error;
      }
      const failure = classifyFailure(error, clock.now());
      const retryAfterMs = failure.retryAfterMs;
      settle(
        runtime,
        lease,
        retryAfterMs === undefined ? { kind: "failure" } : { kind: "failure", retryAfterMs },
      );
      if (!failure.retryable)
        throw new DeploymentRequestError(runtime.deployment.id, failure.statusCode, failure.error);
      const id = runtime.deployment.id;
      tried.set(id, { retryAfter: retryAfterMs !== undefined, summary: failure.summary });
      failures.push({ deploymentId: id, error: failure.summary });
      fallbackFrom = id;
      lastError = failure.error;
    }
  }
  throw new RouteExhaustedError(plan.alias.name, failures, lastError);
}
