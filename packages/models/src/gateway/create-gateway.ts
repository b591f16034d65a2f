import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import { type NodeConfig, TENANT_CONFIG_KEY, uuidV7 } from "@conclave/core";
import { countTokens } from "gpt-tokenizer";
import { maxCostOf } from "../pricing/cost.ts";
import { createRouter, type Router } from "../router/create-router.ts";
import type { Deployment, RoutingDecision, StreamTap } from "../router/router-types.ts";
import { countPromptTokens } from "../sim/sim-prompt.ts";
import { type Admission, admit } from "./budget-gate.ts";
import { GatewayLanguageModel } from "./gateway-model.ts";
import type { CallContext, GatewayEvent, GatewayOptions } from "./gateway-types.ts";
import { endCallSpan, startCallSpan, usageRecordOf } from "./metering.ts";
import { UsageWriter } from "./usage-writer.ts";

/**
 * The usage of a stream cut short: providers send usage only on their finish part, so it is
 * estimated from what was sent (the prompt) and delivered (the output, counted with the same
 * tokenizer as the reservation). Both are known exactly only to the provider.
 */
function partialUsage(promptTokens: number, outputTokens: number): LanguageModelV4Usage {
  return {
    inputTokens: { total: promptTokens, noCache: promptTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 },
  };
}

/** The model gateway: routed, metered, budgeted models by alias. */
export interface Gateway {
  /** A LanguageModelV4 for `alias`: use it with `generateText`/`streamText`. */
  model(alias: string, context?: CallContext): LanguageModelV4;
  /** Models bound to a running node: journaled, attributed to its run, thread and node. */
  forNode(
    config: NodeConfig,
    extra?: Pick<CallContext, "agent" | "tenant" | "priority">,
  ): { model(alias: string): LanguageModelV4 };
  generate(
    alias: string,
    options: LanguageModelV4CallOptions,
    context?: CallContext,
  ): Promise<LanguageModelV4GenerateResult>;
  stream(
    alias: string,
    options: LanguageModelV4CallOptions,
    context?: CallContext,
  ): Promise<LanguageModelV4StreamResult>;
  /** The most a call can cost on `alias` (what a budget reserves before it runs), in pico-USD. */
  maxCost(alias: string, options: LanguageModelV4CallOptions): bigint;
  /**
   * Waits until every finished call's usage record and budget settlement is stored (they are
   * written after the call returns; see {@link createGateway}).
   */
  flush(): Promise<void>;
  readonly router: Router;
}

interface Admitted {
  alias: string;
  reservationId: string | undefined;
  /** Counted once per call: for the reservation, then handed to the router. */
  promptTokens: number;
}

