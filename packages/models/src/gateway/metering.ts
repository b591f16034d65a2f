import type { LanguageModelV4Usage } from "@ai-sdk/provider";
import type { UsageRecord } from "@conclave/core";
import {
  type Histogram,
  type MeterProvider,
  metrics,
  type Span,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { costOfTokens } from "../pricing/cost.ts";
import { toUsd } from "../pricing/money.ts";
import { normalizeUsage } from "../pricing/usage.ts";
import type { Deployment } from "../router/router-types.ts";
import type { CallContext } from "./gateway-types.ts";

/**
 * Turns a finished call into its usage record, and reports it as OpenTelemetry GenAI spans and
 * metrics. `@opentelemetry/api` is a no-op until an SDK is registered, so this costs little when
 * nobody listens.
 */

const tracer = trace.getTracer("@conclave/models");

interface Instruments {
  provider: MeterProvider;
  tokenUsage: Histogram;
  duration: Histogram;
}
let instruments: Instruments | undefined;

/**
 * The GenAI histograms of the meter provider registered now. Decision: the OpenTelemetry API
 * has a proxy for tracers but not for meters, so histograms made when this module loaded would
 * stay no-ops for good in an app that registers its SDK afterwards; they are made again
 * whenever the registered provider changes (an identity check per call).
 */
function histograms(): Instruments {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter("@conclave/models");
  instruments = {
    provider,
    tokenUsage: meter.createHistogram("gen_ai.client.token.usage", {
      unit: "{token}",
      description: "Tokens per model call.",
    }),
    duration: meter.createHistogram("gen_ai.client.operation.duration", {
      unit: "s",
      description: "Duration of model calls.",
    }),
  };
  return instruments;
}

/** Starts the GenAI span of a call to `alias`. */
export function startCallSpan(alias: string, streamed: boolean): Span {
  return tracer.startSpan(`chat ${alias}`, {
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": alias,
      "conclave.streamed": streamed,
    },
  });
}

export interface CallOutcome {
  id: string;
  alias: string;
  deployment: Deployment;
  usage: LanguageModelV4Usage | undefined;
  startedMs: number;
  finishedMs: number;
  firstTokenMs?: number;
  streamed: boolean;
  status: UsageRecord["status"];
  now: Date;
  responseModel?: string;
}

/** The metered record of a call: tokens by price bucket, exact cost, latency. */
export function usageRecordOf(outcome: CallOutcome, context: CallContext): UsageRecord {
  const usage = outcome.usage
    ? normalizeUsage(outcome.usage)
    : { input: { noCache: 0, cacheRead: 0, cacheWrite: 0 }, output: { text: 0, reasoning: 0 } };
  const cost = costOfTokens(outcome.deployment.price, usage);
  return {
    id: outcome.id,
    ts: outcome.now.toISOString(),
    runId: context.runId,
    threadId: context.threadId,
    node: context.node,
    agent: context.agent ?? context.node,
    tenant: context.tenant,
    alias: outcome.alias,
    deployment: outcome.deployment.id,
    provider: outcome.deployment.provider,
    model: outcome.deployment.modelId,
    tokens: {
      inputNoCache: usage.input.noCache,
      inputCacheRead: usage.input.cacheRead,
      inputCacheWrite: usage.input.cacheWrite,
      outputText: usage.output.text,
      outputReasoning: usage.output.reasoning,
    },
    costPico: cost.total,
    priceVersion: cost.priceVersion,
    latencyMs: outcome.finishedMs - outcome.startedMs,
    ttftMs:
      outcome.firstTokenMs === undefined ? undefined : outcome.firstTokenMs - outcome.startedMs,
    status: outcome.status,
    streamed: outcome.streamed,
  };
}

/** Ends the span with the GenAI attributes of `record` and feeds the GenAI metrics. */
export function endCallSpan(span: Span, record: UsageRecord, error?: unknown): void {
  const input =
    record.tokens.inputNoCache + record.tokens.inputCacheRead + record.tokens.inputCacheWrite;
  const output = record.tokens.outputText + record.tokens.outputReasoning;
  const base = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": record.provider,
    "gen_ai.request.model": record.alias,
    "gen_ai.response.model": record.model,
  };
  // A span nobody records (no SDK) ignores attributes: skip building them.
  if (span.isRecording())
    span.setAttributes({
      ...base,
      "gen_ai.usage.input_tokens": input,
      "gen_ai.usage.output_tokens": output,
      "gen_ai.usage.cache_read.input_tokens": record.tokens.inputCacheRead,
      "gen_ai.usage.cache_creation.input_tokens": record.tokens.inputCacheWrite,
      "gen_ai.usage.reasoning.output_tokens": record.tokens.outputReasoning,
      "conclave.cost.usd": toUsd(record.costPico),
      "conclave.deployment": record.deployment,
    });
  if (error !== undefined)
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: (error as Error)?.message ?? String(error),
    });
  span.end();
  const { tokenUsage, duration } = histograms();
  tokenUsage.record(input, { ...base, "gen_ai.token.type": "input" });
  tokenUsage.record(output, { ...base, "gen_ai.token.type": "output" });
  duration.record(record.latencyMs / 1000, base);
}
