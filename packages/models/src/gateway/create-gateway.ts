import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import type { NodeConfig } from "@conclave/core";
import { maxCostOf } from "../pricing/cost.ts";
import { createRouter, type Router } from "../router/create-router.ts";
import type { Deployment, RoutingDecision } from "../router/router-types.ts";
import { countPromptTokens } from "../sim/sim-prompt.ts";
import { type Admission, admit } from "./budget-gate.ts";
import { GatewayLanguageModel } from "./gateway-model.ts";
import type { CallContext, GatewayEvent, GatewayOptions } from "./gateway-types.ts";
import { endCallSpan, startCallSpan, usageRecordOf } from "./metering.ts";

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
  readonly router: Router;
}

interface Admitted {
  alias: string;
  reservationId: string | undefined;
}

/**
 * Composes the registry, router, price table, budgets and ledger. A call reserves its maximum
 * cost on every budget that applies before it runs, routes to a deployment, then settles the
 * reservation to the exact cost, writes a usage record and ends a GenAI span. Streamed calls are
 * metered exactly like non-streamed ones, from the usage on their finish part.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const emit = (event: GatewayEvent) => options.onEvent?.(event);
  const now = options.now ?? (() => new Date());
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

  // The reservation covers the dearest deployment the alias could route to.
  function maxCost(alias: string, call: LanguageModelV4CallOptions): bigint {
    const promptTokens = countPromptTokens(call);
    const maxOutputTokens = call.maxOutputTokens ?? options.defaultMaxOutputTokens ?? 1024;
    const candidates = deployments.filter(
      (d) => (options.aliases[alias]?.deployments ?? []).includes(d.id) || d.alias === alias,
    );
    let max = 0n;
    for (const d of candidates) {
      const cost = maxCostOf(d.price, { promptTokens, maxOutputTokens });
      if (cost > max) max = cost;
    }
    return max;
  }

  async function admitCall(
    alias: string,
    call: LanguageModelV4CallOptions,
    context: CallContext,
  ): Promise<Admitted> {
    const amountPico = maxCost(alias, call);
    const reservationId = crypto.randomUUID();
    const admission: Admission = await admit(
      options.budgets,
      {
        alias,
        downgradeTo: options.aliases[alias]?.downgradeTo,
        amountPico,
        reservationId,
        now: now(),
      },
      context,
      emit,
    );
    if (admission.kind === "downgrade") return admitCall(admission.to, call, context);
    return {
      alias,
      reservationId: admission.kind === "reserved" ? admission.reservationId : undefined,
    };
  }

  async function settle(
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
  ): Promise<void> {
    const record = usageRecordOf(
      {
        ...outcome,
        id: crypto.randomUUID(),
        alias: admitted.alias,
        finishedMs: performance.now(),
        now: now(),
      },
      context,
    );
    if (admitted.reservationId && options.budgets) {
      const settled = await options.budgets.settle(admitted.reservationId, record.costPico, now());
      for (const c of settled.crossed) emit({ type: "budget:alert", ...c });
    }
    await options.ledger?.record(record);
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
    const admitted = await admitCall(alias, call, context);
    const span = startCallSpan(admitted.alias, false);
    const startedMs = performance.now();
    let routed: Awaited<ReturnType<Router["generate"]>>;
    try {
      routed = await router.generate(admitted.alias, call, {
        priority: context.priority,
        signal: call.abortSignal,
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
    const admitted = await admitCall(alias, call, context);
    const span = startCallSpan(admitted.alias, true);
    const startedMs = performance.now();
    let routed: Awaited<ReturnType<Router["stream"]>>;
    try {
      routed = await router.stream(admitted.alias, call, {
        priority: context.priority,
        signal: call.abortSignal,
      });
    } catch (error) {
      if (admitted.reservationId) await options.budgets?.release(admitted.reservationId);
      span.end();
      throw error;
    }
    const firstTokenMs = performance.now();
    const parts: LanguageModelV4StreamPart[] = [];
    const messageId = crypto.randomUUID();
    const meta = modelMeta(admitted.alias, routed.deployment, context);
    let usage: LanguageModelV4Usage | undefined;
    const metered = routed.stream.pipeThrough(
      new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
        transform(part, controller) {
          if (part.type === "finish") usage = part.usage;
          if (part.type !== "raw") parts.push(part);
          if (part.type === "text-delta" && context.runtime?.streamsMessages) {
            context.runtime.message({ type: "ai", content: part.delta, id: messageId }, meta);
          }
          controller.enqueue(part);
        },
        async flush() {
          await settle(
            admitted,
            {
              deployment: routed.deployment,
              usage,
              startedMs,
              firstTokenMs,
              streamed: true,
              status: "ok",
            },
            context,
            routed.decision,
            span,
          );
          slot?.record(parts);
        },
      }),
    );
    return { stream: metered, request: routed.request, response: routed.response };
  }

  return {
    router,
    generate,
    stream,
    maxCost,
    model: (alias, context = {}) => new GatewayLanguageModel(alias, { generate, stream }, context),
    forNode(config, extra = {}) {
      const context: CallContext = {
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
