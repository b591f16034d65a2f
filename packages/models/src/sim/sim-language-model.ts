/**
 * The offline sim model: a `LanguageModelV4` that answers without a network, deterministically
 * in (seed, model id, request). Each call goes through three phases:
 * 1. plan: take the next reply (script, responder or default) and raise call-level faults
 *    (error, rate limit, timeout) the way an HTTP provider raises them before the first byte;
 * 2. render: turn the reply into content parts and token-sized pieces;
 * 3. deliver: wait time-to-first-token, then per-token latency on the injected clock, breaking
 *    off when the reply is a `cut` fault.
 */
import type {
  JSONObject,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
  SharedV4ProviderMetadata,
} from "@ai-sdk/provider";
import { stableId } from "./seeded-random.ts";
import { type SimClock, untilAborted } from "./sim-clock.ts";
import { rateLimitError, SimStreamCutError, serverError } from "./sim-faults.ts";
import { countPromptTokens, lastUserText } from "./sim-prompt.ts";
import { type RenderedReply, renderReply } from "./sim-render.ts";
import { defaultReply, type SimContent, type SimReply, type SimRequest } from "./sim-reply.ts";

/** Where a reply came from, as recorded in provider metadata. */
export type SimReplySource = "script" | "responder" | "default";

/** What a sim model shares with its provider: timing, seed and the reply source. */
export interface SimModelRuntime {
  readonly providerName: string;
  readonly seed: number;
  readonly timeToFirstTokenMs: number;
  readonly perTokenMs: number;
  readonly clock: SimClock;
  /** Reserves the next call index (provider-wide, in call order). */
  nextCallIndex(): number;
  /** The reply for a request: the next scripted one, else the responder's, else the default. */
  replyFor(request: SimRequest): Promise<{ reply: SimReply; source: SimReplySource }>;
}

interface Plan {
  rendered: RenderedReply;
  usage: LanguageModelV4Usage;
  metadata: SharedV4ProviderMetadata;
  responseId: string;
  /** Output tokens delivered before an injected cut, or undefined for a whole reply. */
  cutAfter: number | undefined;
}

/** A sim `LanguageModelV4`; create it through `createSim(...)`. */
export class SimLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider: string;
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]> = {};
  readonly #runtime: SimModelRuntime;

  constructor(modelId: string, runtime: SimModelRuntime) {
    this.modelId = modelId;
    this.provider = runtime.providerName;
    this.#runtime = runtime;
  }

  /** Answers in one piece after the full simulated latency. */
  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const plan = await this.#plan(options);
    const { clock, timeToFirstTokenMs, perTokenMs } = this.#runtime;
    const tokens = plan.cutAfter ?? plan.rendered.textTokens + plan.rendered.reasoningTokens;
    const started = clock.now();
    await clock.sleep(timeToFirstTokenMs + perTokenMs * tokens, options.abortSignal);
    if (plan.cutAfter !== undefined) throw new SimStreamCutError(this.modelId, plan.cutAfter);
    return {
      content: plan.rendered.content,
      finishReason: plan.rendered.finishReason,
      usage: plan.usage,
      providerMetadata: plan.metadata,
      response: { id: plan.responseId, modelId: this.modelId, timestamp: new Date(started) },
      warnings: [],
    };
  }

  /** Streams one token per delta: time-to-first-token, then per-token latency. */
  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const plan = await this.#plan(options);
    const parts = this.#parts(plan, options.abortSignal);
    const stream = new ReadableStream<LanguageModelV4StreamPart>(
      {
        async pull(controller) {
          try {
            const { value, done } = await parts.next();
            if (done) controller.close();
            else controller.enqueue(value);
          } catch (error) {
            controller.error(error);
          }
        },
        async cancel() {
          await parts.return(undefined);
        },
      },
      { highWaterMark: 0 },
    );
    return { stream };
  }

  async #plan(options: LanguageModelV4CallOptions): Promise<Plan> {
    const runtime = this.#runtime;
    const callIndex = runtime.nextCallIndex();
    const seed = options.seed ?? runtime.seed;
    const request: SimRequest = {
      modelId: this.modelId,
      callIndex,
      seed,
      options,
      lastUserText: lastUserText(options.prompt),
    };
    const { reply, source } = await runtime.replyFor(request);
    const content = await this.#raiseFaults(reply, request);
    const callId = stableId(
      seed,
      this.modelId,
      options.prompt,
      options.responseFormat,
      options.tools,
    );
    const rendered = renderReply(content.reply, options, callId);
    const promptTokens = countPromptTokens(options);
    return {
      rendered,
      usage: usageOf(promptTokens, rendered),
      metadata: { sim: { simulated: true, seed, source, callIndex } satisfies JSONObject },
      responseId: `sim-${callId}`,
      cutAfter: content.cutAfter,
    };
  }

  /** Throws call-level faults; returns the content to render and where to cut it. */
  async #raiseFaults(
    reply: SimReply,
    request: SimRequest,
  ): Promise<{ reply: SimContent; cutAfter: number | undefined }> {
    if (typeof reply !== "object" || !("fault" in reply)) return { reply, cutAfter: undefined };
    switch (reply.fault) {
      case "error":
        throw reply.error ?? serverError(this.modelId);
      case "rate-limit":
        throw rateLimitError(this.modelId, reply.retryAfterSeconds ?? 1);
      case "timeout":
        return untilAborted(request.options.abortSignal);
      case "cut": {
        return {
          reply: reply.reply ?? defaultReply(request),
          cutAfter: Math.max(0, reply.afterTokens ?? 3),
        };
      }
    }
  }

  async *#parts(
    plan: Plan,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LanguageModelV4StreamPart> {
    const { clock, timeToFirstTokenMs, perTokenMs } = this.#runtime;
    yield { type: "stream-start", warnings: [] };
    await clock.sleep(timeToFirstTokenMs, signal);
    yield {
      type: "response-metadata",
      id: plan.responseId,
      modelId: this.modelId,
      timestamp: new Date(clock.now()),
    };
    let delivered = 0;
    for (const segment of plan.rendered.segments) {
      const kind = segment.kind === "tool" ? "tool-input" : segment.kind;
      yield segment.kind === "tool"
        ? { type: "tool-input-start", id: segment.id, toolName: segment.toolName }
        : { type: `${segment.kind}-start`, id: segment.id };
      for (const delta of segment.pieces) {
        if (delivered === plan.cutAfter) throw new SimStreamCutError(this.modelId, delivered);
        if (delivered > 0) await clock.sleep(perTokenMs, signal);
        delivered++;
        yield { type: `${kind}-delta`, id: segment.id, delta };
      }
      yield { type: `${kind}-end`, id: segment.id };
      if (segment.kind === "tool") {
        yield {
          type: "tool-call",
          toolCallId: segment.id,
          toolName: segment.toolName,
          input: segment.input,
        };
      }
    }
    if (plan.cutAfter !== undefined) throw new SimStreamCutError(this.modelId, delivered);
    yield {
      type: "finish",
      usage: plan.usage,
      finishReason: plan.rendered.finishReason,
      providerMetadata: plan.metadata,
    };
  }
}

function usageOf(promptTokens: number, rendered: RenderedReply): LanguageModelV4Usage {
  return {
    inputTokens: { total: promptTokens, noCache: promptTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: {
      total: rendered.textTokens + rendered.reasoningTokens,
      text: rendered.textTokens,
      reasoning: rendered.reasoningTokens,
    },
  };
}