/**
 * Composes the registry, router, price table, budgets and ledger. A call reserves its maximum
 * cost on every budget that applies before it runs, routes to a deployment, then settles the
 * reservation to the exact cost, writes a usage record and ends a GenAI span. Streamed calls are
 * metered exactly like non-streamed ones, from the usage on their finish part.
 *
 * Decision: the settlement and the usage record are written after the call has returned its
 * result (`flush()` waits for them), as LiteLLM logs spend. Admission cannot wait, since it
 * must see every other reservation; but until the settlement lands, the call's reservation (its
 * maximum cost) stays held, so deferring it can only make admission stricter, never overspend.
 * It takes a store transaction off every call's path (bench:gateway), and a paid call's result
 * is no longer lost to a failed ledger write (which a retry would pay for again): the failure is
 * a `model:metering-failed` event instead.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const emit = (event: GatewayEvent) => options.onEvent?.(event);
  const now = options.now ?? (() => new Date());
  const usage = new UsageWriter({
    ledger: options.ledger,
    budgets: options.budgets,
    now,
    emit,
    heard: options.onEvent !== undefined,
  });
  const deployments: Deployment[] = options.registry.deployments.map((d) => ({
    ...d,
    contextWindow: d.contextWindow ?? d.price.maxInputTokens ?? 128_000,
  }));
  const router = createRouter({
    deployments,
    aliases: options.aliases,
    clock: options.clock,
    onDecision: (decision) => emit({ type: "model:decision", decision }),
  });

  // The deployments each alias can route to; the configuration is fixed, so computed once.
  const candidatesOf = new Map<string, Deployment[]>();
  const candidates = (alias: string): Deployment[] => {
    let found = candidatesOf.get(alias);
    if (found === undefined) {
      const listed = options.aliases[alias]?.deployments ?? [];
      found = deployments.filter((d) => listed.includes(d.id) || d.alias === alias);
      candidatesOf.set(alias, found);
    }
    return found;
  };

  // The reservation covers the dearest deployment the alias could route to.
  function maxCostFor(alias: string, call: LanguageModelV4CallOptions, promptTokens: number) {
    const maxOutputTokens = call.maxOutputTokens ?? options.defaultMaxOutputTokens ?? 1024;
    let max = 0n;
    for (const d of candidates(alias)) {
      const cost = maxCostOf(d.price, { promptTokens, maxOutputTokens });
      if (cost > max) max = cost;
    }
    return max;
  }

  async function admitCall(
    alias: string,
    call: LanguageModelV4CallOptions,
    context: CallContext,
    promptTokens: number,
  ): Promise<Admitted> {
    const admission: Admission = await admit(
      options.budgets,
      {
        alias,
        downgradeTo: options.aliases[alias]?.downgradeTo,
        amountPico: maxCostFor(alias, call, promptTokens),
        reservationId: uuidV7(),
        now: now(),
      },
      context,
      emit,
    );
    if (admission.kind === "downgrade") return admitCall(admission.to, call, context, promptTokens);
    return {
      alias,
      reservationId: admission.kind === "reserved" ? admission.reservationId : undefined,
      promptTokens,
    };
  }

  function settle(
    admitted: Admitted,
    outcome: {
      deployment: Deployment;
      usage: LanguageModelV4Usage | undefined;
      startedMs: number;
      firstTokenMs?: number;
      streamed: boolean;
      status: "ok" | "error" | "cancelled";
    },
    context: CallContext,
    decision: RoutingDecision | undefined,
    span: ReturnType<typeof startCallSpan>,
    error?: unknown,
  ): Promise<void> | undefined {
    const record = usageRecordOf(
      {
        ...outcome,
        id: uuidV7(),
        alias: admitted.alias,
        finishedMs: performance.now(),
        now: now(),
      },
      context,
    );
    const written = usage.write(record, admitted.reservationId);
    emit({ type: "model:usage", record });
    context.runtime?.annotate("usage", {
      alias: record.alias,
      deployment: record.deployment,
      tokens: record.tokens,
      costPico: record.costPico,
    });
    if (decision)
      context.runtime?.annotate("routing", {
        deployment: decision.deployment,
        reason: decision.reason,
        attempt: decision.attempt,
      });
    endCallSpan(span, record, error);
    return written;
  }

  async function generate(
    alias: string,
    call: LanguageModelV4CallOptions,
    context: CallContext = {},
  ): Promise<LanguageModelV4GenerateResult> {
    const slot = context.runtime?.journal<LanguageModelV4GenerateResult>(`model:${alias}`);
    if (slot?.replay) {
      emitMessage(context, slot.result, { conclave_alias: alias, conclave_replayed: true });
      return slot.result;
    }
    const admitted = await admitCall(alias, call, context, countPromptTokens(call));
    const span = startCallSpan(admitted.alias, false);
    const startedMs = performance.now();
    let routed: Awaited<ReturnType<Router["generate"]>>;
    try {
      routed = await router.generate(admitted.alias, call, {
        priority: context.priority,
        signal: call.abortSignal,
        promptTokens: admitted.promptTokens,
      });
    } catch (error) {
      if (admitted.reservationId) await options.budgets?.release(admitted.reservationId);
      span.end();
      throw error;
    }
    await settle(
      admitted,
      {
        deployment: routed.deployment,
        usage: routed.result.usage,
        startedMs,
        streamed: false,
        status: "ok",
      },
      context,
      routed.decision,
      span,
    );
    const result = {
      ...routed.result,
      request: undefined,
      response: routed.result.response && { ...routed.result.response, body: undefined },
    };
    slot?.record(result);
    emitMessage(context, result, modelMeta(admitted.alias, routed.deployment, context));
    return result;
  }

  async function stream(
    alias: string,
    call: LanguageModelV4CallOptions,
    context: CallContext = {},
  ): Promise<LanguageModelV4StreamResult> {
    const slot = context.runtime?.journal<LanguageModelV4StreamPart[]>(`model-stream:${alias}`);
    if (slot?.replay) return { stream: replayStream(slot.result) };
    const admitted = await admitCall(alias, call, context, countPromptTokens(call));
    const span = startCallSpan(admitted.alias, true);
    const startedMs = performance.now();
    let routed: Awaited<ReturnType<Router["stream"]>> | undefined;
    let firstTokenMs = startedMs;
    // The router calls the tap as the caller reads, so `routed` is set by then.
    const journaled: LanguageModelV4StreamPart[] | undefined = slot ? [] : undefined;
    const messages = context.runtime?.streamsMessages ? context.runtime : undefined;
    let message: { id: string; meta: Record<string, unknown> } | undefined;
    let deliveredText = "";
    const tap: StreamTap = {
      part(part) {
        if (part.type !== "raw") journaled?.push(part);
        if (part.type === "text-delta" || part.type === "reasoning-delta")
          deliveredText += part.delta;
        if (part.type !== "text-delta" || !messages || !routed) return;
        message ??= {
          id: crypto.randomUUID(),
          meta: modelMeta(admitted.alias, routed.deployment, context),
        };
        messages.message({ type: "ai", content: part.delta, id: message.id }, message.meta);
      },
      finish(usage) {
        const { deployment, decision } = routed!;
        const outcome = { deployment, usage, startedMs, firstTokenMs, streamed: true } as const;
        const written = settle(admitted, { ...outcome, status: "ok" }, context, decision, span);
        if (journaled) slot?.record(journaled);
        return written;
      },
      // Cut short: the prompt was billed in full, and the output up to where it stopped.
      abandon({ kind }) {
        const { deployment, decision } = routed!;
        const usage = partialUsage(admitted.promptTokens, countTokens(deliveredText));
        const outcome = { deployment, usage, startedMs, firstTokenMs, streamed: true } as const;
        // A caller's abort reaches the provider first and surfaces as a broken stream.
        const status = kind === "cancelled" || call.abortSignal?.aborted ? "cancelled" : "error";
        return settle(admitted, { ...outcome, status }, context, decision, span);
      },
    };
    try {
      routed = await router.stream(admitted.alias, call, {
        priority: context.priority,
        signal: call.abortSignal,
        promptTokens: admitted.promptTokens,
        tap,
      });
    } catch (error) {
      if (admitted.reservationId) await options.budgets?.release(admitted.reservationId);
      span.end();
      throw error;
    }
    firstTokenMs = performance.now();
    return { stream: routed.stream, request: routed.request, response: routed.response };
  }

  return {
    router,
    generate,
    stream,
    flush: () => usage.flush(),
    maxCost: (alias, call) => maxCostFor(alias, call, countPromptTokens(call)),
    model: (alias, context = {}) => new GatewayLanguageModel(alias, { generate, stream }, context),
    forNode(config, extra = {}) {
      const tenant = config.configurable[TENANT_CONFIG_KEY];
      const context: CallContext = {
        ...(typeof tenant === "string" ? { tenant } : {}),
        ...extra,
        runtime: config.conclave,
        nodeConfig: config,
        threadId: config.configurable.thread_id,
        runId: config.runId,
        node: config.conclave.node,
      };
      return { model: (alias) => new GatewayLanguageModel(alias, { generate, stream }, context) };
    },
  };
}

/** Metadata attached to `messages` stream chunks, as LangGraph's `ls_*` fields plus Conclave's. */
function modelMeta(
  alias: string,
  deployment: Deployment,
  context: CallContext,
): Record<string, unknown> {
  return {
    ...(context.agent ? { conclave_agent: context.agent } : {}),
    ls_provider: deployment.provider,
    ls_model_name: deployment.modelId,
    conclave_alias: alias,
    conclave_deployment: deployment.id,
    ...(deployment.provider === "sim" ? { simulated: true } : {}),
  };
}

/** Streams a generated (non-streamed) reply to `messages` as one whole chunk. */
function emitMessage(
  context: CallContext,
  result: LanguageModelV4GenerateResult,
  meta: Record<string, unknown>,
): void {
  if (!context.runtime?.streamsMessages) return;
  const text = result.content.flatMap((c) => (c.type === "text" ? [c.text] : [])).join("");
  const toolCalls = result.content.flatMap((c) =>
    c.type === "tool-call" ? [{ id: c.toolCallId, name: c.toolName, args: safeJson(c.input) }] : [],
  );
  context.runtime.message(
    { type: "ai", content: text, id: crypto.randomUUID(), tool_calls: toolCalls },
    meta,
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function replayStream(
  parts: LanguageModelV4StreamPart[],
): ReadableStream<LanguageModelV4StreamPart> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}
